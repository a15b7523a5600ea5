"""Celery tasks, the debounced trigger after postings, the nightly dispatcher, runs, and manage.py recalculate."""

import datetime
import io
import zoneinfo
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from aging import services, tasks
from aging.models import AgingSetup, CustomerStatistics, KpiSnapshot, RecalculationRun
from aging.services.statistics import _debounce_key
from creditcontrol.errors import DomainError
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from ledger.services import ledger_entry_post

from .helpers import hand_worked_ledger, stats


@pytest.fixture
def ledger(tenant_a):
    tenant_initialise(tenant_a)
    cache.delete(_debounce_key(tenant_a.pk))
    with tenant_context(tenant_a):
        yield hand_worked_ledger(tenant_a)
    cache.delete(_debounce_key(tenant_a.pk))


@mock.patch.object(tasks.recalculate_entries_task, "apply_async")
def test_a_posting_schedules_one_debounced_recalculate_entries(
    delayed, tenant_a, ledger, django_capture_on_commit_callbacks
):
    today = tenant_a.today()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            ledger_entry_post(
                customer=ledger["c1"],
                document_type="invoice",
                document_no=f"X{n}",
                posting_date=today,
                amount=Decimal("1.00"),
            )
    delayed.assert_called_once_with(
        kwargs={"tenant_id": tenant_a.pk, "trigger": "posting"},
        countdown=services.statistics.RECALCULATE_ENTRIES_DELAY_SECONDS,
    )
    # the task clears the debounce before reading what is stale, so the next posting schedules again
    tasks.recalculate_entries_task(tenant_id=tenant_a.pk)
    assert not stats(ledger["c1"]).is_stale
    assert stats(ledger["c1"]).balance_lcy == Decimal("643.00")
    with django_capture_on_commit_callbacks(execute=True):
        ledger_entry_post(
            customer=ledger["c1"],
            document_type="invoice",
            document_no="X9",
            posting_date=today,
            amount=Decimal("1"),
        )
    assert delayed.call_count == 2


def test_eager_trigger_runs_recalculate_entries_after_commit(
    tenant_a, ledger, django_capture_on_commit_callbacks
):
    services.recalculate_all(trigger="command")
    with django_capture_on_commit_callbacks(execute=True):
        ledger_entry_post(
            customer=ledger["c2"],
            document_type="invoice",
            document_no="Y1",
            posting_date=tenant_a.today(),
            amount=Decimal("50.00"),
        )
    c2 = stats(ledger["c2"])
    assert not c2.is_stale and c2.balance_lcy == Decimal("0.00") and c2.balance_status == "zero"
    run = RecalculationRun.objects.filter(kind="entries").first()
    assert (run.trigger, run.status, run.customers_count) == ("posting", "succeeded", 1)


def test_never_two_recalculate_all_at_once(tenant_a, ledger, admin_of_a):
    run = services.recalculation_start(kind="all", user=admin_of_a)
    assert run.status == "queued"
    with pytest.raises(DomainError, match="already queued or running"):
        services.recalculation_start(kind="all", user=admin_of_a)
    with pytest.raises(DomainError):
        services.recalculate_all(trigger="manual")
    # the queued run is picked up by its task and recorded
    tasks.recalculate_all_task(tenant_id=tenant_a.pk, run_id=run.pk, trigger="manual", user_id=admin_of_a.pk)
    run.refresh_from_db()
    assert (run.status, run.progress, run.customers_count, run.entries_count) == ("succeeded", 100, 4, 18)
    assert run.started_at and run.finished_at and run.duration.total_seconds() >= 0
    assert services.recalculation_start(kind="all", user=admin_of_a).status == "queued"  # free again


def test_orphaned_running_run_is_failed_so_a_new_one_can_start(tenant_a, ledger):
    dead = RecalculationRun.objects.create(kind="all", status="running", trigger="manual")  # its worker died
    run = services.recalculate_all(trigger="manual")
    assert run.status == "succeeded"
    since = dead.queued_at.astimezone(zoneinfo.ZoneInfo(tenant_a.time_zone))
    assert RecalculationRun.objects.get(status="failed").message == (
        f"The worker running this stopped (no progress since {since:%H:%M})."
    )


@pytest.fixture
def admin_of_a(tenant_a, make_member):
    return make_member(tenant_a, "admin")


def _at(tenant, local: datetime.datetime) -> datetime.datetime:
    return local.replace(tzinfo=zoneinfo.ZoneInfo(tenant.time_zone))


def test_nightly_dispatch_starts_each_tenant_once_after_its_local_time(tenant_a, tenant_b, ledger):
    tenant_initialise(tenant_b)
    with tenant_context(tenant_b):
        AgingSetup.objects.update(nightly_recalculation_time=datetime.time(3, 30))
    day = tenant_a.today()
    early = _at(tenant_a, datetime.datetime.combine(day, datetime.time(1, 59)))
    assert services.nightly_recalculations_due(now=early) == []
    # 02:00 London is 03:00 Berlin: A is due (02:00), B (03:30 Berlin) not yet
    at_two = _at(tenant_a, datetime.datetime.combine(day, datetime.time(2, 0)))
    assert services.nightly_recalculations_due(now=at_two) == [tenant_a.pk]
    assert services.nightly_recalculations_due(now=at_two + datetime.timedelta(minutes=15)) == []
    later = _at(tenant_b, datetime.datetime.combine(day, datetime.time(3, 30)))
    assert services.nightly_recalculations_due(now=later) == [tenant_b.pk]
    next_night = at_two + datetime.timedelta(days=1)
    assert services.nightly_recalculations_due(now=next_night) == [tenant_a.pk]


def test_dispatch_task_runs_recalculate_all_and_takes_the_kpi_snapshot(tenant_a, ledger):
    with mock.patch.object(services, "nightly_recalculations_due", return_value=[tenant_a.pk]):
        assert tasks.dispatch_nightly_recalculations() == [tenant_a.pk]
    run = RecalculationRun.objects.get()
    assert (run.kind, run.trigger, run.status) == ("all", "nightly", "succeeded")
    snapshot = KpiSnapshot.objects.get()
    assert snapshot.date == tenant_a.today()
    assert snapshot.total_ar_lcy == Decimal("633.00")  # 640 − 50 + 43
    assert snapshot.customers_count == 4


def test_recalculate_command_prints_progress(tenant_a, ledger):
    out = io.StringIO()
    call_command("recalculate", "--tenant", "alpha", "--all", stdout=out)
    text = out.getvalue()
    assert "alpha:   5% Recalculating every customer as of" in text
    assert "Recalculate All run" in text and "4 customers, 18 entries" in text
    out = io.StringIO()
    call_command("recalculate", "--tenant", "alpha", stdout=out)
    assert "nothing to recalculate" in out.getvalue()
    out = io.StringIO()
    call_command("recalculate", "--tenant", "alpha", "--customers", str(ledger["c1"].pk), stdout=out)
    assert "1 customers, 13 entries" in out.getvalue()
    with pytest.raises(CommandError, match="No tenant"):
        call_command("recalculate", "--tenant", "nope")


def test_command_rejects_another_tenants_customer(tenant_a, tenant_b, ledger):
    with tenant_context(tenant_b):
        from customers.models import Customer

        foreign = Customer.objects.create(code="B1", name="Beta")
    with pytest.raises(CommandError, match="No such customer"):
        call_command("recalculate", "--tenant", "alpha", "--customers", str(foreign.pk), stdout=io.StringIO())
    assert not CustomerStatistics.objects.unscoped().filter(customer=foreign).exists()
