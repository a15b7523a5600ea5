"""A new tenant's default setup. Each app that keeps per-tenant setup registers what it seeds (in its
AppConfig.ready), so the core names no app above it: aging bands and settings, status codes, and later
chasing policies and templates."""

from collections.abc import Callable

from .errors import DomainError
from .formats import Language
from .models import Tenant
from .tenancy import tenant_context

_INITIALISERS: list[Callable[[], None]] = []


def tenant_initialiser(initialise: Callable[[], None]) -> Callable[[], None]:
    """Register a function that seeds the current tenant's defaults; it must leave existing setup as it is."""
    if initialise not in _INITIALISERS:
        _INITIALISERS.append(initialise)
    return initialise


def tenant_initialise(tenant: Tenant) -> None:
    """Give a tenant every app's default setup (idempotent: a second run changes nothing)."""
    with tenant_context(tenant):
        for initialise in _INITIALISERS:
            initialise()


def tenant_language_set(*, tenant: Tenant, language: str) -> Tenant:
    """Choose how the tenant's pages and PDFs write and read amounts and dates (creditcontrol.formats)."""
    if language not in Language.values:
        raise DomainError(
            f"'{language[:20]}' is not one of the formats offered.",
            details={"language": [f"Choose one of: {', '.join(Language.values)}."]},
        )
    tenant.language = language
    tenant.save(update_fields=["language"])
    return tenant
