"""The same ledger reached through the services and through the CSV imports gives identical rows.

A differential test. One varied ledger is generated deterministically (a seeded `random.Random`):
some 300 entries of ten customers (invoices with and without payment terms, credit memos, payments,
refunds, finance charge memos, reminders, foreign-currency entries at odd rates, two zero-amount
entries) and some 200 applications, a dozen of them undone (partial ones, several to one invoice, one
payment over many invoices, applications keyed in later than their posting date, i.e. back-dated
before an application already on the same entry). `test_scenario_is_varied` counts each kind. It is
built twice:

- in tenant A only through the services: `ledger_entry_post`, `entries_apply`, `application_undo`;
- in tenant B through the imports: customers, entries, then the applications in two files.

Undo has no import form (the applications format has no undo column, and re-importing an undone
application is refused), so both tenants undo the same applications with `application_undo`, at the
same two points: after the first applications (some of those are then applied again, later, by the
second applications file) and after the second. Tenant B finally imports its entries file again, which
recomputes each entry from its active applications and must change nothing.

The two tenants keep the local currencies of their fixtures (GBP and EUR): an entry in the tenant's local
currency reads "LCY" in the comparisons, and the foreign currencies (USD, CHF, SEK) are foreign to both.

Then, matched by external id: every entry's fields, every application's amount, posting date and undo
date, each customer's balance and each entry's remaining amount as of a range of dates are identical.

The rule the product wants for closing, asserted in both tenants: **the closed-at date of a closed entry
is the latest posting date among its active (not undone) applications, or its own posting date if it
has none: the first day from which its remaining amount as of that day is zero (and stays zero).** So
`entry_remaining_as_of(as_of=closed_at)` is zero for every closed entry and, for one closed by
applications, not zero the day before (unless it was posted that day).

The applications keyed in later but dated earlier than one already on the entry are where the two
paths have been known to part: the services closed an entry on the date of the application keyed in
last, the import on the latest posting date.

The ledgers are built once (the first test of the module that asks for them) and kept as plain data, so
each comparison is a test of its own without building them again.
"""

import csv
import datetime
import functools
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pytest

from creditcontrol.tenancy import tenant_context
from customers.models import Branch, Customer, PaymentTerms
from customers.services import customer_create
from ledger.imports import import_csv
from ledger.models import Application, LedgerEntry
from ledger.selectors import customer_balance_as_of, entry_remaining_as_of
from ledger.services import application_undo, entries_apply, ledger_entry_post

D = datetime.date.fromisoformat
DAY = datetime.timedelta(days=1)
CENT = Decimal("0.01")
SEED = 20250611

FIRST_POSTING = D("2025-01-02")
LAST_POSTING = D("2025-05-20")  # entries; their applications follow within days, all before June
FIRST_UNDOS = D("2025-06-02")  # the first undos are dated from here (one on its application's own date)
REAPPLIED_FROM = D("2025-06-10")  # amounts given back by the first undos are applied again from here
SECOND_UNDOS = D("2025-06-25")

TERMS = [("14D", "net", 14), ("30D", "net", 30), ("EOM30", "eom", 30)]
BRANCHES = [("LON", "London"), ("MAN", "Manchester")]
# code, name, currency (blank: the tenant's local one), payment terms, branch, a second (foreign) currency
CUSTOMERS = [
    ("C01", "Crown Fabrics Ltd", "", "30D", "LON", "USD"),
    ("C02", "Dover Metals plc", "", "14D", "", ""),
    ("C03", "Eden Foods Ltd", "", "EOM30", "MAN", "SEK"),
    ("C04", "Fenwick & Sons", "", "", "", ""),
    ("C05", "Granite Corp", "USD", "30D", "", ""),
    ("C06", "Harbour Supplies", "", "30D", "LON", ""),
    ("C07", "Iris Textiles", "", "EOM30", "", "USD"),
    ("C08", "Juniper Retail", "", "", "MAN", ""),
    ("C09", "Kestrel AG", "CHF", "", "", ""),
    ("C10", "Lumen Lighting", "", "14D", "", ""),
]
CUSTOMER_CURRENCY = {c[0]: c[2] or "LCY" for c in CUSTOMERS}
CUSTOMER_TERMS = {c[0]: c[3] for c in CUSTOMERS}
# Odd rates to the local currency, so that the LCY twin of a part-remaining amount needs rounding.
RATES = {"USD": Decimal("0.78913"), "CHF": Decimal("0.93377"), "SEK": Decimal("0.07129")}
PREFIXES = {
    "invoice": "SI",
    "credit_memo": "SCM",
    "payment": "PMT",
    "refund": "RF",
    "finance_charge_memo": "FC",
    "reminder": "RM",
}
CREDIT = ("payment", "credit_memo")

ENTRY_FIELDS = (
    "document_type",
    "document_no",
    "posting_date",
    "document_date",
    "due_date",
    "currency_code",
    "amount",
    "amount_lcy",
    "remaining_amount",
    "remaining_amount_lcy",
    "is_open",
    "closed_at",
    "settled_by_payment",
    "description",
    "branch",
    "on_hold",
)


# --- the scenario (plain data, the same for both paths) ------------------------------------------


@dataclass
class Entry:
    external_id: str
    customer: str
    document_type: str
    document_no: str
    posting_date: datetime.date
    amount: Decimal  # signed, from the company's side
    currency: str = ""  # blank: the customer's currency, else the local one; "LCY": the local one, named
    amount_lcy: Decimal | None = None
    document_date: datetime.date | None = None
    due_date: datetime.date | None = None  # None: from the customer's payment terms (if any)
    description: str = ""
    branch: str = ""
    on_hold: bool = False


@dataclass
class Apply:
    external_id: str
    applying: str  # external ids
    applied: str
    amount: Decimal
    posting_date: datetime.date
    entered: datetime.date  # when it is keyed in: after posting_date for a back-dated one
    late: bool = False  # keyed in after the first undos (the second applications file)
    omit_amount: bool = False  # the services path lets entries_apply take "as much as possible"


@dataclass
class Undo:
    application: str
    undone_on: datetime.date


@dataclass
class Scenario:
    entries: list[Entry] = field(default_factory=list)
    first: list[Apply] = field(default_factory=list)  # the first applications file, in its order
    first_undos: list[Undo] = field(default_factory=list)
    second: list[Apply] = field(default_factory=list)  # the second applications file
    second_undos: list[Undo] = field(default_factory=list)

    @property
    def applications(self) -> list[Apply]:
        return self.first + self.second

    @property
    def undos(self) -> list[Undo]:
        return self.first_undos + self.second_undos


class _Generator:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.scenario = Scenario()
        self.entries: dict[str, Entry] = {}
        self.left: dict[str, Decimal] = {}  # what is left to apply on each entry (positive)
        self.applications: list[Apply] = []
        self.numbers: dict[str, int] = defaultdict(int)

    def part(self, amount: Decimal) -> Decimal:
        """A part of an amount (15% to 85%, at least a cent, less than the whole when it can be)."""
        if amount <= Decimal("0.05"):
            return amount
        return max(CENT, (amount * self.rng.randint(15, 85) / 100).quantize(CENT))

    def post(self, customer: str, document_type: str, day, amount: Decimal, key: str, **fields) -> Entry:
        """Post an entry of `amount` (positive) in currency `key` ("LCY" or a foreign code)."""
        rng = self.rng
        prefix = PREFIXES[document_type]
        self.numbers[prefix] += 1
        no = f"{prefix}{self.numbers[prefix]:07d}"  # leading zeros, kept as text
        signed = -amount if document_type in CREDIT else amount
        customer_currency = CUSTOMER_CURRENCY[customer]
        if key == "LCY":
            currency = "LCY" if customer_currency == "LCY" and rng.random() < 0.1 else ""
            amount_lcy = signed if currency == "LCY" and rng.random() < 0.5 else None
        else:
            currency = "" if key == customer_currency and rng.random() < 0.7 else key
            amount_lcy = (signed * RATES[key]).quantize(CENT, rounding=ROUND_HALF_UP)
            if amount_lcy == 0:
                amount_lcy = CENT.copy_sign(signed)
        entry = Entry(
            external_id=f"{customer}:{no}",
            customer=customer,
            document_type=document_type,
            document_no=no,
            posting_date=day,
            amount=signed,
            currency=currency,
            amount_lcy=amount_lcy,
            description=f"{document_type.replace('_', ' ').capitalize()} {no}",
            branch=rng.choice(["", "", "", "", "LON", "MAN"]),
            on_hold=rng.random() < 0.04,
            **fields,
        )
        self.scenario.entries.append(entry)
        self.entries[entry.external_id] = entry
        self.left[entry.external_id] = amount
        return entry

    def apply(self, applying: str, applied: str, amount: Decimal, on, *, late=False) -> Apply:
        assert 0 < amount <= min(self.left[applying], self.left[applied])
        assert on >= max(self.entries[applying].posting_date, self.entries[applied].posting_date)
        self.left[applying] -= amount
        self.left[applied] -= amount
        # A third of the applications are keyed in days or weeks after their posting date.
        delay = 0 if self.rng.random() < 0.65 else self.rng.randint(5, 60)
        application = Apply(
            external_id=f"APP-{len(self.applications) + 1:04d}",
            applying=applying,
            applied=applied,
            amount=amount,
            posting_date=on,
            entered=on + delay * DAY,
            late=late,
        )
        self.applications.append(application)
        return application

    def customer_ledger(self, code: str, currency: str, side: str) -> None:
        rng = self.rng
        main = currency or "LCY"
        debits: dict[str, list[str]] = defaultdict(list)  # currency -> debit entries, oldest first
        credits: dict[str, list[str]] = defaultdict(list)  # currency -> payments with something left
        day = FIRST_POSTING + rng.randint(0, 6) * DAY
        while day <= LAST_POSTING:
            key = side if side and rng.random() < 0.3 else main
            open_debits = [e for e in debits[key] if self.left[e] > 0]
            open_credits = [e for e in credits[key] if self.left[e] > 0]
            roll = rng.random()
            if roll < 0.36 or not open_debits:
                fields = {}
                if rng.random() < 0.25:
                    fields["document_date"] = day - rng.randint(1, 5) * DAY
                if rng.random() < 0.2:
                    fields["due_date"] = fields.get("document_date", day) + 45 * DAY
                amount = Decimal(rng.randint(4_000, 600_000)) / 100
                debits[key].append(self.post(code, "invoice", day, amount, key, **fields).external_id)
            elif roll < 0.72:
                self.payment(code, key, day, open_debits, credits)
            elif roll < 0.81:
                target = rng.choice(open_debits)
                amount = self.left[target] if rng.random() < 0.35 else self.part(self.left[target])
                memo = self.post(code, "credit_memo", day, amount, key)
                self.apply(memo.external_id, target, amount, day, late=rng.random() < 0.2)
            elif roll < 0.87:
                amount = Decimal(rng.randint(500, 9_000)) / 100
                debits[key].append(self.post(code, "finance_charge_memo", day, amount, key).external_id)
            elif roll < 0.91:
                amount = Decimal(rng.choice(["5.00", "10.00", "15.00"]))
                debits[key].append(self.post(code, "reminder", day, amount, key).external_id)
            elif open_credits:
                # Refund part or all of what is left of a payment, applied by that payment.
                paid = open_credits[0]
                amount = self.left[paid] if rng.random() < 0.6 else self.part(self.left[paid])
                refund = self.post(code, "refund", day, amount, key)
                self.apply(paid, refund.external_id, amount, day)
            day += rng.randint(2, 7) * DAY

    def payment(self, code, key, day, open_debits, credits) -> None:
        rng = self.rng
        pattern = rng.choices(["many", "partial", "over", "account"], [45, 35, 12, 8])[0]
        late = rng.random() < 0.25  # keyed in only after the first undos
        on = day + rng.randint(0, 3) * DAY
        if pattern == "account":
            paid = self.post(code, "payment", day, Decimal(rng.randint(1_000, 90_000)) / 100, key)
            credits[key].append(paid.external_id)
            return
        if pattern == "partial":
            targets = [rng.choice(open_debits[:3])]
            amounts = [self.part(self.left[targets[0]])]
        else:
            most = {"many": 6, "over": 2}[pattern]
            targets = open_debits[: rng.randint(min(2, len(open_debits)), min(most, len(open_debits)))]
            amounts = [self.left[t] for t in targets]
            if pattern == "many" and rng.random() < 0.3:
                amounts[-1] = self.part(amounts[-1])  # runs out on the last invoice
        extra = Decimal(rng.randint(100, 30_000)) / 100 if pattern == "over" else Decimal(0)
        paid = self.post(code, "payment", day, sum(amounts) + extra, key)
        for target, amount in zip(targets, amounts, strict=True):
            self.apply(paid.external_id, target, amount, on, late=late)
        if extra:
            credits[key].append(paid.external_id)

    def finish(self) -> Scenario:
        rng, s = self.rng, self.scenario
        # Two entries of zero: closed on their own posting date, with no application.
        self.post("C04", "finance_charge_memo", D("2025-03-14"), Decimal("0.00"), "LCY")
        self.post("C08", "reminder", D("2025-04-02"), Decimal("0.00"), "LCY")
        first = sorted((a for a in self.applications if not a.late), key=lambda a: a.entered)
        late = [a for a in self.applications if a.late]
        # The first undos: applications neither of whose entries gets a late one (a late application,
        # keyed in after the undo, must not be dated before it: see `test_scenario_is_varied`).
        touched_late = {e for a in late for e in (a.applying, a.applied)}
        candidates = [a for a in first if a.applying not in touched_late and a.applied not in touched_late]
        undone = rng.sample(candidates, 9)
        s.first_undos = [Undo(undone[0].external_id, undone[0].posting_date)]  # undone the day it is posted
        s.first_undos += [Undo(a.external_id, FIRST_UNDOS + rng.randint(0, 4) * DAY) for a in undone[1:]]
        for application in undone:  # the undo gives the amount back
            self.left[application.applying] += application.amount
            self.left[application.applied] += application.amount
        again = [  # and most of it is applied again, later
            self.apply(a.applying, a.applied, a.amount, REAPPLIED_FROM + rng.randint(0, 10) * DAY, late=True)
            for a in undone[:7]
        ]
        second = late + again
        rng.shuffle(second)
        s.first, s.second = first, second
        s.second_undos = [
            Undo(a.external_id, SECOND_UNDOS + rng.randint(0, 3) * DAY)
            for a in [*rng.sample(late, 2), rng.choice(again)]
        ]
        self.omit_some_amounts()
        return s

    def omit_some_amounts(self) -> None:
        """Let the services path take "as much as possible" where that is the amount the ERP gives."""
        s = self.scenario
        left = {e.external_id: abs(e.amount) for e in s.entries}
        amounts = {a.external_id: a for a in s.applications}

        def run(applications):
            for a in applications:
                a.omit_amount = a.amount == min(left[a.applying], left[a.applied]) and self.rng.random() < 0.5
                left[a.applying] -= a.amount
                left[a.applied] -= a.amount

        def undo(undos):
            for u in undos:
                a = amounts[u.application]
                left[a.applying] += a.amount
                left[a.applied] += a.amount

        run(s.first)
        undo(s.first_undos)
        run(s.second)


@functools.cache
def scenario() -> Scenario:
    generator = _Generator()
    for code, _, currency, _, _, side in CUSTOMERS:
        generator.customer_ledger(code, currency, side)
    return generator.finish()


def balance_dates(s: Scenario) -> list[datetime.date]:
    month_ends = [D(f"2025-{m:02d}-01") - DAY for m in range(1, 8)]
    fixed = [D("2025-01-15"), D("2025-02-14"), D("2025-03-15"), D("2025-04-15"), D("2025-05-15")]
    undos = [u.undone_on + offset for u in s.undos for offset in (-DAY, 0 * DAY)]
    return sorted({*month_ends, *fixed, *undos, REAPPLIED_FROM, D("2025-12-31")})


# --- building the ledger both ways ---------------------------------------------------------------


def _set_up(tenant) -> tuple[dict, dict]:
    """Payment terms and branches, the same in both tenants (neither has an import)."""
    terms = {code: PaymentTerms.objects.create(code=code, rule=rule, days=days) for code, rule, days in TERMS}
    branches = {code: Branch.objects.create(code=code, name=name) for code, name in BRANCHES}
    return terms, branches


def _currency(entry: Entry, tenant) -> str:
    return tenant.local_currency if entry.currency == "LCY" else entry.currency


def build_with_services(s: Scenario, tenant) -> dict:
    with tenant_context(tenant):
        terms, branches = _set_up(tenant)
        customers = {
            code: customer_create(
                code=code,
                name=name,
                currency_code=currency,
                payment_terms=terms.get(terms_code),
                branch=branches.get(branch),
            )
            for code, name, currency, terms_code, branch, _ in CUSTOMERS
        }
        ids = {}
        for e in s.entries:
            ids[e.external_id] = ledger_entry_post(
                customer=customers[e.customer],
                document_type=e.document_type,
                document_no=e.document_no,
                posting_date=e.posting_date,
                amount=e.amount,
                amount_lcy=e.amount_lcy,
                currency_code=_currency(e, tenant) or None,
                document_date=e.document_date,
                due_date=e.due_date,
                description=e.description,
                external_id=e.external_id,
                branch=branches.get(e.branch),
                on_hold=e.on_hold,
            ).pk

        def apply(applications):
            for a in applications:
                entries_apply(
                    applying_entry_id=ids[a.applying],
                    applied_entry_id=ids[a.applied],
                    amount=None if a.omit_amount else a.amount,
                    posting_date=a.posting_date,
                    external_id=a.external_id,
                )

        apply(s.first)
        _undo(s.first_undos)
        apply(s.second)
        _undo(s.second_undos)
        return snapshot(s, tenant)


def _undo(undos: list[Undo]) -> None:
    for u in undos:
        application_undo(
            application_id=Application.objects.get(external_id=u.application).pk, undone_on=u.undone_on
        )


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _date(value: datetime.date | None) -> str:
    return "" if value is None else value.isoformat()


def customers_csv() -> bytes:
    return _csv(
        ["code", "name", "currency", "payment_terms", "branch"],
        [[code, name, currency, terms, branch] for code, name, currency, terms, branch, _ in CUSTOMERS],
    )


def entries_csv(s: Scenario, tenant) -> bytes:
    header = [
        "external_id",
        "customer",
        "document_type",
        "document_no",
        "posting_date",
        "document_date",
        "due_date",
        "description",
        "currency",
        "amount",
        "amount_lcy",
        "branch",
        "on_hold",
    ]
    rows = [
        [
            e.external_id,
            e.customer,
            e.document_type,
            e.document_no,
            _date(e.posting_date),
            _date(e.document_date),
            _date(e.due_date),
            e.description,
            _currency(e, tenant),
            _money(e.amount),
            _money(e.amount_lcy),
            e.branch,
            "yes" if e.on_hold else "no",
        ]
        for e in s.entries
    ]
    return _csv(header, rows)


def applications_csv(applications: list[Apply]) -> bytes:
    return _csv(
        ["external_id", "applying_entry", "applied_entry", "amount", "posting_date"],
        [
            [a.external_id, a.applying, a.applied, _money(a.amount), _date(a.posting_date)]
            for a in applications
        ],
    )


def _import(kind: str, data: bytes):
    result = import_csv(kind=kind, source=io.BytesIO(data))
    assert result.errors == [], f"the {kind} import refused the file: {result.errors[:10]}"
    return result


def build_with_imports(s: Scenario, tenant) -> dict:
    with tenant_context(tenant):
        _set_up(tenant)
        _import("customers", customers_csv())
        _import("entries", entries_csv(s, tenant))
        _import("applications", applications_csv(s.first))
        _undo(s.first_undos)
        _import("applications", applications_csv(s.second))
        _undo(s.second_undos)
        again = _import("entries", entries_csv(s, tenant))
        return {**snapshot(s, tenant), "entries again": (again.rows, again.created, again.updated)}


# --- what each tenant holds, as plain data keyed by external ids ---------------------------------


def _amount(value) -> str:
    return f"{Decimal(value):.2f}"


def snapshot(s: Scenario, tenant) -> dict:
    lcy = tenant.local_currency
    entries, customer_of, external_id_of = {}, {}, {}
    for e in LedgerEntry.objects.select_related("branch").order_by("id"):
        external_id_of[e.pk] = e.external_id
        customer_of[e.external_id] = e.customer_id
        entries[e.external_id] = {
            "document_type": e.document_type,
            "document_no": e.document_no,
            "posting_date": _date(e.posting_date),
            "document_date": _date(e.document_date),
            "due_date": _date(e.due_date),
            "currency_code": "LCY" if e.currency_code == lcy else e.currency_code,
            "amount": _amount(e.amount),
            "amount_lcy": _amount(e.amount_lcy),
            "remaining_amount": _amount(e.remaining_amount),
            "remaining_amount_lcy": _amount(e.remaining_amount_lcy),
            "is_open": e.is_open,
            "closed_at": _date(e.closed_at),
            "settled_by_payment": e.settled_by_payment,
            "description": e.description,
            "branch": e.branch.code if e.branch else "",
            "on_hold": e.on_hold,
        }
    applications = {}
    active_dates = defaultdict(list)  # external id of an entry -> posting dates of its active applications
    for a in Application.objects.order_by("id"):
        applying, applied = external_id_of[a.applying_entry_id], external_id_of[a.applied_entry_id]
        applications[a.external_id] = {
            "applying": applying,
            "applied": applied,
            "amount": _amount(a.amount),
            "posting_date": _date(a.posting_date),
            "undone_on": _date(a.undone_on),
        }
        if a.undone_on is None:
            active_dates[applying].append(a.posting_date)
            active_dates[applied].append(a.posting_date)

    @functools.cache
    def remaining_as_of(customer_id: int, day: datetime.date) -> dict[str, tuple[Decimal, Decimal]]:
        found = entry_remaining_as_of(customer_id=customer_id, as_of=day)
        return {external_id_of[pk]: value for pk, value in found.items()}

    customers = {c.code: c for c in Customer.objects.select_related("payment_terms", "branch")}
    balances, remaining = {}, {}
    for code, c in sorted(customers.items()):
        for day in balance_dates(s):
            balances[f"{code} as of {day}"] = _amount(customer_balance_as_of(customer_id=c.pk, as_of=day))
            for external_id, (left, left_lcy) in remaining_as_of(c.pk, day).items():
                remaining[f"{external_id} as of {day}"] = f"{_amount(left)} / {_amount(left_lcy)}"

    # The closing rule, on this tenant's own rows.
    closed_at, rule, settles, settles_wanted, stored, history = {}, {}, {}, {}, {}, {}
    far = D("2099-12-31")
    for external_id, row in entries.items():
        customer_id = customer_of[external_id]
        stored[external_id] = f"{row['remaining_amount']} / {row['remaining_amount_lcy']}"
        left, left_lcy = remaining_as_of(customer_id, far)[external_id]
        history[external_id] = f"{_amount(left)} / {_amount(left_lcy)}"
        if row["is_open"]:
            continue
        dates = active_dates[external_id]
        closed_at[external_id] = row["closed_at"]
        rule[external_id] = _date(max(dates) if dates else D(row["posting_date"]))
        if not dates:
            continue
        closed_on = D(row["closed_at"])
        left, left_lcy = remaining_as_of(customer_id, closed_on)[external_id]
        before = remaining_as_of(customer_id, closed_on - DAY).get(external_id)
        settles[external_id] = (
            f"{_amount(left)} / {_amount(left_lcy)}",
            "not posted yet" if before is None else "zero" if before[0] == 0 else "not zero",
        )
        settles_wanted[external_id] = (
            "0.00 / 0.00",
            "not posted yet" if closed_on == D(row["posting_date"]) else "not zero",
        )
    return {
        "customers": {
            c.code: {
                "name": c.name,
                "currency_code": c.currency_code,
                "payment_terms": c.payment_terms.code if c.payment_terms else "",
                "branch": c.branch.code if c.branch else "",
            }
            for c in customers.values()
        },
        "entries": entries,
        "applications": applications,
        "balances": balances,
        "remaining as of": remaining,
        "closed_at": closed_at,
        "closed_at by the rule": rule,
        "remaining from closed_at": settles,
        "remaining from closed_at wanted": settles_wanted,
        "stored remaining": stored,
        "remaining as of 2099-12-31": history,
    }


_BUILT: dict[str, dict] = {}


@pytest.fixture
def built(tenant_a, tenant_b) -> dict[str, dict]:
    """{"services": what tenant A holds, "imports": what tenant B holds}, built once for the module."""
    if not _BUILT:
        s = scenario()
        services = build_with_services(s, tenant_a)
        imported = build_with_imports(s, tenant_b)
        _BUILT.update(services=services, imports=imported)
    return _BUILT


def _differences(left: dict, right: dict, names=("services", "import"), limit: int = 25) -> str:
    """The keys whose values differ, one line each (pytest's own diff of two big dicts is cut short)."""
    keys = sorted(
        k for k in left.keys() | right.keys() if left.get(k, "(missing)") != right.get(k, "(missing)")
    )
    lines = [
        f"{k}: {names[0]} {left.get(k, '(missing)')!r}, {names[1]} {right.get(k, '(missing)')!r}"
        for k in keys
    ]
    more = f"\n... and {len(keys) - limit} more" if len(keys) > limit else ""
    return f"{len(keys)} differ:\n" + "\n".join(lines[:limit]) + more


# --- the scenario is what it says ----------------------------------------------------------------


def test_scenario_is_varied():
    s = scenario()
    entries = {e.external_id: e for e in s.entries}
    kinds = defaultdict(int)
    for e in s.entries:
        kinds[e.document_type] += 1
    active = [a for a in s.applications if a.external_id not in {u.application for u in s.undos}]
    per_applied, per_applying = defaultdict(list), defaultdict(list)
    for a in active:
        per_applied[a.applied].append(a)
        per_applying[a.applying].append(a)
    # Entries closed by the application keyed in last while another one on them is dated later.
    order = {a.external_id: n for n, a in enumerate(s.applications)}
    left = {e.external_id: abs(e.amount) for e in s.entries}
    for a in active:
        left[a.applying] -= a.amount
        left[a.applied] -= a.amount
    back_dated_closings = [
        external_id
        for external_id, applications in {**per_applied, **per_applying}.items()
        if left[external_id] == 0
        and max(applications, key=lambda a: order[a.external_id]).posting_date
        < max(a.posting_date for a in applications)
    ]
    undone = {u.application: u.undone_on for u in s.undos}
    first_undone = {u.application: u.undone_on for u in s.first_undos}
    figures = {
        "entries": len(s.entries),
        "customers": len({e.customer for e in s.entries}),
        "applications": len(s.applications),
        "undone": len(undone),
        "foreign-currency entries": sum(
            (e.currency or CUSTOMER_CURRENCY[e.customer]) != "LCY" for e in s.entries
        ),
        "due from payment terms": sum(
            e.due_date is None and e.document_type not in CREDIT and CUSTOMER_TERMS[e.customer] != ""
            for e in s.entries
        ),
        "invoices with several applications": sum(
            len(v) > 1 and entries[k].document_type == "invoice" for k, v in per_applied.items()
        ),
        "payments over 3+ entries": sum(len(v) >= 3 for v in per_applying.values()),
        "partial applications": sum(
            a.amount < min(abs(entries[a.applying].amount), entries[a.applied].amount) for a in active
        ),
        "back-dated closings": len(back_dated_closings),
        "amounts left to the services": sum(a.omit_amount for a in s.applications),
    }
    assert kinds.keys() == set(PREFIXES), kinds
    assert figures["entries"] >= 200 and figures["customers"] == 10, figures
    assert all(value >= 5 for value in figures.values()), figures
    assert figures["applications"] >= 200, figures
    # Amounts never go past an entry's: what is left is between zero and the amount.
    assert all(0 <= left[e.external_id] <= abs(e.amount) for e in s.entries)
    # An application keyed in after an undo is dated after it when it touches the undone one's entries,
    # so the remaining amounts as of past dates never count both (see the module's rule).
    for a in s.second:
        for u_id, on in first_undone.items():
            u = next(x for x in s.applications if x.external_id == u_id)
            if {a.applying, a.applied} & {u.applying, u.applied}:
                assert a.posting_date > on, (a, u)


# --- the comparisons -------------------------------------------------------------------------------


def test_customers_are_set_up_alike(built):
    assert built["services"]["customers"] == built["imports"]["customers"]


@pytest.mark.parametrize("name", ENTRY_FIELDS)
def test_entry_field_is_identical(built, name):
    services = {k: row[name] for k, row in built["services"]["entries"].items()}
    imported = {k: row[name] for k, row in built["imports"]["entries"].items()}
    assert services == imported, _differences(services, imported)


def test_applications_are_identical(built):
    services, imported = built["services"]["applications"], built["imports"]["applications"]
    assert services == imported, _differences(services, imported)


def test_balances_as_of_dates_are_identical(built):
    services, imported = built["services"]["balances"], built["imports"]["balances"]
    assert services == imported, _differences(services, imported)


def test_remaining_amounts_as_of_dates_are_identical(built):
    services, imported = built["services"]["remaining as of"], built["imports"]["remaining as of"]
    assert services == imported, _differences(services, imported)


def test_reimporting_the_entries_changes_nothing(built):
    rows, created, updated = built["imports"]["entries again"]
    assert (rows, created, updated) == (len(scenario().entries), 0, 0)


@pytest.mark.parametrize("path", ["services", "imports"])
def test_closed_at_is_the_latest_active_application(built, path):
    closed_at, rule = built[path]["closed_at"], built[path]["closed_at by the rule"]
    assert closed_at == rule, _differences(closed_at, rule, ("closed_at", "rule"))


@pytest.mark.parametrize("path", ["services", "imports"])
def test_remaining_is_zero_from_closed_at_and_not_before(built, path):
    found, wanted = built[path]["remaining from closed_at"], built[path]["remaining from closed_at wanted"]
    assert found == wanted, _differences(found, wanted, ("found", "wanted"))


@pytest.mark.parametrize("path", ["services", "imports"])
def test_stored_remaining_is_what_the_applications_leave(built, path):
    stored, history = built[path]["stored remaining"], built[path]["remaining as of 2099-12-31"]
    assert stored == history, _differences(stored, history, ("stored", "from the applications"))
