"""Pages: the tenant's credit dashboard."""

from django.views.generic import TemplateView

from creditcontrol.pages import TenantPageMixin

from . import selectors


class DashboardView(TenantPageMixin, TemplateView):
    template_name = "aging/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = selectors.tenant_totals()
        context["top_overdue"] = selectors.top_overdue_customers(limit=10)
        return context
