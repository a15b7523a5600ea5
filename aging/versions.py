"""The version of a tenant's stored statistics: a token that changes whenever they may have changed.

Tenant-wide sums over the statistics (the dashboard's totals: 86 ms over 200,000 customers, on every
dashboard view) are cached under it. Every write of the statistics goes through aging.services, which
calls `statistics_changed` when the transaction that wrote commits: new rows, stale marks, recalculated
figures, a new aging setup. The token is random, not a counter, so a cache that lost it (a Redis
restart) makes a new one rather than reusing an old one that cached entries still carry; and it is kept
per tenant and creation time, so a database made anew (whose tenant ids start again) shares none.

A new token is set at once, for reads later in the writing transaction, and again when it commits: a
reader that cached the figures of before in between is not read again.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def _key(tenant) -> str:
    return f"statistics-version:{tenant.pk}:{tenant.created_at.timestamp()}"


def statistics_version(tenant) -> str:
    key = _key(tenant)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)  # two first readers: the first token stays
        version = cache.get(key)
    return version


def statistics_changed(tenant) -> None:
    """The tenant's statistics were written in the current transaction: a new version now and once it
    commits."""
    key = _key(tenant)
    cache.set(key, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, timeout=None))
