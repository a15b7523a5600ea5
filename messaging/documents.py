"""Documents as PDF: statements of account (open item or activity) on the tenant's letterhead, stored as
`Document` rows; the ERP's own PDF of an entry, checked and stored the same way; and a print run's letters
combined into one PDF (each letter's cover page and its documents, each letter on odd pages).

Rendering is WeasyPrint's. A page request renders at most one document (a preview or a download); every
batch renders in Celery workers (`messaging.tasks`).
"""

import base64
import datetime
import functools
import hashlib
import io
import re
from collections.abc import Callable, Iterable

from django.template.loader import render_to_string

from creditcontrol.errors import DomainError
from creditcontrol.tenancy import current_tenant
from customers.models import Customer
from ledger.models import LedgerEntry

from .models import DOCUMENT_MAX_BYTES, Document, DocumentKind, Letterhead, Message
from .statements import Statement, statement_activity, statement_open_item

PDF_MAGIC = b"%PDF-"


def letterhead_get() -> Letterhead:
    letterhead, _ = Letterhead.objects.get_or_create(tenant=current_tenant())
    return letterhead


def logo_data_uri(letterhead: Letterhead) -> str:
    if not letterhead.logo:
        return ""
    encoded = base64.b64encode(bytes(letterhead.logo)).decode()
    return f"data:{letterhead.logo_content_type};base64,{encoded}"


def statement_html(statement: Statement, *, letterhead: Letterhead | None = None) -> str:
    letterhead = letterhead or letterhead_get()
    return render_to_string(
        "messaging/statement_pdf.html",
        {
            "statement": statement,
            "customer": statement.customer,
            "letterhead": letterhead,
            "company_name": letterhead.company_name or current_tenant().name,
            "logo": logo_data_uri(letterhead),
            "tenant": current_tenant(),
        },
    )


@functools.cache
def _font_config():
    """One font configuration per process: made anew for each document, it would ask fontconfig again
    for the fonts every time (most of a one-page statement's rendering)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


# A document template's one <style> block: the same for every document of its kind.
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@functools.lru_cache(maxsize=16)
def _stylesheet(css: str):
    """A document kind's stylesheet, parsed once per process rather than once per document."""
    import weasyprint

    return weasyprint.CSS(string=css, font_config=_font_config(), url_fetcher=_no_fetching)


def pdf_from_html(html: str) -> bytes:
    import weasyprint

    stylesheets = []
    if style := _STYLE.search(html):
        html = html[: style.start()] + html[style.end() :]
        stylesheets.append(_stylesheet(style.group(1)))
    # No base URL: a document reaches no file or address outside itself (the logo is inlined).
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_fetching)
    return document.write_pdf(stylesheets=stylesheets, font_config=_font_config())


def _no_fetching(url, *args, **kwargs):
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url)
    raise ValueError(f"A document may not fetch {url}.")


def statement_build(
    *,
    customer: Customer,
    as_of: datetime.date,
    period_start: datetime.date | None = None,
) -> Statement:
    if period_start is None:
        return statement_open_item(customer=customer, as_of=as_of)
    if period_start > as_of:
        message = "The period must start on or before its end."
        raise DomainError(message, details={"period_start": [message]})
    return statement_activity(customer=customer, start=period_start, end=as_of)


def statement_filename(statement: Statement) -> str:
    kind = "activity-statement" if statement.kind == "activity" else "statement"
    return f"{kind}-{statement.customer.code}-{statement.as_of.isoformat()}.pdf"


def statement_pdf(statement: Statement) -> bytes:
    return pdf_from_html(statement_html(statement))


def document_store(
    *,
    customer: Customer,
    kind: str,
    filename: str,
    content: bytes,
    entry: LedgerEntry | None = None,
    as_of: datetime.date | None = None,
    period_start: datetime.date | None = None,
    user=None,
) -> Document:
    return Document.objects.create(
        customer=customer,
        entry=entry,
        kind=kind,
        filename=filename,
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        as_of=as_of,
        period_start=period_start,
        created_by=user,
    )


def statement_document(
    *,
    customer: Customer,
    as_of: datetime.date,
    period_start: datetime.date | None = None,
    user=None,
    statement: Statement | None = None,
) -> Document:
    """Render the statement (built here unless given) and keep it: the PDF a message attaches and the
    timeline shows."""
    if statement is None or statement.period_start != period_start or statement.as_of != as_of:
        statement = statement_build(customer=customer, as_of=as_of, period_start=period_start)
    return document_store(
        customer=customer,
        kind=DocumentKind.ACTIVITY_STATEMENT if period_start else DocumentKind.STATEMENT,
        filename=statement_filename(statement),
        content=statement_pdf(statement),
        as_of=as_of,
        period_start=period_start,
        user=user,
    )


def entry_copy(*, entry: LedgerEntry, user=None) -> Document:
    """A copy of an entry's document: the ERP's own PDF where it sent one, else one made from the ledger's
    record of it (type, number, dates, description, amount and what is still open) on the letterhead."""
    erp = Document.objects.filter(entry=entry, kind=DocumentKind.ERP_DOCUMENT).first()
    if erp is not None:
        return erp
    letterhead = letterhead_get()
    html = render_to_string(
        "messaging/entry_copy_pdf.html",
        {
            "entry": entry,
            "customer": entry.customer,
            "letterhead": letterhead,
            "company_name": letterhead.company_name or current_tenant().name,
            "logo": logo_data_uri(letterhead),
            "as_of": current_tenant().today(),
        },
    )
    return document_store(
        customer=entry.customer,
        entry=entry,
        kind=DocumentKind.ENTRY_COPY,
        filename=f"copy-{entry.document_no}.pdf".replace("/", "-"),
        content=pdf_from_html(html),
        user=user,
    )


def erp_document_store(*, entry: LedgerEntry, filename: str, content: bytes, user=None) -> Document:
    """The ERP's own PDF of an entry (one per entry: a new one replaces the old)."""
    if len(content) > DOCUMENT_MAX_BYTES:
        message = f"The file is {len(content):,} bytes; at most {DOCUMENT_MAX_BYTES:,} are accepted."
        raise DomainError(message, details={"file": [message]}, code="too_large")
    if not content.startswith(PDF_MAGIC):
        message = "The file is not a PDF."
        raise DomainError(message, details={"file": [message]})
    # The old one goes, unless a message carried it: then it stays with the message (what was sent can
    # still be opened), no longer the entry's.
    replaced = Document.objects.filter(entry=entry, kind=DocumentKind.ERP_DOCUMENT)
    replaced.filter(messages__isnull=False).update(entry=None)
    replaced.filter(messages__isnull=True).delete()
    return document_store(
        customer=entry.customer,
        entry=entry,
        kind=DocumentKind.ERP_DOCUMENT,
        filename=filename or f"{entry.document_no}.pdf",
        content=content,
        user=user,
    )


# --- letters -------------------------------------------------------------------------------------------

# A blank page where one is needed to start the next letter on an odd page: A4 in points.
A4_POINTS = (595.28, 841.89)


def letter_html(letter: Message, *, letterhead: Letterhead, date: datetime.date) -> str:
    """A letter's cover page: the letterhead, the address placed for a DL or C5 envelope's left window,
    the date, the subject and the text."""
    return render_to_string(
        "messaging/letter_pdf.html",
        {
            "letter": letter,
            "customer": letter.customer,
            "contact": letter.contact,
            "letterhead": letterhead,
            "company_name": letterhead.company_name or current_tenant().name,
            "return_address": ", ".join(
                line.strip() for line in letterhead.address.splitlines() if line.strip()
            ),
            "logo": logo_data_uri(letterhead),
            "date": date,
        },
    )


def _readable(letter: Message, document: Document):
    """A letter's document as pages to print; DomainError naming the letter when it is missing or no PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    content = bytes(document.content or b"")
    problem = f"The letter to {letter.recipient} (customer {letter.customer.code}): its document {document.filename}"
    if not content:
        raise DomainError(f"{problem} is missing.", code="document_missing")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if content.startswith(PDF_MAGIC) and len(reader.pages):
            return reader
    except (PyPdfError, ValueError, KeyError) as error:
        raise DomainError(f"{problem} is not a readable PDF: {error}", code="document_unreadable") from error
    raise DomainError(f"{problem} is not a readable PDF.", code="document_unreadable")


def letters_pdf(
    letters: Iterable[Message], *, date: datetime.date, progress: Callable[[int], None] | None = None
) -> tuple[bytes, int]:
    """The letters as one PDF, in the order given: each its cover page, then its documents (the statement,
    the copies), then a blank page where the letter ended on an odd one, so that printed on both sides no
    sheet carries two customers. Returns the PDF and its page count. Raises DomainError naming the letter
    whose document is missing or not a PDF."""
    from pypdf import PdfReader, PdfWriter

    letterhead = letterhead_get()
    writer = PdfWriter()
    for done, letter in enumerate(letters, start=1):
        readers = [
            PdfReader(io.BytesIO(pdf_from_html(letter_html(letter, letterhead=letterhead, date=date))))
        ]
        for document in sorted(letter.documents.all(), key=lambda d: d.pk):
            readers.append(_readable(letter, document))
        for reader in readers:
            for page in reader.pages:
                writer.add_page(page)
        if len(writer.pages) % 2:
            writer.add_blank_page(*A4_POINTS)
        if progress is not None:
            progress(done)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue(), len(writer.pages)
