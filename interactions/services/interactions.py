"""Interactions: creating one (for one customer's entries, or one each for several customers), editing
its header, and ticking its lines."""

import datetime
import zoneinfo
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from creditcontrol.errors import DomainError
from creditcontrol.tenancy import current_tenant
from customers.models import Contact, Customer
from ledger.models import DEBIT_TYPES, LedgerEntry

from ..models import Interaction, InteractionLine, InteractionType, ToDo, ToDoKind, ToDoOutcome, ToDoStatus
from .todos import todo_close, todo_create, todo_reschedule


def follow_up_description(interaction: Interaction) -> str:
    on = timezone.localtime(interaction.occurred_at, current_tenant_zone()).date()
    return f"Follow up call from {on.isoformat()}"


def current_tenant_zone():
    return zoneinfo.ZoneInfo(current_tenant().time_zone)


DESCRIPTION_MAX = Interaction._meta.get_field("description").max_length


def _header_problems(
    *, customer, interaction_type, description, occurred_at, contact, next_interaction_date, dated=True
) -> dict:
    """What is wrong with an interaction's header; `dated`: its date-time is being set (and so checked)."""
    errors = {}
    if interaction_type not in InteractionType.values:
        errors["interaction_type"] = [f"Choose one of: {', '.join(InteractionType.values)}."]
    if not description or not description.strip():
        errors["description"] = ["Enter a description (it is the interaction's caption)."]
    elif len(description.strip()) > DESCRIPTION_MAX:
        errors["description"] = [
            f"At most {DESCRIPTION_MAX} characters (this has {len(description.strip())}): "
            "put the rest in the notes."
        ]
    if dated and occurred_at is not None:
        today = timezone.localtime(timezone.now(), current_tenant_zone()).date()
        if timezone.localtime(occurred_at, current_tenant_zone()).date() > today:
            errors["occurred_at"] = [
                f"An interaction records what happened: its date-time cannot be after today ({today.isoformat()})."
            ]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [f"{contact.name} is not a contact of {customer.name}."]
    if next_interaction_date is not None and occurred_at is not None:
        on = timezone.localtime(occurred_at, current_tenant_zone()).date()
        if next_interaction_date < on:
            errors["next_interaction_date"] = [
                f"The next interaction date cannot be before the interaction ({on.isoformat()})."
            ]
    return errors


def credit_control_contact(customer: Customer) -> Contact | None:
    return (
        Contact.objects.filter(customer=customer, is_inactive=False)
        .order_by("-is_credit_control_contact", "-is_primary", "name")
        .first()
    )


def _follow_up_sync(interaction: Interaction, user) -> None:
    """One open follow-up to-do per interaction, due on its next interaction date (none without one)."""
    open_follow_up = ToDo.objects.filter(
        interaction=interaction, kind=ToDoKind.FOLLOW_UP, status=ToDoStatus.OPEN
    ).first()
    if interaction.next_interaction_date is None:
        if open_follow_up is not None:
            todo_close(
                todo=open_follow_up,
                user=user,
                reason="Next interaction date removed.",
                outcome=ToDoOutcome.CANCELLED,
            )
        return
    if open_follow_up is not None:
        todo_reschedule(todo=open_follow_up, due_date=interaction.next_interaction_date)
        return
    todo_create(
        customer=interaction.customer,
        kind=ToDoKind.FOLLOW_UP,
        description=follow_up_description(interaction),
        due_date=interaction.next_interaction_date,
        user=user,
        assigned_to=interaction.controller or interaction.customer.controller,
        interaction=interaction,
        entry_ids=interaction.lines.filter(entry__document_type__in=DEBIT_TYPES).values_list(
            "entry_id", flat=True
        ),
    )


@transaction.atomic
def interaction_create(
    *,
    customer: Customer,
    user=None,
    description: str,
    interaction_type: str = InteractionType.PHONE_CALL,
    occurred_at: datetime.datetime | None = None,
    contact: Contact | None = None,
    notes: str = "",
    next_interaction_date: datetime.date | None = None,
    controller=None,
    entry_ids: Iterable[int] | None = None,
) -> Interaction:
    """An interaction with lines: the entries given (ticked), or else all the customer's open entries.

    With no contact, the customer's credit-control contact (else its primary, else any active one).
    Setting a next interaction date raises the to-do "Follow up call from <interaction date>".
    """
    occurred_at = occurred_at or timezone.now()
    errors = _header_problems(
        customer=customer,
        interaction_type=interaction_type,
        description=description,
        occurred_at=occurred_at,
        contact=contact,
        next_interaction_date=next_interaction_date,
    )
    if entry_ids is not None:
        entry_ids = sorted(set(entry_ids))
        found = set(
            LedgerEntry.objects.filter(pk__in=entry_ids, customer=customer).values_list("pk", flat=True)
        )
        if not entry_ids:
            errors["entries"] = ["Choose at least one entry, or none to take every open entry."]
        elif set(entry_ids) - found:
            errors["entries"] = [
                f"Entries {sorted(set(entry_ids) - found)} are not entries of customer {customer.code}."
            ]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    interaction = Interaction(
        customer=customer,
        interaction_type=interaction_type,
        occurred_at=occurred_at,
        description=description.strip(),
        contact=contact or credit_control_contact(customer),
        notes=notes,
        next_interaction_date=next_interaction_date,
        controller=controller or user,
    )
    interaction.save()
    if entry_ids is not None:
        lines = [InteractionLine(entry_id=pk, selected=True) for pk in entry_ids]
    else:
        open_ids = LedgerEntry.objects.filter(customer=customer, is_open=True).values_list("pk", flat=True)
        lines = [InteractionLine(entry_id=pk, selected=False) for pk in open_ids]
    for line in lines:
        line.tenant = interaction.tenant
        line.interaction = interaction
    InteractionLine.objects.bulk_create(lines)
    _follow_up_sync(interaction, user)
    return interaction


@transaction.atomic
def interactions_create_for_customers(
    *, customer_ids: Iterable[int], user=None, description: str, **header
) -> list[Interaction]:
    """One interaction per customer (from the credit list's selection), each on its open entries."""
    customer_ids = sorted(set(customer_ids))
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=customer_ids)}
    missing = set(customer_ids) - set(customers)
    if not customer_ids or missing:
        raise DomainError(
            "Choose one or more customers of this company.",
            details={"customers": [f"Unknown customers: {sorted(missing)}"] if missing else ["None chosen."]},
        )
    return [
        interaction_create(customer=customers[pk], user=user, description=description, **header)
        for pk in customer_ids
    ]


@transaction.atomic
def interaction_update(*, interaction: Interaction, user=None, **fields) -> Interaction:
    """Change the header (type, date-time, description, contact, notes, next interaction date)."""
    allowed = {"interaction_type", "occurred_at", "description", "contact", "notes", "next_interaction_date"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(interaction, name, value)
    errors = _header_problems(
        customer=interaction.customer,
        interaction_type=interaction.interaction_type,
        description=interaction.description,
        occurred_at=interaction.occurred_at,
        contact=interaction.contact,
        next_interaction_date=interaction.next_interaction_date,
        dated="occurred_at" in fields,
    )
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    interaction.save()
    _follow_up_sync(interaction, user)
    return interaction


@transaction.atomic
def interaction_lines_select(*, interaction: Interaction, entry_ids: Iterable[int], selected: bool) -> int:
    """Tick (or untick) lines of the interaction by entry id; returns how many lines changed."""
    entry_ids = sorted(set(entry_ids))
    on_lines = set(interaction.lines.filter(entry_id__in=entry_ids).values_list("entry_id", flat=True))
    if set(entry_ids) - on_lines:
        raise DomainError(
            f"Entries {sorted(set(entry_ids) - on_lines)} are not lines of this interaction.",
            details={"entries": sorted(set(entry_ids) - on_lines)},
        )
    return (
        interaction.lines.filter(entry_id__in=entry_ids).exclude(selected=selected).update(selected=selected)
    )
