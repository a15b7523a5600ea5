"""Helpers shared by the aging tests: a hand-worked ledger whose every figure is worked out in docs/statistics.md."""

import datetime
from decimal import Decimal

from aging.models import CustomerStatistics
from customers.models import Customer
from ledger.services import application_undo, entries_apply, ledger_entry_post


def days_ago(today: datetime.date, n: int) -> datetime.date:
    return today - datetime.timedelta(days=n)


def post(customer, document_type, no, *, today, posted, amount, due=None, document=None, **extra):
    """Post an entry dated `posted` days before today (due/document likewise; negative = after today)."""
    return ledger_entry_post(
        customer=customer,
        document_type=document_type,
        document_no=no,
        posting_date=days_ago(today, posted),
        document_date=days_ago(today, document if document is not None else posted),
        due_date=days_ago(today, due if due is not None else posted),
        amount=Decimal(amount),
        **extra,
    )


def apply(payment, invoice, *, today, on, amount=None):
    return entries_apply(
        applying_entry_id=payment.pk,
        applied_entry_id=invoice.pk,
        amount=None if amount is None else Decimal(amount),
        posting_date=days_ago(today, on),
    )


def hand_worked_ledger(tenant) -> dict[str, Customer]:
    """Four customers; see docs/statistics.md "A worked example" for every figure. Call inside the tenant."""
    today = tenant.today()
    c1 = Customer.objects.create(code="C1", name="Acme Foods", credit_limit_lcy=Decimal("500.00"))
    c2 = Customer.objects.create(code="C2", name="Baker Builders", blocked=True)
    c3 = Customer.objects.create(code="C3", name="Castle Motors")
    c4 = Customer.objects.create(code="C4", name="Delta Euro", currency_code="EUR")

    # C1: two invoices paid (one with a payment and a credit memo), one closed by a credit memo only,
    # three open invoices, a finance charge and an unapplied payment.
    inv1 = post(c1, "invoice", "INV1", today=today, posted=100, due=70, amount="1000.00")
    p1 = post(c1, "payment", "P1", today=today, posted=60, amount="-1000.00")
    apply(p1, inv1, today=today, on=60)
    inv2 = post(c1, "invoice", "INV2", today=today, posted=80, document=82, due=50, amount="500.00")
    p2 = post(c1, "payment", "P2", today=today, posted=40, amount="-300.00")
    apply(p2, inv2, today=today, on=40)
    cm1 = post(c1, "credit_memo", "CM1", today=today, posted=30, amount="-200.00")
    apply(cm1, inv2, today=today, on=30)
    inv3 = post(c1, "invoice", "INV3", today=today, posted=50, due=20, amount="200.00")
    cm2 = post(c1, "credit_memo", "CM2", today=today, posted=45, amount="-200.00")
    apply(cm2, inv3, today=today, on=45)
    inv4 = post(c1, "invoice", "INV4", today=today, posted=45, document=47, due=15, amount="400.00")
    p3 = post(c1, "payment", "P3", today=today, posted=10, amount="-100.00")
    apply(p3, inv4, today=today, on=10)
    post(c1, "invoice", "INV5", today=today, posted=10, document=32, due=-20, amount="250.00")
    post(c1, "invoice", "INV6", today=today, posted=120, document=125, due=95, amount="150.00")
    post(c1, "finance_charge_memo", "FC1", today=today, posted=5, amount="20.00")
    post(c1, "payment", "P4", today=today, posted=3, amount="-80.00")

    # C2: an open credit memo, and an invoice whose payment was applied and then undone.
    post(c2, "credit_memo", "CM3", today=today, posted=2, amount="-50.00")
    inv7 = post(c2, "invoice", "INV7", today=today, posted=30, due=10, amount="100.00")
    p6 = post(c2, "payment", "P6", today=today, posted=20, amount="-100.00")
    application = apply(p6, inv7, today=today, on=20)
    application_undo(application_id=application.pk, undone_on=days_ago(today, 15))

    # C4: a euro invoice part paid; LCY amounts at the posting rates.
    inv8 = post(c4, "invoice", "INV8", today=today, posted=40, due=10, amount="100.00", amount_lcy="86.00")
    p7 = post(c4, "payment", "P7", today=today, posted=5, amount="-50.00", amount_lcy="-43.50")
    apply(p7, inv8, today=today, on=5)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4}


def stats(customer) -> CustomerStatistics:
    return CustomerStatistics.objects.get(customer=customer)
