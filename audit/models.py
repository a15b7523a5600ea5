"""The audit log: one row per changed field of a tracked row, written by PostgreSQL triggers only."""

from django.db import models

from creditcontrol.models import Tenant
from creditcontrol.tenancy import TenantOwned


class Action(models.TextChoices):
    INSERT = "insert", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"


class AuditChange(TenantOwned):
    """A change to one field of one tracked row (or a row created or deleted), who or what made it, when.

    Written by the triggers of `audit.registry` in the writer's own transaction, never by the application:
    its database role may read this table and nothing else (docs/audit.md). Nothing points at it and it
    points at nothing the database enforces: the customer, the user and even the tenant may go, the row
    stays.
    """

    # The setup's rows (no customer) are every member's; a scoped credit controller reads the customer rows
    # of their own customers only, which `audit.selectors.audit_changes` applies (`customer_id` is a plain
    # number, not a key: the row outlives its customer).
    controller_scope = None

    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.DO_NOTHING,
        related_name="+",
        editable=False,
        db_constraint=False,
        db_index=False,
    )
    occurred_at = models.DateTimeField()
    entity = models.CharField(max_length=63, help_text="The table of the changed row")
    object_id = models.BigIntegerField()
    customer_id = models.BigIntegerField(null=True, help_text="The customer the changed row belongs to")
    action = models.CharField(max_length=6, choices=Action.choices)
    field = models.CharField(max_length=63, blank=True, help_text="The changed column; blank: the whole row")
    old_value = models.TextField(null=True)
    new_value = models.TextField(null=True)
    source = models.CharField(max_length=10)
    user_id = models.BigIntegerField(null=True)
    reason = models.TextField(null=True)
    job = models.CharField(max_length=64, null=True, help_text="The import job")
    context = models.JSONField(default=dict)

    class Meta:
        db_table = "audit_change"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "occurred_at"], name="audit_change_time"),
            models.Index(fields=["customer_id", "occurred_at"], name="audit_change_customer"),
        ]

    @property
    def username(self) -> str:
        return self.context.get("user", "")
