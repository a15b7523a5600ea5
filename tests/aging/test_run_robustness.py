"""Recalculation runs survive a broker that is down, a task delivered twice and a worker that dies.

- A start while the broker (Redis) is down fails its run at once, with a message, and blocks nothing.
- A queued run that no worker started within 5 minutes is lost: the next start fails it.
- A task delivered again (after its worker died, or by Redis while it still runs) changes no run that is
  not queued any more.
- A running run whose heartbeat has not moved for 5 minutes shows as failed: on the runs page, in the
  API, on the next start and by beat.
"""

import contextlib
import datetime
import threading
import time
import zoneinfo

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from aging import services, tasks
from aging.models import RecalculationRun
from aging.services import recalculation
from aging.services.statistics import _debounce_key
from creditcontrol.celery import app
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context

from .helpers import hand_worked_ledger

CLOSED_PORT_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there: "the broker is down"
QUEUE_DOWN = "Could not queue the recalculation: the task queue is not reachable."


@pytest.fixture
def ledger(tenant_a):
    tenant_initialise(tenant_a)
    cache.delete(_debounce_key(tenant_a.pk))
    with tenant_context(tenant_a):
        customers = hand_worked_ledger(tenant_a)
    cache.delete(_debounce_key(tenant_a.pk))
    return customers


@pytest.fixture
def admin_of_a(tenant_a, make_member):
    return make_member(tenant_a, Role.ADMIN)


@contextlib.contextmanager
def broker_at(url: str):
    """Tasks travel through the broker at `url` (not run in-process) for the block."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved


def hh_mm(tenant, moment: datetime.datetime) -> str:
    return f"{moment.astimezone(zoneinfo.ZoneInfo(tenant.time_zone)):%H:%M}"


def runs(tenant):
    """The tenant's runs, but those that its postings started (the ledger fixture posts)."""
    with tenant_context(tenant):
        return list(RecalculationRun.objects.exclude(trigger="posting").order_by("pk"))


# 1. The broker is down ------------------------------------------------------------------------------


def test_recalculate_all_with_the_broker_down_fails_its_run_and_says_so_on_the_page(
    transactional_db, tenant_a, ledger, admin_of_a, client_for
):
    client = client_for(admin_of_a)
    with broker_at(CLOSED_PORT_BROKER):
        page = client.post("/t/alpha/aging/recalculations/start/", {"kind": "all"}, follow=True)
    assert page.status_code == 200
    assert f'<li class="error">{QUEUE_DOWN}</li>' in page.content.decode()
    [run] = runs(tenant_a)
    assert (run.kind, run.status, run.message) == ("all", "failed", QUEUE_DOWN)
    assert run.finished_at is not None and run.started_at is None
    # nothing blocks the next start: with the broker back, it is queued and (in-process here) runs
    page = client.post("/t/alpha/aging/recalculations/start/", {"kind": "all"}, follow=True)
    assert '<li class="success">Recalculate All queued.</li>' in page.content.decode()
    assert [(r.status, r.message) for r in runs(tenant_a)] == [("failed", QUEUE_DOWN), ("succeeded", "")]


def test_the_api_answers_503_with_the_message_when_the_broker_is_down(
    transactional_db, tenant_a, ledger, admin_of_a, api_for
):
    api = api_for(admin_of_a)
    with broker_at(CLOSED_PORT_BROKER):
        response = api.post("/api/t/alpha/recalculations/", {"kind": "all"}, format="json")
        entries = api.post("/api/t/alpha/recalculations/", {"kind": "entries"}, format="json")
    assert response.status_code == 503
    body = response.json()
    assert (body["detail"], body["code"]) == (QUEUE_DOWN, "queue_unavailable")
    assert (body["run"]["kind"], body["run"]["status"], body["run"]["message"]) == (
        "all",
        "failed",
        QUEUE_DOWN,
    )
    assert entries.status_code == 503 and entries.json()["run"]["status"] == "failed"
    assert [(r.kind, r.status, r.message) for r in runs(tenant_a)] == [
        ("all", "failed", QUEUE_DOWN),
        ("entries", "failed", QUEUE_DOWN),
    ]
    response = api.post("/api/t/alpha/recalculations/", {"kind": "all"}, format="json")
    assert response.status_code == 202
    assert api.get(f"/api/t/alpha/recalculations/{response.json()['id']}/").json()["status"] == "succeeded"


def test_the_credit_list_says_so_when_the_broker_is_down(
    transactional_db, tenant_a, ledger, admin_of_a, client_for
):
    client = client_for(admin_of_a)
    with broker_at(CLOSED_PORT_BROKER):
        page = client.post("/t/alpha/customers/credit/recalculate/", {"scope": "all"}, follow=True)
    assert page.status_code == 200
    assert f'<li class="error">{QUEUE_DOWN}</li>' in page.content.decode()
    assert [(r.status, r.message) for r in runs(tenant_a)] == [("failed", QUEUE_DOWN)]


def test_a_send_that_fails_after_the_commit_fails_the_run_instead_of_raising(
    tenant_a, ledger, admin_of_a, django_capture_on_commit_callbacks
):
    # the broker answers when the run is requested, and is gone when the transaction commits
    with tenant_context(tenant_a), broker_at(app.conf.broker_url):
        with django_capture_on_commit_callbacks() as sends:
            run = services.recalculation_start(kind="all", user=admin_of_a)
        assert run.status == "queued" and len(sends) == 1
        with broker_at(CLOSED_PORT_BROKER):
            sends[0]()  # no exception: the run says what happened
        run.refresh_from_db()
        assert (run.status, run.message) == ("failed", QUEUE_DOWN)
        assert services.recalculation_start(kind="all", user=admin_of_a).status == "queued"


def test_a_queued_run_no_worker_started_is_lost_after_five_minutes_when_the_next_start_is_requested(
    tenant_a, ledger, admin_of_a
):
    with tenant_context(tenant_a):
        lost = services.recalculation_start(kind="all", user=admin_of_a)  # its task never reaches a worker
        four_minutes_ago = timezone.now() - datetime.timedelta(minutes=4)
        RecalculationRun.objects.filter(pk=lost.pk).update(queued_at=four_minutes_ago)
        with pytest.raises(DomainError, match="already queued or running"):
            services.recalculation_start(kind="all", user=admin_of_a)
        six_minutes_ago = timezone.now() - datetime.timedelta(minutes=6)
        RecalculationRun.objects.filter(pk=lost.pk).update(queued_at=six_minutes_ago)
        new = services.recalculation_start(kind="all", user=admin_of_a)
        lost.refresh_from_db()
    assert new.status == "queued"
    assert (lost.status, lost.message) == (
        "failed",
        f"No worker started it within 5 minutes of being queued (at {hh_mm(tenant_a, six_minutes_ago)}): "
        "it was lost.",
    )
    assert lost.finished_at is not None


# 2. A task delivered again ---------------------------------------------------------------------------


def _snapshot(run: RecalculationRun) -> tuple:
    run.refresh_from_db()
    return (
        run.status,
        run.message,
        run.started_at,
        run.finished_at,
        run.progress,
        run.step,
        run.customers_count,
        run.entries_count,
    )


def test_a_redelivered_task_leaves_a_failed_run_as_it_is(tenant_a, ledger, admin_of_a):
    with tenant_context(tenant_a):
        run = services.recalculation_start(kind="all", user=admin_of_a)
        failed_at = timezone.now() - datetime.timedelta(minutes=10)
        RecalculationRun.objects.filter(pk=run.pk).update(
            status="failed",
            started_at=failed_at,
            finished_at=failed_at,
            progress=5,
            message="The worker running this stopped (no progress since 09:15).",
        )
        before = _snapshot(run)
    assert tasks.recalculate_all_task(tenant_id=tenant_a.pk, run_id=run.pk, user_id=admin_of_a.pk) is None
    with tenant_context(tenant_a):
        assert _snapshot(run) == before
        assert before[:2] == ("failed", "The worker running this stopped (no progress since 09:15).")
        assert RecalculationRun.objects.count() == 1


def test_a_redelivered_task_leaves_a_succeeded_run_as_it_is(tenant_a, ledger, admin_of_a):
    with tenant_context(tenant_a):
        run = services.recalculation_start(kind="all", user=admin_of_a)
    assert tasks.recalculate_all_task(tenant_id=tenant_a.pk, run_id=run.pk) == run.pk
    with tenant_context(tenant_a):
        before = _snapshot(run)
        assert before[0] == "succeeded" and before[6:] == (4, 18)
    assert tasks.recalculate_all_task(tenant_id=tenant_a.pk, run_id=run.pk) is None
    with tenant_context(tenant_a):
        assert _snapshot(run) == before


def test_a_redelivered_recalculate_entries_task_leaves_a_finished_run_as_it_is(tenant_a, ledger, admin_of_a):
    with tenant_context(tenant_a):
        run = services.recalculation_start(kind="entries", user=admin_of_a, customer_ids=[ledger["c1"].pk])
        RecalculationRun.objects.filter(pk=run.pk).update(
            status="failed",
            finished_at=timezone.now(),
            message="canceling statement due to statement timeout",
        )
        before = _snapshot(run)
    assert (
        tasks.recalculate_entries_task(tenant_id=tenant_a.pk, run_id=run.pk, customer_ids=[ledger["c1"].pk])
        is None
    )
    with tenant_context(tenant_a):
        assert _snapshot(run) == before
        assert before[:2] == ("failed", "canceling statement due to statement timeout")


def test_a_second_delivery_while_the_run_is_running_leaves_it_running(tenant_a, ledger, admin_of_a):
    """Redis delivers an unacknowledged task again after its visibility timeout, even while it runs."""
    with tenant_context(tenant_a):
        run = services.recalculation_start(kind="all", user=admin_of_a)
        RecalculationRun.objects.filter(pk=run.pk).update(
            status="running", started_at=timezone.now(), heartbeat_at=timezone.now(), progress=5
        )
        before = _snapshot(run)
    original_worker = connections.create_connection("default")  # holds the run's lock, as it would
    try:
        with original_worker.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(%s, %s)", [recalculation.RECALCULATE_ALL_LOCK, tenant_a.pk]
            )
        assert tasks.recalculate_all_task(tenant_id=tenant_a.pk, run_id=run.pk) is None
    finally:
        original_worker.close()
    with tenant_context(tenant_a):
        assert _snapshot(run) == before
        assert before[0] == "running"


def test_a_delivery_after_the_worker_died_takes_the_running_run_over(tenant_a, ledger, admin_of_a):
    """The run is still "running" but nobody holds its lock: its worker died; the new delivery finishes it."""
    with tenant_context(tenant_a):
        run = services.recalculation_start(kind="all", user=admin_of_a)
        RecalculationRun.objects.filter(pk=run.pk).update(
            status="running", started_at=timezone.now(), heartbeat_at=timezone.now(), progress=5
        )
    assert tasks.recalculate_all_task(tenant_id=tenant_a.pk, run_id=run.pk) == run.pk
    with tenant_context(tenant_a):
        run.refresh_from_db()
    assert (run.status, run.progress, run.customers_count, run.message) == ("succeeded", 100, 4, "")


# 3. A worker that died -------------------------------------------------------------------------------


def test_a_run_without_progress_for_five_minutes_shows_as_failed_on_the_page_and_in_the_api(
    tenant_a, ledger, admin_of_a, client_for, api_for
):
    now = timezone.now()
    dead_since = now - datetime.timedelta(minutes=6)
    with tenant_context(tenant_a):
        dead = RecalculationRun.objects.create(kind="all", status="running", trigger="manual")
        RecalculationRun.objects.filter(pk=dead.pk).update(
            started_at=now - datetime.timedelta(minutes=20), heartbeat_at=dead_since, progress=5
        )
        alive = RecalculationRun.objects.create(kind="entries", status="running", trigger="posting")
        RecalculationRun.objects.filter(pk=alive.pk).update(
            started_at=now - datetime.timedelta(minutes=8), heartbeat_at=now - datetime.timedelta(minutes=4)
        )
    message = f"The worker running this stopped (no progress since {hh_mm(tenant_a, dead_since)})."
    page = client_for(admin_of_a).get("/t/alpha/aging/recalculations/").content.decode()
    assert f"<td>Failed: {message}</td>" in page
    assert f'id="run-{dead.pk}"' not in page and f'id="run-{alive.pk}"' in page  # only the live one polls
    progress = (
        client_for(admin_of_a).get(f"/t/alpha/aging/recalculations/{dead.pk}/progress/").content.decode()
    )
    assert 'data-status="failed"' in progress and message in progress
    body = api_for(admin_of_a).get(f"/api/t/alpha/recalculations/{dead.pk}/").json()
    assert (body["status"], body["message"]) == ("failed", message) and body["finished_at"]
    listed = {
        r["id"]: r["status"]
        for r in api_for(admin_of_a).get("/api/t/alpha/recalculations/").json()["results"]
    }
    assert listed == {dead.pk: "failed", alive.pk: "running"}
    # and a new Recalculate All may start
    with tenant_context(tenant_a):
        assert services.recalculation_start(kind="all", user=admin_of_a).status == "queued"


def test_a_running_recalculate_all_whose_lock_is_free_is_failed_on_the_next_start(
    tenant_a, ledger, admin_of_a
):
    beat = timezone.now() - datetime.timedelta(minutes=1)  # it beat a minute ago, then the worker was killed
    with tenant_context(tenant_a):
        dead = RecalculationRun.objects.create(kind="all", status="running", trigger="nightly")
        RecalculationRun.objects.filter(pk=dead.pk).update(started_at=beat, heartbeat_at=beat)
        new = services.recalculation_start(kind="all", user=admin_of_a)
        dead.refresh_from_db()
    assert new.status == "queued"
    assert (dead.status, dead.message) == (
        "failed",
        f"The worker running this stopped (no progress since {hh_mm(tenant_a, beat)}).",
    )


def test_the_beat_task_fails_the_stalled_runs_of_every_tenant(tenant_a, tenant_b, ledger):
    tenant_initialise(tenant_b)
    since = timezone.now() - datetime.timedelta(minutes=7)
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            run = RecalculationRun.objects.create(kind="entries", status="running", trigger="manual")
            RecalculationRun.objects.filter(pk=run.pk).update(started_at=since, heartbeat_at=since)
    assert tasks.settle_recalculation_runs() == {tenant_a.pk: 1, tenant_b.pk: 1}
    for tenant in (tenant_a, tenant_b):  # each message in the tenant's own time
        assert [(r.status, r.message) for r in runs(tenant)] == [
            ("failed", f"The worker running this stopped (no progress since {hh_mm(tenant, since)}).")
        ]
    assert tasks.settle_recalculation_runs() == {}
    schedule = app.conf.beat_schedule["settle-recalculation-runs"]
    assert schedule["task"] == "aging.tasks.settle_recalculation_runs"
    assert schedule["schedule"].minute == set(range(0, 60, 5))


def test_a_running_recalculation_beats_its_heartbeat(transactional_db, tenant_a, ledger, monkeypatch):
    monkeypatch.setattr(recalculation, "HEARTBEAT_SECONDS", 0.05)
    seen = []

    def progress(line: str) -> None:
        if "Giving new customers" in line:  # a slow step: the heartbeat goes on meanwhile
            run = RecalculationRun.objects.get(status="running")
            first = run.heartbeat_at
            time.sleep(0.5)
            run.refresh_from_db()
            seen.append((first, run.heartbeat_at))

    with tenant_context(tenant_a):
        run = services.recalculate_all(trigger="command", progress=progress)
    [(first, later)] = seen
    assert first is not None and later > first
    assert run.status == "succeeded" and run.heartbeat_at is not None
    assert not [t for t in threading.enumerate() if t.name.endswith("-heartbeat")]  # the beat stopped


# Through a real worker -------------------------------------------------------------------------------


@pytest.mark.worker
def test_through_a_real_worker_a_run_succeeds_and_a_second_delivery_changes_nothing(
    celery_worker, tenant_a, ledger, admin_of_a
):
    with tenant_context(tenant_a):
        run = services.recalculation_start(kind="all", user=admin_of_a)  # sent to the worker on commit
        deadline = time.monotonic() + 60
        while _snapshot(run)[0] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.25)
        before = _snapshot(run)
    assert before[0] == "succeeded" and run.heartbeat_at is not None
    again = tasks.recalculate_all_task.apply_async(kwargs={"tenant_id": tenant_a.pk, "run_id": run.pk})
    assert again.get(timeout=60, disable_sync_subtasks=False) is None  # the test is no task
    with tenant_context(tenant_a):
        assert _snapshot(run) == before
