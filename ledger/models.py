"""The customer ledger (Business Central style): entries, and the applications that settle them.

Signs are the company's: invoices, finance charge memos, reminders and refunds are positive (the
customer owes), payments and credit memos negative. The remaining amounts, open flag and closed-at date
of an entry follow from its applications and are kept in step by `ledger.services` only.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from creditcontrol.models import Tenant
from creditcontrol.tenancy import TenantOwned
from customers.models import MONEY, Branch, Customer


class DocumentType(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_MEMO = "credit_memo", "Credit memo"
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"
    FINANCE_CHARGE_MEMO = "finance_charge_memo", "Finance charge memo"
    REMINDER = "reminder", "Reminder"


# What the customer owes (positive) and what settles it (negative).
DEBIT_TYPES = (
    DocumentType.INVOICE,
    DocumentType.REFUND,
    DocumentType.FINANCE_CHARGE_MEMO,
    DocumentType.REMINDER,
)
CREDIT_TYPES = (DocumentType.PAYMENT, DocumentType.CREDIT_MEMO)


class LedgerEntry(TenantOwned):
    """A customer ledger entry. Its `id` is the entry no. (unique, ascending as entries are recorded)."""

    controller_scope = "customer"

    # The composite indexes below lead with tenant and with customer, so the plain foreign-key indexes
    # Django would add are left out: every index costs on each of the millions of rows an ERP feed loads.
    # One composite foreign key, (customer_id, tenant_id) -> customers_customer (id, tenant_id) (migration
    # ledger 0005), stands for both plain ones: the customer exists *and* belongs to the entry's tenant,
    # checked once per row instead of twice.
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        db_index=False,
        db_constraint=False,
    )
    external_id = models.CharField(
        max_length=100, help_text="The ERP's id: re-importing it updates this entry"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="entries", db_index=False, db_constraint=False
    )
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    document_no = models.CharField(max_length=40)
    posting_date = models.DateField()
    document_date = models.DateField()
    due_date = models.DateField()
    description = models.CharField(max_length=250, blank=True)
    currency_code = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY)
    amount_lcy = models.DecimalField(**MONEY)
    remaining_amount = models.DecimalField(**MONEY)
    remaining_amount_lcy = models.DecimalField(**MONEY)
    is_open = models.BooleanField(default=True)
    closed_at = models.DateField(null=True, blank=True)
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    on_hold = models.BooleanField(default=False)
    # An invoice (only invoices) that a payment, not only credit memos, has settled at least in part: the
    # payment-behaviour figures (avg. days to pay, overdue days) average over these. Kept with the applications.
    settled_by_payment = models.BooleanField(default=False, db_default=False)
    # Credit-control data, written by "Update selected entries" on an interaction (interactions app).
    status_code = models.ForeignKey(
        "interactions.StatusCode",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    promised_payment_date = models.DateField(null=True, blank=True)
    promised_amount = models.DecimalField(null=True, blank=True, **MONEY)
    # db_default: bulk SQL loads (imports, demo data) leave the column out and get false.
    promised_full_amount = models.BooleanField(default=False, db_default=False)
    query_resolution_target_date = models.DateField(null=True, blank=True)
    query_resolution_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["posting_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="ledger_entry_external_id_unique"),
            models.CheckConstraint(
                condition=(
                    Q(
                        document_type__in=DEBIT_TYPES,
                        amount__gte=0,
                        remaining_amount__gte=0,
                        remaining_amount__lte=F("amount"),
                    )
                    | Q(
                        document_type__in=CREDIT_TYPES,
                        amount__lte=0,
                        remaining_amount__lte=0,
                        remaining_amount__gte=F("amount"),
                    )
                ),
                name="ledger_entry_sign_and_remaining",
            ),
            models.CheckConstraint(
                condition=(Q(is_open=True, closed_at__isnull=True) & ~Q(remaining_amount=0))
                | Q(is_open=False, closed_at__isnull=False, remaining_amount=0, remaining_amount_lcy=0),
                name="ledger_entry_open_iff_remaining",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "posting_date"], name="entry_customer_posting"),
            # The statistics read every entry once, through one of these three: each holds every column
            # its aggregate reads, in customer order (index-only scans; see aging/figures.py).
            models.Index(
                fields=["tenant", "customer", "due_date"],
                include=["remaining_amount_lcy", "document_type", "posting_date", "document_date"],
                condition=Q(is_open=True),
                name="entry_open_customer",
            ),
            models.Index(
                fields=["tenant", "customer"],
                include=["settled_by_payment", "posting_date", "due_date", "closed_at", "amount_lcy"],
                condition=Q(is_open=False) & ~Q(document_type="payment"),
                name="entry_closed_customer",
            ),
            models.Index(
                fields=["tenant", "customer", "posting_date", "id"],
                include=["amount_lcy", "is_open"],
                condition=Q(document_type="payment"),
                name="entry_payment_customer",
            ),
            models.Index(fields=["tenant", "document_no"], name="entry_tenant_document_no"),
            models.Index(fields=["tenant", "is_open", "due_date"], name="entry_tenant_open_due"),
            # Few entries carry a status code: a partial index serves the status code's filters and deletes.
            models.Index(
                fields=["status_code"], condition=Q(status_code__isnull=False), name="entry_status_code"
            ),
            # A branch's entries in the ledger page's order (the branch context and the branch filter).
            models.Index(fields=["tenant", "branch", "posting_date", "id"], name="entry_branch_posting"),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.document_no}"

    @property
    def entry_no(self) -> int:
        return self.id

    @property
    def is_debit(self) -> bool:
        return self.document_type in DEBIT_TYPES


class CustomerBranch(TenantOwned):
    """A branch a customer belongs to or has ledger entries in: one row per (customer, branch), kept by the
    database (statement triggers on the entries and the customers, migration 0007), so the customers of a
    branch context are read from these few rows instead of from every entry of the branch."""

    controller_scope = "customer"
    derived = True  # kept from the entries: not a use of the branch of its own (creditcontrol.usage)

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "branch", "customer"], name="customer_branch_unique"),
        ]


class Application(TenantOwned):
    """A payment or credit memo (applying entry) settling part or all of an invoice (applied entry).

    `amount` is positive, in the entries' currency, and is what came off the invoice's remaining
    amount (and, with the opposite sign, off the applying entry's). Undoing keeps the row and dates the
    undo, so balances as of earlier dates stay what they were.
    """

    controller_scope = "applied_entry"

    external_id = models.CharField(max_length=100, null=True, blank=True)
    applying_entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="applications_made"
    )
    applied_entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="applications_received"
    )
    amount = models.DecimalField(**MONEY)
    posting_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_on = models.DateField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["posting_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=Q(external_id__isnull=False),
                name="application_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
            models.CheckConstraint(
                condition=~Q(applying_entry=F("applied_entry")), name="application_not_to_itself"
            ),
            models.CheckConstraint(
                condition=Q(undone_on__isnull=True) | Q(undone_on__gte=F("posting_date")),
                name="application_undone_after_posting",
            ),
        ]
        indexes = [
            models.Index(
                fields=["applied_entry"], condition=Q(undone_on__isnull=True), name="app_applied_active"
            ),
            models.Index(
                fields=["applying_entry"], condition=Q(undone_on__isnull=True), name="app_applying_active"
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.undone_on is None


class LedgerFeed(TenantOwned):
    """When the ERP last fed the ledger: one row for the whole tenant (no branch) and one per branch its
    entries named. Chasing reads it, so that a ledger that is no longer fed (a stopped ERP export) never
    chases what was paid long ago."""

    controller_scope = None  # the tenant's

    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    fed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "branch"], nulls_distinct=False, name="ledger_feed_one_per_branch"
            ),
        ]
