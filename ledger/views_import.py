"""Pages of the ERP imports: upload a file, then watch its progress and read the result (or the errors)."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView, View

from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin

from .imports.guide import DOCUMENTS, guide, guides
from .imports.jobs import import_job_start, job_get

KIND_CHOICES = [
    ("customers", "Customers"),
    ("entries", "Ledger entries"),
    ("applications", "Applications"),
]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, label="What the file holds")
    file = forms.FileField(label="CSV file (UTF-8, with a header row)")
    applications = forms.FileField(
        required=False,
        label="Their applications (optional)",
        help_text="With ledger entries: the applications file of the same feed, imported with them in one go.",
    )

    def clean(self):
        data = super().clean()
        if data.get("applications") and data.get("kind") != "entries":
            self.add_error("applications", "Applications can come with a file of ledger entries only.")
        return data


class ImportPageMixin(TenantPageMixin):
    read_role = Role.MANAGER
    write_role = Role.MANAGER


class ImportView(ImportPageMixin, TemplateView):
    template_name = "ledger/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm(initial={"kind": self.request.GET.get("kind", "entries")}))
        return context

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        job_id = import_job_start(
            tenant=self.tenant,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            applications=form.cleaned_data["applications"],
            user=request.user,
        )
        return redirect("ledger-import-job", tenant_slug=self.tenant.slug, job_id=job_id)


class ImportJobView(ImportPageMixin, TemplateView):
    template_name = "ledger/import_job.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = job_get(tenant_id=self.tenant.pk, job_id=kwargs["job_id"])
        if job is None:
            raise Http404("No such import.")
        context.update(job=job, job_id=kwargs["job_id"])
        return context


class ImportProgressView(ImportJobView):
    """The fragment the job page polls every second until the import is done."""

    template_name = "ledger/import_progress.html"


class ImportFormatsView(TenantPageMixin, TemplateView):
    """The import formats: each file's columns and what they mean, with a sample file of each to download."""

    template_name = "ledger/import_formats.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "guides": [*guides(), DOCUMENTS]}


class ImportSampleView(TenantPageMixin, View):
    """A sample file of one kind: the full header and a few rows that import as they are."""

    def get(self, request, *args, **kwargs):
        sample = guide(kwargs["kind"])
        if sample is None:
            raise Http404("No such import format.")
        response = HttpResponse(sample.sample, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{sample.filename}"'
        return response
