"""A member who leaves (removed, or made a viewer) while holding customers: the admin is shown how many
and picks a controller to take them over, or leaves them unassigned; a member holding none goes at once.
Customers still assigned to a former member can be found on the customers page and the credit list."""

import re

import pytest
from django.contrib.messages import get_messages

from aging.services import recalculate_all
from creditcontrol.models import Membership, Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from tests import factories

USERS = "/t/alpha/setup/users/"


@pytest.fixture
def book(tenant_a, make_member, client):
    admin = make_member(tenant_a, Role.ADMIN, username="ada")
    bob = make_member(tenant_a, Role.CONTROLLER, username="bob")
    cleo = make_member(tenant_a, Role.CONTROLLER, username="cleo")
    make_member(tenant_a, Role.VIEWER, username="vera")
    with tenant_context(tenant_a):
        for n in range(1, 4):
            factories.customer(code=f"B{n}", name=f"Bob's {n}", controller=bob)
        factories.customer(code="C1", name="Cleo's", controller=cleo)
    client.force_login(admin)
    return {
        "tenant": tenant_a,
        "client": client,
        "bob": _membership(tenant_a, bob),
        "cleo": cleo,
        "admin": admin,
    }


def _membership(tenant, user) -> Membership:
    return Membership.objects.get(tenant=tenant, user=user)


def _controllers(tenant) -> dict[str, str]:
    with tenant_context(tenant):
        return {c.code: c.controller.username if c.controller else "" for c in Customer.objects.all()}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_list_shows_how_many_customers_each_member_holds(book):
    page = book["client"].get(USERS).content.decode()
    held = dict(
        re.findall(r'<tr data-member="([^"]+)">.*?<td class="num" data-held>(?:<a [^>]*>)?(\d+)', page, re.S)
    )
    assert held == {"ada": "0", "bob": "3", "cleo": "1", "vera": "0"}


def test_removing_a_member_with_customers_asks_who_takes_them_over(book):
    client, pk = book["client"], book["bob"].pk
    asked = client.post(f"{USERS}{pk}/remove/")
    assert asked.status_code == 400
    card = re.search(r'<section class="card handover".*?</section>', asked.content.decode(), re.S).group(0)
    assert "Remove bob from Alpha Trading Ltd" in card
    assert (
        "bob is the controller of <strong data-held>3</strong> customers, which they could no longer work: "
        "choose who takes them over, or leave them unassigned."
    ) in card
    assert "data-field-error" not in card  # asked, not yet refused
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', card)
    assert options == [
        ("", "— choose —"),
        ("unassigned", "Leave them unassigned"),
        (str(book["admin"].pk), "Hand over to ada"),
        (str(book["cleo"].pk), "Hand over to cleo"),
    ]
    assert Membership.objects.filter(pk=pk).exists()  # nothing done yet

    nothing = client.post(f"{USERS}{pk}/remove/", {"handover": ""})
    assert nothing.status_code == 400
    assert (
        '<div class="error" data-field-error="handover">Choose who takes their customers over, or leave them '
        "unassigned.</div>"
    ) in nothing.content.decode()

    done = client.post(f"{USERS}{pk}/remove/", {"handover": str(book["cleo"].pk)})
    assert done.status_code == 302
    assert _messages(done) == [
        "bob no longer has access to Alpha Trading Ltd. Their 3 customers went to cleo."
    ]
    assert not Membership.objects.filter(pk=pk).exists()
    assert _controllers(book["tenant"]) == {"B1": "cleo", "B2": "cleo", "B3": "cleo", "C1": "cleo"}


def test_removing_a_member_and_leaving_their_customers_unassigned(book):
    done = book["client"].post(f"{USERS}{book['bob'].pk}/remove/", {"handover": "unassigned"})
    assert _messages(done) == [
        "bob no longer has access to Alpha Trading Ltd. Their 3 customers are now unassigned."
    ]
    assert _controllers(book["tenant"]) == {"B1": "", "B2": "", "B3": "", "C1": "cleo"}


def test_handing_over_to_a_viewer_is_refused_on_the_card(book):
    vera = Membership.objects.get(user__username="vera")
    refused = book["client"].post(f"{USERS}{book['bob'].pk}/remove/", {"handover": str(vera.user_id)})
    assert refused.status_code == 400
    assert (
        '<div class="error" data-field-error="handover">Choose who takes their customers over, or leave them '
        "unassigned.</div>"
    ) in refused.content.decode()
    assert Membership.objects.filter(pk=book["bob"].pk).exists()


def test_making_a_member_a_viewer_hands_their_customers_over(book):
    client, pk = book["client"], book["bob"].pk
    asked = client.post(f"{USERS}{pk}/role/", {"role": "viewer"})
    assert asked.status_code == 400
    card = re.search(r'<section class="card handover".*?</section>', asked.content.decode(), re.S).group(0)
    assert "Make bob a viewer" in card and '<input type="hidden" name="role" value="viewer">' in card
    assert _membership(book["tenant"], book["bob"].user).role == Role.CONTROLLER

    done = client.post(f"{USERS}{pk}/role/", {"role": "viewer", "handover": str(book["admin"].pk)})
    assert _messages(done) == ["bob is now Viewer. Their 3 customers went to ada."]
    assert _controllers(book["tenant"])["B1"] == "ada"


def test_a_role_that_still_works_customers_keeps_them_and_asks_nothing(book):
    done = book["client"].post(f"{USERS}{book['bob'].pk}/role/", {"role": "manager"})
    assert done.status_code == 302 and _messages(done) == ["bob is now Manager."]
    assert _controllers(book["tenant"])["B1"] == "bob"


def test_a_member_holding_no_customers_is_removed_at_once(book):
    vera = Membership.objects.get(user__username="vera")
    done = book["client"].post(f"{USERS}{vera.pk}/remove/")
    assert done.status_code == 302 and _messages(done) == ["vera no longer has access to Alpha Trading Ltd."]


def test_customers_of_a_former_member_can_be_found_and_reassigned(book):
    """Removed before this page asked (or through the API's memberships): their customers are shown."""
    client, tenant = book["client"], book["tenant"]
    Membership.objects.filter(pk=book["bob"].pk).delete()
    users = client.get(USERS).content.decode()
    assert "3 customers are assigned to a former member" in users

    listed = client.get("/t/alpha/customers/?former_controller=true").content.decode()
    codes = re.findall(r"<td>(?:<a [^>]*>)?([BC]\d)(?:</a>)?</td>", listed)
    assert codes == ["B1", "B2", "B3"]
    with tenant_context(tenant):
        recalculate_all(trigger="command")
    credit = client.get("/t/alpha/customers/credit/?controller=former").content.decode()
    assert '<option value="former" selected>Assigned to a former member</option>' in credit
    assert sorted(set(re.findall(r'data-column="code"[^>]*>(?:<a [^>]*>)?([BC]\d)<', credit))) == [
        "B1",
        "B2",
        "B3",
    ]
