"""Pages under concurrent load, called by `manage.py bench --only load`.

Starts gunicorn (`WORKERS` sync workers, debug off, connecting as the application role like any
deployment) on a free port of 127.0.0.1 against the bench tenant, then a bounded load generator in this
process: `CONNECTIONS` threads, each with its own keep-alive connection and a signed-in manager's
session, asking for one page as fast as the answers come, for `SECONDS` seconds after a short warm-up.
Prints requests per second and the 50th, 95th and 99th percentile of the answer times against the
targets, then stops gunicorn. The generator shares the machine's cores with the server: on two cores
the figures are a floor, not a ceiling.
"""

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

from creditcontrol.models import Membership, Role

from .pages import USERNAME, _percentile
from .recalculation import _bench_tenant

WORKERS = 3
CONNECTIONS = 20
SECONDS = 30
WARMUP_SECONDS = 3


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    requests_per_second: float
    p95_ms: float | None
    # Ask as a client that holds the last answer: send its ETag back (If-None-Match), expect 304.
    revalidate: bool = False


def _targets(slug: str) -> list[Target]:
    return [
        Target("credit list, every controller", f"/t/{slug}/customers/credit/?controller=", 60, 400),
        Target("dashboard", f"/t/{slug}/", 60, None),
        Target("statistics API, first page", f"/api/t/{slug}/statistics/", 100, 250),
        Target(
            "statistics API, first page, revalidated", f"/api/t/{slug}/statistics/", 100, 250, revalidate=True
        ),
        Target("balance due report", f"/t/{slug}/customers/balance-due/", 60, 400),
    ]


def _session_cookie(tenant) -> str:
    """A signed-in session of the bench manager, made as the sign-in page would make it."""
    user, created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"first_name": "Bench", "email": "bench-manager@example.com"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": Role.MANAGER})
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "creditcontrol.settings.local",
        "DJANGO_DEBUG": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "creditcontrol.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"load: gunicorn exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("load: gunicorn did not listen within 60 s")


def _stop(process: subprocess.Popen) -> None:
    """Stop a server the bench started: SIGTERM, then kill after 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _etag(port: int, path: str, cookie: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    connection.close()
    etag = response.getheader("ETag")
    if not etag:
        raise RuntimeError(f"load: {path} answers without an ETag")
    return etag


def _load(
    port: int, path: str, cookie: str, seconds: float, etag: str | None = None
) -> tuple[list[float], int]:
    """(answer times in ms, failures) of CONNECTIONS clients asking for `path` for `seconds`; with `etag`,
    each request sends it back and a failure is anything but 304 Not Modified."""
    stop = time.monotonic() + seconds
    headers = {"Cookie": cookie, "Host": "127.0.0.1", **({"If-None-Match": etag} if etag else {})}
    expected = 304 if etag else 200
    times: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != expected:
                    failed += 1
                mine.append((time.perf_counter() - started) * 1000)
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            times.extend(mine)
            failures[0] += failed

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, failures[0]


def run(stdout, *, customers: int, entries: int) -> list[dict]:
    tenant = _bench_tenant(customers, entries, stdout)
    cookie = _session_cookie(tenant)
    port = _free_port()
    server = _server(port)
    results = []
    try:
        for target in _targets(tenant.slug):
            etag = _etag(port, target.path, cookie) if target.revalidate else None
            _load(port, target.path, cookie, WARMUP_SECONDS, etag)
            started = time.perf_counter()
            times, failures = _load(port, target.path, cookie, SECONDS, etag)
            elapsed = time.perf_counter() - started
            if not times:
                raise RuntimeError(f"load: {target.label}: no answer at all")
            rate = len(times) / elapsed
            p50, p95, p99 = (
                statistics.median(times),
                _percentile(times, 0.95),
                _percentile(times, 0.99),
            )
            met = rate >= target.requests_per_second and (target.p95_ms is None or p95 < target.p95_ms)
            wanted = f">= {target.requests_per_second:.0f}/s" + (
                f", p95 < {target.p95_ms:.0f} ms" if target.p95_ms else ""
            )
            stdout.write(
                f"{target.label}: {rate:.1f} requests/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, "
                f"{failures} failed ({CONNECTIONS} connections, {WORKERS} workers, {SECONDS} s; target {wanted}: "
                f"{'met' if met and not failures else 'MISSED'})  {target.path}"
            )
            results.append(
                {
                    "page": target.label,
                    "rps": round(rate, 1),
                    "p50": p50,
                    "p95": p95,
                    "p99": p99,
                    "failed": failures,
                }
            )
    finally:
        _stop(server)
    return results
