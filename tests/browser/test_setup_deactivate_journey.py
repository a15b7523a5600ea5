"""A tenant admin tidies the setup: deleting a branch in use is refused on its row, so it is deactivated;
a status code is edited in place (a bad combination refused on its row) and deactivated; a controller
holding customers is removed and their customers handed over to a colleague."""

import re

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create, status_codes_seed_defaults
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company(tenant_a, make_member):
    make_member(tenant_a, Role.ADMIN, username="ada")
    bob = make_member(tenant_a, Role.CONTROLLER, username="bob")
    make_member(tenant_a, Role.CONTROLLER, username="cleo")
    with tenant_context(tenant_a):
        status_codes_seed_defaults()
        london = factories.branch("LON", "London")
        factories.branch("MAN", "Manchester")
        crown = factories.customer(code="C1", name="Crown Fabrics", branch=london, controller=bob)
        factories.customer(code="C2", name="Mill Lane", controller=bob)
        invoice = factories.invoice(crown, "INV-1", "2026-10-01", "100.00", branch=london)
        interaction = interaction_create(customer=crown, description="Call", entry_ids=[invoice.pk])
        entries_update(interaction=interaction, status_code=StatusCode.objects.get(code="CALLBACK"))
    return tenant_a


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"setup_tidy_{name}.png"), full_page=True)


def test_an_admin_deactivates_what_is_used_and_hands_a_leavers_customers_over(page, company):
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))

    # branches: London is used, so deleting it is refused on its row; deactivated instead
    page.goto("/t/alpha/setup/branches/")
    london = page.locator("tr[data-row=LON]")
    london.locator("button:has-text('Delete')").click()
    assert page.locator("tr[data-row=LON] [data-row-error]").inner_text() == (
        "Branch LON is used by 1 customer and 1 ledger entry: deactivate it instead, which keeps it where "
        "it is used and offers it no more."
    )
    _shot(page, "1_branch_in_use")
    page.locator("tr[data-row=LON] button:has-text('Deactivate')").click()
    assert page.locator(".messages").inner_text() == "Branch LON is inactive: no longer offered."
    assert page.locator("tr[data-row=LON] .badge").inner_text() == "Inactive"
    _shot(page, "2_branch_inactive")
    page.goto("/t/alpha/customers/")
    assert page.locator("form.filters select[name=branch] option").all_inner_texts() == ["Any", "MAN"]

    # status codes: edited in place; Promised and Queried together refused on the row
    page.goto("/t/alpha/interactions/status-codes/")
    row = page.locator("tr[data-row=CALLBACK]")
    row.locator("input[name$=-description]").fill("Customer asks for a call back")
    row.locator("input[name$=-promised]").check()
    row.locator("input[name$=-queried]").check()
    row.locator("button:has-text('Save')").click()
    assert page.locator("tr[data-row=CALLBACK] [data-field-error=queried]").inner_text() == (
        "A status code is either Promised or Queried, not both."
    )
    _shot(page, "3_status_code_refused")
    row = page.locator("tr[data-row=CALLBACK]")
    row.locator("input[name$=-promised]").uncheck()
    row.locator("input[name$=-queried]").uncheck()
    row.locator("button:has-text('Save')").click()
    assert page.locator(".messages").inner_text() == "Status code CALLBACK saved."
    page.locator("tr[data-row=CALLBACK] button:has-text('Delete')").click()
    assert (
        "Status code CALLBACK is used by 1 entry update and 1 ledger entry"
        in page.locator("tr[data-row=CALLBACK] [data-row-error]").inner_text()
    )
    page.locator("tr[data-row=CALLBACK] button:has-text('Deactivate')").click()
    assert page.locator("tr[data-row=CALLBACK] .badge").inner_text() == "Inactive"
    _shot(page, "4_status_codes")

    # users: Bob holds two customers; removing him asks who takes them over
    page.goto("/t/alpha/setup/users/")
    page.locator("tr[data-member=bob] button:has-text('Remove')").click()
    card = page.locator("#handover")
    assert "bob is the controller of 2 customers, which they could no longer work" in card.inner_text()
    _shot(page, "5_handover_asked")
    card.locator("button:has-text('Remove')").click()
    assert page.locator("#handover [data-field-error=handover]").inner_text() == (
        "Choose who takes their customers over, or leave them unassigned."
    )
    page.locator("#handover select").select_option(label="Hand over to cleo")
    page.locator("#handover button:has-text('Remove')").click()
    assert page.locator(".messages").inner_text() == (
        "bob no longer has access to Alpha Trading Ltd. Their 2 customers went to cleo."
    )
    assert page.locator("tr[data-member=cleo] [data-held]").inner_text() == "2"
    _shot(page, "6_handed_over")
    with tenant_context(company):
        assert sorted(Customer.objects.values_list("code", "controller__username")) == [
            ("C1", "cleo"),
            ("C2", "cleo"),
        ]
