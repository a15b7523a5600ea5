"""Writes to customers: creating and updating them, their contacts, and reviewing credit limits."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from creditcontrol import changes
from creditcontrol.errors import DomainError
from creditcontrol.models import Membership
from creditcontrol.tenancy import current_tenant

from .models import Contact, CreditLimitChange, Customer


def controller_check(user_id: int | None):
    """The assigned controller must be a member of this tenant; anything else reads as unknown."""
    if user_id is None:
        return None
    if not Membership.objects.filter(tenant=current_tenant(), user_id=user_id).exists():
        raise DomainError(
            "Unknown credit controller.", details={"controller": ["No such user in this company."]}
        )
    return get_user_model().objects.get(pk=user_id)


@transaction.atomic
def customer_create(*, code: str, name: str, **fields) -> Customer:
    if Customer.objects.filter(code=code).exists():
        raise DomainError(
            f"A customer with code {code} already exists.", details={"code": ["Already in use."]}
        )
    customer = Customer(code=code, name=name, **fields)
    customer.full_clean(exclude=["tenant"], validate_unique=False)
    customer.save()
    changes.publish(source="customer", customer_ids=[customer.pk])
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, **fields) -> Customer:
    if "credit_limit_lcy" in fields:
        raise DomainError("Change a credit limit with a credit limit review, which keeps its history.")
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean(exclude=["tenant"], validate_unique=False)
    customer.save()
    changes.publish(
        source="customer", customer_ids=[customer.pk]
    )  # blocked and limits feed the account status
    return customer


@transaction.atomic
def credit_limit_change(
    *,
    customer: Customer,
    new_limit_lcy: Decimal | None,
    note: str = "",
    checked_on: datetime.date | None = None,
    user=None,
) -> CreditLimitChange:
    """Review a credit limit: record the new limit (None = no limit), who, when, why; stamp "last checked"."""
    if new_limit_lcy is not None and new_limit_lcy < 0:
        raise DomainError(
            "A credit limit cannot be negative.", details={"new_limit_lcy": ["Must be zero or more."]}
        )
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    checked_on = checked_on or current_tenant().today()
    change = CreditLimitChange.objects.create(
        customer=customer,
        changed_at=timezone.now(),
        changed_by=user,
        old_limit_lcy=customer.credit_limit_lcy,
        new_limit_lcy=new_limit_lcy,
        checked_on=checked_on,
        note=note,
    )
    customer.credit_limit_lcy = new_limit_lcy
    customer.credit_limit_last_checked = checked_on
    customer.save(update_fields=["credit_limit_lcy", "credit_limit_last_checked", "updated_at"])
    changes.publish(source="customer", customer_ids=[customer.pk])
    return change


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    """Save a contact; marking it primary or credit-control contact takes the mark off the others."""
    if contact.is_primary:
        Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(
            pk=contact.pk
        ).update(is_primary=False)
    if contact.is_credit_control_contact:
        Contact.objects.filter(customer_id=contact.customer_id, is_credit_control_contact=True).exclude(
            pk=contact.pk
        ).update(is_credit_control_contact=False)
    contact.full_clean(exclude=["tenant", "customer"], validate_unique=False)
    contact.save()
    return contact
