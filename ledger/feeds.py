"""The ledger's record of when the ERP fed it (`LedgerFeed`): every import of entries or applications, the
bulk upsert API, and the ERP's own "nothing new, but I am alive" call mark it."""

import datetime
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from creditcontrol.tenancy import current_tenant

from .models import LedgerFeed


def ledger_fed(*, branch_ids: Iterable[int] = (), at: datetime.datetime | None = None) -> None:
    """Mark the tenant's ledger (and these branches') fed now, in the caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {LedgerFeed._meta.db_table} (tenant_id, branch_id, fed_at)
                SELECT %s, branch_id, %s FROM unnest(ARRAY[NULL]::bigint[] || %s::bigint[]) AS branch_id
                ON CONFLICT (tenant_id, branch_id) DO UPDATE SET fed_at = EXCLUDED.fed_at""",
            [current_tenant().pk, at or timezone.now(), sorted(set(branch_ids))],
        )


def ledger_fed_at() -> dict[int | None, datetime.datetime]:
    """When the ledger was last fed: branch id (None: the tenant's ledger as a whole) -> when."""
    return dict(LedgerFeed.objects.values_list("branch_id", "fed_at"))
