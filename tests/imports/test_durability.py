"""What an import acknowledges survives a crash: its transaction commits with the server's synchronous
commit (it used to switch it off for the whole request, so an API import answered 200 and could be gone
after a database crash right after)."""

import pytest
from django.db import connection

from creditcontrol import changes
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context

from .helpers import run_import


@pytest.fixture
def commit_mode():
    """The synchronous_commit in force when an import publishes its change (inside its transaction)."""
    seen: list[str] = []

    def record(change):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])

    changes.subscribe(record)
    yield seen
    changes._subscribers.remove(record)


def test_a_file_import_commits_synchronously(in_tenant, commit_mode):
    result = run_import("customers", "code,name\nD1,Durable Ltd\n")
    assert result.ok
    assert commit_mode == ["on"]


def test_an_api_import_commits_synchronously(tenant_a, make_member, api_for, commit_mode):
    api = api_for(make_member(tenant_a, Role.MANAGER))
    response = api.post(
        "/api/t/alpha/import/customers/", [{"code": "D2", "name": "Durable Two Ltd"}], format="json"
    )
    assert response.status_code == 200, response.json()
    assert commit_mode == ["on"]
    with tenant_context(tenant_a), connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")  # nothing of the import's lingers in the request either
        assert cursor.fetchone()[0] == "on"
