"""Writes to the customer ledger: posting entries, applying and unapplying them.

Every write locks the entries it changes (in id order, so concurrent writers cannot deadlock), checks
the amounts against what is really left, computes what follows with `ledger.arithmetic`, and publishes
one change on the seam (`creditcontrol.changes`) in the same transaction: the ledger knows nothing of
who reacts (statistics, to-dos, promises).
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from creditcontrol import bounds, changes
from creditcontrol.errors import DomainError
from creditcontrol.tenancy import current_tenant
from customers.models import Branch, Customer

from . import arithmetic
from .models import CREDIT_TYPES, DEBIT_TYPES, Application, DocumentType, LedgerEntry

APPLICATION = Application._meta.db_table
# What an application or its undo changes on an entry.
_SETTLEMENT_FIELDS = [
    "remaining_amount",
    "remaining_amount_lcy",
    "is_open",
    "closed_at",
    "settled_by_payment",
    "updated_at",
]


def _settle(entry: LedgerEntry, remaining: Decimal, *, last_applied_on: datetime.date | None) -> None:
    """Set an entry's remaining amount and everything that follows from it."""
    entry.remaining_amount = remaining
    entry.remaining_amount_lcy = arithmetic.remaining_lcy(
        remaining=remaining, amount=entry.amount, amount_lcy=entry.amount_lcy
    )
    entry.is_open = remaining != 0
    entry.closed_at = arithmetic.closed_at(
        remaining=remaining, posting_date=entry.posting_date, last_applied_on=last_applied_on
    )
    entry.updated_at = timezone.now()  # bulk_update leaves auto_now fields alone


def _last_applied_on(entry_ids: list[int]) -> dict[int, datetime.date]:
    """The latest posting date among each entry's active applications, either side: one grouped query."""
    if not entry_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT entry_id, max(posting_date) FROM (
                SELECT applied_entry_id AS entry_id, posting_date FROM {APPLICATION}
                 WHERE tenant_id = %(tenant)s AND applied_entry_id = ANY(%(ids)s) AND undone_on IS NULL
                UNION ALL
                SELECT applying_entry_id, posting_date FROM {APPLICATION}
                 WHERE tenant_id = %(tenant)s AND applying_entry_id = ANY(%(ids)s) AND undone_on IS NULL
            ) active GROUP BY entry_id
            """,
            {"tenant": current_tenant().pk, "ids": list(entry_ids)},
        )
        return dict(cursor.fetchall())


@transaction.atomic
def ledger_entry_post(
    *,
    customer: Customer,
    document_type: str,
    document_no: str,
    posting_date: datetime.date,
    amount: Decimal,
    amount_lcy: Decimal | None = None,
    currency_code: str | None = None,
    document_date: datetime.date | None = None,
    due_date: datetime.date | None = None,
    description: str = "",
    external_id: str | None = None,
    branch: Branch | None = None,
    on_hold: bool = False,
) -> LedgerEntry:
    """Post a new entry. An external id already in the ledger is refused: posting never updates (the
    imports and the bulk upsert do)."""
    tenant = current_tenant()
    currency_code = currency_code or customer.currency_code or tenant.local_currency
    _bounds_check(
        money={"amount": amount, "amount_lcy": amount_lcy},
        dates={"posting_date": posting_date, "document_date": document_date, "due_date": due_date},
    )
    amount = Decimal(amount)
    if amount_lcy is None:
        if currency_code != tenant.local_currency:
            raise DomainError(
                "amount_lcy is required for an entry in a foreign currency.",
                details={"amount_lcy": ["Give the amount in local currency at the posting rate."]},
            )
        amount_lcy = amount
    amount_lcy = Decimal(amount_lcy)
    if document_type in DEBIT_TYPES and (amount < 0 or amount_lcy < 0):
        raise DomainError(
            f"A {DocumentType(document_type).label.lower()} must have a positive amount.",
            details={"amount": ["Must be zero or more."]},
        )
    if document_type in CREDIT_TYPES and (amount > 0 or amount_lcy > 0):
        raise DomainError(
            f"A {DocumentType(document_type).label.lower()} must have a negative amount.",
            details={"amount": ["Must be zero or less."]},
        )
    if (amount == 0) != (amount_lcy == 0):
        raise DomainError("amount and amount_lcy must both be zero or both non-zero.")
    if external_id and LedgerEntry.objects.filter(external_id=external_id).exists():
        raise _duplicate_entry(external_id)
    document_date = document_date or posting_date
    if due_date is None:
        terms = customer.payment_terms
        try:
            due_date = arithmetic.due_date(
                document_type=document_type,
                rule=terms.rule if terms else None,
                days=terms.days if terms else None,
                document_date=document_date,
            )
        except OverflowError as error:
            raise DomainError(
                f"The due date from payment terms {terms.code} falls after 9999-12-31.",
                details={"due_date": ["Give the due date."]},
            ) from error
    entry = LedgerEntry(
        customer=customer,
        document_type=document_type,
        document_no=document_no,
        posting_date=posting_date,
        document_date=document_date,
        due_date=due_date,
        description=description,
        currency_code=currency_code,
        amount=amount,
        amount_lcy=amount_lcy,
        branch=branch or customer.branch,
        on_hold=on_hold,
        external_id=external_id or "",
    )
    _settle(entry, amount, last_applied_on=None)
    try:
        with transaction.atomic():  # a concurrent post of the same external id loses here, not with a 500
            entry.save()
    except IntegrityError as error:
        if "ledger_entry_external_id_unique" in str(error):
            raise _duplicate_entry(external_id) from error
        raise
    if not external_id:
        entry.external_id = f"local-{entry.pk}"
        LedgerEntry.objects.filter(pk=entry.pk).update(external_id=entry.external_id)
    changes.publish(source="posting", customer_ids=[customer.pk])
    return entry


def _bounds_check(*, money: dict | None = None, dates: dict | None = None) -> None:
    """Every amount and date within `creditcontrol.bounds`, or a DomainError naming each field."""
    problems = {}
    for field, value in (money or {}).items():
        if value is not None and (problem := bounds.money_problem(value)):
            problems[field] = [problem]
    for field, value in (dates or {}).items():
        if value is not None and (problem := bounds.date_problem(value)):
            problems[field] = [problem]
    if problems:
        field, (first,) = next(iter(problems.items()))
        raise DomainError(f"{field}: {first}", details=problems)


def _duplicate_entry(external_id: str) -> DomainError:
    return DomainError(
        f"An entry with external id {external_id} already exists.",
        details={"external_id": [f"An entry with external id {external_id} already exists."]},
        code="duplicate",
    )


def _locked(*entry_ids: int) -> dict[int, LedgerEntry]:
    entries = LedgerEntry.objects.select_for_update().filter(pk__in=entry_ids).order_by("pk")
    found = {entry.pk: entry for entry in entries}
    missing = set(entry_ids) - set(found)
    if missing:
        raise DomainError("Ledger entry not found.", details={"entry": sorted(missing)}, code="not_found")
    return found


def _apply(
    applying: LedgerEntry,
    targets: list[tuple[LedgerEntry, Decimal]],
    *,
    posting_date: datetime.date,
    user=None,
    external_id: str | None = None,
) -> list[Application]:
    """Apply `applying` to each (entry, amount) of `targets`, all locked and checked by the caller: the
    applications in one insert, the entries in one update, one change published."""
    applications = [
        Application(
            tenant_id=applying.tenant_id,
            applying_entry=applying,
            applied_entry=applied,
            amount=amount,
            posting_date=posting_date,
            external_id=external_id,
            created_by=user,
        )
        for applied, amount in targets
    ]
    Application.objects.bulk_create(applications)
    applying_left = applying.remaining_amount + sum(amount for _, amount in targets)
    closing = [entry.pk for entry, amount in targets if entry.remaining_amount == amount]
    if applying_left == 0:
        closing.append(applying.pk)
    last = _last_applied_on(closing)
    for applied, amount in targets:
        _settle(applied, applied.remaining_amount - amount, last_applied_on=last.get(applied.pk))
        if applying.document_type == DocumentType.PAYMENT:
            applied.settled_by_payment = arithmetic.settled_by_payment(
                document_type=applied.document_type, payment_applied=True
            )
    _settle(applying, applying_left, last_applied_on=last.get(applying.pk))
    LedgerEntry.objects.bulk_update([applied for applied, _ in targets] + [applying], _SETTLEMENT_FIELDS)
    changes.publish(
        source="application",
        customer_ids=[applying.customer_id],
        settled_entry_ids=[applying.pk, *(applied.pk for applied, _ in targets)],
    )
    return applications


@transaction.atomic
def entries_apply(
    *,
    applying_entry_id: int,
    applied_entry_id: int,
    amount: Decimal | None = None,
    posting_date: datetime.date,
    external_id: str | None = None,
    user=None,
) -> Application:
    """Apply part (or, with no amount, as much as possible) of a payment/credit memo to an invoice."""
    _bounds_check(money={"amount": amount}, dates={"posting_date": posting_date})
    entries = _locked(applying_entry_id, applied_entry_id)
    applying, applied = entries[applying_entry_id], entries[applied_entry_id]
    problems = _application_problems(applying, applied, amount, posting_date)
    if external_id and Application.objects.filter(external_id=external_id).exists():
        problems.append(f"An application with external id {external_id} already exists.")
    if problems:
        raise DomainError(problems[0], details={"application": problems})
    amount = amount if amount is not None else min(-applying.remaining_amount, applied.remaining_amount)
    (application,) = _apply(
        applying, [(applied, amount)], posting_date=posting_date, user=user, external_id=external_id
    )
    return application


def _application_problems(applying, applied, amount, posting_date) -> list[str]:
    problems = []
    if applying.document_type not in CREDIT_TYPES:
        problems.append(
            f"Entry {applying.pk} is a {applying.get_document_type_display().lower()}: "
            "only payments and credit memos can be applied."
        )
    if applied.document_type not in DEBIT_TYPES:
        problems.append(
            f"Entry {applied.pk} is a {applied.get_document_type_display().lower()}: "
            "payments and credit memos can only be applied to invoices, refunds and charges."
        )
    if applying.customer_id != applied.customer_id:
        problems.append("Both entries must belong to the same customer.")
    if applying.currency_code != applied.currency_code:
        problems.append(f"Currencies differ ({applying.currency_code} and {applied.currency_code}).")
    if not applying.is_open:
        problems.append(f"Entry {applying.pk} is already fully applied.")
    if not applied.is_open:
        problems.append(f"Entry {applied.pk} is already closed.")
    if posting_date < max(applying.posting_date, applied.posting_date):
        problems.append("An application cannot be posted before the entries it applies.")
    if amount is not None and not problems:
        if amount <= 0:
            problems.append("The amount to apply must be more than zero.")
        elif amount > applied.remaining_amount:
            problems.append(
                f"Cannot apply {amount}: entry {applied.pk} has only {applied.remaining_amount} remaining."
            )
        elif amount > -applying.remaining_amount:
            problems.append(
                f"Cannot apply {amount}: entry {applying.pk} has only "
                f"{-applying.remaining_amount} left to apply."
            )
    return problems


@transaction.atomic
def payment_apply_oldest_first(
    *, payment_id: int, posting_date: datetime.date, user=None
) -> list[Application]:
    """Apply what is left of a payment or credit memo to the customer's open invoices, oldest due first.

    The payment and every candidate invoice are locked at once, in id order; the applications are then
    written together (a bounded number of queries, however many invoices the payment covers).
    """
    payment = LedgerEntry.objects.filter(pk=payment_id).first()
    if payment is None:
        raise DomainError("Ledger entry not found.", details={"entry": [payment_id]}, code="not_found")
    candidates = LedgerEntry.objects.filter(
        customer_id=payment.customer_id,
        is_open=True,
        document_type__in=DEBIT_TYPES,
        currency_code=payment.currency_code,
        posting_date__lte=posting_date,
    )
    locked = list(
        LedgerEntry.objects.select_for_update()
        .filter(Q(pk=payment_id) | Q(pk__in=candidates.values("pk")))
        .order_by("pk")
    )
    payment = next(entry for entry in locked if entry.pk == payment_id)
    if payment.document_type not in CREDIT_TYPES:
        raise DomainError(
            f"Entry {payment.pk} is a {payment.get_document_type_display().lower()}: "
            "only payments and credit memos can be applied."
        )
    if posting_date < payment.posting_date:
        raise DomainError("An application cannot be posted before the entries it applies.")
    invoices = sorted(
        (entry for entry in locked if entry.pk != payment_id and entry.is_open),
        key=lambda entry: (entry.due_date, entry.posting_date, entry.pk),
    )
    left = -payment.remaining_amount
    targets = []
    for invoice in invoices:
        if left == 0:
            break
        amount = min(left, invoice.remaining_amount)
        targets.append((invoice, amount))
        left -= amount
    if not targets:
        return []
    return _apply(payment, targets, posting_date=posting_date, user=user)


@transaction.atomic
def payment_record(
    *,
    customer: Customer,
    amount: Decimal,
    posting_date: datetime.date,
    document_no: str,
    amount_lcy: Decimal | None = None,
    currency_code: str | None = None,
    description: str = "",
    external_id: str | None = None,
    user=None,
) -> tuple[LedgerEntry, list[Application]]:
    """Post a payment received (a positive amount from the customer) and apply it oldest due first."""
    if amount <= 0:
        raise DomainError(
            "The payment amount must be more than zero.", details={"amount": ["Must be more than zero."]}
        )
    with changes.operation():  # the posting and its applications are one change
        payment = ledger_entry_post(
            customer=customer,
            document_type=DocumentType.PAYMENT,
            document_no=document_no,
            posting_date=posting_date,
            amount=-amount,
            amount_lcy=None if amount_lcy is None else -amount_lcy,
            currency_code=currency_code,
            description=description or "Payment received",
            external_id=external_id,
        )
        applications = payment_apply_oldest_first(payment_id=payment.pk, posting_date=posting_date, user=user)
    return payment, applications


@transaction.atomic
def application_undo(*, application_id: int, undone_on: datetime.date, user=None) -> Application:
    """Unapply: give the amount back to both entries, dated, keeping the application's history."""
    _bounds_check(dates={"undone_on": undone_on})
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.undone_on is not None:
        raise DomainError(f"Application {application.pk} was already undone on {application.undone_on}.")
    if undone_on < application.posting_date:
        raise DomainError("An application cannot be undone before it was posted.")
    entries = _locked(application.applying_entry_id, application.applied_entry_id)
    applying, applied = entries[application.applying_entry_id], entries[application.applied_entry_id]
    application.undone_on = undone_on
    application.undone_by = user
    application.save(update_fields=["undone_on", "undone_by"])
    # Both are open again: the amount given back is never zero.
    _settle(applied, applied.remaining_amount + application.amount, last_applied_on=None)
    _settle(applying, applying.remaining_amount - application.amount, last_applied_on=None)
    if applying.document_type == DocumentType.PAYMENT:
        applied.settled_by_payment = arithmetic.settled_by_payment(
            document_type=applied.document_type,
            payment_applied=Application.objects.filter(
                applied_entry=applied,
                undone_on__isnull=True,
                applying_entry__document_type=DocumentType.PAYMENT,
            ).exists(),
        )
    LedgerEntry.objects.bulk_update([applied, applying], _SETTLEMENT_FIELDS)
    changes.publish(
        source="application undone",
        customer_ids=[applying.customer_id],
        reopened_entry_ids=[applied.pk, applying.pk],
    )
    return application
