"""Customers, their contacts, groups, branches, payment terms and the history of their credit limits."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from creditcontrol.tenancy import TenantOwned

MONEY = {"max_digits": 18, "decimal_places": 2}


class Branch(TenantOwned):
    """A location (Business Central's Location Code): customers and entries belong to one."""

    controller_scope = None  # setup: every member sees it

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    # Inactive: no longer offered as a new choice; stays on the customers and entries that have it.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="branch_code_unique")]

    def __str__(self) -> str:
        return self.code


class PaymentTerms(TenantOwned):
    controller_scope = None  # setup: every member sees it

    class Rule(models.TextChoices):
        NET = "net", "Document date + days"
        END_OF_MONTH = "eom", "End of the document's month + days"

    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100, blank=True)
    rule = models.CharField(max_length=3, choices=Rule.choices, default=Rule.NET)
    days = models.PositiveIntegerField(default=30)
    # Inactive: no longer offered as a new choice; stays on the customers that have them.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "payment terms"
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="payment_terms_code_unique")]

    def __str__(self) -> str:
        return self.code


class CustomerGroup(TenantOwned):
    controller_scope = None  # setup: every member sees it

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="customer_group_code_unique"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="customer_group_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.code


class Customer(TenantOwned):
    controller_scope = "controller"

    code = models.CharField(max_length=20, help_text="The ERP's customer number")
    name = models.CharField(max_length=200)
    customer_type = models.CharField(max_length=40, blank=True)
    group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    linked_customers = models.ManyToManyField("self", blank=True, symmetrical=True)
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    currency_code = models.CharField(max_length=3, blank=True, help_text="Blank: the tenant's local currency")
    payment_terms = models.ForeignKey(PaymentTerms, null=True, blank=True, on_delete=models.PROTECT)
    # NULL is "no limit"; 0 is a limit of zero (nothing on credit).
    credit_limit_lcy = models.DecimalField(null=True, blank=True, **MONEY)
    credit_limit_last_checked = models.DateField(null=True, blank=True)
    blocked = models.BooleanField(default=False)
    hold_all = models.BooleanField(default=False, help_text="Hold every sales document whatever the balance")
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    # Its own column (not a line of the address) so search can find it and tell namesakes apart; the
    # database default lets set-based inserts (imports, the demo) leave it out.
    city = models.CharField(max_length=100, blank=True, default="", db_default="")
    country = models.CharField(max_length=2, blank=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="customer_code_unique"),
            models.CheckConstraint(
                condition=Q(credit_limit_lcy__isnull=True) | Q(credit_limit_lcy__gte=0),
                name="customer_credit_limit_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "controller"]),
            models.Index(fields=["tenant", "name"]),
            GinIndex(fields=["tags"], name="customer_tags_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Contact(TenantOwned):
    controller_scope = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    position = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)
    is_credit_control_contact = models.BooleanField(default=False)
    is_inactive = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_credit_control_contact", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="contact_one_primary_per_customer"
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_credit_control_contact=True),
                name="contact_one_credit_control_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CreditLimitChange(TenantOwned):
    """One change (or confirmation) of a customer's credit limit: who, when, from what to what, and why."""

    controller_scope = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="credit_limit_changes")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_limit_lcy = models.DecimalField(null=True, blank=True, **MONEY)
    new_limit_lcy = models.DecimalField(null=True, blank=True, **MONEY)
    checked_on = models.DateField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "changed_at"])]
