"""A tenant admin invites a colleague, makes them a credit controller, and gives them the twenty retail
customers by filter; the colleague sets a password from the e-mail and signs in."""

import re

import pytest

from creditcontrol.models import Membership, Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer, CustomerGroup
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company(tenant_a, make_member):
    with tenant_context(tenant_a):
        retail = CustomerGroup.objects.create(code="RETAIL", name="Retail")
        trade = CustomerGroup.objects.create(code="TRADE", name="Trade")
        for i in range(20):
            factories.customer(code=f"R{i:02}", name=f"Retail customer {i}", group=retail)
        for i in range(6):
            factories.customer(code=f"T{i:02}", name=f"Trade customer {i}", group=trade)
    make_member(tenant_a, Role.ADMIN, username="ada")
    return tenant_a


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"admin_setup_{name}.png"), full_page=True)


def test_invite_make_controller_and_assign_twenty_by_filter(page, company, browser, live_server, mail_server):
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.click("nav.mainnav >> text=Setup")
    assert page.locator("h1").inner_text() == "Setup"
    _shot(page, "1_index")
    page.click("text=Users and roles")

    # a bad address is refused on the form, then the invitation goes out
    page.fill("#id_email", "not an address")
    page.click("button:has-text('Invite')")
    assert page.locator("[data-field-error=email]").inner_text() == "Enter a valid email address."
    page.fill("#id_email", "cleo@alpha.example")
    page.select_option("#id_role", "viewer")
    page.click("button:has-text('Invite')")
    assert page.locator(".messages").inner_text() == (
        "Invited cleo@alpha.example as Viewer: an e-mail is on its way."
    )
    row = page.locator("tr[data-member='cleo@alpha.example']")
    assert "Invited" in row.inner_text()

    # the role: viewer -> credit controller
    row.locator("select").select_option("controller")
    row.locator("button:has-text('Change role')").click()
    assert page.locator(".messages").inner_text() == "cleo@alpha.example is now Credit controller."
    assert page.locator("tr[data-member='cleo@alpha.example'] select").input_value() == "controller"
    _shot(page, "2_users")

    # branches: a new one, then a duplicate code refused on its row
    page.goto("/t/alpha/setup/")
    page.click("text=Branches")
    page.fill("#id_new-code", "LON")
    page.fill("#id_new-name", "London")
    page.click("button:has-text('Add')")
    assert page.locator(".messages").inner_text() == "Branch LON saved."
    page.fill("#id_new-code", "LON")
    page.fill("#id_new-name", "London again")
    page.click("button:has-text('Add')")
    assert page.locator("[data-field-error=code]").inner_text() == "A branch with code LON already exists."
    _shot(page, "2b_branches")

    # twenty retail customers by filter
    page.click("nav.mainnav >> text=Customers")
    page.select_option("form.filters select[name=group]", label="RETAIL")
    page.click("button:has-text('Filter')")
    assert page.locator("#customer-list tbody tr").count() == 20
    page.select_option("#assign-controller", label="cleo@alpha.example")
    page.click("button:has-text('Assign all 20 matching the filter')")
    assert page.locator(".messages").inner_text() == "20 customers assigned to cleo@alpha.example."
    assert page.locator("#customer-list tbody tr").count() == 20  # back on the same filter
    _shot(page, "3_assigned")

    with tenant_context(company):
        assigned = set(
            Customer.objects.filter(controller__email="cleo@alpha.example").values_list("code", flat=True)
        )
    assert assigned == {f"R{i:02}" for i in range(20)}

    # Cleo's e-mail went through the mail server; the admin reads it on Setup > Sent mail
    assert [m["To"] for m in mail_server.messages()] == ["cleo@alpha.example"]
    page.goto("/t/alpha/setup/")
    page.click("text=Sent mail")
    assert page.locator("#sent-mail tbody tr").count() == 1
    _shot(page, "3a_sent_mail_list")
    page.click("#sent-mail >> text=Your access to Alpha Trading Ltd")
    body = page.locator("#message-body").inner_text()
    assert "has given you access to Alpha Trading Ltd in Credit control as Viewer." in body
    _shot(page, "3b_sent_mail")

    # the link sets her password, and she signs in to her twenty customers
    link = re.search(r"https?://\S+/accounts/set-password/\S+/", body).group(0)
    cleo = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900}).new_page()
    cleo.goto(link)
    cleo.fill("#id_new_password1", "Ledger-Tide-4417")
    cleo.fill("#id_new_password2", "Ledger-Tide-4417")
    cleo.click("button:has-text('Set password')")
    assert cleo.locator("h1").inner_text() == "Password set"
    sign_in(cleo, "cleo@alpha.example", "Ledger-Tide-4417")
    cleo.wait_for_url(re.compile(r"/t/alpha/$"))
    cleo.goto("/t/alpha/customers/")
    # a controller sees her own customers and those assigned to nobody (creditcontrol/scope.py)
    assert cleo.locator("#customer-list tbody tr").count() == 26
    cleo.select_option("form.filters select[name=controller]", label="cleo@alpha.example")
    cleo.click("button:has-text('Filter')")
    assert cleo.locator("#customer-list tbody tr").count() == 20
    _shot(cleo, "4_controller")
    cleo.context.close()
    assert Membership.objects.get(tenant=company, user__email="cleo@alpha.example").role == Role.CONTROLLER
