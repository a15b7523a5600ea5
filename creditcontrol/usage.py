"""What refers to a setup row (a branch, payment terms, a status code): the rows of every model with a
foreign key to it, counted. Found through the models' relations, so a lower app can tell how a higher one
uses its rows (a branch's ledger entries) without importing it.

A row in use is deactivated, not deleted: deleting would take it off those rows (or be refused by the
database), and with it the history they keep."""

from django.db import models
from django.utils.text import capfirst

from .errors import DomainError


def usage_counts(row: models.Model) -> list[tuple[str, int]]:
    """('3 customers', 3), ('1 ledger entry', 1), ... for each kind of row that refers to `row`, the kinds
    with none left out; two foreign keys of one model to it count the rows that have either."""
    relations: dict[type[models.Model], list[str]] = {}
    for field in type(row)._meta.get_fields(include_hidden=True):
        if getattr(field.related_model, "derived", False):  # rows kept from others, counted there
            continue
        if field.one_to_many and field.auto_created and not field.concrete:
            relations.setdefault(field.related_model, []).append(field.field.name)
    counts = []
    for model, names in relations.items():
        query = models.Q()
        for name in names:
            query |= models.Q(**{name: row})
        count = model._base_manager.filter(query).count()
        if count:
            name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
            counts.append((f"{count:,} {name}", count))
    return sorted(counts, key=lambda count: count[0].split(" ", 1)[1])  # by kind


def usage_sentence(counts: list[tuple[str, int]]) -> str:
    """'3 customers and 1 ledger entry'."""
    parts = [text for text, _ in counts]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def delete_unused(row: models.Model, *, what: str) -> None:
    """Delete a setup row no other row refers to; one in use is refused, saying how many use it."""
    counts = usage_counts(row)
    if counts:
        message = (
            f"{capfirst(what)} {row} is used by {usage_sentence(counts)}: deactivate it instead, "
            "which keeps it where it is used and offers it no more."
        )
        raise DomainError(message, details={"delete": [message]}, code="in_use")
    row.delete()
