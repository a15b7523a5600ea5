"""Celery tasks of messaging: one task per message, retried with backoff when a later attempt may help."""

import logging
from pathlib import Path

from celery import shared_task
from django.contrib.auth import get_user_model

from creditcontrol import auditing
from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context

from . import channels, print_runs, services
from .document_import import document_job_update, documents_import

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def backoff(retries: int) -> int:
    """Seconds before the next attempt: 1, 2, 4, 8, 16 minutes."""
    return 60 * 2**retries


@shared_task(bind=True, max_retries=MAX_ATTEMPTS - 1)
def deliver_message(self, tenant_id: int, message_id: int) -> str:
    with tenant_context(Tenant.objects.get(pk=tenant_id)):
        try:
            return services.message_deliver(message_id, last_attempt=self.request.retries >= self.max_retries)
        except channels.TryAgain as error:
            raise self.retry(exc=error, countdown=backoff(self.request.retries)) from error


@shared_task
def fail_stuck_messages() -> int:
    """Every quarter of an hour (creditcontrol/celery.py): messages a dead worker left *sending*, and print
    runs it left *running*."""
    failed = 0
    for tenant in Tenant.objects.all():
        with tenant_context(tenant):
            failed += services.messages_fail_stuck() + print_runs.print_runs_fail_stuck()
    return failed


@shared_task(bind=True, max_retries=3, default_retry_delay=30)
def run_batch(self, tenant_id: int, batch_id: int) -> int:
    """Make a slice of a batch's messages (each queued or sent by a deliver_message task of its own), then
    queue the next slice: the worker is given back between slices."""
    with tenant_context(Tenant.objects.get(pk=tenant_id)):
        try:
            batch, more = services.batch_run(batch_id, limit=services.BATCH_SLICE)
        except Exception as error:  # a lost connection: go on where it stopped
            raise self.retry(exc=error) from error
    if more:
        run_batch.delay(tenant_id, batch_id)
    return batch.done


@shared_task(name="messaging.import_documents")
def import_documents(
    *, tenant_id: int, path: str, job_id: str, file_name: str = "", user_id: int | None = None
) -> dict:
    """Import a zip of the ERP's PDFs (messaging.document_import), writing its progress where the page and
    the API read it."""
    tenant = Tenant.objects.get(pk=tenant_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None

    def progress(state: dict) -> None:
        document_job_update(tenant_id=tenant_id, job_id=job_id, status="running", **state)

    with tenant_context(tenant), auditing.context(source=auditing.IMPORT, job=job_id, file=file_name):
        try:
            with open(path, "rb") as source:
                result = documents_import(source=source, user=user, progress=progress)
        except Exception:
            logger.exception("document import %s of tenant %s failed", job_id, tenant_id)
            document_job_update(
                tenant_id=tenant_id,
                job_id=job_id,
                status="failed",
                result={
                    "ok": False,
                    "detail": "The import stopped unexpectedly: nothing was stored.",
                    "errors": [],
                },
            )
            raise
        finally:
            Path(path).unlink(missing_ok=True)
    state = result.as_dict()
    document_job_update(
        tenant_id=tenant_id, job_id=job_id, status="done", phase="done", percent=100, result=state
    )
    return {key: state[key] for key in ("ok", "files", "stored", "replaced", "unchanged")}


@shared_task
def make_print_run(tenant_id: int, run_id: int) -> str:
    """A print run's PDF: its letters rendered and marked sent in one transaction, or the run failed."""
    with tenant_context(Tenant.objects.get(pk=tenant_id)):
        return print_runs.print_run_make(run_id).status
