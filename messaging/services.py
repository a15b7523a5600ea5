"""Writes of messaging: templates and the letterhead; composing a message (its statement rendered and
kept), queueing it in the outbox or sending it now; releasing or discarding what waits; delivering it
(the task's work) exactly once; and what a provider reports afterwards.

A message's life: **outbox** (waits for review) → **queued** (released: one task will send it) →
**sending** → **sent** → **delivered** or **bounced**; or **failed** with the reason; or **discarded**
from the outbox. The delivery is idempotent: the task takes the message only while it is *queued*, marks
it *sending* in its own transaction before it talks to the server, and puts it back to *queued* only when
the server said no in a way worth another try. A task retried after a crash finds *sending* and sends
nothing; such a message is failed by `messages_fail_stuck` with "outcome unknown", never sent twice.

A letter has no task: released, it waits *queued* until a print run (`messaging.print_runs`) takes it,
prints it and marks it *sent*, all in one transaction.
"""

import datetime
import secrets
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from creditcontrol.errors import DomainError
from creditcontrol.tenancy import current_tenant
from customers.models import Contact, Customer
from interactions.models import InteractionType
from interactions.services import interaction_create
from ledger.models import LedgerEntry

from . import channels, documents
from .defaults import TEMPLATES as DEFAULT_TEMPLATES
from .models import (
    LOGO_MAX_BYTES,
    Batch,
    BatchItem,
    BatchStatus,
    Channel,
    EventSigningSecret,
    Letterhead,
    Message,
    MessageStatus,
    MessageTemplate,
    Purpose,
)
from .statements import Statement, statement_open_item
from .variables import render, template_problems, values_for

# A message still "sending" after this long was taken by a worker that died mid-send.
STUCK_AFTER = datetime.timedelta(minutes=15)
LOGO_TYPES = {"image/png", "image/jpeg"}


# --- setup ---------------------------------------------------------------------------------------------


def templates_seed_defaults() -> None:
    """A new tenant's templates: a statement cover e-mail, an invoice copy and a free message (English)."""
    for channel, purpose, subject, body in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            channel=channel, purpose=purpose, language="en", defaults={"subject": subject, "body": body}
        )


def _template_problems(
    *, channel: str, purpose: str, language: str, subject: str, body: str, name: str = ""
) -> dict:
    errors: dict[str, list[str]] = {}
    if purpose == Purpose.REMINDER and not name:
        errors["name"] = ["A reminder template needs a name: a chasing level chooses its template by it."]
    if purpose != Purpose.REMINDER and name:
        errors["name"] = ["Only reminder templates have a name."]
    if channel not in Channel.values:
        errors["channel"] = [f"Choose one of {', '.join(Channel.values)}."]
    if purpose not in Purpose.values:
        errors["purpose"] = [f"Choose one of {', '.join(Purpose.values)}."]
    if not (language or "").strip():
        errors["language"] = ["Give the template's language, e.g. en or de."]
    if channel == Channel.EMAIL and not (subject or "").strip():
        errors["subject"] = ["An e-mail needs a subject."]
    if not (body or "").strip():
        errors["body"] = ["Write the message."]
    for field, text in (("subject", subject), ("body", body)):
        problems = template_problems(text)
        if problems:
            errors.setdefault(field, []).extend(problems)
    return errors


@transaction.atomic
def template_save(
    *,
    channel: str,
    purpose: str,
    language: str,
    subject: str,
    body: str,
    name: str = "",
    template: MessageTemplate | None = None,
) -> MessageTemplate:
    language = (language or "").strip().lower()
    name = (name or "").strip()
    errors = _template_problems(
        channel=channel, purpose=purpose, language=language, subject=subject, body=body, name=name
    )
    clash = MessageTemplate.objects.filter(channel=channel, purpose=purpose, name=name, language=language)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if not errors and clash.exists():
        what = f"{Purpose(purpose).label.lower()} template{f' named {name!r}' if name else ''}"
        errors["language"] = [f"There is already a {what} for {Channel(channel).label} in {language}."]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], details=errors)
    template = template or MessageTemplate()
    template.channel, template.purpose, template.language, template.name = channel, purpose, language, name
    template.subject, template.body = subject.strip(), body
    template.save()
    return template


def template_for(*, purpose: str, channel: str, language: str = "", name: str = "") -> MessageTemplate | None:
    """The template for a purpose and channel (and a reminder's name) in `language`, else in English, else
    in any language."""
    candidates = list(MessageTemplate.objects.filter(purpose=purpose, channel=channel, name=name))
    for wanted in (language, "en"):
        for template in candidates:
            if template.language == wanted:
                return template
    return candidates[0] if candidates else None


@transaction.atomic
def letterhead_update(*, logo: bytes | None = None, logo_content_type: str = "", clear_logo=False, **fields):
    letterhead = Letterhead.objects.select_for_update().get(pk=documents.letterhead_get().pk)
    if logo is not None:
        if len(logo) > LOGO_MAX_BYTES:
            message = f"The logo is {len(logo):,} bytes; at most {LOGO_MAX_BYTES:,} are accepted."
            raise DomainError(message, details={"logo": [message]})
        if logo_content_type not in LOGO_TYPES:
            message = "The logo must be a PNG or JPEG image."
            raise DomainError(message, details={"logo": [message]})
        letterhead.logo, letterhead.logo_content_type = logo, logo_content_type
    elif clear_logo:
        letterhead.logo, letterhead.logo_content_type = None, ""
    for name, value in fields.items():
        setattr(letterhead, name, value)
    letterhead.save()
    return letterhead


# --- composing -----------------------------------------------------------------------------------------


@dataclass
class Recipient:
    contact: Contact | None
    address: str


class NoRecipient(DomainError):
    pass


NO_ADDRESS = {
    Channel.EMAIL: "No e-mail address: neither the customer nor an active contact has one.",
    Channel.SMS: "No phone number: neither the customer nor an active contact has one.",
    Channel.LETTER: "No postal address for a letter.",
}


def recipient_for(customer: Customer, channel: str) -> Recipient:
    """Who a message on `channel` goes to: the credit-control contact, else the primary, else any active
    contact with an address for the channel, else the customer's own. Raises NoRecipient (the skip reason)."""
    contacts = Contact.objects.filter(customer=customer, is_inactive=False).order_by(
        "-is_credit_control_contact", "-is_primary", "name", "pk"
    )
    if channel == Channel.EMAIL:
        for contact in contacts:
            if contact.email:
                return Recipient(contact, contact.email)
        if customer.email:
            return Recipient(None, customer.email)
        raise NoRecipient(NO_ADDRESS[Channel.EMAIL], code="no_email")
    if channel == Channel.SMS:
        for contact in contacts:
            if contact.phone:
                return Recipient(contact, contact.phone)
        if customer.phone:
            return Recipient(None, customer.phone)
        raise NoRecipient(NO_ADDRESS[Channel.SMS], code="no_phone")
    if not customer.address.strip():
        raise NoRecipient(NO_ADDRESS[Channel.LETTER], code="no_address")
    contact = contacts.first()
    return Recipient(contact, f"{contact.name}, {customer.name}" if contact else customer.name)


def _sender_and_reply_to(customer: Customer, letterhead: Letterhead) -> tuple[str, str]:
    name = letterhead.sender_name or letterhead.company_name or current_tenant().name
    address = letterhead.sender_email or settings.DEFAULT_FROM_EMAIL
    reply_to = letterhead.reply_to or (customer.controller.email if customer.controller else "") or ""
    return f"{name} <{address}>", reply_to


@dataclass
class Draft:
    """A message as it would go out: what the preview shows and what `message_create` keeps."""

    customer: Customer
    recipient: Recipient
    channel: str
    purpose: str
    template: MessageTemplate | None
    subject: str
    body: str
    sender: str
    reply_to: str


def message_draft(
    *,
    customer: Customer,
    channel: str = Channel.EMAIL,
    purpose: str = Purpose.STATEMENT,
    as_of: datetime.date,
    template: MessageTemplate | None = None,
    subject: str | None = None,
    body: str | None = None,
    statement: Statement | None = None,
    extra_values: dict[str, str] | None = None,
) -> Draft:
    """Fill a template (or the subject and text given) for one customer (with its open-item statement as
    of `as_of`, made here unless given). Raises NoRecipient."""
    recipient = recipient_for(customer, channel)
    template = template or template_for(
        purpose=purpose, channel=channel, language=customer_language(customer)
    )
    if template is None and body is None:
        message = f"There is no {Purpose(purpose).label.lower()} template for {Channel(channel).label}."
        raise DomainError(message, details={"template": [message]}, code="no_template")
    subject = template.subject if subject is None else subject
    body = template.body if body is None else body
    problems = template_problems(subject, body)
    if problems:
        raise DomainError(problems[0], details={"body": problems})
    letterhead = documents.letterhead_get()
    values = values_for(
        customer=customer,
        contact=recipient.contact,
        statement=statement or statement_open_item(customer=customer, as_of=as_of),
        letterhead=letterhead,
        today=current_tenant().today(),
        extra=extra_values,
    )
    sender, reply_to = _sender_and_reply_to(customer, letterhead)
    return Draft(
        customer=customer,
        recipient=recipient,
        channel=channel,
        purpose=purpose,
        template=template,
        subject=render(subject, values),
        body=render(body, values),
        sender=sender,
        reply_to=reply_to,
    )


# The language a customer reads, from its country (a template in it is chosen where one exists).
COUNTRY_LANGUAGE = {
    "DE": "de",
    "AT": "de",
    "CH": "de",
    "FR": "fr",
    "BE": "fr",
    "NL": "nl",
    "DK": "da",
    "ES": "es",
}


def customer_language(customer: Customer) -> str:
    """The language a customer reads its messages in: from its country, else English."""
    return COUNTRY_LANGUAGE.get((customer.country or "").upper(), "en")


@transaction.atomic
def message_create(
    *,
    draft: Draft,
    user=None,
    send_now: bool,
    as_of: datetime.date,
    period_start: datetime.date | None = None,
    attach_statement: bool = True,
    extra_documents=(),
    statement: Statement | None = None,
) -> Message:
    """Keep a drafted message with its statement (rendered now), in the outbox or queued to send."""
    message = Message.objects.create(
        customer=draft.customer,
        contact=draft.recipient.contact,
        channel=draft.channel,
        purpose=draft.purpose,
        template=draft.template,
        recipient=draft.recipient.address,
        sender=draft.sender,
        reply_to=draft.reply_to,
        subject=draft.subject,
        body=draft.body,
        status=MessageStatus.QUEUED if send_now else MessageStatus.OUTBOX,
        internet_message_id=make_msgid(domain=_domain()),
        created_by=user,
        released_at=timezone.now() if send_now else None,
        released_by=user if send_now else None,
        status_at=timezone.now(),
    )
    attached = list(extra_documents)
    if attach_statement:
        attached.append(
            documents.statement_document(
                customer=draft.customer,
                as_of=as_of,
                period_start=period_start,
                user=user,
                statement=statement,
            )
        )
    if attached:
        message.documents.add(*attached)
    if send_now:
        _deliver_after_commit(message)
    return message


def _domain() -> str:
    address = documents.letterhead_get().sender_email or settings.DEFAULT_FROM_EMAIL
    return address.rsplit("@", 1)[-1].strip("> ") or "localhost"


def _deliver_after_commit(message: Message) -> None:
    if message.channel == Channel.LETTER:  # waits queued for the print run
        return
    from .tasks import deliver_message

    tenant_id, message_id = message.tenant_id, message.pk
    transaction.on_commit(lambda: deliver_message.delay(tenant_id, message_id))


def _waiting(message: Message) -> Message:
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.OUTBOX:
        text = f"The message is {message.get_status_display().lower()}, no longer in the outbox."
        raise DomainError(text, code="not_in_outbox")
    return message


@transaction.atomic
def message_release(*, message: Message, user=None) -> Message:
    message = _waiting(message)
    message.status, message.status_at = MessageStatus.QUEUED, timezone.now()
    message.released_at, message.released_by = timezone.now(), user
    message.save(update_fields=["status", "status_at", "released_at", "released_by"])
    _deliver_after_commit(message)
    return message


@transaction.atomic
def message_discard(*, message: Message, user=None) -> Message:
    message = _waiting(message)
    message.status, message.status_at = MessageStatus.DISCARDED, timezone.now()
    message.status_reason = f"Discarded by {user.get_username()}" if user else "Discarded"
    message.save(update_fields=["status", "status_at", "status_reason"])
    return message


# --- delivering ----------------------------------------------------------------------------------------


def _take(message_id: int) -> Message | None:
    """Mark a queued message *sending* (committed before anything is sent); None when it is not queued, or
    is a letter (the print run's, never a task's)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != MessageStatus.QUEUED or message.channel == Channel.LETTER:
            return None
        message.status, message.status_at = MessageStatus.SENDING, timezone.now()
        message.attempts += 1
        message.save(update_fields=["status", "status_at", "attempts"])
        return message


def _settle(message: Message, status: str, reason: str = "", *, provider_id: str = "") -> None:
    message.status, message.status_reason, message.status_at = status, reason[:500], timezone.now()
    fields = ["status", "status_reason", "status_at"]
    if status == MessageStatus.SENT:
        message.sent_at = message.status_at
        fields.append("sent_at")
    if provider_id:
        message.provider_id = provider_id
        fields.append("provider_id")
    message.save(update_fields=fields)


def message_deliver(message_id: int, *, last_attempt: bool = False) -> str:
    """Send a queued message once. Returns its status; raises channels.TryAgain when a retry may help
    (the message is queued again first, unless this was the last attempt: then it failed)."""
    message = _take(message_id)
    if message is None:
        return "skipped"
    try:
        provider_id = channels.send(message)
    except channels.TryAgain as error:
        with transaction.atomic():
            if last_attempt:
                _settle(message, MessageStatus.FAILED, f"Gave up after {message.attempts} attempts: {error}")
                return message.status
            _settle(message, MessageStatus.QUEUED, f"Attempt {message.attempts} failed: {error}")
        raise
    except channels.Undeliverable as error:
        _settle(message, MessageStatus.FAILED, str(error))
        return message.status
    with transaction.atomic():
        _settle(message, MessageStatus.SENT, provider_id=provider_id)
        _log_on_timeline(message)
    return message.status


INTERACTION_TYPE = {Channel.EMAIL: InteractionType.EMAIL, Channel.LETTER: InteractionType.LETTER}


def _log_on_timeline(message: Message) -> None:
    what = Purpose(message.purpose).label
    description = f"{what} sent by {Channel(message.channel).label.lower()} to {message.recipient}"
    interaction = interaction_create(
        customer=message.customer,
        user=message.released_by or message.created_by,
        description=description[:250],
        interaction_type=INTERACTION_TYPE.get(message.channel, InteractionType.NOTE),
        occurred_at=message.sent_at,
        contact=message.contact,
        notes=f"Subject: {message.subject}\n\n{message.body}" if message.subject else message.body,
        controller=message.customer.controller,
    )
    message.interaction = interaction
    message.save(update_fields=["interaction"])


def messages_fail_stuck(*, now: datetime.datetime | None = None) -> int:
    """Messages a worker took and never finished: failed, the outcome unknown (never sent again)."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    return Message.objects.filter(status=MessageStatus.SENDING, status_at__lt=cutoff).update(
        status=MessageStatus.FAILED,
        status_reason="Outcome unknown: the sending was interrupted. Check with the customer before sending again.",
        status_at=timezone.now(),
    )


# What a provider may report after sending, and the status it leads to.
EVENTS = {
    "delivered": MessageStatus.DELIVERED,
    "bounced": MessageStatus.BOUNCED,
    "failed": MessageStatus.FAILED,
}


class UnknownMessages(DomainError):
    """Events naming messages this tenant never sent (`ids`): a 404 on the provider's signed path."""

    def __init__(self, ids: list[str]):
        self.ids = ids
        text = f"No message was sent with the id {', '.join(ids)}."
        super().__init__(text, details={"message_id": [text]}, code="not_found")


def _messages_named(ids: list[str]) -> dict[str, Message]:
    """The tenant's messages by the id an event names them with: the Message-ID they went out with, or the
    id the SMS provider gave them. Locked until the transaction ends."""
    ids = [i for i in ids if i]  # a blank id names nothing (not every text without a provider's id)
    found = Message.objects.select_for_update().filter(
        Q(internet_message_id__in=ids) | Q(provider_id__in=ids)
    )
    named: dict[str, Message] = {}
    for message in found.order_by("pk"):
        for key in (message.internet_message_id, message.provider_id):
            if key in ids:
                named.setdefault(key, message)
    return named


def _apply(message: Message, event: str, reason: str) -> bool:
    """Whether the event changed the message: only a message sent (or delivered, then bounced) takes one,
    and the same event again changes nothing."""
    status = EVENTS[event]
    if message.status not in (MessageStatus.SENT, MessageStatus.DELIVERED) or message.status == status:
        return False
    _settle(message, status, reason)
    return True


@dataclass
class EventResult:
    message: Message
    event: str
    changed: bool


@transaction.atomic
def message_events(*, events: list[dict]) -> list[EventResult]:
    """A provider's delivery events (each `message_id`, `event`, `reason`), all or none: a message id that
    names none of the tenant's messages raises UnknownMessages before any event is applied. Idempotent: an
    event the message already shows changes nothing."""
    for item in events:
        if item["event"] not in EVENTS:
            text = f"Unknown event '{item['event']}': one of {', '.join(EVENTS)}."
            raise DomainError(text, details={"event": [text]})
    ids = [item["message_id"] for item in events]
    named = _messages_named(ids)
    unknown = sorted({i for i in ids if i not in named})
    if unknown:
        raise UnknownMessages(unknown)
    return [
        EventResult(
            message=named[item["message_id"]],
            event=item["event"],
            changed=_apply(named[item["message_id"]], item["event"], item.get("reason", "")),
        )
        for item in events
    ]


@transaction.atomic
def message_event(*, internet_message_id: str, event: str, reason: str = "") -> Message:
    """A provider's delivery event for the message sent with Message-ID `internet_message_id` (or given
    that id by the SMS provider)."""
    if event not in EVENTS:
        text = f"Unknown event '{event}': one of {', '.join(EVENTS)}."
        raise DomainError(text, details={"event": [text]})
    message = _messages_named([internet_message_id]).get(internet_message_id)
    if message is None:
        text = "No message was sent with that Message-ID."
        raise DomainError(text, details={"internet_message_id": [text]}, code="not_found")
    _apply(message, event, reason)
    return message


# --- the provider's signing secret ---------------------------------------------------------------------

SECRET_PREFIX = "ccwh_"  # noqa: S105 (a prefix, not a secret)


@transaction.atomic
def event_secret_rotate(*, user=None) -> EventSigningSecret:
    """A new signing secret for the tenant's delivery events (the old one stops working at once)."""
    secret = EventSigningSecret.objects.select_for_update().first() or EventSigningSecret()
    secret.secret = SECRET_PREFIX + secrets.token_hex(32)
    secret.made_at, secret.made_by = timezone.now(), user
    secret.save()
    return secret


# --- batches -------------------------------------------------------------------------------------------


def batch_skips(*, customer_ids: list[int], channel: str) -> dict[int, str]:
    """Who a batch on `channel` will skip and why, found in two queries: no address for the channel, or
    nothing open on the account. (Each customer is checked again when its message is made.)"""
    reasons: dict[int, str] = {}
    customers = Customer.objects.filter(pk__in=customer_ids)
    contacts = Contact.objects.filter(customer_id__in=customer_ids, is_inactive=False)
    if channel == Channel.EMAIL:
        reachable = set(contacts.exclude(email="").values_list("customer_id", flat=True))
        reachable |= set(customers.exclude(email="").values_list("pk", flat=True))
    elif channel == Channel.SMS:
        reachable = set(contacts.exclude(phone="").values_list("customer_id", flat=True))
        reachable |= set(customers.exclude(phone="").values_list("pk", flat=True))
    else:
        reachable = set(customers.exclude(address="").values_list("pk", flat=True))
    with_open = set(
        LedgerEntry.objects.filter(customer_id__in=customer_ids, is_open=True)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    for pk in customers.values_list("pk", flat=True):
        if pk not in reachable:
            reasons[pk] = NO_ADDRESS[Channel(channel)]
        elif pk not in with_open:
            reasons[pk] = "Nothing open on the account."
    return reasons


@transaction.atomic
def batch_start(
    *,
    customer_ids: list[int],
    channel: str,
    purpose: str,
    as_of: datetime.date,
    subject: str,
    body: str,
    send_now: bool,
    user=None,
) -> Batch:
    """A batch of messages, one per customer (in customer number order), made by a worker."""
    problems = template_problems(subject, body)
    if problems:
        raise DomainError(problems[0], details={"body": problems})
    customers = list(
        Customer.objects.filter(pk__in=customer_ids).order_by("code").values_list("pk", flat=True)
    )
    if not customers:
        message = "Choose at least one customer."
        raise DomainError(message, details={"customers": [message]})
    skips = batch_skips(customer_ids=customers, channel=channel)
    batch = Batch.objects.create(
        channel=channel,
        purpose=purpose,
        as_of=as_of,
        subject=subject,
        body=body,
        attach_statement=purpose == Purpose.STATEMENT,
        send_now=send_now,
        total=len(customers),
        done=sum(1 for pk in customers if pk in skips),
        created_by=user,
    )
    BatchItem.objects.bulk_create(
        BatchItem(
            tenant=batch.tenant,
            batch=batch,
            customer_id=pk,
            position=position,
            skipped=skips.get(pk, ""),
            processed=pk in skips,
        )
        for position, pk in enumerate(customers)
    )
    if batch.done == batch.total:
        batch.status, batch.finished_at = BatchStatus.FINISHED, timezone.now()
        batch.save(update_fields=["status", "finished_at"])
    else:
        from .tasks import run_batch

        tenant_id, batch_id = batch.tenant_id, batch.pk
        runners = max(1, min(settings.MESSAGING_BATCH_RUNNERS, batch.total - batch.done))

        def start():  # several runners share the items (each takes the next one nobody holds)
            for _ in range(runners):
                run_batch.delay(tenant_id, batch_id)

        transaction.on_commit(start)
    return batch


# How many customers one run of a batch makes before it gives its worker back (and is queued again): the
# messages' deliveries and other work (recalculations, imports) are not kept waiting for a whole batch.
BATCH_SLICE = 50


def batch_run(batch_id: int, *, limit: int | None = None) -> tuple[Batch, bool]:
    """Make the batch's pending messages, one customer per transaction (progress shows as it goes; run
    again after a crash, it goes on where it stopped and makes no message twice). Several runs of one batch
    share its items: each takes the next item no other holds; the last to finish marks the batch done.
    Returns the batch and whether this run stopped at `limit` with items left (to be run again)."""
    batch = Batch.objects.select_related("created_by").get(pk=batch_id)
    made = 0
    while limit is None or made < limit:
        made += 1
        with transaction.atomic():
            item = (
                BatchItem.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer__controller")
                .filter(batch=batch, processed=False)
                .order_by("position")
                .first()
            )
            if item is None:
                made = None
                break
            try:
                with transaction.atomic():
                    statement = statement_open_item(customer=item.customer, as_of=batch.as_of)
                    if batch.attach_statement and statement.is_empty:
                        raise DomainError(f"Nothing open on the account as of {batch.as_of.isoformat()}.")
                    draft = message_draft(
                        customer=item.customer,
                        channel=batch.channel,
                        purpose=batch.purpose,
                        as_of=batch.as_of,
                        subject=batch.subject,
                        body=batch.body,
                        statement=statement,
                    )
                    item.message = message_create(
                        draft=draft,
                        user=batch.created_by,
                        send_now=batch.send_now,
                        as_of=batch.as_of,
                        attach_statement=batch.attach_statement,
                        statement=statement,
                    )
            except DomainError as error:
                item.skipped = error.message[:300]
            item.processed = True
            item.save(update_fields=["message", "skipped", "processed"])
            Batch.objects.filter(pk=batch.pk).update(done=F("done") + 1)
    if made is not None:  # stopped at the limit: the rest is for the next run
        return batch, True
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        pending = BatchItem.objects.filter(batch=batch, processed=False).exists()  # held by another run
        if batch.status != BatchStatus.FINISHED and not pending:
            batch.status, batch.finished_at = BatchStatus.FINISHED, timezone.now()
            batch.save(update_fields=["status", "finished_at"])
    return batch, False
