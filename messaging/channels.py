"""How a message leaves: one function per channel, each raising `TryAgain` for what a later attempt may
get through (a server down, a 4xx answer) and `Undeliverable` for what no attempt will (a refused address,
a 5xx answer, a message too big). E-mail goes through Django's mail framework (EMAIL_URL names the server);
an SMS through the backend SMS_BACKEND names (`HttpSmsBackend` for a provider's HTTP API). A letter has
no channel here: it waits queued for the print run (`messaging.print_runs`), which prints it and marks it
sent. `send` answers the id the provider gave the message, where it gave one.
"""

import json
import logging
import smtplib
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from creditcontrol.mail import TENANT_HEADER

from .models import Channel, Message

# What an e-mail may carry in all (the attachments and text); bigger is refused before it is tried.
EMAIL_MAX_BYTES = 20 * 1024 * 1024


class TryAgain(Exception):
    pass


class Undeliverable(Exception):
    pass


def _smtp_error(error: smtplib.SMTPException) -> Exception:
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in error.recipients.values()]
        reason = "; ".join(
            f"{address}: {answer[0]} {answer[1].decode(errors='replace')}"
            for address, answer in error.recipients.items()
        )
        return (TryAgain if all(400 <= c < 500 for c in codes) else Undeliverable)(
            f"Recipient refused: {reason}"
        )
    if code is not None:
        text = getattr(error, "smtp_error", b"")
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return (TryAgain if 400 <= code < 500 else Undeliverable)(
            f"The mail server answered {code} {text}".strip()
        )
    return TryAgain(f"The mail server could not be reached: {error}")


def email_send(message: Message) -> str:
    attachments = list(message.documents.all())
    size = len(message.body.encode()) + sum(document.size for document in attachments)
    if size > EMAIL_MAX_BYTES:
        raise Undeliverable(
            f"The message is {size:,} bytes with its attachments; at most {EMAIL_MAX_BYTES:,} are sent."
        )
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=message.sender or None,
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={TENANT_HEADER: message.customer.tenant.slug, "Message-ID": message.internet_message_id},
        connection=get_connection(fail_silently=False),
    )
    for document in attachments:
        email.attach(document.filename, bytes(document.content), document.content_type)
    try:
        email.send()
    except smtplib.SMTPException as error:
        raise _smtp_error(error) from error
    except OSError as error:  # refused connection, timeout, DNS
        raise TryAgain(f"The mail server could not be reached: {error}") from error
    return ""  # its events name the Message-ID it went out with


class LogSmsBackend:
    """The development SMS backend: the text goes to the log, nothing is sent. A provider's backend has the
    same `send(number, text) -> provider id` and raises TryAgain or Undeliverable."""

    def send(self, number: str, text: str) -> str:
        logging.getLogger("messaging.sms").info("SMS to %s: %s", number, text)
        return ""


# How long the SMS provider has to answer; the task tries again later when it does not.
SMS_TIMEOUT_SECONDS = 10
# How much of a provider's error answer a message's reason keeps.
PROVIDER_TEXT_MAX = 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as it is (an error naming its status): a POST is never replayed elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _provider_text(body: bytes) -> str:
    """The provider's error in its answer: the JSON's `error` / `message` / `detail`, else the text."""
    text = body.decode(errors="replace").strip()
    try:
        answer = json.loads(text)
    except ValueError:
        return text[:PROVIDER_TEXT_MAX]
    if isinstance(answer, dict):
        for key in ("error", "message", "detail"):
            value = answer.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value.get("detail")
            if isinstance(value, str) and value.strip():
                return value.strip()[:PROVIDER_TEXT_MAX]
    return text[:PROVIDER_TEXT_MAX]


class HttpSmsBackend:
    """A provider's HTTP API: POST `{"to": number, "from": SMS_SENDER, "text": text}` as JSON to SMS_URL with
    `Authorization: Bearer SMS_TOKEN`, answered within 10 seconds. A 2xx answer's JSON `id` is the provider's
    id of the message (its delivery events name it); 429, a 5xx answer, a timeout or no connection are worth
    another try; any other answer (400 "invalid number", 401 a wrong token) is final, with the provider's
    text."""

    def __init__(self, url: str | None = None, token: str | None = None, sender: str | None = None):
        self.url = settings.SMS_URL if url is None else url
        self.token = settings.SMS_TOKEN if token is None else token
        self.sender = settings.SMS_SENDER if sender is None else sender

    def send(self, number: str, text: str) -> str:
        if not self.url.startswith(("https://", "http://")):
            raise Undeliverable(
                f"The SMS provider is not set up: SMS_URL is {self.url!r}, not an http(s) URL."
            )
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url,
            data=json.dumps({"to": number, "from": self.sender, "text": text}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=SMS_TIMEOUT_SECONDS) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            reason = f"{error.code} {_provider_text(error.read() or b'') or error.reason}".strip()
            if error.code == 429 or error.code >= 500:
                raise TryAgain(f"The SMS provider answered {reason}") from error
            raise Undeliverable(f"The SMS provider refused the message: {reason}") from error
        except (urllib.error.URLError, OSError) as error:  # refused connection, timeout, DNS
            why = getattr(error, "reason", None) or error
            raise TryAgain(f"The SMS provider could not be reached: {why}") from error
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        provider_id = answer.get("id") if isinstance(answer, dict) else None
        if provider_id in (None, ""):
            # Taken all the same (a 2xx): sending it again would send it twice. Its events cannot name it.
            logging.getLogger("messaging.sms").warning("The SMS provider gave no id: %r", body[:200])
            return ""
        return str(provider_id)[:200]


def sms_send(message: Message) -> str:
    backend = import_string(settings.SMS_BACKEND)()
    return backend.send(message.recipient, message.body) or ""


SENDERS = {Channel.EMAIL: email_send, Channel.SMS: sms_send}


def send(message: Message) -> str:
    """Send `message` on its channel; answers the provider's id of it ("" where none is given)."""
    return SENDERS[Channel(message.channel)](message)
