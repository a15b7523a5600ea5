"""Celery tasks of chasing: a run's proposal, the making of its released reminders, and the schedule."""

import datetime
import logging

from celery import shared_task

from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context

from . import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def propose_run(self, tenant_id: int, run_id: int) -> int:
    with tenant_context(Tenant.objects.get(pk=tenant_id)):
        try:
            run = services.run_propose(run_id)
        except Exception as error:  # a lost connection: the proposal is one transaction, made again
            if self.request.retries >= self.max_retries:
                services.run_fail(run_id, f"The proposal could not be made: {error}")
                raise
            raise self.retry(exc=error) from error
    return run.proposed


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def send_run(self, tenant_id: int, run_id: int) -> None:
    """Make a slice of the run's released reminders, then queue the next slice."""
    with tenant_context(Tenant.objects.get(pk=tenant_id)):
        try:
            more = services.run_send(run_id, limit=services.SEND_SLICE)
        except Exception as error:
            raise self.retry(exc=error) from error
    if more:
        send_run.delay(tenant_id, run_id)


@shared_task
def start_scheduled_runs(now: str | None = None) -> int:
    """Every quarter of an hour (Celery beat): each tenant's run whose day and time have come. `now` (ISO
    8601 with its offset) stands in for the clock, for a test or a run caught up by hand."""
    moment = datetime.datetime.fromisoformat(now) if now else None
    started = 0
    for tenant in Tenant.objects.all():
        try:
            with tenant_context(tenant):
                started += services.run_if_scheduled(now=moment) is not None
        except Exception:  # one tenant's trouble does not keep the others' runs from starting
            logger.exception("The scheduled chasing run of tenant %s could not start", tenant.slug)
    return started
