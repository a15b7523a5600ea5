"""The customer list, the customer card with its credit review, and the ledger entries page."""

import re
from decimal import Decimal

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import CreditLimitChange
from customers.services import credit_limit_change
from ledger.services import entries_apply
from tests import factories
from tests.factories import D


@pytest.fixture
def card(tenant_a, make_member, client):
    with tenant_context(tenant_a):
        c = factories.customer(code="C100", name="Harbour Foods Ltd")
        inv = factories.invoice(c, "INV1", "2026-01-10", "1200.00")
        factories.invoice(c, "INV2", "2026-02-10", "300.00")
        pay = factories.payment(c, "PAY1", "2026-02-20", "200.00")
        entries_apply(applying_entry_id=pay.pk, applied_entry_id=inv.pk, posting_date=D("2026-02-20"))
        credit_limit_change(
            customer=c, new_limit_lcy=Decimal("1000.00"), note="Opening limit", checked_on=D("2026-01-01")
        )
    return {
        "customer": c,
        "client": client,
        "url": f"/t/alpha/customers/{c.pk}/",
        "tenant": tenant_a,
        "make_member": make_member,
    }


def test_card_shows_balance_limit_history_and_chart(card):
    card["client"].force_login(card["make_member"](card["tenant"], Role.MANAGER))
    html = card["client"].get(card["url"]).content.decode()
    assert re.search(r'data-figure="balance">1,300.00 GBP<', html)
    assert re.search(r'data-figure="credit-limit">1,000.00 GBP<', html)
    assert "Opening limit" in html
    assert "<svg" in html and 'aria-label="Credit limit against balance"' in html
    assert 'id="credit-review"' in html


def test_manager_reviews_the_credit_limit_from_the_card(card):
    manager = card["make_member"](card["tenant"], Role.MANAGER)
    card["client"].force_login(manager)
    response = card["client"].post(
        card["url"], {"new_limit_lcy": "2500.00", "note": "Paid promptly for a year"}
    )
    assert response.status_code == 302
    with tenant_context(card["tenant"]):
        change = CreditLimitChange.objects.order_by("-id").first()
        card["customer"].refresh_from_db()
    assert (change.old_limit_lcy, change.new_limit_lcy, change.changed_by, change.note) == (
        Decimal("1000.00"),
        Decimal("2500.00"),
        manager,
        "Paid promptly for a year",
    )
    assert card["customer"].credit_limit_lcy == Decimal("2500.00")
    assert card["customer"].credit_limit_last_checked == card["tenant"].today()
    html = card["client"].get(card["url"]).content.decode()
    assert "Credit limit reviewed: 2,500.00 GBP." in html


def test_review_needs_a_limit_or_no_limit(card):
    card["client"].force_login(card["make_member"](card["tenant"], Role.MANAGER))
    response = card["client"].post(card["url"], {"note": "x"})
    assert response.status_code == 400
    assert "Enter the new limit, or tick No limit." in response.content.decode()


@pytest.mark.parametrize("role", [Role.CONTROLLER, Role.VIEWER])
def test_only_managers_review_credit_limits(card, role):
    card["client"].force_login(card["make_member"](card["tenant"], role))
    assert card["client"].get(card["url"]).status_code == 200
    assert 'id="credit-review"' not in card["client"].get(card["url"]).content.decode()
    assert card["client"].post(card["url"], {"new_limit_lcy": "1", "note": "x"}).status_code == 403


def test_ledger_page_filters_and_totals(card):
    card["client"].force_login(card["make_member"](card["tenant"], Role.VIEWER))
    c = card["customer"]
    html = card["client"].get(f"/t/alpha/ledger/?customer={c.pk}&open=true").content.decode()
    assert re.findall(r'data-entry="\d+"', html).__len__() == 2
    assert re.search(r'data-figure="remaining-total">1,300.00 GBP<', html)
    html = card["client"].get(f"/t/alpha/ledger/?customer={c.pk}&document_type=payment").content.decode()
    assert "PAY1" in html and "INV1" not in html


def test_customer_list_sorts_and_searches(card, tenant_a):
    with tenant_context(tenant_a):
        factories.customer(code="C200", name="Acme Builders")
    card["client"].force_login(card["make_member"](card["tenant"], Role.VIEWER))
    html = card["client"].get("/t/alpha/customers/?sort=-name").content.decode()
    assert html.index("Harbour Foods Ltd") < html.index("Acme Builders")
    html = card["client"].get("/t/alpha/customers/?q=acme").content.decode()
    assert "Acme Builders" in html and "Harbour Foods" not in html


def test_anonymous_users_are_sent_to_sign_in(card):
    response = card["client"].get(card["url"])
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
