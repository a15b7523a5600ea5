"""Queries: "Resolve query on <document no.> by <date>" raised, moved, closed when the code changes or the
entry is paid; the disputed (queried) total per customer, on the card and the fact box, for one tenant only."""

import re
from decimal import Decimal

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from interactions.models import StatusCode, ToDo, ToDoEntry, ToDoKind
from interactions.selectors import queried_totals
from interactions.services import entries_update, interaction_create, status_codes_seed_defaults
from ledger.services import entries_apply
from tests import factories

from .conftest import days


def _call(world, entries, user=None):
    return interaction_create(
        customer=entries[0].customer,
        user=user or world.controller,
        description="Call",
        entry_ids=[e.pk for e in entries],
    )


def _query_todos(**filters):
    rows = []
    for t in ToDo.objects.filter(kind=ToDoKind.QUERY, **filters).select_related("assigned_to").order_by("pk"):
        watched = list(ToDoEntry.objects.filter(todo=t).values_list("entry__document_no", flat=True))
        rows.append((t.description, t.due_date, t.assigned_to.username, t.status, watched))
    return rows


@pytest.fixture
def dave(world, make_member):
    return make_member(world.tenant, Role.CONTROLLER, username="dave")


@pytest.fixture
def queried(world, dave):
    """Both invoices queried on one call: resolution by dave, target today + 10."""
    call = _call(world, [world.older, world.newer])
    result = entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["QUERIED"],
        query_resolution_target_date=days(10, today=world.today),
        query_resolution_by=dave,
    )
    return call, result


def test_a_query_raises_a_to_do_per_entry_due_on_the_target_date_for_the_resolver(world, queried):
    call, result = queried
    on_10 = days(10, today=world.today).isoformat()
    assert _query_todos() == [
        (f"Resolve query on SI-1001 by {on_10}", days(10, today=world.today), "dave", "open", ["SI-1001"]),
        (f"Resolve query on SI-1002 by {on_10}", days(10, today=world.today), "dave", "open", ["SI-1002"]),
    ]
    assert result["todos"] == list(ToDo.objects.filter(kind=ToDoKind.QUERY).order_by("pk"))
    assert set(ToDo.objects.filter(kind=ToDoKind.QUERY).values_list("interaction_id", flat=True)) == {call.pk}


def test_without_a_resolver_the_acting_user_gets_it_due_on_the_work_date(world):
    call = _call(world, [world.older])
    entries_update(interaction=call, user=world.controller, status_code=world.codes["QUERIED"])
    assert _query_todos() == [
        (f"Resolve query on SI-1001 by {world.today.isoformat()}", world.today, "carol", "open", ["SI-1001"])
    ]


def test_a_new_target_date_moves_the_open_to_do(world, queried):
    first = ToDo.objects.get(kind=ToDoKind.QUERY, watched__entry=world.older)
    later = _call(world, [world.older])
    on_20 = days(20, today=world.today)
    result = entries_update(
        interaction=later,
        user=world.controller,
        status_code=world.codes["DISPUTED"],  # another queried code: still the same query
        query_resolution_target_date=on_20,
    )
    moved = ToDo.objects.get(pk=first.pk)
    assert result["todos"] == [moved]
    assert (moved.description, moved.due_date, moved.assigned_to, moved.interaction_id, moved.status) == (
        f"Resolve query on SI-1001 by {on_20.isoformat()}",
        on_20,
        world.controller,  # DISPUTED: resolution by the user setting it
        later.pk,
        "open",
    )
    assert ToDo.objects.filter(kind=ToDoKind.QUERY).count() == 2  # moved, not raised again


def test_changing_or_clearing_the_code_closes_it_as_resolved(world, queried):
    entries_update(
        interaction=_call(world, [world.older]), user=world.controller, status_code=world.codes["CALLBACK"]
    )
    entries_update(interaction=_call(world, [world.newer]), user=world.controller, status_code=None)
    closed = ToDo.objects.filter(kind=ToDoKind.QUERY).order_by("pk")
    assert [(t.status, t.outcome, t.closed_reason, t.closed_by) for t in closed] == [
        (
            "closed",
            "resolved",
            "Query resolved: status code of SI-1001 changed to CALLBACK by carol.",
            world.controller,
        ),
        ("closed", "resolved", "Query resolved: status code of SI-1002 cleared by carol.", world.controller),
    ]


def test_a_promise_on_a_queried_entry_resolves_the_query(world, queried):
    entries_update(
        interaction=_call(world, [world.newer]),
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_full_amount=True,
        promised_payment_date=days(3, today=world.today),
    )
    todo = ToDo.objects.get(kind=ToDoKind.QUERY, watched__entry=world.newer)
    assert (todo.status, todo.closed_reason) == (
        "closed",
        "Query resolved: status code of SI-1002 changed to PROMISED by carol.",
    )


def test_paying_the_entry_closes_it_through_the_ledger(world, queried):
    payment = factories.payment(world.customer, "PMT-1", world.today.isoformat(), "500.00")
    entries_apply(applying_entry_id=payment.pk, applied_entry_id=world.newer.pk, posting_date=world.today)
    entries_apply(
        applying_entry_id=payment.pk,
        applied_entry_id=world.older.pk,
        posting_date=world.today,
        amount=Decimal("200.00"),
    )
    early = (world.newer.due_date - world.today).days
    rows = ToDo.objects.filter(kind=ToDoKind.QUERY).order_by("pk")
    assert [(t.description.split(" by ")[0], t.status, t.outcome, t.closed_reason) for t in rows] == [
        ("Resolve query on SI-1001", "open", "", ""),  # 1,000.00 still open on it
        (
            "Resolve query on SI-1002",
            "closed",
            "paid",
            f"Paid: SI-1002 closed on {world.today.isoformat()}, {early} days before due.",
        ),
    ]


def test_a_paid_entry_raises_no_query_to_do(world):
    payment = factories.payment(world.customer, "PMT-1", world.today.isoformat(), "300.00")
    entries_apply(applying_entry_id=payment.pk, applied_entry_id=world.newer.pk, posting_date=world.today)
    entries_update(
        interaction=_call(world, [world.older, world.newer]),
        user=world.controller,
        status_code=world.codes["QUERIED"],
    )
    assert [row[0].split(" by ")[0] for row in _query_todos()] == ["Resolve query on SI-1001"]


# --- the disputed (queried) total ------------------------------------------------------------------------


@pytest.fixture
def disputes(world, tenant_b, make_member):
    """C100: SI-1001 queried and paid down to 1,000.00, a USD invoice queried (79.37 GBP), SI-1002 paid in
    full while queried. C200: SI-2001 queried (500.00), SI-2002 on CALLBACK. C300: nothing queried. Tenant
    B: a customer of the same code with a queried invoice."""
    usd = factories.invoice(
        world.customer,
        "SI-1003",
        world.today.isoformat(),
        "100.00",
        currency_code="USD",
        amount_lcy=Decimal("79.37"),
    )
    entries_update(
        interaction=_call(world, [world.older, world.newer, usd]),
        user=world.controller,
        status_code=world.codes["QUERIED"],
    )
    payment = factories.payment(world.customer, "PMT-1", world.today.isoformat(), "500.00")
    entries_apply(applying_entry_id=payment.pk, applied_entry_id=world.newer.pk, posting_date=world.today)
    entries_apply(
        applying_entry_id=payment.pk,
        applied_entry_id=world.older.pk,
        posting_date=world.today,
        amount=Decimal("200.00"),
    )
    acme = factories.customer(code="C200", name="Acme Builders", controller=world.controller)
    disputed = factories.invoice(acme, "SI-2001", world.today.isoformat(), "500.00")
    callback = factories.invoice(acme, "SI-2002", world.today.isoformat(), "40.00")
    call = _call(world, [disputed, callback])
    entries_update(
        interaction=call, user=world.controller, status_code=world.codes["DISPUTED"], entry_ids=[disputed.pk]
    )
    entries_update(
        interaction=call, user=world.controller, status_code=world.codes["CALLBACK"], entry_ids=[callback.pk]
    )
    quiet = factories.customer(code="C300", name="Quiet Ltd", controller=world.controller)
    factories.invoice(quiet, "SI-3001", world.today.isoformat(), "75.00")

    with tenant_context(tenant_b):
        status_codes_seed_defaults()
        beta_user = make_member(tenant_b, Role.CONTROLLER, username="bert")
        beta = factories.customer(code="C100", name="Harbour Foods GmbH", controller=beta_user)
        invoice = factories.invoice(beta, "SI-1001", world.today.isoformat(), "999.99")
        entries_update(
            interaction=_call(world, [invoice], user=beta_user),
            user=beta_user,
            status_code=StatusCode.objects.get(code="QUERIED"),
        )
        assert queried_totals() == {beta.pk: (Decimal("999.99"), 1)}
    return {"harbour": world.customer, "acme": acme, "quiet": quiet, "beta": beta}


def test_queried_totals_per_customer(world, disputes):
    harbour, acme, quiet, beta = disputes["harbour"], disputes["acme"], disputes["quiet"], disputes["beta"]
    expected = {harbour.pk: (Decimal("1079.37"), 2), acme.pk: (Decimal("500.00"), 1)}
    assert queried_totals() == expected
    assert queried_totals([harbour.pk, acme.pk, quiet.pk]) == expected
    assert queried_totals([acme.pk]) == {acme.pk: (Decimal("500.00"), 1)}
    # Tenant B's customer is not even asked about from tenant A.
    assert queried_totals([beta.pk]) == {}


def test_the_card_and_the_fact_box_show_the_disputed_total(world, disputes, client_for):
    web = client_for(world.controller)
    base = f"/t/{world.tenant.slug}/customers"
    card = web.get(f"{base}/{disputes['harbour'].pk}/").content.decode()
    assert re.search(r'data-figure="disputed"><a href="[^"]*queried=true">1,079.37 GBP</a>', card)
    assert re.search(r'data-figure="disputed-count">\(2 entries\)<', card)
    assert "Disputed (queried)" in card
    box = web.get(f"{base}/{disputes['acme'].pk}/factbox/", headers={"HX-Request": "true"}).content.decode()
    assert re.search(r'data-figure="disputed"><a href="[^"]*queried=true">500.00 GBP</a>', box)
    assert re.search(r'data-figure="disputed-count">\(1\)<', box)
    quiet = web.get(f"{base}/{disputes['quiet'].pk}/factbox/").content.decode()
    assert re.search(r'data-figure="disputed"><a href="[^"]*">0.00 GBP</a>', quiet)
