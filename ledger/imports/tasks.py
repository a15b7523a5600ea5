"""Celery task: import an uploaded file into one tenant, writing its progress where the page can poll it."""

import logging
from pathlib import Path

from celery import shared_task

from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context

from .jobs import job_update
from .loader import import_csv

logger = logging.getLogger(__name__)


@shared_task(name="ledger.imports.import_file")
def import_file(*, tenant_id: int, kind: str, path: str, job_id: str) -> dict:
    tenant = Tenant.objects.get(pk=tenant_id)

    def progress(state: dict) -> None:
        job_update(tenant_id=tenant_id, job_id=job_id, status="running", **state)

    with tenant_context(tenant):
        try:
            with open(path, "rb") as source:
                result = import_csv(kind=kind, source=source, progress=progress)
        except Exception:
            logger.exception("import %s of tenant %s failed", job_id, tenant_id)
            job_update(
                tenant_id=tenant_id,
                job_id=job_id,
                status="failed",
                result={
                    "ok": False,
                    "detail": "The import stopped unexpectedly: nothing was imported.",
                    "errors": [],
                },
            )
            raise
        finally:
            Path(path).unlink(missing_ok=True)
    state = result.as_dict()
    job_update(tenant_id=tenant_id, job_id=job_id, status="done", phase="done", percent=100, result=state)
    return {key: state[key] for key in ("ok", "rows", "created", "updated", "unchanged")}
