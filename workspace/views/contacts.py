"""A customer's contacts, added and edited from the customer card (the service keeps one primary and one
credit-control contact per customer)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error
from customers import services
from customers.forms import ContactForm
from customers.models import Contact, Customer

FIELDS = ("name", "position", "email", "phone", "is_primary", "is_credit_control_contact", "is_inactive")


class _ContactPage(TenantPageMixin, TemplateView):
    template_name = "workspace/contact_form.html"
    read_role = write_role = Role.CONTROLLER

    def contact(self) -> Contact:
        raise NotImplementedError

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = self.contact()
        initial = {name: getattr(contact, name) for name in FIELDS} if contact.pk else {}
        context.update(contact=contact, customer=contact.customer, form=form or ContactForm(initial=initial))
        return context

    def post(self, request, *args, **kwargs):
        contact = self.contact()
        form = ContactForm(request.POST)
        if form.is_valid():
            for name in FIELDS:
                setattr(contact, name, form.cleaned_data[name])
            try:
                services.contact_save(contact=contact)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"Contact {contact.name} saved.")
                return redirect("customer-card", tenant_slug=self.tenant.slug, pk=contact.customer_id)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ContactCreateView(_ContactPage):
    def contact(self) -> Contact:
        return Contact(customer=get_object_or_404(Customer.objects.all(), pk=self.kwargs["pk"]))


class ContactEditView(_ContactPage):
    def contact(self) -> Contact:
        if not hasattr(self, "_contact"):
            self._contact = get_object_or_404(
                Contact.objects.select_related("customer"), pk=self.kwargs["pk"]
            )
        return self._contact
