"""The ledger-change seam: every ledger write publishes one change, and to-dos, promises and statistics
react to it in the same transaction, whichever path wrote (services, imports, bulk upsert API)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aging.models import CustomerStatistics
from aging.services import recalculate_entries
from creditcontrol import changes
from interactions.models import Promise, PromiseStatus, ToDo, ToDoKind, ToDoStatus
from interactions.services import entries_update, interaction_create, interaction_update, todo_create
from ledger.imports import import_csv
from ledger.models import Application, LedgerEntry
from ledger.services import application_undo, entries_apply, payment_record
from tests import factories

from .conftest import days

# Recording one payment over 20 invoices (see test below): the posting, the locks, one insert of the
# applications, one update of the entries, and the reactions (promises, to-dos, statistics), whatever
# the number of invoices. It was 351 queries when every application reran the whole fan-out.
PAYMENT_QUERY_BOUND = 25


@pytest.fixture
def recorded():
    """Every change delivered to subscribers while the test runs."""
    seen: list[changes.Change] = []
    changes.subscribe(seen.append)
    yield seen
    changes._subscribers.remove(seen.append)


def _invoices(customer, count: int, today: datetime.date) -> list[LedgerEntry]:
    return [
        factories.invoice(
            customer,
            f"{customer.code}-{n:03d}",
            (today - datetime.timedelta(days=60 - n)).isoformat(),
            "10.00",
        )
        for n in range(count)
    ]


def _query_count(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries.captured_queries)


def test_a_payment_over_20_invoices_is_one_change_and_a_bounded_number_of_queries(world, recorded):
    customer = factories.customer(code="C200", name="Twenty Invoices Ltd")
    invoices = _invoices(customer, 20, world.today)
    recorded.clear()

    def pay():
        with transaction.atomic():
            payment_record(
                customer=customer, amount=Decimal("200.00"), posting_date=world.today, document_no="PAY-20"
            )

    count = _query_count(pay)
    assert count <= PAYMENT_QUERY_BOUND
    assert len(recorded) == 1  # one operation, one change: not one per application
    (change,) = recorded
    payment = LedgerEntry.objects.get(document_no="PAY-20")
    assert change.customer_ids == {customer.pk}
    assert change.settled_entry_ids == {payment.pk, *(i.pk for i in invoices)}
    assert change.sources == {"posting", "application"}
    assert not LedgerEntry.objects.filter(pk__in=[i.pk for i in invoices], is_open=True).exists()
    assert Application.objects.filter(applying_entry=payment).count() == 20


def test_the_query_count_does_not_grow_with_the_invoices_paid(world):
    def pay_invoices(code: str, count: int) -> int:
        customer = factories.customer(code=code, name=code)
        _invoices(customer, count, world.today)
        return _query_count(
            lambda: payment_record(
                customer=customer, amount=Decimal(count * 10), posting_date=world.today, document_no=code
            )
        )

    assert pay_invoices("FIVE", 5) == pay_invoices("FORTY", 40)


def test_a_change_published_by_a_failed_operation_reaches_no_subscriber(world, recorded):
    recorded.clear()
    with pytest.raises(RuntimeError), transaction.atomic(), changes.operation():
        changes.publish(source="test", customer_ids=[world.customer.pk])
        raise RuntimeError("rolled back")
    assert recorded == []


def _import(kind: str, text: str):
    result = import_csv(kind=kind, source=io.BytesIO(text.encode()))
    assert result.ok, result.errors
    return result


def _full_promise(world, invoice: LedgerEntry) -> Promise:
    """A call promising the whole of `invoice` in three days."""
    call = interaction_create(
        customer=world.customer, user=world.controller, description="Call", entry_ids=[invoice.pk]
    )
    return entries_update(
        interaction=call,
        user=world.controller,
        status_code=world.codes["PROMISED"],
        promised_full_amount=True,
        promised_payment_date=days(3, today=world.today),
    )["promise"]


def test_an_import_closes_paid_todos_and_judges_promises_without_any_scheduled_job(world):
    """Payment and application arrive by import: the to-do watching the invoice closes, the promise on
    it is kept and the customer's statistics are stale, all in the import's transaction."""
    promise = _full_promise(world, world.older)
    watcher = todo_create(
        customer=world.customer,
        description="Chase SI-1001",
        due_date=world.today,
        entry_ids=[world.older.pk],
    )
    recalculate_entries(trigger="test")
    version = CustomerStatistics.objects.get(customer=world.customer).ledger_version
    today = world.today.isoformat()
    _import(
        "entries",
        "external_id,customer,document_type,document_no,posting_date,amount\n"
        f"PMT-IMP,C100,payment,PMT-IMP,{today},-1200.00\n",
    )
    _import(
        "applications",
        f"external_id,applying_entry,applied_entry,amount,posting_date\nAPP-IMP,PMT-IMP,SI-1001,1200.00,{today}\n",
    )
    watcher.refresh_from_db()
    promise.refresh_from_db()
    assert (watcher.status, watcher.closed_reason) == (
        ToDoStatus.CLOSED,
        f"Paid: SI-1001 closed on {today}.",
    )
    assert (promise.status, promise.paid_amount) == (PromiseStatus.KEPT, Decimal("1200.00"))
    check = ToDo.objects.get(promise=promise, kind=ToDoKind.PROMISE_CHECK)
    assert check.status == ToDoStatus.CLOSED
    assert CustomerStatistics.objects.get(customer=world.customer).ledger_version > version


def test_an_undo_reopens_and_the_promise_is_no_longer_kept(world):
    promise = _full_promise(world, world.newer)
    payment = factories.payment(world.customer, "PMT-U", world.today.isoformat(), "300.00")
    application = entries_apply(
        applying_entry_id=payment.pk, applied_entry_id=world.newer.pk, posting_date=world.today
    )
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    application_undo(application_id=application.pk, undone_on=world.today)
    promise.refresh_from_db()
    assert (promise.status, promise.paid_amount) == (PromiseStatus.PENDING, Decimal("0.00"))


def test_moving_a_follow_up_date_into_the_past_counts_an_overdue_todo(world):
    """The follow-up to-do moves with its interaction's next date; the move is a change, so Recalculate
    Entries refreshes overdue_todo_count at once (it stayed wrong until the night)."""
    call = interaction_create(
        customer=world.customer,
        user=world.controller,
        description="Call",
        occurred_at=timezone.now() - datetime.timedelta(days=10),
        next_interaction_date=days(5, today=world.today),
    )
    recalculate_entries(trigger="test")
    assert CustomerStatistics.objects.get(customer=world.customer).overdue_todo_count == 0
    interaction_update(
        interaction=call, user=world.controller, next_interaction_date=days(-2, today=world.today)
    )
    assert ToDo.objects.get(interaction=call, kind=ToDoKind.FOLLOW_UP).due_date == days(-2, today=world.today)
    run = recalculate_entries(trigger="test")
    assert run is not None and run.customers_count == 1
    assert CustomerStatistics.objects.get(customer=world.customer).overdue_todo_count == 1


def test_promise_pending_counts_are_unchanged_by_a_change_of_another_customer(world):
    other = factories.customer(code="C300", name="Other Ltd")
    invoice = factories.invoice(other, "SI-OTHER", world.today.isoformat(), "50.00")
    payment = factories.payment(other, "PMT-OTHER", world.today.isoformat(), "50.00")
    entries_apply(applying_entry_id=payment.pk, applied_entry_id=invoice.pk, posting_date=world.today)
    assert not Promise.objects.exclude(status=PromiseStatus.PENDING).exists()
