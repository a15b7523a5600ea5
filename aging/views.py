"""Pages of the aging app: the aging setup, recalculation runs with live progress, the work date."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from creditcontrol.errors import DomainError
from creditcontrol.formats import day_text
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin

from . import selectors, services
from .forms import AgingBandFormSet, AgingSetupForm, WorkDateForm, bands_from_formset
from .models import MAX_BANDS, RecalculationRun
from .services.recalculation import recalculation_runs_settle


class AgingSetupView(TenantPageMixin, TemplateView):
    template_name = "aging/setup.html"
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        setup = services.aging_setup_get()
        context.setdefault(
            "form",
            AgingSetupForm(
                initial={
                    "basis": setup.basis,
                    "use_work_date": setup.use_work_date,
                    "dso_period_days": setup.dso_period_days,
                    "nightly_recalculation_time": setup.nightly_recalculation_time,
                }
            ),
        )
        bands = [
            {"label": b.label, "from_days": b.from_days, "to_days": b.to_days}
            for b in selectors.aging_bands()
        ]
        context.setdefault(
            "bands", AgingBandFormSet(initial=bands + [{}] * (MAX_BANDS - len(bands)), prefix="bands")
        )
        context["setup"] = setup
        return context

    def post(self, request, *args, **kwargs):
        form = AgingSetupForm(request.POST)
        bands = AgingBandFormSet(request.POST, prefix="bands")
        problems = []
        if form.is_valid() and bands.is_valid():
            # the bands are checked before anything is written, so a bad band changes nothing
            problems = services.aging_bands_problems(bands_from_formset(bands))
            if not problems:
                services.aging_setup_update(**form.cleaned_data)
                services.aging_bands_replace(bands=bands_from_formset(bands))
                messages.success(
                    request, "Aging setup saved. The figures are stale until the next recalculation."
                )
                return redirect("aging-setup", tenant_slug=request.tenant.slug)
        return self.render_to_response(
            self.get_context_data(form=form, bands=bands, problems=problems), status=400
        )


class RecalculationRunsView(TenantPageMixin, TemplateView):
    template_name = "aging/recalculations.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        recalculation_runs_settle()  # a run whose worker stopped shows as failed, not as running
        context["active"] = list(selectors.recalculation_active())
        context["runs"] = selectors.recalculation_runs()[:50]
        context["totals"] = selectors.tenant_totals()
        context["can_recalculate_all"] = self.can(Role.ADMIN)
        context["can_recalculate_entries"] = self.can(Role.CONTROLLER)
        return context


class RecalculationStartView(TenantPageMixin, View):
    write_role = Role.CONTROLLER

    def post(self, request, *args, **kwargs):
        kind = request.POST.get("kind")
        if kind == RecalculationRun.Kind.ALL and not self.can(Role.ADMIN):
            messages.error(request, "Only a tenant admin can start Recalculate All.")
            return redirect("aging-recalculations", tenant_slug=request.tenant.slug)
        customer_ids = request.POST.getlist("customer") or None
        try:
            run = services.recalculation_start(kind=kind, user=request.user, customer_ids=customer_ids)
        except DomainError as exc:  # e.g. the task queue is not reachable: the run is failed and says so
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{run.get_kind_display()} queued.")
        return redirect("aging-recalculations", tenant_slug=request.tenant.slug)


class RecalculationProgressView(TenantPageMixin, TemplateView):
    """The live progress of one run (htmx polls it every second while it is active)."""

    template_name = "aging/_run_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        recalculation_runs_settle()
        context["run"] = get_object_or_404(RecalculationRun.objects.all(), pk=kwargs["pk"])
        context["poll"] = True  # the answer also swaps the run's row in the history (out of band)
        return context


class WorkDateView(TenantPageMixin, View):
    """Set or clear the user's work date from the top bar, then go back to the page it was set on."""

    write_role = Role.VIEWER  # a personal setting: anyone may choose their own date

    def post(self, request, *args, **kwargs):
        # Back to the page it was set on (the top bar's form sends no `next`: the page's query may hold
        # what the user searched for, which a form field would repeat in every page).
        back = request.POST.get("next") or request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("dashboard", kwargs={"tenant_slug": request.tenant.slug})
        form = WorkDateForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Work date: {' '.join(form.errors['work_date'])}")
            return redirect(back)
        try:
            chosen = services.work_date_set(
                user=request.user,
                work_date=None if "clear" in request.POST else form.cleaned_data["work_date"],
            )
        except DomainError as error:
            messages.error(request, f"Work date: {error.message}")
            return redirect(back)
        if chosen is None:
            messages.success(request, "Work date cleared: you work as of today.")
        else:
            messages.success(request, f"Work date set to {day_text(chosen)}.")
        return redirect(back)
