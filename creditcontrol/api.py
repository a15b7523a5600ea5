"""API plumbing shared by every app: tenant entry, roles, paging, and errors as 400s with a
body."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import auditing
from .errors import DomainError
from .models import ApiToken, Role, Tenant
from .sql import ID_MAX
from .tenancy import current_tenant, enter_tenant, request_audit_context, role_at_least, tenant_context


class IdField(serializers.IntegerField):
    """An id in a list of ids (`entries`, `customer_ids`): a whole number that could be an id."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.details is not None:
            body["errors"] = exc.details
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return drf_exception_handler(exc, context)


class TenantRolePermission(permissions.BasePermission):
    """Members read; writing needs the view's `write_role` (a credit controller unless it says)."""

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        if membership is None:
            return False
        needed = Role.VIEWER if request.method in permissions.SAFE_METHODS else view.write_role
        needed = getattr(view, "action_roles", {}).get(getattr(view, "action", None), needed)
        return role_at_least(membership.role, needed)


class TenantAPIMixin:
    """Base of every tenant API view: enters the tenant after DRF has authenticated the user.

    Subclasses write `tenant_queryset()` on a tenant-owned model (already scoped by its manager) and must
    not reach other tenants' rows; an id of another tenant is a 404 like a missing one. `get_queryset` is
    final: a subclass that overrides it is refused when it is defined.
    """

    permission_classes = [permissions.IsAuthenticated, TenantRolePermission]
    write_role = Role.CONTROLLER

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The get_queryset the view will run: TenantAPIMixin's, unless a class before it in the MRO has one.
        owner = next(klass for klass in cls.__mro__ if "get_queryset" in klass.__dict__)
        if owner is not TenantAPIMixin:
            raise TypeError(
                f"{cls.__module__}.{cls.__qualname__} must not override get_queryset() (it comes from "
                f"{owner.__qualname__}): TenantAPIMixin.get_queryset() scopes every query to the request's "
                "tenant, so write tenant_queryset() instead, and put TenantAPIMixin first among the bases."
            )

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        django_request = request._request
        membership = getattr(django_request, "membership", None)
        slug = getattr(django_request, "tenant_slug", None)
        if slug is None:
            raise Http404
        if request.user.is_authenticated and (membership is None or membership.user_id != request.user.pk):
            enter_tenant(django_request, request.user, slug)
        if request.user.is_authenticated and getattr(django_request, "tenant", None) is not None:
            token = request.auth if isinstance(request.auth, ApiToken) else None
            request_audit_context(
                django_request,
                source=auditing.API,
                user_id=request.user.pk,
                user=request.user.get_username(),
                token_id=token.pk if token else None,
                token=f"{token.name} ({token.prefix}…)" if token else None,
            )
        super().initial(request, *args, **kwargs)

    @property
    def tenant(self):
        return current_tenant()

    def get_queryset(self):
        """Final: subclasses write `tenant_queryset()`, which runs with the request's tenant entered."""
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no tenant
            with tenant_context(Tenant(pk=0)):
                return self.tenant_queryset()
        return self.tenant_queryset()

    def tenant_queryset(self):
        raise NotImplementedError

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self.request._request, "tenant", None) is not None:
            context["tenant"] = self.request._request.tenant
        return context
