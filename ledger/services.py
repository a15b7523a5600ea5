"""Writes to the customer ledger: posting entries, applying and unapplying them.

Every write locks the entries it changes (in id order, so concurrent writers cannot deadlock), checks
the amounts against what is really left, and marks the customer's statistics stale in the same
transaction.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from aging.services import statistics_mark_stale
from creditcontrol.errors import DomainError
from creditcontrol.tenancy import current_tenant
from customers.models import Branch, Customer
from interactions.services import entries_settled

from .models import CREDIT_TYPES, DEBIT_TYPES, Application, DocumentType, LedgerEntry

CENT = Decimal("0.01")
# What an application or its undo changes on an entry.
_SETTLEMENT_FIELDS = [
    "remaining_amount",
    "remaining_amount_lcy",
    "is_open",
    "closed_at",
    "settled_by_payment",
    "updated_at",
]


def _lcy(entry: LedgerEntry, remaining: Decimal) -> Decimal:
    """The LCY twin of a remaining amount, at the entry's own posting rate (never re-rated)."""
    if remaining == entry.amount:
        return entry.amount_lcy
    if entry.amount == 0:
        return Decimal("0.00")
    return (remaining * entry.amount_lcy / entry.amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _set_remaining(entry: LedgerEntry, remaining: Decimal, on: datetime.date | None) -> None:
    entry.remaining_amount = remaining
    entry.remaining_amount_lcy = _lcy(entry, remaining)
    entry.is_open = remaining != 0
    entry.closed_at = None if entry.is_open else on


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
    tenant = current_tenant()
    currency_code = currency_code or customer.currency_code or tenant.local_currency
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
    document_date = document_date or posting_date
    if due_date is None:
        # Payment terms date what the customer owes; a payment or credit memo is due when it is made.
        terms = customer.payment_terms if document_type in DEBIT_TYPES else None
        due_date = terms.due_date(document_date) if terms else document_date
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
    )
    _set_remaining(entry, amount, posting_date)
    entry.external_id = external_id or ""
    entry.save()
    if not external_id:
        entry.external_id = f"local-{entry.pk}"
        LedgerEntry.objects.filter(pk=entry.pk).update(external_id=entry.external_id)
    statistics_mark_stale(customer_ids=[customer.pk])
    return entry


def _locked(*entry_ids: int) -> dict[int, LedgerEntry]:
    entries = LedgerEntry.objects.select_for_update().filter(pk__in=entry_ids).order_by("pk")
    found = {entry.pk: entry for entry in entries}
    missing = set(entry_ids) - set(found)
    if missing:
        raise DomainError("Ledger entry not found.", details={"entry": sorted(missing)}, code="not_found")
    return found


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
    entries = _locked(applying_entry_id, applied_entry_id)
    applying, applied = entries[applying_entry_id], entries[applied_entry_id]
    problems = _application_problems(applying, applied, amount, posting_date)
    if problems:
        raise DomainError(problems[0], details={"application": problems})
    amount = amount if amount is not None else min(-applying.remaining_amount, applied.remaining_amount)
    _set_remaining(applied, applied.remaining_amount - amount, posting_date)
    _set_remaining(applying, applying.remaining_amount + amount, posting_date)
    if applying.document_type == DocumentType.PAYMENT and applied.document_type == DocumentType.INVOICE:
        applied.settled_by_payment = True
    for entry in (applied, applying):
        entry.save(update_fields=_SETTLEMENT_FIELDS)
    application = Application.objects.create(
        applying_entry=applying,
        applied_entry=applied,
        amount=amount,
        posting_date=posting_date,
        external_id=external_id,
        created_by=user,
    )
    statistics_mark_stale(customer_ids=[applying.customer_id, applied.customer_id])
    entries_settled(entry_ids=[applied.pk, applying.pk])  # promises kept, to-dos of paid entries closed
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
    """Apply what is left of a payment or credit memo to the customer's open invoices, oldest due first."""
    payment = LedgerEntry.objects.select_for_update().get(pk=payment_id)
    candidates = list(
        LedgerEntry.objects.filter(
            customer_id=payment.customer_id,
            is_open=True,
            document_type__in=DEBIT_TYPES,
            currency_code=payment.currency_code,
            posting_date__lte=posting_date,
        )
        .order_by("due_date", "posting_date", "pk")
        .values_list("pk", flat=True)
    )
    applications = []
    for invoice_id in candidates:
        payment.refresh_from_db(fields=["remaining_amount"])
        if payment.remaining_amount == 0:
            break
        applications.append(
            entries_apply(
                applying_entry_id=payment.pk,
                applied_entry_id=invoice_id,
                posting_date=posting_date,
                user=user,
            )
        )
    return applications


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
    return payment, payment_apply_oldest_first(payment_id=payment.pk, posting_date=posting_date, user=user)


@transaction.atomic
def application_undo(*, application_id: int, undone_on: datetime.date, user=None) -> Application:
    """Unapply: give the amount back to both entries, dated, keeping the application's history."""
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.undone_on is not None:
        raise DomainError(f"Application {application.pk} was already undone on {application.undone_on}.")
    if undone_on < application.posting_date:
        raise DomainError("An application cannot be undone before it was posted.")
    entries = _locked(application.applying_entry_id, application.applied_entry_id)
    applying, applied = entries[application.applying_entry_id], entries[application.applied_entry_id]
    _set_remaining(applied, applied.remaining_amount + application.amount, undone_on)
    _set_remaining(applying, applying.remaining_amount - application.amount, undone_on)
    if applying.document_type == DocumentType.PAYMENT:
        applied.settled_by_payment = (
            Application.objects.filter(
                applied_entry=applied,
                undone_on__isnull=True,
                applying_entry__document_type=DocumentType.PAYMENT,
            )
            .exclude(pk=application.pk)
            .exists()
        )
    for entry in (applied, applying):  # both are open again: the amount given back is never zero
        entry.save(update_fields=_SETTLEMENT_FIELDS)
    application.undone_on = undone_on
    application.undone_by = user
    application.save(update_fields=["undone_on", "undone_by"])
    statistics_mark_stale(customer_ids=[applying.customer_id])
    entries_settled(entry_ids=[applied.pk, applying.pk])  # a kept promise may no longer be kept
    return application
