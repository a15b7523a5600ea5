"""Who or what is changing the data: the context the audit log's triggers attach to every change.

The audit log (`audit`, docs/audit.md) is written by PostgreSQL triggers, so that a form, the API, a bulk
import, a set-based update and raw SQL are recorded alike. The triggers cannot know who asked; the
application tells them, once per request, task and import, in the connection's `audit.context` setting
(a JSON object): `source` (page, api, import, task; none: the change came from outside the application),
`user_id` and `user`, `token` (an API token's name and prefix), `job` and `file` (an import), `task`
and `run` (a Celery task), `reason` (why a credit limit or a hold changed).

The context is a context variable that the connection's setting follows, like the tenant
(`creditcontrol.rowsecurity`): `context(**values)` adds to what is there for a block and puts back the
enclosing context when the block ends; a new connection starts with the current one. A request and a
task reset it when they end, so a persistent connection never carries one request's user into the next.
The core knows nothing of the audit tables; it only says who is acting.
"""

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager

from celery import signals
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

from .sql import transaction_failed

SETTING = "audit.context"

# The sources a change can come from (the audit page's filter). No context: outside the application.
PAGE, API, IMPORT, TASK = "page", "api", "import", "task"
DATABASE = "database"
SOURCES = {PAGE: "Page", API: "API", IMPORT: "Import", TASK: "System task", DATABASE: "Database"}

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("audit_context", default={})  # noqa: B039


def current() -> dict:
    return dict(_context.get())


def _follow(using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    if connection.connection is None or transaction_failed(connection):
        return  # a new connection is set when it opens; a failed transaction's rollback restores it
    with connection.cursor() as cursor:
        _set_on(cursor, _context.get())


def _set_on(cursor, values: dict) -> None:
    cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, json.dumps(values) if values else ""])


def enter(**values) -> contextvars.Token:
    """Add `values` to the context (None removes a key) until `leave(token)`."""
    before = _context.get()
    merged = {**before, **values}
    token = _context.set({key: value for key, value in merged.items() if value not in (None, "")})
    if _context.get() != before:  # the database is told only of a change
        _follow()
    return token


def leave(token: contextvars.Token) -> None:
    before = _context.get()
    _context.reset(token)
    if _context.get() != before:
        _follow()


@contextmanager
def context(**values) -> Iterator[dict]:
    """The block's changes are made by what `values` say (on top of the enclosing context)."""
    token = enter(**values)
    try:
        yield current()
    finally:
        leave(token)


def _on_new_connection(sender, connection, **kwargs) -> None:
    with connection.cursor() as cursor:
        _set_on(cursor, _context.get())


connection_created.connect(_on_new_connection, dispatch_uid="creditcontrol.auditing")


# Every Celery task says which it is and which run; one run inside a request (an eager task) keeps the
# request's user and adds itself.
_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect(dispatch_uid="creditcontrol.auditing.prerun")
def _task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    name = getattr(task, "name", None) or getattr(sender, "name", "")
    _task_tokens[task_id] = enter(source=TASK, task=name, run=task_id)


@signals.task_postrun.connect(dispatch_uid="creditcontrol.auditing.postrun")
def _task_ended(sender=None, task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            leave(token)
        except ValueError:  # set in another context (a worker's thread): start clean instead
            _context.set({})
            _follow()
