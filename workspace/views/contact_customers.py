"""Contact the customers chosen on the balance due report or the credit list: one message each, from a
template with variables, by e-mail, letter or SMS; who will be skipped and why is shown before anything
is made, and the first customer's message is previewed. The batch itself is messaging's."""

from django import forms
from django.shortcuts import redirect
from django.views.generic import TemplateView

from aging.services import as_of_date
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
from customers.models import Customer
from messaging import services as messaging
from messaging.models import Channel, Purpose

from .credit_list import selected_customer_ids

# A preview or a skip list names at most this many customers; the batch takes them all.
SHOWN = 50


class ContactForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    purpose = forms.ChoiceField(
        choices=[(Purpose.STATEMENT, "Statement of account (attached)"), (Purpose.FREE, "Message only")],
        initial=Purpose.STATEMENT,
    )
    as_of = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 12}))


class ContactCustomersView(TenantPageMixin, TemplateView):
    template_name = "workspace/contact_customers.html"
    read_role = write_role = Role.CONTROLLER

    def get(self, request, *args, **kwargs):
        return redirect("balance-due", tenant_slug=self.tenant.slug)

    def post(self, request, *args, **kwargs):
        if "ids" in request.POST:  # the form of this page
            ids = [int(pk) for pk in request.POST["ids"].split(",") if pk.isdigit()]
        else:  # the bulk form of the balance due report or the credit list
            ids = selected_customer_ids(request)
        found = list(Customer.objects.filter(pk__in=ids).order_by("code").values_list("pk", flat=True))
        if len(found) != len(set(ids)):  # another tenant's, another controller's, or none at all
            raise DomainError("No such customer.")
        ids = found
        action = request.POST.get("action", "")
        if action in ("send", "queue", "preview"):
            form = ContactForm(request.POST)
        else:
            form = ContactForm(initial=self._template_text(Channel.EMAIL, Purpose.STATEMENT))
        if action == "template" and ContactForm(request.POST).is_valid():
            data = ContactForm(request.POST).cleaned_data
            form = ContactForm(initial={**data, **self._template_text(data["channel"], data["purpose"])})
        if action in ("send", "queue") and form.is_valid():
            data = form.cleaned_data
            try:
                batch = messaging.batch_start(
                    customer_ids=ids,
                    channel=data["channel"],
                    purpose=data["purpose"],
                    as_of=data["as_of"],
                    subject=data["subject"],
                    body=data["body"],
                    send_now=action == "send",
                    user=request.user,
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                return redirect("message-batch", tenant_slug=self.tenant.slug, pk=batch.pk)
        status = 400 if action in ("send", "queue") else 200
        return self.render_to_response(self.get_context_data(form=form, ids=ids), status=status)

    def _template_text(self, channel: str, purpose: str) -> dict:
        template = messaging.template_for(purpose=purpose, channel=channel)
        return {
            "channel": channel,
            "purpose": purpose,
            "as_of": as_of_date(user=self.request.user),
            "subject": template.subject if template else "",
            "body": template.body if template else "",
        }

    def get_context_data(self, form, ids, **kwargs):
        context = super().get_context_data(**kwargs)
        values = form.cleaned_data if form.is_bound and form.is_valid() else form.initial
        channel = values.get("channel") or Channel.EMAIL
        skips = messaging.batch_skips(customer_ids=ids, channel=channel) if ids else {}
        customers = Customer.objects.in_bulk(ids)
        preview = None
        first = next((pk for pk in ids if pk not in skips), None)
        if first is not None and values.get("as_of") and values.get("body"):
            try:
                preview = messaging.message_draft(
                    customer=customers[first],
                    channel=channel,
                    purpose=values.get("purpose") or Purpose.STATEMENT,
                    as_of=values["as_of"],
                    subject=values.get("subject") or "",
                    body=values["body"],
                )
            except DomainError as error:
                preview = error.message
        context.update(
            form=form,
            ids=",".join(str(pk) for pk in ids),
            total=len(ids),
            sending=len(ids) - len(skips),
            skipped=[(customers[pk], reason) for pk, reason in list(skips.items())[:SHOWN]],
            skipped_count=len(skips),
            preview=preview,
            preview_is_error=isinstance(preview, str),
        )
        return context
