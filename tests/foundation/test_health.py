"""GET /healthz against the real database, Redis and a real Celery worker process."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from creditcontrol.celery import app

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _database_url_for(name: str) -> str:
    """DATABASE_URL with the test database's name, so that the worker uses the same database.

    The database name is the last part of the path (an embedded server's socket directory comes before it).
    """
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path=url.path.rsplit("/", 1)[0] + f"/{name}"))


def _other_workers() -> list[dict]:
    return app.control.ping(timeout=1.0)


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker process on a queue of its own, so that no other worker can take its tasks."""
    queue = f"foundation-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@%h"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "creditcontrol.settings.test",
        "DATABASE_URL": _database_url_for(connection.settings_dict["NAME"]),
    }
    log = BASE_DIR / "var" / f"{queue}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "creditcontrol",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-Q",
                queue,
                "-n",
                hostname,
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # The test settings run tasks in-process; these tests want them to travel through Redis.
    always_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        name = None
        while name is None:
            if process.poll() is not None:
                pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not answer a ping within 60 s:\n{log.read_text()}")
            replies = app.control.ping(timeout=0.5)
            name = next((n for reply in replies for n in reply if n.startswith(f"{queue}@")), None)
        yield {"queue": queue, "name": name, "process": process}
    finally:
        app.conf.task_always_eager = always_eager
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


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

    assert result.get(timeout=30) == [{"tenant": "alpha", "answer": 42}, 7]
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
