"""The branch bar under the top bar: which branch the pages show, and whether this page is cut by it."""

from django import template

from ledger.branches import branch_chosen

register = template.Library()

# The pages that show only the chosen branch's figures, entries and customers. Any other page shows every
# branch, and the bar says so rather than let its figures pass for the branch's.
CUT_BY_BRANCH = {
    "dashboard",
    "credit-list",
    "balance-due",
    "customers",
    "ledger-entries",
    "todos",
    "promises",
}


@register.simple_tag(takes_context=True)
def branch_in_context(context):
    """{"branch": the chosen branch, "cut": whether this page shows that branch only}, or None."""
    request = context.get("request")
    if (
        request is None
        or getattr(request, "tenant", None) is None
        or getattr(request, "membership", None) is None
    ):
        return None
    branch = branch_chosen(request)
    if branch is None:
        return None
    match = getattr(request, "resolver_match", None)
    return {"branch": branch, "cut": match is not None and match.url_name in CUT_BY_BRANCH}
