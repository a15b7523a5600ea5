"""Pages of the ERP's PDFs import: upload a zip of them, then watch its progress and read the result."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.pages import TenantPageMixin

from .document_import import document_import_start, document_job_get


class DocumentImportForm(forms.Form):
    file = forms.FileField(label="ZIP file of PDFs")


class _ImportPage(TenantPageMixin):
    read_role = Role.MANAGER
    write_role = Role.MANAGER


class DocumentImportView(_ImportPage, TemplateView):
    template_name = "messaging/document_import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DocumentImportForm())
        return context

    def post(self, request, *args, **kwargs):
        form = DocumentImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            job_id = document_import_start(
                tenant=self.tenant, upload=form.cleaned_data["file"], user=request.user
            )
        except DomainError as error:
            form.add_error("file", error.message)
            return self.render_to_response(self.get_context_data(form=form, errors=error.details), status=400)
        return redirect("document-import-job", tenant_slug=self.tenant.slug, job_id=job_id)


class DocumentImportJobView(_ImportPage, TemplateView):
    template_name = "messaging/document_import_job.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = document_job_get(tenant_id=self.tenant.pk, job_id=kwargs["job_id"])
        if job is None:
            raise Http404("No such import.")
        context.update(job=job, job_id=kwargs["job_id"])
        return context


class DocumentImportProgressView(DocumentImportJobView):
    """The fragment the job page polls every second until the import is done."""

    template_name = "messaging/document_import_progress.html"
