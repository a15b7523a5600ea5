"""Which customers and entries a branch context covers: the branch's entries, and the customers who have
entries in that branch or belong to it (a customer trading through several branches is in each)."""

from django.db.models import Q

from creditcontrol.branch import choose_branch_id, chosen_branch_id
from customers.models import Branch

from .models import LedgerEntry


def branch_chosen(request) -> Branch | None:
    """The branch of the request's context, if the user chose one of this tenant's branches."""
    branch_id = chosen_branch_id(request)
    if branch_id is None:
        return None
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None:  # gone, or not this tenant's: no context rather than an empty page
        choose_branch_id(request, None)
    return branch


def customers_in_branch_q(branch_id: int, *, prefix: str = "") -> Q:
    """A filter on customers (or, with `prefix="customer__"`, on rows of a customer) for the customers who
    belong to the branch or have ledger entries in it."""
    with_entries = LedgerEntry.objects.filter(branch_id=branch_id).values("customer_id")
    customer = f"{prefix}pk" if prefix else "pk"
    return Q(**{f"{prefix}branch_id": branch_id}) | Q(**{f"{customer}__in": with_entries})
