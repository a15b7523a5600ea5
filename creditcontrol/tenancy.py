"""Tenancy that fails closed: one place sets the tenant, tenant-owned rows are only reachable through it.

The tenant comes from the URL (`/t/<slug>/...` for pages, `/api/t/<slug>/...` for the API) and the
signed-in user's membership of it; nothing else may choose it. Tenant-owned models use
`TenantManager`, which raises `TenantNotSet` when no tenant is active, so a forgotten scope is an
error rather than a leak. `Model.objects.unscoped()` is the one named bypass of the manager; beneath it,
the database's row-level policies (`creditcontrol.rowsecurity`) still hold the application to the
current tenant, so only maintenance run as the tables' owner reaches every tenant's rows with it.
"""

import contextvars
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import models
from django.db.backends.signals import connection_created
from django.http import Http404
from django.utils import timezone

from . import auditing, rowsecurity
from .models import Membership, Role, Tenant
from .scope import enter as scope_enter
from .scope import leave as scope_leave
from .scope import narrow, scope_of, unscoped

_current_tenant: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar(
    "current_tenant", default=None
)

# Roles in increasing power; a role may do whatever the roles before it may.
ROLE_ORDER = [Role.VIEWER, Role.CONTROLLER, Role.MANAGER, Role.ADMIN]


class TenantNotSet(RuntimeError):
    """A tenant-owned table was queried with no tenant active."""


def current_tenant() -> Tenant:
    tenant = _current_tenant.get()
    if tenant is None:
        raise TenantNotSet("No tenant is active: enter one with tenant_context(tenant).")
    return tenant


def current_tenant_or_none() -> Tenant | None:
    return _current_tenant.get()


def _set_tenant(tenant: Tenant | None) -> contextvars.Token:
    """Make `tenant` current, for the ORM (`TenantManager`) and for PostgreSQL's policies alike."""
    token = _current_tenant.set(tenant)
    rowsecurity.follow(tenant.pk if tenant is not None else None)
    return token


def _reset_tenant(token: contextvars.Token) -> None:
    _current_tenant.reset(token)
    tenant = _current_tenant.get()
    rowsecurity.follow(tenant.pk if tenant is not None else None)


def _tenant_on_new_connection(sender, connection, **kwargs) -> None:
    """A connection opened inside a tenant (or reopened after a health check) starts in that tenant."""
    tenant = _current_tenant.get()
    with connection.cursor() as cursor:
        rowsecurity.set_on(cursor, tenant.pk if tenant is not None else None)


connection_created.connect(_tenant_on_new_connection, dispatch_uid="creditcontrol.tenancy")


@contextmanager
def tenant_context(tenant: Tenant) -> Iterator[Tenant]:
    token = _set_tenant(tenant)
    try:
        # Work that enters its tenant itself (tasks, imports, commands) is done for the tenant, not on a
        # controller's behalf: no controller scope, even when it runs inside a request (eager tasks).
        with unscoped():
            yield tenant
    finally:
        _reset_tenant(token)


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    def get_queryset(self):
        # Within the tenant, a credit controller's request reaches only their customers' rows (scope.py).
        return narrow(super().get_queryset().filter(tenant=current_tenant()))

    def none(self):
        """An empty queryset needs no tenant (schema generation and form defaults ask for one)."""
        return super().get_queryset().none()

    def unscoped(self):
        """Every tenant's rows. Named so that each use can be found and reviewed."""
        return super().get_queryset()


class TenantOwned(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)

    objects = TenantManager()

    # How a credit controller's scope reaches this model's rows (creditcontrol.scope): a foreign key to
    # the user or to a scoped model; None for the tenant's setup rows. Every model says which, itself.
    controller_scope: str | None = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.tenant_id is None:
            self.tenant = current_tenant()
        elif self.tenant_id != current_tenant().pk:
            raise TenantNotSet("Refusing to save a row of another tenant.")
        super().save(*args, **kwargs)


def tenant_owned_tables() -> tuple[list[str], list[tuple[str, str, str]]]:
    """The tables that hold one tenant's rows: those of the `TenantOwned` models, and the many-to-many
    tables between them, as (table, column naming the owning row, the owning row's table)."""
    owned = [
        model
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and model._meta.managed and not model._meta.proxy
    ]
    joins = [
        (field.remote_field.through._meta.db_table, field.m2m_column_name(), model._meta.db_table)
        for model in owned
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    return sorted(model._meta.db_table for model in owned), sorted(joins)


def role_at_least(role: str, minimum: str) -> bool:
    return ROLE_ORDER.index(role) >= ROLE_ORDER.index(minimum)


def enter_tenant(request, user, slug: str) -> Membership:
    """Make the tenant named `slug` current for this request, if `user` belongs to it; else 404.

    Its time zone becomes Django's current one, so forms read and pages and the API show date-times in
    the tenant's local time. A request may enter twice (the middleware for the session's user, then
    `TenantAPIMixin` for a token's user): the second entry first undoes the first, so that
    `leave_tenant` at the end of the request restores what was there before it, not the first entry.
    """
    membership = Membership.objects.select_related("tenant").filter(user=user, tenant__slug=slug).first()
    if membership is None:
        # A tenant the user does not belong to looks exactly like one that does not exist.
        raise Http404("No such tenant.")
    leave_tenant(request)
    request.tenant = membership.tenant
    request.membership = membership
    request._tenant_token = _set_tenant(membership.tenant)
    request._scope_token = scope_enter(scope_of(membership))
    # `override` remembers the zone it replaces, which `leave_tenant` puts back.
    request._tenant_time_zone = timezone.override(zoneinfo.ZoneInfo(membership.tenant.time_zone))
    request._tenant_time_zone.__enter__()
    request_audit_context(request, source=auditing.PAGE, user_id=user.pk, user=user.get_username())
    return membership


def request_audit_context(request, **values) -> None:
    """Who makes this request's changes (`creditcontrol.auditing`), until the request leaves its tenant;
    replaces what the request said before (a token's user after the session's)."""
    token = getattr(request, "_audit_token", None)
    if token is not None:
        request._audit_token = None
        auditing.leave(token)
    request._audit_token = auditing.enter(**values)


def leave_tenant(request) -> None:
    """Undo `enter_tenant` for this request, if it entered one: the tenant and the time zone."""
    token = getattr(request, "_tenant_token", None)
    if token is None:
        return
    request._tenant_token = None
    audit_token = getattr(request, "_audit_token", None)
    if audit_token is not None:
        request._audit_token = None
        auditing.leave(audit_token)
    scope_leave(request._scope_token)
    _reset_tenant(token)
    request._tenant_time_zone.__exit__(None, None, None)


class TenantMiddleware:
    """Takes the tenant slug out of the URL and, for a signed-in session, enters that tenant.

    API requests may authenticate by token, which DRF only does inside the view: `TenantAPIMixin`
    finishes the job there with the same `enter_tenant`. The tenant and its time zone are reset when the
    request ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        request.tenant_slug = None
        try:
            return self.get_response(request)
        finally:
            leave_tenant(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("tenant_slug", None)
        if slug is None:
            return None
        request.tenant_slug = slug
        if request.user.is_authenticated:
            enter_tenant(request, request.user, slug)
        return None


def tenant_context_processor(request):
    membership = getattr(request, "membership", None)
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "tenant": getattr(request, "tenant", None),
        "membership": membership,
        # Whether to offer forms and buttons that change the tenant's data (a page may narrow it further).
        "can_write": membership is not None and role_at_least(membership.role, Role.CONTROLLER),
        "memberships": Membership.objects.filter(user=request.user).select_related("tenant"),
    }
