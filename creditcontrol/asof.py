"""The date a user's credit figures are aged at, the as-of date D (docs/statistics.md): the tenant's today,
unless the app that owns the aging setup registers how to tell (aging: the user's work date, where the
setup ages as of it). Apps below that one, such as the ledger's pages and API, ask here rather than import
it, as they publish ledger changes through creditcontrol.changes rather than call what reacts to them."""

import datetime
from collections.abc import Callable

from .tenancy import current_tenant

_provider: Callable[..., datetime.date] | None = None


def as_of_provider(provider: Callable[..., datetime.date]) -> Callable[..., datetime.date]:
    """Register `provider(user=...)` as the one that tells a user's as-of date (from an app's ready())."""
    global _provider
    _provider = provider
    return provider


def as_of_date(*, user=None) -> datetime.date:
    return _provider(user=user) if _provider is not None else current_tenant().today()
