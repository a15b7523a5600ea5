"""The balance due report and recording a payment from one of its rows."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from aging.filters import CustomerStatisticsFilter
from aging.models import CustomerStatistics
from aging.pagination import StatisticsPaginator
from aging.selectors import statistics_as_seen
from aging.services import recalculate_entries
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
from customers import selectors
from customers.forms import RecordPaymentForm
from customers.models import Customer, CustomerGroup
from ledger.models import LedgerEntry
from ledger.services import amount_parse, payment_left_out_reason, payment_open_debits, payment_record

from ..context import branch_context


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
        branch = branch_context(self.request)
        if (
            branch is not None
        ):  # the branch context: customers with entries there, with those entries' figures
            queryset = queryset.filter(
                customer_id__in=LedgerEntry.objects.filter(branch=branch).values("customer_id")
            )
        if set(statuses) != set(all_statuses):  # all three is no filter (and leaves the index usable)
            queryset = queryset.filter(balance_status__in=statuses)
        filterset = CustomerStatisticsFilter(data, queryset=queryset, request=self.request)
        rows = filterset.qs.select_related("customer", "customer__group").order_by(
            "-balance_lcy", "customer_id"
        )
        page = StatisticsPaginator(rows, 50).get_page(self.request.GET.get("page"))
        page.object_list = list(
            statistics_as_seen(
                page.object_list, user=self.request.user, branch_id=branch.pk if branch else None
            )
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            query=query.urlencode(),
            statuses=statuses,
            branch=branch,
            # the stored status and balance are every branch's: say so rather than pass them for the branch's
            branch_uncut="balance status and the order go by each customer's whole balance" if branch else "",
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
    """Record a payment received: the full page (GET/POST), and the answer to a balance due row's form.

    One service (`ledger.services.payment_record`) decides; this view only shows what it said.

    - The page lists the customer's open invoices with checkboxes (oldest due first ticked, those whose
      status code puts them aside unticked with the reason); a refused payment comes back as the page
      with each error next to its field (400), a recorded one goes back to the page with what it paid.
    - A row (htmx) is swapped for the row again: the new balance and a line naming what was paid, or the
      form with each error next to its field (422: the status base.html lets htmx swap). Without htmx the
      report is shown again, with what happened as a message.
    - The same reference and amount as a recent payment asks for confirmation ("Record anyway").
    """

    template_name = "workspace/record_payment.html"
    row_template_name = "workspace/_balance_due_row.html"
    read_role = Role.CONTROLLER  # a form to write with: a viewer has nothing to do here
    # Enough for any customer a controller pays by hand; past it the page says it shows the oldest due.
    entries_shown = 500

    def get(self, request, *args, **kwargs):
        customer = get_object_or_404(Customer.objects.all(), pk=kwargs["pk"])
        return self.render_to_response(self._page_context(customer, form=None))

    def post(self, request, *args, **kwargs):
        customer = get_object_or_404(Customer.objects.all(), pk=kwargs["pk"])
        form = RecordPaymentForm(request.POST)
        recorded = duplicate = None
        if not form.is_valid():
            # The service is not asked without a date; its amount rules are still worth saying at once.
            for name in ("amount", "amount_lcy"):
                typed = form.data.get(name, "").strip()
                if name not in form.errors and typed and (problem := amount_parse(typed, local=True)[1]):
                    form.add_error(name, problem)
        else:
            try:
                with transaction.atomic():  # a refused payment leaves nothing behind
                    recorded = payment_record(
                        customer=customer, user=request.user, **form.service_arguments()
                    )
            except DomainError as error:
                if error.code == "possible_duplicate":
                    duplicate = error.message
                else:
                    form_add_domain_error(form, error)
            else:
                # One customer: refresh its figures now, so the row and the card show the new balance at once.
                recalculate_entries(trigger="posting", customer_ids=[customer.pk], user=request.user)
        if request.POST.get("choose"):
            return self._page_answer(customer, form, recorded, duplicate)
        if not request.htmx:
            return self._report_answer(customer, form, recorded, duplicate)
        statistics = (
            CustomerStatistics.objects.select_related("customer", "customer__group")
            .filter(pk=customer.pk)
            .first()
            or CustomerStatistics(customer=customer)  # not calculated yet: the row shows no figures
        )
        context = {
            "s": list(statistics_as_seen([statistics], user=request.user))[0]
            if statistics.pk
            else statistics,
            "tenant": self.tenant,
            "today": self.tenant.today(),
            "can_record": True,
            "form": None if recorded else form,
            "recorded": recorded,
            "duplicate": duplicate,
        }
        return self.response_class(
            request=request,
            template=[self.row_template_name],
            context=context,
            using=self.template_engine,
            status=200 if recorded else 422,
        )

    def _page_answer(self, customer, form, recorded, duplicate):
        if recorded:
            messages.success(self.request, recorded.summary)
            return redirect("record-payment", tenant_slug=self.tenant.slug, pk=customer.pk)
        return self.render_to_response(
            self._page_context(customer, form=form, duplicate=duplicate), status=400
        )

    def _report_answer(self, customer, form, recorded, duplicate):
        if recorded:
            messages.success(self.request, f"{customer.code}: {recorded.summary}")
        elif duplicate:
            messages.error(self.request, f"The payment for {customer.code} was not recorded. {duplicate}")
        else:
            problems = [
                f"{form[f].label}: {' '.join(form.errors[f])}" for f in form.fields if f in form.errors
            ]
            problems += form.non_field_errors()
            messages.error(
                self.request, f"The payment for {customer.code} was not recorded. " + " ".join(problems)
            )
        return redirect("balance-due", tenant_slug=self.tenant.slug)

    def _page_context(self, customer, *, form, duplicate=None) -> dict:
        local = self.tenant.local_currency
        default_currency = customer.currency_code or local
        entries = list(payment_open_debits(customer=customer)[: self.entries_shown + 1])
        more = len(entries) > self.entries_shown
        entries = entries[: self.entries_shown]
        if form is None:
            form = RecordPaymentForm(
                initial={
                    "currency_code": default_currency,
                    "posting_date": self.tenant.today(),
                    "choose": True,
                }
            )
            currency = default_currency
            ticked = {
                e.pk for e in entries if e.currency_code == currency and payment_left_out_reason(e) is None
            }
        else:
            currency = form.data.get("currency_code") or default_currency
            ticked = {int(v) for v in form.data.getlist("apply_to") if v.isascii() and v.isdigit()}
        rows = [
            {
                "entry": e,
                "reason": payment_left_out_reason(e),
                "ticked": e.pk in ticked,
                "other_currency": e.currency_code != currency,
            }
            for e in entries
        ]
        currencies = sorted({default_currency, local, *(e.currency_code for e in entries)})
        statistics = CustomerStatistics.objects.filter(pk=customer.pk).first()
        if statistics is not None:
            statistics = list(statistics_as_seen([statistics], user=self.request.user))[0]
        return {
            **self.get_context_data(),
            "customer": customer,
            "statistics": statistics,
            "form": form,
            "duplicate": duplicate,
            "rows": rows,
            "more": more,
            "entries_shown": self.entries_shown,
            "currency": currency,
            "currencies": currencies,
            "default_currency": default_currency,
            "foreign_possible": len(currencies) > 1 or default_currency != local,
            "today": self.tenant.today(),
        }
