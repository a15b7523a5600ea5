"""Pages of the interactions app: interactions (create, lines, update selected entries), to-dos, status
codes, promises and the customer timeline (with its PDF)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from creditcontrol.errors import DomainError
from creditcontrol.exports import attachment
from creditcontrol.formats import day_text, moment_text
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
from creditcontrol.timeline import timeline_notes
from customers.models import Customer
from ledger.branches import branch_chosen, customers_in_branch_q
from ledger.models import LedgerEntry

from . import selectors, services
from .filters import InteractionFilter, PromiseFilter, ToDoFilter
from .forms import (
    InteractionForm,
    InteractionHeaderForm,
    StatusCodeForm,
    ToDoCloseForm,
    ToDoForm,
    UpdateEntriesForm,
)
from .models import EntryUpdate, Interaction, Promise, StatusCode, ToDo, ToDoStatus
from .services.entries import work_date


def _ids(values) -> list[int]:
    try:
        return [int(v) for v in values if str(v).strip()]
    except ValueError:
        raise Http404("Not an id.") from None


def page_caption(interaction) -> str:
    """The interaction's caption as pages write it: its date-time in the tenant's format and zone."""
    return f"{interaction.customer.name} · {moment_text(interaction.occurred_at)} · {interaction.description}"


class InteractionListView(TenantPageMixin, TemplateView):
    template_name = "interactions/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = InteractionFilter(
            self.request.GET or None, queryset=selectors.interactions_list(), request=self.request
        )
        page = Paginator(filterset.qs, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=filterset, page=page, query=query.urlencode())
        return context


class InteractionCreateView(TenantPageMixin, TemplateView):
    """New interaction: ?customer=<id>[&entries=<id>...] for one customer (those entries, else its open
    entries), or ?customers=<id>&customers=<id> for one interaction per customer (from the credit list)."""

    template_name = "interactions/create.html"
    read_role = Role.CONTROLLER  # a form to write with: a viewer is not offered it (creditcontrol.pages)

    def _target(self, data):
        customer_ids = _ids(data.getlist("customers"))
        if customer_ids:
            customers = list(Customer.objects.filter(pk__in=customer_ids))
            if len(customers) != len(set(customer_ids)):
                raise Http404("No such customer.")
            return None, customers, []
        code = (data.get("customer_code") or "").strip()
        if code:
            customer = Customer.objects.filter(code__iexact=code).first()
            return customer, [], []
        customer_ids = _ids(data.getlist("customer"))
        if not customer_ids:
            return None, [], []
        customer = get_object_or_404(Customer.objects.all(), pk=customer_ids[0])
        entry_ids = _ids(data.getlist("entries"))
        return customer, [], entry_ids

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        customer, customers, entry_ids = self._target(data)
        if customer is not None:
            if entry_ids:
                lines = LedgerEntry.objects.filter(customer=customer, pk__in=entry_ids)
                if lines.count() != len(set(entry_ids)):
                    raise Http404("No such entry.")
            else:
                lines = LedgerEntry.objects.filter(customer=customer, is_open=True)
            context["lines"] = lines.order_by("due_date", "id")[:500]
            context["contact"] = services.interactions.credit_control_contact(customer)
        if form is None:
            initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
            if customer is not None and context.get("contact"):
                initial["contact"] = context["contact"].pk
            form = InteractionForm(initial=initial, customer=customer)
        context.update(
            customer=customer,
            customers=customers,
            entry_ids=entry_ids,
            form=form,
            not_found=(data.get("customer_code") or "").strip() if customer is None and not customers else "",
        )
        return context

    def post(self, request, *args, **kwargs):
        customer, customers, entry_ids = self._target(request.POST)
        if customer is None and not customers:
            raise Http404("Choose a customer.")
        form = InteractionForm(request.POST, customer=customer)
        if form.is_valid():
            header = dict(form.cleaned_data)
            try:
                if customers:
                    header.pop("contact", None)
                    created = services.interactions_create_for_customers(
                        customer_ids=[c.pk for c in customers], user=request.user, **header
                    )
                    messages.success(request, f"{len(created)} interactions created.")
                    return redirect("interactions", tenant_slug=self.tenant.slug)
                interaction = services.interaction_create(
                    customer=customer, user=request.user, entry_ids=entry_ids or None, **header
                )
                messages.success(request, f"Interaction created: {page_caption(interaction)}.")
                return redirect("interaction", tenant_slug=self.tenant.slug, pk=interaction.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class InteractionDetailView(TenantPageMixin, TemplateView):
    template_name = "interactions/detail.html"

    def get_interaction(self) -> Interaction:
        try:
            return selectors.interaction_detail(interaction_id=self.kwargs["pk"])
        except Interaction.DoesNotExist:
            raise Http404("No such interaction.") from None

    def get_context_data(self, header_form=None, update_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        interaction = self.get_interaction()
        status_code = None
        if update_form is None:
            update_form = UpdateEntriesForm(
                initial={"query_resolution_target_date": work_date(self.request.user)}
            )
        else:
            status_code = getattr(update_form, "cleaned_data", {}).get("status_code")
        context.update(
            interaction=interaction,
            caption=page_caption(interaction),
            lines=selectors.interaction_lines(interaction=interaction),
            totals=selectors.interaction_selection_totals(interaction=interaction),
            header_form=header_form
            or InteractionHeaderForm(
                initial={
                    "notes": interaction.notes,
                    "next_interaction_date": interaction.next_interaction_date,
                }
            ),
            update_form=update_form,
            status_code=status_code,
            updates=EntryUpdate.objects.filter(interaction=interaction).select_related(
                "entry", "status_code", "query_resolution_by", "created_by"
            ),
            todos=ToDo.objects.filter(interaction=interaction).select_related("assigned_to"),
            promises=Promise.objects.filter(interaction=interaction),
            can_write=self.can(Role.CONTROLLER),
        )
        return context

    def post(self, request, *args, **kwargs):
        """Edit the header: notes and the next interaction date (which keeps the follow-up to-do in step)."""
        interaction = self.get_interaction()
        form = InteractionHeaderForm(request.POST)
        if form.is_valid():
            try:
                services.interaction_update(interaction=interaction, user=request.user, **form.cleaned_data)
                messages.success(request, "Interaction saved.")
                return redirect("interaction", tenant_slug=self.tenant.slug, pk=interaction.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
        return self.render_to_response(self.get_context_data(header_form=form), status=400)


class InteractionLinesView(TenantPageMixin, View):
    """Tick or untick one line (htmx: answers with the selected totals, which replace the old ones)."""

    def post(self, request, *args, **kwargs):
        interaction = get_object_or_404(Interaction.objects.all(), pk=kwargs["pk"])
        entry_ids = _ids(request.POST.getlist("entry"))
        selected = request.POST.get("selected") in ("on", "true", "1")
        # a DomainError goes to the page's error area (creditcontrol.pages.DomainErrorMiddleware)
        services.interaction_lines_select(interaction=interaction, entry_ids=entry_ids, selected=selected)
        if request.htmx:
            html = render_to_string(
                "interactions/_totals.html",
                {
                    "totals": selectors.interaction_selection_totals(interaction=interaction),
                    "tenant": self.tenant,
                },
                request=request,
            )
            return HttpResponse(html)
        return redirect("interaction", tenant_slug=self.tenant.slug, pk=interaction.pk)


class UpdateEntriesView(InteractionDetailView):
    """Update selected entries (POST only); errors come back on the interaction page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        interaction = self.get_interaction()
        form = UpdateEntriesForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                result = services.entries_update(interaction=interaction, user=request.user, **data)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                code = data["status_code"].code if data["status_code"] else "no status code"
                text = f"{len(result['entries'])} entries updated: {code}."
                if result["todos"]:
                    raised = "; ".join(f"{t.description} ({day_text(t.due_date)})" for t in result["todos"])
                    text += f" To-do{'s' if len(result['todos']) > 1 else ''}: {raised}."
                messages.success(request, text)
                return redirect("interaction", tenant_slug=self.tenant.slug, pk=interaction.pk)
        return self.render_to_response(self.get_context_data(update_form=form), status=400)


class EntryFieldsView(TenantPageMixin, TemplateView):
    """The fields a status code asks for (htmx fragment): promise fields, query fields, or nothing."""

    template_name = "interactions/_entry_fields.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("status_code") or ""
        status_code = StatusCode.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        initial = {"query_resolution_target_date": work_date(self.request.user)}
        if status_code is not None and status_code.query_resolution_by_me:
            initial["query_resolution_by"] = self.request.user.pk
        context.update(status_code=status_code, update_form=UpdateEntriesForm(initial=initial))
        return context


class ToDoListView(TenantPageMixin, TemplateView):
    template_name = "interactions/todos.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        data.setdefault("owner", "mine")
        data.setdefault("state", "open")
        queryset = ToDo.objects.select_related("customer", "assigned_to", "interaction").order_by(
            "due_date", "id"
        )
        branch = branch_chosen(self.request)
        if branch is not None:  # the branch context: to-dos of the customers in that branch
            queryset = queryset.filter(customers_in_branch_q(branch.pk, prefix="customer__"))
        filterset = ToDoFilter(data, queryset=queryset, request=self.request)
        page = Paginator(filterset.qs, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=filterset,
            page=page,
            query=query.urlencode(),
            owner=data["owner"],
            state=data["state"],
            today=self.tenant.today(),
            can_write=self.can(Role.CONTROLLER),
        )
        return context


class ToDoCreateView(TenantPageMixin, TemplateView):
    """A manual to-do or note reminder on a customer: ?customer=<id>."""

    template_name = "interactions/todo_form.html"
    read_role = Role.CONTROLLER  # a form to write with: a viewer is not offered it

    def get_customer(self):
        raw = self.request.POST.get("customer") or self.request.GET.get("customer") or ""
        if not raw.isdigit():
            return None
        return get_object_or_404(Customer.objects.all(), pk=int(raw))

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            customer=self.get_customer(),
            form=form
            or ToDoForm(
                initial={"due_date": work_date(self.request.user), "assigned_to": self.request.user.pk}
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        if customer is None:
            raise Http404("Choose a customer.")
        form = ToDoForm(request.POST)
        if form.is_valid():
            try:
                todo = services.todo_create(customer=customer, user=request.user, **form.cleaned_data)
                messages.success(
                    request, f"To-do created: {todo.description} (due {day_text(todo.due_date)})."
                )
                return redirect(reverse("todos", kwargs={"tenant_slug": self.tenant.slug}) + "?owner=all")
            except DomainError as error:
                form_add_domain_error(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ToDoCloseView(TenantPageMixin, View):
    def post(self, request, *args, **kwargs):
        todo = get_object_or_404(ToDo.objects.all(), pk=kwargs["pk"])
        form = ToDoCloseForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Reason: {' '.join(form.errors['reason'])}")
        else:
            try:
                services.todo_close(todo=todo, user=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, f"To-do closed: {todo.description}.")
            except DomainError as error:
                messages.error(request, error.message)
        back = request.POST.get("next", "")
        if not back.startswith(f"/t/{self.tenant.slug}/") or "//" in back:  # only back into this tenant
            back = reverse("todos", kwargs={"tenant_slug": self.tenant.slug})
        return redirect(back)


STATUS_CODE_FIELDS = (
    "code",
    "description",
    "promised",
    "queried",
    "query_resolution_by_me",
    "exclude_from_chasing",
)


class StatusCodeListView(TenantPageMixin, TemplateView):
    """The tenant's status codes; an admin edits each in place, deactivates or reactivates it, deletes one
    nothing uses (one on entries or in interactions' history is refused: deactivate it), or adds one."""

    template_name = "interactions/status_codes.html"
    write_role = Role.ADMIN
    action = ""  # on a row's address: "" edits it, "active" (active=1 or 0) or "delete"

    def get_context_data(self, form=None, failed=None, **kwargs):
        context = super().get_context_data(**kwargs)
        can_write = self.can(Role.ADMIN)
        rows = []
        for status_code in StatusCode.objects.all():
            if failed is not None and failed[0].pk == status_code.pk:
                row_form = failed[1]
            else:
                initial = {name: getattr(status_code, name) for name in STATUS_CODE_FIELDS}
                row_form = StatusCodeForm(initial=initial, prefix=f"row{status_code.pk}")
            for field in row_form.fields.values():  # the row's inputs sit in cells: they name its form
                field.widget.attrs.update(
                    form=f"edit-{status_code.pk}", **{"aria-label": f"{field.label} of {status_code.code}"}
                )
            rows.append((status_code, row_form))
        context.update(
            status_codes=[status_code for status_code, _ in rows],
            rows=rows if can_write else [],
            form=form or StatusCodeForm(prefix="new"),
            can_write=can_write,
        )
        return context

    def get(self, request, *args, **kwargs):
        if "pk" in kwargs:  # a row's address takes its forms; read, it is the list
            return redirect("status-codes", tenant_slug=self.tenant.slug)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        status_code = None
        if "pk" in kwargs:
            status_code = get_object_or_404(StatusCode.objects.all(), pk=kwargs["pk"])
        if self.action == "active":
            active = request.POST.get("active") == "1"
            services.status_code_set_active(status_code=status_code, active=active)
            state = "active again: offered for new interactions" if active else "inactive: no longer offered"
            messages.success(request, f"Status code {status_code.code} is {state}.")
            return redirect("status-codes", tenant_slug=self.tenant.slug)
        if self.action == "delete":
            try:
                services.status_code_delete(status_code=status_code)
            except DomainError as error:
                prefix = f"row{status_code.pk}"
                stored = {f"{prefix}-{name}": getattr(status_code, name) for name in STATUS_CODE_FIELDS}
                failed = StatusCodeForm(stored, prefix=prefix)
                failed.is_valid()  # the row as stored, with the refusal on it
                failed.add_error(None, error.message)
                context = self.get_context_data(failed=(status_code, failed))
                return self.render_to_response(context, status=400)
            messages.success(request, f"Status code {status_code.code} deleted.")
            return redirect("status-codes", tenant_slug=self.tenant.slug)
        prefix = f"row{status_code.pk}" if status_code else "new"
        form = StatusCodeForm(request.POST, prefix=prefix)
        if form.is_valid():
            try:
                if status_code is None:
                    saved = services.status_code_create(**form.cleaned_data)
                    messages.success(request, f"Status code {saved.code} created.")
                else:
                    saved = services.status_code_update(status_code=status_code, **form.cleaned_data)
                    messages.success(request, f"Status code {saved.code} saved.")
                return redirect("status-codes", tenant_slug=self.tenant.slug)
            except DomainError as error:
                form_add_domain_error(form, error)
        if status_code is not None:
            status_code.refresh_from_db()  # the row shows what is stored, its form what was sent
            context = self.get_context_data(failed=(status_code, form))
        else:
            context = self.get_context_data(form=form)
        return self.render_to_response(context, status=400)


class PromiseListView(TenantPageMixin, TemplateView):
    template_name = "interactions/promises.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = Promise.objects.select_related("customer", "controller").order_by(
            "promised_payment_date", "id"
        )
        branch = branch_chosen(self.request)
        if branch is not None:  # the branch context: promises of the customers in that branch
            queryset = queryset.filter(customers_in_branch_q(branch.pk, prefix="customer__"))
        filterset = PromiseFilter(self.request.GET or None, queryset=queryset, request=self.request)
        page = Paginator(filterset.qs, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=filterset,
            page=page,
            query=query.urlencode(),
            by_controller=selectors.promise_kept_rates(by="controller"),
            branch_uncut="the kept rates by controller are every branch's" if branch else "",
        )
        return context


def _timeline_context(view, customer_id):
    customer = get_object_or_404(Customer.objects.all(), pk=customer_id)
    events = selectors.customer_timeline(customer_id=customer.pk)
    notes = timeline_notes(ev["interaction"].pk for ev in events if ev.get("interaction"))
    for ev in events:
        if ev.get("interaction"):
            ev["notes"] = notes.get(ev["interaction"].pk, [])
    return {
        "customer": customer,
        "events": events,
        "promise_counts": selectors.customer_promise_counts(customer_id=customer.pk),
        "open_todos": ToDo.objects.filter(customer=customer, status=ToDoStatus.OPEN).count(),
    }


class CustomerTimelineView(TenantPageMixin, TemplateView):
    """The customer's timeline: a full page, or (htmx, on the customer card) just the section."""

    def get_template_names(self):
        return ["interactions/_timeline.html" if self.request.htmx else "interactions/timeline.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_timeline_context(self, self.kwargs["pk"]))
        return context


class CustomerTimelinePdfView(TenantPageMixin, View):
    def get(self, request, *args, **kwargs):
        import weasyprint

        context = _timeline_context(self, kwargs["pk"])
        context.update(tenant=self.tenant, printed_at=timezone.localtime())
        html = render_to_string("interactions/timeline_pdf.html", context, request=request)
        pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"timeline-{context['customer'].code}.pdf"
        response["Content-Disposition"] = attachment(filename)
        return response
