"""The three CSV formats of the ERP feed (customers, ledger entries, applications) and their row checks.

Each row is checked in Python as it streams past (required fields, lengths, dates, amounts, signs);
what needs the database (unknown codes, existing entries, over-application) is checked set-based by
`ledger.imports.loader` afterwards. A cleaned row is a list of strings ready for COPY (CSV), with
None for "no value". docs/import-formats.md describes the formats for people.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from creditcontrol import bounds
from ledger.models import CREDIT_TYPES, DEBIT_TYPES, DocumentType

KINDS = ("customers", "entries", "applications")

# ASCII digits only: `\d` alone also takes other scripts' digits ("١٢٣"), which PostgreSQL refuses.
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_MONEY = re.compile(r"^-?\d{1,16}(\.\d{1,2})?$", re.ASCII)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0", ""})
_email = EmailValidator()


class RowError(Exception):
    """One field of one row is wrong: the loader records it with the row number and column name."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def text(column: str, value: str, *, max_length: int, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise RowError(column, "Required.")
    if len(value) > max_length:
        raise RowError(column, f"At most {max_length} characters (this has {len(value)}).")
    return value


# Valid date strings seen so far (a feed repeats a few hundred dates across a million rows): the
# calendar check runs once per distinct string. Only valid ones are kept, so errors still say why.
_VALID_DATES: dict[str, str] = {}
_VALID_DATES_MAX = 100_000


def code(value: str) -> str:
    value = text("code", value, max_length=20, required=True)
    if problem := bounds.code_problem(value):
        raise RowError("code", problem)
    return value


def date(column: str, value: str, *, required: bool = False) -> str | None:
    known = _VALID_DATES.get(value)
    if known is not None:
        return known
    raw = value
    value = value.strip()
    if not value:
        if required:
            raise RowError(column, "Required.")
        return None
    match = _DATE.match(value)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month] and year >= 1:
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            if not (month == 2 and day == 29 and not leap):
                if not bounds.DATE_MIN.year <= year <= bounds.DATE_MAX.year:
                    raise RowError(
                        column, f"'{value}': {bounds.date_problem(datetime.date(year, month, day))}"
                    )
                if len(_VALID_DATES) < _VALID_DATES_MAX:
                    _VALID_DATES[raw] = value
                return value
    raise RowError(column, f"'{value}' is not a date: use YYYY-MM-DD.")


def money(column: str, value: str, *, required: bool = False) -> str | None:
    value = value.strip()
    if not value:
        if required:
            raise RowError(column, "Required.")
        return None
    if not _MONEY.match(value):
        raise RowError(
            column,
            f"'{value}' is not an amount: use digits with at most 2 decimals and a '.' (e.g. -1234.50).",
        )
    if len(value.lstrip("-").split(".")[0]) > bounds.MONEY_INTEGER_DIGITS:
        raise RowError(column, f"'{value}' is too large: {bounds.money_problem(value)}")
    return value


def boolean(column: str, value: str) -> str:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return "t"
    if lowered in _FALSE:
        return "f"
    raise RowError(column, f"'{value.strip()}' is not a yes/no value: use true or false.")


def a_document_type(document_type: str) -> str:
    """'an invoice', 'a payment': the document type's label with its article."""
    label = DocumentType(document_type).label.lower()
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}"


def _sign(value: str | None) -> int:
    if value is None or value.lstrip("-").strip("0.") == "":
        return 0
    return -1 if value.startswith("-") else 1


@dataclass(frozen=True)
class Format:
    """A CSV format: its columns (required ones first), the staging table's types, and its row check."""

    kind: str
    key: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    staging: dict[str, str]
    clean: Callable[[dict[str, str]], list[str | None]]
    # Optional columns that, when left out of the header, keep the stored value on update.
    keep_when_absent: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# --- customers ---------------------------------------------------------------------------------


def clean_customer(row: dict[str, str]) -> list[str | None]:
    credit_limit = money("credit_limit", row.get("credit_limit", ""))
    if credit_limit is not None and credit_limit.startswith("-"):
        raise RowError("credit_limit", "A credit limit cannot be negative (leave it blank for no limit).")
    currency = row.get("currency", "").strip().upper()
    if currency and not _CURRENCY.match(currency):
        raise RowError("currency", f"'{currency}' is not a currency code: use 3 letters (ISO 4217).")
    country = row.get("country", "").strip().upper()
    if country and not _COUNTRY.match(country):
        raise RowError("country", f"'{country}' is not a country code: use 2 letters (ISO 3166).")
    email = text("email", row.get("email", ""), max_length=254)
    if email:
        try:
            _email(email)
        except ValidationError:
            raise RowError("email", f"'{email}' is not an email address.") from None
    tags = [tag.strip() for tag in row.get("tags", "").split("|") if tag.strip()]
    for tag in tags:
        if len(tag) > 40:
            raise RowError("tags", f"Tag '{tag}' is longer than 40 characters.")
    return [
        code(row["code"]),
        text("name", row["name"], max_length=200, required=True),
        text("customer_type", row.get("customer_type", ""), max_length=40),
        text("group", row.get("group", ""), max_length=20) or None,
        text("branch", row.get("branch", ""), max_length=20) or None,
        currency,
        text("payment_terms", row.get("payment_terms", ""), max_length=20) or None,
        credit_limit,
        boolean("blocked", row.get("blocked", "")),
        boolean("hold_all", row.get("hold_all", "")),
        text("controller", row.get("controller", ""), max_length=150) or None,
        email,
        text("phone", row.get("phone", ""), max_length=40),
        text("address", row.get("address", ""), max_length=2000),
        text("city", row.get("city", ""), max_length=100),
        country,
        "|".join(tags),
    ]


_CUSTOMER_OPTIONAL = (
    "customer_type",
    "group",
    "branch",
    "currency",
    "payment_terms",
    "credit_limit",
    "blocked",
    "hold_all",
    "controller",
    "email",
    "phone",
    "address",
    "city",
    "country",
    "tags",
)

CUSTOMERS = Format(
    kind="customers",
    key="code",
    required=("code", "name"),
    optional=_CUSTOMER_OPTIONAL,
    staging={
        "code": "text",
        "name": "text",
        "customer_type": "text",
        "group_code": "text",
        "branch_code": "text",
        "currency": "text",
        "payment_terms_code": "text",
        "credit_limit": "numeric(18,2)",
        "blocked": "boolean",
        "hold_all": "boolean",
        "controller": "text",
        "email": "text",
        "phone": "text",
        "address": "text",
        "city": "text",
        "country": "text",
        "tags": "text",
    },
    clean=clean_customer,
    # Every optional column: a feed that leaves one out keeps what is stored.
    keep_when_absent=_CUSTOMER_OPTIONAL,
)


# --- ledger entries ----------------------------------------------------------------------------

# Plain strings: membership tests against enum members are much slower, and run on every row.
_DOCUMENT_TYPES = frozenset(str(t) for t in DocumentType.values)
_DEBIT = frozenset(str(t.value) for t in DEBIT_TYPES)
_CREDIT = frozenset(str(t.value) for t in CREDIT_TYPES)
_TYPE_LIST = ", ".join(DocumentType.values)


def clean_entry(row: dict[str, str]) -> list[str | None]:
    # The hot path of a million-row feed: plain lookups, and a helper call only where a field needs one.
    get = row.get
    external_id = text("external_id", row["external_id"], max_length=100, required=True)
    customer = text("customer", row["customer"], max_length=20, required=True)
    document_type = row["document_type"].strip()
    if document_type not in _DOCUMENT_TYPES:
        if not document_type:
            raise RowError("document_type", "Required.")
        raise RowError("document_type", f"'{document_type}' is not a document type: use one of {_TYPE_LIST}.")
    document_no = text("document_no", row["document_no"], max_length=40, required=True)
    posting_date = date("posting_date", row["posting_date"], required=True)
    document_date = date("document_date", get("document_date", ""))
    due_date = date("due_date", get("due_date", ""))
    currency = get("currency", "")
    if currency:
        currency = currency.strip().upper()
        if currency and not _CURRENCY.match(currency):
            raise RowError("currency", f"'{currency}' is not a currency code: use 3 letters (ISO 4217).")
    amount = money("amount", row["amount"], required=True)
    amount_lcy = money("amount_lcy", get("amount_lcy", ""))
    sign = _sign(amount)
    if sign < 0 and document_type in _DEBIT:
        label = a_document_type(document_type).capitalize()
        raise RowError("amount", f"{label} must have a positive amount (this is {amount}).")
    if sign > 0 and document_type in _CREDIT:
        label = a_document_type(document_type).capitalize()
        raise RowError("amount", f"{label} must have a negative amount (this is {amount}).")
    if amount_lcy is not None and _sign(amount_lcy) != sign:
        raise RowError("amount_lcy", f"amount_lcy {amount_lcy} must have the same sign as amount {amount}.")
    description = get("description", "")
    branch = get("branch", "")
    on_hold = get("on_hold", "")
    return [
        external_id,
        customer,
        document_type,
        document_no,
        posting_date,
        document_date,
        due_date,
        text("description", description, max_length=250) if description else "",
        currency or None,
        amount,
        amount_lcy,
        (text("branch", branch, max_length=20) or None) if branch else None,
        boolean("on_hold", on_hold) if on_hold else "f",
    ]


ENTRIES = Format(
    kind="entries",
    key="external_id",
    required=("external_id", "customer", "document_type", "document_no", "posting_date", "amount"),
    optional=("document_date", "due_date", "description", "currency", "amount_lcy", "branch", "on_hold"),
    staging={
        "external_id": "text",
        "customer_code": "text",
        "document_type": "text",
        "document_no": "text",
        "posting_date": "date",
        "document_date": "date",
        "due_date": "date",
        "description": "text",
        "currency": "text",
        "amount": "numeric(18,2)",
        "amount_lcy": "numeric(18,2)",
        "branch_code": "text",
        "on_hold": "boolean",
    },
    clean=clean_entry,
)


# --- applications ------------------------------------------------------------------------------


def clean_application(row: dict[str, str]) -> list[str | None]:
    amount = money("amount", row["amount"], required=True)
    if _sign(amount) <= 0:
        raise RowError("amount", f"The amount applied must be more than zero (this is {amount}).")
    return [
        text("external_id", row["external_id"], max_length=100, required=True),
        text("applying_entry", row["applying_entry"], max_length=100, required=True),
        text("applied_entry", row["applied_entry"], max_length=100, required=True),
        amount,
        date("posting_date", row["posting_date"], required=True),
    ]


APPLICATIONS = Format(
    kind="applications",
    key="external_id",
    required=("external_id", "applying_entry", "applied_entry", "amount", "posting_date"),
    optional=(),
    staging={
        "external_id": "text",
        "applying_external_id": "text",
        "applied_external_id": "text",
        "amount": "numeric(18,2)",
        "posting_date": "date",
    },
    clean=clean_application,
)

FORMATS = {f.kind: f for f in (CUSTOMERS, ENTRIES, APPLICATIONS)}
