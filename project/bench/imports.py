"""Import benchmark: an ERP's feed of 1,000,000 ledger entries and 500,000 applications through the CSV
loader in one transaction (`import_feed`), against a bare COPY of the same files in the same run; then the
same feed again (idempotent).

    run(stdout, entries=1_000_000)   # from `make bench`
    DJANGO_SETTINGS_MODULE=creditcontrol.settings.local python -m project.bench.imports --entries 1000000

Works in its own tenant ("bench-import"), whose ledger it empties first so every run measures a fresh
load. The figures are recorded in docs/benchmarks.md ("Import").
"""

import datetime
import os
import tempfile
import time

from django.db import connection, transaction

from creditcontrol.models import Tenant
from creditcontrol.rowsecurity import app_connection
from creditcontrol.tenancy import tenant_context
from ledger.imports import import_csv, import_feed
from ledger.models import LedgerEntry

BENCH_SLUG = "bench-import"
CUSTOMERS = 20_000
FEED_TARGET_SECONDS = 90
FEED_TARGET_RATIO = 4


def _write_customers(path: str, customers: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("code,name,customer_type,currency,credit_limit,country,tags\n")
        for i in range(1, customers + 1):
            currency = "EUR" if i % 10 == 0 else ""
            limit = "" if i % 9 == 0 else str((i % 7) * 5000)
            out.write(f"B{i:06d},Bench customer {i},Business,{currency},{limit},GB,bench\n")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _entry_line(n: int, customer: int, foreign: bool, kind: str, no: str, dates: tuple, cents: int) -> str:
    """One row of the entries file; a foreign-currency customer's amounts with an LCY twin at 0.86."""
    posted, due = dates
    lcy = _money(cents * 86 // 100) if foreign else ""
    text = "Sales invoice" if kind == "invoice" else "Payment received"
    return f"E{n:08d},B{customer:06d},{kind},{no},{posted},{posted},{due},{text},,{_money(cents)},{lcy},,\n"


def _write_feed(entries_path: str, applications_path: str, entries: int, customers: int) -> int:
    """An ERP's feed of `entries` ledger entries and the applications between them, in blocks of four
    entries of one customer: two invoices, a payment that settles the first and one that pays half the
    second (two applications per block: 500,000 for 1,000,000 entries). Returns the applications written."""
    start = datetime.date(2024, 1, 1)
    dates = [(start + datetime.timedelta(days=d)).isoformat() for d in range(830)]
    applications = 0
    with (
        open(entries_path, "w", encoding="utf-8") as out,
        open(applications_path, "w", encoding="utf-8") as app,
    ):
        out.write(
            "external_id,customer,document_type,document_no,posting_date,document_date,due_date,description,"
            "currency,amount,amount_lcy,branch,on_hold\n"
        )
        app.write("external_id,applying_entry,applied_entry,amount,posting_date\n")
        lines, applied = [], []
        for block in range(entries // 4):
            c = 1 + (block * 7919) % customers
            foreign = c % 10 == 0
            day = (block * 31) % 770
            first, second = 5000 + (block * 7477) % 990_000, 5000 + (block * 3571) % 990_000
            paid, half = day + 20, second // 2

            n = 4 * block
            invoiced, received = (dates[day], dates[day + 30]), (dates[paid], dates[paid + 30])
            lines += [
                _entry_line(n + 1, c, foreign, "invoice", f"SI{n + 1:08d}", invoiced, first),
                _entry_line(n + 2, c, foreign, "invoice", f"SI{n + 2:08d}", invoiced, second),
                _entry_line(n + 3, c, foreign, "payment", f"PMT{n + 3:08d}", received, -first),
                _entry_line(n + 4, c, foreign, "payment", f"PMT{n + 4:08d}", received, -half),
            ]
            applied += [
                f"A{2 * block + 1:08d},E{n + 3:08d},E{n + 1:08d},{_money(first)},{dates[paid]}\n",
                f"A{2 * block + 2:08d},E{n + 4:08d},E{n + 2:08d},{_money(half)},{dates[paid]}\n",
            ]
            applications += 2
            if len(lines) >= 50_000:
                out.writelines(lines)
                app.writelines(applied)
                lines.clear()
                applied.clear()
        out.writelines(lines)
        app.writelines(applied)
    return applications


def _bare_copy(paths: list[str]) -> float:
    """Seconds to COPY the same files into unindexed tables of text columns: the floor of any load."""
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for number, path in enumerate(paths):
            with open(path, encoding="utf-8") as source:
                columns = source.readline().strip().split(",")
                cursor.execute(
                    f"CREATE TEMP TABLE bare_{number} ({', '.join(f'{c} text' for c in columns)}) ON COMMIT DROP"
                )
                source.seek(0)
                cursor.copy_expert(f"COPY bare_{number} FROM STDIN WITH (FORMAT csv, HEADER)", source)
    return time.monotonic() - started


class _Phases:
    """A progress callback that times each phase of an import (checking rows, checking against the
    ledger, writing): the seconds from the phase's first report to the next phase's."""

    def __init__(self):
        self.started: dict[str, float] = {}

    def __call__(self, report: dict) -> None:
        self.started.setdefault(report["phase"], time.monotonic())

    def summary(self) -> str:
        marks = sorted(self.started.items(), key=lambda item: item[1])
        return ", ".join(
            f"{phase} {end - start:.1f} s"
            for (phase, start), (_, end) in zip(marks, marks[1:], strict=False)
            if phase != "starting"
        )


def _empty_ledger(tenant) -> bool:
    """Delete the bench tenant's entries. When no other tenant has any, rebuild the table and its indexes
    too (VACUUM FULL), so that each run loads into a fresh, empty ledger rather than into indexes bloated
    by the runs before it. Returns whether the ledger is now empty."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_application WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("DELETE FROM ledger_ledgerentry WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM ledger_ledgerentry)")
        empty = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {'FULL ' if empty else ''}ANALYZE ledger_ledgerentry")
    return empty


def _server_settings() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings "
            "WHERE name IN ('shared_buffers', 'max_wal_size', 'synchronous_commit', 'max_parallel_workers_per_gather')"
        )
        return cursor.fetchone()[0]


def run(stdout, *, entries: int = 1_000_000) -> dict:

    def say(message: str) -> None:
        # Django's OutputWrapper (manage.py bench) ends each write itself; a plain stream does not.
        stdout.write(message if hasattr(stdout, "style_func") else message + "\n")
        stdout.flush()

    tenant, _ = Tenant.objects.get_or_create(
        slug=BENCH_SLUG,
        defaults={"name": "Import benchmark", "local_currency": "GBP", "time_zone": "Europe/London"},
    )
    figures = {"entries": entries}
    with tempfile.TemporaryDirectory() as tmp, tenant_context(tenant):
        customers_path = os.path.join(tmp, "customers.csv")
        entries_path = os.path.join(tmp, "entries.csv")
        applications_path = os.path.join(tmp, "applications.csv")
        _write_customers(customers_path, CUSTOMERS)
        started = time.monotonic()
        applications = _write_feed(entries_path, applications_path, entries, CUSTOMERS)
        figures["applications"] = applications
        say(
            f"import: generated {entries:,} entries ({os.path.getsize(entries_path) / 1e6:.0f} MB) and "
            f"{applications:,} applications ({os.path.getsize(applications_path) / 1e6:.0f} MB) "
            f"in {time.monotonic() - started:.1f} s"
        )
        with open(customers_path, "rb") as source:
            result = import_csv(kind="customers", source=source)
        assert result.ok, result.errors[:5]
        say(f"import: {CUSTOMERS:,} customers in {result.seconds:.1f} s ({result.created:,} created)")
        empty = _empty_ledger(tenant)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ledger_ledgerentry")  # every tenant's: what the indexes hold
            others = cursor.fetchone()[0]
        say(
            f"import: into {'an empty ledger' if empty else f'a ledger holding {others:,} other entries'} "
            f"(PostgreSQL {_server_settings()})"
        )
        bare = _bare_copy([entries_path, applications_path])
        figures["bare_copy_seconds"] = bare
        say(f"import: bare COPY of both files into unindexed text tables: {bare:.1f} s")

        with app_connection():  # timed as the application imports, under the tenant policies
            phases = _Phases()
            with open(entries_path, "rb") as entries_file, open(applications_path, "rb") as applications_file:
                first = import_feed(
                    {"entries": entries_file, "applications": applications_file}, progress=phases
                )
            assert first.ok, first.errors[:5]
            feed = first.seconds
            figures.update(feed_seconds=feed, ratio=feed / bare)
            say(
                f"import: the feed ({entries:,} entries + {applications:,} applications, one transaction) in "
                f"{feed:.1f} s = {(entries + applications) / feed:,.0f} rows/s ({first.created:,} created); "
                f"phases: {phases.summary()}"
            )
            say(
                f"import: the feed in {feed:.1f} s (target < {FEED_TARGET_SECONDS} s: "
                f"{'met' if feed < FEED_TARGET_SECONDS else 'MISSED'}); {feed / bare:.1f}x the bare COPY "
                f"(target <= {FEED_TARGET_RATIO}: {'met' if feed / bare <= FEED_TARGET_RATIO else 'MISSED'})"
            )
            open_entries = LedgerEntry.objects.filter(is_open=True).count()
            say(
                f"import: {LedgerEntry.objects.count():,} entries in the tenant, {open_entries:,} open "
                f"(every first invoice and payment of a block closed, every second invoice half paid)"
            )
            with open(entries_path, "rb") as entries_file, open(applications_path, "rb") as applications_file:
                again = import_feed({"entries": entries_file, "applications": applications_file})
            assert again.ok and again.created == 0 and again.updated == 0, again.message
            figures.update(again_seconds=again.seconds)
            say(
                f"import: the same feed again in {again.seconds:.1f} s (nothing created or updated; still "
                f"{LedgerEntry.objects.count():,} entries, {open_entries:,} open: "
                f"{LedgerEntry.objects.filter(is_open=True).count():,})"
            )
    return figures


if __name__ == "__main__":
    import argparse
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcontrol.settings.local")
    django.setup()
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    run(sys.stdout, entries=parser.parse_args().entries)
