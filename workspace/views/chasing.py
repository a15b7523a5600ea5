"""Chasing from the workspace: a customer's pause, resume, exclusion and policy (the card's Chasing panel),
and the customers ticked on the credit list paused, resumed or chased in a run of their own."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView

from chasing import services as chasing
from chasing.forms import CustomerChasingForm, PauseForm, RunStartForm
from chasing.models import ChasingPolicy
from creditcontrol.errors import DomainError
from creditcontrol.formats import day_text
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
from customers.models import Customer

from .credit_list import selected_customer_ids
from .customers import CustomerCardView

# The ticked customers' page names at most this many; the action takes them all.
SHOWN = 50


class CustomerChasingView(CustomerCardView):
    """The card's Chasing panel: pause until a day (with a reason), resume, or set the customer's own policy
    and exclusion. A refusal is shown on the card, on the field."""

    read_role = write_role = Role.CONTROLLER
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        customer = get_object_or_404(Customer.objects.all(), pk=kwargs["pk"])
        action = request.POST.get("action", "")
        back = (
            reverse("customer-card", kwargs={"tenant_slug": self.tenant.slug, "pk": customer.pk}) + "#chasing"
        )
        customers = Customer.objects.filter(pk=customer.pk)
        if action == "resume":
            chasing.customers_pause(customers=customers, until=None, user=request.user)
            messages.success(request, f"Chasing of {customer.code} resumed.")
            return redirect(back)
        if action == "pause":
            form = PauseForm(request.POST, prefix="pause")
            if form.is_valid():
                try:
                    chasing.customers_pause(
                        customers=customers,
                        until=form.cleaned_data["paused_until"],
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
                except DomainError as error:
                    form_add_domain_error(form, error)
                else:
                    until = day_text(form.cleaned_data["paused_until"])
                    messages.success(request, f"Chasing of {customer.code} paused until {until}.")
                    return redirect(back)
            return self.render_to_response(self.get_context_data(pause_form=form), status=400)
        form = CustomerChasingForm(request.POST, prefix="chasing")
        if form.is_valid():
            chosen = form.cleaned_data["policy"]
            policy = ChasingPolicy.objects.filter(pk=chosen).first() if chosen else None
            try:
                chasing.customer_chasing_set(
                    customer=customer, policy=policy, excluded=form.cleaned_data["excluded"]
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"Chasing of {customer.code} saved.")
                return redirect(back)
        return self.render_to_response(self.get_context_data(chasing_form=form), status=400)


class CustomersChasingView(TenantPageMixin, TemplateView):
    """The customers ticked on the credit list: Resume chasing at once; Pause chasing… (until a day, with a
    reason) and Chase… (a run of their own, as of a day) on this page first."""

    template_name = "workspace/customers_chasing.html"
    read_role = write_role = Role.CONTROLLER

    def get(self, request, *args, **kwargs):
        return redirect("credit-list", tenant_slug=self.tenant.slug)

    def post(self, request, *args, **kwargs):
        if "ids" in request.POST:  # the form of this page
            ids = [int(pk) for pk in request.POST["ids"].split(",") if pk.isdigit() and len(pk) < 19]
        else:  # the ticked rows of the credit list
            ids = [pk for pk in selected_customer_ids(request) if pk < 2**63]
        query = request.POST.get("query", "")[:4000]
        try:
            back = (
                reverse("credit-list", kwargs={"tenant_slug": self.tenant.slug})
                + "?"
                + QueryDict(query).urlencode()
            )
        except Exception:  # noqa: BLE001 — not a query the page wrote: back to the plain list
            back = reverse("credit-list", kwargs={"tenant_slug": self.tenant.slug})
        if not ids:
            messages.error(request, "Tick the customers first.")
            return redirect(back)
        customers = Customer.objects.filter(pk__in=ids)
        found = sorted(customers.values_list("pk", flat=True))
        if found != sorted(set(ids)):  # another tenant's, another controller's, or none at all
            raise DomainError("No such customer.")
        action = request.POST.get("action", "")
        count = len(found)
        plural = "s" if count != 1 else ""
        if action == "resume":
            chasing.customers_pause(customers=customers, until=None, user=request.user)
            messages.success(request, f"Chasing resumed for {count} customer{plural}.")
            return redirect(back)
        if action == "pause":
            form = PauseForm(request.POST)
            if form.is_valid():
                try:
                    chasing.customers_pause(
                        customers=customers,
                        until=form.cleaned_data["paused_until"],
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
                except DomainError as error:
                    form_add_domain_error(form, error)
                else:
                    until = day_text(form.cleaned_data["paused_until"])
                    messages.success(request, f"Chasing of {count} customer{plural} paused until {until}.")
                    return redirect(back)
            return self._page(form, "pause", found, query, status=400)
        if action == "chase":
            form = RunStartForm(request.POST)
            if form.is_valid():
                try:
                    run = chasing.run_start(
                        user=request.user, as_of=form.cleaned_data["as_of"], customer_ids=found
                    )
                except DomainError as error:
                    form_add_domain_error(form, error)
                else:
                    return redirect("chasing-run", tenant_slug=self.tenant.slug, pk=run.pk)
            return self._page(form, "chase", found, query, status=400)
        if action == "chase-form":
            return self._page(RunStartForm(initial={"as_of": self.tenant.today()}), "chase", found, query)
        return self._page(PauseForm(), "pause", found, query)

    def _page(self, form, what, ids, query, status=200):
        context = self.get_context_data(
            form=form,
            what=what,
            ids=",".join(str(pk) for pk in ids),
            total=len(ids),
            shown=Customer.objects.filter(pk__in=ids).order_by("code")[:SHOWN],
            query=query,
        )
        return self.render_to_response(context, status=status)
