"""Writes to customers: creating and updating them, their contacts, reviewing credit limits, handing a
leaving member's customers over, and the setup objects they refer to (customer groups, branches, payment
terms)."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from creditcontrol import auditing, bounds, changes, members, usage
from creditcontrol.bounds import PAYMENT_TERMS_MAX_DAYS
from creditcontrol.errors import DomainError
from creditcontrol.models import Membership
from creditcontrol.tenancy import current_tenant

from .models import Branch, Contact, CreditLimitChange, Customer, CustomerGroup, PaymentTerms
from .selectors import CONTROLLER_ROLES, customers_held


def controller_check(user_id: int | None):
    """The assigned controller must be a member of this tenant; anything else reads as unknown."""
    if user_id is None:
        return None
    if not Membership.objects.filter(tenant=current_tenant(), user_id=user_id).exists():
        raise DomainError(
            "Unknown credit controller.", details={"controller": ["No such user in this company."]}
        )
    return get_user_model().objects.get(pk=user_id)


def _code_check(row: models.Model, *, what: str) -> None:
    """A code is unique in the tenant (the database says so too, `*_code_unique`): say it before it does."""
    if problem := bounds.code_problem(row.code or ""):
        raise DomainError(problem, details={"code": [problem]})
    clash = type(row).objects.filter(code=row.code)
    if row.pk is not None:
        clash = clash.exclude(pk=row.pk)
    if clash.exists():
        raise _duplicate_code(row.code, what=what)


def _duplicate_code(code: str, *, what: str) -> DomainError:
    """The message `what`, with the code put in (CUSTOMER_EXISTS, GROUP_EXISTS, ... below)."""
    message = what.format(code=code)
    return DomainError(message, details={"code": [message]}, code="duplicate")


def _save(row: models.Model, *, what: str) -> None:
    """Validate and save a row with a unique code; a concurrent twin loses with a DomainError, not a 500."""
    _code_check(row, what=what)
    row.full_clean(exclude=["tenant"], validate_unique=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        if "_code_unique" in str(error):
            raise _duplicate_code(row.code, what=what) from error
        raise


def _fields_set(row: models.Model, fields: dict, *, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(
            f"Unknown fields: {', '.join(sorted(unknown))}.",
            details={name: ["Not a field that can be changed."] for name in sorted(unknown)},
        )
    for name, value in fields.items():
        setattr(row, name, value)


@transaction.atomic
def customer_create(*, code: str, name: str, **fields) -> Customer:
    customer = Customer(code=code, name=name, **fields)
    _save(customer, what=CUSTOMER_EXISTS)
    changes.publish(source="customer", customer_ids=[customer.pk])
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, reason: str = "", **fields) -> Customer:
    """Change a customer's fields; `reason` (why a hold or block changes) goes into the audit log."""
    if "credit_limit_lcy" in fields:
        raise DomainError("Change a credit limit with a credit limit review, which keeps its history.")
    for name, value in fields.items():
        setattr(customer, name, value)
    with auditing.context(reason=reason.strip() or None):
        _save(customer, what=CUSTOMER_EXISTS)
    changes.publish(source="customer", customer_ids=[customer.pk])  # blocked and limits feed the statuses
    return customer


@transaction.atomic
def customers_controller_assign(*, customers: models.QuerySet, controller_id: int) -> int:
    """Give every customer of `customers` (a query of this tenant's) the controller; how many changed.

    The controller must be a member whose role can work customers (credit controller or above): a
    viewer or anyone else reads as unknown. One UPDATE, however many customers match the filter.
    """
    membership = (
        Membership.objects.filter(tenant=current_tenant(), user_id=controller_id).first()
        if controller_id is not None
        else None
    )
    if membership is None or membership.role not in CONTROLLER_ROLES:
        raise DomainError(
            "Unknown credit controller.",
            details={"controller": ["Choose a credit controller, manager or tenant admin of this company."]},
        )
    changing = customers.exclude(controller_id=controller_id)
    ids = list(changing.values_list("pk", flat=True))
    if ids:
        Customer.objects.filter(pk__in=ids).update(controller_id=controller_id, updated_at=timezone.now())
        changes.publish(source="customer", customer_ids=ids)  # the credit list filters by controller
    return len(ids)


# A member who leaves (or stops being a controller) with customers: who takes them over. "unassigned" leaves
# them without a controller; a user id gives them to that controller; None is no choice made yet.
UNASSIGNED = "unassigned"


def _customers_hand_over(*, from_user_id: int, handover) -> int:
    customers = Customer.objects.filter(controller_id=from_user_id)
    if handover == UNASSIGNED:
        ids = list(customers.values_list("pk", flat=True))
        if ids:
            Customer.objects.filter(pk__in=ids).update(controller=None, updated_at=timezone.now())
            changes.publish(source="customer", customer_ids=ids)
        return len(ids)
    if handover == from_user_id:
        message = "Choose someone else to take their customers over."
        raise DomainError(message, details={"handover": [message]})
    return customers_controller_assign(customers=customers, controller_id=handover)


def _handover_check(membership: Membership, handover) -> int:
    """How many customers the member holds; holding some with no choice made is refused (code "handover")."""
    held = customers_held([membership.user_id]).get(membership.user_id, 0)
    if held and handover is None:
        who = membership.user.email or membership.user.get_username()
        message = (
            f"{who} is the controller of {held:,} customer{'s' if held != 1 else ''}: "
            "choose who takes them over, or leave them unassigned."
        )
        raise DomainError(message, details={"handover": [message]}, code="handover")
    return held


@transaction.atomic
def member_role_change_handing_over(
    *, membership: Membership, role: str, handover=None
) -> tuple[Membership, int]:
    """Change a member's role; one who stops being a controller (becomes a viewer) while holding customers
    hands them over (`handover`, above). Returns the membership and how many customers were handed over."""
    held = _handover_check(membership, handover) if role not in CONTROLLER_ROLES else 0
    membership = members.member_role_change(membership=membership, role=role)
    return membership, (
        _customers_hand_over(from_user_id=membership.user_id, handover=handover) if held else 0
    )


@transaction.atomic
def member_remove_handing_over(*, membership: Membership, handover=None) -> int:
    """Take a member out of the tenant; one holding customers hands them over (`handover`, above). Returns
    how many customers were handed over."""
    held = _handover_check(membership, handover)
    user_id = membership.user_id
    members.member_remove(membership=membership)
    return _customers_hand_over(from_user_id=user_id, handover=handover) if held else 0


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
    with auditing.context(reason=note.strip() or None):  # the audit log's row says why, as the history does
        customer.save(update_fields=["credit_limit_lcy", "credit_limit_last_checked", "updated_at"])
    changes.publish(source="customer", customer_ids=[customer.pk])
    return change


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    """Save a contact; marking it primary or credit-control contact takes the mark off the others, so a
    customer has at most one of each. An inactive contact can be neither."""
    if contact.is_inactive and (contact.is_primary or contact.is_credit_control_contact):
        message = "An inactive contact can be neither the primary nor the credit-control contact."
        raise DomainError(message, details={"is_inactive": [message]})
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


# --- setup: customer groups, branches, payment terms -------------------------------------------------

CUSTOMER_EXISTS = "A customer with code {code} already exists."
GROUP_EXISTS = "A customer group with code {code} already exists."
BRANCH_EXISTS = "A branch with code {code} already exists."
TERMS_EXIST = "Payment terms with code {code} already exist."


def _group_ancestry_check(group: CustomerGroup) -> None:
    """A group's parent, its parent's parent, ... must never reach the group itself."""
    if group.parent_id is None:
        return
    tree = {
        pk: (parent_id, code)
        for pk, parent_id, code in CustomerGroup.objects.values_list("pk", "parent_id", "code")
    }
    parents = {pk: parent_id for pk, (parent_id, _) in tree.items()}
    codes = {pk: code for pk, (_, code) in tree.items()}
    chain, current, seen = [group.code], group.parent_id, set()
    while current is not None and current not in seen:
        seen.add(current)
        chain.append(codes.get(current, str(current)))
        if current == group.pk:
            message = f"A group cannot be its own ancestor: {' → '.join(chain)}."
            raise DomainError(message, details={"parent": [message]}, code="cycle")
        current = parents.get(current)


@transaction.atomic
def customer_group_create(*, code: str, name: str, parent: CustomerGroup | None = None) -> CustomerGroup:
    group = CustomerGroup(code=code, name=name, parent=parent)
    _save(group, what=GROUP_EXISTS)
    return group


@transaction.atomic
def customer_group_update(*, group: CustomerGroup, **fields) -> CustomerGroup:
    """Change a group's code, name or parent; a parent that sits below the group is refused."""
    _fields_set(group, fields, allowed={"code", "name", "parent"})
    _group_ancestry_check(group)
    _save(group, what=GROUP_EXISTS)
    return group


@transaction.atomic
def branch_create(*, code: str, name: str) -> Branch:
    branch = Branch(code=code, name=name)
    _save(branch, what=BRANCH_EXISTS)
    return branch


@transaction.atomic
def branch_update(*, branch: Branch, **fields) -> Branch:
    _fields_set(branch, fields, allowed={"code", "name"})
    _save(branch, what=BRANCH_EXISTS)
    return branch


def _payment_terms_days_check(terms: PaymentTerms) -> None:
    if terms.days is not None and terms.days > PAYMENT_TERMS_MAX_DAYS:
        message = f"Payment terms cannot give more than {PAYMENT_TERMS_MAX_DAYS} days."
        raise DomainError(message, details={"days": [message]})


@transaction.atomic
def payment_terms_create(
    *, code: str, description: str = "", rule: str = PaymentTerms.Rule.NET, days: int = 30
) -> PaymentTerms:
    terms = PaymentTerms(code=code, description=description, rule=rule, days=days)
    _payment_terms_days_check(terms)
    _save(terms, what=TERMS_EXIST)
    return terms


@transaction.atomic
def payment_terms_update(*, payment_terms: PaymentTerms, **fields) -> PaymentTerms:
    _fields_set(payment_terms, fields, allowed={"code", "description", "rule", "days"})
    _payment_terms_days_check(payment_terms)
    _save(payment_terms, what=TERMS_EXIST)
    return payment_terms


@transaction.atomic
def branch_set_active(*, branch: Branch, active: bool) -> Branch:
    """Deactivate a branch (no longer offered as a new choice; its customers and entries keep it) or
    reactivate it."""
    branch.is_active = active
    branch.save(update_fields=["is_active"])
    return branch


@transaction.atomic
def branch_delete(*, branch: Branch) -> None:
    """Delete a branch no customer or entry uses; one in use is refused with how many use it."""
    usage.delete_unused(branch, what="branch")


@transaction.atomic
def payment_terms_set_active(*, payment_terms: PaymentTerms, active: bool) -> PaymentTerms:
    payment_terms.is_active = active
    payment_terms.save(update_fields=["is_active"])
    return payment_terms


@transaction.atomic
def payment_terms_delete(*, payment_terms: PaymentTerms) -> None:
    usage.delete_unused(payment_terms, what="payment terms")
