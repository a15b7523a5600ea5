"""What a statement of account says, as figures (the PDF is `messaging.documents`'s).

- **Open item** (the default), as of a date D: every entry posted on or before D that is still open as of
  D (`ledger.selectors.entry_remaining_as_of`: the ledger's balance as of a date), what the customer owes
  first by due date, then what is owed to them (unapplied payments, credit memos) netted visibly under
  it; per currency a section with the total owed, the credits, the balance, the overdue part and the
  tenant's aging bands as of D, which add up to the balance.
- **Activity**, for a period: per currency the balance brought forward (as of the day before the period),
  every entry posted in the period with a running balance, every application posted in the period (an
  application moves an amount between two of the customer's entries, so it leaves the balance as it is)
  and the balance carried forward, which is the balance as of the period's last day.

Amounts are in the entries' own currency (a statement is what the customer reads); one section per
currency, never a sum across currencies.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from aging.models import AgingBand, AgingSetup
from creditcontrol.tenancy import current_tenant
from customers.models import Customer
from ledger.models import DEBIT_TYPES, Application, LedgerEntry
from ledger.selectors import entry_remaining_as_of

ZERO = Decimal("0.00")

BASIS_FIELD = {"due_date": "due_date", "posting_date": "posting_date", "document_date": "document_date"}


@dataclass
class StatementLine:
    entry_no: int
    document_type: str
    document_no: str
    document_date: datetime.date
    posting_date: datetime.date
    due_date: datetime.date
    description: str
    amount: Decimal
    remaining: Decimal
    days_overdue: int | None = None
    band: str = ""
    running_balance: Decimal | None = None
    overdue: bool = False  # due before the statement's date (an unapplied payment too: it nets)

    @property
    def is_credit(self) -> bool:
        return self.remaining < 0 if self.running_balance is None else self.amount < 0


@dataclass
class ApplicationLine:
    posting_date: datetime.date
    applying_document: str
    applied_document: str
    amount: Decimal
    undone: bool = False


@dataclass
class Band:
    label: str
    amount: Decimal


@dataclass
class CurrencySection:
    currency: str
    lines: list[StatementLine] = field(default_factory=list)
    credits: list[StatementLine] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    applications: list[ApplicationLine] = field(default_factory=list)
    brought_forward: Decimal = ZERO
    carried_forward: Decimal = ZERO

    @property
    def total_owed(self) -> Decimal:
        return sum((line.remaining for line in self.lines), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((line.remaining for line in self.credits), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.total_owed + self.total_credits

    @property
    def overdue(self) -> Decimal:
        """The overdue balance: what is open and due before the statement's date, credits netted."""
        return sum((line.remaining for line in self.lines + self.credits if line.overdue), ZERO)

    @property
    def movements(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass
class Statement:
    customer: Customer
    kind: str  # "open_item" or "activity"
    as_of: datetime.date
    period_start: datetime.date | None
    sections: list[CurrencySection]

    @property
    def is_empty(self) -> bool:
        return not any(section.lines or section.credits or section.applications for section in self.sections)


def _band_of(days: int, bands: list[AgingBand]) -> str:
    for band in bands:
        if (band.from_days is None or days >= band.from_days) and (
            band.to_days is None or days <= band.to_days
        ):
            return band.label
    return ""


def _currency(entry: LedgerEntry) -> str:
    return entry.currency_code or current_tenant().local_currency


def statement_open_item(*, customer: Customer, as_of: datetime.date) -> Statement:
    """The open-item statement of `customer` as of the end of `as_of`."""
    remaining = entry_remaining_as_of(customer_id=customer.pk, as_of=as_of)
    open_ids = [pk for pk, (amount, _lcy) in remaining.items() if amount != 0]
    setup = AgingSetup.objects.filter().first()
    basis = BASIS_FIELD[setup.basis] if setup else "due_date"
    bands = list(AgingBand.objects.order_by("position"))
    sections: dict[str, CurrencySection] = {}
    entries = LedgerEntry.objects.filter(pk__in=open_ids).order_by("due_date", "id")
    for entry in entries:
        section = sections.setdefault(_currency(entry), CurrencySection(currency=_currency(entry)))
        left = remaining[entry.pk][0]
        line = StatementLine(
            entry_no=entry.pk,
            document_type=entry.get_document_type_display(),
            document_no=entry.document_no,
            document_date=entry.document_date,
            posting_date=entry.posting_date,
            due_date=entry.due_date,
            description=entry.description,
            amount=entry.amount,
            remaining=left,
            days_overdue=max(0, (as_of - entry.due_date).days)
            if entry.document_type in DEBIT_TYPES
            else None,
            band=_band_of((as_of - getattr(entry, basis)).days, bands),
            overdue=entry.due_date < as_of,
        )
        (section.lines if left > 0 else section.credits).append(line)
    for section in sections.values():
        totals = {band.label: ZERO for band in bands}
        for line in section.lines + section.credits:
            totals[line.band] = totals.get(line.band, ZERO) + line.remaining
        section.bands = [Band(label, amount) for label, amount in totals.items()]
    return Statement(
        customer=customer,
        kind="open_item",
        as_of=as_of,
        period_start=None,
        sections=[sections[currency] for currency in sorted(sections)],
    )


def _balances_as_of(customer: Customer, as_of: datetime.date) -> dict[str, Decimal]:
    remaining = entry_remaining_as_of(customer_id=customer.pk, as_of=as_of)
    currencies = dict(
        LedgerEntry.objects.filter(pk__in=list(remaining)).values_list("pk", "currency_code").iterator()
    )
    balances: dict[str, Decimal] = {}
    for pk, (amount, _lcy) in remaining.items():
        currency = currencies[pk] or current_tenant().local_currency
        balances[currency] = balances.get(currency, ZERO) + amount
    return balances


def statement_activity(*, customer: Customer, start: datetime.date, end: datetime.date) -> Statement:
    """The activity statement of `customer` from `start` to `end` (both included)."""
    brought = _balances_as_of(customer, start - datetime.timedelta(days=1))
    carried = _balances_as_of(customer, end)
    sections = {
        currency: CurrencySection(currency=currency, brought_forward=brought.get(currency, ZERO))
        for currency in set(brought) | set(carried)
    }
    running = dict(brought)
    for entry in LedgerEntry.objects.filter(
        customer=customer, posting_date__gte=start, posting_date__lte=end
    ).order_by("posting_date", "id"):
        currency = _currency(entry)
        section = sections.setdefault(currency, CurrencySection(currency=currency))
        running[currency] = running.get(currency, ZERO) + entry.amount
        section.lines.append(
            StatementLine(
                entry_no=entry.pk,
                document_type=entry.get_document_type_display(),
                document_no=entry.document_no,
                document_date=entry.document_date,
                posting_date=entry.posting_date,
                due_date=entry.due_date,
                description=entry.description,
                amount=entry.amount,
                remaining=entry.amount,
                running_balance=running[currency],
            )
        )
    applications = (
        Application.objects.filter(applied_entry__customer=customer)
        .filter(
            Q(posting_date__gte=start, posting_date__lte=end) | Q(undone_on__gte=start, undone_on__lte=end)
        )
        .select_related("applying_entry", "applied_entry")
        .order_by("posting_date", "id")
    )
    for application in applications:
        currency = _currency(application.applied_entry)
        sections.setdefault(currency, CurrencySection(currency=currency)).applications.append(
            ApplicationLine(
                posting_date=application.posting_date,
                applying_document=application.applying_entry.document_no,
                applied_document=application.applied_entry.document_no,
                amount=application.amount,
                undone=application.undone_on is not None and application.undone_on <= end,
            )
        )
    for currency, section in sections.items():
        section.carried_forward = carried.get(currency, ZERO)
    return Statement(
        customer=customer,
        kind="activity",
        as_of=end,
        period_start=start,
        sections=[sections[currency] for currency in sorted(sections)],
    )
