"""The version of a tenant's stored statistics: a token that changes whenever they may have changed.

Tenant-wide sums over the statistics (the dashboard's totals: 86 ms over 200,000 customers, on every
dashboard view) and the row counts of lists of them are cached under it (`cached`). Every write of the
statistics goes through aging.services, which calls `statistics_changed` in the writing transaction:
new rows, stale marks, recalculated figures, a new aging setup. The token is random, not a counter, so a
cache that lost it (a Redis restart) makes a new one rather than reusing an old one that cached entries
still carry; and it is kept per tenant and creation time, so a database made anew (whose tenant ids
start again) shares none.

A new token is set at once, for reads later in the writing transaction, and again when it commits: a
reader that cached the figures of before in between is not read again.

With Redis down, nothing is cached: every read computes, and a change that could not set a new token is
logged. Entries cached before the outage live at most `CACHED_SECONDS` past it.
"""

import contextlib
import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The longest a cached figure lives, whatever the versions say.
CACHED_SECONDS = 600
_CACHE_DOWN = (RedisError, OSError)


def _key(tenant) -> str:
    return f"statistics-version:{tenant.pk}:{tenant.created_at.timestamp()}"


def statistics_version(tenant) -> str | None:
    """The tenant's current token; None when the cache does not answer."""
    key = _key(tenant)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)  # two first readers: the first token stays
            version = cache.get(key)
    except _CACHE_DOWN:
        logger.warning("The cache does not answer: statistics figures are read without it")
        return None
    return version


def cached(tenant, name: str, compute: Callable[[], object]):
    """`compute()`, kept under `name` while the tenant's statistics keep their version."""
    version = statistics_version(tenant)
    if version is None:
        return compute()
    key = f"statistics:{tenant.pk}:{version}:{name}"
    try:
        value = cache.get(key)
    except _CACHE_DOWN:
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(*_CACHE_DOWN):  # computed all the same; cached next time
            cache.set(key, value, CACHED_SECONDS)
    return value


def _new_version(key: str) -> None:
    try:
        cache.set(key, uuid.uuid4().hex, timeout=None)
    except _CACHE_DOWN:
        logger.warning("The cache does not answer: cached statistics figures may stay %s s", CACHED_SECONDS)


def statistics_changed(tenant) -> None:
    """The tenant's statistics were written in the current transaction: a new version now and once it
    commits."""
    key = _key(tenant)
    _new_version(key)
    transaction.on_commit(lambda: _new_version(key))
