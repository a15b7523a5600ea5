"""GET /healthz against the real database, Redis and a real Celery worker process."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from creditcontrol.celery import app
from tests.conftest import _database_url_for

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


# /healthz in a process of its own whose database (or Redis) is a port nothing listens on: the real
# connection attempt fails, as it would with the server down. The answer is printed as JSON.
HEALTHZ_IN_A_SUBPROCESS = """
import json
from django.test import Client
response = Client(raise_request_exception=False).get("/healthz")
print(json.dumps({"status": response.status_code, "content_type": response["Content-Type"],
                  "cache_control": response["Cache-Control"], "body": response.json()}))
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def _healthz_with(**environment) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "creditcontrol.settings.test", **environment}
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", HEALTHZ_IN_A_SUBPROCESS],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_healthz_is_503_json_naming_the_database_when_the_database_is_down():
    port = _closed_port()
    answer = _healthz_with(DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/creditcontrol")

    assert answer["status"] == 503
    assert answer["content_type"] == "application/json"
    assert answer["cache_control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    body = answer["body"]
    assert list(body) == ["status", "database", "redis", "worker"]
    assert body["status"] == "unavailable"
    assert list(body["database"]) == ["ok", "error"]
    assert body["database"]["ok"] is False
    assert body["database"]["error"].startswith(
        f'OperationalError: connection to server at "127.0.0.1", port {port} failed: Connection refused'
    )
    assert body["redis"]["ok"] is True
    assert body["worker"]["ok"] is False or body["worker"]["workers"]  # a worker of `make run` may answer


def test_healthz_is_503_json_naming_redis_and_the_worker_when_redis_is_down(db):
    port = _closed_port()
    # the test database: DATABASE_URL's own may not exist where the tests run
    test_database = _database_url_for(connection.settings_dict["NAME"])
    answer = _healthz_with(REDIS_URL=f"redis://127.0.0.1:{port}/0", DATABASE_URL=test_database)

    assert answer["status"] == 503
    assert answer["content_type"] == "application/json"
    body = answer["body"]
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["redis"] == {
        "ok": False,
        "error": f"ConnectionError: Error 111 connecting to 127.0.0.1:{port}. Connection refused.",
    }
    # the workers' broker is the same Redis
    assert body["worker"] == {
        "ok": False,
        "error": f"OperationalError: Error 111 connecting to 127.0.0.1:{port}. Connection refused.",
    }
