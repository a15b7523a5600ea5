"""What applying and unapplying refuse, with the message the user sees, and what it leaves untouched."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from creditcontrol.errors import DomainError
from creditcontrol.tenancy import tenant_context
from ledger.models import Application, LedgerEntry
from ledger.services import application_undo, entries_apply, payment_record
from tests.factories import D, credit_memo, customer, invoice, payment


def test_over_application_is_refused_and_nothing_changes(in_tenant):
    c = customer()
    inv = invoice(c, "INV1", "2026-01-10", "100.00")
    pay = payment(c, "PAY1", "2026-01-20", "150.00")
    with pytest.raises(DomainError) as error:
        entries_apply(
            applying_entry_id=pay.pk,
            applied_entry_id=inv.pk,
            amount=Decimal("120.00"),
            posting_date=D("2026-01-20"),
        )
    assert error.value.message == f"Cannot apply 120.00: entry {inv.pk} has only 100.00 remaining."
    inv.refresh_from_db()
    assert (inv.remaining_amount, inv.is_open) == (Decimal("100.00"), True)
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("invoice_to_invoice", "Entry {a} is a invoice: only payments and credit memos can be applied."),
        ("before_posting", "An application cannot be posted before the entries it applies."),
        ("other_customer", "Both entries must belong to the same customer."),
        ("other_currency", "Currencies differ (EUR and GBP)."),
    ],
)
def test_refusals(in_tenant, case, message):
    c = customer()
    inv = invoice(c, "INV1", "2026-01-10", "100.00")
    applying = payment(c, "PAY1", "2026-01-20", "100.00")
    on = "2026-01-20"
    if case == "invoice_to_invoice":
        applying = invoice(c, "INV2", "2026-01-11", "10.00")
    elif case == "before_posting":
        on = "2026-01-15"
    elif case == "other_customer":
        applying = payment(customer(code="C002", name="Other Ltd"), "PAY2", "2026-01-20", "100.00")
    elif case == "other_currency":
        applying = payment(
            c, "PAY3", "2026-01-20", "100.00", currency_code="EUR", amount_lcy=Decimal("-85.00")
        )
    with pytest.raises(DomainError) as error:
        entries_apply(applying_entry_id=applying.pk, applied_entry_id=inv.pk, posting_date=D(on))
    assert error.value.message == message.format(a=applying.pk)


def test_record_payment_applies_oldest_due_first(in_tenant):
    c = customer()
    late = invoice(c, "INV-B", "2026-01-20", "300.00")  # due 2026-02-19
    early = invoice(c, "INV-A", "2026-01-05", "200.00")  # due 2026-02-04
    newest = invoice(c, "INV-C", "2026-02-01", "400.00")  # due 2026-03-03
    pay, applications = payment_record(
        customer=c, amount=Decimal("350.00"), posting_date=D("2026-02-20"), document_no="BANK-1"
    )
    assert [(a.applied_entry_id, a.amount) for a in applications] == [
        (early.pk, Decimal("200.00")),
        (late.pk, Decimal("150.00")),
    ]
    for entry in (early, late, newest, pay):
        entry.refresh_from_db()
    assert (early.is_open, early.closed_at) == (False, D("2026-02-20"))
    assert late.remaining_amount == Decimal("150.00")
    assert newest.remaining_amount == Decimal("400.00")
    assert (pay.remaining_amount, pay.is_open) == (Decimal("0.00"), False)


def test_credit_memo_applies_like_a_payment(in_tenant):
    c = customer()
    inv = invoice(c, "INV1", "2026-01-10", "100.00")
    cm = credit_memo(c, "CM1", "2026-01-12", "100.00")
    entries_apply(applying_entry_id=cm.pk, applied_entry_id=inv.pk, posting_date=D("2026-01-12"))
    inv.refresh_from_db()
    assert (inv.is_open, inv.closed_at) == (False, D("2026-01-12"))


def test_undo_twice_is_refused(in_tenant):
    c = customer()
    inv = invoice(c, "INV1", "2026-01-10", "100.00")
    pay = payment(c, "PAY1", "2026-01-20", "100.00")
    app = entries_apply(applying_entry_id=pay.pk, applied_entry_id=inv.pk, posting_date=D("2026-01-20"))
    application_undo(application_id=app.pk, undone_on=D("2026-01-21"))
    with pytest.raises(DomainError) as error:
        application_undo(application_id=app.pk, undone_on=D("2026-01-22"))
    assert error.value.message == f"Application {app.pk} was already undone on 2026-01-21."


def test_wrong_sign_is_refused(in_tenant):
    c = customer()
    with pytest.raises(DomainError) as error:
        invoice(c, "INV1", "2026-01-10", "-5.00")
    assert error.value.message == "A invoice must have a positive amount."


@pytest.mark.django_db(transaction=True)
def test_two_payments_applied_to_one_invoice_at_the_same_moment_never_over_apply(tenant_a):
    """Two threads, two connections, one invoice of 100: each tries to apply 80. Exactly one wins."""
    with tenant_context(tenant_a):
        c = customer()
        inv = invoice(c, "INV1", "2026-01-10", "100.00")
        pays = [payment(c, f"PAY{i}", "2026-01-20", "80.00") for i in (1, 2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def apply(pay):
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                entries_apply(
                    applying_entry_id=pay.pk,
                    applied_entry_id=inv.pk,
                    amount=Decimal("80.00"),
                    posting_date=D("2026-01-20"),
                )
            outcomes.append("applied")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(pay,)) for pay in pays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted(
        ["applied", f"Cannot apply 80.00: entry {inv.pk} has only 20.00 remaining."]
    )
    with tenant_context(tenant_a):
        inv.refresh_from_db()
        assert inv.remaining_amount == Decimal("20.00")
        assert Application.objects.count() == 1
        assert LedgerEntry.objects.filter(is_open=True).count() == 2  # the invoice and the refused payment


def test_settled_by_payment_follows_payment_applications(in_tenant):
    """The mark the payment-behaviour figures average over: set by a payment, not by a credit memo,
    and taken off again when the payment's application is undone."""
    c = customer()
    inv = invoice(c, "INV1", "2026-01-10", "100.00")
    cm = credit_memo(c, "CM1", "2026-01-12", "30.00")
    pay = payment(c, "PAY1", "2026-01-20", "70.00")
    entries_apply(applying_entry_id=cm.pk, applied_entry_id=inv.pk, posting_date=D("2026-01-12"))
    inv.refresh_from_db()
    assert inv.settled_by_payment is False
    app = entries_apply(applying_entry_id=pay.pk, applied_entry_id=inv.pk, posting_date=D("2026-01-20"))
    inv.refresh_from_db()
    assert (inv.settled_by_payment, inv.is_open, inv.closed_at) == (True, False, D("2026-01-20"))
    application_undo(application_id=app.pk, undone_on=D("2026-01-25"))
    inv.refresh_from_db()
    assert (inv.settled_by_payment, inv.is_open, inv.remaining_amount) == (False, True, Decimal("70.00"))
