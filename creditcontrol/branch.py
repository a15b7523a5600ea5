"""The branch context's seam: which branch a user works in, kept in the session per tenant.

It lives in the core so every page can honour it (the ledger entries page, the to-do and promise lists)
without importing the workspace, which chooses and shows it (workspace/context.py)."""


def session_key(tenant_id: int) -> str:
    return f"branch-context:{tenant_id}"


def chosen_branch_id(request) -> int | None:
    """The id the user chose (not yet checked against the tenant's branches), or None for every branch."""
    tenant = getattr(request, "tenant", None)
    session = getattr(request, "session", None)
    if tenant is None or session is None:
        return None
    value = session.get(session_key(tenant.pk))
    return value if isinstance(value, int) else None


def choose_branch_id(request, branch_id: int | None) -> None:
    request.session[session_key(request.tenant.pk)] = branch_id
