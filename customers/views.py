"""Setup pages of master data (mounted under /t/<tenant slug>/setup/): branches and payment terms, each a
list whose rows are edited in place, deactivated or reactivated, or deleted when nothing uses them (one in
use is refused, saying how many customers and entries use it: deactivate it instead), and a form for a new
one."""

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
    title = url_name = edit_url_name = row_url_name = what = ""
    action = ""  # "active" (POST active=1 or 0) or "delete" on a row's own address, else edit or create

    def create(self, **data):
        raise NotImplementedError

    def update(self, row, **data):
        raise NotImplementedError

    def set_active(self, row, active: bool):
        raise NotImplementedError

    def delete(self, row):
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
            active_url_name=f"{self.row_url_name}-active",
            delete_url_name=f"{self.row_url_name}-delete",
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
        if self.action:
            return self._row_action(request, row)
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

    def _row_action(self, request, row):
        """Deactivate, reactivate or delete a row; a refusal is shown on the row (400), nothing changed."""
        if self.action == "active":
            active = request.POST.get("active") == "1"
            self.set_active(row, active)
            state = "active again: offered for new choices" if active else "inactive: no longer offered"
            messages.success(request, f"{self.what} {row.code} is {state}.")
            return redirect(self.url_name, tenant_slug=self.tenant.slug)
        try:
            self.delete(row)
        except DomainError as error:
            prefix = f"row{row.pk}"
            failed = self.form_class(
                {f"{prefix}-{name}": getattr(row, name) for name in self.fields}, prefix=prefix
            )
            failed.is_valid()  # the row as stored, with the refusal on it
            failed.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(failed=(row, failed)), status=400)
        messages.success(request, f"{self.what} {row.code} deleted.")
        return redirect(self.url_name, tenant_slug=self.tenant.slug)


class BranchListView(_SetupList):
    model, form_class, fields = Branch, BranchForm, ("code", "name")
    title, url_name, edit_url_name, what = "Branches", "setup-branches", "setup-branch", "Branch"
    row_url_name = "setup-branch"

    def create(self, **data):
        return services.branch_create(**data)

    def update(self, row, **data):
        return services.branch_update(branch=row, **data)

    def set_active(self, row, active):
        return services.branch_set_active(branch=row, active=active)

    def delete(self, row):
        services.branch_delete(branch=row)


class PaymentTermsListView(_SetupList):
    model, form_class, fields = PaymentTerms, PaymentTermsForm, ("code", "description", "rule", "days")
    title, url_name, edit_url_name, what = (
        "Payment terms",
        "setup-payment-terms",
        "setup-payment-terms-edit",
        "Payment terms",
    )
    row_url_name = "setup-payment-terms"

    def create(self, **data):
        return services.payment_terms_create(**data)

    def update(self, row, **data):
        return services.payment_terms_update(payment_terms=row, **data)

    def set_active(self, row, active):
        return services.payment_terms_set_active(payment_terms=row, active=active)

    def delete(self, row):
        services.payment_terms_delete(payment_terms=row)
