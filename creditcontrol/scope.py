"""A credit controller's scope: within their tenant, the customers a controller's request may reach.

The product says a credit controller works the customers assigned to them and, by default, sees and
changes only those; a tenant setting (`Tenant.controllers_own_customers_only`, on by default) opens the
whole list to every controller. Customers assigned to nobody are everyone's: every controller sees them,
so a customer the ERP has just sent is not hidden from the people who work accounts until a manager
assigns it. Viewers (read-only reporting), managers and tenant admins see every customer.

Like the tenant, the scope is a context variable set for the request (`creditcontrol.tenancy.enter_tenant`)
and applied by construction: `TenantManager` narrows every query of a model that says how its rows reach
a customer (`controller_scope`, below), so another controller's customer, and everything of it (entries,
applications, statistics, interactions, to-dos, promises, contacts, credit limit reviews), answers 404
like a missing row on every page, endpoint, export and PDF, and is absent from every list. Raw SQL over
customers' rows adds `customers.selectors.customer_in_scope_sql`. Work without a request (Celery tasks,
imports, the nightly run, commands) enters its tenant with `tenant_context`, which leaves any scope:
it is not done on a controller's behalf.

`controller_scope` on a `TenantOwned` model names a foreign key:
- to the user model (`Customer.controller`): the rows whose user is the scoped controller, or nobody;
- to another tenant-owned model (`LedgerEntry.customer`, `InteractionLine.interaction`): the rows whose
  related row is in scope, as a sub-select of that model's scoped manager (no join, so
  `select_for_update()` still locks only the row's own table);
- None: the tenant's setup rows (branches, status codes, aging bands, ...), which every member sees.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Q

from .models import Membership, Role

_controller: contextvars.ContextVar[int | None] = contextvars.ContextVar("controller_scope", default=None)


def scoped_controller_id() -> int | None:
    """The controller whose customers (and the unassigned ones) this request may reach; None for all."""
    return _controller.get()


def scope_of(membership: Membership) -> int | None:
    """The scope a member works in: a credit controller's own id when the tenant says so, else None."""
    if membership.role == Role.CONTROLLER and membership.tenant.controllers_own_customers_only:
        return membership.user_id
    return None


def enter(controller_id: int | None) -> contextvars.Token:
    return _controller.set(controller_id)


def leave(token: contextvars.Token) -> None:
    _controller.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Every customer of the tenant: for work done for the tenant, not on a controller's behalf."""
    token = _controller.set(None)
    try:
        yield
    finally:
        _controller.reset(token)


def narrow(queryset):
    """`queryset` (of a tenant-owned model, already scoped to the tenant) within the controller scope."""
    controller_id = _controller.get()
    path = getattr(queryset.model, "controller_scope", None)
    if controller_id is None or path is None:
        return queryset
    field = queryset.model._meta.get_field(path)
    related = field.related_model
    if hasattr(related, "controller_scope"):  # a tenant-owned row: in scope when that row is
        return queryset.filter(**{f"{path}__in": related._default_manager.values("pk")})
    return queryset.filter(Q(**{path: controller_id}) | Q(**{f"{path}__isnull": True}))
