"""Loading an ERP CSV file: stream and check each row, COPY into a staging table, check set-based, upsert.

All or nothing: the whole import runs in one transaction, and any error (a bad field, an unknown code,
an over-application) rolls it back and comes back as a list of {row, column, message}; row is the
file's line number (the header is row 1). Re-importing a file changes nothing: rows are matched on the
ERP's key (customer code, entry or application external id) and only rows that differ are written.
"""

import csv
import io
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import connection, transaction

from creditcontrol import auditing, changes, rowsecurity
from creditcontrol.tenancy import current_tenant
from customers.models import Branch

from ..feeds import ledger_fed
from .formats import FORMATS, Format, RowError
from .writers import IMPORT_REASON, WRITERS, Written

ERROR_LIMIT = 200
NUL_MESSAGE = "A NUL character cannot be stored: remove it."
# An import that writes at least this many rows (and a tenth of the table) refreshes its planner statistics.
ANALYZE_AFTER_ROWS = 1_000
COPY_CHUNK_ROWS = 50_000
# pg_advisory_xact_lock(IMPORT_LOCK, tenant id): one import at a time per tenant.
IMPORT_LOCK = 0x1E0C

# A feed's files are imported in this order, whatever order they are given in.
FEED_ORDER = ("customers", "entries", "applications")

Progress = Callable[[dict], None]


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    truncated: bool = False
    seconds: float = 0.0
    # Per file of a feed, in import order: {kind: {rows, created, updated, unchanged}}.
    parts: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        if self.ok:
            return (
                "Imported "
                + "; ".join(
                    f"{part['rows']:,} {kind} rows: {part['created']:,} created, "
                    f"{part['updated']:,} updated, {part['unchanged']:,} unchanged"
                    for kind, part in self.parts.items()
                )
                + "."
            )
        more = f" (the first {len(self.errors)} are listed)" if self.truncated else ""
        count = f"{len(self.errors)}+" if self.truncated else str(len(self.errors))
        what = "The files have" if len(self.parts) > 1 else "The file has"
        return f"{what} {count} error{'' if count == '1' else 's'}{more}: nothing was imported."

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "ok": self.ok,
            "detail": self.message,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "truncated": self.truncated,
            "seconds": round(self.seconds, 2),
            **({"files": self.parts} if len(self.parts) > 1 else {}),
        }


class _Errors:
    """The errors found so far; in a feed of several files each names its file (`file`: the kind)."""

    def __init__(self, limit: int, *, files: list[str] | None = None):
        self.items: list[dict] = []
        self.limit = limit
        self.truncated = False
        self.files = files
        self.file = ""

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.items) >= self.limit:
            self.truncated = True
            return
        error = {"row": row, "column": column, "message": message}
        if self.files:
            error["file"] = self.file
        self.items.append(error)

    @property
    def full(self) -> bool:
        return self.truncated or len(self.items) >= self.limit

    def __bool__(self) -> bool:
        return bool(self.items)


class _Rollback(Exception):
    pass


class _Reporter:
    """Progress as a dict {phase, percent, rows_done, rows_total}, sent at most every half second."""

    def __init__(self, callback: Progress | None, total: int):
        self.callback = callback
        self.total = max(total, 0)
        self.last = 0.0

    def send(self, phase: str, rows_done: int, percent: float, *, force: bool = False) -> None:
        if self.callback is None:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        self.callback(
            {
                "phase": phase,
                "percent": min(100, int(percent)),
                "rows_done": rows_done,
                "rows_total": self.total,
            }
        )

    def reading(self, rows_done: int) -> None:
        share = rows_done / self.total if self.total else 0
        self.send("checking rows", rows_done, 70 * share)


def _count_rows(source: BinaryIO) -> int:
    """Data rows (lines after the header) in a seekable file; 0 when the file cannot be rewound."""
    if not (hasattr(source, "seekable") and source.seekable()):
        return 0
    start = source.tell()
    lines, last = 0, b"\n"
    while chunk := source.read(1 << 20):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    source.seek(start)
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def import_csv(
    *, kind: str, source: BinaryIO, progress: Progress | None = None, error_limit: int = ERROR_LIMIT
) -> ImportResult:
    """Import one CSV file (binary, UTF-8) of `kind` into the current tenant. Never half-writes."""
    return import_feed({kind: source}, progress=progress, error_limit=error_limit)


def import_feed(
    sources: dict[str, BinaryIO], *, progress: Progress | None = None, error_limit: int = ERROR_LIMIT
) -> ImportResult:
    """Import the files of one ERP feed (customers, entries, applications: any of them, each at most once)
    into the current tenant in one transaction: all of them or none. Each file is checked as if imported
    alone, in that order, so entries may name the feed's new customers and applications its new entries.
    New entries are written once, with what the feed's applications leave on them, rather than inserted
    open and then updated (the applications import alone rewrites every entry it touches)."""
    # The audit log records the feed's changes as an import's (its job and file, when the task said so).
    with auditing.context(source=auditing.IMPORT, reason=IMPORT_REASON):
        return _import_feed(sources, progress=progress, error_limit=error_limit)


def _import_feed(
    sources: dict[str, BinaryIO], *, progress: Progress | None, error_limit: int
) -> ImportResult:
    kinds = [kind for kind in FEED_ORDER if kind in sources]
    unknown = set(sources) - set(FEED_ORDER)
    if unknown or not kinds:
        raise ValueError(
            f"Import kinds are {', '.join(FEED_ORDER)}; got {', '.join(sorted(sources)) or 'none'}."
        )
    tenant = current_tenant()
    started = time.monotonic()
    result = ImportResult(kind="+".join(kinds))
    errors = _Errors(error_limit, files=kinds if len(kinds) > 1 else None)
    reporter = _Reporter(progress, sum(_count_rows(sources[kind]) for kind in kinds))
    reporter.send("starting", 0, 0, force=True)
    present: dict[str, set] = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Room to sort and hash a million staged rows in memory (the write keeps the file's order).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, tenant.pk])
            for kind in kinds:
                errors.file = kind
                _create_staging(cursor, FORMATS[kind], _stage(kind))
                present[kind] = _stream(
                    cursor, FORMATS[kind], _stage(kind), sources[kind], errors, result, reporter
                )
                result.parts[kind] = {"rows": result.rows - sum(p["rows"] for p in result.parts.values())}
            if errors:
                raise _Rollback
            written, fed_branches = Written(), set()
            for kind in kinds:
                errors.file = kind
                reporter.send(f"checking {kind} against the ledger", result.rows, 75, force=True)
                # The writers read the file being imported as import_stage.
                cursor.execute(f"ALTER TABLE {_stage(kind)} RENAME TO import_stage")
                writer = WRITERS[kind](
                    cursor=cursor,
                    tenant=tenant,
                    fmt=FORMATS[kind],
                    present=present[kind],
                    errors=errors,
                    feed_applications=_stage("applications")
                    if kind == "entries" and "applications" in kinds
                    else None,
                    new_entries=kind == "applications" and "entries" in kinds,
                )
                writer.check()
                if errors:
                    raise _Rollback
                reporter.send(f"writing {kind}", result.rows, 85, force=True)
                counts = writer.write()
                _statistics_refresh(cursor, writer.table, written=counts.created + counts.updated)
                rows = result.parts[kind]["rows"]
                result.parts[kind].update(
                    created=counts.created,
                    updated=counts.updated,
                    unchanged=rows - counts.created - counts.updated,
                )
                written = written.merge(counts)
                if kind == "entries":
                    cursor.execute(
                        f"""SELECT DISTINCT b.id FROM import_stage s JOIN {Branch._meta.db_table} b
                            ON b.tenant_id = %s AND b.code = s.branch_code""",
                        [tenant.pk],
                    )
                    fed_branches.update(row[0] for row in cursor.fetchall())
                cursor.execute("DROP TABLE import_stage")
                writer.cleanup()
            if {"entries", "applications"} & set(kinds):
                ledger_fed(branch_ids=fed_branches)
            result.created, result.updated = written.created, written.updated
            result.unchanged = result.rows - result.created - result.updated
            # One change for the whole feed, in its transaction: statistics go stale, paid to-dos close
            # and promises are judged before the import commits.
            changes.publish(
                source=f"import of {' and '.join(kinds)}",
                customer_ids=written.customer_ids,
                settled_entry_ids=written.settled_entry_ids,
                reopened_entry_ids=written.reopened_entry_ids,
            )
            reporter.send("committing", result.rows, 95, force=True)
    except _Rollback:
        pass
    order = {kind: number for number, kind in enumerate(kinds)}
    result.errors = sorted(errors.items, key=lambda e: (order.get(e.get("file"), 0), e["row"], e["column"]))
    result.truncated = errors.truncated
    if result.errors:
        result.created = result.updated = result.unchanged = 0
        for part in result.parts.values():
            part.update(created=0, updated=0, unchanged=0)
    result.seconds = time.monotonic() - started
    reporter.send("done", result.rows, 100, force=True)
    return result


def _stage(kind: str) -> str:
    return f"import_stage_{kind}"


def _statistics_refresh(cursor, table: str, *, written: int) -> None:
    """Refresh the table's planner statistics when this import changed a tenth of it or more (as autovacuum
    would, some time later): a new tenant's first load would otherwise leave the planner taking the table
    for nearly empty, and the next statement, or the next import, joining it row by row (20,000 entries
    after 20,000 new customers: 20 s instead of 2 s). A small feed into a big ledger skips it (ANALYZE of a
    10-million-entry ledger takes seconds)."""
    if written < ANALYZE_AFTER_ROWS:
        return
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    known = cursor.fetchone()[0]
    if known <= 0 or written >= known / 10:
        rowsecurity.analyze(cursor, table)


def _create_staging(cursor, fmt: Format, table: str) -> None:
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in fmt.staging.items())
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMP TABLE {table} ({columns}, row_no integer NOT NULL) ON COMMIT DROP")


def _header(fmt: Format, header: list[str], errors: _Errors) -> list[str] | None:
    names = [name.strip().lower() for name in header]
    before = len(errors.items)  # a feed's earlier file may have had errors of its own
    seen = set()
    for name in names:
        if name not in fmt.columns:
            errors.add(1, name, f"Unknown column '{name}': the columns are {', '.join(fmt.columns)}.")
        elif name in seen:
            errors.add(1, name, f"Column '{name}' appears twice.")
        seen.add(name)
    for name in fmt.required:
        if name not in seen:
            errors.add(1, name, f"Missing column '{name}'.")
    return None if len(errors.items) > before else names


class _NulByte(Exception):
    """A NUL byte, which no PostgreSQL text can hold."""


class _Lines:
    """The file's lines as text, decoded one by one so that a bad byte is reported on its own line."""

    def __init__(self, source: BinaryIO):
        self.source = source
        self.number = 0

    def __iter__(self):
        for raw in self.source:
            self.number += 1
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if b"\x00" in raw:
                raise _NulByte
            yield raw.decode("utf-8")


class _Copier:
    """COPYs chunks of cleaned rows into the staging table from a second thread, so that the server
    loads one chunk while this process checks the next (psycopg2 lets go of the GIL while it waits).
    The connection is only ever used by one thread at a time: the caller waits in `close()`."""

    def __init__(self, cursor, fmt: Format, table: str):
        self.raw_cursor = cursor.cursor  # psycopg2's own cursor, for COPY
        self.sql = f"COPY {table} ({', '.join(fmt.staging)}, row_no) FROM STDIN WITH (FORMAT csv)"
        self.chunks: queue.Queue[io.StringIO | None] = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.failure is None:
                try:
                    self.raw_cursor.copy_expert(self.sql, chunk)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller in close()
                    self.failure = exc

    def send(self, chunk: io.StringIO) -> None:
        chunk.seek(0)
        self.chunks.put(chunk)

    def close(self) -> None:
        self.chunks.put(None)
        self.thread.join()
        if self.failure is not None:
            raise self.failure


def _stream(
    cursor, fmt: Format, table: str, source: BinaryIO, errors: _Errors, result: ImportResult, reporter
) -> set:
    """Check every row; while the file is clean, COPY the cleaned rows into the staging table."""
    copier = _Copier(cursor, fmt, table)
    try:
        present = _stream_rows(copier, fmt, source, errors, result, reporter)
    finally:
        copier.close()  # the connection is this thread's again (and a failed COPY raises here)
    if not errors:
        cursor.execute(f"ANALYZE {table}")
    return present


def _stream_rows(
    copier: _Copier, fmt: Format, source: BinaryIO, errors: _Errors, result: ImportResult, reporter
) -> set:
    before = result.rows  # rows of the feed's earlier files
    lines = _Lines(source)
    reader = csv.reader(lines, strict=True)  # a stray quote is an error, not rows swallowed into one field
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    pending = 0
    line = 1
    rows = 0
    names: list[str] = []
    try:
        try:
            header = next(reader)
        except StopIteration:
            errors.add(1, "", "The file is empty: it needs a header row.")
            return set()
        names = _header(fmt, header, errors)
        if names is None:
            return set()
        width = len(names)
        clean = fmt.clean
        write = writer.writerow
        line = reader.line_num
        for values in reader:
            row_no = line + 1
            line = reader.line_num
            if len(values) != width:
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue  # a blank line
                rows += 1
                errors.add(row_no, "", f"Expected {width} fields, found {len(values)}.")
            else:
                rows += 1
                try:
                    cleaned = clean(dict(zip(names, values, strict=False)))  # lengths checked above
                except RowError as error:
                    errors.add(row_no, error.column, error.message)
                else:
                    if not errors.items:
                        cleaned.append(row_no)
                        write(cleaned)
                        pending += 1
                        if pending >= COPY_CHUNK_ROWS:
                            copier.send(buffer)
                            buffer = io.StringIO()
                            writer = csv.writer(buffer, lineterminator="\n")
                            write = writer.writerow
                            pending = 0
                            reporter.reading(before + rows)
                        continue
            # A row with an error, or any row after one: checked, not written.
            if errors.full:
                errors.truncated = errors.truncated or next(reader, None) is not None
                break
            if rows % 10_000 == 0:
                reporter.reading(before + rows)
    except UnicodeDecodeError:
        errors.add(lines.number, "", "This line is not UTF-8 text: save the file as UTF-8.")
    except _NulByte:
        errors.add(lines.number, "", NUL_MESSAGE)
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            errors.add(
                line + 1, "", 'A quoted field that starts on this row is never closed: look for a stray ".'
            )
        else:
            errors.add(line + 1, "", f"The file is not valid CSV: {error}.")
    result.rows = before + rows
    if pending and not errors:
        copier.send(buffer)
    reporter.reading(result.rows)
    return set(names)
