"""Update selected entries: a status code and its promise or query fields, written onto ledger entries."""

import datetime
from decimal import Decimal

from django.db import transaction

from creditcontrol.errors import DomainError
from creditcontrol.models import Membership
from creditcontrol.tenancy import current_tenant
from ledger.models import DEBIT_TYPES, LedgerEntry

from ..models import (
    EntryUpdate,
    Interaction,
    Promise,
    PromiseEntry,
    PromiseStatus,
    StatusCode,
    ToDo,
    ToDoEntry,
    ToDoKind,
    ToDoOutcome,
    ToDoStatus,
)
from .promises import promises_evaluate
from .queries import query_todos_sync
from .todos import todo_create, todos_close_for_promise

PROMISE_CHECK = "Check promised payment has been received"


def work_date(user) -> datetime.date:
    """The user's work date in the current tenant, or today there."""
    tenant = current_tenant()
    if user is not None and getattr(user, "is_authenticated", False):
        date = Membership.objects.filter(tenant=tenant, user=user).values_list("work_date", flat=True).first()
        if date is not None:
            return date
    return tenant.today()


def _allocate(entries: list[LedgerEntry], amount: Decimal) -> dict[int, Decimal]:
    """Share a promised amount among entries, oldest due first, each up to what remains on it."""
    shares, left = {}, amount
    for entry in sorted(entries, key=lambda e: (e.due_date, e.pk)):
        share = min(left, entry.remaining_amount)
        shares[entry.pk] = share
        left -= share
    return shares


def _promise_problems(entries, *, full, amount, date, today) -> dict:
    errors = {}
    closed = [e for e in entries if not e.is_open or e.document_type not in DEBIT_TYPES]
    if closed:
        errors["entries"] = [
            f"Entry {e.pk} ({e.document_no}) "
            + ("is closed" if not e.is_open else f"is a {e.get_document_type_display().lower()}")
            + ": only open invoices and charges can be promised."
            for e in closed
        ]
    currencies = sorted({e.currency_code for e in entries})
    if len(currencies) > 1:
        errors.setdefault("entries", []).append(
            f"The selected entries are in different currencies ({', '.join(currencies)}): promise them apart."
        )
    if date is None:
        errors["promised_payment_date"] = ["Enter the promised payment date."]
    elif date < today:
        errors["promised_payment_date"] = [
            f"The promised payment date {date.isoformat()} is in the past (today is {today.isoformat()})."
        ]
    if not full:
        remaining = sum((e.remaining_amount for e in entries), Decimal("0.00"))
        if amount is None:
            errors["promised_amount"] = ["Enter the promised payment amount, or tick Full amount."]
        elif amount <= 0:
            errors["promised_amount"] = ["The promised payment amount must be more than zero."]
        elif not closed and amount > remaining:
            errors["promised_amount"] = [
                f"The promised payment amount {amount:,.2f} is more than the selected entries' "
                f"remaining amount {remaining:,.2f}."
            ]
    return errors


@transaction.atomic
def entries_update(
    *,
    interaction: Interaction,
    user=None,
    status_code: StatusCode | None,
    entry_ids: list[int] | None = None,
    promised_full_amount: bool = False,
    promised_amount: Decimal | None = None,
    promised_payment_date: datetime.date | None = None,
    query_resolution_target_date: datetime.date | None = None,
    query_resolution_by=None,
) -> dict:
    """Write the status code onto the interaction's selected entries (or `entry_ids`, all its lines).

    A Promised code writes the promise fields (and clears the query fields), records a `Promise` (taking
    its entries over from older pending promises: `_promises_take_over`) and the to-do "Check promised
    payment has been received" due on the promised date. A Queried code writes the resolution target date
    (default: the user's work date) and resolution by (the user, when the code says "query resolution by
    me"), clearing the promise fields, and raises or moves each entry's "Resolve query on …" to-do; any
    other code (or none) closes those as resolved (`queries.query_todos_sync`). Other codes (or none) clear
    both sets of fields. Each entry's new values are also kept on the interaction as an `EntryUpdate`.
    """
    if status_code is not None and not status_code.is_active:
        message = f"Status code {status_code.code} is inactive: choose another."
        raise DomainError(message, details={"status_code": [message]})
    lines = interaction.lines.all()
    if entry_ids is None:
        entry_ids = list(lines.filter(selected=True).values_list("entry_id", flat=True))
        if not entry_ids:
            raise DomainError("Select at least one entry to update.", details={"entries": ["None selected."]})
    entry_ids = sorted(set(entry_ids))
    not_lines = set(entry_ids) - set(lines.filter(entry_id__in=entry_ids).values_list("entry_id", flat=True))
    if not entry_ids or not_lines:
        raise DomainError(
            "Only entries on the interaction can be updated.",
            details={"entries": [f"Not lines of this interaction: {sorted(not_lines)}"]},
        )
    entries = list(LedgerEntry.objects.select_for_update().filter(pk__in=entry_ids).order_by("pk"))
    today = current_tenant().today()
    values = {
        "status_code": status_code,
        "promised_payment_date": None,
        "promised_amount": None,
        "promised_full_amount": False,
        "query_resolution_target_date": None,
        "query_resolution_by": None,
    }
    shares: dict[int, Decimal] = {}
    if status_code is not None and status_code.promised:
        errors = _promise_problems(
            entries,
            full=promised_full_amount,
            amount=promised_amount,
            date=promised_payment_date,
            today=today,
        )
        if errors:
            raise DomainError(next(iter(errors.values()))[0], details=errors)
        values.update(promised_payment_date=promised_payment_date, promised_full_amount=promised_full_amount)
        if promised_full_amount:
            shares = {e.pk: e.remaining_amount for e in entries}
        else:
            shares = _allocate(entries, promised_amount)
    elif status_code is not None and status_code.queried:
        if query_resolution_by is None and status_code.query_resolution_by_me:
            query_resolution_by = user
        values.update(
            query_resolution_target_date=query_resolution_target_date or work_date(user),
            query_resolution_by=query_resolution_by,
        )
    updates = []
    for entry in entries:
        for name, value in values.items():
            setattr(entry, name, value)
        entry.promised_amount = shares.get(entry.pk)
        entry.save(update_fields=[*values, "updated_at"])
        updates.append(
            EntryUpdate(
                tenant=interaction.tenant,
                interaction=interaction,
                entry=entry,
                created_by=user,
                **{name: getattr(entry, name) for name in values},
            )
        )
    EntryUpdate.objects.bulk_create(updates)
    todos = query_todos_sync(interaction=interaction, user=user, entries=entries, status_code=status_code)
    result = {"entries": entries, "promise": None, "todos": todos}
    if shares:
        promise, todo = _promise_record(interaction, user, entries, shares, values)
        result.update(promise=promise, todos=[todo])
    return result


def _promise_record(interaction, user, entries, shares, values):
    total = sum(shares.values(), Decimal("0.00"))
    currency = entries[0].currency_code
    adjusted = _promises_take_over(
        entry_ids={e.pk for e in entries},
        newer=f"a new promise of {total:,.2f} {currency} by {values['promised_payment_date'].isoformat()}",
    )
    promise = Promise(
        customer=interaction.customer,
        interaction=interaction,
        controller=user or interaction.controller,
        promised_payment_date=values["promised_payment_date"],
        promised_amount=total,
        promised_full_amount=values["promised_full_amount"],
        currency_code=currency,
    )
    promise.save()
    PromiseEntry.objects.bulk_create(
        PromiseEntry(
            tenant=promise.tenant,
            promise=promise,
            entry=entry,
            remaining_amount_at_promise=entry.remaining_amount,
            promised_amount=shares[entry.pk],
        )
        for entry in entries
    )
    todo = todo_create(
        customer=interaction.customer,
        kind=ToDoKind.PROMISE_CHECK,
        description=PROMISE_CHECK,
        due_date=promise.promised_payment_date,
        user=user,
        assigned_to=user or interaction.controller,
        interaction=interaction,
        promise=promise,
        entry_ids=[e.pk for e in entries],
        notes=f"Promised {total:,.2f} {currency}"
        + (" (the full amount)" if values["promised_full_amount"] else "")
        + f" by {promise.promised_payment_date.isoformat()} for "
        + ", ".join(e.document_no for e in entries)
        + ".",
    )
    if adjusted:
        # What is left of an older promise may already be paid: judge it on its remaining entries now.
        promises_evaluate(promise_ids=adjusted)
    return promise, todo


def _promises_take_over(*, entry_ids: set[int], newer: str) -> list[int]:
    """A newer promise takes its entries over from the older pending promises on any of them.

    One live promise per entry, and no entry left unwatched: an older promise gives up only the entries
    the newer one covers. It keeps each remaining entry's share as allocated when it was made (oldest due
    first, each up to the entry's remaining amount then; with Full amount, that remaining amount), so its
    promised amount becomes the sum of those shares: what was left of it on those entries. Its promised
    date, its check to-do (which stops watching the entries given up) and the applications it counts on
    the entries it keeps stay as they were. Only when nothing is left of it (every entry covered, or
    the entries left had no share of the amount) is it `replaced`, closing its check to-do as replaced.
    Returns the ids of the promises that were cut down, to be judged again.
    """
    older = Promise.objects.select_for_update().filter(
        status=PromiseStatus.PENDING,
        pk__in=PromiseEntry.objects.filter(entry_id__in=entry_ids).values("promise_id"),
    )
    today = current_tenant().today()
    adjusted = []
    for old in older.order_by("pk"):
        rows = list(old.promise_entries.select_related("entry").order_by("entry__due_date", "entry_id"))
        given_up = [row for row in rows if row.entry_id in entry_ids]
        kept = [row for row in rows if row.entry_id not in entry_ids]
        left = sum((row.promised_amount for row in kept), Decimal("0.00"))
        if left <= 0:
            old.status = PromiseStatus.REPLACED
            old.settled_on = today
            old.save(update_fields=["status", "settled_on"])
            todos_close_for_promise(
                promise=old,
                reason=f"Replaced by {newer}.",
                kinds=[ToDoKind.PROMISE_CHECK],
                outcome=ToDoOutcome.REPLACED,
            )
            continue
        old.promised_amount = left
        old.save(update_fields=["promised_amount"])
        given_up_ids = [row.entry_id for row in given_up]
        PromiseEntry.objects.filter(pk__in=[row.pk for row in given_up]).delete()
        note = (
            f"{today.isoformat()}: {', '.join(row.entry.document_no for row in given_up)} taken over by "
            f"{newer}; this promise is now {left:,.2f} {old.currency_code} for "
            f"{', '.join(row.entry.document_no for row in kept)}."
        )
        for todo in ToDo.objects.select_for_update().filter(promise=old, status=ToDoStatus.OPEN):
            ToDoEntry.objects.filter(todo=todo, entry_id__in=given_up_ids).delete()
            todo.notes = f"{todo.notes}\n{note}".strip()
            todo.save(update_fields=["notes"])
        adjusted.append(old.pk)
    return adjusted
