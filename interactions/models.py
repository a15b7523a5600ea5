"""Interactions with customers, the status codes they set on entries, promises to pay and to-dos.

An interaction is one conversation (call, email, letter, meeting, note) about some of a customer's
ledger entries (its lines). "Update selected entries" writes a status code and its promise or query
fields onto the entries and keeps a dated copy here (`EntryUpdate`), so the history of what was said
when survives later updates. A Promised code also records a `Promise`, which is evaluated as payments
are applied; to-dos remind the controller and close themselves when what they watch is paid.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from creditcontrol.tenancy import TenantOwned
from customers.models import MONEY, Contact, Customer
from ledger.models import LedgerEntry


class StatusCode(TenantOwned):
    """A tenant-defined credit-control status of an entry (Clever Credit's Status Code)."""

    controller_scope = None  # setup: every member sees it

    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100, blank=True)
    promised = models.BooleanField(default=False, help_text="Asks for a promised payment date and amount")
    queried = models.BooleanField(default=False, help_text="Asks for a query resolution target date")
    query_resolution_by_me = models.BooleanField(
        default=False, help_text="The query is resolved by the user who sets the code"
    )
    exclude_from_chasing = models.BooleanField(default=False)
    # Inactive: no longer offered for new interactions; stays on the entries and history that have it.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="status_code_unique"),
            models.CheckConstraint(
                condition=~Q(promised=True, queried=True), name="status_code_promised_or_queried"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class InteractionType(models.TextChoices):
    PHONE_CALL = "phone_call", "Phone call"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    MEETING = "meeting", "Meeting"
    NOTE = "note", "Note"


class Interaction(TenantOwned):
    controller_scope = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    interaction_type = models.CharField(
        max_length=12, choices=InteractionType.choices, default=InteractionType.PHONE_CALL
    )
    occurred_at = models.DateTimeField()
    description = models.CharField(max_length=250)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)
    next_interaction_date = models.DateField(null=True, blank=True)
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "occurred_at"], name="interaction_customer_at")]

    def __str__(self) -> str:
        return self.caption()

    def caption(self, tz=None) -> str:
        when = timezone.localtime(self.occurred_at, tz)
        return f"{self.customer.name} · {when:%Y-%m-%d %H:%M} · {self.description}"


class InteractionLine(TenantOwned):
    """One of the customer's entries on an interaction; `selected` is the tick the controller sets."""

    controller_scope = "interaction"

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+")
    selected = models.BooleanField(default=False)

    class Meta:
        ordering = ["entry__due_date", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["interaction", "entry"], name="interaction_line_unique")
        ]


class EntryUpdate(TenantOwned):
    """What "Update selected entries" wrote onto one entry, during which interaction, by whom."""

    controller_scope = "interaction"

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="entry_updates")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+")
    status_code = models.ForeignKey(StatusCode, null=True, blank=True, on_delete=models.SET_NULL)
    promised_payment_date = models.DateField(null=True, blank=True)
    promised_amount = models.DecimalField(null=True, blank=True, **MONEY)
    promised_full_amount = models.BooleanField(default=False)
    query_resolution_target_date = models.DateField(null=True, blank=True)
    query_resolution_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["entry"], name="entry_update_entry")]


class PromiseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    # A newer promise covers every one of its entries before it fell due (one covering only some of them
    # takes those over and leaves this one pending on the rest: services/entries.py).
    REPLACED = "replaced", "Replaced"


class Promise(TenantOwned):
    """A promise to pay `promised_amount` of some entries by `promised_payment_date`.

    Kept when the applications to its entries recorded after the promise and posted on or before the
    promised date plus the tenant's grace days add up to the promised amount (for a full-amount
    promise: the entries' remaining amount when it was made); broken when that date has passed.
    """

    controller_scope = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="promises")
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises"
    )
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    promised_payment_date = models.DateField()
    promised_amount = models.DecimalField(**MONEY)
    promised_full_amount = models.BooleanField(default=False)
    currency_code = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.PENDING)
    paid_amount = models.DecimalField(default=0, **MONEY)
    evaluated_on = models.DateField(null=True, blank=True)
    settled_on = models.DateField(null=True, blank=True, help_text="When it was found kept or broken")
    created_at = models.DateTimeField(auto_now_add=True)
    entries = models.ManyToManyField(LedgerEntry, through="PromiseEntry", related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(promised_amount__gt=0), name="promise_amount_positive"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "promised_payment_date"],
                name="promise_pending_date",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["customer", "status"], name="promise_customer_status"),
        ]

    def __str__(self) -> str:
        return f"{self.promised_amount} by {self.promised_payment_date} ({self.get_status_display()})"


class PromiseEntry(TenantOwned):
    controller_scope = "promise"

    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="promise_entries")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+")
    remaining_amount_at_promise = models.DecimalField(**MONEY)
    promised_amount = models.DecimalField(**MONEY, help_text="This entry's share of the promised amount")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["promise", "entry"], name="promise_entry_unique")]
        indexes = [models.Index(fields=["entry"], name="promise_entry_entry")]


class ToDoKind(models.TextChoices):
    PROMISE_CHECK = "promise_check", "Check promised payment"
    FOLLOW_UP = "follow_up", "Follow-up call"
    PROMISE_BROKEN = "promise_broken", "Promise broken"
    MANUAL = "manual", "To-do"
    NOTE_REMINDER = "note_reminder", "Note reminder"
    QUERY = "query", "Resolve query"
    CHASING = "chasing", "Chasing follow-up"


class ToDoStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ToDoOutcome(models.TextChoices):
    """Why a closed to-do closed: a to-do made moot by a newer promise is not one that was done."""

    NONE = "", "—"  # open
    DONE = "done", "Done"  # closed by hand
    PAID = "paid", "Paid"  # every entry it watched was paid
    KEPT = "kept", "Promise kept"
    BROKEN = "broken", "Promise broken"
    REPLACED = "replaced", "Replaced"  # its promise was replaced by a newer one on all its entries
    RESOLVED = "resolved", "Query resolved"  # the entry's queried status code was changed or cleared
    CANCELLED = "cancelled", "Cancelled"  # what raised it was withdrawn (next interaction date removed)


class ToDo(TenantOwned):
    controller_scope = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="todos")
    kind = models.CharField(max_length=16, choices=ToDoKind.choices, default=ToDoKind.MANUAL)
    description = models.CharField(max_length=250)
    notes = models.TextField(blank=True)
    due_date = models.DateField()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="todos"
    )
    promise = models.ForeignKey(
        Promise, null=True, blank=True, on_delete=models.SET_NULL, related_name="todos"
    )
    status = models.CharField(max_length=6, choices=ToDoStatus.choices, default=ToDoStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_reason = models.CharField(max_length=250, blank=True)
    outcome = models.CharField(max_length=10, choices=ToDoOutcome.choices, default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entries = models.ManyToManyField(LedgerEntry, through="ToDoEntry", related_name="+")

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "to-do"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="todo_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(status="open", outcome="") | (Q(status="closed") & ~Q(outcome="")),
                name="todo_outcome_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "due_date"], name="todo_open_due", condition=Q(status="open")),
            models.Index(fields=["customer", "status"], name="todo_customer_status"),
            models.Index(fields=["assigned_to", "status", "due_date"], name="todo_assigned_status"),
        ]

    def __str__(self) -> str:
        return self.description


class ToDoEntry(TenantOwned):
    """An entry a to-do watches: when every one of them is paid, the to-do closes itself."""

    controller_scope = "todo"

    todo = models.ForeignKey(ToDo, on_delete=models.CASCADE, related_name="watched")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["todo", "entry"], name="todo_entry_unique")]
        indexes = [models.Index(fields=["entry"], name="todo_entry_entry")]
