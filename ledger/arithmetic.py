"""The ledger's arithmetic, written once: each rule as a Python function and as the SQL fragment built
beside it, so that the services (one entry at a time), the imports and the demo seeder (set-based) and the
selectors (as of a date) cannot disagree.

- **Remaining amount**: the amount less what active applications took off it (an invoice's falls towards
  zero from above, a payment's or credit memo's rises towards zero from below).
- **Its LCY twin**: at the entry's own posting rate, rounded half up to the cent; the full amount's LCY
  is the posted `amount_lcy` itself, never re-rated.
- **Open / closed**: an entry is open while its remaining amount is not zero.
- **Closed-at**: the latest posting date among the entry's active applications (or its own posting date
  when it has none): the first day from which its balance as of that day is zero and stays zero. An
  application back-dated before an earlier one does not move it; undoing one reopens the entry.
- **Balance as of a date D**: each entry posted on or before D, less what the applications posted on or
  before D and not undone by then took off it (an undo dated D gives the amount back from D on): an
  invoice's amount less what was applied to it, a payment's amount plus what it applied.
- **Due date from payment terms**: for what the customer owes, the document date (or, for end-of-month
  terms, the last day of its month) plus the terms' days; a payment or credit memo is due on its
  document date.

The SQL fragments take column expressions and return an expression; they are pure text over trusted
names (no user input reaches them).
"""

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal

from .models import CREDIT_TYPES, DEBIT_TYPES, DocumentType

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

DEBIT_TYPES_SQL = "(" + ", ".join(f"'{t}'" for t in DEBIT_TYPES) + ")"
CREDIT_TYPES_SQL = "(" + ", ".join(f"'{t}'" for t in CREDIT_TYPES) + ")"

# Payment terms rules (customers.PaymentTerms.Rule values).
NET = "net"
END_OF_MONTH = "eom"


# --- remaining amount ------------------------------------------------------------------------------


def remaining(*, document_type: str, amount: Decimal, applied: Decimal) -> Decimal:
    """What is left of an entry once `applied` (positive, the sum of its active applications) is taken."""
    return amount - applied if document_type in DEBIT_TYPES else amount + applied


def remaining_sql(document_type: str, amount: str, applied: str) -> str:
    return (
        f"CASE WHEN {document_type} IN {DEBIT_TYPES_SQL} THEN {amount} - coalesce({applied}, 0) "
        f"ELSE {amount} + coalesce({applied}, 0) END"
    )


def remaining_lcy(*, remaining: Decimal, amount: Decimal, amount_lcy: Decimal) -> Decimal:
    """The LCY twin of a remaining amount, at the entry's own posting rate (never re-rated)."""
    if remaining == amount:
        return amount_lcy
    if amount == 0:
        return ZERO
    return (remaining * amount_lcy / amount).quantize(CENT, rounding=ROUND_HALF_UP)


def remaining_lcy_sql(remaining: str, amount: str, amount_lcy: str) -> str:
    # PostgreSQL's round(numeric, 2) rounds half away from zero, as ROUND_HALF_UP does on Decimals.
    return (
        f"CASE WHEN {remaining} = {amount} THEN {amount_lcy} WHEN {amount} = 0 THEN 0 "
        f"ELSE round({remaining} * {amount_lcy} / {amount}, 2) END"
    )


# --- closing -------------------------------------------------------------------------------------------


def closed_at(
    *, remaining: Decimal, posting_date: datetime.date, last_applied_on: datetime.date | None
) -> datetime.date | None:
    """None while open; else the latest active application's posting date (or the entry's own)."""
    if remaining != 0:
        return None
    return max(posting_date, last_applied_on) if last_applied_on else posting_date


def closed_at_sql(remaining: str, posting_date: str, last_applied_on: str) -> str:
    # greatest() skips NULLs: an entry closed with no application closes on its own posting date.
    return f"CASE WHEN {remaining} = 0 THEN greatest({posting_date}, {last_applied_on}) END"


def settled_by_payment(*, document_type: str, payment_applied: bool) -> bool:
    """An invoice that a payment (not only credit memos) has settled at least in part, by active applications."""
    return document_type == DocumentType.INVOICE and payment_applied


# --- as of a date ----------------------------------------------------------------------------------


def application_active_as_of_sql(application: str, as_of: str) -> str:
    """Condition: the application (alias) counted in balances as of `as_of`."""
    return (
        f"{application}.posting_date <= {as_of} "
        f"AND ({application}.undone_on IS NULL OR {application}.undone_on > {as_of})"
    )


def applied_as_of_sql(entry: str, as_of: str, *, side: str) -> str:
    """Scalar subquery: the sum applied to (`side`="applied") or by (`side`="applying") an entry as of a date."""
    return (
        f"(SELECT sum(a.amount) FROM ledger_application a WHERE a.{side}_entry_id = {entry}.id "
        f"AND {application_active_as_of_sql('a', as_of)})"
    )


def taken_as_of_sql(entry: str, as_of: str) -> str:
    """What applications active as of a date took off an entry (alias), signed: applied to it (an invoice)
    is positive, applied by it (a payment) negative; an entry has applications on one side only. Its
    remaining amount as of that date is `amount - taken`, whatever its type."""
    return (
        f"(coalesce({applied_as_of_sql(entry, as_of, side='applied')}, 0)"
        f" - coalesce({applied_as_of_sql(entry, as_of, side='applying')}, 0))"
    )


def taken_as_of_by_entry_sql(tenant: str, as_of: str) -> str:
    """Subquery (entry_id, taken): `taken_as_of_sql` for every entry of a tenant with applications, in one
    pass over the applications (for tenant-wide figures)."""
    active = application_active_as_of_sql("a", as_of)
    return f"""
        SELECT entry_id, sum(taken) AS taken FROM (
            SELECT a.applied_entry_id AS entry_id, sum(a.amount) AS taken FROM ledger_application a
             WHERE a.tenant_id = {tenant} AND {active} GROUP BY a.applied_entry_id
            UNION ALL
            SELECT a.applying_entry_id, -sum(a.amount) FROM ledger_application a
             WHERE a.tenant_id = {tenant} AND {active} GROUP BY a.applying_entry_id
        ) moved GROUP BY entry_id
    """


def remaining_lcy_from_taken_sql(amount: str, amount_lcy: str, taken: str) -> str:
    """The LCY twin (`remaining_lcy_sql`) of the remaining amount `amount - taken`, each row's remaining
    computed once: for sums over millions of entries. Nothing taken is the full LCY amount."""
    return (
        f"CASE WHEN coalesce({taken}, 0) = 0 THEN {amount_lcy} WHEN {amount} = 0 THEN 0 "
        f"ELSE round(({amount} - {taken}) * {amount_lcy} / {amount}, 2) END"
    )


# --- due date ------------------------------------------------------------------------------------------


def due_date(
    *, document_type: str, rule: str | None, days: int | None, document_date: datetime.date
) -> datetime.date:
    """Payment terms date what the customer owes; a payment or credit memo (or an entry of a customer
    without terms) is due on its document date."""
    if rule is None or document_type not in DEBIT_TYPES:
        return document_date
    start = document_date
    if rule == END_OF_MONTH:
        start = document_date.replace(day=calendar.monthrange(document_date.year, document_date.month)[1])
    return start + datetime.timedelta(days=days)


def due_date_sql(document_type: str, rule: str, days: str, document_date: str) -> str:
    return (
        f"CASE WHEN {document_type} NOT IN {DEBIT_TYPES_SQL} THEN {document_date}"
        f" WHEN {rule} = '{END_OF_MONTH}' THEN (date_trunc('month', {document_date})"
        f" + interval '1 month - 1 day')::date + {days}"
        f" WHEN {rule} = '{NET}' THEN {document_date} + {days} ELSE {document_date} END"
    )
