"""Security headers: the Content-Security-Policy of every response, `Cache-Control: private, no-store` on what
Django renders, templates a strict policy can run, and `manage.py check --deploy` with the production settings."""

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from rest_framework.authtoken.models import Token

from creditcontrol.headers import SecurityHeadersMiddleware, build_policy
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from tests import factories

BASE_DIR = Path(__file__).resolve().parent.parent.parent

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
SWAGGER_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'"
)
REDOC_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data: https://cdn.redoc.ly; object-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:"
)
NO_STORE = "private, no-store"
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"  # what never_cache says


@pytest.fixture
def manager(tenant_a, make_member, client):
    user = make_member(tenant_a, Role.MANAGER, username="maria")
    with tenant_context(tenant_a):
        factories.invoice(
            factories.customer(code="C100", name="Harbour Foods Ltd"), "SI-1", "2026-01-10", "90"
        )
    client.force_login(user)
    return user


def test_the_policy_is_the_documented_one():
    from django.conf import settings

    assert build_policy(settings.SECURE_CSP) == POLICY


@pytest.mark.parametrize(
    "path",
    [
        "/t/alpha/",
        "/t/alpha/customers/credit/",
        "/t/alpha/customers/balance-due/",
        "/t/alpha/ledger/?open=true",
    ],
)
def test_a_signed_in_page_or_export_has_the_policy_and_is_not_stored(manager, client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert response["Cache-Control"] == NO_STORE


def test_the_csv_export_is_not_stored(manager, client):
    response = client.get("/t/alpha/customers/credit/export.csv")

    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == NO_STORE
    assert response["Content-Security-Policy"] == POLICY


def test_the_timeline_pdf_is_not_stored(manager, client, tenant_a):
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # Pango missing
        from tests.conftest import require_system_package

        require_system_package(False, f"WeasyPrint cannot load its system libraries ({error}); see .ci/run")
    with tenant_context(tenant_a):
        from customers.models import Customer

        customer = Customer.objects.get(code="C100")
    response = client.get(f"/t/alpha/interactions/customers/{customer.pk}/timeline.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == NO_STORE


def test_an_htmx_fragment_is_not_stored(manager, client, tenant_a):
    with tenant_context(tenant_a):
        from customers.models import Customer

        customer = Customer.objects.get(code="C100")
    response = client.get(f"/t/alpha/customers/{customer.pk}/factbox/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_api_answers_are_not_stored_signed_in_by_token_or_not(tenant_a, make_member):
    user = make_member(tenant_a, Role.MANAGER, username="api-user")
    token = Token.objects.create(user=user)
    api = Client()

    answer = api.get("/api/t/alpha/customers/", headers={"Authorization": f"Token {token.key}"})
    refused = api.get("/api/t/alpha/customers/")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer["Cache-Control"] == NO_STORE
    assert answer["Content-Security-Policy"] == POLICY
    assert refused.status_code == 401
    assert refused["Cache-Control"] == NO_STORE
    assert refused["Content-Security-Policy"] == POLICY


def test_the_login_page_and_a_404_have_the_policy(client, db):
    login = client.get("/accounts/login/")
    missing = client.get("/no-such-page/")

    assert login.status_code == 200
    assert login["Content-Security-Policy"] == POLICY
    # Django's LoginView says never_cache itself; were a login view not to, the middleware would say no-store
    assert login["Cache-Control"] in (NEVER_CACHE, NO_STORE)
    assert missing.status_code == 404
    assert missing["Content-Security-Policy"] == POLICY


def test_a_signed_out_visit_to_a_page_is_a_redirect_that_is_not_stored(client, tenant_a):
    response = client.get("/t/alpha/")

    assert response.status_code == 302
    assert response["Cache-Control"] == NO_STORE
    assert response["Content-Security-Policy"] == POLICY


def test_the_api_docs_pages_have_their_own_looser_policies(manager, client):
    swagger = client.get("/api/docs/")
    redoc = client.get("/api/redoc/")
    schema = client.get("/api/schema/")

    assert swagger.status_code == redoc.status_code == schema.status_code == 200
    assert swagger["Content-Security-Policy"] == SWAGGER_POLICY
    assert redoc["Content-Security-Policy"] == REDOC_POLICY
    assert schema["Content-Security-Policy"] == POLICY  # the schema itself is no page
    assert swagger["Cache-Control"] == redoc["Cache-Control"] == schema["Cache-Control"] == NO_STORE


def test_healthz_keeps_its_own_cache_control_and_gets_the_policy(client, db):
    response = client.get("/healthz")

    assert response["Cache-Control"] == NEVER_CACHE
    assert response["Content-Security-Policy"] == POLICY


def test_the_admin_keeps_its_own_cache_control(client, db):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Cache-Control"] == NEVER_CACHE
    assert response["Content-Security-Policy"] == POLICY


def test_other_security_headers(manager, client):
    response = client.get("/t/alpha/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_whitenoises_caching_and_get_no_policy(db):
    response = Client().get("/static/js/app.js")  # a new client: whitenoise reads its settings at start

    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert response["Cache-Control"].startswith("max-age=")
    assert "Content-Security-Policy" not in response


def test_a_view_that_sets_its_own_headers_keeps_them():
    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        response["Cache-Control"] = "public, max-age=60"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/t/alpha/"))

    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Cache-Control"] == "public, max-age=60"


# What a strict script-src refuses: an inline <script> block, an on…= handler attribute, a javascript: URL, an
# htmx attribute htmx would eval (hx-on, js: values, a [filter] in hx-trigger).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|hx-on|hx-(?:vals|headers)=['\"]\s*js:|hx-trigger=\"[^\"]*\[",
    re.IGNORECASE,
)


def test_no_template_has_an_inline_script_or_handler():
    offenders = [
        f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()}"
        for path in sorted((BASE_DIR / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if INLINE_SCRIPT.search(line)
    ]

    assert offenders == []


def test_check_deploy_with_the_production_settings_reports_nothing():
    """`check --deploy` on the production settings: no issue at all, security or API schema."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    # Not what a deployment has: the browser tests' switch (async.E001) or an operator's preload choice.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SECURE_HSTS_PRELOAD")
    }
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "creditcontrol.settings.production",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "DJANGO_ALLOWED_HOSTS": "x",
    }
    security = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    everything = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert security.returncode == 0, security.stderr
    assert security.stdout.strip() == "System check identified no issues (1 silenced)."
    assert everything.returncode == 0, everything.stdout + everything.stderr
    assert everything.stdout.strip() == "System check identified no issues (1 silenced)."
