"""Update selected entries: which fields each kind of status code writes, and its validation messages."""

from decimal import Decimal

import pytest

from creditcontrol.errors import DomainError
from creditcontrol.models import Membership
from interactions.models import EntryUpdate, Promise, ToDo, ToDoKind
from interactions.services import entries_update, interaction_create
from ledger.models import LedgerEntry

from .conftest import days


@pytest.fixture
def call(world):
    return interaction_create(
        customer=world.customer,
        user=world.controller,
        description="Called about overdue invoices",
        entry_ids=[world.older.pk, world.newer.pk],
    )


def _entry_fields(entry):
    entry = LedgerEntry.objects.select_related("status_code").get(pk=entry.pk)
    return {
        "status_code": entry.status_code.code if entry.status_code else None,
        "promised_payment_date": entry.promised_payment_date,
        "promised_amount": entry.promised_amount,
        "promised_full_amount": entry.promised_full_amount,
        "query_resolution_target_date": entry.query_resolution_target_date,
        "query_resolution_by": entry.query_resolution_by,
    }


def test_promised_full_amount_writes_the_promise_fields_and_a_check_to_do(world, call):
    promised_on = days(5, today=world.today)
    result = entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_full_amount=True,
        promised_payment_date=promised_on,
    )
    assert _entry_fields(world.older) == {
        "status_code": "PROMISED",
        "promised_payment_date": promised_on,
        "promised_amount": Decimal("1200.00"),
        "promised_full_amount": True,
        "query_resolution_target_date": None,
        "query_resolution_by": None,
    }
    assert _entry_fields(world.newer)["promised_amount"] == Decimal("300.00")
    promise = result["promise"]
    assert (promise.promised_amount, promise.promised_payment_date, promise.status, promise.controller) == (
        Decimal("1500.00"),
        promised_on,
        "pending",
        world.controller,
    )
    todo = ToDo.objects.get(promise=promise)
    assert (todo.kind, todo.description, todo.due_date, todo.assigned_to) == (
        ToDoKind.PROMISE_CHECK,
        "Check promised payment has been received",
        promised_on,
        world.controller,
    )
    assert (
        todo.notes
        == f"Promised 1,500.00 GBP (the full amount) by {promised_on.isoformat()} for SI-1001, SI-1002."
    )
    # The interaction keeps what was said, entry by entry.
    assert sorted(
        EntryUpdate.objects.filter(interaction=call).values_list("entry__document_no", "promised_amount")
    ) == [
        ("SI-1001", Decimal("1200.00")),
        ("SI-1002", Decimal("300.00")),
    ]


def test_a_partial_promise_is_shared_oldest_due_first(world, call):
    promised_on = days(3, today=world.today)
    result = entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_amount=Decimal("1250.00"),
        promised_payment_date=promised_on,
    )
    assert _entry_fields(world.older)["promised_amount"] == Decimal("1200.00")
    assert _entry_fields(world.newer)["promised_amount"] == Decimal("50.00")
    assert _entry_fields(world.newer)["promised_full_amount"] is False
    assert result["promise"].promised_amount == Decimal("1250.00")


def test_only_the_selected_lines_are_updated(world, call):
    call.lines.filter(entry=world.newer).update(selected=False)
    entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_amount=Decimal("200.00"),
        promised_payment_date=world.today,
    )
    assert _entry_fields(world.older)["promised_amount"] == Decimal("200.00")
    assert _entry_fields(world.newer)["status_code"] is None


def test_queried_code_writes_the_query_fields_with_the_work_date_by_default(world, call):
    Membership.objects.filter(user=world.controller).update(work_date=days(-3, today=world.today))
    entries_update(interaction=call, user=world.controller, status_code=world.codes["QUERIED"])
    assert _entry_fields(world.older) == {
        "status_code": "QUERIED",
        "promised_payment_date": None,
        "promised_amount": None,
        "promised_full_amount": False,
        "query_resolution_target_date": days(-3, today=world.today),
        "query_resolution_by": None,  # QUERIED does not say "query resolution by me"
    }
    assert not Promise.objects.exists()
    # Each queried entry gets its "Resolve query" to-do (tests/interactions/test_query_todo.py), due then.
    on = days(-3, today=world.today)
    assert sorted(ToDo.objects.values_list("kind", "description", "due_date")) == [
        ("query", f"Resolve query on SI-1001 by {on.isoformat()}", on),
        ("query", f"Resolve query on SI-1002 by {on.isoformat()}", on),
    ]


def test_query_resolution_by_me_puts_the_current_user(world, call):
    target = days(14, today=world.today)
    entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["DISPUTED"],
        query_resolution_target_date=target,
    )
    fields = _entry_fields(world.newer)
    assert (fields["status_code"], fields["query_resolution_target_date"], fields["query_resolution_by"]) == (
        "DISPUTED",
        target,
        world.controller,
    )


def test_without_a_work_date_the_target_is_today(world, call):
    entries_update(interaction=call, user=world.controller, status_code=world.codes["QUERIED"])
    assert _entry_fields(world.older)["query_resolution_target_date"] == world.today


def test_another_code_writes_only_the_code_and_clears_the_rest(world, call):
    entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_full_amount=True,
        promised_payment_date=world.today,
    )
    entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["CALLBACK"],
        promised_payment_date=world.today,  # ignored: CALLBACK asks for nothing more
        query_resolution_target_date=world.today,
    )
    assert _entry_fields(world.older) == {
        "status_code": "CALLBACK",
        "promised_payment_date": None,
        "promised_amount": None,
        "promised_full_amount": False,
        "query_resolution_target_date": None,
        "query_resolution_by": None,
    }
    # ...but the promise made earlier stands, and the history keeps both updates.
    assert Promise.objects.get().status == "pending"
    assert EntryUpdate.objects.filter(entry=world.older).count() == 2


@pytest.mark.parametrize(
    ("amount", "date_offset", "full", "details"),
    [
        (
            None,
            -1,
            True,
            {
                "promised_payment_date": [
                    "The promised payment date {yesterday} is in the past (today is {today})."
                ]
            },
        ),
        (None, 1, False, {"promised_amount": ["Enter the promised payment amount, or tick Full amount."]}),
        ("0.00", 1, False, {"promised_amount": ["The promised payment amount must be more than zero."]}),
        (
            "1500.01",
            1,
            False,
            {
                "promised_amount": [
                    "The promised payment amount 1,500.01 is more than the selected entries' remaining amount 1,500.00."
                ]
            },
        ),
        (None, None, True, {"promised_payment_date": ["Enter the promised payment date."]}),
    ],
)
def test_promise_validation(world, call, amount, date_offset, full, details):
    with pytest.raises(DomainError) as error:
        entries_update(
            interaction=call,
            user=world.controller,
            status_code=world.codes["PROMISED"],
            promised_full_amount=full,
            promised_amount=None if amount is None else Decimal(amount),
            promised_payment_date=None if date_offset is None else days(date_offset, today=world.today),
        )
    expected = {
        field: [
            m.format(yesterday=days(-1, today=world.today).isoformat(), today=world.today.isoformat())
            for m in ms
        ]
        for field, ms in details.items()
    }
    assert error.value.details == expected
    assert _entry_fields(world.older)["status_code"] is None  # nothing half-written


def test_a_closed_entry_cannot_be_promised(world):
    from ledger.services import payment_record

    payment_record(
        customer=world.customer, amount=Decimal("1200.00"), posting_date=world.today, document_no="PMT-9"
    )
    call = interaction_create(
        customer=world.customer, user=world.controller, description="Call", entry_ids=[world.older.pk]
    )
    with pytest.raises(DomainError) as error:
        entries_update(
            interaction=call,
            user=world.controller,
            status_code=world.codes["PROMISED"],
            promised_full_amount=True,
            promised_payment_date=world.today,
        )
    assert error.value.details == {
        "entries": [
            f"Entry {world.older.pk} (SI-1001) is closed: only open invoices and charges can be promised."
        ]
    }


def test_nothing_selected_is_refused(world, call):
    call.lines.update(selected=False)
    with pytest.raises(DomainError) as error:
        entries_update(interaction=call, user=world.controller, status_code=world.codes["CALLBACK"])
    assert error.value.message == "Select at least one entry to update."


def test_a_new_promise_replaces_a_pending_one_on_the_same_entries(world, call):
    first = entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_full_amount=True,
        promised_payment_date=days(2, today=world.today),
    )["promise"]
    second = entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_amount=Decimal("500.00"),
        promised_payment_date=days(9, today=world.today),
    )["promise"]
    first.refresh_from_db()
    assert (first.status, second.status) == ("replaced", "pending")
    old_todo = ToDo.objects.get(promise=first)
    assert (old_todo.status, old_todo.closed_reason) == (
        "closed",
        f"Replaced by a new promise of 500.00 GBP by {days(9, today=world.today).isoformat()}.",
    )
    assert list(ToDo.objects.filter(status="open").values_list("description", "due_date")) == [
        ("Check promised payment has been received", days(9, today=world.today))
    ]
