"""To-dos: creating them (by hand or from interactions and promises) and closing them, by hand or when paid."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from creditcontrol import changes
from creditcontrol.errors import DomainError
from creditcontrol.sql import id_list
from customers.models import Customer
from ledger.models import DEBIT_TYPES, LedgerEntry

from ..models import Interaction, Promise, ToDo, ToDoEntry, ToDoKind, ToDoOutcome, ToDoStatus


@transaction.atomic
def todo_create(
    *,
    customer: Customer,
    description: str,
    due_date: datetime.date | None,
    user=None,
    kind: str = ToDoKind.MANUAL,
    notes: str = "",
    assigned_to=None,
    interaction: Interaction | None = None,
    promise: Promise | None = None,
    entry_ids: Iterable[int] = (),
) -> ToDo:
    """A to-do on a customer, watching `entry_ids` (it closes itself once all of them are paid)."""
    errors = {}
    if not description or not description.strip():
        errors["description"] = ["Enter what is to be done."]
    if due_date is None:
        errors["due_date"] = ["Enter the due date."]
    if kind not in ToDoKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(ToDoKind.values)}."]
    entry_ids = sorted(set(entry_ids))
    if entry_ids:
        found = set(
            LedgerEntry.objects.filter(pk__in=entry_ids, customer=customer).values_list("pk", flat=True)
        )
        if set(entry_ids) - found:
            errors["entries"] = [
                f"Entries {sorted(set(entry_ids) - found)} are not entries of customer {customer.code}."
            ]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    todo = ToDo(
        customer=customer,
        kind=kind,
        description=description.strip(),
        notes=notes,
        due_date=due_date,
        assigned_to=assigned_to if assigned_to is not None else (user or customer.controller),
        interaction=interaction,
        promise=promise,
        created_by=user,
    )
    todo.save()
    ToDoEntry.objects.bulk_create(ToDoEntry(tenant=todo.tenant, todo=todo, entry_id=pk) for pk in entry_ids)
    changes.publish(source="to-do", customer_ids=[customer.pk])  # the customer's to-do counts changed
    return todo


def todo_reschedule(*, todo: ToDo, due_date: datetime.date) -> ToDo:
    """Move an open to-do to another due date (its customer's overdue to-do count may change)."""
    if todo.due_date != due_date:
        todo.due_date = due_date
        todo.save(update_fields=["due_date"])
        changes.publish(source="to-do", customer_ids=[todo.customer_id])
    return todo


def _close(todos: list[ToDo], *, reason: str | dict, outcome: str, user=None) -> None:
    now = timezone.now()
    for todo in todos:
        todo.status = ToDoStatus.CLOSED
        todo.outcome = outcome
        todo.closed_at = now
        todo.closed_by = user
        todo.closed_reason = (reason[todo.pk] if isinstance(reason, dict) else reason)[:250]
        todo.save(update_fields=["status", "outcome", "closed_at", "closed_by", "closed_reason"])
    if todos:
        changes.publish(source="to-do", customer_ids=[todo.customer_id for todo in todos])


@transaction.atomic
def todo_close(*, todo: ToDo, user=None, reason: str = "", outcome: str = ToDoOutcome.DONE) -> ToDo:
    """Close an open to-do: by hand it is done; a service closing one it raised names its `outcome`."""
    todo = ToDo.objects.select_for_update().get(pk=todo.pk)
    if todo.status == ToDoStatus.CLOSED:
        raise DomainError(f"To-do {todo.pk} is already closed ({todo.closed_reason or 'no reason given'}).")
    by = user.get_username() if user is not None else "system"
    _close([todo], reason=reason.strip() or f"Done ({by})", outcome=outcome, user=user)
    return todo


def todos_close_for_promise(*, promise: Promise, reason: str, kinds: Iterable[str], outcome: str) -> int:
    todos = list(
        ToDo.objects.select_for_update().filter(promise=promise, status=ToDoStatus.OPEN, kind__in=list(kinds))
    )
    _close(todos, reason=reason, outcome=outcome)
    return len(todos)


@transaction.atomic
def todos_close_paid(*, entry_ids: Iterable[int] | None = None) -> int:
    """Close the open to-dos (watching any of `entry_ids`, or all) whose watched entries are all paid.

    The reason names each entry with the date it closed, so "paid early" can be read off it.
    """
    watching = ToDoEntry.objects.filter(todo__status=ToDoStatus.OPEN)
    if entry_ids is not None:
        watching = watching.filter(entry_id__in=id_list(entry_ids))
    candidate_ids = set(watching.values_list("todo_id", flat=True))
    if not candidate_ids:
        return 0
    still_open = set(
        ToDoEntry.objects.filter(todo_id__in=candidate_ids, entry__is_open=True).values_list(
            "todo_id", flat=True
        )
    )
    paid_ids = sorted(candidate_ids - still_open)
    if not paid_ids:
        return 0
    todos = list(
        ToDo.objects.select_for_update().filter(pk__in=paid_ids, status=ToDoStatus.OPEN).order_by("pk")
    )
    reasons = {}
    for todo in todos:
        entries = LedgerEntry.objects.filter(todo_watches(todo)).order_by("closed_at", "pk")
        parts = []
        for entry in entries:
            early = ""
            if entry.document_type in DEBIT_TYPES and entry.closed_at < entry.due_date:
                early = f", {(entry.due_date - entry.closed_at).days} days before due"
            parts.append(f"{entry.document_no} closed on {entry.closed_at.isoformat()}{early}")
        reasons[todo.pk] = "Paid: " + "; ".join(parts) + "."
    _close(todos, reason=reasons, outcome=ToDoOutcome.PAID)
    return len(todos)


def todo_watches(todo: ToDo) -> Q:
    return Q(pk__in=ToDoEntry.objects.filter(todo=todo).values("entry_id"))
