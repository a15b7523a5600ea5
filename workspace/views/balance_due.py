"""The balance due report and recording a payment from one of its rows."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from aging.filters import CustomerStatisticsFilter
from aging.models import CustomerStatistics
from aging.services import recalculate_entries
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin
from customers import selectors
from customers.forms import RecordPaymentForm
from customers.models import Customer, CustomerGroup
from ledger.services import payment_record


class BalanceDueReportView(TenantPageMixin, TemplateView):
    """Customers by balance status (outstanding / credit / zero), type and group; select rows for bulk
    actions; record a payment from a row (applied to the oldest due invoices first)."""

    template_name = "workspace/balance_due.html"

    def get_context_data(self, **kwargs):

        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        all_statuses = ["outstanding", "credit", "zero"]
        statuses = data.getlist("balance_status") or all_statuses
        data.setlist("balance_status", [])
        queryset = CustomerStatistics.objects.all()
        if set(statuses) != set(all_statuses):  # all three is no filter (and leaves the index usable)
            queryset = queryset.filter(balance_status__in=statuses)
        filterset = CustomerStatisticsFilter(data, queryset=queryset, request=self.request)
        rows = filterset.qs.select_related("customer", "customer__group").order_by(
            "-balance_lcy", "customer_id"
        )
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            query=query.urlencode(),
            statuses=statuses,
            data=self.request.GET,
            groups=CustomerGroup.objects.select_related("parent"),
            customer_types=selectors.customer_types(),
            total=page.paginator.count,
            today=self.tenant.today(),
            can_record=self.can(Role.CONTROLLER),
        )
        return context


class RecordPaymentView(TenantPageMixin, TemplateView):
    """POST from a balance due row: post the payment, apply it oldest due first, show the new balance."""

    template_name = "workspace/_balance_due_row.html"

    def post(self, request, *args, **kwargs):

        customer = get_object_or_404(Customer.objects.all(), pk=kwargs["pk"])
        form = RecordPaymentForm(request.POST)
        error = None
        if form.is_valid():
            try:
                payment_record(customer=customer, user=request.user, **form.cleaned_data)
            except DomainError as exc:
                error = exc.message
            else:
                # One customer: refresh its figures now, so the row shows the new balance at once.
                recalculate_entries(trigger="posting", customer_ids=[customer.pk], user=request.user)
        else:
            error = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        statistics = CustomerStatistics.objects.select_related("customer", "customer__group").get(
            pk=customer.pk
        )
        context = {
            "s": statistics,
            "tenant": self.tenant,
            "today": self.tenant.today(),
            "can_record": True,
            "error": error,
            "recorded": error is None,
        }
        return self.render_to_response(context, status=200 if error is None else 400)
