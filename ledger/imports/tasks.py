"""Celery task: import an uploaded file into one tenant, writing its progress where the page can poll it."""

import logging
from contextlib import ExitStack
from pathlib import Path

from celery import shared_task

from creditcontrol import auditing
from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context

from .jobs import job_update
from .loader import import_feed

logger = logging.getLogger(__name__)


@shared_task(name="ledger.imports.import_file")
def import_file(
    *,
    tenant_id: int,
    kind: str,
    path: str,
    job_id: str,
    applications_path: str | None = None,
    file_name: str = "",
) -> dict:
    """Import the file of `kind` (with `applications_path`: entries and their applications, as one feed)."""
    tenant = Tenant.objects.get(pk=tenant_id)

    def progress(state: dict) -> None:
        job_update(tenant_id=tenant_id, job_id=job_id, status="running", **state)

    with tenant_context(tenant), auditing.context(source=auditing.IMPORT, job=job_id, file=file_name):
        try:
            with ExitStack() as files:
                sources = {kind: files.enter_context(open(path, "rb"))}  # noqa: SIM115
                if applications_path:
                    sources["applications"] = files.enter_context(open(applications_path, "rb"))  # noqa: SIM115
                result = import_feed(sources, progress=progress)
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
            for kept in (path, applications_path):
                if kept:
                    Path(kept).unlink(missing_ok=True)
    state = result.as_dict()
    job_update(tenant_id=tenant_id, job_id=job_id, status="done", phase="done", percent=100, result=state)
    return {key: state[key] for key in ("ok", "rows", "created", "updated", "unchanged")}
