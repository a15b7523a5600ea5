"""Tenants and who belongs to them with which role."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from .formats import DEFAULT_LANGUAGE, Language


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone '{value}'.")


class Tenant(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True)
    local_currency = models.CharField(
        max_length=3, default="EUR", validators=[RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code.")]
    )
    time_zone = models.CharField(max_length=64, default="Europe/London", validators=[validate_time_zone])
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 country code")
    # How amounts and dates are written and read on the pages and PDFs (creditcontrol.formats); the
    # API, exports and import files keep machine formats whatever it says.
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        default=DEFAULT_LANGUAGE,
        help_text="How pages and PDFs write and read amounts and dates; the API and exports keep 1234.56 "
        "and ISO dates.",
    )
    # Days after a promised payment date that a payment still keeps the promise (interactions).
    promise_grace_days = models.PositiveIntegerField(default=0)
    # A credit controller sees and changes only the customers assigned to them (and those assigned to
    # nobody); off, every controller works every customer. See creditcontrol.scope.
    controllers_own_customers_only = models.BooleanField(
        default=True,
        help_text="Credit controllers see and change only their own customers (and unassigned ones).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def today(self):
        """Today's date where the tenant is: every as-of date starts here."""
        return timezone.now().astimezone(zoneinfo.ZoneInfo(self.time_zone)).date()


class Role(models.TextChoices):
    ADMIN = "admin", "Tenant admin"
    MANAGER = "manager", "Manager"
    CONTROLLER = "controller", "Credit controller"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    # The user's own "work date" (Business Central's), used as the as-of date where the tenant says so.
    work_date = models.DateField(null=True, blank=True)
    # Per-user page settings in this tenant, e.g. {"credit_list_columns": ["code", "name", ...]}.
    preferences = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_user_tenant_unique")
        ]
        ordering = ["tenant__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} as {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token: it belongs to a user, not a tenant (the tenant still comes from the URL).

    Only the SHA-256 of the secret is stored; the secret itself is shown once, when the token is made
    (`creditcontrol.tokens.create_token`). `prefix` (the secret's first characters) tells tokens apart in
    a list.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    read_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.owner}"
