"""Reads of messaging: messages by status (the outbox first) and a customer's messages."""

from django.db.models import Count

from .models import Message, MessageStatus


def messages(*, status: str | None = None):
    queryset = Message.objects.select_related("customer", "created_by")
    return queryset.filter(status=status) if status else queryset


def message_counts() -> dict[str, int]:
    counts = dict(Message.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in MessageStatus.values}


def customer_messages(*, customer):
    return Message.objects.filter(customer=customer).order_by("-created_at", "-id")
