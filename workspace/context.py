"""The branch context: the branch a user is working in, kept per tenant in the session."""

from customers.models import Branch


def branch_context(request):
    """The branch the user is working in (chosen with ?branch=<id>, cleared with ?branch=), kept in the
    session per tenant; None for every branch. A branch of another tenant is simply not found."""
    key = f"branch-context:{request.tenant.pk}"
    if "branch" in request.GET:
        chosen = request.GET["branch"]
        request.session[key] = int(chosen) if chosen.isdigit() else None
    branch_id = request.session.get(key)
    if branch_id is None:
        return None
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None:
        request.session[key] = None
    return branch
