"""Contacting many customers at once: who is skipped and why (known before anything is made), one message
per customer made by a worker with its statement, a result per customer, and a batch run again making no
message twice; the page from the balance due report's selection to the batch's results."""

import re

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from messaging import services
from messaging.models import Batch, BatchStatus, Message, MessageStatus
from tests.factories import D

NO_EMAIL = "No e-mail address: neither the customer nor an active contact has one."


def _ids(three):
    return [three.customer.pk, three.c2.pk, three.c3.pk, three.c4.pk]


def test_who_is_skipped_is_known_before_anything_is_made(three):
    with tenant_context(three.tenant):
        skips = services.batch_skips(customer_ids=_ids(three), channel="email")
        assert skips == {three.c2.pk: NO_EMAIL, three.c4.pk: "Nothing open on the account."}
        assert services.batch_skips(customer_ids=_ids(three), channel="sms") == {
            three.customer.pk: "No phone number: neither the customer nor an active contact has one.",
            three.c3.pk: "No phone number: neither the customer nor an active contact has one.",
            three.c4.pk: "No phone number: neither the customer nor an active contact has one.",
        }


def test_a_batch_sends_one_statement_per_customer_and_says_why_it_skipped_the_rest(
    three, mail_server, django_capture_on_commit_callbacks
):
    with tenant_context(three.tenant), django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_start(
            customer_ids=_ids(three),
            channel="email",
            purpose="statement",
            as_of=D("2026-03-31"),
            subject="Statement {{ customer.code }}",
            body="Dear {{ contact.name }}, your balance is {{ balance }}.",
            send_now=True,
        )
    with tenant_context(three.tenant):
        batch = Batch.objects.get(pk=batch.pk)
        results = [
            (i.customer.code, i.message.status if i.message else None, i.skipped) for i in batch.items.all()
        ]
    assert (batch.status, batch.done, batch.total) == (BatchStatus.FINISHED, 4, 4)
    assert results == [
        ("C001", MessageStatus.SENT, ""),
        ("C002", None, NO_EMAIL),
        ("C003", MessageStatus.SENT, ""),
        ("C004", None, "Nothing open on the account."),
    ]
    received = {m["To"]: m for m in mail_server.messages()}
    assert sorted(received) == ["hal@harbour.example", "pat@crown.example"]
    hal = received["hal@harbour.example"]
    assert hal["Subject"] == "Statement C003"
    text, pdf = [part for part in hal.walk() if not part.is_multipart()]
    assert text.get_payload(decode=True).decode() == "Dear Hal, your balance is 410.50 GBP."
    assert pdf.get_filename() == "statement-C003-2026-03-31.pdf"

    # run again (a retried task): nothing new
    with tenant_context(three.tenant):
        services.batch_run(batch.pk)
        assert Message.objects.count() == 2
    assert len(mail_server.messages()) == 2


def test_a_queued_batch_fills_the_outbox(three, mail_server, django_capture_on_commit_callbacks):
    with tenant_context(three.tenant), django_capture_on_commit_callbacks(execute=True):
        services.batch_start(
            customer_ids=[three.customer.pk, three.c3.pk],
            channel="email",
            purpose="free",
            as_of=D("2026-03-31"),
            subject="About your account",
            body="{{ overdue }} overdue",
            send_now=False,
        )
    with tenant_context(three.tenant):
        assert sorted(Message.objects.values_list("status", "body")) == [
            (MessageStatus.OUTBOX, "280.00 GBP; 200.00 USD overdue"),
            (MessageStatus.OUTBOX, "410.50 GBP overdue"),
        ]
        assert not Message.objects.filter(documents__isnull=False).exists()  # a message only
    assert mail_server.messages() == []


@pytest.fixture
def controller_client(three, make_member, client):
    client.force_login(make_member(three.tenant, Role.CONTROLLER, username="cleo"))
    return client


def test_the_page_lists_the_skipped_previews_the_first_and_starts_the_batch(
    three, controller_client, mail_server, django_capture_on_commit_callbacks
):
    page = controller_client.post("/t/alpha/customers/contact/", {"customers": _ids(three)})
    body = page.content.decode()
    assert page.status_code == 200
    assert "<strong>2</strong> will get a message; <strong>2</strong> will be skipped:" in body
    assert re.findall(r'<tr data-customer="(C\d+)"><td>[^<]+</td><td class="wrap">([^<]+)</td>', body) == [
        ("C002", NO_EMAIL),
        ("C004", "Nothing open on the account."),
    ]
    assert "<h3>The first: C001 Crown Fabrics Ltd, to pat@crown.example</h3>" in body
    ids = re.search(r'name="ids" value="([^"]+)"', body).group(1)
    form = {
        "ids": ids,
        "channel": "email",
        "purpose": "statement",
        "as_of": "2026-03-31",
        "subject": "Statement {{ customer.code }}",
        "body": "Dear {{ contact.name }}",
        "action": "send",
    }
    with django_capture_on_commit_callbacks(execute=True):
        started = controller_client.post("/t/alpha/customers/contact/", form)
    assert started.status_code == 302
    result = controller_client.get(started["Location"]).content.decode()
    assert '<strong id="batch-count">4 of 4</strong> done · finished' in result
    assert '<span class="skip-reason">' + NO_EMAIL + "</span>" in result
    assert len(mail_server.messages()) == 2


def test_a_template_with_an_unknown_variable_starts_nothing(three, controller_client):
    form = {
        "ids": str(three.customer.pk),
        "channel": "email",
        "purpose": "free",
        "as_of": "2026-03-31",
        "subject": "S",
        "body": "Dear {{ contact.nam }}",
        "action": "queue",
    }
    response = controller_client.post("/t/alpha/customers/contact/", form)
    assert response.status_code == 400
    assert '<div class="error" data-field-error="body">Unknown variable {{ contact.nam }}.</div>' in (
        response.content.decode()
    )
    with tenant_context(three.tenant):
        assert not Batch.objects.exists()


def test_the_credit_list_sends_its_ticked_customers_to_the_same_page(three, controller_client):
    from aging.services import recalculate_all

    with tenant_context(three.tenant):
        recalculate_all(trigger="command")
    page = controller_client.get("/t/alpha/customers/credit/", {"controller": ""}).content.decode()
    assert 'formaction="/t/alpha/customers/contact/" id="contact-selected">Send statements…</button>' in page
    chosen = controller_client.post("/t/alpha/customers/contact/", {"customers": [three.c3.pk]})
    assert "<h1>Contact 1 customer</h1>" in chosen.content.decode()
