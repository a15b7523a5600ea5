"""The statement page (preview, send now, queue, download), the outbox (release, discard), a message's
page, stored documents, and the admin's templates and letterhead: what each shows and refuses."""

import re

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from messaging.models import Message, MessageStatus, MessageTemplate

URL = "/t/alpha/customers/{pk}/statement/"


@pytest.fixture
def controller(ledger, make_member, client):
    user = make_member(ledger.tenant, Role.CONTROLLER, username="cleo")
    user.email = "cleo@alpha.example"
    user.save()
    client.force_login(user)
    return user


def _form(**fields):
    return {"kind": "open_item", "as_of": "2026-03-31", "channel": "email", "action": "send", **fields}


def test_the_page_shows_the_message_as_it_will_go_out(ledger, controller, client):
    body = client.get(URL.format(pk=ledger.customer.pk)).content.decode()
    assert '<dd id="compose-to">pat@crown.example (Pat Payable)</dd>' in body
    assert 'value="Statement of account C001 as of ' in body
    assert 'value="send" class="primary">Send now</button>' in body


def test_send_now_sends_and_shows_the_message(
    ledger, controller, client, mail_server, django_capture_on_commit_callbacks
):
    page = client.get(URL.format(pk=ledger.customer.pk))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL.format(pk=ledger.customer.pk), _form(subject="Your statement", body="Balance {{ balance }}")
        )
    with tenant_context(ledger.tenant):
        message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/t/alpha/messages/{message.pk}/"
    assert (message.status, message.subject, message.body) == (
        MessageStatus.SENT,
        "Your statement",
        "Balance 530.00 GBP; 200.00 USD",
    )
    [received] = mail_server.messages()
    assert received["Subject"] == "Your statement"
    shown = client.get(response["Location"]).content.decode()
    assert '<span class="badge good" data-message-status="sent">Sent</span>' in shown
    assert "statement-C001-2026-03-31.pdf" in shown
    with tenant_context(ledger.tenant):
        document = message.documents.get()
    pdf = client.get(f"/t/alpha/documents/{document.pk}/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_queue_then_release_from_the_outbox(
    ledger, controller, client, mail_server, django_capture_on_commit_callbacks
):
    response = client.post(URL.format(pk=ledger.customer.pk), _form(action="queue", subject="S", body="B"))
    assert response.status_code == 302
    outbox = client.get("/t/alpha/messages/").content.decode()
    [row] = re.findall(r'<tr data-message="(\d+)">', outbox)
    assert '<span class="badge pending" data-message-status="outbox">In the outbox</span>' in outbox
    assert mail_server.messages() == []
    with django_capture_on_commit_callbacks(execute=True):
        released = client.post("/t/alpha/messages/", {"message": [row], "action": "release"})
    assert released.status_code == 302
    with tenant_context(ledger.tenant):
        assert Message.objects.get(pk=row).status == MessageStatus.SENT
    assert len(mail_server.messages()) == 1
    assert re.findall(r'<tr data-message="(\d+)">', client.get("/t/alpha/messages/").content.decode()) == []


def test_a_customer_without_an_address_says_so_and_offers_no_send(ledger, controller, client):
    with tenant_context(ledger.tenant):
        Contact.objects.update(email="")
    body = client.get(URL.format(pk=ledger.customer.pk)).content.decode()
    assert (
        '<div class="error" role="alert" id="compose-problem">'
        "No e-mail address: neither the customer nor an active contact has one.</div>"
    ) in body
    assert "Send now" not in body
    response = client.post(URL.format(pk=ledger.customer.pk), _form(subject="S", body="B"))
    assert response.status_code == 400
    assert "No e-mail address" in response.content.decode()
    with tenant_context(ledger.tenant):
        assert not Message.objects.exists()


def test_an_activity_statement_needs_its_period(ledger, controller, client):
    response = client.post(URL.format(pk=ledger.customer.pk), _form(kind="activity", subject="S", body="B"))
    assert response.status_code == 400
    assert (
        '<div class="error" data-field-error="period_start">An activity statement needs the period&#x27;s first day.</div>'
        in response.content.decode()
    )


def test_the_statement_pdf_downloads(ledger, controller, client):
    response = client.get(f"/t/alpha/customers/{ledger.customer.pk}/statement.pdf?as_of=2026-03-31")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="statement-C001-2026-03-31.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_a_viewer_reads_but_cannot_send(ledger, make_member, client):
    client.force_login(make_member(ledger.tenant, Role.VIEWER, username="vera"))
    body = client.get(URL.format(pk=ledger.customer.pk)).content.decode()
    assert "Send now" not in body and "Queue for review" not in body
    assert client.post(URL.format(pk=ledger.customer.pk), _form(subject="S", body="B")).status_code == 403
    assert client.post("/t/alpha/messages/", {"action": "release"}).status_code == 403


def test_an_admin_edits_a_template_with_a_preview_and_is_told_of_an_unknown_variable(
    ledger, make_member, client
):
    client.force_login(make_member(ledger.tenant, Role.ADMIN, username="ada"))
    with tenant_context(ledger.tenant):
        template = MessageTemplate.objects.get(purpose="free", channel="email", language="en")
    url = f"/t/alpha/setup/templates/{template.pk}/"
    form = {"purpose": "free", "channel": "email", "language": "en", "subject": "Hello {{ customer.name }}"}
    preview = client.post(
        url, {**form, "body": "Owing {{ balance }}", "preview_customer": "C001", "action": "preview"}
    )
    text = preview.content.decode()  # as of today: INV-4 posted, PAY-2 applied (1,529.00 GBP)
    assert '<dd id="preview-subject">Hello Crown Fabrics Ltd</dd>' in text
    assert '<pre class="message-body" id="preview-body">Owing 1,529.00 GBP; 200.00 USD</pre>' in text
    bad = client.post(url, {**form, "body": "Owing {{ balanse }}", "action": "save"})
    assert bad.status_code == 400
    assert (
        '<div class="error" data-field-error="body">Unknown variable {{ balanse }}.</div>'
        in bad.content.decode()
    )
    good = client.post(url, {**form, "body": "Owing {{ balance }}", "action": "save"})
    assert good.status_code == 302
    with tenant_context(ledger.tenant):
        template.refresh_from_db()
    assert template.body == "Owing {{ balance }}"


def test_the_letterhead_refuses_a_logo_that_is_not_an_image(ledger, make_member, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_member(ledger.tenant, Role.ADMIN, username="ada"))
    logo = SimpleUploadedFile("logo.gif", b"GIF89a", content_type="image/gif")
    response = client.post("/t/alpha/setup/letterhead/", {"company_name": "Alpha", "logo": logo})
    assert response.status_code == 400
    assert '<div class="error" data-field-error="logo">The logo must be a PNG or JPEG image.</div>' in (
        response.content.decode()
    )
    ok = client.post("/t/alpha/setup/letterhead/", {"company_name": "Alpha", "bank_details": "IBAN X"})
    assert ok.status_code == 302


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONTROLLER, Role.VIEWER])
def test_templates_and_letterhead_are_the_admins(ledger, make_member, client, role):
    client.force_login(make_member(ledger.tenant, role, username=f"u-{role}"))
    assert client.get("/t/alpha/setup/templates/").status_code == 403
    assert client.get("/t/alpha/setup/letterhead/").status_code == 403


def test_an_interaction_offers_its_customers_statement(ledger, controller, client, make_member):
    from interactions.services import interaction_create

    with tenant_context(ledger.tenant):
        interaction = interaction_create(customer=ledger.customer, description="Called Pat")
    body = client.get(f"/t/alpha/interactions/{interaction.pk}/").content.decode()
    assert (
        f'<a href="/t/alpha/customers/{ledger.customer.pk}/statement/" id="send-statement">Send statement</a>'
        in body
    )
    client.force_login(make_member(ledger.tenant, Role.VIEWER, username="vera"))
    assert (
        'id="send-statement"' not in client.get(f"/t/alpha/interactions/{interaction.pk}/").content.decode()
    )
