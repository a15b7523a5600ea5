"""Celery tasks of the aging app: each takes ids, enters the tenant and calls one service."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from creditcontrol.errors import DomainError
from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context

from . import services
from .services.recalculation import recalculation_runs_settle

logger = logging.getLogger(__name__)


def _user(user_id):
    return None if user_id is None else get_user_model().objects.filter(pk=user_id).first()


@shared_task(bind=True, max_retries=12, default_retry_delay=300)
def recalculate_all_task(self, *, tenant_id: int, trigger: str = "manual", run_id=None, user_id=None):
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_context(tenant):
        try:
            run = services.recalculate_all(trigger=trigger, run_id=run_id, user=_user(user_id))
        except DomainError as exc:
            if exc.code == "already_running" and run_id is None:
                raise self.retry(exc=exc) from exc  # the nightly run waits for a manual one to finish
            raise
    if run is None:
        return None  # a delivery for a run that is not queued any more (see _run_claim): nothing done
    services.statistics_vacuum()
    return run.pk


@shared_task
def recalculate_entries_task(
    *, tenant_id: int, trigger: str = "posting", customer_ids=None, run_id=None, user_id=None
):
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_context(tenant):
        run = services.recalculate_entries(
            trigger=trigger, customer_ids=customer_ids, run_id=run_id, user=_user(user_id)
        )
    return None if run is None else run.pk


@shared_task
def dispatch_nightly_recalculations():
    """Every quarter hour (creditcontrol/celery.py): start tonight's Recalculate All where it is due."""
    due = services.nightly_recalculations_due()
    for tenant_id in due:
        recalculate_all_task.delay(tenant_id=tenant_id, trigger="nightly")
    return due


@shared_task
def settle_recalculation_runs():
    """Every five minutes (creditcontrol/celery.py): fail the runs whose worker stopped, in every tenant,
    so that a killed run says so even if nobody looks at it or starts another one."""
    settled = {}
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant):
            failed = recalculation_runs_settle()
        if failed:
            settled[tenant.pk] = failed
            logger.warning("Recalculation runs of tenant %s whose worker stopped: %s", tenant.pk, failed)
    return settled
