"""What apps above the interactions add to an interaction on a customer's timeline.

The interactions app lists the timeline's events; an app that records its work as an interaction (a
message sent: its delivery status and its PDFs) registers a provider here, in its ready(), which is
asked once per timeline for every interaction shown. The interactions app names no app above it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TimelineNote:
    text: str
    badge: str = ""
    badge_class: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, URL)


Provider = Callable[[list[int]], dict[int, list[TimelineNote]]]
_providers: list[Provider] = []


def timeline_note_provider(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def timeline_notes(interaction_ids: Iterable[int]) -> dict[int, list[TimelineNote]]:
    ids = sorted(set(interaction_ids))
    notes: dict[int, list[TimelineNote]] = {}
    if not ids:
        return notes
    for provider in _providers:
        for interaction_id, found in provider(ids).items():
            notes.setdefault(interaction_id, []).extend(found)
    return notes
