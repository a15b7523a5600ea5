"""Writes of the interactions app: status codes, interactions and their entry updates, promises, to-dos."""

from .entries import entries_update
from .interactions import (
    interaction_create,
    interaction_lines_select,
    interaction_update,
    interactions_create_for_customers,
)
from .promises import entries_on_change, promises_evaluate, promises_evaluate_nightly
from .status_codes import (
    DEFAULT_STATUS_CODES,
    status_code_create,
    status_code_delete,
    status_code_set_active,
    status_code_update,
    status_codes_seed_defaults,
)
from .todos import todo_close, todo_create, todos_close_paid

__all__ = [
    "DEFAULT_STATUS_CODES",
    "entries_on_change",
    "entries_update",
    "interaction_create",
    "interaction_lines_select",
    "interaction_update",
    "interactions_create_for_customers",
    "promises_evaluate",
    "promises_evaluate_nightly",
    "status_code_create",
    "status_code_delete",
    "status_code_set_active",
    "status_code_update",
    "status_codes_seed_defaults",
    "todo_close",
    "todo_create",
    "todos_close_paid",
]
