"""The SMS provider's HTTP backend against a real HTTP server in the test (http.server in a thread): what it
posts, the provider's id kept on the message (and its events finding the message by it), a busy provider
retried and given up on after the attempts, a refusal with the provider's text, and a provider that is down."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry

from creditcontrol.mailserver import free_port
from creditcontrol.tenancy import tenant_context
from interactions.models import Interaction
from messaging import channels, services
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.services import message_create, message_deliver, message_draft
from messaging.tasks import MAX_ATTEMPTS, deliver_message
from tests.factories import D

AS_OF = D("2026-03-31")
TEXT = "Dockside Traders: 75.00 GBP is open on your account. Please call us."


class Provider:
    """An SMS provider's API: records each request; answers with the next scripted (status, body), else the
    last one again."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict | str]] = [(201, {"id": "sms-0001", "status": "accepted"})]
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                provider.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                )
                code, answer = provider.answers.pop(0) if len(provider.answers) > 1 else provider.answers[0]
                data = (json.dumps(answer) if isinstance(answer, dict) else answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    with Provider() as running:
        settings.SMS_BACKEND = "messaging.channels.HttpSmsBackend"
        settings.SMS_URL = running.url
        settings.SMS_TOKEN = "tok_live_123"
        settings.SMS_SENDER = "ALPHA"
        yield running


def _sms(three) -> Message:
    """A free SMS to Dockside Traders (C002: Dee, 0113 496 0000), queued to send."""
    draft = message_draft(
        customer=three.c2, channel=Channel.SMS, purpose=Purpose.FREE, as_of=AS_OF, subject="", body=TEXT
    )
    message = message_create(draft=draft, send_now=False, as_of=AS_OF, attach_statement=False)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED)
    return message


def test_the_provider_takes_the_text_and_its_id_is_kept(three, provider):
    with tenant_context(three.tenant):
        message = _sms(three)
        assert message_deliver(message.pk) == MessageStatus.SENT
        message.refresh_from_db()
        timeline = Interaction.objects.get(pk=message.interaction_id).description

    (request,) = provider.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["Authorization"] == "Bearer tok_live_123"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {"to": "0113 496 0000", "from": "ALPHA", "text": TEXT}
    assert (message.status, message.provider_id, message.attempts) == (MessageStatus.SENT, "sms-0001", 1)
    assert timeline == "Free message sent by sms to 0113 496 0000"


def test_an_event_names_the_sms_by_the_providers_id(three, provider):
    with tenant_context(three.tenant):
        message = _sms(three)
        message_deliver(message.pk)
        services.message_event(internet_message_id="sms-0001", event="delivered", reason="DELIVRD")
        message.refresh_from_db()
    assert (message.status, message.status_reason) == (MessageStatus.DELIVERED, "DELIVRD")


def test_a_busy_provider_is_tried_again_then_given_up_on(three, provider):
    provider.answers = [(503, {"error": "Service temporarily unavailable"})]
    with tenant_context(three.tenant):
        message = _sms(three)
        with pytest.raises(channels.TryAgain):
            message_deliver(message.pk)
        message.refresh_from_db()
        assert (message.status, message.attempts, message.status_reason) == (
            MessageStatus.QUEUED,
            1,
            "Attempt 1 failed: The SMS provider answered 503 Service temporarily unavailable",
        )
        # The task's retries, each as the worker would run it after its countdown (not waited for here).
        countdowns = []
        for retries in range(1, MAX_ATTEMPTS - 1):
            with pytest.raises(Retry) as retry:
                deliver_message.apply(args=(three.tenant.pk, message.pk), retries=retries)
            countdowns.append(retry.value.when)
        last = deliver_message.apply(args=(three.tenant.pk, message.pk), retries=MAX_ATTEMPTS - 1)
        message.refresh_from_db()
    assert countdowns == [120, 240, 480, 960]  # after the first attempt's 60 s: 2, 4, 8, 16 minutes
    assert last.get() == MessageStatus.FAILED
    assert len(provider.requests) == MAX_ATTEMPTS == 6
    assert (message.status, message.attempts, message.provider_id) == (MessageStatus.FAILED, 6, "")
    assert message.status_reason == (
        "Gave up after 6 attempts: The SMS provider answered 503 Service temporarily unavailable"
    )
    assert message.interaction_id is None


def test_too_many_requests_is_worth_another_try(three, provider):
    provider.answers = [(429, "slow down"), (202, {"id": "sms-0002"})]
    with tenant_context(three.tenant):
        message = _sms(three)
        with pytest.raises(channels.TryAgain, match="^The SMS provider answered 429 slow down$"):
            message_deliver(message.pk)
        assert message_deliver(message.pk) == MessageStatus.SENT
        message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == (MessageStatus.SENT, "sms-0002", 2)


def test_a_refusal_fails_the_message_with_the_providers_text(three, provider):
    provider.answers = [(400, {"error": {"code": 21211, "message": "Invalid 'To' phone number"}})]
    with tenant_context(three.tenant):
        message = _sms(three)
        assert message_deliver(message.pk) == MessageStatus.FAILED
        assert message_deliver(message.pk) == "skipped"  # failed stays failed
        message.refresh_from_db()
    assert len(provider.requests) == 1
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.status_reason == "The SMS provider refused the message: 400 Invalid 'To' phone number"


def test_a_wrong_token_is_final_too(three, provider):
    provider.answers = [(401, "Unauthorized: unknown token")]
    with tenant_context(three.tenant):
        message = _sms(three)
        assert message_deliver(message.pk) == MessageStatus.FAILED
        message.refresh_from_db()
    assert message.status_reason == "The SMS provider refused the message: 401 Unauthorized: unknown token"


def test_a_provider_that_is_down_is_worth_another_try(three, provider, settings):
    settings.SMS_URL = f"http://127.0.0.1:{free_port()}/v1/messages"  # nothing listens there
    with tenant_context(three.tenant):
        message = _sms(three)
        with pytest.raises(channels.TryAgain, match="^The SMS provider could not be reached: .*refused"):
            message_deliver(message.pk)
        message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert message.status_reason.startswith("Attempt 1 failed: The SMS provider could not be reached: ")
    assert provider.requests == []


def test_an_sms_url_that_is_not_http_is_refused_before_anything_is_sent(three, provider, settings):
    settings.SMS_URL = "file:///etc/passwd"
    with tenant_context(three.tenant):
        message = _sms(three)
        assert message_deliver(message.pk) == MessageStatus.FAILED
        message.refresh_from_db()
    assert message.status_reason == (
        "The SMS provider is not set up: SMS_URL is 'file:///etc/passwd', not an http(s) URL."
    )


def test_a_blank_id_names_no_text_without_a_providers_id(three):
    with tenant_context(three.tenant):
        message = _sms(three)
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)
        with pytest.raises(services.UnknownMessages) as refused:
            services.message_events(events=[{"message_id": "", "event": "delivered"}])
        assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT
    assert refused.value.message == "No message was sent with the id ."
