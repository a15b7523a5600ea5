"""Reading the audit log: its rows in order, and what a person reads for each (the table's and the field's
names, and the row a foreign key names rather than its id)."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC

from django.db import models
from django.db.models import OuterRef, Q, Subquery

from creditcontrol import auditing
from creditcontrol.scope import scoped_controller_id
from customers.models import Customer

from .models import Action, AuditChange
from .registry import tracked_for

EXPORT_CHUNK = 2_000


def audit_changes() -> models.QuerySet:
    """The tenant's audit rows, newest first; a scoped credit controller's: their customers' rows and the
    setup's (which belong to no customer)."""
    rows = AuditChange.objects.annotate(
        customer_code=Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("code")[:1])
    ).order_by("-occurred_at", "-id")
    if scoped_controller_id() is not None:
        rows = rows.filter(Q(customer_id__isnull=True) | Q(customer_id__in=Customer.objects.values("pk")))
    return rows


def customer_changes(*, customer_id: int, limit: int = 20) -> list[AuditChange]:
    return described(audit_changes().filter(customer_id=customer_id)[:limit])


def _model_field(row: AuditChange):
    tracked = tracked_for(row.entity)
    if tracked is None or not row.field:
        return tracked, None
    for model_field in tracked.model._meta.concrete_fields:
        if model_field.column == row.field:
            return tracked, model_field
    return tracked, None


def described(rows: Iterable[AuditChange]) -> list[AuditChange]:
    """The rows, each with `entity_label`, `field_label`, `old_label` and `new_label`: a foreign key's
    value shown as the row it names (its code, a user's name), fetched once per model for all the rows."""
    rows = list(rows)
    wanted: dict[type, set[int]] = defaultdict(set)
    fields = {}
    for row in rows:
        tracked, model_field = _model_field(row)
        fields[row.pk] = model_field
        row.entity_label = str(tracked.model._meta.verbose_name).capitalize() if tracked else row.entity
        row.field_label = str(model_field.verbose_name).capitalize() if model_field else row.field
        if model_field is not None and model_field.is_relation:
            for value in (row.old_value, row.new_value):
                if value and value.isdigit():
                    wanted[model_field.related_model].add(int(value))
    names = {
        model: {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
        for model, ids in wanted.items()
    }
    for row in rows:
        model_field = fields[row.pk]
        known = (
            names.get(model_field.related_model, {})
            if model_field is not None and model_field.is_relation
            else None
        )
        for side in ("old", "new"):
            value = getattr(row, f"{side}_value")
            label = value
            if known is not None and value and value.isdigit():
                label = known.get(int(value), f"#{value}")
            setattr(row, f"{side}_label", label)
        row.source_label = auditing.SOURCES.get(row.source, row.source)
        row.action_label = Action(row.action).label if row.action in Action.values else row.action
        row.by_whom = by_whom(row)
    return rows


def by_whom(row: AuditChange) -> str:
    """Who or what made the change, in words: the user (and token), the import (job, file), the task."""
    context = row.context or {}
    parts = []
    if context.get("user"):
        parts.append(context["user"])
    if context.get("token"):
        parts.append(f"token {context['token']}")
    if context.get("file") or context.get("job"):
        parts.append(f"import {context.get('file', '')} (job {context.get('job', '—')})".replace(" ()", ""))
    elif context.get("task"):
        parts.append(f"task {context['task']} (run {context.get('run', '—')})")
    return ", ".join(parts)


EXPORT_HEADER = [
    "id",
    "occurred_at_utc",
    "table",
    "object_id",
    "customer_code",
    "action",
    "field",
    "old_value",
    "new_value",
    "source",
    "user",
    "token",
    "import_job",
    "import_file",
    "task",
    "task_run",
    "reason",
]


def export_rows(queryset: models.QuerySet) -> Iterator[list]:
    """The rows of `queryset` for the CSV export, read through a server-side cursor in chunks (a range of
    millions of changes streams in constant memory), with exact UTC times."""
    for row in queryset.iterator(chunk_size=EXPORT_CHUNK):
        context = row.context or {}
        yield [
            row.pk,
            row.occurred_at.astimezone(UTC).isoformat(),
            row.entity,
            row.object_id,
            row.customer_code or "",
            row.action,
            row.field,
            row.old_value,
            row.new_value,
            row.source,
            context.get("user", ""),
            context.get("token", ""),
            row.job or "",
            context.get("file", ""),
            context.get("task", ""),
            context.get("run", ""),
            row.reason or "",
        ]
