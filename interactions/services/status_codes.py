"""Status codes: the tenant's defaults, and creating, changing, deactivating or deleting one (admins)."""

from django.db import transaction

from creditcontrol import usage
from creditcontrol.errors import DomainError

from ..models import StatusCode

# code, description, promised, queried, query resolution by me, exclude from chasing
DEFAULT_STATUS_CODES = [
    ("PROMISED", "Promised to pay", True, False, False, True),
    ("QUERIED", "Queried by the customer", False, True, False, True),
    ("DISPUTED", "Disputed: we resolve it", False, True, True, True),
    ("CALLBACK", "Call back requested", False, False, False, False),
]


def status_codes_seed_defaults() -> int:
    """Give the current tenant the default status codes it does not have yet; returns how many were added."""
    existing = set(StatusCode.objects.values_list("code", flat=True))
    new = [
        StatusCode(
            code=code,
            description=description,
            promised=promised,
            queried=queried,
            query_resolution_by_me=by_me,
            exclude_from_chasing=exclude,
        )
        for code, description, promised, queried, by_me, exclude in DEFAULT_STATUS_CODES
        if code not in existing
    ]
    for status_code in new:
        status_code.save()
    return len(new)


def _problems(*, code: str, promised: bool, queried: bool, query_resolution_by_me: bool, exclude_pk=None):
    errors = {}
    if not code or not code.strip():
        errors["code"] = ["Enter a code."]
    elif StatusCode.objects.filter(code=code.strip().upper()).exclude(pk=exclude_pk).exists():
        errors["code"] = [f"Status code {code.strip().upper()} already exists."]
    if promised and queried:
        errors["queried"] = ["A status code is either Promised or Queried, not both."]
    if query_resolution_by_me and not queried:
        errors["query_resolution_by_me"] = ["Only a Queried code can have 'query resolution by me'."]
    return errors


@transaction.atomic
def status_code_create(
    *,
    code: str,
    description: str = "",
    promised: bool = False,
    queried: bool = False,
    query_resolution_by_me: bool = False,
    exclude_from_chasing: bool = False,
) -> StatusCode:
    errors = _problems(
        code=code, promised=promised, queried=queried, query_resolution_by_me=query_resolution_by_me
    )
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    status_code = StatusCode(
        code=code.strip().upper(),
        description=description,
        promised=promised,
        queried=queried,
        query_resolution_by_me=query_resolution_by_me,
        exclude_from_chasing=exclude_from_chasing,
    )
    status_code.save()
    return status_code


@transaction.atomic
def status_code_update(*, status_code: StatusCode, **fields) -> StatusCode:
    for name, value in fields.items():
        setattr(status_code, name, value)
    errors = _problems(
        code=status_code.code,
        promised=status_code.promised,
        queried=status_code.queried,
        query_resolution_by_me=status_code.query_resolution_by_me,
        exclude_pk=status_code.pk,
    )
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    status_code.code = status_code.code.strip().upper()
    status_code.save()
    return status_code


@transaction.atomic
def status_code_set_active(*, status_code: StatusCode, active: bool) -> StatusCode:
    """Deactivate a status code (no longer offered for new interactions or entry updates; the entries and
    history that have it keep it) or reactivate it."""
    status_code.is_active = active
    status_code.save(update_fields=["is_active"])
    return status_code


@transaction.atomic
def status_code_delete(*, status_code: StatusCode) -> None:
    """Delete a status code nothing uses: one on entries or in interactions' history is refused."""
    usage.delete_unused(status_code, what="status code")
