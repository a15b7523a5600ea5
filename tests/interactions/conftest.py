"""Fixtures of the interactions tests: tenant A with its status codes, a controller, and a customer owing two
invoices (posted 40 and 20 days ago on 30-day terms, so one is overdue), dated from the tenant's today."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from aging.models import AgingSetup
from creditcontrol.models import Role
from creditcontrol.tenancy import current_tenant
from customers.models import Contact
from interactions.models import StatusCode
from interactions.services import status_codes_seed_defaults
from tests import factories


def days(n: int, *, today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=n)


@pytest.fixture
def world(in_tenant, make_member):
    today = in_tenant.today()
    status_codes_seed_defaults()
    AgingSetup.objects.get_or_create(tenant=in_tenant)
    controller = make_member(in_tenant, Role.CONTROLLER, username="carol")
    customer = factories.customer(code="C100", name="Harbour Foods Ltd", controller=controller)
    Contact.objects.create(customer=customer, name="Pat Primary", is_primary=True, phone="0100")
    contact = Contact.objects.create(
        customer=customer,
        name="Chris Credit",
        position="Accounts payable",
        phone="020 7946 0001",
        email="chris@harbour.example",
        is_credit_control_contact=True,
    )
    older = factories.invoice(
        customer, "SI-1001", (today - datetime.timedelta(days=40)).isoformat(), "1200.00"
    )
    newer = factories.invoice(
        customer, "SI-1002", (today - datetime.timedelta(days=20)).isoformat(), "300.00"
    )
    return SimpleNamespace(
        tenant=in_tenant,
        today=today,
        controller=controller,
        customer=customer,
        contact=contact,
        older=older,
        newer=newer,
        codes={c.code: c for c in StatusCode.objects.all()},
    )


def grace(days_: int) -> None:
    tenant = current_tenant()
    tenant.promise_grace_days = days_
    tenant.save(update_fields=["promise_grace_days"])


def money(value: str) -> Decimal:
    return Decimal(value)


def promise(world, entries, *, amount=None, offset=5):
    """A promise by the world's controller on `entries`: the full amount unless `amount` is given, due
    `offset` days from today."""
    from interactions.services import entries_update, interaction_create

    call = interaction_create(
        customer=world.customer, user=world.controller, description="Call", entry_ids=[e.pk for e in entries]
    )
    return entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_full_amount=amount is None,
        promised_amount=None if amount is None else Decimal(amount),
        promised_payment_date=days(offset, today=world.today),
    )["promise"]
