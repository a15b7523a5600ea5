"""The messaging API: batches for a list or a filter of customers, the outbox released, delivery events,
and the ERP's PDF of an entry; bad input answered 400 with a body."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from ledger.models import LedgerEntry
from messaging.models import Message

API = "/api/t/alpha"
NO_EMAIL = "No e-mail address: neither the customer nor an active contact has one."


@pytest.fixture
def api(three, make_member, api_for):
    return api_for(make_member(three.tenant, Role.MANAGER, username="mia"))


def test_a_batch_for_a_list_of_customers(three, api, mail_server, django_capture_on_commit_callbacks):
    body = {
        "customers": [three.customer.pk, three.c2.pk, three.c3.pk],
        "as_of": "2026-03-31",
        "send": "now",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{API}/messages/batches/", body, format="json")
    assert response.status_code == 201, response.json()
    batch = api.get(f"{API}/messages/batches/{response.json()['id']}/").json()
    assert (batch["status"], batch["done"], batch["total"]) == ("finished", 3, 3)
    assert [(i["customer_code"], i["message_status"], i["skipped"]) for i in batch["items"]] == [
        ("C001", "sent", ""),
        ("C002", None, NO_EMAIL),
        ("C003", "sent", ""),
    ]
    assert batch["subject"] == "Statement of account {{ customer.code }} as of {{ as_of }}"  # the template's
    assert sorted(m["To"] for m in mail_server.messages()) == ["hal@harbour.example", "pat@crown.example"]


def test_a_batch_for_a_filter_queues_then_one_is_released(
    three, api, mail_server, django_capture_on_commit_callbacks
):
    from aging.services import recalculate_all

    with tenant_context(three.tenant):
        recalculate_all(trigger="command")
    body = {"filter": {"balance_status": "outstanding"}, "purpose": "free", "body": "Owing {{ balance }}"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{API}/messages/batches/", body, format="json")
    assert response.status_code == 201, response.json()
    outbox = api.get(f"{API}/messages/", {"status": "outbox"}).json()["results"]
    assert sorted(m["customer_code"] for m in outbox) == ["C001", "C003"]
    c3 = next(m for m in outbox if m["customer_code"] == "C003")
    assert c3["body"] == "Owing 410.50 GBP"
    with django_capture_on_commit_callbacks(execute=True):
        released = api.post(f"{API}/messages/{c3['id']}/release/")
    assert (released.status_code, released.json()["status"]) == (200, "queued")  # the task sends it
    assert api.get(f"{API}/messages/{c3['id']}/").json()["status"] == "sent"
    again = api.post(f"{API}/messages/{c3['id']}/release/")
    assert again.status_code == 400
    assert again.json()["detail"] == "The message is sent, no longer in the outbox."
    [received] = mail_server.messages()
    assert received["To"] == "hal@harbour.example"

    bounced = api.post(
        f"{API}/messages/events/",
        {"message_id": received["Message-ID"], "event": "bounced", "reason": "550 5.2.2 mailbox full"},
        format="json",
    )
    assert (bounced.status_code, bounced.json()["status"], bounced.json()["status_reason"]) == (
        200,
        "bounced",
        "550 5.2.2 mailbox full",
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "customers"),
        ({"customers": [1], "filter": {}}, "customers"),
        ({"customers": ["x"]}, "customers"),
        ({"customers": [999999]}, "customers"),
        ({"customers": [1], "channel": "pigeon"}, "channel"),
        ({"customers": [1], "purpose": "invoice_copy"}, "purpose"),
        ({"customers": [1], "as_of": "2026-02-30"}, "as_of"),
        ({"customers": [1], "body": "Hi {{ who }}"}, "body"),
    ],
)
def test_bad_batches_are_400_with_the_field(three, api, body, field):
    if body.get("customers") == [1]:
        body = {**body, "customers": [three.customer.pk]}
    response = api.post(f"{API}/messages/batches/", body, format="json")
    assert response.status_code == 400, response.json()
    answer = response.json()
    assert field in answer or field in answer.get("errors", {}), answer
    with tenant_context(three.tenant):
        assert not Message.objects.exists()


def test_an_unknown_event_or_message_id_is_400(three, api):
    response = api.post(
        f"{API}/messages/events/", {"message_id": "<nope@x>", "event": "bounced"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "No message was sent with that Message-ID."
    response = api.post(
        f"{API}/messages/events/", {"message_id": "<nope@x>", "event": "opened"}, format="json"
    )
    assert response.status_code == 400 and "event" in response.json()


def test_a_controller_cannot_report_events(three, make_member, api_for):
    client = api_for(make_member(three.tenant, Role.CONTROLLER, username="cleo"))
    assert (
        client.post(
            f"{API}/messages/events/", {"message_id": "x", "event": "bounced"}, format="json"
        ).status_code
        == 403
    )


def test_the_erps_pdf_of_an_entry(three, api):
    with tenant_context(three.tenant):
        entry = LedgerEntry.objects.get(document_no="INV-1")
    url = f"{API}/entries/{entry.pk}/document/"
    assert api.get(url).status_code == 404
    pdf = SimpleUploadedFile("INV-1.pdf", b"%PDF-1.7\n% the ERP's invoice\n", content_type="application/pdf")
    stored = api.put(url, {"file": pdf}, format="multipart")
    assert stored.status_code == 200, stored.json()
    assert (stored.json()["filename"], stored.json()["size"], stored.json()["kind"]) == (
        "INV-1.pdf",
        29,
        "erp_document",
    )
    back = api.get(url)
    assert back.content == b"%PDF-1.7\n% the ERP's invoice\n"
    assert back["Content-Disposition"] == 'attachment; filename="INV-1.pdf"'
    not_pdf = api.put(url, {"file": SimpleUploadedFile("x.pdf", b"hello")}, format="multipart")
    assert (not_pdf.status_code, not_pdf.json()["errors"]) == (400, {"file": ["The file is not a PDF."]})
    missing = api.put(url, {}, format="multipart")
    assert (missing.status_code, missing.json()) == (
        400,
        {"file": ["Send the PDF as the multipart field file."]},
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"file": "not a file"}, "format": "multipart"},
        {"data": {"file": 5}, "format": "json"},
        {"data": "%PDF-1.7 as text", "content_type": "text/plain"},
        {"data": b"\x00\xff" * 100, "content_type": "application/pdf"},
    ],
)
def test_junk_instead_of_a_pdf_is_4xx_never_5xx(three, api, kwargs):
    with tenant_context(three.tenant):
        entry = LedgerEntry.objects.get(document_no="INV-1")
    response = api.put(f"{API}/entries/{entry.pk}/document/", **kwargs)
    assert 400 <= response.status_code < 500, response.content
