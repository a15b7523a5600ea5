"""The audit log page (every member reads it; a scoped credit controller sees their customers' rows) and
its CSV export: the same filters, the same rows."""

from django.views import View
from django.views.generic import TemplateView

from creditcontrol.exports import csv_response
from creditcontrol.pages import CappedPaginator, TenantPageMixin

from . import selectors
from .filters import AuditChangeFilter

PAGE_SIZE = 50


def _filtered(request):
    return AuditChangeFilter(request.GET or None, queryset=selectors.audit_changes(), request=request)


class AuditLogView(TenantPageMixin, TemplateView):
    template_name = "audit/log.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = _filtered(self.request)
        page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        page.object_list = selectors.described(page.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=filterset, page=page, query=query.urlencode())
        return context


class AuditExportView(TenantPageMixin, View):
    """The filtered rows as CSV, streamed (exact UTC times with their offset)."""

    def get(self, request, *args, **kwargs):
        filterset = _filtered(request)
        today = self.tenant.today().isoformat()
        name = f"audit-{self.tenant.slug}-{today}.csv"
        return csv_response(name, selectors.EXPORT_HEADER, selectors.export_rows(filterset.qs))
