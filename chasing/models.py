"""Chasing: policies of reminder levels, who follows which policy and who is paused, the level each open
item has reached, and the runs that propose one reminder per customer and send them through messaging.

An item's level is kept in `EntryChasing` (one row per entry ever reminded), written when a reminder that
lists it is released: the next run reads it set-based with the open entries (`chasing.proposal`).
"""

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from creditcontrol.models import Tenant
from creditcontrol.tenancy import TenantOwned
from customers.models import MONEY, Customer, CustomerGroup
from ledger.models import LedgerEntry
from messaging.models import Channel, Message


class ChasingPolicy(TenantOwned):
    """Reminder levels and the rules of a run: assigned per customer group, with a tenant default and a
    per-customer override."""

    controller_scope = None  # the tenant's setup

    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False, help_text="Followed by customers with no other policy")
    minimum_overdue_lcy = models.DecimalField(
        default=0, help_text="Customers owing less overdue (local currency) are not chased", **MONEY
    )
    contact_gap_days = models.PositiveIntegerField(
        default=7, help_text="Customers contacted (any channel) fewer days ago are not chased"
    )
    repeat_last_times = models.PositiveIntegerField(
        default=2, help_text="After the last level, it is sent again at most this many times"
    )
    repeat_after_days = models.PositiveIntegerField(
        default=14, help_text="Days between repeats of the last level"
    )
    attach_statement = models.BooleanField(default=True, help_text="Attach the open-item statement (PDF)")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="chasing_policy_name_unique"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="chasing_policy_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChasingLevel(TenantOwned):
    """One step of a policy: reached by an item `days` after its due date (negative: a courtesy reminder
    before it), sent with the reminder template named `template_name` on `channel`."""

    controller_scope = None

    policy = models.ForeignKey(ChasingPolicy, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    days = models.IntegerField(help_text="Days after the due date (negative: before it)")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    template_name = models.CharField(
        max_length=100, help_text="The reminder template (Setup > Message templates) sent at this level"
    )
    todo_description = models.CharField(
        max_length=250, blank=True, help_text="A to-do for the controller when sent, e.g. 'Call about it'"
    )
    hold_documents = models.BooleanField(
        default=False, help_text="Hold every document of the customer (its 'hold all documents' flag)"
    )
    fee_lcy = models.DecimalField(null=True, blank=True, help_text="A reminder fee (local currency)", **MONEY)
    sends_automatically = models.BooleanField(default=False, help_text="Its reminders go out without review")

    class Meta:
        ordering = ["policy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="chasing_level_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="chasing_level_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class GroupChasing(TenantOwned):
    """A customer group's policy and pause."""

    controller_scope = None

    group = models.OneToOneField(CustomerGroup, on_delete=models.CASCADE, related_name="chasing")
    policy = models.ForeignKey(
        ChasingPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paused_until = models.DateField(
        null=True, blank=True, help_text="Not chased up to and including this day"
    )
    pause_reason = models.CharField(max_length=250, blank=True)


class CustomerChasing(TenantOwned):
    """A customer's own policy (overriding its group's), pause, or exclusion from chasing."""

    controller_scope = "customer"

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="chasing")
    policy = models.ForeignKey(
        ChasingPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paused_until = models.DateField(
        null=True, blank=True, help_text="Not chased up to and including this day"
    )
    pause_reason = models.CharField(max_length=250, blank=True)
    excluded = models.BooleanField(default=False, help_text="Never chased")


class ChasingSetup(TenantOwned):
    """The tenant's schedule and the freshness limit of its ledger."""

    controller_scope = None

    scheduled = models.BooleanField(default=False, help_text="Run by itself on the days and time below")
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(), default=list, blank=True, help_text="1 = Monday … 7 = Sunday"
    )
    run_at = models.TimeField(default=datetime.time(7, 0), help_text="The tenant's local time")
    freshness_days = models.PositiveIntegerField(
        default=3, help_text="Customers whose ledger was not fed for longer are not chased"
    )
    last_scheduled_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="chasing_setup_one_per_tenant")]


class RunStatus(models.TextChoices):
    PROPOSING = "proposing", "Proposing"
    PROPOSED = "proposed", "Awaiting review"
    SENDING = "sending", "Sending"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


# A tenant has at most one run in these statuses: a second start is told which one is open.
OPEN_RUN = (RunStatus.PROPOSING, RunStatus.PROPOSED, RunStatus.SENDING)


class ChasingRun(TenantOwned):
    controller_scope = None  # its reminders are scoped; the run itself every member may see

    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PROPOSING)
    status_reason = models.CharField(max_length=500, blank=True)
    scheduled = models.BooleanField(default=False)
    customer_filter = models.JSONField(default=dict, blank=True)
    customers = models.PositiveIntegerField(default=0, help_text="Customers with an item to chase")
    proposed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0, help_text="Items listed: reaching a level, or left out")
    released = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True, help_text="How long the proposal took")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(status__in=OPEN_RUN), name="chasing_run_one_open"
            )
        ]


class ReminderStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    SKIPPED = "skipped", "Left out"
    DROPPED = "dropped", "Dropped"
    RELEASED = "released", "Released"  # its message is being made
    SENT = "sent", "Handed to messages"  # its message exists (outbox, queued or sent: the message says)
    FAILED = "failed", "Failed"


class Reminder(TenantOwned):
    """One customer (and currency) of a run: the reminder proposed at the level of its worst item, or why
    the customer is left out."""

    controller_scope = "customer"

    # A run writes a row per customer to chase (200,000 on a first run of a big tenant): no index but those
    # the pages and the release read by (the composite ones below lead with run and with customer).
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    run = models.ForeignKey(ChasingRun, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", db_index=False)
    currency_code = models.CharField(max_length=3)
    policy = models.ForeignKey(
        ChasingPolicy, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PROPOSED)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it is left out, dropped or failed")
    overdue_lcy = models.DecimalField(default=0, **MONEY)
    subject = models.CharField(max_length=200, blank=True, help_text="Edited subject (blank: the template's)")
    body = models.TextField(blank=True, help_text="Edited text (blank: the template's)")
    fee_lcy = models.DecimalField(null=True, blank=True, **MONEY)
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "customer__code", "currency_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "customer", "currency_code"], name="reminder_unique"),
        ]
        indexes = [
            models.Index(fields=["run", "status"], name="reminder_run_status"),
            models.Index(fields=["customer", "run"], name="reminder_customer_run"),
        ]


class ReminderLine(TenantOwned):
    """An item of a reminder: the level it reaches with it, or why it is left out."""

    controller_scope = "reminder"

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The level reached")
    previous_level = models.PositiveSmallIntegerField(default=0)
    days_overdue = models.IntegerField()
    remaining = models.DecimalField(**MONEY)
    left_out = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["reminder", "entry"]


class EntryChasing(TenantOwned):
    """The level an entry has reached: the highest level of a released reminder listing it, how often the
    last level was repeated, and when it was last reminded."""

    controller_scope = "entry"

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    entry = models.OneToOneField(LedgerEntry, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    repeats = models.PositiveSmallIntegerField(default=0)
    reminded_on = models.DateField()
    reminder = models.ForeignKey(
        Reminder, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
