"""The schedule in the tenant's time zone: a tenant in Europe/Berlin (UTC+1 in January) scheduled Monday to
Friday at 07:00 gets its run at 06:00 UTC on a weekday, once that day; not at the weekend, and not on a day
its last run is still open (nor again later that day)."""

import datetime

import pytest

from chasing.models import ChasingRun, ChasingSetup, RunStatus
from chasing.services import run_if_scheduled, setup_update
from chasing.tasks import start_scheduled_runs
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context

UTC = datetime.UTC
MONDAY = datetime.date(2026, 1, 5)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def berlin(tenant_b):
    """Tenant B (Europe/Berlin), scheduled Monday to Friday at 07:00 local time."""
    tenant_initialise(tenant_b)
    with tenant_context(tenant_b):
        setup_update(scheduled=True, weekdays=[1, 2, 3, 4, 5], run_at=datetime.time(7, 0), freshness_days=3)
    return tenant_b


def scheduled(tenant, now):
    with tenant_context(tenant):
        run = run_if_scheduled(now=now)
        return None if run is None else (run.as_of, run.scheduled, run.status)


def runs(tenant):
    with tenant_context(tenant):
        return list(ChasingRun.objects.order_by("pk").values_list("as_of", "scheduled", "status"))


def test_the_run_starts_at_the_tenants_local_time_once_a_weekday(berlin, django_capture_on_commit_callbacks):
    assert scheduled(berlin, at(MONDAY, 5, 59)) is None  # 06:59 in Berlin
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduled(berlin, at(MONDAY, 6, 0)) == (MONDAY, True, RunStatus.PROPOSING)
    # its proposal (a worker) finds nothing to chase: the run is finished, and the day is done
    assert runs(berlin) == [(MONDAY, True, RunStatus.FINISHED)]
    assert scheduled(berlin, at(MONDAY, 9, 30)) is None
    assert scheduled(berlin, at(MONDAY, 22, 59)) is None  # 23:59 in Berlin, still Monday
    saturday = MONDAY + datetime.timedelta(days=5)
    assert scheduled(berlin, at(saturday, 6, 0)) is None
    assert scheduled(berlin, at(saturday + datetime.timedelta(days=1), 12, 0)) is None
    assert len(runs(berlin)) == 1
    with tenant_context(berlin):
        assert ChasingSetup.objects.get().last_scheduled_on == MONDAY


def test_a_day_with_an_open_run_starts_none_and_is_not_tried_again(berlin):
    with tenant_context(berlin):
        ChasingRun.objects.create(as_of=MONDAY, status=RunStatus.PROPOSED)  # Monday's, awaiting review
    tuesday = MONDAY + datetime.timedelta(days=1)
    assert scheduled(berlin, at(tuesday, 6, 0)) is None
    with tenant_context(berlin):
        ChasingRun.objects.update(status=RunStatus.FINISHED)  # reviewed at last, that morning
        assert ChasingSetup.objects.get().last_scheduled_on == tuesday
    assert scheduled(berlin, at(tuesday, 10, 0)) is None  # Tuesday was its day: not retried
    assert scheduled(berlin, at(tuesday + datetime.timedelta(days=1), 6, 0)) is not None
    assert [as_of for as_of, _scheduled, _status in runs(berlin)] == [
        MONDAY,
        tuesday + datetime.timedelta(days=1),
    ]


def test_a_tenant_not_scheduled_gets_no_run(tenant_b):
    tenant_initialise(tenant_b)
    assert scheduled(tenant_b, at(MONDAY, 6, 0)) is None
    assert runs(tenant_b) == []


def test_the_task_starts_each_tenants_run_at_its_own_time(
    berlin, tenant_a, django_capture_on_commit_callbacks
):
    """London (UTC+0 in January) at 07:00 too: at 06:00 UTC only Berlin's has come, at 07:00 London's."""
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        setup_update(scheduled=True, weekdays=[1, 2, 3, 4, 5], run_at=datetime.time(7, 0), freshness_days=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert start_scheduled_runs(now=at(MONDAY, 5, 59).isoformat()) == 0
        assert start_scheduled_runs(now=at(MONDAY, 6, 0).isoformat()) == 1
        assert start_scheduled_runs(now=at(MONDAY, 6, 45).isoformat()) == 0
        assert start_scheduled_runs(now=at(MONDAY, 7, 0).isoformat()) == 1
        assert start_scheduled_runs(now=at(MONDAY, 7, 15).isoformat()) == 0
    assert [as_of for as_of, *_ in runs(berlin)] == [as_of for as_of, *_ in runs(tenant_a)] == [MONDAY]
