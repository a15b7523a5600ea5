"""Setup pages of master data (mounted under /t/<tenant slug>/setup/): branches and payment terms, each a
list whose rows are edited in place, and a form for a new one. Nothing is deleted here: customers and
entries refer to them (the API's DELETE refuses one in use)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin, form_add_domain_error

from . import services
from .models import Branch, PaymentTerms


class BranchForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)


class PaymentTermsForm(forms.Form):
    code = forms.CharField(max_length=20)
    description = forms.CharField(max_length=100, required=False)
    rule = forms.ChoiceField(choices=PaymentTerms.Rule.choices, initial=PaymentTerms.Rule.NET)
    days = forms.IntegerField(min_value=0, max_value=2_147_483_647, initial=30)


class _SetupList(TenantPageMixin, TemplateView):
    """A list of setup rows, each an edit form, and a form for a new row (errors shown where they arose)."""

    template_name = "customers/setup_list.html"
    read_role = write_role = Role.ADMIN
    model: type
    form_class: type[forms.Form]
    fields: tuple[str, ...]
    title = url_name = edit_url_name = what = ""

    def create(self, **data):
        raise NotImplementedError

    def update(self, row, **data):
        raise NotImplementedError

    def get_context_data(self, form=None, failed=None, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for row in self.model.objects.all():
            if failed is not None and failed[0].pk == row.pk:
                rows.append((row, failed[1]))
            else:
                initial = {name: getattr(row, name) for name in self.fields}
                rows.append((row, self.form_class(initial=initial, prefix=f"row{row.pk}")))
        for row, row_form in rows:  # a row's inputs sit in table cells: they name the row's form
            for field in row_form.fields.values():
                field.widget.attrs.update(
                    form=f"edit-{row.pk}", **{"aria-label": f"{field.label} of {row.code}"}
                )
        context.update(
            rows=rows,
            form=form or self.form_class(prefix="new"),
            title=self.title,
            what=self.what,
            edit_url_name=self.edit_url_name,
            fields=self.fields,
        )
        return context

    def get(self, request, *args, **kwargs):
        if "pk" in kwargs:  # a row's address takes its form; read, it is the list
            return redirect(self.url_name, tenant_slug=self.tenant.slug)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        row = None
        if "pk" in kwargs:
            row = get_object_or_404(self.model.objects.all(), pk=kwargs["pk"])
        form = self.form_class(request.POST, prefix=f"row{row.pk}" if row else "new")
        if form.is_valid():
            try:
                saved = self.update(row, **form.cleaned_data) if row else self.create(**form.cleaned_data)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"{self.what} {saved.code} saved.")
                return redirect(self.url_name, tenant_slug=self.tenant.slug)
        context = self.get_context_data(failed=(row, form)) if row else self.get_context_data(form=form)
        return self.render_to_response(context, status=400)


class BranchListView(_SetupList):
    model, form_class, fields = Branch, BranchForm, ("code", "name")
    title, url_name, edit_url_name, what = "Branches", "setup-branches", "setup-branch", "Branch"

    def create(self, **data):
        return services.branch_create(**data)

    def update(self, row, **data):
        return services.branch_update(branch=row, **data)


class PaymentTermsListView(_SetupList):
    model, form_class, fields = PaymentTerms, PaymentTermsForm, ("code", "description", "rule", "days")
    title, url_name, edit_url_name, what = (
        "Payment terms",
        "setup-payment-terms",
        "setup-payment-terms-edit",
        "Payment terms",
    )

    def create(self, **data):
        return services.payment_terms_create(**data)

    def update(self, row, **data):
        return services.payment_terms_update(payment_terms=row, **data)
