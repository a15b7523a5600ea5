"""What the product sends to customers: the tenant's letterhead, message templates, stored documents (PDFs)
and the messages themselves, each with its status from the outbox to the customer's mailbox.

A document's bytes are kept in the database, in the tenant's rows (row-level security covers them like any
other), so a PDF that was sent is still there to show on the timeline, and a crash loses none.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from creditcontrol.tenancy import TenantOwned
from customers.models import Contact, Customer
from interactions.models import Interaction
from ledger.models import LedgerEntry

# A logo on the letterhead, and a document the ERP sends with an entry, are at most this big.
LOGO_MAX_BYTES = 512 * 1024
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    SMS = "sms", "SMS"


class Purpose(models.TextChoices):
    STATEMENT = "statement", "Statement of account"
    INVOICE_COPY = "invoice_copy", "Invoice copy"
    FREE = "free", "Free message"
    REMINDER = "reminder", "Reminder"


class Letterhead(TenantOwned):
    """The tenant's name, address, registration and bank details on every document, and who mail is from."""

    controller_scope = None  # the tenant's setup

    company_name = models.CharField(max_length=200, blank=True, help_text="Blank: the tenant's name")
    address = models.TextField(blank=True)
    registration = models.TextField(blank=True, help_text="Company number, VAT number")
    bank_details = models.TextField(blank=True, help_text="Where customers pay: bank, IBAN, BIC")
    remittance = models.TextField(
        blank=True,
        help_text="The remittance note under a statement, e.g. 'Please quote your customer number.'",
    )
    logo = models.BinaryField(null=True, blank=True, editable=True)
    logo_content_type = models.CharField(max_length=40, blank=True)
    sender_name = models.CharField(max_length=100, blank=True, help_text="Blank: the company name")
    sender_email = models.EmailField(blank=True, help_text="Blank: the server's default sender")
    reply_to = models.EmailField(blank=True, help_text="Blank: the customer's controller, else the sender")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="letterhead_one_per_tenant")]


class MessageTemplate(TenantOwned):
    """A message's subject and text with variables (`messaging.variables`), per channel, purpose and
    language."""

    controller_scope = None  # the tenant's setup

    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    language = models.CharField(max_length=10, default="en")
    # Reminders have one template per chasing level: the level names its template.
    name = models.CharField(max_length=100, blank=True, default="", help_text="A reminder's name")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "name", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "purpose", "name", "language"], name="message_template_unique"
            )
        ]

    def __str__(self) -> str:
        what = f'{self.get_purpose_display()} "{self.name}"' if self.name else self.get_purpose_display()
        return f"{what} ({self.get_channel_display()}, {self.language})"


class DocumentKind(models.TextChoices):
    STATEMENT = "statement", "Statement of account"
    ACTIVITY_STATEMENT = "activity_statement", "Activity statement"
    ENTRY_COPY = "entry_copy", "Document copy"
    ERP_DOCUMENT = "erp_document", "The ERP's document"


class Document(TenantOwned):
    """A PDF: a statement or a copy made here, or the ERP's own document of an entry."""

    controller_scope = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60, default="application/pdf")
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    as_of = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["customer", "created_at"], name="document_customer_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=Q(kind="erp_document"), name="document_one_erp_copy_per_entry"
            )
        ]


class MessageStatus(models.TextChoices):
    OUTBOX = "outbox", "In the outbox"  # queued for review: nothing goes out until it is released
    QUEUED = "queued", "Queued"  # released: a task will send it
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"


# Statuses a message can still leave by a user's hand (released or discarded).
WAITING = (MessageStatus.OUTBOX,)


class Message(TenantOwned):
    """One message to one customer on one channel, from the outbox to delivered (or not, and why)."""

    controller_scope = "customer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.CharField(max_length=254, help_text="An e-mail address, a phone number or a name")
    sender = models.CharField(max_length=254, blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    documents = models.ManyToManyField(Document, blank=True, related_name="messages")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.OUTBOX)
    status_reason = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Message-ID the e-mail went out with (made for every message): a provider's delivery events name it.
    internet_message_id = models.CharField(max_length=200, unique=True)
    # The id the SMS provider gave the message when it took it: its delivery events may name this instead.
    provider_id = models.CharField(max_length=200, blank=True)
    interaction = models.OneToOneField(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    # A letter's print run: set when a run takes it (still queued), kept once the run has printed it.
    print_run = models.ForeignKey(
        "PrintRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="message_tenant_status"),
            models.Index(fields=["customer", "created_at"], name="message_customer_created"),
            models.Index(
                fields=["tenant", "provider_id"], name="message_provider_id", condition=~Q(provider_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient}: {self.subject}"


class PrintRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


class PrintRun(TenantOwned):
    """The queued letters as one print-ready PDF: per letter a cover page on the letterhead (the address
    placed for a window envelope) and its documents, each letter starting on an odd page (duplex printing
    never puts two customers on one sheet). Made by a worker in one transaction: all letters or none."""

    # A controller who works only their own customers sees the runs they made, which hold only the letters
    # they could see (messaging.services.print_run_start).
    controller_scope = "created_by"

    status = models.CharField(max_length=10, choices=PrintRunStatus.choices, default=PrintRunStatus.RUNNING)
    status_reason = models.CharField(max_length=500, blank=True)
    count = models.PositiveIntegerField(default=0, help_text="Letters in the run")
    pages = models.PositiveIntegerField(default=0, help_text="Pages of the PDF, blank pages included")
    pdf = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Print run {self.pk}"


class EventSigningSecret(TenantOwned):
    """The key a provider signs the tenant's delivery events with (HMAC-SHA256, `messaging.webhooks`). Kept
    as it is, not hashed: checking a signature needs the key itself. Shown once, when it is made."""

    controller_scope = None  # the tenant's setup

    secret = models.CharField(max_length=100)
    made_at = models.DateTimeField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="event_signing_secret_one_per_tenant")]

    @property
    def hint(self) -> str:
        """What the page shows of a secret it no longer shows: its prefix and last four characters."""
        return f"{self.secret[:5]}…{self.secret[-4:]}"


class BatchStatus(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"


class Batch(TenantOwned):
    """Messages to many customers at once (the balance due report's Contact, the credit list's statements):
    one item per customer, each made by a worker into a message or skipped with the reason."""

    controller_scope = "created_by"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    as_of = models.DateField()
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    attach_statement = models.BooleanField(default=True)
    send_now = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)


class BatchItem(TenantOwned):
    controller_scope = "customer"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skipped = models.CharField(max_length=300, blank=True, help_text="Why no message was made")
    processed = models.BooleanField(default=False)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [models.UniqueConstraint(fields=["batch", "customer"], name="batch_item_unique")]
        indexes = [models.Index(fields=["batch", "processed", "position"], name="batch_item_pending")]
