"""API plumbing: the OpenAPI schema, the docs page served without a CDN, and token sign-in to a tenant."""

import json
import re

import pytest
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer


def test_the_schema_is_an_openapi_document_of_the_tenant_api(client_for, tenant_a, make_member):
    response = client_for(make_member(tenant_a)).get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Credit control API"
    assert all(path.startswith("/api/t/{tenant_slug}/") for path in schema["paths"])


def test_the_schema_describes_the_tenant_prefix_and_sections_the_endpoints(client_for, tenant_a, make_member):
    response = client_for(make_member(tenant_a)).get("/api/schema/", HTTP_ACCEPT="application/json")
    schema = json.loads(response.content)
    assert schema["info"]["description"].startswith(
        "Tenant-scoped API: every path starts with `/api/t/{tenant_slug}/`, where `{tenant_slug}` is the "
        "tenant's slug (the `alpha` of `/api/t/alpha/customers/`)."
    )
    assert [tag["name"] for tag in schema["tags"]] == [
        "customers",
        "ledger",
        "imports",
        "statistics",
        "interactions",
        "messages",
        "chasing",
        "audit",
        "setup",
        "me",
    ]

    def tags(path, method="get"):
        return schema["paths"][f"/api/t/{{tenant_slug}}/{path}"][method]["tags"]

    assert tags("customers/") == tags("contacts/{id}/") == tags("credit-limit-changes/") == ["customers"]
    assert tags("entries/") == tags("entries/record-payment/", "post") == tags("applications/") == ["ledger"]
    assert tags("import/{kind}/", "post") == ["imports"]
    assert tags("statistics/") == tags("kpis/") == tags("recalculations/") == ["statistics"]
    assert tags("interactions/") == tags("todos/") == tags("promises/") == ["interactions"]
    assert (
        tags("messages/")
        == tags("messages/batches/", "post")
        == tags("messages/events/", "post")
        == tags("messages/print-runs/", "post")
        == tags("messages/print-runs/{id}/pdf/")
        == tags("messages/events/signed/", "post")
        == ["messages"]
    )
    assert tags("entries/{id}/document/", "put") == tags("ledger/feed/", "post") == ["ledger"]
    assert (
        tags("chasing/policies/")
        == tags("chasing/policies/{id}/levels/{number}/", "patch")
        == tags("chasing/setup/", "put")
        == tags("chasing/runs/", "post")
        == tags("chasing/runs/{id}/reminders/")
        == tags("chasing/reminders/{id}/", "patch")
        == tags("chasing/pause/", "post")
        == ["chasing"]
    )
    assert tags("customers/{id}/chasing/", "put") == ["customers"]
    assert (
        tags("branches/")
        == tags("payment-terms/")
        == tags("status-codes/")
        == tags("aging/setup/")
        == ["setup"]
    )
    used = {
        tag for operations in schema["paths"].values() for op in operations.values() for tag in op["tags"]
    }
    # a new resource goes into a section of creditcontrol/api_sections.py
    assert used <= {tag["name"] for tag in schema["tags"]}


def test_the_api_docs_page_renders_with_assets_served_by_the_app_not_a_cdn(client_for, tenant_a, make_member):
    response = client_for(make_member(tenant_a)).get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    external = re.findall(r'(?:src|href)\s*=\s*["\'](https?:)?//', html)
    assert external == [], "the docs page loads something from another host"
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "fonts.googleapis.com"):
        assert cdn not in html


@pytest.fixture
def customers_url():
    try:
        return reverse("customer-list", kwargs={"tenant_slug": "alpha"})
    except NoReverseMatch:
        pytest.skip("no tenant API endpoint to sign in to yet")


def test_a_token_signs_in_to_the_tenant_api_and_sees_only_that_tenants_rows(
    customers_url, tenant_a, tenant_b, make_member
):
    with tenant_context(tenant_a):
        Customer.objects.create(code="ALPHA-1", name="Alpha's customer")
    with tenant_context(tenant_b):
        Customer.objects.create(code="BETA-1", name="Beta's customer")
    token = Token.objects.create(user=make_member(tenant_a, role=Role.VIEWER))
    api = APIClient()

    response = api.get(customers_url, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert customers_url == "/api/t/alpha/customers/"
    assert response.status_code == 200
    assert "ALPHA-1" in response.content.decode()
    assert "BETA-1" not in response.content.decode()


def test_the_tenant_api_refuses_a_missing_or_wrong_token(customers_url, tenant_a):
    api = APIClient()

    anonymous = api.get(customers_url)
    bad_token = api.get(customers_url, HTTP_AUTHORIZATION="Token not-a-real-key")

    # 403 rather than 401 while session authentication comes first (it sends no WWW-Authenticate).
    assert anonymous.status_code in (401, 403)
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
    assert bad_token.status_code in (401, 403)
    assert bad_token.json() == {"detail": "Invalid token."}


def test_a_token_of_another_tenants_user_gets_404_like_a_missing_tenant(
    customers_url, tenant_a, tenant_b, make_member
):
    token = Token.objects.create(user=make_member(tenant_b))
    api = APIClient()

    foreign = api.get(customers_url, HTTP_AUTHORIZATION=f"Token {token.key}")
    missing = api.get("/api/t/no-such-company/customers/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert foreign.status_code == 404
    assert missing.status_code == 404
    assert foreign.content == missing.content
