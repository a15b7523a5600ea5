"""The branch context: the branch a user is working in, kept in the session per tenant.

Chosen on the dashboard and the credit list (?branch=<id>), cleared from the bar every page shows while
one is chosen (`BranchContextView`); the pages below the workspace read it through
`ledger.branches.branch_chosen`, so one choice cuts every page that can be cut."""

from creditcontrol.branch import choose_branch_id
from ledger.branches import branch_chosen


def branch_context(request):
    """The branch the user is working in (chosen with ?branch=<id>, cleared with ?branch=), kept in the
    session per tenant; None for every branch. A branch of another tenant is simply not found."""
    if "branch" in request.GET:
        chosen = request.GET["branch"]
        choose_branch_id(request, int(chosen) if chosen.isdigit() and len(chosen) < 12 else None)
    return branch_chosen(request)
