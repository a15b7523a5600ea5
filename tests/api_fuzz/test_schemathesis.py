"""Every operation of the tenant API's OpenAPI schema, fuzzed by schemathesis against the in-process WSGI
app, as a manager and as a viewer of a seeded tenant: no 5xx, and every answer matches the schema (status
code documented, body of the documented shape).

Bounded and repeatable for CI: a few examples per operation (`MAX_EXAMPLES`), derandomized, no shrinking,
no example database. Each request runs in a savepoint that is rolled back, so every example sees the same
data. All failures are collected and compared with `KNOWN_FAILURES`, so the test fails on a new one and on
a known one that stops happening (then delete it from the list)."""

import logging
import time
import traceback

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance
from werkzeug.test import Client

from aging.models import AgingSetup
from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact, CustomerGroup
from interactions.services import interaction_create, todo_create
from ledger.services import entries_apply
from tests import factories
from tests.factories import D

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = 12
# The schema documents each operation's success answers only; these errors any operation may answer, as
# docs/api.md says ("What each operation answers"). Any other undocumented status is a failure.
ERROR_STATUSES = {400, 401, 403, 404, 405}
CHECKS = [not_a_server_error, response_schema_conformance]

# ("METHOD /path", failure title) of every failure the fuzz finds today, as a manager and as a viewer. Each
# is a bug to fix in the application or its schema, after which its line here must go: the test fails
# while a listed one no longer happens.
KNOWN_FAILURES: set[tuple[str, str]] = set()


@pytest.fixture(autouse=True)
def quiet():
    """Most answers are 4xx (and a 5xx is collected with its traceback): Django need not log each one."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, called in-process on the test's connection (as Django's test client does:
    no closing of "old" connections at the end of each request, which would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(tenant_a, make_member):
    """Tenant A with one of most things, so that some generated ids and filters find a row."""
    tenant_initialise(tenant_a)
    admin = make_member(tenant_a, Role.ADMIN, username="alpha-admin")
    with tenant_context(tenant_a):
        AgingSetup.objects.get_or_create(tenant=tenant_a)
        branch = factories.branch(code="LON")
        group = CustomerGroup.objects.create(code="RETAIL", name="Retail")
        customer = factories.customer(code="C1", name="Crown Fabrics", branch=branch, group=group)
        Contact.objects.create(customer=customer, name="Pat", is_primary=True)
        invoice = factories.invoice(customer, "INV1", "2026-01-10", "100.00")
        payment = factories.payment(customer, "PAY1", "2026-01-20", "40.00")
        entries_apply(applying_entry_id=payment.pk, applied_entry_id=invoice.pk, posting_date=D("2026-01-20"))
        interaction_create(customer=customer, user=admin, description="Call", entry_ids=[invoice.pk])
        todo_create(customer=customer, description="Chase", due_date=D("2099-01-02"))
        recalculate_all(trigger="command")
    return tenant_a


def _fuzz(wsgi_app, tenant, user):
    token = Token.objects.create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=headers)
    signed_in = Client(wsgi_app).get(f"/api/t/{tenant.slug}/customers/", headers=headers)
    assert signed_in.status_code == 200, f"the token does not sign in: {signed_in.status_code}"
    tracebacks: list[str] = []

    def on_exception(sender, request=None, **kwargs):
        tracebacks.append(traceback.format_exc())

    found: dict[tuple[str, str], str] = {}  # ("METHOD /path", check title) -> a reproduction
    statuses: dict[str, set[int]] = {}  # "METHOD /path" -> the statuses it answered
    operations = examples = 0
    got_request_exception.connect(on_exception)
    try:
        for result in schema.get_all_operations():
            if not isinstance(result, Ok):
                found[("schema", "invalid operation")] = str(result.err())
                continue
            operation = result.ok()
            if not operation.path.startswith("/api/t/{tenant_slug}/"):
                continue  # the tenant API only (not e.g. a user's own tokens outside any tenant)
            label = f"{operation.method.upper()} {operation.path}"
            statuses[label] = set()
            operations += 1
            examples += _fuzz_operation(
                operation, label, tenant.slug, headers, statuses[label], found, tracebacks
            )
    finally:
        got_request_exception.disconnect(on_exception)
    return operations, examples, found, statuses


def _fuzz_operation(operation, label, slug, headers, answered, found, tracebacks) -> int:
    """Send `MAX_EXAMPLES` generated requests to one operation; add what it answered and what failed."""
    documented = {int(code) for code in operation.responses.status_codes if code.isdigit()}
    examples = 0

    def record(key, case, status, message):
        if key not in found:
            last_line = tracebacks[-1].strip().splitlines()[-1] if tracebacks else ""
            found[key] = f"{case.as_curl_command(headers=headers)}\n  -> {status}: {message}\n  {last_line}"

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters={"tenant_slug": slug}))
    def run(case):
        nonlocal examples
        examples += 1
        del tracebacks[:]
        with transaction.atomic():  # a savepoint, rolled back: the next example sees the same data
            response = case.call(headers=headers)
            status = response.status_code
            answered.add(status)
            if status < 500 and status not in documented | ERROR_STATUSES:
                record((label, f"Undocumented status {status}"), case, status, response.text[:300])
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    record((label, failure.title), case, status, failure.message[:500])
            transaction.set_rollback(True)

    try:
        run()
    except Exception as exc:  # generation failed, or the call raised: still a finding
        found.setdefault((label, f"error: {type(exc).__name__}"), f"{exc}"[:1000])
    return examples


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
def test_every_operation_answers_without_5xx_and_as_the_schema_says(
    role, seeded, make_member, wsgi_app, capsys
):
    started = time.monotonic()
    operations, examples, found, statuses = _fuzz(wsgi_app, seeded, make_member(seeded, role))
    failures = set(found)
    known = KNOWN_FAILURES
    with capsys.disabled():
        print(
            f"\nschemathesis fuzz as {role}: {operations} operations, {examples} examples, "
            f"{len(failures)} failures ({len(failures & known)} known), {time.monotonic() - started:.1f}s"
        )
        for label, answered in sorted(statuses.items()):
            print(f"  {label} answered {' '.join(map(str, sorted(answered)))}")
        for (label, title), repro in sorted(found.items()):
            print(f"  [{'known' if (label, title) in known else 'NEW'}] {label}: {title}\n    {repro}")

    assert failures - known == set(), "new failures (see the list printed above)"
    assert known - failures == set(), "known failures that no longer happen: delete them from KNOWN_FAILURES"
