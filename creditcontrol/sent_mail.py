"""The messages a local mail server kept (`creditcontrol.mailserver`), read back for the tenant's admin.

Only where LOCAL_MAILBOX_DIR is set, which `make run` does when it starts the local server; with a real
mail server the messages are the server's to keep. A tenant sees the messages marked with its own slug
(`creditcontrol.mail.TENANT_HEADER`) and no other: a key of another tenant's message is not found.
"""

import mailbox
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404

from .mail import TENANT_HEADER
from .tenancy import current_tenant


@dataclass(frozen=True)
class SentMessage:
    key: str
    sent_at: datetime | None
    sender: str
    to: str
    subject: str
    body: str
    attachments: list[str]


def local_mailbox_dir() -> Path | None:
    return Path(settings.LOCAL_MAILBOX_DIR) if settings.LOCAL_MAILBOX_DIR else None


def _text(value: str | None) -> str:
    return str(make_header(decode_header(value))) if value else ""


def _body_and_attachments(message: Message) -> tuple[str, list[str]]:
    body, attachments = "", []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename:
            attachments.append(_text(filename))
        elif part.get_content_type() == "text/plain" and not body:
            body = (
                part.get_content() if hasattr(part, "get_content") else part.get_payload(decode=True).decode()
            )
    return body, attachments


def _sent_message(key: str, message: Message) -> SentMessage:
    body, attachments = _body_and_attachments(message)
    try:
        sent_at = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    return SentMessage(
        key=key,
        sent_at=sent_at,
        sender=_text(message["From"]),
        to=_text(message["To"]) or _text(message["X-Envelope-To"]),
        subject=_text(message["Subject"]),
        body=body,
        attachments=attachments,
    )


def _arrival(key: str) -> tuple[int, ...]:
    """When a message arrived, from its Maildir key ("<seconds>.M<microseconds>P<pid>Q<count>.<host>")."""
    match = re.match(r"(\d+)\.M(\d+)P\d+Q(\d+)", key)
    return tuple(int(part) for part in match.groups()) if match else (0, 0, 0)


def _box() -> mailbox.Maildir | None:
    directory = local_mailbox_dir()
    if directory is None or not directory.exists():
        return None
    return mailbox.Maildir(directory, factory=None, create=False)


def sent_message_list(limit: int = 200) -> list[SentMessage]:
    """The current tenant's messages, newest first (at most `limit`)."""
    box = _box()
    if box is None:
        return []
    slug = current_tenant().slug
    keys = sorted(box.keys(), key=_arrival, reverse=True)
    found = []
    for key in keys:
        message = box.get_message(key)
        if message[TENANT_HEADER] == slug:
            found.append(_sent_message(key, message))
            if len(found) == limit:
                break
    return found


def sent_message_get(key: str) -> SentMessage:
    box = _box()
    message = None
    if box is not None and "/" not in key:
        try:
            message = box.get_message(key)
        except KeyError:
            message = None
    if message is None or message[TENANT_HEADER] != current_tenant().slug:
        raise Http404("No such message.")
    return _sent_message(key, message)
