"""Reads of customers: the customer types in use, the customer group tree, the controller scope in SQL."""

from django.core.cache import cache

from creditcontrol.scope import scoped_controller_id, unscoped
from creditcontrol.tenancy import current_tenant

from .models import Customer, CustomerGroup


def customer_types() -> list[str]:
    """The customer types in use (for filters), cached for a few minutes: a DISTINCT over every
    customer is too dear for each page view of a big tenant. The tenant's vocabulary, shared by its
    members: read over every customer, so that one cache entry serves a controller and a manager alike."""
    key = f"customer-types:{current_tenant().pk}"
    types = cache.get(key)
    if types is None:
        with unscoped():
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


def customer_in_scope_sql(column: str) -> str:
    """An SQL condition: the customer id in `column` is one the request may reach (creditcontrol.scope).

    `TRUE` outside a controller's scope; within one, the controller's customers and the unassigned ones,
    as a sub-select on the (tenant, controller) index. Raw SQL over customers' rows (KPIs, the branch
    dashboard) adds it, as the ORM's `TenantManager` does by itself. The ids are written in as numbers,
    so the fragment fits statements with named and with positional parameters alike.
    """
    controller_id = scoped_controller_id()
    if controller_id is None:
        return "TRUE"
    return (
        f"{column} IN (SELECT sc.id FROM {Customer._meta.db_table} sc WHERE sc.tenant_id = {int(current_tenant().pk)}"
        f" AND (sc.controller_id = {int(controller_id)} OR sc.controller_id IS NULL))"
    )
