"""A hand-worked ledger for statements and messages (figures worked out in the comments of each test)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from ledger.services import entries_apply
from tests import factories
from tests.factories import D


@pytest.fixture
def ledger(tenant_a):
    """Customer C001 (30 days' terms) of tenant A (GBP), as of 2026-03-31:

    GBP  INV-3  2025-11-01  300.00  due 2025-12-01  open 300.00 (paid on 2026-04-02, after the date)
         INV-1  2026-01-05 1000.00  due 2026-02-04  PAY-1 400.00 applied 2026-02-10: open 600.00
         INV-2  2026-03-10  250.00  due 2026-04-09  open, not due
         CM-1   2026-03-20 -120.00  unapplied
         PAY-2  2026-03-25 -500.00  applied 300.00 to INV-3 on 2026-04-02: unapplied as of 03-31
         INV-5  2026-01-01  100.00  paid by PAY-3 on 2026-01-15: closed
         INV-4  2026-04-05  999.00  posted after the date
    USD  INV-U1 2026-02-01  200.00 (LCY 180.00) due 2026-03-03
    """
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        customer = factories.customer(code="C001", name="Crown Fabrics Ltd", address="1 Mill Lane\nLeeds")
        contact = Contact.objects.create(
            customer=customer, name="Pat Payable", email="pat@crown.example", is_credit_control_contact=True
        )
        inv3 = factories.invoice(customer, "INV-3", "2025-11-01", "300.00")
        inv1 = factories.invoice(customer, "INV-1", "2026-01-05", "1000.00")
        pay1 = factories.payment(customer, "PAY-1", "2026-02-10", "400.00")
        entries_apply(applying_entry_id=pay1.pk, applied_entry_id=inv1.pk, posting_date=D("2026-02-10"))
        factories.invoice(customer, "INV-2", "2026-03-10", "250.00")
        factories.credit_memo(customer, "CM-1", "2026-03-20", "120.00")
        pay2 = factories.payment(customer, "PAY-2", "2026-03-25", "500.00")
        entries_apply(
            applying_entry_id=pay2.pk,
            applied_entry_id=inv3.pk,
            amount=Decimal("300.00"),
            posting_date=D("2026-04-02"),
        )
        inv5 = factories.invoice(customer, "INV-5", "2026-01-01", "100.00")
        pay3 = factories.payment(customer, "PAY-3", "2026-01-15", "100.00")
        entries_apply(applying_entry_id=pay3.pk, applied_entry_id=inv5.pk, posting_date=D("2026-01-15"))
        factories.invoice(customer, "INV-4", "2026-04-05", "999.00")
        factories.invoice(
            customer, "INV-U1", "2026-02-01", "200.00", currency_code="USD", amount_lcy=Decimal("180.00")
        )
    return SimpleNamespace(tenant=tenant_a, customer=customer, contact=contact)


@pytest.fixture
def three(ledger):
    """C001 of `ledger`, C002 (an open invoice, a contact without an e-mail address) and C003 (an open
    invoice, a contact with one); C004 has nothing open."""
    with tenant_context(ledger.tenant):
        c2 = factories.customer(code="C002", name="Dockside Traders")
        Contact.objects.create(customer=c2, name="Dee", phone="0113 496 0000", is_primary=True)
        factories.invoice(c2, "D-INV-1", "2026-02-01", "75.00")
        c3 = factories.customer(code="C003", name="Harbour Foods")
        Contact.objects.create(customer=c3, name="Hal", email="hal@harbour.example", is_primary=True)
        factories.invoice(c3, "H-INV-1", "2026-01-20", "410.50")
        c4 = factories.customer(code="C004", name="Quiet Mills", email="quiet@mills.example")
    return SimpleNamespace(**vars(ledger), c2=c2, c3=c3, c4=c4)
