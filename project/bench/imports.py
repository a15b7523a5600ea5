"""Import benchmark: 1,000,000 ledger entries through the CSV loader, then the same file again (idempotent).

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
from ledger.imports import import_csv
from ledger.models import LedgerEntry

BENCH_SLUG = "bench-import"
CUSTOMERS = 20_000


def _write_customers(path: str, customers: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("code,name,customer_type,currency,credit_limit,country,tags\n")
        for i in range(1, customers + 1):
            currency = "EUR" if i % 10 == 0 else ""
            limit = "" if i % 9 == 0 else str((i % 7) * 5000)
            out.write(f"B{i:06d},Bench customer {i},Business,{currency},{limit},GB,bench\n")


def _write_entries(path: str, entries: int, customers: int) -> None:
    start = datetime.date(2024, 1, 1)
    dates = [(start + datetime.timedelta(days=d)).isoformat() for d in range(800)]
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            "external_id,customer,document_type,document_no,posting_date,document_date,due_date,description,"
            "currency,amount,amount_lcy,branch,on_hold\n"
        )
        lines = []
        for i in range(1, entries + 1):
            c = 1 + (i * 7919) % customers
            day = (i * 31) % 770
            cents = 5000 + (i * 7477) % 990_000
            foreign = c % 10 == 0
            if i % 4 == 0:
                kind, sign, no, text = "payment", "-", f"PMT{i:08d}", "Payment received"
            else:
                kind, sign, no, text = "invoice", "", f"SI{i:08d}", "Sales invoice"
            amount = f"{sign}{cents // 100}.{cents % 100:02d}"
            lcy = f"{sign}{cents * 86 // 10000}.{(cents * 86 // 100) % 100:02d}" if foreign else ""
            lines.append(
                f"E{i:08d},B{c:06d},{kind},{no},{dates[day]},{dates[day]},{dates[day + 30]},{text},,{amount},{lcy},,\n"
            )
            if len(lines) == 50_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)


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
        _write_customers(customers_path, CUSTOMERS)
        started = time.monotonic()
        _write_entries(entries_path, entries, CUSTOMERS)
        say(
            f"import: generated {entries:,} entries ({os.path.getsize(entries_path) / 1e6:.0f} MB) "
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

        with app_connection():  # timed as the application imports, under the tenant policies
            phases = _Phases()
            with open(entries_path, "rb") as source:
                first = import_csv(kind="entries", source=source, progress=phases)
            assert first.ok, first.errors[:5]
            count = LedgerEntry.objects.count()
            figures.update(first_seconds=first.seconds, first_rate=entries / first.seconds)
            say(
                f"import: {entries:,} entries in {first.seconds:.1f} s = {entries / first.seconds:,.0f} rows/s "
                f"({first.created:,} created; {count:,} entries in the tenant)"
            )
            say(f"import: phases: {phases.summary()}")
            with open(entries_path, "rb") as source:
                again = import_csv(kind="entries", source=source)
            assert again.ok and again.created == 0 and again.updated == 0, again.message
            assert LedgerEntry.objects.count() == count
            figures.update(again_seconds=again.seconds, again_rate=entries / again.seconds)
            say(
                f"import: same file again in {again.seconds:.1f} s = {entries / again.seconds:,.0f} rows/s "
                f"({again.unchanged:,} unchanged, {again.created} created, {again.updated} updated; "
                f"still {LedgerEntry.objects.count():,} entries)"
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
