"""docker-compose.yml and the Dockerfile, checked as far as can be without a Docker engine.

What is checked: the YAML parses; every service's command names a program and a module of this
project that exist; the settings module exists and loads from the compose environment alone; the
variables the app needs are set for every app service and point at the compose services; the
Dockerfile builds from python:3.11-slim, installs the project and collects static files with the
production storage (which is run here for real).
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import get_commands

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APP_SERVICES = ["migrate", "web", "worker", "beat"]
LONG_RUNNING = ["web", "worker", "beat"]
REQUIRED_ENV = [
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
]
# What an operator passes on the command line; everything else takes the file's defaults.
OPERATOR_ENV = {"DJANGO_SECRET_KEY": "a-long-random-production-secret-for-the-test"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (BASE_DIR / "Dockerfile").read_text()


def interpolate(value: str, env: dict) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (the forms this file uses)."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":-":
            return arg
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value)


def service_env(compose: dict, name: str, env: dict | None = None) -> dict:
    environment = compose["services"][name].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env = OPERATOR_ENV if env is None else env
    return {key: interpolate(str(value), env) for key, value in environment.items()}


def command(compose: dict, name: str) -> list[str]:
    value = compose["services"][name]["command"]
    words = value.split() if isinstance(value, str) else [str(word) for word in value]
    return [interpolate(word, OPERATOR_ENV) for word in words]


def test_the_stack_has_every_service(compose):
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name in APP_SERVICES:
        assert compose["services"][name]["build"] == "."
    assert (BASE_DIR / "Dockerfile").is_file()
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    assert compose["services"]["redis"]["image"].startswith("redis:")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_gets_its_settings_from_the_environment(compose, name):
    env = service_env(compose, name)

    for variable in REQUIRED_ENV:
        assert env.get(variable), f"{name} has no {variable}"
    assert env["DJANGO_SETTINGS_MODULE"] == "creditcontrol.settings.production"
    assert importlib.util.find_spec(env["DJANGO_SETTINGS_MODULE"]) is not None
    assert urlsplit(env["DATABASE_URL"]).hostname == "postgres"
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"
    assert env["DJANGO_SECRET_KEY"] == OPERATOR_ENV["DJANGO_SECRET_KEY"]


def test_the_secret_key_must_be_given_by_the_operator(compose):
    with pytest.raises(KeyError, match="DJANGO_SECRET_KEY"):
        service_env(compose, "web", env={})


def test_the_database_url_matches_the_postgres_service(compose):
    database = urlsplit(service_env(compose, "web")["DATABASE_URL"])
    postgres = service_env(compose, "postgres")

    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path == "/" + postgres["POSTGRES_DB"]
    assert (database.port or 5432) == 5432


def test_the_web_service_runs_gunicorn_on_the_projects_wsgi_application(compose):
    words = command(compose, "web")

    assert words[0] == "gunicorn"
    assert (Path(sys.executable).parent / "gunicorn").is_file(), "gunicorn is not installed"
    module, _, attribute = words[1].partition(":")
    assert module == "creditcontrol.wsgi"
    assert importlib.util.find_spec(module) is not None
    assert "application =" in (BASE_DIR / "creditcontrol" / "wsgi.py").read_text()
    assert attribute in ("", "application")
    assert "--bind=0.0.0.0:8000" in words
    published = [str(port) for port in compose["services"]["web"]["ports"]]
    assert any(port.endswith(":8000") for port in published)


@pytest.mark.parametrize("name, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_the_worker_and_beat_run_the_projects_celery_app(compose, name, subcommand):
    words = command(compose, name)

    assert words[:4] == ["celery", "-A", "creditcontrol", subcommand]
    assert (Path(sys.executable).parent / "celery").is_file(), "celery is not installed"
    from creditcontrol.celery import app

    assert app.main == "creditcontrol"
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "creditcontrol", subcommand, "--help"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    options = {word.split("=")[0] for word in words[4:] if word.startswith("-")}
    for option in options:
        assert option in result.stdout, f"celery {subcommand} has no option {option}"


def test_migrations_run_once_before_the_app_starts(compose):
    assert command(compose, "migrate") == ["python", "manage.py", "migrate", "--no-input"]
    assert (BASE_DIR / "manage.py").is_file()
    assert "migrate" in get_commands()
    assert compose["services"]["migrate"]["restart"] == "no"
    assert compose["services"]["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in LONG_RUNNING:
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_the_data_lives_in_named_volumes(compose):
    assert set(compose["volumes"]) >= {"postgres", "redis", "media"}
    assert "postgres:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert "redis:/data" in compose["services"]["redis"]["volumes"]
    for name in ("web", "worker"):
        assert "media:/app/var/media" in compose["services"][name]["volumes"]


def test_production_settings_load_from_the_compose_environment_alone(compose):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "LOG_", "LOGIN_"))
    }
    env.update(service_env(compose, "web"))
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'db': [s.DATABASES['default'][k] for k in "
        "('HOST', 'NAME', 'USER', 'OWNER_USER')], 'cache': s.CACHES['default']['LOCATION'], 'broker': s.CELERY_BROKER_URL, "
        "'hosts': s.ALLOWED_HOSTS, 'secret': s.SECRET_KEY, 'log': s.LOGGING['handlers']['stderr']['formatter']}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "debug": False,
        "db": ["postgres", "creditcontrol", "creditcontrol_app", "creditcontrol"],
        "cache": "redis://redis:6379/0",
        "broker": "redis://redis:6379/0",
        "hosts": ["localhost", "127.0.0.1"],
        "secret": OPERATOR_ENV["DJANGO_SECRET_KEY"],
        "log": "json",
    }


def test_the_dockerfile_installs_the_project_and_collects_static_files_with_production_settings(dockerfile):
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b"):
        assert package in dockerfile
    assert re.search(r"^RUN pip install (\.|/app)\s*$", dockerfile, re.M)
    collect = re.search(r"^RUN (.*?collectstatic.*?)$", dockerfile, re.M | re.S).group(1)
    assert "DJANGO_SECRET_KEY=" in collect
    assert "DJANGO_ALLOWED_HOSTS=" in collect
    assert "DJANGO_SETTINGS_MODULE=creditcontrol.settings.production" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "the app should not run as root"
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)


def test_collectstatic_succeeds_with_the_production_settings_of_the_image_build(tmp_path):
    """The image's build step, run for real (into a temporary directory instead of var/static).

    The manifest storage of production fails when a stylesheet points at a file that is not there.
    Whitenoise's compression (a minute of CPU, and no way to fail) is left out.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="creditcontrol.settings.production",
        DJANGO_SECRET_KEY="collectstatic-only",
        DJANGO_ALLOWED_HOSTS="localhost",
    )
    script = (
        "import sys, django; django.setup(); from django.conf import settings; "
        "settings.STATIC_ROOT = sys.argv[1]; "
        "assert settings.STORAGES['staticfiles']['BACKEND'] == "
        "'whitenoise.storage.CompressedManifestStaticFilesStorage'; "
        "settings.STORAGES = {**settings.STORAGES, 'staticfiles': "
        "{'BACKEND': 'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}}; "
        "from django.core.management import call_command; "
        "call_command('collectstatic', interactive=False, verbosity=0)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    assert "css/app.css" in manifest["paths"]
    assert any(path.startswith("drf_spectacular_sidecar/swagger-ui-dist/") for path in manifest["paths"])
