"""A hand-worked ledger for chasing: twelve customers of tenant A (GBP), each left out or chased for one
reason, as of 2026-06-10 with the standard policy (levels at 3, 17 and 31 days after the due date; 30
days' terms, so an invoice posted on D falls due on D + 30)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chasing.models import ChasingPolicy, CustomerChasing, GroupChasing
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact, CustomerGroup
from interactions.models import InteractionType, Promise, PromiseEntry, StatusCode
from interactions.services.interactions import interaction_create
from ledger.feeds import ledger_fed
from tests import factories
from tests.factories import D

AS_OF = D("2026-06-10")


def chased_customer(code, name, *, email=True, address="1 High Street\nLeeds", **fields):
    customer = factories.customer(code=code, name=name, address=address, **fields)
    if email:
        Contact.objects.create(
            customer=customer,
            name=f"{name} AP",
            email=f"ap@{code.lower()}.example",
            is_credit_control_contact=True,
        )
    return customer


@pytest.fixture
def chasing(tenant_a):
    """As of 2026-06-10, minimum overdue 50.00 GBP, contact gap 7 days:

    C001 INV-A1 500.00 due 06-01 (9 days: level 1); INV-A2 80.00 due 06-19 (not due); CM-A1 -100.00
    C002 INV-B1 300.00 due 05-01 (40 days, but one step a run: level 1); INV-B2 200.00 due 06-05, queried
    C003 INV-C1 400.00 due 05-20, promised for 06-20: its only item is left out
    C004 INV-D1 100.00 due 05-20, the customer paused until 06-15 "On holiday"
    C005 INV-E1 100.00 due 05-20, its group EXP paused until 06-30
    C006 INV-F1  20.00 due 06-01: overdue below the minimum
    C007 INV-G1 100.00 due 05-20, a phone call on 06-05
    C008 INV-H1 100.00 due 05-20, no e-mail address: a letter
    C009 INV-I1 100.00 due 05-20, no e-mail address and no postal address
    C010 INV-J1 100.00 due 05-20, branch NTH, whose ledger was last fed twelve days ago
    C011 INV-K1 100.00 due 05-20, never chased
    C012 INV-L1 100.00 due 06-09: 1 day, not yet at level 1
    """
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        policy = ChasingPolicy.objects.get(is_default=True)
        policy.minimum_overdue_lcy = Decimal("50.00")
        policy.save()
        queried = StatusCode.objects.create(code="QRY", queried=True, exclude_from_chasing=True)
        group = CustomerGroup.objects.create(code="EXP", name="Export")
        north = factories.branch("NTH", "North")
        c = {}
        c[1] = chased_customer("C001", "Acme Tools")
        a1 = factories.invoice(c[1], "INV-A1", "2026-05-02", "500.00")
        factories.invoice(c[1], "INV-A2", "2026-05-20", "80.00")
        factories.credit_memo(c[1], "CM-A1", "2026-05-25", "100.00")
        c[2] = chased_customer("C002", "Bolt Supplies")
        b1 = factories.invoice(c[2], "INV-B1", "2026-04-01", "300.00")
        b2 = factories.invoice(c[2], "INV-B2", "2026-05-06", "200.00")
        b2.status_code = queried
        b2.save(update_fields=["status_code"])
        c[3] = chased_customer("C003", "Cape Foods")
        c1 = factories.invoice(c[3], "INV-C1", "2026-04-20", "400.00")
        promise = Promise.objects.create(
            customer=c[3],
            promised_payment_date=D("2026-06-20"),
            promised_amount=Decimal("400.00"),
            currency_code="GBP",
        )
        PromiseEntry.objects.create(
            promise=promise,
            entry=c1,
            remaining_amount_at_promise=Decimal("400.00"),
            promised_amount=Decimal("400.00"),
        )
        c[4] = chased_customer("C004", "Dune Media")
        CustomerChasing.objects.create(customer=c[4], paused_until=D("2026-06-15"), pause_reason="On holiday")
        c[5] = chased_customer("C005", "Echo Exports", group=group)
        GroupChasing.objects.create(group=group, paused_until=D("2026-06-30"))
        c[6] = chased_customer("C006", "Fern Florists")
        factories.invoice(c[6], "INV-F1", "2026-05-02", "20.00")
        c[7] = chased_customer("C007", "Gale Marine")
        interaction_create(
            customer=c[7],
            description="Called about INV-G1",
            interaction_type=InteractionType.PHONE_CALL,
            occurred_at=datetime.datetime(2026, 6, 5, 10, 0, tzinfo=datetime.UTC),
        )
        c[8] = chased_customer("C008", "Hull Haulage", email=False)
        c[9] = chased_customer("C009", "Isle Imports", email=False, address="")
        c[10] = chased_customer("C010", "Jade Jewellers", branch=north)
        c[11] = chased_customer("C011", "Kite Kitchens")
        CustomerChasing.objects.create(customer=c[11], excluded=True)
        for number, letter in ((4, "D"), (5, "E"), (7, "G"), (8, "H"), (9, "I"), (10, "J"), (11, "K")):
            factories.invoice(c[number], f"INV-{letter}1", "2026-04-20", "100.00")
        c[12] = chased_customer("C012", "Lark Lighting")
        factories.invoice(c[12], "INV-L1", "2026-05-10", "100.00")
        # The North ledger (and, with it, the whole) fed twelve days ago; the whole again today.
        ledger_fed(branch_ids=[north.pk], at=timezone.now() - datetime.timedelta(days=12))
        ledger_fed()
    return SimpleNamespace(tenant=tenant_a, customers=c, policy=policy, a1=a1, b1=b1, b2=b2, c1=c1)
