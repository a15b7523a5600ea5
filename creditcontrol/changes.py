"""The ledger-change seam: every write that changes what the credit figures read publishes one `Change`.

Who writes does not know who listens. The ledger (services, the three imports, the bulk upsert API),
customer writes and to-do writes call `publish()` inside their transaction; the apps that react register
a subscriber when they start (`subscribe()` in their AppConfig.ready): the statistics mark customers
stale, the interactions close paid to-dos and judge promises, and so will chasing, credit holds and the
audit log. Subscribers run in the publisher's transaction, so what they do commits or rolls back with the
change itself.

One operation publishes once: inside `operation()` every change published (a payment posted and then
applied to twenty invoices) is merged and delivered when the outermost operation ends. What subscribers
publish while they run (a to-do closed because its invoice was paid) is delivered in a next round.
"""

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

# Rounds of "a subscriber's reaction is itself a change" before giving up: a cycle is a bug.
MAX_ROUNDS = 5


@dataclass
class Change:
    """What one operation changed.

    - `customer_ids`: customers whose ledger or credit data changed, so their figures are stale.
    - `settled_entry_ids`: entries whose remaining amount an application (or a re-import) lowered;
      some may now be closed.
    - `reopened_entry_ids`: entries whose remaining amount an undo (or a re-import) raised.
    - `sources`: what made the change ("posting", "application", "import", "customer", "to-do", ...).
    """

    customer_ids: set[int] = field(default_factory=set)
    settled_entry_ids: set[int] = field(default_factory=set)
    reopened_entry_ids: set[int] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    @property
    def entry_ids(self) -> set[int]:
        """Every entry whose remaining amount changed, either way."""
        return self.settled_entry_ids | self.reopened_entry_ids

    def __bool__(self) -> bool:
        return bool(self.customer_ids or self.settled_entry_ids or self.reopened_entry_ids)

    def merge(self, other: "Change") -> None:
        self.customer_ids |= other.customer_ids
        self.settled_entry_ids |= other.settled_entry_ids
        self.reopened_entry_ids |= other.reopened_entry_ids
        self.sources |= other.sources


Subscriber = Callable[[Change], None]

_subscribers: list[Subscriber] = []
_pending: contextvars.ContextVar[Change | None] = contextvars.ContextVar("pending_change", default=None)


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register a function to call with each change (in AppConfig.ready; a second registration is a no-op)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def publish(
    *,
    source: str,
    customer_ids: Iterable[int] = (),
    settled_entry_ids: Iterable[int] = (),
    reopened_entry_ids: Iterable[int] = (),
) -> None:
    """Announce a change. Inside an operation it is merged into the operation's; otherwise delivered now."""
    change = Change(
        customer_ids=set(customer_ids),
        settled_entry_ids=set(settled_entry_ids),
        reopened_entry_ids=set(reopened_entry_ids),
        sources={source},
    )
    if not change:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("A change is published inside the transaction that makes it.")
    pending = _pending.get()
    if pending is not None:
        pending.merge(change)
    else:
        _deliver(change)


@contextmanager
def operation() -> Iterator[None]:
    """One operation, however many writes it makes: the changes published inside are delivered once, at
    the end of the outermost operation, and not at all if it raises (its transaction rolls back)."""
    if _pending.get() is not None:
        yield
        return
    change = Change()
    token = _pending.set(change)
    try:
        yield
    finally:
        _pending.reset(token)
    if change:
        _deliver(change)


def _deliver(change: Change) -> None:
    for _ in range(MAX_ROUNDS):
        reaction = Change()
        token = _pending.set(reaction)
        try:
            for subscriber in _subscribers:
                subscriber(change)
        finally:
            _pending.reset(token)
        if not reaction:
            return
        change = reaction
    raise RuntimeError(f"Changes still cascading after {MAX_ROUNDS} rounds of subscribers: {change}")
