"""Aging setup, the stored per-customer credit statistics, recalculation runs and tenant KPI snapshots."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from creditcontrol.bounds import TOTAL_MONEY
from creditcontrol.tenancy import TenantOwned
from customers.models import MONEY, Customer

MAX_BANDS = 10
DAYS = {"max_digits": 10, "decimal_places": 2}


class AgingBasis(models.TextChoices):
    DUE_DATE = "due_date", "Due date"
    POSTING_DATE = "posting_date", "Posting date"
    DOCUMENT_DATE = "document_date", "Document date"


class AgingSetup(TenantOwned):
    controller_scope = None  # setup: every member sees it

    basis = models.CharField(max_length=16, choices=AgingBasis.choices, default=AgingBasis.DUE_DATE)
    use_work_date = models.BooleanField(
        default=False, help_text="Age as of each user's work date instead of today (tenant time zone)"
    )
    dso_period_days = models.PositiveIntegerField(default=90)
    nightly_recalculation_time = models.TimeField(
        default=datetime.time(2, 0), help_text="Tenant's local time"
    )
    last_nightly_run_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="aging_setup_one_per_tenant")]


class AgingBand(TenantOwned):
    """Days past the basis date: [from_days, to_days]; None is open-ended on that side."""

    controller_scope = None  # setup: every member sees it

    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=40)
    from_days = models.IntegerField(null=True, blank=True)
    to_days = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "position"], name="aging_band_position_unique"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_BANDS), name="aging_band_position"
            ),
            models.CheckConstraint(
                condition=Q(from_days__isnull=True)
                | Q(to_days__isnull=True)
                | Q(to_days__gte=models.F("from_days")),
                name="aging_band_range",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class BalanceStatus(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    CREDIT = "credit", "Credit"
    ZERO = "zero", "Zero"


class CustomerStatistics(TenantOwned):
    """The credit figures of one customer, as of `as_of_date`, stored for fast lists.

    `ledger_version` counts writes to the customer's ledger (and credit data); `calculated_version` is
    the version the figures were computed from. They differ exactly when the figures are stale.
    """

    controller_scope = "customer"

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="statistics"
    )
    ledger_version = models.BigIntegerField(default=1)
    calculated_version = models.BigIntegerField(default=0)
    calculated_at = models.DateTimeField(null=True, blank=True)
    as_of_date = models.DateField(null=True, blank=True)

    balance_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    overdue_balance_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    not_due_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_1_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_2_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_3_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_4_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_5_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_6_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_7_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_8_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_9_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    band_10_lcy = models.DecimalField(default=0, **TOTAL_MONEY)
    avg_days_to_pay = models.DecimalField(null=True, blank=True, **DAYS)
    avg_overdue_days = models.DecimalField(null=True, blank=True, **DAYS)
    weighted_days_late = models.DecimalField(null=True, blank=True, **DAYS)
    avg_days_overdue_open = models.DecimalField(null=True, blank=True, **DAYS)
    open_invoices_count = models.IntegerField(default=0)
    last_payment_date = models.DateField(null=True, blank=True)
    last_payment_amount_lcy = models.DecimalField(null=True, blank=True, **MONEY)
    is_over_credit_limit = models.BooleanField(default=False)
    is_overdue = models.BooleanField(default=False)
    is_blocked = models.BooleanField(default=False)
    balance_status = models.CharField(
        max_length=12, choices=BalanceStatus.choices, default=BalanceStatus.ZERO
    )
    todo_count = models.IntegerField(default=0)
    overdue_todo_count = models.IntegerField(default=0)
    held_sales_documents = models.IntegerField(default=0)
    held_service_documents = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "customer statistics"
        indexes = [
            # The credit list's and balance due report's first pages: largest first, ties by customer.
            models.Index(
                F("tenant"), F("overdue_balance_lcy").desc(), F("customer"), name="stats_tenant_overdue"
            ),
            models.Index(F("tenant"), F("balance_lcy").desc(), F("customer"), name="stats_tenant_balance"),
            models.Index(
                fields=["tenant"],
                condition=Q(calculated_version__lt=models.F("ledger_version")),
                name="stats_tenant_stale",
            ),
        ]

    @property
    def is_stale(self) -> bool:
        return self.calculated_version < self.ledger_version

    @property
    def account_statuses(self) -> list[str]:
        statuses = [
            label
            for flag, label in (
                (self.is_over_credit_limit, "Over credit limit"),
                (self.is_overdue, "Overdue"),
                (self.is_blocked, "Blocked"),
            )
            if flag
        ]
        return statuses or ["OK"]


class RecalculationRun(TenantOwned):
    controller_scope = None  # the tenant's runs: they hold no customer

    class Kind(models.TextChoices):
        ALL = "all", "Recalculate All"
        ENTRIES = "entries", "Recalculate Entries"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, default="manual", help_text="manual, nightly, posting, command")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life of the worker running it (every 30 s while running)",
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    step = models.CharField(max_length=100, blank=True)
    customers_count = models.IntegerField(default=0)
    entries_count = models.BigIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            # Never two Recalculate All at once for one tenant.
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(kind="all", status__in=["queued", "running"]),
                name="one_active_recalculate_all_per_tenant",
            ),
        ]
        indexes = [
            # The active runs, checked for lost and stalled ones on every read of the runs (few rows).
            models.Index(
                fields=["tenant", "status"],
                condition=Q(status__in=["queued", "running"]),
                name="recalculation_run_active",
            ),
        ]

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class KpiSnapshot(TenantOwned):
    """The tenant's headline figures on one day, taken by the nightly job, for trend charts: the whole
    company's (no branch) and each branch's (its entries', as the branch context cuts them)."""

    controller_scope = None  # tenant-wide figures: managers' (aging.selectors.kpi_history)

    date = models.DateField()
    branch = models.ForeignKey(
        "customers.Branch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    taken_at = models.DateTimeField(auto_now=True)
    customers_count = models.IntegerField(default=0)
    total_ar_lcy = models.DecimalField(**TOTAL_MONEY)
    overdue_lcy = models.DecimalField(**TOTAL_MONEY)
    not_due_lcy = models.DecimalField(**TOTAL_MONEY)
    band_totals_lcy = models.JSONField(default=list)
    credit_sales_lcy = models.DecimalField(**TOTAL_MONEY, help_text="Net credit sales over the DSO period")
    dso = models.DecimalField(null=True, blank=True, **DAYS)
    best_possible_dso = models.DecimalField(null=True, blank=True, **DAYS)
    add = models.DecimalField(null=True, blank=True, **DAYS)
    cei_month_to_date = models.DecimalField(null=True, blank=True, **DAYS)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "date"], condition=Q(branch__isnull=True), name="kpi_snapshot_one_per_day"
            ),
            models.UniqueConstraint(
                fields=["tenant", "branch", "date"],
                condition=Q(branch__isnull=False),
                name="kpi_snapshot_one_per_branch_day",
            ),
        ]
