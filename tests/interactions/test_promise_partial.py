"""A newer promise takes over only the entries it covers: the older one stays pending on the rest (with its
amount cut to its shares there and its check to-do), and is replaced only when nothing of it is left.
Each state has its own badge; a kept promise quotes the date the money came in."""

import re
from decimal import Decimal

import pytest

from interactions.models import Promise, PromiseEntry, ToDo, ToDoEntry, ToDoKind
from interactions.services import todo_close, todo_create
from ledger.models import LedgerEntry
from ledger.services import entries_apply
from tests import factories

from .conftest import days, promise

CHECK = "Check promised payment has been received"


_promise = promise


def _pay(world, entry, amount, offset, no):
    payment = factories.payment(world.customer, no, days(offset, today=world.today).isoformat(), amount)
    return entries_apply(
        applying_entry_id=payment.pk, applied_entry_id=entry.pk, posting_date=days(offset, today=world.today)
    )


def _shape(promise):
    promise.refresh_from_db()
    return (
        promise.status,
        promise.promised_amount,
        promise.promised_payment_date,
        sorted(
            PromiseEntry.objects.filter(promise=promise).values_list("entry__document_no", "promised_amount")
        ),
    )


def _check_todo(promise):
    todo = ToDo.objects.get(promise=promise, kind=ToDoKind.PROMISE_CHECK)
    watched = sorted(ToDoEntry.objects.filter(todo=todo).values_list("entry__document_no", flat=True))
    return todo.status, todo.outcome, todo.due_date, watched


@pytest.fixture
def split(world):
    """A full promise on both invoices (1,500.00 by today + 5), then 500.00 on SI-1001 alone by today + 9."""
    first = _promise(world, [world.older, world.newer], offset=5)
    second = _promise(world, [world.older], amount="500.00", offset=9)
    return first, second


def test_a_partial_promise_on_one_invoice_leaves_the_first_pending_on_the_other(world, split):
    first, second = split
    on_5, on_9 = days(5, today=world.today), days(9, today=world.today)
    assert _shape(first) == ("pending", Decimal("300.00"), on_5, [("SI-1002", Decimal("300.00"))])
    assert _shape(second) == ("pending", Decimal("500.00"), on_9, [("SI-1001", Decimal("500.00"))])
    # The first promise's to-do still watches what is left of it; the second has its own.
    assert _check_todo(first) == ("open", "", on_5, ["SI-1002"])
    assert _check_todo(second) == ("open", "", on_9, ["SI-1001"])
    assert ToDo.objects.get(promise=first).notes == (
        f"Promised 1,500.00 GBP (the full amount) by {on_5.isoformat()} for SI-1001, SI-1002.\n"
        f"{world.today.isoformat()}: SI-1001 taken over by a new promise of 500.00 GBP by {on_9.isoformat()}; "
        "this promise is now 300.00 GBP for SI-1002."
    )
    # What the entries say agrees with the promises watching them.
    entries = LedgerEntry.objects.filter(pk__in=[world.older.pk, world.newer.pk]).order_by("document_no")
    assert [
        (e.document_no, e.status_code.code, e.promised_payment_date, e.promised_amount) for e in entries
    ] == [
        ("SI-1001", "PROMISED", on_9, Decimal("500.00")),
        ("SI-1002", "PROMISED", on_5, Decimal("300.00")),
    ]


def test_the_amount_left_is_the_share_allocated_oldest_due_first(world):
    # 1,400.00 on both: SI-1001 (due first) took 1,200.00 of it, SI-1002 the last 200.00.
    first = _promise(world, [world.older, world.newer], amount="1400.00", offset=5)
    _promise(world, [world.older], amount="100.00", offset=6)
    assert _shape(first)[:2] == ("pending", Decimal("200.00"))


def test_nothing_left_on_the_other_entries_is_replaced(world):
    # 400.00 on both falls wholly on SI-1001: a promise on SI-1001 leaves nothing of it.
    first = _promise(world, [world.older, world.newer], amount="400.00", offset=5)
    _promise(world, [world.older], amount="100.00", offset=6)
    assert _shape(first)[0] == "replaced"


def test_replaced_only_when_every_entry_is_covered(world, split):
    first, second = split
    third = _promise(world, [world.newer], offset=7)
    on_7 = days(7, today=world.today)
    assert _shape(first)[0] == "replaced"
    assert _shape(second)[0] == "pending"  # SI-1001 is not the third promise's
    assert _shape(third) == ("pending", Decimal("300.00"), on_7, [("SI-1002", Decimal("300.00"))])
    todo = ToDo.objects.get(promise=first)
    assert (todo.status, todo.outcome, todo.closed_reason) == (
        "closed",
        "replaced",
        f"Replaced by a new promise of 300.00 GBP by {on_7.isoformat()}.",
    )
    assert sorted(ToDo.objects.filter(status="open").values_list("promise_id", flat=True)) == [
        second.pk,
        third.pk,
    ]


def test_what_is_left_is_kept_by_payments_on_its_own_entries_and_quotes_their_date(world, split):
    first, second = split
    _pay(world, world.older, "1200.00", 1, "PMT-1")  # SI-1001 is the second promise's now
    assert _shape(first)[0] == "pending"
    assert (_shape(second)[0], ToDo.objects.get(promise=second).closed_reason) == (
        "kept",
        f"Promise kept: 1,200.00 GBP received on {days(1, today=world.today).isoformat()}.",
    )
    _pay(world, world.newer, "100.00", 2, "PMT-2")
    _pay(world, world.newer, "200.00", 3, "PMT-3")
    first.refresh_from_db()
    assert (first.status, first.paid_amount) == ("kept", Decimal("300.00"))
    # Received on the day the last payment that kept it was posted, not "by" the promised date (today + 5).
    todo = ToDo.objects.get(promise=first)
    assert (todo.status, todo.outcome, todo.closed_reason) == (
        "closed",
        "kept",
        f"Promise kept: 300.00 GBP received on {days(3, today=world.today).isoformat()}.",
    )


def test_what_is_left_and_already_paid_is_kept_at_once(world):
    first = _promise(world, [world.older, world.newer], offset=5)
    _pay(world, world.newer, "300.00", 0, "PMT-1")
    assert _shape(first)[0] == "pending"  # 300.00 of 1,500.00
    _promise(world, [world.older], amount="500.00", offset=9)
    first.refresh_from_db()
    assert (first.status, first.promised_amount, first.paid_amount) == (
        "kept",
        Decimal("300.00"),
        Decimal("300.00"),
    )
    assert ToDo.objects.get(promise=first).closed_reason == (
        f"Promise kept: 300.00 GBP received on {world.today.isoformat()}."
    )


def test_each_state_has_its_own_badge(world, split, client_for):
    first, second = split
    _promise(world, [world.newer], offset=7)  # replaces the first promise
    _pay(world, world.older, "500.00", 1, "PMT-1")  # keeps the second
    manual = todo_create(
        customer=world.customer, description="Ring back", due_date=world.today, user=world.controller
    )
    todo_close(todo=manual, user=world.controller)
    web = client_for(world.controller)

    html = web.get(f"/t/{world.tenant.slug}/interactions/todos/?owner=all&state=any").content.decode()
    badges = re.findall(
        r'<tr data-todo="(\d+)">.*?data-field="status"><span class="badge ([a-z]+)"'
        r' data-outcome="([a-z]*)"[^>]*>([^<]+)</span>',
        html,
        re.S,
    )
    by_todo = {int(pk): (css, outcome, label) for pk, css, outcome, label in badges}
    replaced = ToDo.objects.get(promise=first)
    kept = ToDo.objects.get(promise=second)
    still_open = ToDo.objects.get(status="open")
    assert by_todo == {
        replaced.pk: ("replaced", "replaced", "Replaced"),
        kept.pk: ("good", "kept", "Promise kept"),
        manual.pk: ("good", "done", "Done"),
        still_open.pk: ("open", "open", "Open"),
    }

    html = web.get(f"/t/{world.tenant.slug}/interactions/promises/").content.decode()
    promise_badges = dict(
        (int(pk), (css, label))
        for pk, css, label in re.findall(
            r'<tr data-promise="(\d+)">.*?<span class="badge ([a-z]+)" data-promise-status="[a-z]+">([^<]+)</span>',
            html,
            re.S,
        )
    )
    assert promise_badges == {
        first.pk: ("replaced", "Replaced"),
        second.pk: ("good", "Kept"),
        Promise.objects.get(status="pending").pk: ("pending", "Pending"),
    }


def test_a_broken_promise_has_a_red_badge(world, client_for):
    from interactions.services import promises_evaluate

    promise = _promise(world, [world.newer], offset=0)
    promises_evaluate(today=days(1, today=world.today))
    web = client_for(world.controller)
    html = web.get(f"/t/{world.tenant.slug}/interactions/todos/?owner=all&state=any").content.decode()
    check = ToDo.objects.get(promise=promise, kind=ToDoKind.PROMISE_CHECK)
    assert re.search(
        rf'<tr data-todo="{check.pk}">.*?<span class="badge bad" data-outcome="broken"[^>]*>Promise broken</span>',
        html,
        re.S,
    )
    html = web.get(f"/t/{world.tenant.slug}/interactions/promises/").content.decode()
    assert f'<tr data-promise="{promise.pk}">' in html
    assert '<span class="badge bad" data-promise-status="broken">Broken</span>' in html
