"""Reads of chasing for the pages: the runs, a run's proposal with its items, the policy a customer follows,
and a customer's chasing (its items' levels, the next step, its reminders)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch

from customers.models import Customer
from ledger.models import LedgerEntry
from messaging.models import MessageTemplate, Purpose

from .models import (
    ChasingLevel,
    ChasingPolicy,
    ChasingRun,
    CustomerChasing,
    EntryChasing,
    GroupChasing,
    Reminder,
    ReminderLine,
    ReminderStatus,
)


def reminder_template_names() -> list[str]:
    """The names of the reminder templates a level can choose (Setup > Message templates)."""
    return list(
        MessageTemplate.objects.filter(purpose=Purpose.REMINDER)
        .exclude(name="")
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )


def runs():
    return ChasingRun.objects.select_related("started_by")


def level_names() -> dict[tuple[int, int], str]:
    """(policy id, level number) -> the level's name, for every level of the tenant (a few dozen)."""
    return {(lv.policy_id, lv.number): lv.name for lv in ChasingLevel.objects.all()}


def run_reminders(*, run: ChasingRun, left_out: bool):
    """The run's reminders the user may see (a controller: their customers'), with their items: those
    proposed or decided, or those left out."""
    lines = ReminderLine.objects.select_related("entry").order_by("entry__due_date", "entry_id")
    reminders = Reminder.objects.filter(run=run).select_related("customer", "message", "decided_by")
    if left_out:
        reminders = reminders.filter(status=ReminderStatus.SKIPPED)
    else:
        reminders = reminders.exclude(status=ReminderStatus.SKIPPED)
    return reminders.order_by("customer__code", "currency_code").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def run_counts(*, run: ChasingRun) -> dict[str, int]:
    """How many of the run's reminders the user may see are in each status."""
    counts = dict.fromkeys(ReminderStatus.values, 0)
    rows = Reminder.objects.filter(run=run).values_list("status").annotate(n=Count("pk")).order_by()
    counts.update(dict(rows))
    return counts


def policy_followed(customer: Customer) -> tuple[ChasingPolicy | None, str]:
    """The policy a customer follows and where it comes from: its own, its group's, or the default."""
    own = CustomerChasing.objects.filter(customer=customer).select_related("policy").first()
    if own is not None and own.policy is not None:
        return own.policy, "own"
    if customer.group_id is not None:
        group = GroupChasing.objects.filter(group_id=customer.group_id).select_related("policy").first()
        if group is not None and group.policy is not None:
            return group.policy, "group"
    return ChasingPolicy.objects.filter(is_default=True).first(), "default"


@dataclass
class ItemLevel:
    entry: LedgerEntry
    level: int  # 0: not reminded yet
    level_name: str
    reminded_on: datetime.date | None
    repeats: int


@dataclass
class NextStep:
    level: ChasingLevel
    on: datetime.date
    entry: LedgerEntry
    repeat: bool


def customer_chasing(customer: Customer) -> dict:
    """What the card's chasing panel shows: the policy followed, the pause or exclusion (the customer's
    own, or its group's), each open item's level and when it was reached, the next step (the next level
    and the day its days are reached, for the item that reaches it first), and the reminders so far."""
    policy, source = policy_followed(customer)
    own = CustomerChasing.objects.filter(customer=customer).first()
    group = GroupChasing.objects.filter(group_id=customer.group_id).first() if customer.group_id else None
    today = customer.tenant.today()
    levels = {lv.number: lv for lv in policy.levels.all()} if policy is not None else {}
    entries = list(
        LedgerEntry.objects.filter(customer=customer, is_open=True, remaining_amount__gt=0).order_by(
            "due_date", "id"
        )
    )
    reached = {row.entry_id: row for row in EntryChasing.objects.filter(entry__in=entries)}
    items, next_step = [], None
    for entry in entries:
        row = reached.get(entry.pk)
        level = row.level if row else 0
        items.append(
            ItemLevel(
                entry=entry,
                level=level,
                level_name=levels[level].name if level in levels else "",
                reminded_on=row.reminded_on if row else None,
                repeats=row.repeats if row else 0,
            )
        )
        step = _next_step(policy, levels, entry, row)
        if step is not None and (next_step is None or step.on < next_step.on):
            next_step = step
    history = (
        Reminder.objects.filter(customer=customer)
        .select_related("run", "message")
        .order_by("-run__as_of", "-run_id")[:20]
    )
    names = level_names()
    return {
        "policy": policy,
        "policy_source": source,
        "own": own,
        "group": group,
        "paused_until": own.paused_until if own and own.paused_until and own.paused_until >= today else None,
        "pause_reason": own.pause_reason if own else "",
        "group_paused_until": (
            group.paused_until if group and group.paused_until and group.paused_until >= today else None
        ),
        "group_pause_reason": group.pause_reason if group else "",
        "excluded": bool(own and own.excluded),
        "items": items,
        "next_step": next_step,
        "reminders": [(r, names.get((r.policy_id, r.level), "")) for r in history],
    }


def _next_step(policy, levels, entry, row) -> NextStep | None:
    """The level an item reaches next under `policy` and the day it does (as `chasing.proposal` decides)."""
    if policy is None or not levels or entry.due_date is None:
        return None
    reached = row.level if row else 0
    following = levels.get(reached + 1)
    if following is not None:
        return NextStep(
            level=following,
            on=entry.due_date + datetime.timedelta(days=following.days),
            entry=entry,
            repeat=False,
        )
    last = levels[max(levels)]
    if row is None or reached != last.number or row.repeats >= policy.repeat_last_times:
        return None
    on = max(
        row.reminded_on + datetime.timedelta(days=policy.repeat_after_days),
        entry.due_date + datetime.timedelta(days=last.days),
    )
    return NextStep(level=last, on=on, entry=entry, repeat=True)
