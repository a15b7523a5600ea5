"""What every page of a tenant shows about the as-of date: the user's work date, and whether the
tenant's aging setup ages their figures as of it (the top bar's work date control and its notice)."""

from .services import aging_setup_get


def work_date_context(request) -> dict:
    membership = getattr(request, "membership", None)
    tenant = getattr(request, "tenant", None)
    if membership is None or tenant is None:
        return {}
    today = tenant.today()
    work_date = membership.work_date
    return {
        "today": today,
        "work_date": work_date,
        "work_date_used": work_date is not None and work_date != today and aging_setup_get().use_work_date,
    }
