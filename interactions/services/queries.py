"""Queries: the to-do that follows a queried entry until its query is resolved or the entry is paid."""

import datetime

from creditcontrol import changes
from ledger.models import LedgerEntry

from ..models import Interaction, StatusCode, ToDo, ToDoKind, ToDoOutcome, ToDoStatus
from .todos import todo_close, todo_create


def query_todo_description(entry: LedgerEntry, target: datetime.date) -> str:
    return f"Resolve query on {entry.document_no} by {target.isoformat()}"


def _open_query_todos(entry_ids: list[int]) -> dict[int, ToDo]:
    """{entry id: its open query to-do}: one per queried entry (a query to-do watches its entry only)."""
    todos = ToDo.objects.select_for_update(of=("self",)).filter(
        kind=ToDoKind.QUERY, status=ToDoStatus.OPEN, watched__entry_id__in=entry_ids
    )
    found = {}
    for todo in todos.order_by("pk"):
        for entry_id in todo.watched.values_list("entry_id", flat=True):
            found.setdefault(entry_id, todo)
    return found


def query_todos_sync(
    *,
    interaction: Interaction,
    user,
    entries: list[LedgerEntry],
    status_code: StatusCode | None,
) -> list[ToDo]:
    """After "Update selected entries" wrote `status_code` on `entries`: one open query to-do per queried entry.

    A Queried code raises "Resolve query on <document no.> by <target date>" on each open entry, due on
    the entry's resolution target date and assigned to its resolution-by user (else the acting user, else
    the interaction's controller); an entry that already has one gets it moved instead (date, assignee,
    description and interaction follow the new update). Any other code, or none, resolves the query:
    its to-do closes, saying to which code it was changed. Paid entries close theirs through the
    ledger-change seam (`todos_close_paid`). Returns the to-dos raised or moved.
    """
    existing = _open_query_todos([e.pk for e in entries])
    if status_code is None or not status_code.queried:
        by = f" by {user.get_username()}" if user is not None else ""
        change = "cleared" if status_code is None else f"changed to {status_code.code}"
        for entry in entries:
            todo = existing.get(entry.pk)
            if todo is not None:
                todo_close(
                    todo=todo,
                    user=user,
                    reason=f"Query resolved: status code of {entry.document_no} {change}{by}.",
                    outcome=ToDoOutcome.RESOLVED,
                )
        return []
    result = []
    for entry in entries:
        target = entry.query_resolution_target_date
        assignee = entry.query_resolution_by or user or interaction.controller
        todo = existing.get(entry.pk)
        if todo is None:
            if not entry.is_open:
                continue  # a paid entry has no query left to chase (and the to-do would close at once)
            result.append(
                todo_create(
                    customer=interaction.customer,
                    kind=ToDoKind.QUERY,
                    description=query_todo_description(entry, target),
                    due_date=target,
                    user=user,
                    assigned_to=assignee,
                    interaction=interaction,
                    entry_ids=[entry.pk],
                    notes=f"{status_code.code}: {status_code.description}".rstrip(": "),
                )
            )
            continue
        moved_date = todo.due_date != target
        todo.due_date = target
        todo.description = query_todo_description(entry, target)
        todo.assigned_to = assignee
        todo.interaction = interaction
        todo.save(update_fields=["due_date", "description", "assigned_to", "interaction"])
        if moved_date:  # the customer's overdue to-do count may change
            changes.publish(source="to-do", customer_ids=[todo.customer_id])
        result.append(todo)
    return result
