"""Base of every tenant page: signed in, a member of the tenant in the URL, and the role the page needs."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .models import Role
from .tenancy import role_at_least


class TenantPageMixin(LoginRequiredMixin):
    read_role = Role.VIEWER
    write_role = Role.CONTROLLER

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.membership is None:  # the middleware has already 404'd foreign tenants
            raise PermissionDenied
        needed = self.read_role if request.method in ("GET", "HEAD", "OPTIONS") else self.write_role
        if not role_at_least(request.membership.role, needed):
            raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    @property
    def tenant(self):
        return self.request.tenant

    def can(self, role: str) -> bool:
        return role_at_least(self.request.membership.role, role)


class CappedPaginator(Paginator):
    """Counts at most `cap` rows: past that a big tenant's filtered list says "10,000+ rows" rather than
    count every match on each page view."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.cap + 1].count()  # order does not change a count
        self.capped = counted > self.cap
        return min(counted, self.cap)

    capped = False
