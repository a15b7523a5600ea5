"""Shared fixtures: two tenants, users in each role, signed-in clients, and entering a tenant."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from creditcontrol import rowsecurity
from creditcontrol.celery import app
from creditcontrol.models import Membership, Role, Tenant
from creditcontrol.tenancy import tenant_context

PASSWORD = "correct-horse-battery"
BASE_DIR = Path(__file__).resolve().parent.parent


def _database_url_for(name: str) -> str:
    """DATABASE_URL with the test database's name, so that the worker uses the same database.

    The database name is the last part of the path (an embedded server's socket directory comes before it).
    """
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path=url.path.rsplit("/", 1)[0] + f"/{name}"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test databases are made, migrated and dropped by the tables' owner, as in production."""
    rowsecurity.use_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """...and the tests run as the application's role, under the tenant policies, as in production."""
    rowsecurity.use_app_role()
    yield
    rowsecurity.use_owner()


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker process on a queue of its own, so that no other worker can take its tasks."""
    queue = f"foundation-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@%h"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "creditcontrol.settings.test",
        "DATABASE_URL": _database_url_for(connection.settings_dict["NAME"]),
    }
    log = BASE_DIR / "var" / f"{queue}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "creditcontrol",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-Q",
                queue,
                "-n",
                hostname,
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # The test settings run tasks in-process; these tests want them to travel through Redis.
    always_eager, default_queue = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue  # the project's own tasks go to this worker too
    try:
        deadline = time.monotonic() + 120  # a busy two-core machine can be slow to start one
        name = None
        while name is None:
            if process.poll() is not None:
                pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not answer a ping within 120 s:\n{log.read_text()}")
            replies = app.control.ping(timeout=0.5)
            name = next((n for reply in replies for n in reply if n.startswith(f"{queue}@")), None)
        yield {"queue": queue, "name": name, "process": process}
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = always_eager, default_queue
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


@pytest.fixture
def mail_server(settings, tmp_path):
    """A real SMTP server (creditcontrol.mailserver) that the product sends through during the test;
    `mail_server.messages()` is what it received, and the Sent mail page reads the same Maildir."""
    from creditcontrol.mailserver import MailServer

    with MailServer(tmp_path / "mail") as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.LOCAL_MAILBOX_DIR = str(server.maildir)
        yield server


@pytest.fixture
def tenant_a(db):
    return Tenant.objects.create(
        name="Alpha Trading Ltd", slug="alpha", local_currency="GBP", time_zone="Europe/London"
    )


@pytest.fixture
def tenant_b(db):
    return Tenant.objects.create(
        name="Beta Handel GmbH", slug="beta", local_currency="EUR", time_zone="Europe/Berlin"
    )


@pytest.fixture
def make_member(db):
    def make(tenant, role=Role.MANAGER, username=None):
        username = username or f"{tenant.slug}-{role}"
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": role})
        return user

    return make


@pytest.fixture
def in_tenant(tenant_a):
    """Enter tenant A for the duration of the test (services and selectors need a tenant)."""
    with tenant_context(tenant_a):
        yield tenant_a


@pytest.fixture
def client_for(client):
    def make(user):
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    def make(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make


def require_system_package(available: bool, message: str) -> None:
    """Skip a test whose system package (chromium, Pango) is missing, as on a new user's machine;
    with REQUIRE_SYSTEM_PACKAGES set (CI installs them), fail instead."""
    if available:
        return
    if os.environ.get("REQUIRE_SYSTEM_PACKAGES"):
        pytest.fail(message)
    pytest.skip(message)
