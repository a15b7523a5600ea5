"""Messages: a statement arrives at a real SMTP server with the right recipient, subject, filled variables
and the PDF; the outbox holds what is queued until it is released; a retried task sends once; a server
that says "later" gets another attempt and one that says "no" a failed status with its reason; a stuck
message is failed, never resent; a provider's bounce marks the message; and every sent message is an
interaction on the customer's timeline."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from creditcontrol.mailserver import free_port
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from interactions.models import Interaction, InteractionType
from messaging import channels, services
from messaging.models import Message, MessageStatus, Purpose
from messaging.services import message_create, message_deliver, message_draft
from tests.factories import D

AS_OF = D("2026-03-31")


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run the block's on-commit work (the delivery task, eager here) as a committed request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _draft(ledger, **fields):
    return message_draft(customer=ledger.customer, as_of=AS_OF, purpose=Purpose.STATEMENT, **fields)


def test_a_statement_arrives_with_its_variables_filled_and_its_pdf(ledger, make_member, mail_server, sent):
    controller = make_member(ledger.tenant, Role.CONTROLLER, username="cleo")
    controller.email, controller.first_name, controller.last_name = "cleo@alpha.example", "Cleo", "Chase"
    controller.save()
    with tenant_context(ledger.tenant):
        ledger.customer.controller = controller
        ledger.customer.save()
        with sent():
            message = message_create(draft=_draft(ledger), user=controller, send_now=True, as_of=AS_OF)
        message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    [received] = mail_server.messages()
    assert received["To"] == "pat@crown.example"
    assert received["Subject"] == "Statement of account C001 as of 31/03/2026"
    assert received["Reply-To"] == "cleo@alpha.example"
    assert received["Message-ID"] == message.internet_message_id
    assert received["X-Credit-Control-Tenant"] == "alpha"
    text, pdf = [part for part in received.walk() if not part.is_multipart()]
    body = text.get_payload(decode=True).decode()
    assert body.startswith(
        "Dear Pat Payable,\n\nPlease find attached your statement of account as of 31/03/2026."
    )
    assert "Your balance is 530.00 GBP; 200.00 USD, of which 280.00 GBP; 200.00 USD is overdue." in body
    # the overdue items as a table: INV-3 and INV-1 owed, the credits netted, the USD invoice (not INV-2)
    assert (
        "Document  Date        Due               Amount    Remaining  Days overdue\n"
        "INV-3     01/11/2025  01/12/2025    300.00 GBP   300.00 GBP           120\n"
        "INV-1     05/01/2026  04/02/2026  1,000.00 GBP   600.00 GBP            55\n"
        "CM-1      20/03/2026  20/03/2026   -120.00 GBP  -120.00 GBP\n"
        "PAY-2     25/03/2026  25/03/2026   -500.00 GBP  -500.00 GBP\n"
        "INV-U1    01/02/2026  03/03/2026    200.00 USD   200.00 USD            28\n"
    ) in body
    assert body.endswith("Kind regards,\nCleo Chase\nAlpha Trading Ltd")
    assert pdf.get_filename() == "statement-C001-2026-03-31.pdf"
    assert pdf.get_payload(decode=True).startswith(b"%PDF-")
    # on the timeline
    with tenant_context(ledger.tenant):
        interaction = Interaction.objects.get(pk=message.interaction_id)
        assert interaction.contact == ledger.contact
    assert interaction.interaction_type == InteractionType.EMAIL
    assert interaction.description == "Statement of account sent by e-mail to pat@crown.example"


def test_queued_waits_in_the_outbox_until_released(ledger, mail_server, sent):
    with tenant_context(ledger.tenant):
        message = message_create(draft=_draft(ledger), send_now=False, as_of=AS_OF)
        assert Message.objects.get(pk=message.pk).status == MessageStatus.OUTBOX
        assert mail_server.messages() == []
        with sent():
            services.message_release(message=message)
        assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT
        with pytest.raises(Exception, match="The message is sent, no longer in the outbox."):
            services.message_discard(message=message)
    assert len(mail_server.messages()) == 1


def test_a_discarded_message_is_never_sent(ledger, mail_server):
    with tenant_context(ledger.tenant):
        message = message_create(draft=_draft(ledger), send_now=False, as_of=AS_OF)
        services.message_discard(message=message)
        assert message_deliver(message.pk) == "skipped"
        assert Message.objects.get(pk=message.pk).status == MessageStatus.DISCARDED
    assert mail_server.messages() == []


def test_a_retried_task_sends_once(ledger, mail_server, sent):
    with tenant_context(ledger.tenant):
        with sent():
            message = message_create(draft=_draft(ledger), send_now=True, as_of=AS_OF)
        assert message_deliver(message.pk) == "skipped"  # the task ran once already (eagerly)
        assert message_deliver(message.pk) == "skipped"
    assert len(mail_server.messages()) == 1


def test_a_server_that_says_later_gets_another_try_then_a_failed_status(ledger, mail_server):
    mail_server.handler.defer.add("pat@crown.example")
    with tenant_context(ledger.tenant):
        message = message_create(draft=_draft(ledger), send_now=False, as_of=AS_OF)
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED)
        with pytest.raises(channels.TryAgain):
            message_deliver(message.pk)
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
        assert message.status_reason == (
            "Attempt 1 failed: Recipient refused: pat@crown.example: 451 4.3.0 Mailbox busy, try again later"
        )
        assert message_deliver(message.pk, last_attempt=True) == MessageStatus.FAILED
        message.refresh_from_db()
        assert message.status_reason.startswith("Gave up after 2 attempts: Recipient refused")
        mail_server.handler.defer.clear()
        assert message_deliver(message.pk) == "skipped"  # failed stays failed
    assert mail_server.messages() == []


def test_a_refused_address_fails_with_the_servers_answer(ledger, mail_server, sent):
    mail_server.handler.refuse.add("pat@crown.example")
    with tenant_context(ledger.tenant):
        with sent():
            message = message_create(draft=_draft(ledger), send_now=True, as_of=AS_OF)
        message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.status_reason == "Recipient refused: pat@crown.example: 550 5.1.1 No such user here"
    assert message.interaction_id is None


def test_no_server_at_all_is_worth_another_try(ledger, settings, mail_server):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with tenant_context(ledger.tenant):
        message = message_create(draft=_draft(ledger), send_now=False, as_of=AS_OF)
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED)
        with pytest.raises(channels.TryAgain, match="The mail server could not be reached"):
            message_deliver(message.pk)
        assert Message.objects.get(pk=message.pk).status == MessageStatus.QUEUED


def test_an_attachment_too_big_fails_before_it_is_tried(ledger, mail_server, monkeypatch, sent):
    monkeypatch.setattr(channels, "EMAIL_MAX_BYTES", 1000)
    with tenant_context(ledger.tenant):
        with sent():
            message = message_create(draft=_draft(ledger), send_now=True, as_of=AS_OF)
        message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.status_reason.startswith("The message is ") and message.status_reason.endswith(
        "bytes with its attachments; at most 1,000 are sent."
    )


def test_a_message_a_dead_worker_left_sending_is_failed_not_resent(ledger, mail_server):
    with tenant_context(ledger.tenant):
        message = message_create(draft=_draft(ledger), send_now=False, as_of=AS_OF)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENDING, status_at=timezone.now() - datetime.timedelta(minutes=20)
        )
        assert services.messages_fail_stuck() == 1
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED
        assert message.status_reason.startswith("Outcome unknown")
        assert message_deliver(message.pk) == "skipped"
    assert mail_server.messages() == []


def test_a_bounce_reported_later_marks_the_message(ledger, mail_server, sent):
    with tenant_context(ledger.tenant):
        with sent():
            message = message_create(draft=_draft(ledger), send_now=True, as_of=AS_OF)
        services.message_event(
            internet_message_id=message.internet_message_id, event="bounced", reason="550 mailbox full"
        )
        message.refresh_from_db()
    assert (message.status, message.status_reason) == (MessageStatus.BOUNCED, "550 mailbox full")


def test_a_customer_without_an_email_address_is_told_apart(ledger):
    with tenant_context(ledger.tenant):
        Contact.objects.filter(customer=ledger.customer).update(email="")
        with pytest.raises(services.NoRecipient, match="No e-mail address"):
            _draft(ledger)
        ledger.customer.email = "accounts@crown.example"
        ledger.customer.save()
        assert _draft(ledger).recipient.address == "accounts@crown.example"


def test_a_template_names_its_unknown_variables(ledger):
    with tenant_context(ledger.tenant), pytest.raises(Exception) as error:
        services.template_save(
            channel="email",
            purpose="free",
            language="de",
            subject="Konto {{ customer.code }}",
            body="Hallo {{ contact.nmae }}, {% if x %}{{ customer.__class__ }}",
        )
    assert error.value.details == {
        "body": [
            "Unknown variable {{ contact.nmae }}.",
            "Only variables in double braces are allowed, not {% if x %}.",
            "Unknown variable {{ customer.__class__ }}.",
        ]
    }


def test_a_template_in_the_customers_language_is_chosen(ledger):
    with tenant_context(ledger.tenant):
        services.template_save(
            channel="email",
            purpose="statement",
            language="de",
            subject="Kontoauszug {{ customer.code }}",
            body="x",
        )
        ledger.customer.country = "DE"
        assert _draft(ledger).subject == "Kontoauszug C001"
        ledger.customer.country = "GB"
        assert _draft(ledger).subject.startswith("Statement of account C001")


def test_money_in_the_variables_is_exact(ledger):
    with tenant_context(ledger.tenant):
        draft = _draft(ledger, subject="{{ balance }}", body="{{ overdue }}")
    assert (draft.subject, draft.body) == ("530.00 GBP; 200.00 USD", "280.00 GBP; 200.00 USD")
    assert Decimal("530.00") + Decimal("200.00") == Decimal("730.00")


def test_a_sent_message_leaves_its_statuses_in_the_audit_log(ledger, mail_server, sent):
    from audit.models import AuditChange

    with tenant_context(ledger.tenant):
        message = message_create(draft=_draft(ledger), send_now=False, as_of=AS_OF)
        with sent():
            services.message_release(message=message)
        rows = list(
            AuditChange.objects.filter(entity="messaging_message", object_id=message.pk)
            .order_by("id")
            .values_list("action", "field", "old_value", "new_value", "customer_id")
        )
    c = ledger.customer.pk
    assert rows == [  # (its making is the message's own: created at, by)
        ("update", "status", "outbox", "queued", c),
        ("update", "status", "queued", "sending", c),
        ("update", "status", "sending", "sent", c),
    ]
