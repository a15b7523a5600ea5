"""The status codes page for a tenant admin: each code edited in place (problems shown on its row, nothing
saved), deactivated when in use (offered no more for new interactions, kept on the entries and in the
history), reactivated, and deleted only when nothing uses it. Other members read the list."""

import re

import pytest
from django.contrib.messages import get_messages

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from interactions.forms import UpdateEntriesForm
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create
from ledger.models import LedgerEntry

URL = "/t/alpha/interactions/status-codes/"


@pytest.fixture
def admin(world, client_for, make_member):
    return client_for(make_member(world.tenant, Role.ADMIN, username="ada"))


def _row(body: str, code: str) -> str:
    return body[body.index(f'<tr data-row="{code}"') :].split("</tr>")[0]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _fields(pk: int, **values) -> dict:
    return {f"row{pk}-{name}": value for name, value in values.items()}


def _used(world) -> StatusCode:
    """CALLBACK set on the older invoice through an interaction: on one entry and in one entry update."""
    code = world.codes["CALLBACK"]
    interaction = interaction_create(
        customer=world.customer, user=world.controller, description="Call", entry_ids=[world.older.pk]
    )
    entries_update(interaction=interaction, user=world.controller, status_code=code)
    return code


def test_an_admin_edits_a_code_in_place(world, admin):
    pk = world.codes["CALLBACK"].pk
    response = admin.post(
        f"{URL}{pk}/",
        _fields(pk, code="callback", description="Customer asks for a call back", exclude_from_chasing="on"),
    )
    assert response.status_code == 302 and _messages(response) == ["Status code CALLBACK saved."]
    code = StatusCode.objects.get(pk=pk)
    assert (code.description, code.exclude_from_chasing, code.queried) == (
        "Customer asks for a call back",
        True,
        False,
    )
    page = admin.get(URL).content.decode()
    assert f'name="row{pk}-description" value="Customer asks for a call back"' in _row(page, "CALLBACK")


def test_problems_are_shown_on_the_row_and_nothing_is_saved(world, admin):
    pk = world.codes["CALLBACK"].pk
    both = admin.post(f"{URL}{pk}/", _fields(pk, code="CALLBACK", promised="on", queried="on"))
    assert both.status_code == 400
    assert (
        '<div class="error" data-field-error="queried">A status code is either Promised or Queried, not both.</div>'
    ) in _row(both.content.decode(), "CALLBACK")
    twin = admin.post(f"{URL}{pk}/", _fields(pk, code="queried"))
    assert '<div class="error" data-field-error="code">Status code QUERIED already exists.</div>' in _row(
        twin.content.decode(), "CALLBACK"
    )
    code = StatusCode.objects.get(pk=pk)
    assert (code.code, code.promised, code.queried) == ("CALLBACK", False, False)


def test_a_code_in_use_is_deactivated_not_deleted(world, admin):
    code = _used(world)
    refused = admin.post(f"{URL}{code.pk}/delete/")
    assert refused.status_code == 400
    assert (
        '<div class="error" role="alert" data-row-error>Status code CALLBACK is used by 1 entry update and '
        "1 ledger entry: deactivate it instead, which keeps it where it is used and offers it no more.</div>"
    ) in _row(refused.content.decode(), "CALLBACK")

    deactivated = admin.post(f"{URL}{code.pk}/active/", {"active": "0"})
    assert _messages(deactivated) == ["Status code CALLBACK is inactive: no longer offered."]
    assert LedgerEntry.objects.get(pk=world.older.pk).status_code_id == code.pk  # kept on the entry
    assert '<span class="badge">Inactive</span>' in _row(admin.get(URL).content.decode(), "CALLBACK")
    offered = [c.code for c in UpdateEntriesForm().fields["status_code"].queryset]
    assert offered == ["DISPUTED", "PROMISED", "QUERIED"]
    interaction = interaction_create(
        customer=world.customer, user=world.controller, description="Again", entry_ids=[world.newer.pk]
    )
    with pytest.raises(DomainError, match="^Status code CALLBACK is inactive: choose another.$"):
        entries_update(
            interaction=interaction, user=world.controller, status_code=StatusCode.objects.get(pk=code.pk)
        )

    admin.post(f"{URL}{code.pk}/active/", {"active": "1"})
    assert "CALLBACK" in [c.code for c in UpdateEntriesForm().fields["status_code"].queryset]


def test_a_code_nothing_uses_is_deleted(world, admin):
    pk = world.codes["CALLBACK"].pk
    response = admin.post(f"{URL}{pk}/delete/")
    assert response.status_code == 302 and _messages(response) == ["Status code CALLBACK deleted."]
    assert sorted(StatusCode.objects.values_list("code", flat=True)) == ["DISPUTED", "PROMISED", "QUERIED"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONTROLLER, Role.VIEWER])
def test_other_members_read_the_list_and_change_nothing(world, client_for, make_member, role):
    client = client_for(make_member(world.tenant, role, username=f"m-{role}"))
    page = client.get(URL).content.decode()
    assert re.findall(r'<tr data-row="([A-Z]+)">', page) == ["CALLBACK", "DISPUTED", "PROMISED", "QUERIED"]
    assert ('id="new-form"' in page, "Deactivate" in page, "<td>Active</td>" in page) == (False, False, True)
    pk = world.codes["CALLBACK"].pk
    for path, data in ((f"{URL}{pk}/", _fields(pk, code="X")), (f"{URL}{pk}/active/", {"active": "0"})):
        assert client.post(path, data).status_code == 403
    assert client.post(f"{URL}{pk}/delete/").status_code == 403
    assert StatusCode.objects.get(pk=pk).is_active is True
