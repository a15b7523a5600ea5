"""A new tenant's default setup: aging bands, the aging/recalculation settings and the status codes."""

from .models import Tenant
from .tenancy import tenant_context

DEFAULT_BANDS = [
    ("Not due", None, 0),
    ("1-30 days", 1, 30),
    ("31-60 days", 31, 60),
    ("61-90 days", 61, 90),
    ("Over 90 days", 91, None),
]


def tenant_initialise(tenant: Tenant) -> None:
    from aging.models import AgingBand, AgingSetup
    from interactions.services import status_codes_seed_defaults

    with tenant_context(tenant):
        AgingSetup.objects.get_or_create(tenant=tenant)
        if not AgingBand.objects.exists():
            AgingBand.objects.bulk_create(
                AgingBand(tenant=tenant, position=i, label=label, from_days=low, to_days=high)
                for i, (label, low, high) in enumerate(DEFAULT_BANDS, start=1)
            )
        status_codes_seed_defaults()
