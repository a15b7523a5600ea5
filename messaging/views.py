"""Pages of messaging: a customer's statement (preview, download, send now or queue), the outbox and a
message, stored documents, and the tenant admin's templates and letterhead."""

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from aging.services import as_of_date
from creditcontrol.errors import DomainError
from creditcontrol.exports import attachment
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
from customers.models import Customer
from ledger.models import LedgerEntry

from . import documents, print_runs, selectors, services
from .models import (
    Batch,
    Channel,
    Document,
    EventSigningSecret,
    Message,
    MessageStatus,
    MessageTemplate,
    PrintRun,
    Purpose,
)
from .variables import CATALOGUE

KINDS = [("open_item", "Open items as of a date"), ("activity", "Activity in a period")]


class StatementForm(forms.Form):
    kind = forms.ChoiceField(choices=KINDS, initial="open_item", widget=forms.RadioSelect)
    as_of = forms.DateField(
        label="As of (the period's end)", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_start = forms.DateField(
        label="Period from", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    channel = forms.ChoiceField(
        choices=[c for c in Channel.choices if c[0] != Channel.SMS], initial=Channel.EMAIL
    )
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 14}), required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "activity" and not data.get("period_start"):
            self.add_error("period_start", "An activity statement needs the period's first day.")
        if data.get("kind") != "activity":
            data["period_start"] = None
        return data


class _CustomerPage(TenantPageMixin):
    def customer(self) -> Customer:
        if not hasattr(self, "_customer"):
            self._customer = get_object_or_404(
                Customer.objects.select_related("controller"), pk=self.kwargs["pk"]
            )
        return self._customer


class StatementView(_CustomerPage, TemplateView):
    """Compose a statement for one customer: the statement's date or period, the cover message filled from
    the template (shown as it will go out, editable), then Send now or Queue; or download the PDF."""

    template_name = "messaging/statement.html"

    def _initial(self) -> dict:
        return {"as_of": as_of_date(user=self.request.user), "kind": "open_item", "channel": Channel.EMAIL}

    def get_context_data(self, form=None, draft=None, problem=None, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.customer()
        form = form or StatementForm(initial=self._initial())
        if draft is None and problem is None:
            draft, problem = self._draft(customer, form.initial if not form.is_bound else None)
            if draft is not None and not form.is_bound:
                form = StatementForm(initial={**form.initial, "subject": draft.subject, "body": draft.body})
        values = form.cleaned_data if form.is_bound and form.is_valid() else form.initial
        context.update(
            customer=customer,
            form=form,
            draft=draft,
            problem=problem,
            pdf_query=_pdf_query(values),
            recent=selectors.customer_messages(customer=customer)[:5],
        )
        return context

    def _draft(self, customer, values, subject=None, body=None):
        values = values or self._initial()
        try:
            draft = services.message_draft(
                customer=customer,
                channel=values.get("channel") or Channel.EMAIL,
                purpose=Purpose.STATEMENT,
                as_of=values["as_of"],
                subject=subject,
                body=body,
            )
        except DomainError as error:
            return None, error.message
        return draft, None

    def post(self, request, *args, **kwargs):
        customer = self.customer()
        form = StatementForm(request.POST)
        action = request.POST.get("action", "preview")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, problem=""), status=400)
        data = form.cleaned_data
        if action == "preview":  # the template again, for the date and channel chosen
            draft, problem = self._draft(customer, data)
            if draft is not None:
                form = StatementForm(initial={**data, "subject": draft.subject, "body": draft.body})
            return self.render_to_response(self.get_context_data(form=form, draft=draft, problem=problem))
        draft, problem = self._draft(customer, data, subject=data["subject"], body=data["body"])
        if draft is None:
            form.add_error(None, problem)
            return self.render_to_response(self.get_context_data(form=form, problem=problem), status=400)
        try:
            message = services.message_create(
                draft=draft,
                user=request.user,
                send_now=action == "send",
                as_of=data["as_of"],
                period_start=data["period_start"],
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            return self.render_to_response(self.get_context_data(form=form, draft=draft), status=400)
        if action == "send":
            messages.success(request, f"Statement on its way to {message.recipient}.")
        else:
            messages.success(
                request, f"Statement for {message.recipient} is in the outbox, waiting for release."
            )
        return redirect("message", tenant_slug=self.tenant.slug, pk=message.pk)


def _pdf_query(values) -> str:
    as_of = values.get("as_of")
    query = f"as_of={as_of.isoformat()}" if isinstance(as_of, datetime.date) else ""
    start = values.get("period_start")
    if values.get("kind") == "activity" and isinstance(start, datetime.date):
        query += f"&period_start={start.isoformat()}"
    return query


class StatementPdfView(_CustomerPage, View):
    """One statement's PDF, rendered in the request (one document: a batch is rendered by workers)."""

    def get(self, request, *args, **kwargs):
        form = _PdfForm(request.GET or None)
        as_of, start = as_of_date(user=request.user), None
        if form.is_bound:
            if not form.is_valid():
                raise DomainError(" ".join(e for errors in form.errors.values() for e in errors))
            as_of = form.cleaned_data["as_of"] or as_of
            start = form.cleaned_data["period_start"]
        statement = documents.statement_build(customer=self.customer(), as_of=as_of, period_start=start)
        response = HttpResponse(documents.statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = attachment(documents.statement_filename(statement))
        return response


class _PdfForm(forms.Form):
    as_of = forms.DateField(required=False)
    period_start = forms.DateField(required=False)


class DocumentView(TenantPageMixin, View):
    """A stored document (a statement sent, a copy, the ERP's PDF)."""

    def get(self, request, *args, **kwargs):
        document = get_object_or_404(Document.objects.all(), pk=kwargs["pk"])
        response = HttpResponse(bytes(document.content), content_type=document.content_type)
        response["Content-Disposition"] = attachment(document.filename)
        return response


class OutboxView(TenantPageMixin, TemplateView):
    """Messages by status, the outbox first: what waits for review is released or discarded here."""

    template_name = "messaging/outbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", MessageStatus.OUTBOX)
        if status not in MessageStatus.values and status != "all":
            status = MessageStatus.OUTBOX
        counts = selectors.message_counts()
        queryset = selectors.messages(status=None if status == "all" else status)
        customer = self.request.GET.get("customer", "")
        if customer.isdigit():
            queryset = queryset.filter(customer_id=int(customer))
        context.update(
            status=status,
            tabs=[(value, label, counts[value]) for value, label in MessageStatus.choices],
            page=Paginator(queryset, 50).get_page(self.request.GET.get("page")),
            query=f"status={status}" + (f"&customer={customer}" if customer.isdigit() else ""),
            can_write=self.can(Role.CONTROLLER),
            letters_to_print=print_runs.letters_to_print().count(),
        )
        return context

    def post(self, request, *args, **kwargs):
        ids = [int(pk) for pk in request.POST.getlist("message") if pk.isdigit()]
        action = request.POST.get("action")
        chosen = list(Message.objects.filter(pk__in=ids, status=MessageStatus.OUTBOX))
        if not chosen:
            messages.error(request, "Tick the messages to release or discard.")
        else:
            act = services.message_release if action == "release" else services.message_discard
            for message in chosen:
                act(message=message, user=request.user)
            verb = "released to send" if action == "release" else "discarded"
            messages.success(request, f"{len(chosen)} message{'s' if len(chosen) != 1 else ''} {verb}.")
        return redirect(request.get_full_path())


class MessageView(TenantPageMixin, TemplateView):
    template_name = "messaging/message.html"

    def message(self) -> Message:
        return get_object_or_404(
            Message.objects.select_related("customer", "created_by", "released_by", "interaction"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        message = self.message()
        context.update(
            message=message, attached=list(message.documents.all()), can_write=self.can(Role.CONTROLLER)
        )
        return context

    def post(self, request, *args, **kwargs):
        message = self.message()
        if request.POST.get("action") == "release":
            services.message_release(message=message, user=request.user)
            messages.success(request, f"Released: on its way to {message.recipient}.")
        else:
            services.message_discard(message=message, user=request.user)
            messages.success(request, "Discarded: it will not be sent.")
        return redirect("message", tenant_slug=self.tenant.slug, pk=message.pk)


# --- setup: templates and letterhead (tenant admin) -----------------------------------------------------


class TemplateForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices)
    channel = forms.ChoiceField(choices=Channel.choices)
    name = forms.CharField(
        max_length=100, required=False, help_text="Reminders only: the name a chasing level chooses it by"
    )
    language = forms.CharField(max_length=10, initial="en", help_text="e.g. en, de, fr")
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 14}))
    preview_customer = forms.CharField(
        label="Preview on customer no.", max_length=20, required=False, help_text="Blank: the first customer"
    )


class _AdminPage(TenantPageMixin):
    read_role = write_role = Role.ADMIN


class TemplateListView(_AdminPage, TemplateView):
    template_name = "messaging/templates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = MessageTemplate.objects.all()
        return context


class TemplateEditView(_AdminPage, TemplateView):
    """One template: its text with variables, checked as it is saved; a preview filled for a real customer."""

    template_name = "messaging/template_form.html"

    def template(self) -> MessageTemplate | None:
        pk = self.kwargs.get("pk")
        return get_object_or_404(MessageTemplate.objects.all(), pk=pk) if pk else None

    def get_context_data(self, form=None, preview=None, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.template()
        if form is None:
            initial = (
                {
                    f: getattr(template, f)
                    for f in ("purpose", "channel", "name", "language", "subject", "body")
                }
                if template
                else {"language": "en", "channel": Channel.EMAIL, "purpose": Purpose.FREE}
            )
            form = TemplateForm(initial=initial)
            if template:
                preview = _preview(template.subject, template.body, "", template.channel)
        context.update(template=template, form=form, preview=preview, catalogue=CATALOGUE)
        return context

    def post(self, request, *args, **kwargs):
        form = TemplateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        preview = _preview(data["subject"], data["body"], data["preview_customer"], data["channel"])
        if request.POST.get("action") == "preview":
            return self.render_to_response(self.get_context_data(form=form, preview=preview))
        try:
            template = services.template_save(
                channel=data["channel"],
                purpose=data["purpose"],
                language=data["language"],
                name=data["name"],
                subject=data["subject"],
                body=data["body"],
                template=self.template(),
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            return self.render_to_response(self.get_context_data(form=form, preview=preview), status=400)
        messages.success(request, f"Template {template} saved.")
        return redirect("message-template", tenant_slug=self.tenant.slug, pk=template.pk)


def _preview(subject: str, body: str, customer_code: str, channel: str) -> dict:
    """The template filled for a real customer (by number, else the first), or why it cannot be."""
    customers = Customer.objects.select_related("controller").order_by("code")
    customer = customers.filter(code=customer_code).first() if customer_code else customers.first()
    if customer is None:
        return {"problem": f"No customer {customer_code}." if customer_code else "There is no customer yet."}
    try:
        draft = services.message_draft(
            customer=customer,
            channel=channel,
            purpose=Purpose.FREE,
            as_of=customer.tenant.today(),
            subject=subject,
            body=body,
        )
    except services.NoRecipient as error:
        return {"customer": customer, "problem": error.message}
    except DomainError as error:
        return {"customer": customer, "problem": error.message}
    return {"customer": customer, "subject": draft.subject, "body": draft.body, "to": draft.recipient.address}


class LetterheadForm(forms.Form):
    company_name = forms.CharField(max_length=200, required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    registration = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    bank_details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    remittance = forms.CharField(
        label="Remittance note", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    sender_name = forms.CharField(max_length=100, required=False)
    sender_email = forms.EmailField(required=False)
    reply_to = forms.EmailField(required=False, help_text="Blank: the customer's controller")
    logo = forms.FileField(required=False, help_text="PNG or JPEG, at most 512 KB")
    clear_logo = forms.BooleanField(required=False, label="Remove the logo")

    TEXT_FIELDS = (
        "company_name",
        "address",
        "registration",
        "bank_details",
        "remittance",
        "sender_name",
        "sender_email",
        "reply_to",
    )


class LetterheadView(_AdminPage, TemplateView):
    template_name = "messaging/letterhead.html"

    def get_context_data(self, form=None, new_secret=None, **kwargs):
        context = super().get_context_data(**kwargs)
        letterhead = documents.letterhead_get()
        form = form or LetterheadForm(initial={f: getattr(letterhead, f) for f in LetterheadForm.TEXT_FIELDS})
        context.update(form=form, letterhead=letterhead, logo=documents.logo_data_uri(letterhead))
        context.update(
            signing_secret=EventSigningSecret.objects.select_related("made_by").first(),
            new_secret=new_secret,
            signed_events_url=self.request.build_absolute_uri(
                reverse("message-events-signed-api", kwargs={"tenant_slug": self.tenant.slug})
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = LetterheadForm(request.POST, request.FILES)
        if form.is_valid():
            logo = form.cleaned_data["logo"]
            try:
                services.letterhead_update(
                    logo=logo.read() if logo else None,
                    logo_content_type=logo.content_type if logo else "",
                    clear_logo=form.cleaned_data["clear_logo"],
                    **{f: form.cleaned_data[f] for f in LetterheadForm.TEXT_FIELDS},
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, "Letterhead saved.")
                return redirect("letterhead", tenant_slug=self.tenant.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SigningSecretView(LetterheadView):
    """Make (or make anew) the secret the provider signs delivery events with: the letterhead page shows it
    this once; later only its first and last characters."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        secret = services.event_secret_rotate(user=request.user)
        messages.success(request, "A new signing secret was made: the old one no longer signs events.")
        response = self.render_to_response(self.get_context_data(new_secret=secret.secret))
        response["Cache-Control"] = "no-store"  # the secret is on this page, this once
        return response


class BatchView(TenantPageMixin, TemplateView):
    """A batch's progress and a result per customer: its message (and the message's status) or why it was
    skipped. While it runs, the section asks for itself again every second (htmx)."""

    def get_template_names(self):
        return ["messaging/_batch.html" if self.request.htmx else "messaging/batch.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = get_object_or_404(Batch.objects.select_related("created_by"), pk=self.kwargs["pk"])
        items = batch.items.select_related("customer", "message").order_by("position")
        context.update(batch=batch, items=items, skipped=sum(1 for i in items if i.skipped))
        return context


class PrintRunListView(TenantPageMixin, TemplateView):
    """The print runs, newest first; POST makes one of the queued letters (the Messages page's button)."""

    template_name = "messaging/print_runs.html"

    def get_context_data(self, problem=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            runs=Paginator(selectors.print_runs(), 50).get_page(self.request.GET.get("page")),
            letters_to_print=print_runs.letters_to_print().count(),
            can_write=self.can(Role.CONTROLLER),
            problem=problem,
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            run = print_runs.print_run_start(user=request.user)
        except DomainError as error:
            return self.render_to_response(self.get_context_data(problem=error.message), status=400)
        messages.success(request, f"Print run of {run.count} letter{'s' if run.count != 1 else ''} started.")
        return redirect("print-run", tenant_slug=self.tenant.slug, pk=run.pk)


class PrintRunView(TenantPageMixin, TemplateView):
    """A print run's letters (customer, address), its progress while the worker renders (the section asks
    for itself again every second), the reason it failed, or its PDF to download."""

    def get_template_names(self):
        return ["messaging/_print_run.html" if self.request.htmx else "messaging/print_run.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = get_object_or_404(selectors.print_runs(), pk=self.kwargs["pk"])
        letters = run.letters.select_related("customer", "contact").order_by(*print_runs.LETTER_ORDER)
        done = print_runs.print_run_progress(run)
        context.update(
            run=run,
            letters=letters,
            done=done,
            percent=100 if not run.count else int(done * 100 / run.count),
        )
        return context


class PrintRunPdfView(TenantPageMixin, View):
    def get(self, request, *args, **kwargs):
        return print_run_pdf_response(get_object_or_404(selectors.print_runs(), pk=kwargs["pk"]))


def print_run_pdf_response(run: PrintRun) -> HttpResponse:
    """A finished run's PDF (for the page and the API); a run without one is a 404, as a missing run."""
    if not run.pdf:
        raise Http404("The print run has no PDF.")
    response = HttpResponse(bytes(run.pdf), content_type="application/pdf")
    response["Content-Disposition"] = attachment(f"print-run-{run.pk}-{run.created_at:%Y-%m-%d}.pdf")
    return response


class CopiesForm(forms.Form):
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 10}), required=False)


class CopiesView(_CustomerPage, TemplateView):
    """Copies of a customer's documents by e-mail: the entries ticked on the ledger page (else its open
    invoices and credit memos to choose from), each attached as the ERP's own PDF where it sent one, else
    a copy made from the ledger's record."""

    template_name = "messaging/copies.html"

    def _entries(self, customer):
        documents_only = LedgerEntry.objects.filter(customer=customer).exclude(document_type="payment")
        return documents_only.order_by("-posting_date", "-id")

    def get_context_data(self, form=None, chosen=None, problem=None, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.customer()
        if chosen is None:
            chosen = {int(pk) for pk in self.request.GET.getlist("entries") if pk.isdigit()}
        entries = self._entries(customer)
        shown = entries.filter(pk__in=chosen) if chosen else entries.filter(is_open=True)[:50]
        draft = None
        if problem is None:
            try:
                draft = services.message_draft(
                    customer=customer,
                    purpose=Purpose.INVOICE_COPY,
                    as_of=as_of_date(user=self.request.user),
                )
            except DomainError as error:
                problem = error.message
        if form is None:
            form = CopiesForm(initial={"subject": draft.subject, "body": draft.body} if draft else {})
        context.update(
            customer=customer, entries=shown, chosen=chosen, form=form, draft=draft, problem=problem
        )
        return context

    def post(self, request, *args, **kwargs):
        customer = self.customer()
        form = CopiesForm(request.POST)
        chosen = {int(pk) for pk in request.POST.getlist("entries") if pk.isdigit()}
        entries = list(self._entries(customer).filter(pk__in=chosen))
        if not entries:
            form.is_valid()
            form.add_error(None, "Tick the documents to send copies of.")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, chosen=chosen), status=400)
        try:
            draft = services.message_draft(
                customer=customer,
                purpose=Purpose.INVOICE_COPY,
                as_of=as_of_date(user=request.user),
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
            message = services.message_create(
                draft=draft,
                user=request.user,
                send_now=request.POST.get("action") == "send",
                as_of=as_of_date(user=request.user),
                attach_statement=False,
                extra_documents=[documents.entry_copy(entry=entry, user=request.user) for entry in entries],
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            return self.render_to_response(self.get_context_data(form=form, chosen=chosen), status=400)
        copies = f"{len(entries)} cop{'y' if len(entries) == 1 else 'ies'}"
        if message.status == MessageStatus.OUTBOX:
            messages.success(request, f"{copies} for {message.recipient} in the outbox, waiting for release.")
        else:
            messages.success(request, f"{copies} on their way to {message.recipient}.")
        return redirect("message", tenant_slug=self.tenant.slug, pk=message.pk)
