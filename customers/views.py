"""Customer pages: the customer list and the customer card (with the credit review)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.views import View
from django.views.generic import TemplateView

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import CappedPaginator, TenantPageMixin, branch_context
from ledger.models import LedgerEntry

from . import selectors, services
from .charts import credit_review_svg
from .filters import CustomerFilter
from .forms import CreditLimitReviewForm
from .models import Customer


class CustomerListView(TenantPageMixin, TemplateView):
    template_name = "customers/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = CustomerFilter(
            self.request.GET or None, queryset=Customer.objects.all(), request=self.request
        )
        sort = self.request.GET.get("sort", "code")
        customers = selectors.customer_list(filterset_qs=filterset.qs, sort=sort)
        page = Paginator(customers, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=filterset, page=page, sort=sort, query=query.urlencode())
        return context


class CustomerCardView(TenantPageMixin, TemplateView):
    template_name = "customers/card.html"
    write_role = Role.MANAGER  # the only write here is the credit limit review

    def get_customer(self):
        try:
            return selectors.customer_card(customer_id=self.kwargs["pk"])
        except Customer.DoesNotExist:
            raise Http404("No such customer.") from None

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.get_customer()
        today = self.tenant.today()
        points = selectors.credit_review_series(customer=customer, until=today)
        context.update(
            customer=customer,
            statistics=getattr(customer, "statistics", None),
            balance_now=points[-1]["balance"],
            chart=credit_review_svg(points, currency=self.tenant.local_currency),
            open_entries=LedgerEntry.objects.filter(customer=customer, is_open=True).order_by(
                "due_date", "id"
            )[:25],
            open_count=LedgerEntry.objects.filter(customer=customer, is_open=True).count(),
            form=form or CreditLimitReviewForm(),
            can_review=self.can(Role.MANAGER),
            today=today,
        )
        return context

    def post(self, request, *args, **kwargs):
        customer = get_object_or_404(Customer.objects.all(), pk=kwargs["pk"])
        form = CreditLimitReviewForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        change = services.credit_limit_change(
            customer=customer,
            new_limit_lcy=form.cleaned_data["new_limit_lcy"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
        limit = "no limit" if change.new_limit_lcy is None else f"{change.new_limit_lcy:,.2f}"
        messages.success(request, f"Credit limit reviewed: {limit}.")
        return redirect("customer-card", tenant_slug=self.tenant.slug, pk=customer.pk)


def _live_figures(request, rows, branch):
    """(as-of date, {customer id: figures}) read now for a page of rows, when the stored figures are not
    the ones this user should see: in a branch context, or when the setup ages as of the user's work date."""
    from aging.selectors import customer_figures
    from aging.services import as_of_date

    as_of = as_of_date(user=request.user)
    if branch is None and as_of == request.tenant.today():
        return None
    ids = [row.customer_id for row in rows]
    return as_of, customer_figures(customer_ids=ids, as_of=as_of, branch_id=branch.pk if branch else None)


def _credit_list_context(request, tenant):
    """What the credit list and its export share: the bands, the chosen columns and the filtered rows."""
    from aging.models import AgingBand, AgingSetup, CustomerStatistics

    from . import credit_list
    from .filters import CreditListFilter

    bands = list(AgingBand.objects.order_by("position"))
    all_columns = credit_list.columns_all(bands)
    columns = credit_list.columns_chosen(
        all_columns, request.membership.preferences.get("credit_list_columns")
    )
    data = request.GET.copy()
    if "controller" not in data and request.membership.role == Role.CONTROLLER:
        data["controller"] = "me"  # a controller starts on their own customers
    branch = branch_context(request)
    data.pop("branch", None)
    if branch is not None:
        data["branch"] = str(branch.pk)  # the branch context: that branch's customers
    filterset = CreditListFilter(data, queryset=CustomerStatistics.objects.all(), request=request)
    sort = request.GET.get("sort", "-overdue")
    rows = credit_list.credit_list(queryset=filterset.qs, sort=sort, columns=all_columns)
    setup = AgingSetup.objects.filter().first()
    return {
        "bands": bands,
        "all_columns": all_columns,
        "columns": columns,
        "filter": filterset,
        "sort": sort,
        "rows": rows,
        "data": data,
        "branch": branch,
        "basis": setup.basis if setup else "due_date",
    }


class CreditListView(TenantPageMixin, TemplateView):
    """Clever Credit's page: every customer's credit position, sortable, filterable, every figure a link."""

    template_name = "customers/credit_list.html"

    def get_context_data(self, **kwargs):
        from django.contrib.auth import get_user_model
        from django.urls import reverse

        from . import credit_list
        from .models import Branch, CustomerGroup

        context = super().get_context_data(**kwargs)
        shared = _credit_list_context(self.request, self.tenant)
        page = CappedPaginator(shared["rows"], 50).get_page(self.request.GET.get("page"))
        ledger_url = reverse("ledger-entries", kwargs={"tenant_slug": self.tenant.slug})
        bands = {b.position: b for b in shared["bands"]}
        live = _live_figures(self.request, page.object_list, shared["branch"])
        table = []
        for statistics in page:
            if live is not None:  # a branch context or a work date: figures read now, not the stored ones
                for name, value in live[1].get(statistics.customer_id, {}).items():
                    setattr(statistics, name, value)
                statistics.as_of_date = live[0]
            cells = []
            for column in shared["columns"]:
                link = credit_list.entries_link(
                    ledger_url=ledger_url,
                    customer=statistics.customer,
                    key=column.key,
                    statistics=statistics,
                    bands=bands,
                    basis=shared["basis"],
                    branch=shared["branch"],
                )
                cells.append(
                    {
                        "key": column.key,
                        "status": column.kind == "status",
                        "numeric": column.kind in credit_list.NUMERIC_KINDS,
                        "text": credit_list.cell_display(statistics, column),
                        "link": link,
                    }
                )
            table.append({"statistics": statistics, "customer": statistics.customer, "cells": cells})
        query = shared["data"].copy()
        query.pop("page", None)
        sortless = query.copy()
        sortless.pop("sort", None)
        context.update(
            shared,
            page=page,
            table=table,
            query=query.urlencode(),
            sortless=sortless.urlencode(),
            controllers=get_user_model().objects.filter(memberships__tenant=self.tenant).order_by("username"),
            branches=Branch.objects.all(),
            groups=CustomerGroup.objects.select_related("parent"),
            chosen_keys=[c.key for c in shared["columns"]],
            can_recalculate=self.can(Role.CONTROLLER),
            can_recalculate_all=self.can(Role.ADMIN),
        )
        return context


class CreditListColumnsView(TenantPageMixin, View):
    """Save which columns this user sees on the credit list, in the order given."""

    write_role = Role.VIEWER  # a personal setting: anyone may arrange their own page

    def post(self, request, *args, **kwargs):
        from aging.models import AgingBand

        from . import credit_list

        known = {c.key for c in credit_list.columns_all(list(AgingBand.objects.all()))}
        chosen = [key for key in request.POST.getlist("columns") if key in known]
        order = {key: request.POST.get(f"order_{key}", "") for key in chosen}
        chosen.sort(key=lambda key: int(order[key]) if order[key].isdigit() else 999)
        request.membership.preferences["credit_list_columns"] = chosen
        request.membership.save(update_fields=["preferences"])
        messages.success(request, "Columns saved." if chosen else "Columns reset to the defaults.")
        return redirect(
            f"{reverse_lazy('credit-list', kwargs={'tenant_slug': self.tenant.slug})}"
            f"?{request.POST.get('query', '')}"
        )


class CreditListExportView(TenantPageMixin, View):
    """The filtered credit list as CSV, every row and every column, streamed."""

    def get(self, request, *args, **kwargs):
        import csv

        from django.http import StreamingHttpResponse

        from . import credit_list

        shared = _credit_list_context(request, self.tenant)
        columns = shared["all_columns"]

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow([c.label for c in columns])
            for statistics in shared["rows"].iterator(chunk_size=2000):
                yield writer.writerow([credit_list.cell_text(statistics, c) for c in columns])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        filename = f"credit-list-{self.tenant.slug}-{self.tenant.today():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class CreditListRecalculateView(TenantPageMixin, View):
    """Recalculate the selected customers now (controllers), or everything (admins), on the worker."""

    def post(self, request, *args, **kwargs):
        from aging.services import recalculation_start

        if request.POST.get("scope") == "all":
            if not self.can(Role.ADMIN):
                raise PermissionDenied("Only a tenant admin can recalculate everything.")
            try:
                recalculation_start(kind="all", user=request.user)
            except IntegrityError:
                messages.error(request, "A Recalculate All is already queued or running.")
            else:
                messages.success(request, "Recalculate All has started: follow it on the recalculation page.")
        else:
            ids = selected_customer_ids(request)
            if not ids:
                messages.error(request, "Tick the customers to recalculate first.")
            else:
                try:
                    recalculation_start(kind="entries", user=request.user, customer_ids=ids)
                except DomainError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(
                        request, f"Recalculating {len(ids)} customer{'s' if len(ids) > 1 else ''}."
                    )
        back = "balance-due" if request.POST.get("next") == "balance-due" else "credit-list"
        return redirect(
            f"{reverse_lazy(back, kwargs={'tenant_slug': self.tenant.slug})}?{request.POST.get('query', '')}"
        )


def selected_customer_ids(request) -> list[int]:
    """The customers a bulk action applies to: the ticked rows, or every row the filters select."""
    from django.http import QueryDict

    from aging.models import CustomerStatistics

    from .filters import CreditListFilter

    if "all_filtered" in request.POST:
        data = QueryDict(request.POST["all_filtered"])
        statuses = data.getlist("balance_status")
        queryset = CustomerStatistics.objects.all()
        if statuses:
            queryset = queryset.filter(balance_status__in=statuses)
            data = data.copy()
            data.setlist("balance_status", [])
        return list(
            CreditListFilter(data, queryset=queryset, request=request).qs.values_list(
                "customer_id", flat=True
            )
        )
    return [int(i) for i in request.POST.getlist("customers") if i.isdigit()]


class FactBoxView(TenantPageMixin, TemplateView):
    """The fact boxes beside the credit list for one customer (loaded with htmx when a row is chosen)."""

    template_name = "customers/factbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = get_object_or_404(
            Customer.objects.select_related("statistics", "payment_terms", "group", "branch", "controller"),
            pk=self.kwargs["pk"],
        )
        context.update(
            customer=customer,
            statistics=getattr(customer, "statistics", None),
            contact=customer.contacts.filter(is_credit_control_contact=True, is_inactive=False).first()
            or customer.contacts.filter(is_primary=True).first(),
        )
        return context


class BalanceDueReportView(TenantPageMixin, TemplateView):
    """Customers by balance status (outstanding / credit / zero), type and group; select rows for bulk
    actions; record a payment from a row (applied to the oldest due invoices first)."""

    template_name = "customers/balance_due.html"

    def get_context_data(self, **kwargs):
        from aging.models import CustomerStatistics

        from .filters import CreditListFilter
        from .models import CustomerGroup

        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        all_statuses = ["outstanding", "credit", "zero"]
        statuses = data.getlist("balance_status") or all_statuses
        data.setlist("balance_status", [])
        queryset = CustomerStatistics.objects.all()
        if set(statuses) != set(all_statuses):  # all three is no filter (and leaves the index usable)
            queryset = queryset.filter(balance_status__in=statuses)
        filterset = CreditListFilter(data, queryset=queryset, request=self.request)
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

    template_name = "customers/_balance_due_row.html"

    def post(self, request, *args, **kwargs):
        from aging.models import CustomerStatistics
        from aging.services import recalculate_entries
        from ledger.services import payment_record

        from .forms import RecordPaymentForm

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


class SearchView(TenantPageMixin, TemplateView):
    """Find a customer by name or code, or a document by its number, from anywhere."""

    template_name = "customers/search.html"

    def get_context_data(self, **kwargs):
        from django.db.models import Q

        from ledger.models import LedgerEntry

        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()
        customers, entries = [], []
        if q:
            customers = list(
                Customer.objects.filter(Q(code__iexact=q) | Q(name__icontains=q))
                .select_related("statistics")
                .order_by("name")[:25]
            )
            entries = list(LedgerEntry.objects.filter(document_no__iexact=q).select_related("customer")[:25])
            if len(customers) == 1 and not entries:
                return {**context, "redirect": customers[0]}
        context.update(q=q, customers=customers, entries=entries, today=self.tenant.today())
        return context

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if "redirect" in context:
            return redirect("customer-card", tenant_slug=self.tenant.slug, pk=context["redirect"].pk)
        return self.render_to_response(context)
