"""A ledger worked out by hand: partial payments, one payment across three invoices, a credit memo, an
unapplied payment and a foreign-currency invoice give exactly these remaining amounts, closing dates and
balances, now and as of earlier dates."""

from decimal import Decimal

import pytest

from ledger.models import LedgerEntry
from ledger.selectors import customer_balance_as_of
from ledger.services import application_undo, entries_apply
from tests.factories import D, credit_memo, customer, invoice, payment


@pytest.fixture
def ledger(in_tenant):
    c = customer()
    e = {
        "INV1": invoice(c, "INV1", "2026-01-10", "1000.00"),
        "INV2": invoice(c, "INV2", "2026-01-20", "500.00"),
        "INV3": invoice(c, "INV3", "2026-02-01", "250.00"),
        "INV4": invoice(c, "INV4", "2026-02-05", "200.00", currency_code="USD", amount_lcy=Decimal("160.00")),
        "CM1": credit_memo(c, "CM1", "2026-02-10", "100.00"),
        "PAY1": payment(c, "PAY1", "2026-02-15", "1200.00"),
        "PAY2": payment(c, "PAY2", "2026-03-01", "250.00"),
        "PAY3": payment(c, "PAY3", "2026-03-10", "80.00", currency_code="USD", amount_lcy=Decimal("-66.00")),
        "PAY4": payment(c, "PAY4", "2026-03-20", "300.00"),
    }

    def apply(applying, applied, amount, on):
        return entries_apply(
            applying_entry_id=e[applying].pk,
            applied_entry_id=e[applied].pk,
            amount=Decimal(amount),
            posting_date=D(on),
        )

    apply("CM1", "INV2", "100.00", "2026-02-10")
    apply("PAY1", "INV1", "1000.00", "2026-02-15")
    apply("PAY1", "INV2", "150.00", "2026-02-15")
    apply("PAY1", "INV3", "50.00", "2026-02-15")
    e["PAY2->INV2"] = apply("PAY2", "INV2", "250.00", "2026-03-01")
    apply("PAY3", "INV4", "80.00", "2026-03-10")
    return c, e


def state(entries):
    rows = {}
    for name, entry in entries.items():
        if isinstance(entry, LedgerEntry):
            entry.refresh_from_db()
            rows[name] = (
                entry.remaining_amount,
                entry.remaining_amount_lcy,
                entry.is_open,
                entry.closed_at.isoformat() if entry.closed_at else None,
            )
    return rows


def test_remaining_amounts_and_closing_dates(ledger):
    _, entries = ledger
    assert state(entries) == {
        "INV1": (Decimal("0.00"), Decimal("0.00"), False, "2026-02-15"),
        "INV2": (Decimal("0.00"), Decimal("0.00"), False, "2026-03-01"),
        "INV3": (Decimal("200.00"), Decimal("200.00"), True, None),
        "INV4": (Decimal("120.00"), Decimal("96.00"), True, None),
        "CM1": (Decimal("0.00"), Decimal("0.00"), False, "2026-02-10"),
        "PAY1": (Decimal("0.00"), Decimal("0.00"), False, "2026-02-15"),
        "PAY2": (Decimal("0.00"), Decimal("0.00"), False, "2026-03-01"),
        "PAY3": (Decimal("0.00"), Decimal("0.00"), False, "2026-03-10"),
        "PAY4": (Decimal("-300.00"), Decimal("-300.00"), True, None),
    }


@pytest.mark.parametrize(
    ("as_of", "balance"),
    [
        ("2026-01-09", "0.00"),
        ("2026-01-15", "1000.00"),
        ("2026-02-12", "1810.00"),  # 1000 + (500 - 100) + 250 + 160 (USD 200 at 0.80)
        ("2026-02-15", "610.00"),  # 0 + 250 + 200 + 160
        ("2026-03-05", "360.00"),  # INV2 closed by PAY2: 200 + 160
        ("2026-03-15", "296.00"),  # INV4 120 USD left = 96.00
        ("2026-03-25", "-4.00"),  # the unapplied payment of 300: 200 + 96 - 300
    ],
)
def test_balance_as_of(ledger, as_of, balance):
    c, _ = ledger
    assert customer_balance_as_of(customer_id=c.pk, as_of=D(as_of)) == Decimal(balance)


def test_balance_now_is_the_sum_of_open_remaining_lcy(ledger):
    c, _ = ledger
    open_total = sum(
        LedgerEntry.objects.filter(customer=c, is_open=True).values_list("remaining_amount_lcy", flat=True)
    )
    assert open_total == Decimal("-4.00")
    assert customer_balance_as_of(customer_id=c.pk, as_of=D("2026-11-01")) == Decimal("-4.00")


def test_undo_reopens_both_entries_and_keeps_history(ledger):
    c, entries = ledger
    application_undo(application_id=entries["PAY2->INV2"].pk, undone_on=D("2026-03-25"))
    rows = state(entries)
    assert rows["INV2"] == (Decimal("250.00"), Decimal("250.00"), True, None)
    assert rows["PAY2"] == (Decimal("-250.00"), Decimal("-250.00"), True, None)
    # Earlier balances are what they were; the balance itself does not move (both sides reopen).
    assert customer_balance_as_of(customer_id=c.pk, as_of=D("2026-03-05")) == Decimal("360.00")
    assert customer_balance_as_of(customer_id=c.pk, as_of=D("2026-03-26")) == Decimal("-4.00")
    # ... but the overdue picture changes: INV2 is open again.
    assert LedgerEntry.objects.filter(customer=c, is_open=True).count() == 5
