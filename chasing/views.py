"""Pages of chasing: Setup > Chasing (the schedule, the freshness limit, the policies and their levels, the
groups' policies and pauses; a tenant admin's), the runs (start one), a run's proposal to review (release,
drop, close) and a reminder's own page (its items, its text edited, the message previewed)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
from customers.models import Branch, CustomerGroup
from ledger.feeds import ledger_fed_at

from . import selectors, services
from .forms import (
    DropForm,
    GroupChasingForm,
    LevelForm,
    PolicyForm,
    ReminderEditForm,
    RunStartForm,
    SetupForm,
)
from .models import ChasingLevel, ChasingPolicy, ChasingRun, GroupChasing, Reminder, ReminderStatus, RunStatus

# A proposal page lists this many reminders; Release all takes every one the user may see.
PAGE_SIZE = 100


class _AdminPage(TenantPageMixin):
    read_role = write_role = Role.ADMIN


# --- Setup > Chasing ------------------------------------------------------------------------------------


def _group_rows(failed=None):
    """Each customer group with its form (policy, pause), the one that failed with what was sent."""
    assigned = {row.group_id: row for row in GroupChasing.objects.select_related("policy")}
    rows = []
    for group in CustomerGroup.objects.select_related("parent").order_by("code"):
        if failed is not None and failed[0].pk == group.pk:
            form = failed[1]
        else:
            row = assigned.get(group.pk)
            form = GroupChasingForm(
                initial={
                    "policy": str(row.policy_id) if row and row.policy_id else "",
                    "paused_until": row.paused_until if row else None,
                    "reason": row.pause_reason if row else "",
                },
                prefix=f"group{group.pk}",
            )
        for field in form.fields.values():  # the row's inputs sit in cells: they name its form
            field.widget.attrs.update(
                form=f"group-{group.pk}", **{"aria-label": f"{field.label} of {group.code}"}
            )
        rows.append((group, assigned.get(group.pk), form))
    return rows


class SetupView(_AdminPage, TemplateView):
    """The schedule and the freshness limit, beside the ledger's last feed times; the policies; the groups."""

    template_name = "chasing/setup.html"

    def get_context_data(self, form=None, failed_group=None, **kwargs):
        context = super().get_context_data(**kwargs)
        setup = services.setup_get()
        form = form or SetupForm(
            initial={
                "scheduled": setup.scheduled,
                "weekdays": setup.weekdays,
                "run_at": setup.run_at,
                "freshness_days": setup.freshness_days,
            }
        )
        fed = ledger_fed_at()
        branches = Branch.objects.filter(pk__in=[pk for pk in fed if pk is not None]).order_by("code")
        context.update(
            setup=setup,
            form=form,
            fed_whole=fed.get(None),
            fed_branches=[(branch, fed[branch.pk]) for branch in branches],
            policies=ChasingPolicy.objects.prefetch_related("levels"),
            groups=_group_rows(failed_group),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = SetupForm(request.POST)
        if form.is_valid():
            try:
                services.setup_update(**form.cleaned_data)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, "Chasing schedule saved.")
                return redirect("chasing-setup", tenant_slug=self.tenant.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GroupChasingView(_AdminPage, View):
    """A customer group's policy and pause (its row on Setup > Chasing)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        group = get_object_or_404(CustomerGroup.objects.all(), pk=kwargs["pk"])
        form = GroupChasingForm(request.POST, prefix=f"group{group.pk}")
        if form.is_valid():
            data = form.cleaned_data
            policy = ChasingPolicy.objects.filter(pk=data["policy"]).first() if data["policy"] else None
            try:
                services.group_chasing_set(
                    group=group, policy=policy, paused_until=data["paused_until"], reason=data["reason"]
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"Chasing of group {group.code} saved.")
                return redirect(
                    reverse("chasing-setup", kwargs={"tenant_slug": self.tenant.slug}) + "#groups"
                )
        view = SetupView(request=request, kwargs={"tenant_slug": self.tenant.slug})
        return view.render_to_response(view.get_context_data(failed_group=(group, form)), status=400)


def _level_rows(policy, template_names, failed=None):
    rows = []
    for level in policy.levels.all():
        if failed is not None and failed[0] is not None and failed[0].pk == level.pk:
            form = failed[1]
        else:
            form = LevelForm(
                initial={name: getattr(level, name) for name in LevelForm.FIELDS},
                prefix=f"level{level.pk}",
                template_names=template_names,
            )
        for field in form.fields.values():
            field.widget.attrs.update(
                form=f"level-{level.pk}", **{"aria-label": f"{field.label} of level {level.number}"}
            )
        rows.append((level, form))
    return rows


class PolicyView(_AdminPage, TemplateView):
    """A policy's fields and its levels (add one after the last, edit each, remove the last)."""

    template_name = "chasing/policy.html"

    def policy(self) -> ChasingPolicy | None:
        pk = self.kwargs.get("pk")
        return get_object_or_404(ChasingPolicy.objects.all(), pk=pk) if pk else None

    def get_context_data(self, form=None, failed_level=None, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.policy()
        names = selectors.reminder_template_names()
        if form is None:
            initial = (
                {name: getattr(policy, name) for name in PolicyForm.FIELDS}
                if policy
                else {"minimum_overdue_lcy": "0.00", "contact_gap_days": 7, "repeat_last_times": 2}
                | {"repeat_after_days": 14, "attach_statement": True, "is_active": True}
            )
            form = PolicyForm(initial=initial)
        new_level = None
        if policy is not None:
            if failed_level is not None and failed_level[0] is None:
                new_level = failed_level[1]
            else:
                last = policy.levels.order_by("-number").first()
                new_level = LevelForm(
                    initial={
                        "channel": last.channel if last else "email",
                        "days": (last.days + 14) if last else 3,
                    },
                    prefix="new",
                    template_names=names,
                )
        for field in new_level.fields.values() if new_level is not None else ():
            field.widget.attrs.update(form="level-new", **{"aria-label": f"{field.label} of the new level"})
        context.update(
            policy=policy,
            form=form,
            levels=_level_rows(policy, names, failed_level) if policy else [],
            new_level=new_level,
            next_number=(policy.levels.count() + 1) if policy else 1,
            template_names=names,
        )
        return context

    def post(self, request, *args, **kwargs):
        policy = self.policy()
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = services.policy_save(policy=policy, **form.cleaned_data)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"Policy {policy.name} saved.")
                return redirect("chasing-policy", tenant_slug=self.tenant.slug, pk=policy.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LevelSaveView(_AdminPage, View):
    """Add a level after the policy's last (on the policy's address) or change one (on the level's)."""

    http_method_names = ["post"]
    adding = False

    def post(self, request, *args, **kwargs):
        if self.adding:
            policy, level = get_object_or_404(ChasingPolicy.objects.all(), pk=kwargs["pk"]), None
        else:
            level = get_object_or_404(ChasingLevel.objects.select_related("policy"), pk=kwargs["pk"])
            policy = level.policy
        names = selectors.reminder_template_names()
        form = LevelForm(
            request.POST, prefix="new" if level is None else f"level{level.pk}", template_names=names
        )
        if form.is_valid():
            try:
                saved = services.level_save(policy=policy, level=level, **form.cleaned_data)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"Level {saved.number} ({saved.name}) saved.")
                return redirect(
                    reverse("chasing-policy", kwargs={"tenant_slug": self.tenant.slug, "pk": policy.pk})
                    + "#levels"
                )
        view = PolicyView(request=request, kwargs={"tenant_slug": self.tenant.slug, "pk": policy.pk})
        return view.render_to_response(view.get_context_data(failed_level=(level, form)), status=400)


class LevelDeleteView(_AdminPage, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        level = get_object_or_404(ChasingLevel.objects.select_related("policy"), pk=kwargs["pk"])
        services.level_delete(level=level)
        messages.success(request, f"Level {level.number} ({level.name}) removed.")
        return redirect(
            reverse("chasing-policy", kwargs={"tenant_slug": self.tenant.slug, "pk": level.policy_id})
            + "#levels"
        )


# --- runs ------------------------------------------------------------------------------------------------


class RunListView(TenantPageMixin, TemplateView):
    """The runs, newest first, and the start of one (for every customer, as of a day)."""

    template_name = "chasing/runs.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=Paginator(selectors.runs(), 50).get_page(self.request.GET.get("page")),
            query="",
            form=form or RunStartForm(initial={"as_of": self.tenant.today()}),
            can_start=self.can(Role.CONTROLLER),
        )
        return context


class RunStartView(RunListView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = RunStartForm(request.POST)
        if form.is_valid():
            try:
                run = services.run_start(user=request.user, as_of=form.cleaned_data["as_of"])
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                return redirect("chasing-run", tenant_slug=self.tenant.slug, pk=run.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _run(pk) -> ChasingRun:
    return get_object_or_404(ChasingRun.objects.select_related("started_by"), pk=pk)


class RunView(TenantPageMixin, TemplateView):
    """A run: its progress while the proposal is made or the reminders are sent (htmx asks again every
    second), the proposal to review, the result per reminder, and the customers left out and why."""

    def get_template_names(self):
        return ["chasing/_run.html" if self.request.htmx else "chasing/run.html"]

    def get_context_data(self, drop_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        run = _run(self.kwargs["pk"])
        reminders = Paginator(selectors.run_reminders(run=run, left_out=False), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        left_out = Paginator(selectors.run_reminders(run=run, left_out=True), PAGE_SIZE).get_page(
            self.request.GET.get("left_page")
        )
        left_out.object_list = list(left_out.object_list)
        reminders.object_list = list(reminders.object_list)
        names = selectors.level_names()
        for reminder in [*reminders.object_list, *left_out.object_list]:
            reminder.level_name = names.get((reminder.policy_id, reminder.level), "")
        counts = selectors.run_counts(run=run)
        can_review = self.can(Role.CONTROLLER) and run.status in (RunStatus.PROPOSED, RunStatus.SENDING)
        context.update(
            run=run,
            reminders=reminders,
            page=reminders,
            query="",
            left_out=left_out,
            counts=counts,
            waiting=run.status in (RunStatus.PROPOSING, RunStatus.SENDING),
            can_review=can_review and counts[ReminderStatus.PROPOSED] > 0,
            can_close=self.can(Role.MANAGER) and run.status in (RunStatus.PROPOSED, RunStatus.SENDING),
            drop_form=drop_form or DropForm(),
        )
        return context


class RunReviewView(RunView):
    """Release or drop the ticked reminders, or release every proposed one the user may see."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = _run(kwargs["pk"])
        action = request.POST.get("action", "")
        ids = [int(pk) for pk in request.POST.getlist("reminder") if pk.isdigit() and len(pk) < 19]
        back = redirect("chasing-run", tenant_slug=self.tenant.slug, pk=run.pk)
        if action == "release_all":
            count = services.reminders_release(run=run, user=request.user)
            messages.success(request, f"{count} reminder{'s' if count != 1 else ''} released to send.")
            return back
        if not ids:
            raise DomainError("Tick the reminders to release or drop.")
        if action == "drop":
            form = DropForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(drop_form=form), status=400)
            count = services.reminders_drop(
                run=run, reminder_ids=ids, user=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"{count} reminder{'s' if count != 1 else ''} dropped.")
            return back
        count = services.reminders_release(run=run, reminder_ids=ids, user=request.user)
        messages.success(request, f"{count} reminder{'s' if count != 1 else ''} released to send.")
        return back


class RunCloseView(TenantPageMixin, View):
    """Close a run under review: what is still proposed is dropped (a manager's)."""

    read_role = write_role = Role.MANAGER
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = services.run_close(run=_run(kwargs["pk"]), user=request.user)
        messages.success(request, f"Run {run.pk} closed: what was still proposed is dropped.")
        return redirect("chasing-run", tenant_slug=self.tenant.slug, pk=run.pk)


class ReminderView(TenantPageMixin, TemplateView):
    """One reminder: its items, and the message it makes (the level's template, or its text as edited),
    previewed for the customer; edited while it is proposed."""

    template_name = "chasing/reminder.html"

    def reminder(self) -> Reminder:
        return get_object_or_404(
            Reminder.objects.select_related("run", "customer__controller", "policy", "message"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        reminder = self.reminder()
        draft, problem = None, ""
        if reminder.channel:
            try:
                draft, _level = services.reminder_draft(reminder=reminder)
            except DomainError as error:
                problem = error.message
        if form is None and draft is not None:
            form = ReminderEditForm(initial={"subject": draft.subject, "body": draft.body})
            if reminder.subject or reminder.body:  # the edited text, its variables not yet filled
                form = ReminderEditForm(initial={"subject": reminder.subject, "body": reminder.body})
        lines = reminder.lines.select_related("entry").order_by("entry__due_date", "entry_id")
        context.update(
            reminder=reminder,
            run=reminder.run,
            lines=lines,
            level_name=selectors.level_names().get((reminder.policy_id, reminder.level), ""),
            draft=draft,
            problem=problem,
            form=form,
            can_edit=self.can(Role.CONTROLLER) and reminder.status == ReminderStatus.PROPOSED,
        )
        return context


class ReminderEditView(ReminderView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        reminder = self.reminder()
        form = ReminderEditForm(request.POST)
        if form.is_valid():
            try:
                services.reminder_edit(
                    reminder=reminder, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"]
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, "Reminder text saved: the preview shows it as it will go out.")
                return redirect("chasing-reminder", tenant_slug=self.tenant.slug, pk=reminder.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)
