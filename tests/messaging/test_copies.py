"""Copies of documents: made from the ledger's record on the letterhead, or the ERP's own PDF where it sent
one; sent from the page the ledger's ticked entries lead to, each copy attached."""

import io

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from ledger.models import LedgerEntry
from messaging import documents
from messaging.models import DocumentKind, Message


def _text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_copy_made_from_the_ledgers_record(ledger):
    with tenant_context(ledger.tenant):
        entry = LedgerEntry.objects.get(document_no="INV-1")
        copy = documents.entry_copy(entry=entry)
    assert (copy.kind, copy.filename) == (DocumentKind.ENTRY_COPY, "copy-INV-1.pdf")
    text = _text(bytes(copy.content))
    for expected in (
        "COPY",
        "Invoice INV-1",
        "Customer no. C001",
        "05/01/2026",
        "04/02/2026",
        "1,000.00 GBP",
        "600.00 GBP",
    ):
        assert expected in text, expected


def test_the_erps_own_pdf_is_the_copy_where_it_sent_one(ledger):
    with tenant_context(ledger.tenant):
        entry = LedgerEntry.objects.get(document_no="INV-3")
        stored = documents.erp_document_store(
            entry=entry, filename="INV-3.pdf", content=b"%PDF-1.7 the ERP's"
        )
        assert documents.entry_copy(entry=entry) == stored


def test_a_pdf_replaced_after_it_was_sent_stays_with_the_message(ledger):
    """The ERP sends a corrected PDF of INV-1 after the first went out: the entry's copy is the new one,
    the message still carries the one it was sent with; a PDF nobody sent is simply replaced."""
    from messaging.services import message_create, message_draft

    with tenant_context(ledger.tenant):
        entry = LedgerEntry.objects.get(document_no="INV-1")
        first = documents.erp_document_store(entry=entry, filename="INV-1.pdf", content=b"%PDF-1.7 first")
        draft = message_draft(
            customer=ledger.customer, purpose="invoice_copy", as_of=ledger.tenant.today(), body="Copies"
        )
        message = message_create(
            draft=draft,
            send_now=False,
            as_of=ledger.tenant.today(),
            attach_statement=False,
            extra_documents=[first],
        )
        second = documents.erp_document_store(entry=entry, filename="INV-1.pdf", content=b"%PDF-1.7 second")
        assert documents.entry_copy(entry=entry) == second
        assert [bytes(d.content) for d in message.documents.all()] == [b"%PDF-1.7 first"]
        third = documents.erp_document_store(entry=entry, filename="INV-1.pdf", content=b"%PDF-1.7 third")
        assert documents.entry_copy(entry=entry) == third
        assert not type(second).objects.filter(pk=second.pk).exists()


def test_the_ledgers_ticked_entries_go_as_copies(
    ledger, make_member, client, mail_server, django_capture_on_commit_callbacks
):
    client.force_login(make_member(ledger.tenant, Role.CONTROLLER, username="cleo"))
    with tenant_context(ledger.tenant):
        inv1 = LedgerEntry.objects.get(document_no="INV-1")
        inv3 = LedgerEntry.objects.get(document_no="INV-3")
        documents.erp_document_store(entry=inv3, filename="INV-3.pdf", content=b"%PDF-1.7 the ERP's")
    ledger_page = client.get("/t/alpha/ledger/", {"customer": ledger.customer.pk}).content.decode()
    assert (
        f'formaction="/t/alpha/customers/{ledger.customer.pk}/copies/" id="send-copies">Send copies</button>'
        in ledger_page
    )
    url = f"/t/alpha/customers/{ledger.customer.pk}/copies/"
    page = client.get(url, {"customer": ledger.customer.pk, "entries": [inv1.pk, inv3.pk]}).content.decode()
    assert f'value="{inv1.pk}" aria-label="Send a copy of INV-1" checked>' in page
    assert 'value="Copy of your documents, C001"' in page
    nothing = client.post(url, {"subject": "S", "body": "B", "action": "send"})
    assert nothing.status_code == 400 and "Tick the documents to send copies of." in nothing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            url,
            {"entries": [inv1.pk, inv3.pk], "subject": "Your copies", "body": "Attached.", "action": "send"},
        )
    assert sent.status_code == 302
    [received] = mail_server.messages()
    attached = sorted(part.get_filename() for part in received.walk() if part.get_filename())
    assert attached == ["INV-3.pdf", "copy-INV-1.pdf"]
    with tenant_context(ledger.tenant):
        assert Message.objects.get().purpose == "invoice_copy"


def test_another_customers_entry_is_not_sent(ledger, three, make_member, client):
    client.force_login(make_member(ledger.tenant, Role.CONTROLLER, username="cleo"))
    with tenant_context(ledger.tenant):
        theirs = LedgerEntry.objects.get(document_no="H-INV-1")
    response = client.post(
        f"/t/alpha/customers/{ledger.customer.pk}/copies/",
        {"entries": [theirs.pk], "subject": "S", "body": "B", "action": "send"},
    )
    assert response.status_code == 400
    with tenant_context(ledger.tenant):
        assert not Message.objects.exists()
