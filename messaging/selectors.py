"""Reads of messaging: messages by status (the outbox first) and a customer's messages."""

from django.db.models import Count
from django.urls import reverse

from creditcontrol.tenancy import current_tenant
from creditcontrol.timeline import TimelineNote

from .models import Message, MessageStatus, PrintRun


def messages(*, status: str | None = None):
    queryset = Message.objects.select_related("customer", "created_by")
    return queryset.filter(status=status) if status else queryset


def message_counts() -> dict[str, int]:
    counts = dict(Message.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in MessageStatus.values}


def print_runs():
    """Print runs, newest first, without their PDFs' bytes (read only to download)."""
    return PrintRun.objects.select_related("created_by").defer("pdf")


def customer_messages(*, customer):
    return Message.objects.filter(customer=customer).order_by("-created_at", "-id")


BADGE_CLASS = {
    MessageStatus.SENT: "good",
    MessageStatus.DELIVERED: "good",
    MessageStatus.BOUNCED: "bad",
    MessageStatus.FAILED: "bad",
}


def timeline_notes(interaction_ids: list[int]) -> dict[int, list[TimelineNote]]:
    """For the customer timeline (creditcontrol.timeline): each message's status, link and PDFs."""
    slug = current_tenant().slug
    notes = {}
    for message in Message.objects.filter(interaction_id__in=interaction_ids).prefetch_related("documents"):
        links = [("Message", reverse("message", kwargs={"tenant_slug": slug, "pk": message.pk}))]
        links += [
            (document.filename, reverse("document", kwargs={"tenant_slug": slug, "pk": document.pk}))
            for document in message.documents.all()
        ]
        notes[message.interaction_id] = [
            TimelineNote(
                text=f"to {message.recipient}",
                badge=message.get_status_display(),
                badge_class=BADGE_CLASS.get(message.status, ""),
                links=links,
            )
        ]
    return notes
