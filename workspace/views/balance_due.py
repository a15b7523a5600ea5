"""The balance due report and recording a payment from one of its rows."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from aging.filters import CustomerStatisticsFilter
from aging.models import CustomerStatistics
from aging.pagination import StatisticsPaginator
from aging.services import recalculate_entries
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
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
        page = StatisticsPaginator(rows, 50).get_page(self.request.GET.get("page"))
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
            form=None,  # the rows' payment forms start empty (a row with errors comes back by htmx)
        )
        return context


class RecordPaymentView(TenantPageMixin, TemplateView):
    """POST from a balance due row: post the payment, apply it oldest due first, show the new balance.

    htmx swaps the answer for the row: the new balance, or the form with each error next to its field
    (422). Without htmx the report is shown again, with what happened as a message.
    """

    template_name = "workspace/_balance_due_row.html"
    http_method_names = ["post"]  # a row only comes back in answer to a payment

    def post(self, request, *args, **kwargs):
        customer = get_object_or_404(Customer.objects.all(), pk=kwargs["pk"])
        foreign = bool(customer.currency_code) and customer.currency_code != self.tenant.local_currency
        form = RecordPaymentForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if not foreign or data["amount_lcy"] is None:
                data.pop("amount_lcy")  # local currency: the amount is the amount in LCY
            try:
                with transaction.atomic():  # a refused payment leaves nothing behind
                    payment_record(customer=customer, user=request.user, **data)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                # One customer: refresh its figures now, so the row shows the new balance at once.
                recalculate_entries(trigger="posting", customer_ids=[customer.pk], user=request.user)
        recorded = not form.errors
        if not request.htmx:
            if recorded:
                messages.success(request, f"Payment recorded for {customer.code}.")
            else:
                problems = [
                    f"{form[f].label}: {' '.join(e)}" if f in form.fields else " ".join(e)
                    for f, e in form.errors.items()
                ]
                messages.error(
                    request, f"The payment for {customer.code} was not recorded. " + " ".join(problems)
                )
            return redirect("balance-due", tenant_slug=self.tenant.slug)
        statistics = (
            CustomerStatistics.objects.select_related("customer", "customer__group")
            .filter(pk=customer.pk)
            .first()
            or CustomerStatistics(customer=customer)  # not calculated yet: the row shows no figures
        )
        context = {
            "s": statistics,
            "tenant": self.tenant,
            "today": self.tenant.today(),
            "can_record": True,
            "form": form if not recorded else None,
            "recorded": recorded,
        }
        return self.render_to_response(context, status=200 if recorded else 422)
