"""Which customers and entries a branch context covers: the branch's entries, and the customers who have
entries in that branch or belong to it (a customer trading through several branches is in each). They are
read from `CustomerBranch`, one row per customer and branch kept by the database, not from the entries
themselves (millions of them per branch)."""

from django.db.models import Q

from creditcontrol.branch import choose_branch_id, chosen_branch_id
from customers.models import Branch

from .models import CustomerBranch


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
    belong to the branch or have ledger entries in it: one IN over `CustomerBranch`, which PostgreSQL
    answers for a page sorted by a figure by walking the figure's index and probing the pairs' unique
    index for each row, until the page is full."""
    customer = f"{prefix}pk" if prefix else "pk"
    in_branch = CustomerBranch.objects.filter(branch_id=branch_id).order_by().values("customer_id")
    return Q(**{f"{customer}__in": in_branch})
