"""Promises to pay: recording one, and finding it kept or broken as payments are applied and days pass."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from creditcontrol.changes import Change
from creditcontrol.sql import id_list
from creditcontrol.tenancy import current_tenant

from .. import selectors
from ..models import Promise, PromiseEntry, PromiseStatus, ToDoKind, ToDoOutcome
from .todos import todo_create, todos_close_for_promise, todos_close_paid

PROMISE_BROKEN = "Promised payment not received"


def _money(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


@transaction.atomic
def promises_evaluate(
    *,
    promise_ids: Iterable[int] | None = None,
    entry_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> dict[str, int]:
    """Evaluate pending promises (and re-check kept ones touched by `entry_ids`, as an undo can unkeep).

    Kept: the applications to the promise's entries recorded after it was made and posted on or before
    promised date + grace days reach the promised amount. Broken: that date is before today (tenant's
    time zone) and they do not. A broken promise closes its "check" to-do and raises a new one.
    """
    today = today or current_tenant().today()
    grace = current_tenant().promise_grace_days
    promises = Promise.objects.select_related("customer")
    if entry_ids is not None:
        promises = promises.filter(
            status__in=[PromiseStatus.PENDING, PromiseStatus.KEPT],
            pk__in=PromiseEntry.objects.filter(entry_id__in=id_list(entry_ids)).values("promise_id"),
        )
    else:
        promises = promises.filter(status=PromiseStatus.PENDING)
    if promise_ids is not None:
        promises = promises.filter(pk__in=list(promise_ids))
    promises = list(promises.select_for_update(of=("self",)).order_by("pk"))
    payments = selectors.promise_payments(promise_ids=[p.pk for p in promises], grace_days=grace)
    counts = {"kept": 0, "broken": 0, "pending": 0}
    for promise in promises:
        promise.paid_amount, last_paid_on = payments.get(promise.pk, (Decimal("0.00"), None))
        deadline = promise.promised_payment_date + datetime.timedelta(days=grace)
        was = promise.status
        if promise.paid_amount >= promise.promised_amount:
            status = PromiseStatus.KEPT
        elif today > deadline:
            status = PromiseStatus.BROKEN
        else:
            status = PromiseStatus.PENDING
        promise.status = status
        promise.evaluated_on = today
        if status != was:
            promise.settled_on = None if status == PromiseStatus.PENDING else today
        promise.save(update_fields=["status", "paid_amount", "evaluated_on", "settled_on"])
        counts[status] += 1
        if status == was:
            continue
        received = _money(promise.paid_amount, promise.currency_code)
        if status == PromiseStatus.KEPT:
            # The date it was kept: the latest posting date among the applications that count towards it.
            todos_close_for_promise(
                promise=promise,
                reason=f"Promise kept: {received} received on {last_paid_on.isoformat()}.",
                kinds=[ToDoKind.PROMISE_CHECK, ToDoKind.PROMISE_BROKEN],
                outcome=ToDoOutcome.KEPT,
            )
        elif status == PromiseStatus.BROKEN:
            promised = _money(promise.promised_amount, promise.currency_code)
            todos_close_for_promise(
                promise=promise,
                reason=f"Promise broken: {received} of {promised} received by {deadline.isoformat()}.",
                kinds=[ToDoKind.PROMISE_CHECK],
                outcome=ToDoOutcome.BROKEN,
            )
            todo_create(
                customer=promise.customer,
                kind=ToDoKind.PROMISE_BROKEN,
                description=PROMISE_BROKEN,
                notes=(
                    f"Promised {promised} by {promise.promised_payment_date.isoformat()}"
                    f"{f' (+{grace} days grace)' if grace else ''}; received {received}."
                ),
                due_date=today,
                assigned_to=promise.controller or promise.customer.controller,
                interaction=promise.interaction,
                promise=promise,
                entry_ids=promise.promise_entries.values_list("entry_id", flat=True),
            )
    return counts


def entries_on_change(change: Change) -> None:
    """The interactions' subscriber to the ledger-change seam (interactions/apps.py), in the publisher's
    transaction: promises on the entries whose remaining amount changed are judged again (an undo can
    unkeep one), and to-dos whose watched entries are now all paid close."""
    if change.entry_ids:
        promises_evaluate(entry_ids=change.entry_ids)
    if change.settled_entry_ids:
        todos_close_paid(entry_ids=change.settled_entry_ids)


@transaction.atomic
def promises_evaluate_nightly(*, today: datetime.date | None = None) -> dict[str, int]:
    """The nightly pass over the tenant: every pending promise, and to-dos paid by bulk imports."""
    counts = promises_evaluate(today=today)
    counts["todos_closed"] = todos_close_paid()
    return counts
