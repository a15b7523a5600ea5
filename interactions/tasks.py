"""Celery tasks of the interactions app: each takes ids, enters the tenant and calls one service."""

from celery import shared_task

from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context

from . import services


@shared_task(bind=True, max_retries=3, default_retry_delay=300)
def evaluate_promises(self, tenant_id: int) -> dict:
    """Find the tenant's pending promises kept or broken as of its today; close to-dos of paid entries."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_context(tenant):
        try:
            return services.promises_evaluate_nightly()
        except Exception as exc:  # a lock timeout or a lost connection: try again later
            raise self.retry(exc=exc) from exc


@shared_task
def dispatch_promise_evaluations() -> list[int]:
    """Hourly (creditcontrol/celery.py): one evaluate_promises per tenant."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        evaluate_promises.delay(tenant_id)
    return tenant_ids
