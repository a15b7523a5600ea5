"""Writes of chasing: policies and levels, who follows which policy, pauses, and the runs: start (one open
run per tenant), propose (`chasing.proposal`, set-based), review (drop, edit, release), and the making of
each released reminder into a message (one customer per transaction, by Celery workers).
"""

import datetime
import logging
import time
import zoneinfo

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from creditcontrol import scope
from creditcontrol.errors import DomainError
from creditcontrol.tenancy import current_tenant
from customers.models import Customer, CustomerGroup
from customers.services import customer_update
from interactions.models import PromiseEntry, PromiseStatus, ToDoKind
from interactions.services.todos import todo_create
from ledger.models import LedgerEntry
from messaging.models import Channel, Purpose
from messaging.services import (
    NoRecipient,
    customer_language,
    message_create,
    message_draft,
    template_for,
    template_save,
)
from messaging.statements import statement_open_item
from messaging.variables import day, money, text_table

from . import defaults, proposal
from .models import (
    OPEN_RUN,
    ChasingLevel,
    ChasingPolicy,
    ChasingRun,
    ChasingSetup,
    CustomerChasing,
    EntryChasing,
    GroupChasing,
    Reminder,
    ReminderLine,
    ReminderStatus,
    RunStatus,
)

logger = logging.getLogger(__name__)

# --- setup ---------------------------------------------------------------------------------------------


def chasing_seed_defaults() -> None:
    """A new tenant's chasing: the setup row, a standard policy of three levels and their templates."""
    ChasingSetup.objects.get_or_create(tenant=current_tenant())
    for _number, channel, name, subject, body in defaults.TEMPLATES:
        if template_for(purpose=Purpose.REMINDER, channel=channel, language="en", name=name) is None:
            template_save(
                channel=channel,
                purpose=Purpose.REMINDER,
                language="en",
                name=name,
                subject=subject,
                body=body,
            )
    if ChasingPolicy.objects.exists():
        return
    policy = ChasingPolicy.objects.create(name="Standard", is_default=True)
    for number, name, days, todo in defaults.LEVELS:
        ChasingLevel.objects.create(
            policy=policy, number=number, name=name, days=days, template_name=name, todo_description=todo
        )


def setup_get() -> ChasingSetup:
    setup, _ = ChasingSetup.objects.get_or_create(tenant=current_tenant())
    return setup


@transaction.atomic
def setup_update(*, scheduled: bool, weekdays: list[int], run_at: datetime.time, freshness_days: int):
    errors = {}
    if any(day_no not in range(1, 8) for day_no in weekdays):
        errors["weekdays"] = ["Days are 1 (Monday) to 7 (Sunday)."]
    if scheduled and not weekdays:
        errors["weekdays"] = ["Choose the days the run starts by itself."]
    if freshness_days < 1:
        errors["freshness_days"] = ["At least one day."]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    setup = ChasingSetup.objects.select_for_update().get(pk=setup_get().pk)
    setup.scheduled, setup.weekdays, setup.run_at = scheduled, sorted(set(weekdays)), run_at
    setup.freshness_days = freshness_days
    setup.save()
    return setup


def _policy_problems(policy: ChasingPolicy) -> dict:
    errors: dict[str, list[str]] = {}
    if not (policy.name or "").strip():
        errors["name"] = ["Give the policy a name."]
    elif ChasingPolicy.objects.filter(name=policy.name.strip()).exclude(pk=policy.pk).exists():
        errors["name"] = [f"There is already a policy named {policy.name.strip()!r}."]
    if policy.minimum_overdue_lcy is not None and policy.minimum_overdue_lcy < 0:
        errors["minimum_overdue_lcy"] = ["The minimum cannot be negative."]
    return errors


POLICY_FIELDS = (
    "name",
    "is_default",
    "minimum_overdue_lcy",
    "contact_gap_days",
    "repeat_last_times",
    "repeat_after_days",
    "attach_statement",
    "is_active",
)


@transaction.atomic
def policy_save(*, policy: ChasingPolicy | None = None, **fields) -> ChasingPolicy:
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    policy = policy or ChasingPolicy()
    for name, value in fields.items():
        setattr(policy, name, value.strip() if isinstance(value, str) else value)
    errors = _policy_problems(policy)
    if policy.is_default and not policy.is_active:
        errors.setdefault("is_active", []).append("The default policy must be active.")
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    if policy.is_default:  # one default: the new one takes over
        ChasingPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
    policy.save()
    return policy


@transaction.atomic
def policy_delete(*, policy: ChasingPolicy) -> None:
    used = (
        CustomerChasing.objects.filter(policy=policy).count()
        + GroupChasing.objects.filter(policy=policy).count()
    )
    if used:
        raise DomainError(
            f"Policy {policy.name} is assigned to {used} customer(s) or group(s): assign them another first, "
            "or deactivate it."
        )
    if policy.is_default:
        raise DomainError("The default policy cannot be deleted: make another the default first.")
    policy.delete()


LEVEL_FIELDS = (
    "name",
    "days",
    "channel",
    "template_name",
    "todo_description",
    "hold_documents",
    "fee_lcy",
    "sends_automatically",
)


def _level_problems(level: ChasingLevel) -> dict:
    errors: dict[str, list[str]] = {}
    if not (level.name or "").strip():
        errors["name"] = ["Give the level a name."]
    if level.channel not in Channel.values:
        errors["channel"] = [f"Choose one of {', '.join(Channel.values)}."]
    elif template_for(purpose=Purpose.REMINDER, channel=level.channel, name=level.template_name) is None:
        errors["template_name"] = [
            f"There is no {Channel(level.channel).label} reminder template named {level.template_name!r}: "
            "write it on Setup > Message templates first."
        ]
    if level.fee_lcy is not None and level.fee_lcy < 0:
        errors["fee_lcy"] = ["A fee cannot be negative."]
    siblings = {other.number: other for other in level.policy.levels.exclude(pk=level.pk)}
    before, after = siblings.get(level.number - 1), siblings.get(level.number + 1)
    if before is not None and level.days is not None and level.days <= before.days:
        errors["days"] = [
            f"Level {level.number} must come later than level {before.number} ({before.days} days)."
        ]
    if after is not None and level.days is not None and level.days >= after.days:
        errors["days"] = [f"Level {level.number} must come before level {after.number} ({after.days} days)."]
    return errors


@transaction.atomic
def level_save(*, policy: ChasingPolicy, level: ChasingLevel | None = None, **fields) -> ChasingLevel:
    """Change a level, or add one after the policy's last."""
    unknown = set(fields) - set(LEVEL_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if level is None:
        last = policy.levels.order_by("-number").first()
        level = ChasingLevel(policy=policy, number=(last.number + 1) if last else 1, channel=Channel.EMAIL)
    for name, value in fields.items():
        setattr(level, name, value.strip() if isinstance(value, str) else value)
    errors = _level_problems(level)
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    level.save()
    return level


@transaction.atomic
def level_delete(*, level: ChasingLevel) -> None:
    """Only the last level goes (the others are the steps items have reached)."""
    if level.policy.levels.filter(number__gt=level.number).exists():
        raise DomainError("Only the last level can be removed: items have reached the levels before it.")
    level.delete()


# --- who is chased ---------------------------------------------------------------------------------------


def _policy_check(policy: ChasingPolicy | None) -> None:
    if policy is not None and not policy.is_active:
        raise DomainError(
            f"Policy {policy.name} is inactive.", details={"policy": ["Choose an active policy."]}
        )


def _until_check(until: datetime.date | None) -> None:
    if until is not None and until < current_tenant().today():
        message = "The pause must last until today or a later day."
        raise DomainError(message, details={"paused_until": [message]})


@transaction.atomic
def customer_chasing_set(
    *, customer: Customer, policy: ChasingPolicy | None, excluded: bool
) -> CustomerChasing:
    _policy_check(policy)
    row, _ = CustomerChasing.objects.select_for_update().get_or_create(customer=customer)
    row.policy, row.excluded = policy, excluded
    row.save()
    return row


@transaction.atomic
def customers_pause(*, customers, until: datetime.date | None, reason: str = "", user=None) -> int:
    """Pause (until a day, then chased again by itself) or, with `until` None, resume these customers."""
    _until_check(until)
    ids = list(customers.values_list("pk", flat=True))
    existing = set(CustomerChasing.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True))
    CustomerChasing.objects.bulk_create(
        CustomerChasing(customer_id=pk, tenant=current_tenant()) for pk in ids if pk not in existing
    )
    return CustomerChasing.objects.filter(customer_id__in=ids).update(
        paused_until=until, pause_reason=(reason or "").strip()[:250] if until else ""
    )


@transaction.atomic
def group_chasing_set(
    *,
    group: CustomerGroup,
    policy: ChasingPolicy | None,
    paused_until: datetime.date | None,
    reason: str = "",
) -> GroupChasing:
    _policy_check(policy)
    if paused_until is not None:
        _until_check(paused_until)
    row, _ = GroupChasing.objects.select_for_update().get_or_create(group=group)
    row.policy, row.paused_until = policy, paused_until
    row.pause_reason = (reason or "").strip()[:250] if paused_until else ""
    row.save()
    return row


# --- runs ----------------------------------------------------------------------------------------------


def _open_run_error(run: ChasingRun | None) -> DomainError:
    if run is None:
        return DomainError("Another run has just started.", code="run_open")
    return DomainError(
        f"Run {run.pk} of {day(run.as_of)} is still open ({run.get_status_display().lower()}): "
        "review and release it, or close it, before starting another.",
        code="run_open",
    )


LOOK_BACK = datetime.timedelta(days=3660)


def run_start(
    *, user=None, as_of: datetime.date | None = None, customer_ids: list[int] | None = None, scheduled=False
) -> ChasingRun:
    """Start a run (its proposal is made by a worker). One open run per tenant: a second start is told
    which one is open, whether it comes a day later or at the same instant (a unique index decides)."""
    today = current_tenant().today()
    as_of = as_of or today
    if as_of > today:
        message = "A run cannot look ahead of today."
        raise DomainError(message, details={"as_of": [message]})
    if as_of < today - LOOK_BACK:
        message = "A run looks back at most ten years."
        raise DomainError(message, details={"as_of": [message]})
    if customer_ids is not None and not customer_ids:
        message = "The filter selects no customer."
        raise DomainError(message, details={"customers": [message]})
    try:
        with transaction.atomic():
            run = ChasingRun.objects.create(
                as_of=as_of,
                scheduled=scheduled,
                started_by=user,
                customer_filter={"customers": sorted(customer_ids)} if customer_ids is not None else {},
            )
    except IntegrityError:
        raise _open_run_error(ChasingRun.objects.filter(status__in=OPEN_RUN).first()) from None
    from .tasks import propose_run

    tenant_id, run_id = run.tenant_id, run.pk
    transaction.on_commit(lambda: propose_run.delay(tenant_id, run_id))
    return run


def run_propose(run_id: int) -> ChasingRun:
    """Make the run's proposal (set-based), then release what its levels send without review."""
    started = time.perf_counter()
    with transaction.atomic():
        run = ChasingRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.PROPOSING:
            return run
        counts = proposal.propose(run, customer_ids=run.customer_filter.get("customers"))
        run.customers, run.proposed, run.skipped = counts["customers"], counts["proposed"], counts["skipped"]
        run.items = counts["items"]
        run.seconds = time.perf_counter() - started
        run.status = RunStatus.PROPOSED if run.proposed else RunStatus.FINISHED
        run.finished_at = None if run.proposed else timezone.now()
        run.save()
        automatic = Reminder.objects.filter(run=run, status=ReminderStatus.PROPOSED).filter(
            Q(
                policy__levels__number=F("level"),
                policy__levels__sends_automatically=True,
            )
        )
        if automatic.exists():
            _release(run, automatic, user=None)
    return run


def _release(run: ChasingRun, reminders, *, user) -> int:
    count = reminders.update(status=ReminderStatus.RELEASED, decided_by=user, decided_at=timezone.now())
    if count:
        ChasingRun.objects.filter(pk=run.pk).update(status=RunStatus.SENDING, released=F("released") + count)
        from .tasks import send_run

        tenant_id, run_id = run.tenant_id, run.pk
        transaction.on_commit(lambda: send_run.delay(tenant_id, run_id))
    return count


def _reviewable(run: ChasingRun, reminder_ids: list[int] | None):
    if run.status not in (RunStatus.PROPOSED, RunStatus.SENDING):
        raise DomainError(f"Run {run.pk} is {run.get_status_display().lower()}: there is nothing to review.")
    reminders = Reminder.objects.filter(run=run, status=ReminderStatus.PROPOSED)  # the controller's scope
    if reminder_ids is not None:
        reminders = reminders.filter(pk__in=reminder_ids)
    return reminders


@transaction.atomic
def reminders_release(*, run: ChasingRun, reminder_ids: list[int] | None = None, user=None) -> int:
    """Release the proposed reminders (those given, else every one the user may see): a worker makes each
    into a message sent now."""
    run = ChasingRun.objects.select_for_update().get(pk=run.pk)
    reminders = _reviewable(run, reminder_ids)
    if reminder_ids is not None and reminders.count() != len(set(reminder_ids)):
        raise DomainError("Some of these reminders are not proposed in this run any more.")
    return _release(run, reminders, user=user)


@transaction.atomic
def reminders_drop(*, run: ChasingRun, reminder_ids: list[int], user=None, reason: str = "") -> int:
    run = ChasingRun.objects.select_for_update().get(pk=run.pk)
    if not reminder_ids:
        raise DomainError("Choose the reminders to drop.")
    reminders = _reviewable(run, reminder_ids)
    if reminders.count() != len(set(reminder_ids)):
        raise DomainError("Some of these reminders are not proposed in this run any more.")
    count = reminders.update(
        status=ReminderStatus.DROPPED,
        reason=(reason or "").strip()[:300] or "Dropped on review.",
        decided_by=user,
        decided_at=timezone.now(),
    )
    _settle_run(run)
    return count


@transaction.atomic
def reminder_edit(*, reminder: Reminder, subject: str, body: str) -> Reminder:
    from messaging.variables import template_problems

    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.status != ReminderStatus.PROPOSED:
        raise DomainError(f"The reminder is {reminder.get_status_display().lower()}, no longer proposed.")
    problems = template_problems(subject, body)
    if problems:
        raise DomainError(problems[0], details={"body": problems})
    reminder.subject, reminder.body = subject.strip(), body
    reminder.save(update_fields=["subject", "body"])
    return reminder


@transaction.atomic
def run_close(*, run: ChasingRun, user=None) -> ChasingRun:
    """Close a run under review: what is still proposed is dropped."""
    # A run still proposing is closed once its proposal is made (the lock waits for it), or at once when
    # no worker is making it (its task was lost).
    run = ChasingRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in OPEN_RUN:
        raise DomainError(f"Run {run.pk} is {run.get_status_display().lower()}.")
    with scope.unscoped():  # every controller's proposals, not only the closer's
        Reminder.objects.filter(run=run, status=ReminderStatus.PROPOSED).update(
            status=ReminderStatus.DROPPED,
            reason="The run was closed.",
            decided_by=user,
            decided_at=timezone.now(),
        )
    _settle_run(run)
    return run


def run_fail(run_id: int, reason: str) -> None:
    """A run whose proposal could not be made: failed, with the reason (no longer open: the next may start)."""
    ChasingRun.objects.filter(pk=run_id, status=RunStatus.PROPOSING).update(
        status=RunStatus.FAILED, status_reason=reason[:500], finished_at=timezone.now()
    )


def _settle_run(run: ChasingRun) -> None:
    """The run's status from its reminders: sending while any is being made, under review while any is
    proposed, else finished."""
    with scope.unscoped():
        statuses = set(Reminder.objects.filter(run=run).values_list("status", flat=True).distinct())
        sent = Reminder.objects.filter(run=run, status=ReminderStatus.SENT).count()
    if ReminderStatus.RELEASED in statuses:
        status = RunStatus.SENDING
    elif ReminderStatus.PROPOSED in statuses:
        status = RunStatus.PROPOSED
    else:
        status = RunStatus.FINISHED
    ChasingRun.objects.filter(pk=run.pk).update(
        status=status, sent=sent, finished_at=timezone.now() if status == RunStatus.FINISHED else None
    )


# How many reminders one task makes before it queues the next slice and gives its worker back.
SEND_SLICE = 50


def run_send(run_id: int, *, limit: int | None = None) -> bool:
    """Make the run's released reminders into messages, one customer per transaction; several tasks share
    them (each takes the next one no other holds). Returns whether reminders are left (stopped at limit)."""
    run = ChasingRun.objects.get(pk=run_id)
    made = 0
    while limit is None or made < limit:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer__controller", "policy")
                .filter(run=run, status=ReminderStatus.RELEASED)
                .order_by("pk")
                .first()
            )
            if reminder is None:
                break
            made += 1
            try:
                with transaction.atomic():
                    _reminder_send(run, reminder)
            except DomainError as error:
                reminder.status, reminder.reason = ReminderStatus.FAILED, error.message[:300]
                reminder.save(update_fields=["status", "reason"])
            except DatabaseError:
                raise  # the connection: the task tries again where it stopped
            except Exception as error:  # the PDF, a template: this customer's, not the run's to carry
                logger.exception("Reminder %s of run %s could not be made", reminder.pk, run.pk)
                reminder.status = ReminderStatus.FAILED
                reminder.reason = f"The reminder could not be made: {error}"[:300]
                reminder.save(update_fields=["status", "reason"])
    else:
        return True
    with transaction.atomic():
        _settle_run(ChasingRun.objects.select_for_update().get(pk=run.pk))
    return False


def _items_text(reminder: Reminder, lines: list[ReminderLine], as_of: datetime.date) -> str:
    """Every open item of the reminder's customer and currency, oldest due first: the level each chased
    item reaches now, the level an item reached before, why one is left out, the ones not yet due, and
    the credits netted against them."""
    chased = {line.entry_id: line.level for line in lines}
    entries = list(
        LedgerEntry.objects.filter(
            customer=reminder.customer,
            currency_code=reminder.currency_code,
            is_open=True,
            posting_date__lte=as_of,
        )
        .select_related("status_code")
        .order_by("due_date", "id")
    )
    ids = [entry.pk for entry in entries]
    reached = {row.entry_id: row for row in EntryChasing.objects.filter(entry_id__in=ids)}
    promised = dict(
        PromiseEntry.objects.filter(entry_id__in=ids, promise__status=PromiseStatus.PENDING)
        .order_by("promise__promised_payment_date")
        .values_list("entry_id", "promise__promised_payment_date")
    )
    rows = [("Document", "Due", "Remaining", "Days overdue", "Reminder")]
    for entry in entries:
        days = (as_of - entry.due_date).days
        if entry.remaining_amount < 0:
            note = "credit, netted"
        elif entry.pk in chased:
            note = f"level {chased[entry.pk]}"
        elif entry.status_code_id and entry.status_code.exclude_from_chasing:
            note = f"{entry.status_code.code}: not chased"
        elif entry.pk in promised:
            note = f"promised for {day(promised[entry.pk])}"
        elif days <= 0:
            note = "not yet due"
        elif entry.pk in reached:
            note = f"level {reached[entry.pk].level} on {day(reached[entry.pk].reminded_on)}"
        else:
            note = ""
        rows.append(
            (
                entry.document_no,
                day(entry.due_date),
                money(entry.remaining_amount, reminder.currency_code),
                str(days) if days > 0 and entry.remaining_amount > 0 else "",
                note,
            )
        )
    return text_table(rows, right={2, 3})


def reminder_draft(*, reminder: Reminder, lines: list[ReminderLine] | None = None, statement=None):
    """The message a reminder makes, as it would go out now: its level's template (or the subject and text
    edited on review) filled for the customer as of its run's day, with the items it lists (those still
    open). Returns the draft and the level; raises DomainError when it cannot be made."""
    customer, run = reminder.customer, reminder.run
    if lines is None:
        lines = list(reminder.lines.filter(level__isnull=False, entry__is_open=True).select_related("entry"))
    if not lines:
        raise DomainError("Nothing left to chase: the items were settled after the proposal.")
    # The level of the worst item still open: an item paid since the proposal no longer raises it.
    number = max(line.level for line in lines)
    level = ChasingLevel.objects.filter(policy_id=reminder.policy_id, number=number).first()
    if level is None:
        raise DomainError(f"Level {number} of the policy no longer exists.")
    template = template_for(
        purpose=Purpose.REMINDER,
        channel=reminder.channel,
        language=customer_language(customer),
        name=level.template_name,
    )
    if template is None:
        raise DomainError(
            f"There is no {Channel(reminder.channel).label} reminder template named {level.template_name!r}."
        )
    extra = {
        "reminder.level": str(level.number),
        "reminder.name": level.name,
        "reminder.items": _items_text(reminder, lines, run.as_of),
        "reminder.fee": money(level.fee_lcy, current_tenant().local_currency) if level.fee_lcy else "",
    }
    try:
        draft = message_draft(
            customer=customer,
            channel=reminder.channel,
            purpose=Purpose.REMINDER,
            as_of=run.as_of,
            template=template,
            subject=reminder.subject or None,
            body=reminder.body or None,
            statement=statement or statement_open_item(customer=customer, as_of=run.as_of),
            extra_values=extra,
        )
    except NoRecipient as error:
        raise DomainError(error.message) from error
    return draft, level


def _reminder_send(run: ChasingRun, reminder: Reminder) -> None:
    customer = reminder.customer
    reminder.run = run
    lines = list(
        reminder.lines.filter(level__isnull=False, entry__is_open=True)
        .select_related("entry")
        .select_for_update(of=("self",))
    )
    statement = statement_open_item(customer=customer, as_of=run.as_of) if lines else None
    draft, level = reminder_draft(reminder=reminder, lines=lines, statement=statement)
    user = reminder.decided_by or run.started_by
    attach = reminder.channel == Channel.LETTER or (
        reminder.channel == Channel.EMAIL and reminder.policy is not None and reminder.policy.attach_statement
    )
    message = message_create(
        draft=draft, user=user, send_now=True, as_of=run.as_of, attach_statement=attach, statement=statement
    )
    _levels_record(reminder, lines, run.as_of)
    if level.todo_description:
        todo_create(
            customer=customer,
            description=level.todo_description,
            due_date=run.as_of,
            kind=ToDoKind.CHASING,
            notes=f"{level.name} sent on {day(run.as_of)} (run {run.pk}).",
            assigned_to=customer.controller,
            entry_ids=[line.entry_id for line in lines],
        )
    if level.hold_documents and not customer.hold_all:
        customer_update(customer=customer, hold_all=True, reason=f"Chasing: {level.name} (run {run.pk})")
    reminder.status, reminder.message, reminder.level = ReminderStatus.SENT, message, level.number
    reminder.save(update_fields=["status", "message", "level"])


def _levels_record(reminder: Reminder, lines: list[ReminderLine], as_of: datetime.date) -> None:
    """Each item's level: the level it reached with this reminder; a repeat of the last level counts."""
    known = {
        row.entry_id: row
        for row in EntryChasing.objects.select_for_update().filter(
            entry_id__in=[line.entry_id for line in lines]
        )
    }
    for line in lines:
        row = known.get(line.entry_id)
        if row is None:
            EntryChasing.objects.create(
                entry_id=line.entry_id, level=line.level, repeats=0, reminded_on=as_of, reminder=reminder
            )
            continue
        row.repeats = row.repeats + 1 if line.level == row.level else 0
        row.level, row.reminded_on, row.reminder = line.level, as_of, reminder
        row.save()


# --- the schedule --------------------------------------------------------------------------------------


def run_if_scheduled(*, now: datetime.datetime | None = None) -> ChasingRun | None:
    """The current tenant's scheduled run, if today is one of its days, its time has come and it has not
    run today. A run still open is reported on the setup (the day is not tried again)."""
    tenant = current_tenant()
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tenant.time_zone))
    with transaction.atomic():
        setup = ChasingSetup.objects.select_for_update().filter().first()
        if setup is None or not setup.scheduled or setup.last_scheduled_on == local.date():
            return None
        if local.isoweekday() not in setup.weekdays or local.time() < setup.run_at:
            return None
        setup.last_scheduled_on = local.date()
        setup.save(update_fields=["last_scheduled_on"])
    try:
        return run_start(as_of=local.date(), scheduled=True)
    except DomainError:
        return None
