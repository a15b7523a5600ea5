"""Reads of the interactions app: lines and their selected totals, to-do lists, promises and kept rates,
the disputed (queried) totals, the customer timeline, and the SQL that feeds the to-do counts of the
customer statistics."""

import datetime
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from creditcontrol.formats import day_text, money_text
from creditcontrol.tenancy import current_tenant
from customers.models import CreditLimitChange
from ledger.models import Application, LedgerEntry

from .models import Interaction, InteractionLine, Promise, PromiseStatus, ToDo, ToDoStatus


def todo_counts_sql(*, customers: str = "") -> str:
    """A SELECT of (customer_id, todo_count, overdue_todo_count) for tenant %(tenant)s as of %(as_of)s.

    Open to-dos per customer, and of those the ones due before the as-of date. `customers` narrows them
    (an `AND` condition on `t.customer_id`). Its parameters are those of `aging.figures.figures_sql`, so
    the recalculation can LEFT JOIN it on customer_id (see docs/interactions.md).
    """
    return f"""
        SELECT t.customer_id,
               COUNT(*) AS todo_count,
               COUNT(*) FILTER (WHERE t.due_date < %(as_of)s) AS overdue_todo_count
          FROM interactions_todo t
         WHERE t.tenant_id = %(tenant)s AND t.status = 'open' {customers}
         GROUP BY t.customer_id
    """


def todo_counts(*, as_of: datetime.date, customer_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """{customer id: (open to-dos, overdue open to-dos)}: `todo_counts_sql` run on its own."""
    params = {"tenant": current_tenant().pk, "as_of": as_of, "ids": customer_ids}
    with connection.cursor() as cursor:
        customers = "" if customer_ids is None else "AND t.customer_id = ANY(%(ids)s)"
        cursor.execute(todo_counts_sql(customers=customers), params)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def promise_payments(
    *, promise_ids: list[int], grace_days: int
) -> dict[int, tuple[Decimal, datetime.date | None]]:
    """What counts towards each promise, and the latest posting date among it: active applications to its
    entries, recorded after the promise, posted on or before its promised date plus the grace days.
    {promise id: (amount received, latest application date or None)}."""
    if not promise_ids:
        return {}
    sql = f"""
        SELECT p.id, COALESCE(SUM(a.amount), 0), MAX(a.posting_date)
          FROM interactions_promise p
          JOIN interactions_promiseentry pe ON pe.promise_id = p.id
          LEFT JOIN {Application._meta.db_table} a
            ON a.applied_entry_id = pe.entry_id AND a.undone_on IS NULL
           AND a.created_at >= p.created_at
           AND a.posting_date <= p.promised_payment_date + %(grace)s
         WHERE p.tenant_id = %(tenant)s AND p.id = ANY(%(ids)s)
         GROUP BY p.id
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"tenant": current_tenant().pk, "ids": list(promise_ids), "grace": int(grace_days)}
        )
        return {row[0]: (Decimal(row[1]).quantize(Decimal("0.01")), row[2]) for row in cursor.fetchall()}


def promise_paid_amounts(*, promise_ids: list[int], grace_days: int) -> dict[int, Decimal]:
    """{promise id: amount received towards it} (see `promise_payments`)."""
    payments = promise_payments(promise_ids=promise_ids, grace_days=grace_days)
    return {pk: paid for pk, (paid, _) in payments.items()}


def queried_totals(customer_ids: Iterable[int] | None = None) -> dict[int, tuple[Decimal, int]]:
    """Disputed (queried) per customer: {customer id: (Σ remaining amount (LCY), number of entries)} of the
    open entries whose status code is flagged Queried (all of the tenant's customers, or `customer_ids`).

    Customers with no such entry are left out (read a missing one as (0.00, 0)). Credit memos carrying a
    queried code count with their negative remaining amount, as they do in the balance.
    """
    entries = LedgerEntry.objects.filter(is_open=True, status_code__queried=True)
    if customer_ids is not None:
        entries = entries.filter(customer_id__in=list(customer_ids))
    rows = (
        entries.order_by()
        .values("customer_id")
        .annotate(total=Sum("remaining_amount_lcy"), count=Count("id"))
        .values_list("customer_id", "total", "count")
    )
    return {customer_id: (total, count) for customer_id, total, count in rows}


def interaction_detail(*, interaction_id: int) -> Interaction:
    return Interaction.objects.select_related("customer", "contact", "controller").get(pk=interaction_id)


def interaction_lines(*, interaction: Interaction):
    return (
        InteractionLine.objects.filter(interaction=interaction)
        .select_related("entry", "entry__status_code", "entry__query_resolution_by")
        .order_by("entry__due_date", "entry_id")
    )


def interaction_selection_totals(*, interaction: Interaction) -> dict:
    """Selected entries remaining amount (None when the selection mixes currencies) and its LCY twin."""
    selected = LedgerEntry.objects.filter(
        pk__in=InteractionLine.objects.filter(interaction=interaction, selected=True).values("entry_id")
    )
    totals = selected.aggregate(
        count=Count("id"),
        currencies=Count("currency_code", distinct=True),
        currency=Min("currency_code"),
        remaining=Sum("remaining_amount"),
        remaining_lcy=Sum("remaining_amount_lcy"),
    )
    zero = Decimal("0.00")
    return {
        "count": totals["count"],
        "remaining_amount": (totals["remaining"] or zero) if totals["currencies"] <= 1 else None,
        # The one currency of the selection (None for none or several), to write beside the amount.
        "currency": totals["currency"] if totals["currencies"] == 1 else None,
        "remaining_amount_lcy": totals["remaining_lcy"] or zero,
    }


def interactions_list(*, customer_id: int | None = None):
    qs = Interaction.objects.select_related("customer", "contact", "controller")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-occurred_at", "-id")


def todo_list(*, user=None, owner: str = "mine", state: str = "open", today: datetime.date | None = None):
    """To-dos by due date: mine (assigned to `user`) or all; open, closed, overdue (open, due before today)."""
    qs = ToDo.objects.select_related("customer", "assigned_to", "interaction", "promise")
    if owner == "mine" and user is not None:
        qs = qs.filter(assigned_to=user)
    if state == "open":
        qs = qs.filter(status=ToDoStatus.OPEN)
    elif state == "closed":
        qs = qs.filter(status=ToDoStatus.CLOSED)
    elif state == "overdue":
        qs = qs.filter(status=ToDoStatus.OPEN, due_date__lt=today or current_tenant().today())
    return qs.order_by("due_date", "id")


def promise_kept_rates(*, by: str = "customer") -> list[dict]:
    """Kept, broken and pending promises with the kept rate (kept ÷ (kept + broken)), per customer or
    per controller (who took the promise). Replaced promises are left out."""
    field = {"customer": "customer", "controller": "controller"}.get(by, "customer")
    label = {"customer": "customer__name", "controller": "controller__username"}[field]
    rows = (
        Promise.objects.exclude(status=PromiseStatus.REPLACED)
        .values(field, label)
        .annotate(
            kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
            broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)),
            pending=Count("id", filter=Q(status=PromiseStatus.PENDING)),
        )
        .order_by(label)
    )
    result = []
    for row in rows:
        decided = row["kept"] + row["broken"]
        result.append(
            {
                "id": row[field],
                "name": row[label] or "—",
                "kept": row["kept"],
                "broken": row["broken"],
                "pending": row["pending"],
                "kept_rate": None
                if decided == 0
                else (Decimal(row["kept"]) * 100 / decided).quantize(Decimal("0.1")),
            }
        )
    return result


def customer_promise_counts(*, customer_id: int) -> dict:
    """Kept, broken and pending promises of one customer and its kept rate."""
    counts = Promise.objects.filter(customer_id=customer_id).aggregate(
        kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
        broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)),
        pending=Count("id", filter=Q(status=PromiseStatus.PENDING)),
    )
    decided = counts["kept"] + counts["broken"]
    counts["kept_rate"] = (
        None if decided == 0 else (Decimal(counts["kept"]) * 100 / decided).quantize(Decimal("0.1"))
    )
    return counts


# --- the customer timeline -----------------------------------------------------------------------------


def _at(value, tz) -> datetime.datetime:
    """A sortable aware datetime: dates (postings) fall at the start of their day in the tenant's zone."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, tz)
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=tz)


def customer_timeline(*, customer_id: int, limit: int = 200) -> list[dict]:
    """Interactions, to-dos, promises, postings and credit-limit changes of a customer, newest first.

    Each source is read newest first up to `limit`, then merged; each event is a dict with `at`, `kind`,
    `title`, `detail`, and the object (`interaction`, `todo`, `promise`, `entry`, `application`, `change`).
    """
    tz = zoneinfo.ZoneInfo(current_tenant().time_zone)
    currency = current_tenant().local_currency
    events = []
    for i in Interaction.objects.filter(customer_id=customer_id).select_related("controller", "contact")[
        :limit
    ]:
        events.append(
            {
                "at": _at(i.occurred_at, tz),
                "kind": "interaction",
                "title": f"{i.get_interaction_type_display()}: {i.description}",
                "detail": i.notes,
                "who": i.controller.username if i.controller else "",
                "interaction": i,
            }
        )
    for t in (
        ToDo.objects.filter(customer_id=customer_id)
        .select_related("assigned_to")
        .order_by("-created_at")[:limit]
    ):
        events.append(
            {
                "at": _at(t.created_at, tz),
                "kind": "todo",
                "title": f"To-do: {t.description} (due {day_text(t.due_date)})",
                "detail": t.notes,
                "who": t.assigned_to.username if t.assigned_to else "",
                "todo": t,
            }
        )
        if t.closed_at:
            events.append(
                {
                    "at": _at(t.closed_at, tz),
                    "kind": "todo-closed",
                    "title": f"To-do closed: {t.description}",
                    "detail": t.closed_reason,
                    "who": "",
                    "todo": t,
                }
            )
    for p in Promise.objects.filter(customer_id=customer_id).select_related("controller")[:limit]:
        full = " (full amount)" if p.promised_full_amount else ""
        events.append(
            {
                "at": _at(p.created_at, tz),
                "kind": "promise",
                "title": f"Promise to pay {money_text(p.promised_amount, p.currency_code)}{full} by "
                f"{day_text(p.promised_payment_date)}: {p.get_status_display().lower()}",
                "detail": f"Received so far {money_text(p.paid_amount, p.currency_code)}",
                "who": p.controller.username if p.controller else "",
                "promise": p,
            }
        )
    for e in LedgerEntry.objects.filter(customer_id=customer_id).order_by("-posting_date", "-id")[:limit]:
        events.append(
            {
                "at": _at(e.posting_date, tz),
                "kind": "posting",
                "title": f"{e.get_document_type_display()} {e.document_no} posted: {money_text(e.amount, e.currency_code)}",
                "detail": e.description,
                "who": "",
                "entry": e,
            }
        )
    applications = (
        Application.objects.filter(applied_entry__customer_id=customer_id)
        .select_related("applying_entry", "applied_entry")
        .order_by("-posting_date", "-id")[:limit]
    )
    for a in applications:
        undone = f" (undone {day_text(a.undone_on)})" if a.undone_on else ""
        events.append(
            {
                "at": _at(a.posting_date, tz),
                "kind": "application",
                "title": f"{a.applying_entry.document_no} applied to {a.applied_entry.document_no}: "
                f"{money_text(a.amount, a.applied_entry.currency_code)}{undone}",
                "detail": "",
                "who": "",
                "application": a,
            }
        )
    for c in CreditLimitChange.objects.filter(customer_id=customer_id).select_related("changed_by")[:limit]:
        old = "no limit" if c.old_limit_lcy is None else money_text(c.old_limit_lcy, currency)
        new = "no limit" if c.new_limit_lcy is None else money_text(c.new_limit_lcy, currency)
        events.append(
            {
                "at": _at(c.changed_at, tz),
                "kind": "credit-limit",
                "title": f"Credit limit {old} → {new}",
                "detail": c.note,
                "who": c.changed_by.username if c.changed_by else "ERP",
                "change": c,
            }
        )
    events.sort(key=lambda ev: ev["at"], reverse=True)
    return events[:limit]
