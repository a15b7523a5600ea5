"""Jobs: the zip kept on disk until its task has run, the progress in the cache (`ledger.imports.jobs`,
under a namespace of its own)."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from creditcontrol.models import Tenant
from ledger.imports.jobs import job_get, job_update

from .zips import document_import_check

JOB_NAMESPACE = "document-import"


def upload_path(*, tenant: Tenant, job_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / tenant.slug / f"{job_id}-documents.zip"


def document_job_get(*, tenant_id: int, job_id: str) -> dict | None:
    return job_get(tenant_id=tenant_id, job_id=job_id, namespace=JOB_NAMESPACE)


def document_job_update(*, tenant_id: int, job_id: str, **changes) -> dict:
    return job_update(tenant_id=tenant_id, job_id=job_id, namespace=JOB_NAMESPACE, **changes)


def document_import_start(*, tenant: Tenant, upload, user) -> str:
    """Check the zip's directory at once (a DomainError listing every problem), keep the file and queue its
    import once the request's transaction has committed."""
    from ..tasks import import_documents

    source = getattr(upload, "file", upload)
    source.seek(0)
    document_import_check(source)
    job_id = str(uuid.uuid4())
    path = upload_path(tenant=tenant, job_id=job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    source.seek(0)
    with open(path, "wb") as out:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            out.write(chunk)
    file_name = getattr(upload, "name", "") or "documents.zip"
    document_job_update(
        tenant_id=tenant.pk,
        job_id=job_id,
        status="queued",
        kind="documents",
        file_name=file_name,
        started_by=user.get_username() if user else "",
        phase="queued",
        percent=0,
        rows_done=0,
        rows_total=0,
        result=None,
    )
    transaction.on_commit(
        lambda: import_documents.delay(
            tenant_id=tenant.pk,
            path=str(path),
            job_id=job_id,
            file_name=file_name,
            user_id=user.pk if user else None,
        )
    )
    return job_id
