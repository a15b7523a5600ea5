"""A viewer reads and changes nothing: every write route of a tenant answers 403 to a viewer of that
tenant, for pages and API alike (the route list is the isolation test's, so new routes are included)."""

import re

import pytest

from creditcontrol.models import Role
from tests.isolation import CONTROLLER_SCOPE, PARAMETER_LITERALS, TENANT_ROUTES, tenant_routes

# Choosing one's own credit list columns, saved views, work date or branch context is a personal setting,
# open to viewers too.
PERSONAL = {"credit-list-columns", "credit-list-views", "work-date", "branch-context"}
# A provider's route signed with the tenant's secret: no member's session writes there, whatever its role.
SIGNED = {name for name, answer in CONTROLLER_SCOPE.items() if answer == "signed"}
WRITES = sorted(
    n for n, (method, _key) in TENANT_ROUTES.items() if method == "post" and n not in PERSONAL | SIGNED
)


@pytest.mark.parametrize("name", WRITES)
def test_a_viewer_cannot_write(name, tenant_a, make_member, client):
    client.force_login(make_member(tenant_a, Role.VIEWER))
    values = {"tenant_slug": tenant_a.slug}
    for param in re.findall(r"%\((\w+)\)s", tenant_routes()[name]):
        if param != "tenant_slug":
            # the role is checked before any object is looked up: any id will do
            values[param] = PARAMETER_LITERALS.get(
                param, "00000000-0000-0000-0000-000000000001" if param == "job_id" else 1
            )
    path = tenant_routes()[name] % values
    response = client.post(path, {})
    assert response.status_code == 403, (path, response.status_code)


@pytest.mark.parametrize("name", sorted(SIGNED))
def test_a_viewers_session_signs_nothing(name, tenant_a, make_member, client):
    client.force_login(make_member(tenant_a, Role.VIEWER))
    response = client.post(tenant_routes()[name] % {"tenant_slug": tenant_a.slug}, {})
    assert (response.status_code, response.json()["code"]) == (401, "signature_missing")


def test_a_viewer_may_arrange_their_own_columns(tenant_a, make_member, client):
    client.force_login(make_member(tenant_a, Role.VIEWER))
    response = client.post(f"/t/{tenant_a.slug}/customers/credit/columns/", {"columns": ["code", "name"]})
    assert response.status_code == 302


def test_a_viewer_may_set_their_own_work_date(tenant_a, make_member, client, api_for):
    viewer = make_member(tenant_a, Role.VIEWER)
    client.force_login(viewer)
    response = client.post(f"/t/{tenant_a.slug}/work-date/", {"work_date": "2026-10-31"})
    assert response.status_code == 302
    answer = api_for(viewer).put(f"/api/t/{tenant_a.slug}/me/work-date/", {"work_date": None}, format="json")
    assert (answer.status_code, answer.json()["work_date"]) == (200, None)


def test_a_viewer_cannot_make_a_print_run(tenant_a, make_member, client, api_for):
    viewer = make_member(tenant_a, Role.VIEWER)
    client.force_login(viewer)
    assert client.post(f"/t/{tenant_a.slug}/messages/print-runs/", {}).status_code == 403
    assert api_for(viewer).post(f"/api/t/{tenant_a.slug}/messages/print-runs/").status_code == 403


# The chasing API's writes by other methods than POST (its POSTs are in WRITES): refused before any lookup.
CHASING_WRITES = [
    ("post", "chasing/policies/"),
    ("patch", "chasing/policies/1/"),
    ("delete", "chasing/policies/1/"),
    ("post", "chasing/policies/1/levels/"),
    ("patch", "chasing/policies/1/levels/1/"),
    ("delete", "chasing/policies/1/levels/1/"),
    ("put", "chasing/setup/"),
    ("post", "chasing/runs/"),
    ("patch", "chasing/reminders/1/"),
    ("put", "customers/1/chasing/"),
    ("put", "chasing/groups/1/"),
    ("post", "ledger/feed/"),
]


@pytest.mark.parametrize(("method", "path"), CHASING_WRITES)
def test_a_viewer_cannot_change_chasing(method, path, tenant_a, make_member, api_for):
    api = api_for(make_member(tenant_a, Role.VIEWER))
    response = getattr(api, method)(f"/api/t/{tenant_a.slug}/{path}", {}, format="json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )
