"""Postings that commit while a Recalculate All is running are not lost (real threads, real connections).

The invariant after any run: a customer whose stored figures say "fresh" (calculated_version ==
ledger_version) has exactly the figures a fresh recalculation gives; every other customer is stale and is
put right by the next Recalculate Entries.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from aging import selectors, services
from aging.models import CustomerStatistics
from aging.services.statistics import _debounce_key
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.services import ledger_entry_post, payment_record

from .helpers import apply, post


def _in_thread(tenant, work):
    errors = []

    def target():
        try:
            with tenant_context(tenant):
                work()
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, errors


def _post_invoice(customer, no, amount="123.45"):
    today = customer.tenant.today()
    return ledger_entry_post(
        customer=customer,
        document_type="invoice",
        document_no=no,
        posting_date=today,
        due_date=today - datetime.timedelta(days=3),
        amount=Decimal(amount),
    )


def _fresh_rows_are_exact(tenant):
    ids = list(CustomerStatistics.objects.values_list("customer_id", flat=True))
    fresh = selectors.customer_figures(customer_ids=ids, as_of=tenant.today())
    stale = set()
    for row in CustomerStatistics.objects.all():
        if row.is_stale:
            stale.add(row.customer_id)
        else:
            assert {k: getattr(row, k) for k in fresh[row.customer_id]} == fresh[row.customer_id], (
                row.customer_id
            )
    return stale


@pytest.fixture
def seeded(tenant_a):
    """60 customers with invoices, payments applied, a credit memo and an unapplied payment each."""
    tenant_initialise(tenant_a)
    today = tenant_a.today()
    with tenant_context(tenant_a):
        for n in range(60):
            customer = Customer.objects.create(code=f"K{n:03d}", name=f"Customer {n}", credit_limit_lcy=500)
            invoices = [
                post(
                    customer,
                    "invoice",
                    f"K{n}-I{k}",
                    today=today,
                    posted=90 - 15 * k,
                    due=60 - 15 * k,
                    amount=f"{100 + n + k}.25",
                )
                for k in range(5)
            ]
            payment = post(customer, "payment", f"K{n}-P", today=today, posted=20, amount=f"-{150 + n}.00")
            apply(payment, invoices[0], today=today, on=20)
            apply(payment, invoices[1], today=today, on=20)
            memo = post(customer, "credit_memo", f"K{n}-C", today=today, posted=10, amount="-20.00")
            apply(memo, invoices[2], today=today, on=10)
            post(customer, "payment", f"K{n}-U", today=today, posted=2, amount="-5.00")
        services.statistics_rows_ensure()
        yield tenant_a


@pytest.mark.django_db(transaction=True)
def test_postings_during_recalculate_all_are_not_lost(seeded):
    tenant = seeded
    committed_before, in_flight = list(Customer.objects.order_by("pk")[:2])
    cache.set(_debounce_key(tenant.pk), 1, timeout=300)  # no automatic Entries run: test the versions alone
    posted, release = threading.Event(), threading.Event()
    threads = []

    def hold_open_posting():
        with transaction.atomic():
            _post_invoice(in_flight, "IN-FLIGHT")  # holds the statistics row lock until commit
            posted.set()
            release.wait(10)
            time.sleep(0.5)  # commit while the recalculation's statements are already running

    def interleave(message):
        if "Recalculating every customer" not in message:
            return
        # 1. a posting that commits just before the statements start: they read it, the row is fresh
        thread, errors = _in_thread(tenant, lambda: _post_invoice(committed_before, "BEFORE"))
        thread.join()
        assert not errors, errors
        # 2. a posting still open (uncommitted) when they take their snapshots; it commits while they run,
        # after its customer's ledger was read and before (or while) its row is written
        thread, errors = _in_thread(tenant, hold_open_posting)
        threads.append((thread, errors))
        assert posted.wait(10)
        release.set()

    try:
        run = services.recalculate_all(trigger="command", progress=interleave)
        for thread, errors in threads:
            thread.join()
            assert not errors, errors
        assert run.status == "succeeded"
        assert run.customers_count == Customer.objects.count()  # the in-flight row too, with its old figures
        assert _fresh_rows_are_exact(tenant) == {in_flight.pk}  # BEFORE is in its fresh figures
    finally:
        cache.delete(_debounce_key(tenant.pk))

    services.recalculate_entries(trigger="posting")
    assert _fresh_rows_are_exact(tenant) == set()
    assert (
        CustomerStatistics.objects.get(customer=in_flight).open_invoices_count
        == (
            selectors.customer_figures(customer_ids=[in_flight.pk], as_of=tenant.today())[in_flight.pk][
                "open_invoices_count"
            ]
        )
    )


@pytest.mark.django_db(transaction=True)
def test_stream_of_postings_with_automatic_recalculation(seeded):
    """Postings (and payments applied) stream in from two threads while Recalculate All runs again and again;
    the automatic, debounced Recalculate Entries (eager Celery in tests) runs after each commit."""
    tenant = seeded
    customers = list(Customer.objects.order_by("pk")[:40])
    stop = threading.Event()

    def stream(offset):
        def work():
            n = 0
            while not stop.is_set() and n < 60:
                customer = customers[(n * 7 + offset) % len(customers)]
                if n % 3 == 2:
                    payment_record(
                        customer=customer,
                        amount=Decimal("10.00"),
                        posting_date=tenant.today(),
                        document_no=f"S{offset}-{n}",
                        amount_lcy=Decimal("10.00")
                        if customer.currency_code not in ("", tenant.local_currency)
                        else None,
                    )
                elif customer.currency_code in ("", tenant.local_currency):
                    _post_invoice(customer, f"S{offset}-{n}", amount="10.00")
                n += 1

        return _in_thread(tenant, work)

    workers = [stream(0), stream(3)]
    runs = 0
    while any(thread.is_alive() for thread, _ in workers) and runs < 50:
        assert services.recalculate_all(trigger="command").status == "succeeded"
        runs += 1
    stop.set()
    assert runs >= 2
    for thread, errors in workers:
        thread.join()
        assert not errors, errors
    _fresh_rows_are_exact(tenant)  # whatever is fresh is exact, mid-stream or not
    services.recalculate_entries(trigger="posting")
    assert _fresh_rows_are_exact(tenant) == set()
