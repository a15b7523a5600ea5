"""The zip as a whole, from its directory alone (nothing is unpacked): whether it is one, how much it holds
once unpacked, members packed like a zip bomb, names leading outside it."""

import re
import zipfile
from pathlib import PurePosixPath

from creditcontrol.errors import DomainError

# What a zip may unpack to in all, and how tightly one member may be packed: PDFs shrink by a few times at
# most, a zip bomb by a thousand or more (42.zip: 4.5 PB from 42 kB). Small members are never refused.
ZIP_MAX_UNCOMPRESSED = 500 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM_BYTES = 1024 * 1024
ZIP_MAX_MEMBERS = 100_000


def problem(file: str, message: str, *, row: int | None = None, column: str = "") -> dict:
    return {"file": file, "row": row, "column": column, "message": message}


def skipped(name: str) -> bool:
    """What zip tools add by themselves: macOS resource forks and hidden files."""
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith(".")


def _escapes(name: str) -> bool:
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or bool(re.match(r"^[A-Za-z]:", name))
        or ".." in PurePosixPath(name).parts
    )


def zip_open(source) -> zipfile.ZipFile:
    """The zip, or a DomainError when it is not one that can be read."""
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        message = "The file is not a readable ZIP file."
        raise DomainError(
            message, details=[problem("", f"{message} ({error})")], code="import_invalid"
        ) from error


def zip_problems(archive: zipfile.ZipFile) -> list[dict]:
    """What is wrong with the zip as a whole, from its directory alone (nothing is unpacked): too many
    members, too much once unpacked, a member packed like a zip bomb, a name leading outside it."""
    members = archive.infolist()
    if len(members) > ZIP_MAX_MEMBERS:
        return [
            problem("", f"The zip holds {len(members):,} files; at most {ZIP_MAX_MEMBERS:,} are accepted.")
        ]
    problems = []
    total = sum(info.file_size for info in members)
    if total > ZIP_MAX_UNCOMPRESSED:
        problems.append(
            problem(
                "",
                f"The zip holds {total:,} bytes once unpacked; at most {ZIP_MAX_UNCOMPRESSED:,} are accepted.",
            )
        )
    seen = set()
    for info in members:
        name = info.filename
        if _escapes(name):
            problems.append(problem(name, "The name leads outside the zip's folder (/, \\, a drive or ..)."))
        if name in seen:
            problems.append(problem(name, "The name is in the zip twice."))
        seen.add(name)
        if info.flag_bits & 0x1:
            problems.append(problem(name, "The file is encrypted."))
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ZIP_RATIO_FROM_BYTES and ratio > ZIP_MAX_RATIO:
            problems.append(
                problem(
                    name,
                    f"The file is packed {ratio:,.0f} to 1 (at most {ZIP_MAX_RATIO} to 1 is accepted): "
                    "refused as a zip bomb.",
                )
            )
    return problems


def document_import_check(source) -> None:
    """Refuse at once, with every problem, a zip that cannot be imported whatever the ledger holds."""
    with zip_open(source) as archive:
        problems = zip_problems(archive)
    if problems:
        count = len(problems)
        raise DomainError(
            f"The zip has {count} error{'s' if count != 1 else ''}: nothing was stored.",
            details=problems,
            code="import_invalid",
        )
