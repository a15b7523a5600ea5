"""Import jobs started from the page: the uploaded file on disk, and the job's progress in the cache.

A job is known by a random id, and its state lives under a key that includes the tenant, so a job id
used under another tenant is simply not found (a 404, like a missing one).
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from creditcontrol.models import Tenant

JOB_TTL_SECONDS = 7 * 24 * 3600


def _key(tenant_id: int, job_id: str, namespace: str) -> str:
    return f"{namespace}:{tenant_id}:{job_id}"


def job_get(*, tenant_id: int, job_id: str, namespace: str = "ledger-import") -> dict | None:
    """A job's state; `namespace` keeps other imports' jobs (the ERP's PDFs: messaging) apart."""
    return cache.get(_key(tenant_id, str(job_id), namespace))


def job_update(*, tenant_id: int, job_id: str, namespace: str = "ledger-import", **changes) -> dict:
    state = job_get(tenant_id=tenant_id, job_id=job_id, namespace=namespace) or {}
    state.update(changes)
    cache.set(_key(tenant_id, str(job_id), namespace), state, JOB_TTL_SECONDS)
    return state


def upload_path(*, tenant: Tenant, job_id: str, kind: str = "") -> Path:
    suffix = f"-{kind}" if kind else ""
    return Path(settings.MEDIA_ROOT) / "imports" / tenant.slug / f"{job_id}{suffix}.csv"


def _keep(upload, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return str(path)


def import_job_start(*, tenant: Tenant, kind: str, upload, user, applications=None) -> str:
    """Keep the uploaded file (and, with entries, their applications: one feed, imported together) and
    queue its import once the request's transaction has committed."""
    from .tasks import import_file

    job_id = str(uuid.uuid4())
    path = _keep(upload, upload_path(tenant=tenant, job_id=job_id))
    applications_path = None
    if applications is not None:
        applications_path = _keep(
            applications, upload_path(tenant=tenant, job_id=job_id, kind="applications")
        )
    file_name = " and ".join(
        getattr(file, "name", "") or "upload.csv" for file in (upload, applications) if file is not None
    )
    job_update(
        tenant_id=tenant.pk,
        job_id=job_id,
        status="queued",
        kind=kind if applications is None else f"{kind} and applications",
        file_name=file_name,
        started_by=user.get_username() if user else "",
        phase="queued",
        percent=0,
        rows_done=0,
        rows_total=0,
        result=None,
    )
    transaction.on_commit(
        lambda: import_file.delay(
            tenant_id=tenant.pk,
            kind=kind,
            path=path,
            job_id=job_id,
            applications_path=applications_path,
            file_name=file_name,
        )
    )
    return job_id
