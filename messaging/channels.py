"""How a message leaves: one function per channel, each raising `TryAgain` for what a later attempt may
get through (a server down, a 4xx answer) and `Undeliverable` for what no attempt will (a refused address,
a 5xx answer, a message too big). E-mail goes through Django's mail framework (EMAIL_URL names the server);
an SMS through the backend SMS_BACKEND names. A letter has no channel here: it waits queued for the print
run (`messaging.print_runs`), which prints it and marks it sent.
"""

import smtplib

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


def email_send(message: Message) -> None:
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


class LogSmsBackend:
    """The development SMS backend: the text goes to the log, nothing is sent. A provider's backend has the
    same `send(number, text) -> provider id` and raises TryAgain or Undeliverable."""

    def send(self, number: str, text: str) -> str:
        import logging

        logging.getLogger("messaging.sms").info("SMS to %s: %s", number, text)
        return ""


def sms_send(message: Message) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(message.recipient, message.body)


SENDERS = {Channel.EMAIL: email_send, Channel.SMS: sms_send}


def send(message: Message) -> None:
    SENDERS[Channel(message.channel)](message)
