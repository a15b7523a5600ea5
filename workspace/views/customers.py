"""Customer pages: the customer list, the customer card (with the credit review), fact boxes, search."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from aging.selectors import statistics_as_seen
from audit import selectors as audit_selectors
from chasing import selectors as chasing_selectors
from chasing.forms import CustomerChasingForm, PauseForm
from creditcontrol import scope
from creditcontrol.charts import credit_review_svg
from creditcontrol.errors import DomainError
from creditcontrol.formats import money_text
from creditcontrol.members import controller_choices
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, domain_error_problems
from customers import services
from customers.filters import CustomerFilter
from customers.forms import CreditLimitReviewForm
from customers.models import Customer
from customers.selectors import former_controller_customers_exist
from interactions.models import Interaction
from interactions.selectors import queried_totals
from ledger.branches import customers_in_branch_q
from ledger.models import LedgerEntry

from .. import selectors
from ..context import branch_context


class CustomerListView(TenantPageMixin, TemplateView):
    template_name = "workspace/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customers_qs = Customer.objects.all()
        branch = branch_context(self.request)
        if branch is not None:  # the branch context: its customers and those with entries there
            customers_qs = customers_qs.filter(customers_in_branch_q(branch.pk))
        filterset = CustomerFilter(self.request.GET or None, queryset=customers_qs, request=self.request)
        sort = self.request.GET.get("sort", "code")
        customers = selectors.customer_list(filterset_qs=filterset.qs, sort=sort)
        page = Paginator(customers, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        can_assign = self.can(Role.MANAGER)
        context.update(
            filter=filterset,
            page=page,
            sort=sort,
            query=query.urlencode(),
            can_assign=can_assign,
            controllers=controller_choices() if can_assign else [],
            former_controllers=former_controller_customers_exist(),
        )
        return context


class CustomerAssignView(TenantPageMixin, View):
    """Assign a controller to the ticked customers, or to every customer the list's filter matches."""

    read_role = write_role = Role.MANAGER
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        query = QueryDict(request.POST.get("query", "")[:4000])
        back = f"{reverse('customers', kwargs={'tenant_slug': self.tenant.slug})}?{query.urlencode()}"
        controller = request.POST.get("controller", "")
        if not controller.isdigit() or len(controller) > 18:
            messages.error(request, "Choose the controller to assign.")
            return redirect(back)
        if request.POST.get("scope") == "filter":
            filterset = CustomerFilter(query, queryset=Customer.objects.all(), request=request)
            if not filterset.is_valid():
                messages.error(request, "The filter is not valid: filter the list again.")
                return redirect(back)
            customers = filterset.qs
        else:
            ids = [
                value for value in request.POST.getlist("customers") if value.isdigit() and len(value) < 19
            ]
            if not ids:
                messages.error(request, "Tick the customers to assign, or choose all that match the filter.")
                return redirect(back)
            customers = Customer.objects.filter(pk__in=ids)
        try:
            changed = services.customers_controller_assign(customers=customers, controller_id=int(controller))
        except DomainError as error:
            messages.error(request, " ".join([error.message, *domain_error_problems(error)]))
            return redirect(back)
        name = get_user_model().objects.get(pk=int(controller)).get_username()
        messages.success(request, f"{changed} customer{'' if changed == 1 else 's'} assigned to {name}.")
        return redirect(back)


class CustomerCardView(TenantPageMixin, TemplateView):
    template_name = "workspace/card.html"
    write_role = Role.MANAGER  # the only write here is the credit limit review

    def get_customer(self):
        try:
            return selectors.customer_card(customer_id=self.kwargs["pk"])
        except Customer.DoesNotExist:
            raise Http404("No such customer.") from None

    def get_context_data(self, form=None, pause_form=None, chasing_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.get_customer()
        chased = chasing_selectors.customer_chasing(customer)
        today = self.tenant.today()
        points = selectors.credit_review_series(customer=customer, until=today)
        context.update(
            customer=customer,
            statistics=_statistics_as_seen(self.request, customer),
            balance_now=points[-1]["balance"],
            chart=credit_review_svg(points, currency=self.tenant.local_currency),
            # the entry table prints each entry's customer and branch: fetched with the entries, not per row
            open_entries=LedgerEntry.objects.filter(customer=customer, is_open=True)
            .select_related("customer", "branch")
            .order_by("due_date", "id")[:25],
            open_count=LedgerEntry.objects.filter(customer=customer, is_open=True).count(),
            form=form or CreditLimitReviewForm(),
            can_review=self.can(Role.MANAGER),
            can_edit_contacts=self.can(Role.CONTROLLER),
            today=today,
            audit_changes=audit_selectors.customer_changes(customer_id=customer.pk),
            chasing=chased,
            can_chase=self.can(Role.CONTROLLER),
            pause_form=pause_form or PauseForm(prefix="pause"),
            chasing_form=chasing_form
            or CustomerChasingForm(
                prefix="chasing",
                initial={
                    "policy": str(chased["own"].policy_id)
                    if chased["own"] and chased["own"].policy_id
                    else "",
                    "excluded": chased["excluded"],
                },
            ),
            **_disputed(customer),
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
        limit = (
            "no limit"
            if change.new_limit_lcy is None
            else money_text(change.new_limit_lcy, self.tenant.local_currency)
        )
        messages.success(request, f"Credit limit reviewed: {limit}.")
        return redirect("customer-card", tenant_slug=self.tenant.slug, pk=customer.pk)


class FactBoxView(TenantPageMixin, TemplateView):
    """The fact boxes beside the credit list for one customer (loaded with htmx when a row is chosen)."""

    template_name = "workspace/factbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = get_object_or_404(
            Customer.objects.select_related("statistics", "payment_terms", "group", "branch", "controller"),
            pk=self.kwargs["pk"],
        )
        context.update(
            customer=customer,
            statistics=_statistics_as_seen(self.request, customer),
            contact=customer.contacts.filter(is_credit_control_contact=True, is_inactive=False).first()
            or customer.contacts.filter(is_primary=True).first(),
            # the last five, newest first, each a link to the interaction
            interactions=Interaction.objects.filter(customer=customer)
            .select_related("controller")
            .order_by("-occurred_at", "-id")[:5],
            todos_url=reverse("todos", kwargs={"tenant_slug": self.tenant.slug}),
            **_disputed(customer),
        )
        return context


def _disputed(customer: Customer) -> dict:
    """Disputed (queried): the open remaining amount (LCY) of the customer's queried entries, and how many."""
    amount, count = queried_totals([customer.pk]).get(customer.pk, (Decimal("0.00"), 0))
    return {"disputed_lcy": amount, "disputed_count": count}


class SearchView(TenantPageMixin, TemplateView):
    """Find customers (number, name, city), documents (number) and contacts (name, e-mail) from anywhere."""

    template_name = "workspace/search.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        q = request.GET.get("q", "").strip()
        results = selectors.search(q=q) if q else None
        # A whole customer number, or the only thing found, opens that customer's card.
        if results is not None and results.customers.rows:
            first = results.customers.rows[0]
            if first.code.upper() == q.upper() or results.total == 1:
                return redirect("customer-card", tenant_slug=self.tenant.slug, pk=first.pk)
        context.update(
            q=q,
            results=results,
            min_infix=selectors.SEARCH_MIN_INFIX,
            scoped=scope.scoped_controller_id() is not None,
        )
        return self.render_to_response(context)


def _statistics_as_seen(request, customer):
    statistics = getattr(customer, "statistics", None)
    return None if statistics is None else next(iter(statistics_as_seen([statistics], user=request.user)))
