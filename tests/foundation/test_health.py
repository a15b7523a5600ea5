"""GET /healthz against the real database, Redis and a real Celery worker process."""

from pathlib import Path

import pytest

from creditcontrol.celery import app

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _other_workers() -> list[dict]:
    return app.control.ping(timeout=1.0)


@pytest.mark.worker
def test_healthz_is_ok_when_database_redis_and_a_worker_answer(celery_worker, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is True
    assert body["worker"]["ok"] is True
    assert celery_worker["name"] in body["worker"]["workers"]
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.worker
def test_a_task_goes_through_the_worker_and_its_result_comes_back_through_redis(celery_worker):
    # celery.accumulate is built into every Celery app: it returns its arguments as a list.
    result = app.send_task(
        "celery.accumulate", args=[{"tenant": "alpha", "answer": 42}, 7], queue=celery_worker["queue"]
    )

    assert result.get(timeout=30, disable_sync_subtasks=False) == [{"tenant": "alpha", "answer": 42}, 7]
    assert result.status == "SUCCESS"


def test_healthz_is_503_naming_the_worker_when_no_worker_answers(client, db):
    if _other_workers():
        pytest.skip("a Celery worker is listening on this Redis (is `make run` running?)")

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is True
    assert body["worker"] == {"ok": False, "error": "RuntimeError: no Celery worker answered within 1 s"}
