"""Choosing or clearing the branch context from any page (the branch bar), then back to that page."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from creditcontrol.branch import choose_branch_id
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin
from ledger.branches import branch_chosen


class BranchContextView(TenantPageMixin, View):
    """POST branch=<id> to work in one branch, branch= (empty) to see every branch again."""

    write_role = Role.VIEWER  # a personal choice of what to look at, like the work date

    def post(self, request, *args, **kwargs):
        back = request.POST.get("next") or request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("dashboard", kwargs={"tenant_slug": request.tenant.slug})
        # The page's own ?branch= would choose again on the way back: drop it.
        back = _without_branch(back)
        chosen = request.POST.get("branch", "").strip()
        choose_branch_id(request, int(chosen) if chosen.isdigit() and len(chosen) < 12 else None)
        branch = branch_chosen(request)
        if branch is None:
            messages.success(request, "Branch cleared: every branch is shown.")
        else:
            messages.success(request, f"Branch {branch.name}: pages show this branch only.")
        return redirect(back)


def _without_branch(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "branch"]
    return urlunsplit(parts._replace(query=urlencode(query)))
