"""Promises to pay: kept or broken at the boundary day (with grace), partial payments, undo, kept rates."""

from decimal import Decimal

import pytest

from interactions import selectors
from interactions.models import Promise, ToDo, ToDoKind
from interactions.services import (
    entries_update,
    interaction_create,
    promises_evaluate,
    promises_evaluate_nightly,
)
from ledger.services import application_undo, entries_apply, payment_record
from tests import factories

from .conftest import days, grace, promise


def _promise(world, *, amount=None, offset=5):
    return promise(world, [world.older], amount=amount, offset=offset)


def _pay(world, amount, offset, no="PMT-1"):
    payment = factories.payment(world.customer, no, days(offset, today=world.today).isoformat(), amount)
    return entries_apply(
        applying_entry_id=payment.pk,
        applied_entry_id=world.older.pk,
        posting_date=days(offset, today=world.today),
    )


def _state(promise):
    promise.refresh_from_db()
    return promise.status, promise.paid_amount


def test_paid_on_the_last_day_of_grace_is_kept(world):
    grace(2)
    promise = _promise(world, offset=5)  # promised for today + 5; the grace runs to today + 7
    _pay(world, "1200.00", 7)
    assert _state(promise) == ("kept", Decimal("1200.00"))
    todo = ToDo.objects.get(promise=promise, kind=ToDoKind.PROMISE_CHECK)
    assert (todo.status, todo.closed_reason) == (
        "closed",
        f"Promise kept: 1,200.00 GBP received on {days(7, today=world.today).isoformat()}.",
    )


def test_paid_the_day_after_the_grace_is_broken(world):
    grace(2)
    promise = _promise(world, offset=5)
    _pay(world, "1200.00", 8)
    assert _state(promise) == ("pending", Decimal("0.00"))  # the posting is too late to count...
    promises_evaluate(today=days(7, today=world.today))
    assert _state(promise) == ("pending", Decimal("0.00"))  # ...and on the last day of grace it is still open
    promises_evaluate(today=days(8, today=world.today))
    assert _state(promise) == ("broken", Decimal("0.00"))


def test_a_broken_promise_raises_a_to_do_and_closes_the_check(world):
    promise = _promise(world, amount="400.00", offset=1)
    broken_on = days(2, today=world.today)
    assert promises_evaluate_nightly(today=broken_on) == {
        "kept": 0,
        "broken": 1,
        "pending": 0,
        "todos_closed": 0,
    }
    check = ToDo.objects.get(promise=promise, kind=ToDoKind.PROMISE_CHECK)
    assert (check.status, check.closed_reason) == (
        "closed",
        f"Promise broken: 0.00 GBP of 400.00 GBP received by {days(1, today=world.today).isoformat()}.",
    )
    raised = ToDo.objects.get(promise=promise, kind=ToDoKind.PROMISE_BROKEN)
    assert (raised.description, raised.due_date, raised.status, raised.assigned_to, raised.notes) == (
        "Promised payment not received",
        broken_on,
        "open",
        world.controller,
        f"Promised 400.00 GBP by {days(1, today=world.today).isoformat()}; received 0.00 GBP.",
    )
    # Shown on the customer: the counts on its timeline, and once more the nightly pass changes nothing.
    assert selectors.customer_promise_counts(customer_id=world.customer.pk) == {
        "kept": 0,
        "broken": 1,
        "pending": 0,
        "kept_rate": Decimal("0.0"),
    }
    assert promises_evaluate_nightly(today=days(3, today=world.today))["broken"] == 0
    assert ToDo.objects.filter(kind=ToDoKind.PROMISE_BROKEN).count() == 1


def test_a_partial_payment_against_a_partial_promise(world):
    promise = _promise(world, amount="300.00", offset=5)
    _pay(world, "200.00", 1, no="PMT-1")
    assert _state(promise) == ("pending", Decimal("200.00"))
    assert ToDo.objects.get(promise=promise).status == "open"
    _pay(world, "100.00", 2, no="PMT-2")
    assert _state(promise) == ("kept", Decimal("300.00"))  # the invoice is still open for 900.00
    assert ToDo.objects.get(promise=promise).status == "closed"


def test_a_partial_payment_against_a_full_amount_promise_breaks_it(world):
    promise = _promise(world, offset=3)
    _pay(world, "600.00", 2)
    assert _state(promise) == ("pending", Decimal("600.00"))
    promises_evaluate(today=days(4, today=world.today))
    assert _state(promise) == ("broken", Decimal("600.00"))
    assert ToDo.objects.get(kind=ToDoKind.PROMISE_BROKEN).notes == (
        f"Promised 1,200.00 GBP by {days(3, today=world.today).isoformat()}; received 600.00 GBP."
    )


def test_payments_applied_before_the_promise_do_not_count(world):
    _pay(world, "200.00", 0, no="PMT-0")
    promise = _promise(world, amount="200.00", offset=3)
    assert _state(promise) == ("pending", Decimal("0.00"))


def test_undoing_the_payment_unkeeps_the_promise(world):
    promise = _promise(world, amount="300.00", offset=5)
    application = _pay(world, "300.00", 1)
    assert _state(promise)[0] == "kept"
    application_undo(application_id=application.pk, undone_on=days(1, today=world.today))
    assert _state(promise) == ("pending", Decimal("0.00"))


def test_payment_record_through_the_ledger_keeps_a_promise(world):
    promise = _promise(world, offset=5)
    payment_record(
        customer=world.customer, amount=Decimal("1200.00"), posting_date=world.today, document_no="P1"
    )
    assert _state(promise) == ("kept", Decimal("1200.00"))


@pytest.fixture
def history(world, make_member):
    from creditcontrol.models import Role

    other = make_member(world.tenant, Role.CONTROLLER, username="dave")
    kept = _promise(world, amount="100.00", offset=1)
    _pay(world, "100.00", 1, no="PMT-A")
    second = factories.customer(code="C200", name="Acme Builders")
    inv = factories.invoice(second, "SI-2001", world.today.isoformat(), "500.00")
    call = interaction_create(customer=second, user=other, description="Call", entry_ids=[inv.pk])
    broken = entries_update(
        interaction=call,
        user=other,
        status_code=world.codes["PROMISED"],
        promised_full_amount=True,
        promised_payment_date=world.today,
    )["promise"]
    promises_evaluate(today=days(1, today=world.today))
    return kept, broken


def test_kept_rate_per_customer_and_per_controller(world, history):
    assert [r["name"] for r in selectors.promise_kept_rates(by="customer")] == [
        "Acme Builders",
        "Harbour Foods Ltd",
    ]
    by_controller = {
        r["name"]: (r["kept"], r["broken"], r["pending"], r["kept_rate"])
        for r in selectors.promise_kept_rates(by="controller")
    }
    assert by_controller == {"carol": (1, 0, 0, Decimal("100.0")), "dave": (0, 1, 0, Decimal("0.0"))}
    assert Promise.objects.filter(status="kept").count() == 1
