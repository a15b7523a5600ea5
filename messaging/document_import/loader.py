"""Each PDF of the zip matched with its entry (by its name, or documents.csv), checked, then stored all
together or none (`erp_document_store`: the same PDF again changes nothing, a new one replaces the old)."""

import csv
import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.db import transaction

from creditcontrol.errors import DomainError
from customers.models import Customer
from ledger.models import DocumentType, LedgerEntry

from ..documents import PDF_MAGIC, erp_document_store
from ..models import DOCUMENT_MAX_BYTES, Document, DocumentKind
from .zips import problem, skipped, zip_open, zip_problems

MANIFEST = "documents.csv"
MANIFEST_COLUMNS = ("document_no", "document_type", "customer_code", "file")
MANIFEST_MAX_BYTES = 20 * 1024 * 1024
CHUNK = 5000  # ids or numbers per query


@dataclass
class DocumentImportResult:
    files: int = 0
    stored: int = 0
    replaced: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        if not self.ok:
            count = len(self.errors)
            return f"The zip has {count} error{'s' if count != 1 else ''}: nothing was stored."
        return (
            f"{self.files} document{'s' if self.files != 1 else ''}: {self.stored} stored, "
            f"{self.replaced} replaced, {self.unchanged} unchanged."
        )

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "detail": self.message,
            "files": self.files,
            "stored": self.stored,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


@dataclass
class _Wanted:
    """One PDF of the zip and the entry it is for, as its name or its manifest row says."""

    member: zipfile.ZipInfo
    document_no: str
    document_type: str = ""
    customer_code: str = ""
    row: int | None = None
    entry: LedgerEntry | None = None
    sha256: str = ""


def _manifest_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, errors: list[dict]) -> list[dict]:
    if info.file_size > MANIFEST_MAX_BYTES:
        errors.append(problem(info.filename, f"The manifest is over {MANIFEST_MAX_BYTES:,} bytes."))
        return []
    try:
        text = archive.read(info).decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(problem(info.filename, "The manifest is not UTF-8 text.", row=1))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]
    for column in header:
        if column not in MANIFEST_COLUMNS:
            errors.append(problem(info.filename, "Unknown column.", row=1, column=column))
    if "document_no" not in header:
        errors.append(problem(info.filename, "The column is required.", row=1, column="document_no"))
        return []
    rows = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        row = {column: "" for column in MANIFEST_COLUMNS}
        row.update({column: value.strip() for column, value in zip(header, values, strict=False)})
        row["row"] = reader.line_num
        rows.append(row)
    return rows


class _PdfIndex:
    """The zip's PDFs by their path and by their file name (in any case): a manifest row finds its file
    without a pass over every member (a nightly zip may hold tens of thousands)."""

    def __init__(self, pdfs: list[zipfile.ZipInfo]):
        self.by_path = {info.filename: info for info in pdfs}
        self.by_name: dict[str, list[zipfile.ZipInfo]] = {}
        for info in pdfs:
            self.by_name.setdefault(PurePosixPath(info.filename).name.lower(), []).append(info)


def _member_for(name: str, pdfs: _PdfIndex) -> tuple[zipfile.ZipInfo | None, str]:
    """The PDF a manifest row names: by its path in the zip, else by its file name in any folder."""
    if name in pdfs.by_path:
        return pdfs.by_path[name], ""
    found = pdfs.by_name.get(name.lower(), [])
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, f"No file {name} in the zip."
    return None, f"{len(found)} files in the zip are named {name}; give its path in the zip."


def _describe(entry: LedgerEntry) -> str:
    return f"{entry.get_document_type_display()} {entry.document_no} of {entry.customer.code}"


def _wanted_from(archive: zipfile.ZipFile, errors: list[dict]) -> list[_Wanted]:
    """Each PDF of the zip with the document number (and type, customer) it is for."""
    members = [info for info in archive.infolist() if not info.is_dir() and not skipped(info.filename)]
    manifests = [info for info in members if PurePosixPath(info.filename).name.lower() == MANIFEST]
    pdfs = [info for info in members if PurePosixPath(info.filename).suffix.lower() == ".pdf"]
    known = {info.filename for info in (*manifests, *pdfs)}
    for info in members:
        if info.filename not in known:
            errors.append(
                problem(info.filename, f"Not a PDF: the zip holds <document_no>.pdf files and {MANIFEST}.")
            )
    if len(manifests) > 1:
        errors.extend(problem(info.filename, f"Only one {MANIFEST} may be in the zip.") for info in manifests)
        return []
    wanted: list[_Wanted] = []
    named = set()
    if manifests:
        manifest = manifests[0]
        index = _PdfIndex(pdfs)
        types = [choice.value for choice in DocumentType]
        for row in _manifest_rows(archive, manifest, errors):
            number = row["row"]
            problems = []
            if not row["document_no"]:
                problems.append(("document_no", "Required."))
            if row["document_type"] and row["document_type"] not in types:
                problems.append(("document_type", f"Not a document type: {', '.join(types)}."))
            info, missing = _member_for(row["file"] or f"{row['document_no']}.pdf", index)
            if missing and row["document_no"]:
                problems.append(("file", missing))
            if problems:
                errors.extend(
                    problem(manifest.filename, message, row=number, column=column)
                    for column, message in problems
                )
                continue
            named.add(info.filename)
            wanted.append(
                _Wanted(info, row["document_no"], row["document_type"], row["customer_code"], number)
            )
    wanted.extend(
        _Wanted(info, PurePosixPath(info.filename).stem) for info in pdfs if info.filename not in named
    )
    return wanted


def _match(wanted: list[_Wanted], errors: list[dict], *, manifest_name: str) -> None:
    """Find each PDF's entry among the tenant's (the scoped manager: never another tenant's)."""
    by_number: dict[str, list[LedgerEntry]] = {}
    numbers = sorted({item.document_no for item in wanted})
    for start in range(0, len(numbers), CHUNK):
        for entry in LedgerEntry.objects.filter(
            document_no__in=numbers[start : start + CHUNK]
        ).select_related("customer"):
            by_number.setdefault(entry.document_no, []).append(entry)
    codes = {item.customer_code for item in wanted if item.customer_code}
    known_codes = set(Customer.objects.filter(code__in=codes).values_list("code", flat=True))
    taken: dict[int, _Wanted] = {}
    for item in wanted:
        row = item.row
        where = {"row": row, "column": "document_no"} if row is not None else {}
        manifest_file = item.member.filename if row is None else manifest_name
        if item.customer_code and item.customer_code not in known_codes:
            errors.append(
                problem(manifest_file, "No customer has this code.", row=row, column="customer_code")
            )
            continue
        candidates = [
            entry
            for entry in by_number.get(item.document_no, [])
            if (not item.document_type or entry.document_type == item.document_type)
            and (not item.customer_code or entry.customer.code == item.customer_code)
        ]
        if not candidates:
            wanted_for = item.document_no
            if item.document_type:
                wanted_for += f" of type {item.document_type}"
            if item.customer_code:
                wanted_for += f" of customer {item.customer_code}"
            errors.append(
                problem(manifest_file, f"No ledger entry has the document number {wanted_for}.", **where)
            )
            continue
        if len(candidates) > 1:
            candidates.sort(key=lambda entry: (entry.customer.code, entry.document_type, entry.pk))
            errors.append(
                problem(
                    manifest_file,
                    f"The document number {item.document_no} is on {len(candidates)} entries: "
                    f"{', '.join(_describe(entry) for entry in candidates)}; tell them apart in {MANIFEST} "
                    "(document_type, customer_code).",
                    **where,
                )
            )
            continue
        entry = candidates[0]
        if entry.pk in taken:
            errors.append(
                problem(
                    manifest_file,
                    f"{_describe(entry)} already has the file {taken[entry.pk].member.filename}.",
                    **where,
                )
            )
            continue
        taken[entry.pk] = item
        item.entry = entry


def _check_content(archive: zipfile.ZipFile, item: _Wanted) -> str:
    """Why the PDF cannot be stored ("" when it can); its sha256 kept for the store."""
    info = item.member
    if info.file_size > DOCUMENT_MAX_BYTES:
        return f"The file is {info.file_size:,} bytes; at most {DOCUMENT_MAX_BYTES:,} are accepted."
    digest = hashlib.sha256()
    try:
        with archive.open(info) as member:
            head = member.read(len(PDF_MAGIC))
            digest.update(head)
            for chunk in iter(lambda: member.read(1024 * 1024), b""):
                digest.update(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        return f"The file cannot be read back from the zip ({error})."
    if not head.startswith(PDF_MAGIC):
        return "The file is not a PDF (it does not begin with %PDF-)."
    item.sha256 = digest.hexdigest()
    return ""


def documents_import(
    *, source, user=None, progress: Callable[[dict], None] | None = None
) -> DocumentImportResult:
    """Check every file of the zip, then store them all, or nothing when any is wrong."""
    result = DocumentImportResult()
    try:
        archive = zip_open(source)
    except DomainError as error:
        result.errors = error.details
        return result
    with archive:
        result.errors = zip_problems(archive)
        if result.errors:
            return result
        manifest = next(  # its name in the zip, for the messages about its rows
            (
                info.filename
                for info in archive.infolist()
                if PurePosixPath(info.filename).name.lower() == MANIFEST and not skipped(info.filename)
            ),
            MANIFEST,
        )
        wanted = _wanted_from(archive, result.errors)
        _match(wanted, result.errors, manifest_name=manifest)
        result.files = len(wanted)
        if progress:
            progress({"phase": "checking", "percent": 0, "rows_done": 0, "rows_total": len(wanted)})
        for done, item in enumerate(wanted, start=1):
            wrong = _check_content(archive, item)
            if wrong:
                result.errors.append(problem(item.member.filename, wrong))
            if progress and (done % 50 == 0 or done == len(wanted)):
                progress({"phase": "checking", "percent": 50 * done // len(wanted), "rows_done": done})
        if not result.ok:
            return result
        entry_ids = [item.entry.pk for item in wanted]
        current = {}  # the entries' stored PDFs: entry id -> sha256
        for start in range(0, len(entry_ids), CHUNK):
            current.update(
                Document.objects.filter(
                    kind=DocumentKind.ERP_DOCUMENT, entry_id__in=entry_ids[start : start + CHUNK]
                ).values_list("entry_id", "sha256")
            )
        with transaction.atomic():
            for done, item in enumerate(wanted, start=1):
                before = current.get(item.entry.pk)
                if before == item.sha256:
                    result.unchanged += 1
                else:
                    erp_document_store(
                        entry=item.entry,
                        filename=PurePosixPath(item.member.filename).name,
                        content=archive.read(item.member),
                        user=user,
                    )
                    if before is None:
                        result.stored += 1
                    else:
                        result.replaced += 1
                if progress and (done % 50 == 0 or done == len(wanted)):
                    progress(
                        {"phase": "storing", "percent": 50 + 50 * done // len(wanted), "rows_done": done}
                    )
    return result
