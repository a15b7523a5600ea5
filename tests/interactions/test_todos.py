"""To-dos: closing themselves when paid (early or not), by hand, the list filters and the statistics counts."""

import datetime
from decimal import Decimal

import pytest

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from interactions import selectors
from interactions.models import ToDo, ToDoKind
from interactions.services import (
    entries_update,
    interaction_create,
    promises_evaluate_nightly,
    todo_close,
    todo_create,
)
from ledger.services import entries_apply, payment_record
from tests import factories

from .conftest import days


def test_a_follow_up_closes_itself_when_its_entries_are_paid_early(world):
    call = interaction_create(
        customer=world.customer,
        user=world.controller,
        description="Call",
        entry_ids=[world.newer.pk],
        next_interaction_date=days(7, today=world.today),
    )
    todo = ToDo.objects.get(interaction=call)
    payment_record(
        customer=world.customer, amount=Decimal("1000.00"), posting_date=world.today, document_no="P1"
    )
    todo.refresh_from_db()
    assert todo.status == "open"  # oldest due first: SI-1001 took it all, SI-1002 is unpaid
    payment_record(
        customer=world.customer, amount=Decimal("500.00"), posting_date=world.today, document_no="P2"
    )
    todo.refresh_from_db()
    # SI-1002 was due in 10 days: it was paid early.
    assert (todo.status, todo.closed_reason, todo.closed_by) == (
        "closed",
        f"Paid: SI-1002 closed on {world.today.isoformat()}, 10 days before due.",
        None,
    )


def test_a_promise_check_closes_when_its_entries_are_paid_late(world):
    call = interaction_create(
        customer=world.customer, user=world.controller, description="Call", entry_ids=[world.older.pk]
    )
    promise = entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_full_amount=True,
        promised_payment_date=world.today,
    )["promise"]
    promises_evaluate_nightly(today=days(1, today=world.today))  # broken: the check closes, a new to-do opens
    raised = ToDo.objects.get(promise=promise, kind=ToDoKind.PROMISE_BROKEN)
    payment = factories.payment(world.customer, "P-LATE", days(3, today=world.today).isoformat(), "1200.00")
    entries_apply(
        applying_entry_id=payment.pk, applied_entry_id=world.older.pk, posting_date=days(3, today=world.today)
    )
    raised.refresh_from_db()
    assert (raised.status, raised.closed_reason) == (
        "closed",
        f"Paid: SI-1001 closed on {days(3, today=world.today).isoformat()}.",
    )


def test_a_manual_to_do_and_a_note_reminder(world):
    todo = todo_create(
        customer=world.customer, user=world.controller, description="Send a statement", due_date=world.today
    )
    note = todo_create(
        customer=world.customer,
        user=world.controller,
        kind=ToDoKind.NOTE_REMINDER,
        description="Ask for the new buyer's name",
        notes="Our contact leaves at month end",
        due_date=days(3, today=world.today),
    )
    assert (todo.kind, todo.assigned_to, note.kind, note.notes) == (
        "manual",
        world.controller,
        "note_reminder",
        "Our contact leaves at month end",
    )
    todo_close(todo=todo, user=world.controller, reason="Statement emailed")
    todo.refresh_from_db()
    assert (todo.status, todo.closed_reason, todo.closed_by) == (
        "closed",
        "Statement emailed",
        world.controller,
    )
    with pytest.raises(DomainError) as error:
        todo_close(todo=todo, user=world.controller)
    assert error.value.message == f"To-do {todo.pk} is already closed (Statement emailed)."
    with pytest.raises(DomainError) as error:
        todo_create(customer=world.customer, description="", due_date=None)
    assert error.value.details == {
        "description": ["Enter what is to be done."],
        "due_date": ["Enter the due date."],
    }


@pytest.fixture
def todos(world, make_member):
    other = make_member(world.tenant, Role.CONTROLLER, username="dave")
    make = lambda description, due, user: todo_create(  # noqa: E731
        customer=world.customer, user=user, description=description, due_date=days(due, today=world.today)
    )
    overdue = make("Overdue one", -2, world.controller)
    later = make("Later one", 4, world.controller)
    theirs = make("Dave's", -1, other)
    done = make("Done", -5, world.controller)
    todo_close(todo=done, user=world.controller, reason="ok")
    return {"overdue": overdue, "later": later, "theirs": theirs, "done": done, "other": other}


def test_the_list_mine_or_all_open_closed_overdue_by_due_date(world, todos):
    def names(**kwargs):
        return [
            t.description for t in selectors.todo_list(user=world.controller, today=world.today, **kwargs)
        ]

    assert names(owner="mine", state="open") == ["Overdue one", "Later one"]
    assert names(owner="all", state="open") == ["Overdue one", "Dave's", "Later one"]
    assert names(owner="all", state="overdue") == ["Overdue one", "Dave's"]
    assert names(owner="mine", state="closed") == ["Done"]


def test_to_do_counts_for_the_customer_statistics(world, todos):
    other_customer = factories.customer(code="C200", name="Acme")
    todo_create(customer=other_customer, description="x", due_date=world.today)
    counts = selectors.todo_counts(as_of=world.today)
    assert counts == {world.customer.pk: (3, 2), other_customer.pk: (1, 0)}
    assert selectors.todo_counts(as_of=world.today, customer_ids=[other_customer.pk]) == {
        other_customer.pk: (1, 0)
    }
    assert selectors.todo_counts(as_of=world.today + datetime.timedelta(days=5)) == {
        world.customer.pk: (3, 3),
        other_customer.pk: (1, 1),
    }


def test_creating_and_closing_to_dos_marks_the_statistics_stale(world):
    from aging.models import CustomerStatistics

    CustomerStatistics.objects.filter(customer=world.customer).update(
        calculated_version=models_F("ledger_version")
    )
    todo = todo_create(customer=world.customer, description="x", due_date=world.today)
    assert CustomerStatistics.objects.get(customer=world.customer).is_stale
    CustomerStatistics.objects.filter(customer=world.customer).update(
        calculated_version=models_F("ledger_version")
    )
    todo_close(todo=todo)
    assert CustomerStatistics.objects.get(customer=world.customer).is_stale


def models_F(name):
    from django.db.models import F

    return F(name)
