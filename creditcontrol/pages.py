"""Base of every tenant page: signed in, a member of the tenant in the URL, and the role the page needs;
and the one error path of the pages, for a broken business rule (`DomainError`)."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap, retarget

from .errors import DomainError
from .models import Role
from .tenancy import role_at_least

# Where a page shows an error it did not expect (templates/base.html); htmx responses are retargeted here.
PAGE_ERRORS = "#page-errors"


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
            raise PermissionDenied(role_refusal(request.membership.role, needed))
        return super().dispatch(request, *args, **kwargs)

    @property
    def tenant(self):
        return self.request.tenant

    def can(self, role: str) -> bool:
        return role_at_least(self.request.membership.role, role)


def role_refusal(role: str, needed: str) -> str:
    """Why a member may not do something, in words that say what they can do instead."""
    if role == Role.VIEWER:
        return (
            "You are a viewer here: you can read every page but not change anything. "
            "Ask a tenant admin for the credit controller role to work customers."
        )
    return f"This needs the {Role(needed).label} role or above; yours is {Role(role).label}."


def permission_denied(request, exception=None):
    """Every page's answer to a role that may not do something (the root URLconf's `handler403`): the
    styled error page with the reason, or for htmx the reason in the page's error area; status 403
    either way. The API answers DRF's JSON 403 itself and never gets here."""
    message = str(exception or "") or "You may not do this here."
    context = {"page_error": message, "page_error_problems": []}
    if request.headers.get("HX-Request") == "true":  # base.html's htmx-config lets a 403 be swapped
        response = render(request, "_page_errors.html", context, status=403)
        return reswap(retarget(response, PAGE_ERRORS), "innerHTML")
    return render(request, "page_error.html", context, status=403)


def domain_error_problems(error: DomainError) -> list[str]:
    """The details of a domain error as sentences (its fields' names are for the API, not for people)."""
    details = error.details
    if isinstance(details, dict):
        details = [
            problem
            for problems in details.values()
            for problem in (problems if isinstance(problems, list) else [problems])
        ]
    # sentences only: some details are ids (the entries that are not lines), which the message names
    return [problem for problem in details or [] if isinstance(problem, str) and problem != error.message]


def form_add_domain_error(form, error: DomainError) -> None:
    """Put a service's errors on the form fields they name, the rest (or the message) on the form."""
    details = error.details if isinstance(error.details, dict) else {}
    placed = False
    for field, problems in details.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(field if field in form.fields else None, str(problem))
            placed = True
    if not placed:
        form.add_error(None, error.message)


class DomainErrorMiddleware:
    """The pages' one answer to a broken business rule that a view leaves to it.

    The request's transaction has been rolled back by then (ATOMIC_REQUESTS). An htmx request gets the
    error as a fragment for the page's error area (422, retargeted there: base.html lets htmx swap a
    422); any other request goes back to the page it came from with the error as a message, or, with
    nowhere to go back to, gets a styled page saying what went wrong. The API has its own answer (a 400
    with a body, creditcontrol.api.exception_handler) and never lets a DomainError out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        context = {"page_error": exception.message, "page_error_problems": domain_error_problems(exception)}
        if request.headers.get("HX-Request") == "true":
            response = render(request, "_page_errors.html", context, status=422)
            return reswap(retarget(response, PAGE_ERRORS), "innerHTML")
        back = _safe_referer(request)
        if request.method not in ("GET", "HEAD") and back is not None:
            messages.error(request, " ".join([exception.message, *context["page_error_problems"]]))
            return redirect(back)
        return render(request, "page_error.html", context, status=400)


def _safe_referer(request) -> str | None:
    """The page a form was posted from, when it is one of this site's pages of the same tenant."""
    referer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    slug = getattr(request, "tenant_slug", None)
    if slug is not None and not urlsplit(referer).path.startswith(f"/t/{slug}/"):
        return None
    return referer


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
