"""Small SQL helpers shared by every app."""

from collections.abc import Iterable

from django.db.models.expressions import RawSQL
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

# Ids are PostgreSQL bigints: a bigger number is no id, and must not reach a query (which would fail).
ID_MAX = 2**63 - 1


def id_list(ids: Iterable[int]) -> RawSQL:
    """A list of ids as one array parameter, for `field__in=`: a bulk import can hand over a million ids,
    which as a million query parameters would be parsed one by one."""
    return RawSQL("SELECT unnest(%s::bigint[])", (sorted(set(ids)),))


def transaction_failed(connection) -> bool:
    """Whether the connection's transaction has failed, so that no statement but a rollback may run: as
    Django knows it (`needs_rollback`) or as PostgreSQL does (a statement failed in a block not yet left)."""
    if connection.needs_rollback:
        return True
    return (
        connection.connection is not None
        and connection.connection.get_transaction_status() == TRANSACTION_STATUS_INERROR
    )
