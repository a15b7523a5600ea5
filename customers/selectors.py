"""Reads of customers: the customer types in use, the customer group tree, the controller scope in SQL,
and who holds customers they can no longer work (former members)."""

from django.core.cache import cache
from django.db.models import Count, Q

from creditcontrol.models import Membership, Role
from creditcontrol.scope import scoped_controller_id, unscoped
from creditcontrol.tenancy import current_tenant

from .models import Branch, Customer, CustomerGroup, PaymentTerms


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


# The roles that can be given customers to work.
CONTROLLER_ROLES = (Role.CONTROLLER, Role.MANAGER, Role.ADMIN)


def former_controller_q(*, prefix: str = "") -> Q:
    """Customers (or, with `prefix="customer__"`, rows of a customer) assigned to someone who can no longer
    work them: no longer a member of the tenant, or now a viewer."""
    working = Membership.objects.filter(tenant=current_tenant(), role__in=CONTROLLER_ROLES).values("user_id")
    return Q(**{f"{prefix}controller__isnull": False}) & ~Q(**{f"{prefix}controller_id__in": working})


def former_controller_customers_count() -> int:
    return Customer.objects.filter(former_controller_q()).count()


def customers_held(user_ids) -> dict[int, int]:
    """How many customers each of these users is the controller of."""
    rows = (
        Customer.objects.filter(controller_id__in=list(user_ids))
        .order_by()
        .values("controller_id")
        .annotate(n=Count("pk"))
    )
    return {row["controller_id"]: row["n"] for row in rows}


def former_controller_customers_exist() -> bool:
    return Customer.objects.filter(former_controller_q()).exists()


def _chosen_pk(chosen) -> int | None:
    chosen = getattr(chosen, "pk", chosen)
    return int(chosen) if isinstance(chosen, int) or (isinstance(chosen, str) and chosen.isdigit()) else None


def branches_offered(chosen=None):
    """The branches a filter or form offers: the active ones, and the one already chosen if inactive (an
    inactive branch is no new choice, but a page filtered by it still names it)."""
    return Branch.objects.filter(Q(is_active=True) | Q(pk=_chosen_pk(chosen)))


def payment_terms_offered(chosen=None):
    return PaymentTerms.objects.filter(Q(is_active=True) | Q(pk=_chosen_pk(chosen)))
