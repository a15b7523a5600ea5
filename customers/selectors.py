"""Reads of customers: the customer types in use, the customer group tree."""

from django.core.cache import cache

from creditcontrol.tenancy import current_tenant

from .models import Customer, CustomerGroup


def customer_types() -> list[str]:
    """The customer types in use (for filters), cached for a few minutes: a DISTINCT over every
    customer is too dear for each page view of a big tenant."""
    key = f"customer-types:{current_tenant().pk}"
    types = cache.get(key)
    if types is None:
        types = list(
            Customer.objects.exclude(customer_type="")
            .order_by("customer_type")
            .values_list("customer_type", flat=True)
            .distinct()
        )
        cache.set(key, types, 300)
    return types


def group_and_descendants(group_id: int) -> list[int]:
    """A group and every group below it (groups are a tree of a few levels; read once, walked here).

    The services refuse a group that would be its own ancestor; a cycle already in the database (written
    before they did, or by hand) is walked once round, not for ever.
    """
    children: dict[int | None, list[int]] = {}
    for pk, parent in CustomerGroup.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo, seen = [], [group_id], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        found.append(current)
        todo.extend(children.get(current, []))
    return found
