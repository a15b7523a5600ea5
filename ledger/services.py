"""Writes to the customer ledger: posting entries, applying and unapplying them.

Every write locks the entries it changes (in id order, so concurrent writers cannot deadlock), checks
the amounts against what is really left, computes what follows with `ledger.arithmetic`, and publishes
one change on the seam (`creditcontrol.changes`) in the same transaction: the ledger knows nothing of
who reacts (statistics, to-dos, promises).
"""

import datetime
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min, Sum
from django.db.models.functions import Abs
from django.utils import timezone

from creditcontrol import bounds, changes, formats
from creditcontrol.errors import DomainError
from creditcontrol.sql import ID_MAX
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


# --- recording a payment received ---------------------------------------------------------------------
#
# One service for the balance due row, the record-payment page and the API (docs/payments.md). It checks
# everything a controller can get wrong before anything is written, and says which field is wrong.

# Two payments of one customer with the same reference and amount this close together are most often one
# bank line keyed twice: the second one asks for confirmation (`confirm_duplicate`).
PAYMENT_DUPLICATE_WINDOW_DAYS = 90
# An LCY amount implying a rate more than this many times away from the rate of the customer's open entries
# in that currency is a slip (a digit too many or too few, or the two amounts swapped), not a market move.
LCY_RATE_TOLERANCE = Decimal(10)

# The messages a controller sees for an amount (the page and the API show the same words).
AMOUNT_REQUIRED = "This field is required."
AMOUNT_NOT_A_NUMBER = "Enter a number."
AMOUNT_EXPONENT = "Write the amount out in digits (1000.00): an exponent such as 1e3 is not accepted."
# The API and import files write amounts with a decimal point whatever the tenant's locale; pages read the
# tenant's format first (`amount_parse(..., local=True)`, creditcontrol.formats.amount_delocalise).
AMOUNT_COMMA = "Use a point as the decimal separator (12.50, not 12,50), and no thousands separators."
AMOUNT_NOT_POSITIVE = "Ensure this value is greater than or equal to 0.01."
AMOUNT_DECIMALS = "Ensure that there are no more than 2 decimal places."
AMOUNT_FLOAT = "Give the amount as text or a Decimal, never a float."
LCY_REQUIRED = "Give the amount in local currency at the posting rate."

_AMOUNT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_EXPONENT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def amount_parse(value, *, local: bool = False) -> tuple[Decimal | None, str | None]:
    """A payment amount as typed (text) or given (Decimal, int): (the amount, None) or (None, the message).

    Strict, because a wrong amount posted is worse than one refused: plain digits with a decimal point, at
    most 2 decimals, more than zero, within `creditcontrol.bounds`. `1e3` is not 1,000.00 and `12,50` is
    not 12.50 (nor 1,250.00).

    `local=True` is for text typed on a page: it is first read in the current tenant's format, so a German
    tenant's `1.234,56` and `12,50` and an English tenant's `1,234.56` are amounts, and text that fits
    that does not fit that format is refused with an example of the tenant's format.
    """
    if local and isinstance(value, str) and value.strip():
        value, problem = formats.amount_delocalise(value)
        if problem:
            return None, problem
    if isinstance(value, bool) or value is None:
        return None, AMOUNT_REQUIRED if value is None else AMOUNT_NOT_A_NUMBER
    if isinstance(value, float):
        return None, AMOUNT_FLOAT
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, AMOUNT_REQUIRED
        if _EXPONENT_TEXT.fullmatch(text):
            return None, AMOUNT_EXPONENT
        if "," in text:
            return None, AMOUNT_COMMA
        if text.startswith("-") and _AMOUNT_TEXT.fullmatch(text[1:]):
            return None, AMOUNT_NOT_POSITIVE
        if not _AMOUNT_TEXT.fullmatch(text):
            return None, AMOUNT_NOT_A_NUMBER
        value = Decimal(text)
    if not isinstance(value, Decimal) or not value.is_finite():
        return None, AMOUNT_NOT_A_NUMBER
    if value < 0:
        return None, AMOUNT_NOT_POSITIVE
    if problem := bounds.money_problem(value):
        return None, problem
    if value != value.quantize(arithmetic.CENT):
        return None, AMOUNT_DECIMALS
    if value == 0:
        return None, AMOUNT_NOT_POSITIVE
    return value.quantize(arithmetic.CENT), None


def _money(amount: Decimal) -> str:
    # The summary is read by a person (page message, API answer): in the tenant's number format.
    return formats.number_text(amount)


@dataclass(frozen=True)
class LeftOut:
    """An open invoice the default application passed over, and why (its status code)."""

    entry: LedgerEntry
    reason: str

    def __str__(self) -> str:
        return f"{self.entry.document_no} left out: {self.reason}"


@dataclass(frozen=True)
class RecordedPayment:
    """What `payment_record` did: the payment, its applications (in the order paid), the open invoices the
    default order left out, and what stays on account."""

    payment: LedgerEntry
    applications: list[Application]
    paid: list[tuple[LedgerEntry, Decimal]]
    left_out: list[LeftOut] = dataclass_field(default_factory=list)

    def __iter__(self):
        # Callers written before `left_out` existed unpack (payment, applications).
        return iter((self.payment, self.applications))

    @property
    def on_account(self) -> Decimal:
        return -self.payment.amount - sum((amount for _, amount in self.paid), Decimal("0.00"))

    @property
    def summary(self) -> str:
        """The line a controller reads: what was paid, what stays on account, what was left out."""
        payment = self.payment
        parts = []
        if self.paid:
            parts.append(
                "paid " + ", ".join(f"{entry.document_no} ({_money(amount)})" for entry, amount in self.paid)
            )
        if self.on_account:
            parts.append(f"{_money(self.on_account)} left on account")
        parts.extend(str(left) for left in self.left_out)
        return (
            f"Payment {payment.document_no} of {_money(-payment.amount)} {payment.currency_code} recorded: "
            + "; ".join(parts)
            + "."
        )


def payment_left_out_reason(entry: LedgerEntry) -> str | None:
    """Why the default application passes over an open invoice (one of `payment_open_debits`), or None.

    A queried code (QUERIED, DISPUTED) is money the customer says it does not owe as invoiced, and a code
    excluded from chasing is one the controller has put aside: neither takes a payment unasked. A promised
    code is also excluded from chasing, but a payment is what the promise awaited: it is paid as usual.
    """
    code = entry.status_code_code
    if code is None:
        return None
    if entry.status_code_queried:
        return code.lower()
    if entry.status_code_excluded and not entry.status_code_promised:
        return f"{code.lower()} (excluded from chasing)"
    return None


def payment_open_debits(*, customer: Customer, currency_code: str | None = None):
    """The customer's open invoices, refunds and charges, oldest due first, each annotated with its status
    code's code and flags (`payment_left_out_reason` reads them): what the default application pays and
    what the record-payment page lists. The flags are read through the entry's foreign key: the ledger
    never imports the app that owns status codes."""
    entries = (
        LedgerEntry.objects.filter(customer=customer, is_open=True, document_type__in=DEBIT_TYPES)
        .annotate(
            status_code_code=F("status_code__code"),
            status_code_queried=F("status_code__queried"),
            status_code_excluded=F("status_code__exclude_from_chasing"),
            status_code_promised=F("status_code__promised"),
        )
        .order_by("due_date", "posting_date", "pk")
    )
    if currency_code is not None:
        entries = entries.filter(currency_code=currency_code)
    return entries


def _fill(targets: list[LedgerEntry], amount: Decimal) -> list[tuple[LedgerEntry, Decimal]]:
    """Pay the entries in order, each as far as the amount left goes."""
    paid, left = [], amount
    for entry in targets:
        if left == 0:
            break
        part = min(left, entry.remaining_amount)
        paid.append((entry, part))
        left -= part
    return paid


@transaction.atomic
def payment_apply_oldest_first(
    *, payment_id: int, posting_date: datetime.date, user=None
) -> list[Application]:
    """Apply what is left of a payment or credit memo to the customer's open invoices, oldest due first,
    leaving out those whose status code puts them aside (`payment_left_out_reason`).

    The payment and every candidate invoice are locked at once, in id order; the applications are then
    written together (a bounded number of queries, however many invoices the payment covers).
    """
    payment = LedgerEntry.objects.filter(pk=payment_id).first()
    if payment is None:
        raise DomainError("Ledger entry not found.", details={"entry": [payment_id]}, code="not_found")
    candidates = payment_open_debits(customer=payment.customer, currency_code=payment.currency_code).filter(
        posting_date__lte=posting_date
    )
    locked = {e.pk: e for e in LedgerEntry.objects.select_for_update().filter(pk=payment_id)}
    invoices = list(candidates.select_for_update(of=("self",)))
    payment = locked[payment_id]
    if payment.document_type not in CREDIT_TYPES:
        raise DomainError(
            f"Entry {payment.pk} is a {payment.get_document_type_display().lower()}: "
            "only payments and credit memos can be applied."
        )
    if posting_date < payment.posting_date:
        raise DomainError("An application cannot be posted before the entries it applies.")
    targets = _fill([e for e in invoices if payment_left_out_reason(e) is None], -payment.remaining_amount)
    if not targets:
        return []
    return _apply(payment, targets, posting_date=posting_date, user=user)


def _payment_field_problems(
    *,
    customer: Customer,
    amount,
    amount_lcy,
    currency_code: str,
    posting_date,
    document_no,
) -> tuple[dict[str, list[str]], Decimal | None, Decimal | None]:
    """Each field's problems (by field name), and the amounts when they are sound."""
    tenant = current_tenant()
    problems: dict[str, list[str]] = {}
    if not _CURRENCY_CODE.fullmatch(currency_code):
        problems["currency_code"] = ["Use an ISO 4217 code: three capital letters, e.g. USD."]
    amount, problem = amount_parse(amount)
    if problem:
        problems["amount"] = [problem]
    lcy_given = amount_lcy is not None and not (isinstance(amount_lcy, str) and not amount_lcy.strip())
    if currency_code != tenant.local_currency:
        if not lcy_given:
            problems["amount_lcy"] = [LCY_REQUIRED]
        else:
            amount_lcy, problem = amount_parse(amount_lcy)
            if problem:
                problems["amount_lcy"] = [problem]
    elif lcy_given:
        amount_lcy, problem = amount_parse(amount_lcy)
        if problem:
            problems["amount_lcy"] = [problem]
        elif amount is not None and amount_lcy != amount:
            problems["amount_lcy"] = [
                f"A payment in {tenant.local_currency} is its own amount in {tenant.local_currency}: "
                "leave this out, or give the same amount."
            ]
    else:
        amount_lcy = None
    if not isinstance(document_no, str) or not document_no.strip():
        problems["document_no"] = ["Give the payment's reference (the bank's or the remittance's)."]
    elif len(document_no.strip()) > 40:
        problems["document_no"] = ["Ensure this value has at most 40 characters."]
    if not isinstance(posting_date, datetime.date):
        problems["posting_date"] = ["Enter a valid date."]
    elif problem := bounds.date_problem(posting_date):
        problems["posting_date"] = [problem]
    elif posting_date > (today := tenant.today()):
        problems["posting_date"] = [f"A payment cannot be dated after today ({today.isoformat()})."]
    else:
        first = LedgerEntry.objects.filter(customer=customer).aggregate(first=Min("posting_date"))["first"]
        if first is not None and posting_date < first:
            problems["posting_date"] = [
                f"{customer.code}'s first entry is dated {first.isoformat()}: "
                "a payment cannot be dated before it."
            ]
    if (
        "amount" not in problems
        and "amount_lcy" not in problems
        and currency_code != tenant.local_currency
        and (problem := _lcy_rate_problem(customer, currency_code, amount, amount_lcy))
    ):
        problems["amount_lcy"] = [problem]
    return problems, amount, amount_lcy


def _lcy_rate_problem(customer: Customer, currency_code: str, amount: Decimal, amount_lcy: Decimal):
    """An LCY amount far from the rate of the customer's open entries in that currency (no open entries:
    nothing to compare with, any positive amount is taken)."""
    totals = LedgerEntry.objects.filter(
        customer=customer, currency_code=currency_code, is_open=True
    ).aggregate(amount=Sum(Abs("amount")), amount_lcy=Sum(Abs("amount_lcy")))
    if not totals["amount"] or not totals["amount_lcy"]:
        return None
    usual = totals["amount_lcy"] / totals["amount"]
    rate = amount_lcy / amount
    if usual / LCY_RATE_TOLERANCE <= rate <= usual * LCY_RATE_TOLERANCE:
        return None
    local = current_tenant().local_currency
    return (
        f"{_money(amount_lcy)} {local} for {_money(amount)} {currency_code} is a rate of {rate:.4f}, more than "
        f"{LCY_RATE_TOLERANCE} times away from the rate of {customer.code}'s open {currency_code} entries "
        f"({usual:.4f}): check the amount in {local}."
    )


def _chosen_entries(
    customer: Customer, apply_to: list, currency_code: str, posting_date: datetime.date
) -> list[LedgerEntry]:
    """The entries a controller ticked, locked and checked, in the order given; or a DomainError naming each
    one that cannot take this payment. Another customer's, another tenant's or a missing id get the same
    answer."""
    problems, ids, seen = [], [], set()
    for value in apply_to:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= ID_MAX:
            problems.append(f"'{value}' is not an entry no.")
        elif value in seen:
            problems.append(f"Entry {value} is ticked twice.")
        else:
            seen.add(value)
            ids.append(value)
    found = {
        entry.pk: entry
        for entry in LedgerEntry.objects.select_for_update()
        .filter(pk__in=ids, customer=customer)
        .order_by("pk")
    }
    for pk in ids:
        entry = found.get(pk)
        if entry is None:
            problems.append(f"Entry {pk} is not an entry of {customer.code}.")
            continue
        name = f"Entry {pk} ({entry.document_no})"
        if entry.document_type not in DEBIT_TYPES:
            problems.append(
                f"{name} is a {entry.get_document_type_display().lower()}: "
                "a payment pays invoices, refunds and charges."
            )
        elif not entry.is_open:
            problems.append(f"{name} is already paid.")
        elif entry.currency_code != currency_code:
            problems.append(f"{name} is in {entry.currency_code}, the payment in {currency_code}.")
        elif entry.posting_date > posting_date:
            problems.append(
                f"{name} is posted on {entry.posting_date.isoformat()}, after the payment's date."
            )
    if problems:
        raise DomainError(problems[0], details={"apply_to": problems})
    return [found[pk] for pk in ids]


def _possible_duplicate(
    customer: Customer, document_no: str, amount: Decimal, currency_code: str, posting_date: datetime.date
) -> DomainError | None:
    window = datetime.timedelta(days=PAYMENT_DUPLICATE_WINDOW_DAYS)
    earlier = (
        LedgerEntry.objects.filter(
            customer=customer,
            document_type=DocumentType.PAYMENT,
            document_no__iexact=document_no,
            amount=-amount,
            currency_code=currency_code,
            posting_date__range=(posting_date - window, posting_date + window),
        )
        .order_by("-posting_date", "-pk")
        .first()
    )
    if earlier is None:
        return None
    message = (
        f"Payment {earlier.document_no} of {_money(amount)} {currency_code} was already recorded for "
        f"{customer.code} on {earlier.posting_date.isoformat()}. Record it again only if it is a second payment."
    )
    return DomainError(
        message,
        details={
            "confirm_duplicate": [message],
            "earlier_payment": {
                "entry_no": earlier.pk,
                "document_no": earlier.document_no,
                "posting_date": earlier.posting_date.isoformat(),
                "amount": f"{-earlier.amount:.2f}",
            },
        },
        code="possible_duplicate",
    )


@transaction.atomic
def payment_record(
    *,
    customer: Customer,
    amount: Decimal | str,
    posting_date: datetime.date,
    document_no: str,
    amount_lcy: Decimal | str | None = None,
    currency_code: str | None = None,
    description: str = "",
    external_id: str | None = None,
    apply_to: list[int] | None = None,
    confirm_duplicate: bool = False,
    user=None,
) -> RecordedPayment:
    """Post a payment received (a positive amount from the customer) and apply it.

    - `apply_to` None: to the open invoices in the payment's currency, oldest due first, leaving out those
      whose status code puts them aside (queried, disputed, excluded from chasing), said in `left_out`.
    - `apply_to` a list of entry nos.: to those, in that order, each as far as the amount goes; an empty
      list leaves the whole payment on account. Each must be an open invoice, refund or charge of the
      customer in the payment's currency.
    - The currency defaults to the customer's; in another currency than the tenant's, `amount_lcy` is
      required and must be near the rate of the customer's open entries (`LCY_RATE_TOLERANCE`).
    - The date: not after the tenant's today, not before the customer's first entry.
    - The same reference and amount within `PAYMENT_DUPLICATE_WINDOW_DAYS` of an earlier payment raises
      DomainError(code="possible_duplicate") unless `confirm_duplicate`.

    Amounts may be given as typed (`amount_parse`). Nothing is written unless everything is sound; each
    problem is named by field in the DomainError's details.
    """
    tenant = current_tenant()
    # One payment of a customer at a time: two identical ones sent together cannot both miss each other in
    # the duplicate check. (NO KEY: entries being posted for the customer meanwhile are not held up.)
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).first()
    currency_code = currency_code or customer.currency_code or tenant.local_currency
    problems, amount, amount_lcy = _payment_field_problems(
        customer=customer,
        amount=amount,
        amount_lcy=amount_lcy,
        currency_code=currency_code,
        posting_date=posting_date,
        document_no=document_no,
    )
    if problems:
        field_name, (first, *_) = next(iter(problems.items()))
        raise DomainError(f"{field_name}: {first}", details=problems)
    document_no = document_no.strip()
    chosen = None if apply_to is None else _chosen_entries(customer, apply_to, currency_code, posting_date)
    if not confirm_duplicate and (
        duplicate := _possible_duplicate(customer, document_no, amount, currency_code, posting_date)
    ):
        raise duplicate
    left_out = []
    if chosen is None:
        candidates = list(
            payment_open_debits(customer=customer, currency_code=currency_code)
            .filter(posting_date__lte=posting_date)
            .select_for_update(of=("self",))
        )
        chosen = []
        for entry in candidates:
            reason = payment_left_out_reason(entry)
            if reason is None:
                chosen.append(entry)
            else:
                left_out.append(LeftOut(entry, reason))
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
        paid = _fill(chosen, amount)
        applications = _apply(payment, paid, posting_date=posting_date, user=user) if paid else []
    return RecordedPayment(payment=payment, applications=applications, paid=paid, left_out=left_out)


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
