"""The credit list page and its actions: columns per user, CSV export, recalculate, live figures."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, TooManyFieldsSent
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import TemplateView

from aging.filters import CustomerStatisticsFilter
from aging.models import AgingBand, AgingSetup, CustomerStatistics
from aging.pagination import CappedStatisticsPaginator
from aging.selectors import statistics_as_seen
from aging.services import as_of_date, recalculation_start
from creditcontrol.errors import DomainError
from creditcontrol.exports import csv_response
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin
from creditcontrol.tenancy import current_tenant
from customers.models import Customer, CustomerGroup
from customers.selectors import branches_offered, former_controller_customers_exist

from .. import credit_list, saved_views
from ..context import branch_context


def _branch_id(shared) -> int | None:
    return shared["branch"].pk if shared["branch"] else None


def _credit_list_context(request, tenant):
    """What the credit list and its export share: the bands, the chosen columns and the filtered rows.

    Asked with no query at all, the list opens the user's default saved view (its filters, columns and
    sort); a `columns` parameter (a saved view's) shows those columns instead of the user's own."""

    bands = list(AgingBand.objects.order_by("position"))
    setup = AgingSetup.objects.filter().first()
    basis = setup.basis if setup else "due_date"
    all_columns = credit_list.columns_all(bands, basis)
    data = request.GET.copy()
    default_view = saved_views.saved_view_default(request.membership)
    if not data and default_view is not None:
        data = QueryDict(default_view.get("query", ""), mutable=True)
    chosen = data.get("columns")
    columns = credit_list.columns_chosen(
        all_columns,
        chosen.split(",") if chosen else request.membership.preferences.get("credit_list_columns"),
    )
    asked = data.copy()  # what the user asked for, before the defaults below (a view saves this)
    if "controller" not in data and request.membership.role == Role.CONTROLLER:
        data["controller"] = "me"  # a controller starts on their own customers
    branch = branch_context(request)
    data.pop("branch", None)
    if branch is not None:
        data["branch"] = str(branch.pk)  # the branch context: that branch's customers
    filterset = CustomerStatisticsFilter(data, queryset=CustomerStatistics.objects.all(), request=request)
    sort = data.get("sort", "-overdue")
    rows = credit_list.credit_list(queryset=filterset.qs, sort=sort, columns=all_columns)
    return {
        "bands": bands,
        "all_columns": all_columns,
        "columns": columns,
        "filter": filterset,
        "sort": sort,
        "rows": rows,
        "data": data,
        "asked": asked,
        "branch": branch,
        "basis": basis,
    }


def _view_keys(filterset) -> set[str]:
    """The query parameters a saved view keeps: the filters, the sort and the columns."""
    return {*filterset.filters, "sort", "columns"}


def controllers_for_filter():
    """The people the controller filter offers: members of the tenant whose role is controller, and anyone
    customers are assigned to (not the tenant's admins, managers and viewers otherwise)."""
    assigned = Customer.objects.filter(controller__isnull=False).order_by().values("controller_id")
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__tenant=current_tenant(), memberships__role=Role.CONTROLLER) | Q(pk__in=assigned)
        )
        .distinct()
        .order_by("username")
    )


class CreditListView(TenantPageMixin, TemplateView):
    """Clever Credit's page: every customer's credit position, sortable, filterable, every figure a link."""

    template_name = "workspace/credit_list.html"

    def get_context_data(self, **kwargs):

        context = super().get_context_data(**kwargs)
        shared = _credit_list_context(self.request, self.tenant)
        page = CappedStatisticsPaginator(shared["rows"], 50).get_page(self.request.GET.get("page"))
        slug = self.tenant.slug
        ledger_url = reverse("ledger-entries", kwargs={"tenant_slug": slug})
        links = credit_list.EntriesLinks(
            ledger_url=ledger_url,
            bands={b.position: b for b in shared["bands"]},
            basis=shared["basis"],
            branch=shared["branch"],
            todos_url=reverse("todos", kwargs={"tenant_slug": slug}),
            card_url=lambda pk: reverse("customer-card", kwargs={"tenant_slug": slug, "pk": pk}),
            # a manager reviews credit limits (the card's form); anyone else reads the review and history
            review_anchor="credit-review" if self.can(Role.MANAGER) else "credit-limit",
        )
        table = []
        for statistics in statistics_as_seen(
            page.object_list, user=self.request.user, branch_id=_branch_id(shared)
        ):
            table.append(
                {
                    "customer": statistics.customer,
                    "cells": credit_list.cells_html(statistics, shared["columns"], links),
                }
            )
        query = shared["data"].copy()
        query.pop("page", None)
        sortless = query.copy()
        sortless.pop("sort", None)
        chosen_keys = [c.key for c in shared["columns"]]
        this_view = shared["asked"].copy()
        this_view["columns"] = ",".join(chosen_keys)
        this_view = saved_views.view_query(this_view, _view_keys(shared["filter"]))
        asked = saved_views.view_query(shared["asked"], _view_keys(shared["filter"]))
        views = saved_views.saved_views(self.request.membership)
        columnless = query.copy()
        columnless.pop("columns", None)
        context.update(
            shared,
            page=page,
            table=table,
            ledger_url=ledger_url,
            interaction_url=reverse("interaction-create", kwargs={"tenant_slug": self.tenant.slug}),
            query=query.urlencode(),
            sortless=sortless.urlencode(),
            controllers=controllers_for_filter(),
            branches=branches_offered(shared["data"].get("branch")),
            former_controllers=former_controller_customers_exist(),
            groups=CustomerGroup.objects.select_related("parent"),
            chosen_keys=chosen_keys,
            views=[{**v, "current": v.get("query") in (asked, this_view)} for v in views],
            view_query=this_view,
            columnless=columnless.urlencode(),
            can_recalculate=self.can(Role.CONTROLLER),
            can_recalculate_all=self.can(Role.ADMIN),
        )
        return context


class CreditListColumnsView(TenantPageMixin, View):
    """Save which columns this user sees on the credit list, in the order given."""

    write_role = Role.VIEWER  # a personal setting: anyone may arrange their own page

    def post(self, request, *args, **kwargs):

        setup = AgingSetup.objects.filter().first()
        bands = list(AgingBand.objects.all())
        known = {c.key for c in credit_list.columns_all(bands, setup.basis if setup else "due_date")}
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


class CreditListViewsView(TenantPageMixin, View):
    """Save, delete or make default one of this user's credit list views (a personal setting, like the
    columns): `action` save (name, query, default), delete (name) or default (name; empty: none)."""

    write_role = Role.VIEWER

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "save")
        name = request.POST.get("name", "")
        membership = request.membership
        back = reverse("credit-list", kwargs={"tenant_slug": self.tenant.slug})
        if action == "delete":
            if saved_views.saved_view_delete(membership=membership, name=name):
                messages.success(request, f"View “{name}” deleted.")
            return redirect(back + "?sort=-overdue")
        if action == "default":
            saved_views.saved_view_make_default(membership=membership, name=name or None)
            view = saved_views.saved_view_default(membership)
            messages.success(
                request,
                f"“{view['name']}” opens when you come to the credit list." if view else "No default view.",
            )
            return redirect(f"{back}?{view['query']}" if view else f"{back}?sort=-overdue")
        filterset = CustomerStatisticsFilter(QueryDict(), queryset=CustomerStatistics.objects.none())
        try:
            asked = QueryDict(request.POST.get("query", "")[:4000])
        except TooManyFieldsSent:  # not a query the page wrote: keep nothing of it
            asked = QueryDict()
        query = saved_views.view_query(asked, _view_keys(filterset))
        try:
            view = saved_views.saved_view_save(
                membership=membership, name=name, query=query, default=bool(request.POST.get("default"))
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(f"{back}?{query}")
        messages.success(request, f"View “{view['name']}” saved.")
        return redirect(f"{back}?{query}")


class CreditListExportView(TenantPageMixin, View):
    """The filtered credit list as CSV, every row and every column, streamed."""

    def get(self, request, *args, **kwargs):

        shared = _credit_list_context(request, self.tenant)
        columns = shared["all_columns"]

        as_shown = statistics_as_seen(
            shared["rows"].iterator(chunk_size=2000), user=request.user, branch_id=_branch_id(shared)
        )
        rows = ([credit_list.cell_text(statistics, c) for c in columns] for statistics in as_shown)
        as_of = as_of_date(user=request.user)
        filename = f"credit-list-{self.tenant.slug}-{as_of:%Y-%m-%d}.csv"
        return csv_response(filename, [c.label for c in columns], rows)


class CreditListRecalculateView(TenantPageMixin, View):
    """Recalculate the selected customers now (controllers), or everything (admins), on the worker."""

    def post(self, request, *args, **kwargs):
        if request.POST.get("scope") == "all":
            if not self.can(Role.ADMIN):
                raise PermissionDenied("Only a tenant admin can recalculate everything.")
            try:  # one Recalculate All at a time: the service says so when one is queued or running
                recalculation_start(kind="all", user=request.user)
            except DomainError as error:
                messages.error(request, error.message)
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

    if "all_filtered" in request.POST:
        data = QueryDict(request.POST["all_filtered"])
        statuses = data.getlist("balance_status")
        queryset = CustomerStatistics.objects.all()
        if statuses:
            queryset = queryset.filter(balance_status__in=statuses)
            data = data.copy()
            data.setlist("balance_status", [])
        return list(
            CustomerStatisticsFilter(data, queryset=queryset, request=request).qs.values_list(
                "customer_id", flat=True
            )
        )
    return [int(i) for i in request.POST.getlist("customers") if i.isdigit()]
