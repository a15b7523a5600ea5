"""An auditor (a viewer) reads the audit log: a credit limit review and an import's changes, filtered, in
the tenant's time zone; and the customer card's history."""

import io
from decimal import Decimal

import pytest

from creditcontrol import auditing
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.services import credit_limit_change, customer_update
from ledger.imports import import_csv
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(tenant_a, make_member):
    manager = make_member(tenant_a, Role.MANAGER, username="marion")
    make_member(tenant_a, Role.VIEWER, username="audrey")
    with tenant_context(tenant_a):
        customer = factories.customer(code="C100", name="Harbour Foods Ltd")
        with auditing.context(source=auditing.PAGE, user_id=manager.pk, user="marion"):
            credit_limit_change(
                customer=customer, new_limit_lcy=Decimal("25000"), note="Two years of prompt payment"
            )
            customer.refresh_from_db()
            customer_update(customer=customer, hold_all=True, reason="Cheque returned unpaid by the bank")
        import_csv(
            kind="customers",
            source=io.BytesIO(b"code,name,phone\nC100,Harbour Foods Ltd,020 7946 0018\nC200,Quay Traders,\n"),
        )
    return customer


def test_an_auditor_filters_the_log_and_reads_the_card_history(page, history):
    sign_in(page, "audrey", PASSWORD)
    page.goto("/t/alpha/audit/")
    page.select_option("select[name=field]", "credit_limit_lcy")
    page.click("#audit-filters button[type=submit]")
    rows = page.locator("#audit-changes tbody tr")
    assert rows.count() == 1
    assert "Two years of prompt payment" in rows.first.inner_text()
    assert "marion" in rows.first.inner_text()
    page.screenshot(path=str(ARTEFACTS / "audit-log-filtered.png"))
    page.goto("/t/alpha/audit/")
    assert page.locator("#audit-changes tbody tr").count() >= 6
    page.screenshot(path=str(ARTEFACTS / "audit-log.png"), full_page=True)
    page.goto(f"/t/alpha/customers/{history.pk}/")
    history_rows = page.locator("#customer-history tbody tr")
    assert history_rows.count() == 4  # created, the limit, the hold, the import's phone
    page.locator("#history").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTEFACTS / "card-history.png"))
