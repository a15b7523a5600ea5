"""Bad input never gets a 500, on any write route: every POST/PUT/PATCH of the tenant API and every tenant
page that takes a POST, found by walking the URLconf, is sent junk as a tenant admin — wrong types, nulls,
numbers too big for anything, impossible dates, very long strings, NUL characters, bodies that are not
JSON, another tenant's ids — whole bodies of it, and one field at a time in an otherwise good body (so the
junk gets past the first check). Each request runs in a savepoint that is rolled back, so each sees the
same data. All failures are collected, so one run lists every route and body that still answers 5xx.

`BASES` holds a good body for each route: a new write route fails `test_every_write_route_has_a_good_body`
until one is added (as tests/isolation.py does for the second-tenant check)."""

import datetime
import io
import json
import logging
import re
import traceback
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from aging.models import AgingSetup
from aging.services import recalculate_all
from chasing.models import ChasingLevel, ChasingPolicy, ChasingRun, Reminder, ReminderLine
from creditcontrol.models import Membership, Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact, CustomerGroup, PaymentTerms
from customers.services import credit_limit_change
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create, status_code_create, todo_create
from ledger.services import entries_apply
from messaging import webhooks
from messaging.models import Message, MessageTemplate
from messaging.services import event_secret_rotate
from tests import factories
from tests.factories import D
from tests.isolation import tenant_routes

WRITE_METHODS = ("post", "put", "patch")

# Raw JSON number literals that json.dumps cannot write (they parse to inf): put in by text substitution.
RAW = {"__RAW_1E400__": "1e400", "__RAW_MINUS_1E400__": "-1e400"}

# Values of the wrong type or out of any range, for any JSON field.
JUNK = [
    None,
    True,
    -1,
    1.5,
    10**30,
    "__RAW_1E400__",
    "",
    "abc",
    "NaN",
    str(10**30),
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "2026-01-01T25:61",
    "x" * 5000,
    "a\x00b",
    [],
    [1, "a", None],
    {},
    {"a": {"b": [1, {"c": None}]}},
]

# What each field of an otherwise good body is sent in turn: a value of each wrong type, and the edges of
# what a right type may hold (the whole list above goes to every field at once).
FIELD_JUNK = [
    None,
    "",
    "abc",
    -1,
    10**30,
    "9999-12-31",
    "0001-01-01",
    "x" * 5000,
    "a\x00b",
    {"a": {"b": [1]}},
]
# ... and inside a list, for the fields that take one.
ITEM_JUNK = [None, "abc", 10**30, "a\x00b", {"a": 1}]
# ... and as the whole body.
BODY_JUNK = [None, True, 0, 10**30, "__RAW_1E400__", "abc", "x" * 5000, [], [1, "a", None], {}]

# The same for a form (everything is a string there), and lists for fields that take several values.
FORM_JUNK = [
    "",
    "abc",
    "-1",
    "1.5",
    "1e400",
    str(10**30),
    "NaN",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "2026-01-01T25:61",
    "x" * 5000,
    "a\x00b",
    ["1", "abc", ""],
]
FORM_FIELD_JUNK = ["", "abc", "-1", str(10**30), "9999-12-31", "0001-01-01", "x" * 5000, "a\x00b", ["1", "x"]]

# The fields that hold ids: each is also sent another tenant's ids.
ID_FIELDS = {
    "applied_entry",
    "applying_entry",
    "assigned_to",
    "branch",
    "contact",
    "controller",
    "customer",
    "customer_ids",
    "customers",
    "entries",
    "entry",
    "group",
    "linked_customers",
    "parent",
    "payment_terms",
    "policy",
    "query_resolution_by",
    "reminders",
    "status_code",
}

# Whole bodies that are not what the API reads.
RAW_BODIES = [
    ("application/json", "not json{"),
    ("application/json", ""),
    ("application/json", "[" * 100_000 + "]" * 100_000),
    ("application/json", '{"a": NaN, "b": Infinity}'),
    ("application/json", "1e400"),
    ("application/json", b"\xff\xfe\xfa"),
    ("application/x-www-form-urlencoded", "a=1&b=%ZZ&c"),
    ("multipart/form-data; boundary=x", "--x\r\nnot a part\r\n--x--"),
    ("text/csv", "a,b\n1,2"),
    ("application/xml", "<a/>"),
]
PAGE_RAW_BODIES = [
    ("application/json", '{"a": 1}'),
    ("application/json", "[" * 100_000 + "]" * 100_000),
    ("application/x-www-form-urlencoded", "a=1&b=%ZZ&c&" + "d=1&" * 2000),
    ("multipart/form-data; boundary=x", "--x\r\nnot a part\r\n--x--"),
    ("multipart/form-data", "no boundary"),
    ("text/plain", "\x00"),
]


# --- the routes -------------------------------------------------------------------------------


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def write_routes() -> list[tuple[str, str]]:
    """(url name, method) of every tenant route that writes: DRF viewset actions, API views and pages."""
    paths = tenant_routes()
    found = set()
    for pattern in _walk(get_resolver().url_patterns):
        if pattern.name not in paths:
            continue
        callback = pattern.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        allowed = getattr(view_class, "http_method_names", WRITE_METHODS)
        actions = getattr(callback, "actions", None)
        if actions is not None:
            methods = [m for m in actions if m in WRITE_METHODS and m in allowed]
        else:
            methods = [m for m in WRITE_METHODS if m in allowed and hasattr(view_class, m)]
        found.update((pattern.name, method) for method in methods)
    return sorted(found)


# --- the data ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def quiet():
    """Thousands of 4xx (and the known 5xx) are expected here: Django need not log each one."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def world(tenant_a, tenant_b, make_member):
    """Tenant A with one of everything (its admin signed in), tenant B with rows whose ids A must not reach."""
    tenant_initialise(tenant_a)
    admin = make_member(tenant_a, Role.ADMIN, username="alpha-admin")
    controller = make_member(tenant_a, Role.CONTROLLER, username="alpha-controller")
    with tenant_context(tenant_a):
        AgingSetup.objects.get_or_create(tenant=tenant_a)
        branch = factories.branch(code="LON")
        group = CustomerGroup.objects.create(code="RETAIL", name="Retail")
        customer = factories.customer(code="C1", name="Crown Fabrics", branch=branch, group=group)
        other = factories.customer(code="C2", name="Harbour Foods", currency_code="USD")
        contact = Contact.objects.create(
            customer=customer, name="Pat", email="pat@crown.example", is_primary=True
        )
        invoice = factories.invoice(customer, "INV1", "2026-01-10", "100.00")
        invoice2 = factories.invoice(customer, "INV2", "2026-01-15", "50.00")
        payment = factories.payment(customer, "PAY1", "2026-01-20", "40.00")
        credit = factories.credit_memo(customer, "CM1", "2026-01-21", "5.00")
        application = entries_apply(
            applying_entry_id=payment.pk, applied_entry_id=invoice.pk, posting_date=D("2026-01-20")
        )
        change = credit_limit_change(customer=customer, new_limit_lcy=Decimal("1000"), note="review")
        promised = StatusCode.objects.get(code="PROMISED")  # the defaults tenant_initialise seeds
        queried = StatusCode.objects.get(code="QUERIED")
        interaction = interaction_create(
            customer=customer, user=admin, description="Call", entry_ids=[invoice.pk, invoice2.pk]
        )
        promise = entries_update(
            interaction=interaction,
            user=admin,
            status_code=promised,
            entry_ids=[invoice.pk],
            promised_full_amount=True,
            promised_payment_date=D("2099-01-01"),
        )["promise"]
        todo = todo_create(customer=customer, description="Chase", due_date=D("2099-01-02"))
        run = recalculate_all(trigger="command")
        # setup rows nothing uses, for the routes that delete one
        spare_branch = factories.branch(code="SPR", name="Spare")
        spare_terms = PaymentTerms.objects.create(code="7D", days=7)
        spare_code = status_code_create(code="SPARE", description="Spare")
        message = Message.objects.create(
            customer=customer,
            channel="email",
            purpose="statement",
            recipient="pat@crown.example",
            subject="Statement",
            body="Dear Pat",
            internet_message_id="<bad-input@example.com>",
        )
        Message.objects.create(  # a letter waiting for the print run
            customer=customer,
            channel="letter",
            purpose="free",
            recipient="Crown Fabrics Ltd",
            body="Dear Sirs",
            status="queued",
            internet_message_id="<bad-input-letter@example.com>",
        )
        message_template = MessageTemplate.objects.get(purpose="free", channel="email", language="en")
        signing_secret = event_secret_rotate().secret
        chasing_policy = ChasingPolicy.objects.get(
            is_default=True
        )  # the Standard policy tenant_initialise seeds
        chasing_run, chasing_reminder = _open_run(customer, chasing_policy, invoice2)
        a = SimpleNamespace(
            signing_secret=signing_secret,
            chasing_policy=chasing_policy,
            chasing_run=chasing_run,
            chasing_reminder=chasing_reminder,
            policy=chasing_policy,
            level=chasing_policy.levels.get(number=3),
            reminder=chasing_reminder,
            spare_branch=spare_branch,
            spare_terms=spare_terms,
            spare_code=spare_code,
            admin=admin,
            controller=controller,
            branch=branch,
            group=group,
            terms=customer.payment_terms,
            customer=customer,
            other=other,
            contact=contact,
            invoice=invoice,
            invoice2=invoice2,
            payment=payment,
            credit=credit,
            application=application,
            change=change,
            promised=promised,
            queried=queried,
            interaction=interaction,
            promise=promise,
            todo=todo,
            run=run,
            message=message,
            message_template=message_template,
            membership=Membership.objects.get(tenant=tenant_a, user=controller),
        )
    b_admin = make_member(tenant_b, Role.ADMIN, username="beta-admin")
    with tenant_context(tenant_b):
        b_branch = factories.branch(code="BER")
        b_group = CustomerGroup.objects.create(code="B-GRP", name="Beta group")
        b_customer = factories.customer(code="B1", name="Beta Kunde", branch=b_branch, group=b_group)
        b_invoice = factories.invoice(b_customer, "B-INV", "2026-01-10", "100.00")
        b_payment = factories.payment(b_customer, "B-PAY", "2026-01-20", "10.00")
        b_application = entries_apply(
            applying_entry_id=b_payment.pk, applied_entry_id=b_invoice.pk, posting_date=D("2026-01-20")
        )
        b_code = status_code_create(code="B-SC", description="Beta", promised=True)
        b_contact = Contact.objects.create(customer=b_customer, name="Beta contact")
        b_interaction = interaction_create(customer=b_customer, description="Anruf")
        b_todo = todo_create(customer=b_customer, description="Beta", due_date=D("2099-01-02"))
        b_message = Message.objects.create(
            customer=b_customer,
            channel="email",
            purpose="free",
            recipient="b@beta.example",
            body="Hallo",
            internet_message_id="<bad-input-beta@example.com>",
        )
        b_template = MessageTemplate.objects.create(
            purpose="free", channel="email", language="de", body="Hallo"
        )
        b_policy = ChasingPolicy.objects.create(name="Beta")
        b_run, b_reminder = _open_run(b_customer, b_policy, b_invoice)
        b = SimpleNamespace(
            chasing_policy=b_policy,
            chasing_run=b_run,
            chasing_reminder=b_reminder,
            policy=b_policy,
            level=ChasingLevel.objects.create(
                policy=b_policy, number=1, name="Beta", days=3, template_name="Beta"
            ),
            reminder=b_reminder,
            spare_branch=b_branch,
            spare_terms=b_customer.payment_terms,
            spare_code=b_code,
            admin=b_admin,
            branch=b_branch,
            group=b_group,
            terms=b_customer.payment_terms,
            customer=b_customer,
            contact=b_contact,
            invoice=b_invoice,
            payment=b_payment,
            application=b_application,
            promised=b_code,
            interaction=b_interaction,
            todo=b_todo,
            message=b_message,
            message_template=b_template,
            membership=Membership.objects.get(tenant=tenant_b, user=b_admin),
        )
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return SimpleNamespace(a=a, b=b, tenant=tenant_a, client=client)


def _open_run(customer, policy, entry):
    """A run under review with the customer's reminder proposed (what release, drop, close and edit need)."""
    run = ChasingRun.objects.create(as_of=D("2026-02-15"), status="proposed", customers=1, proposed=1)
    reminder = Reminder.objects.create(
        run=run, customer=customer, currency_code="GBP", policy=policy, level=1, channel="email"
    )
    ReminderLine.objects.create(
        reminder=reminder, entry=entry, level=1, days_overdue=6, remaining=Decimal("50")
    )
    return run, reminder


def foreign_ids(world) -> list[int]:
    b = world.b
    return sorted({o.pk for o in (b.customer, b.invoice, b.group, b.branch, b.promised, b.contact, b.admin)})


# --- a good body for each route -----------------------------------------------------------------

# (url name, method) -> (the object whose id fills the path, or None; body builder; "json" or "form")
# `kind` in a path is filled from the route's `kinds`.


def _customer_body(a):
    return {
        "code": "NEW1",
        "name": "New customer",
        "customer_type": "Retail",
        "group": a.group.pk,
        "branch": a.branch.pk,
        "currency_code": "USD",
        "payment_terms": a.terms.pk,
        "blocked": False,
        "hold_all": False,
        "controller": a.controller.pk,
        "email": "ap@example.com",
        "phone": "0100",
        "address": "1 High Street",
        "country": "GB",
        "tags": ["key"],
        "custom_fields": {"region": "north"},
        "linked_customers": [a.other.pk],
    }


def _contact_body(a):
    return {
        "customer": a.customer.pk,
        "name": "Sam",
        "position": "AP",
        "email": "sam@example.com",
        "phone": "0101",
        "is_primary": True,
        "is_credit_control_contact": True,
        "is_inactive": False,
    }


def _contact_form(a):
    return {
        "name": "Sam",
        "position": "AP",
        "email": "sam@example.com",
        "phone": "0101",
        "is_primary": "on",
        "is_credit_control_contact": "on",
        "is_inactive": "",
    }


def _entry_body(a):
    return {
        "external_id": "EXT-9",
        "customer": a.customer.pk,
        "document_type": "invoice",
        "document_no": "INV9",
        "posting_date": "2026-02-01",
        "document_date": "2026-02-01",
        "due_date": "2026-03-01",
        "description": "Goods",
        "currency_code": "GBP",
        "amount": "10.00",
        "amount_lcy": "10.00",
        "branch": a.branch.pk,
        "on_hold": False,
    }


def _payment_body(a):
    return {
        "customer": a.customer.pk,
        "amount": "10.00",
        "posting_date": "2026-02-01",
        "document_no": "BANK-1",
        "amount_lcy": "10.00",
        "currency_code": "GBP",
        "description": "Payment",
        "external_id": "BANK-EXT-1",
    }


def _interaction_body(a):
    return {
        "customer": a.customer.pk,
        "interaction_type": "phone_call",
        "occurred_at": "2026-02-01T10:00:00Z",
        "description": "Called",
        "contact": a.contact.pk,
        "notes": "Notes",
        "next_interaction_date": "2099-02-01",
        "entries": [a.invoice2.pk],
    }


def _update_entries_body(a):
    return {
        "status_code": a.promised.pk,
        "entries": [a.invoice2.pk],
        "promised_full_amount": False,
        "promised_amount": "20.00",
        "promised_payment_date": "2099-03-01",
        "query_resolution_target_date": "2099-03-01",
        "query_resolution_by": a.controller.pk,
    }


def _aging_setup_form(a):
    data = {
        "basis": "due_date",
        "use_work_date": "",
        "dso_period_days": "90",
        "nightly_recalculation_time": "02:00",
        "bands-TOTAL_FORMS": "10",
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "10",
        "bands-MAX_NUM_FORMS": "10",
    }
    for i, (label, start, end) in enumerate([("Not due", "", "0"), ("1-30", "1", "30"), ("31+", "31", "")]):
        data.update({f"bands-{i}-label": label, f"bands-{i}-from_days": start, f"bands-{i}-to_days": end})
    return data


IMPORT_ROWS = {
    "customers": lambda a: [
        {"code": "IMP1", "name": "Imported", "group": "RETAIL", "branch": "LON", "credit_limit": "100.00"}
    ],
    "entries": lambda a: [
        {
            "external_id": "IMP-E1",
            "customer": "C1",
            "document_type": "invoice",
            "document_no": "IMP-INV",
            "posting_date": "2026-02-01",
            "amount": "10.00",
            "due_date": "2026-03-01",
        }
    ],
    "applications": lambda a: [
        {
            "external_id": "IMP-A1",
            "applying_entry": a.credit.external_id,
            "applied_entry": a.invoice2.external_id,
            "amount": "1.00",
            "posting_date": "2026-02-01",
        }
    ],
}

BASES = {
    # customers API
    ("customer-list", "post"): (None, _customer_body, "json"),
    ("customer-detail", "patch"): ("customer", lambda a: {**_customer_body(a), "code": "C1"}, "json"),
    ("contact-list", "post"): (None, _contact_body, "json"),
    ("contact-detail", "patch"): ("contact", _contact_body, "json"),
    (
        "credit-limit-change-list",
        "post",
    ): (
        None,
        lambda a: {
            "customer": a.customer.pk,
            "new_limit_lcy": "500.00",
            "checked_on": "2026-02-01",
            "note": "n",
        },
        "json",
    ),
    ("branch-list", "post"): (None, lambda a: {"code": "PAR", "name": "Paris"}, "json"),
    ("branch-detail", "patch"): ("branch", lambda a: {"code": "LON", "name": "London"}, "json"),
    (
        "customer-group-list",
        "post",
    ): (None, lambda a: {"code": "TRADE", "name": "Trade", "parent": a.group.pk}, "json"),
    (
        "customer-group-detail",
        "patch",
    ): ("group", lambda a: {"code": "RETAIL", "name": "Retail", "parent": None}, "json"),
    (
        "payment-terms-list",
        "post",
    ): (None, lambda a: {"code": "60D", "description": "60", "rule": "eom", "days": 60}, "json"),
    (
        "payment-terms-detail",
        "patch",
    ): ("terms", lambda a: {"code": "30D", "description": "30", "rule": "net", "days": 30}, "json"),
    # ledger API
    ("entry-list", "post"): (None, _entry_body, "json"),
    ("entry-record-payment", "post"): (None, _payment_body, "json"),
    (
        "application-list",
        "post",
    ): (
        None,
        lambda a: {
            "applying_entry": a.credit.pk,
            "applied_entry": a.invoice2.pk,
            "amount": "1.00",
            "posting_date": "2026-02-01",
            "external_id": "APP-9",
        },
        "json",
    ),
    ("application-undo", "post"): ("application", lambda a: {"undone_on": "2026-02-01"}, "json"),
    ("ledger-import-api", "post"): (None, None, "json"),  # per kind: IMPORT_ROWS
    # aging API
    ("recalculation-list", "post"): (
        None,
        lambda a: {"kind": "entries", "customer_ids": [a.customer.pk]},
        "json",
    ),
    ("work-date-api", "put"): (None, lambda a: {"work_date": "2026-02-01"}, "json"),
    ("aging-setup-api", "put"): (
        None,
        lambda a: {
            "basis": "due_date",
            "use_work_date": False,
            "dso_period_days": 90,
            "nightly_recalculation_time": "02:00",
            "bands": [
                {"label": "Not due", "from_days": None, "to_days": 0},
                {"label": "1-30", "from_days": 1, "to_days": 30},
                {"label": "31+", "from_days": 31, "to_days": None},
            ],
        },
        "json",
    ),
    # interactions API
    (
        "status-code-list",
        "post",
    ): (
        None,
        lambda a: {
            "code": "PAID",
            "description": "Paid",
            "promised": False,
            "queried": False,
            "query_resolution_by_me": False,
            "exclude_from_chasing": True,
        },
        "json",
    ),
    ("status-code-detail", "patch"): ("promised", lambda a: {"code": "PROMISED", "description": "P"}, "json"),
    ("interaction-list", "post"): (None, _interaction_body, "json"),
    (
        "interaction-detail",
        "patch",
    ): ("interaction", lambda a: {**_interaction_body(a), "customer": None}, "json"),
    (
        "interaction-select-lines",
        "post",
    ): ("interaction", lambda a: {"entries": [a.invoice2.pk], "selected": True}, "json"),
    ("interaction-update-entries", "post"): ("interaction", _update_entries_body, "json"),
    (
        "todo-list",
        "post",
    ): (
        None,
        lambda a: {
            "customer": a.customer.pk,
            "kind": "manual",
            "description": "Call back",
            "notes": "n",
            "due_date": "2099-02-01",
            "assigned_to": a.controller.pk,
            "entries": [a.invoice2.pk],
        },
        "json",
    ),
    ("todo-close", "post"): ("todo", lambda a: {"reason": "Done"}, "json"),
    # pages
    (
        "credit-list-columns",
        "post",
    ): (None, lambda a: {"columns": ["code", "name"], "order_code": "1", "query": "sort=name"}, "form"),
    (
        "credit-list-views",
        "post",
    ): (
        None,
        lambda a: {"action": "save", "name": "Overdue first", "query": "sort=-overdue", "default": "1"},
        "form",
    ),
    (
        "credit-list-recalculate",
        "post",
    ): (
        None,
        lambda a: {
            "scope": "selected",
            "customers": [str(a.customer.pk)],
            "next": "balance-due",
            "query": "",
        },
        "form",
    ),
    (
        "record-payment",
        "post",
    ): (
        "customer",
        lambda a: {"amount": "10.00", "amount_lcy": "", "posting_date": "2026-02-01", "document_no": "B1"},
        "form",
    ),
    ("aging-setup", "post"): (None, _aging_setup_form, "form"),
    ("work-date", "post"): (None, lambda a: {"work_date": "2026-02-01"}, "form"),
    ("branch-context", "post"): (None, lambda a: {"branch": ""}, "form"),
    (
        "aging-recalculation-start",
        "post",
    ): (None, lambda a: {"kind": "entries", "customer": [str(a.customer.pk)]}, "form"),
    (
        "customer-card",
        "post",
    ): ("customer", lambda a: {"no_limit": "", "new_limit_lcy": "750.00", "note": "Reviewed"}, "form"),
    (
        "interaction-create",
        "post",
    ): (
        None,
        lambda a: {
            "customer": str(a.customer.pk),
            "entries": [str(a.invoice2.pk)],
            "interaction_type": "phone_call",
            "occurred_at": "2026-02-01T10:00",
            "description": "Called",
            "contact": str(a.contact.pk),
            "notes": "n",
            "next_interaction_date": "2099-02-01",
        },
        "form",
    ),
    (
        "interaction",
        "post",
    ): ("interaction", lambda a: {"notes": "Notes", "next_interaction_date": "2099-02-01"}, "form"),
    (
        "interaction-lines",
        "post",
    ): ("interaction", lambda a: {"entry": [str(a.invoice2.pk)], "selected": "on"}, "form"),
    (
        "interaction-entries-update",
        "post",
    ): (
        "interaction",
        lambda a: {
            k: (
                "on"
                if v is True
                else ""
                if v is False
                else [str(i) for i in v]
                if isinstance(v, list)
                else str(v)
            )
            for k, v in _update_entries_body(a).items()
        },
        "form",
    ),
    (
        "todo-new",
        "post",
    ): (
        None,
        lambda a: {
            "customer": str(a.customer.pk),
            "kind": "manual",
            "description": "Chase",
            "due_date": "2099-02-01",
            "assigned_to": str(a.controller.pk),
            "notes": "",
        },
        "form",
    ),
    ("todo-done", "post"): (
        "todo",
        lambda a: {"reason": "Done", "next": "/t/alpha/interactions/todos/"},
        "form",
    ),
    (
        "status-codes",
        "post",
    ): (
        None,
        lambda a: {"new-code": "PAID", "new-description": "Paid", "new-promised": "", "new-queried": "on"},
        "form",
    ),
    ("status-code-edit", "post"): (
        "promised",
        lambda a: {
            f"row{a.promised.pk}-code": "PROMISED",
            f"row{a.promised.pk}-description": "Promised to pay",
            f"row{a.promised.pk}-promised": "on",
        },
        "form",
    ),
    ("status-code-active", "post"): ("promised", lambda a: {"active": "0"}, "form"),
    ("status-code-delete", "post"): ("spare_code", lambda a: {}, "form"),
    ("ledger-import", "post"): (None, lambda a: {"kind": "customers"}, "form"),  # and a file: _files
    # setup pages
    # contacts on the customer card
    ("customer-contact-new", "post"): ("customer", lambda a: _contact_form(a), "form"),
    ("contact-edit", "post"): ("contact", lambda a: _contact_form(a), "form"),
    ("setup-branches", "post"): (None, lambda a: {"new-code": "PAR", "new-name": "Paris"}, "form"),
    ("setup-branch", "post"): (
        "branch",
        lambda a: {f"row{a.branch.pk}-code": "LON", f"row{a.branch.pk}-name": "London"},
        "form",
    ),
    (
        "setup-payment-terms",
        "post",
    ): (
        None,
        lambda a: {"new-code": "60D", "new-description": "60", "new-rule": "eom", "new-days": "60"},
        "form",
    ),
    ("setup-branch-active", "post"): ("branch", lambda a: {"active": "0"}, "form"),
    ("setup-branch-delete", "post"): ("spare_branch", lambda a: {}, "form"),
    ("setup-payment-terms-active", "post"): ("terms", lambda a: {"active": "0"}, "form"),
    ("setup-payment-terms-delete", "post"): ("spare_terms", lambda a: {}, "form"),
    ("setup-payment-terms-edit", "post"): (
        "terms",
        lambda a: {
            f"row{a.terms.pk}-code": "30D",
            f"row{a.terms.pk}-description": "30 days",
            f"row{a.terms.pk}-rule": "net",
            f"row{a.terms.pk}-days": "30",
        },
        "form",
    ),
    # messaging: a statement sent or queued, the outbox, a message, templates, the letterhead
    ("customer-statement", "post"): (
        "customer",
        lambda a: {
            "kind": "open_item",
            "as_of": "2026-03-31",
            "channel": "email",
            "action": "queue",
            "subject": "S",
            "body": "B",
        },
        "form",
    ),
    ("message-api-release", "post"): ("message", lambda a: {}, "json"),
    ("message-api-discard", "post"): ("message", lambda a: {}, "json"),
    ("message-batch-api-list", "post"): (
        None,
        lambda a: {"customers": [a.customer.pk], "purpose": "free", "body": "Hello", "send": "queue"},
        "json",
    ),
    ("print-run-api-list", "post"): (None, lambda a: {}, "json"),
    ("print-runs", "post"): (None, lambda a: {}, "form"),
    ("message-events-api", "post"): (
        None,
        lambda a: {"message_id": "<bad-input@example.com>", "event": "delivered"},
        "json",
    ),
    # signed by the provider with the tenant's secret (each request is signed: `_signature`)
    ("message-events-signed-api", "post"): (
        None,
        lambda a: [{"message_id": "<bad-input@example.com>", "event": "delivered", "reason": "ok"}],
        "json",
    ),
    ("signing-secret", "post"): (None, lambda a: {}, "form"),
    ("entry-document-api", "put"): (
        "invoice",
        lambda a: {"file": SimpleUploadedFile("INV1.pdf", b"%PDF-1.7 good", content_type="application/pdf")},
        "multipart",
    ),
    ("document-import-api", "post"): (
        None,
        lambda a: {"file": SimpleUploadedFile("documents.zip", _pdf_zip(), content_type="application/zip")},
        "multipart",
    ),
    ("document-import", "post"): (
        None,
        lambda a: {"file": SimpleUploadedFile("documents.zip", _pdf_zip(), content_type="application/zip")},
        "form",
    ),
    ("customers-contact", "post"): (None, lambda a: {"customers": [a.customer.pk]}, "form"),
    # the ledger's feed and chasing
    ("ledger-feed-api", "post"): (None, lambda a: {"branch": "LON"}, "json"),
    ("chasing-policy-list", "post"): (
        None,
        lambda a: {
            "name": "Strict",
            "is_default": False,
            "minimum_overdue_lcy": "10.00",
            "contact_gap_days": 5,
            "repeat_last_times": 1,
            "repeat_after_days": 10,
            "attach_statement": False,
            "is_active": True,
        },
        "json",
    ),
    ("chasing-policy-detail", "patch"): (
        "chasing_policy",
        lambda a: {"name": "Standard", "minimum_overdue_lcy": "25.00", "contact_gap_days": 5},
        "json",
    ),
    ("chasing-policy-levels", "post"): (
        "chasing_policy",
        lambda a: {
            "name": "Last call",
            "days": 60,
            "channel": "letter",
            "template_name": "Final notice",
            "todo_description": "Call",
            "hold_documents": True,
            "fee_lcy": "15.00",
            "sends_automatically": False,
        },
        "json",
    ),
    ("chasing-policy-level", "patch"): ("chasing_policy", lambda a: {"name": "Friendly", "days": 5}, "json"),
    ("chasing-setup-api", "put"): (
        None,
        lambda a: {"scheduled": True, "weekdays": [1, 2, 3, 4, 5], "run_at": "07:00", "freshness_days": 3},
        "json",
    ),
    ("chasing-run-list", "post"): (
        None,
        lambda a: {"as_of": "2026-02-01", "customers": [a.customer.pk]},
        "json",
    ),
    ("chasing-run-release", "post"): (
        "chasing_run",
        lambda a: {"reminders": [a.chasing_reminder.pk]},
        "json",
    ),
    ("chasing-run-drop", "post"): (
        "chasing_run",
        lambda a: {"reminders": [a.chasing_reminder.pk], "reason": "Paid"},
        "json",
    ),
    ("chasing-run-close", "post"): ("chasing_run", lambda a: {}, "json"),
    ("chasing-reminder-detail", "patch"): (
        "chasing_reminder",
        lambda a: {"subject": "About {{ customer.code }}", "body": "Please pay {{ overdue }}."},
        "json",
    ),
    ("chasing-pause-api", "post"): (
        None,
        lambda a: {"customers": [a.customer.pk], "until": "2099-01-01", "reason": "Holiday"},
        "json",
    ),
    ("chasing-resume-api", "post"): (None, lambda a: {"customers": [a.customer.pk]}, "json"),
    ("chasing-group-api", "put"): (
        "group",
        lambda a: {"policy": a.chasing_policy.pk, "paused_until": "2099-01-01", "pause_reason": "Trade fair"},
        "json",
    ),
    ("customer-chasing-api", "put"): (
        "customer",
        lambda a: {
            "policy": a.chasing_policy.pk,
            "excluded": False,
            "paused_until": "2099-01-01",
            "pause_reason": "Holiday",
        },
        "json",
    ),
    ("customer-copies", "post"): (
        "customer",
        lambda a: {"entries": [a.invoice.pk], "subject": "Copies", "body": "Attached", "action": "queue"},
        "form",
    ),
    ("outbox", "post"): (None, lambda a: {"message": [a.message.pk], "action": "discard"}, "form"),
    ("message", "post"): ("message", lambda a: {"action": "discard"}, "form"),
    ("message-template-new", "post"): (
        None,
        lambda a: {"purpose": "free", "channel": "email", "language": "fr", "subject": "S", "body": "B"},
        "form",
    ),
    ("message-template", "post"): (
        "message_template",
        lambda a: {"purpose": "free", "channel": "email", "language": "en", "subject": "S", "body": "B"},
        "form",
    ),
    ("letterhead", "post"): (None, lambda a: {"company_name": "Alpha", "bank_details": "IBAN"}, "form"),
    ("setup-users", "post"): (
        None,
        lambda a: {"email": "new.user@example.com", "role": "controller"},
        "form",
    ),
    ("setup-user-role", "post"): ("membership", lambda a: {"role": "manager"}, "form"),
    ("setup-user-remove", "post"): ("membership", lambda a: {"confirm": "1"}, "form"),
    ("setup-formats", "post"): (None, lambda a: {"language": "de-de"}, "form"),
    (
        "customers-assign",
        "post",
    ): (
        None,
        lambda a: {
            "controller": str(a.controller.pk),
            "scope": "selected",
            "customers": [str(a.customer.pk)],
            "query": "q=C",
        },
        "form",
    ),
}


def _policy_form(name):
    return lambda a: {
        "name": name,
        "is_default": "on",
        "minimum_overdue_lcy": "10.00",
        "contact_gap_days": "7",
        "repeat_last_times": "2",
        "repeat_after_days": "14",
        "attach_statement": "on",
        "is_active": "on",
    }


def _level_form(prefix):
    return {
        f"{prefix}-name": "Solicitor",
        f"{prefix}-days": "45",
        f"{prefix}-channel": "letter",
        f"{prefix}-template_name": "Final notice",
        f"{prefix}-todo_description": "Hand over",
        f"{prefix}-hold_documents": "on",
        f"{prefix}-fee_lcy": "40.00",
        f"{prefix}-sends_automatically": "",
    }


BASES.update(
    {
        # chasing: Setup > Chasing, the runs and their review, a reminder's text; the card's and the credit
        # list's chasing actions
        ("chasing-setup", "post"): (
            None,
            lambda a: {"scheduled": "on", "weekdays": ["1", "4"], "run_at": "07:30", "freshness_days": "3"},
            "form",
        ),
        ("chasing-group", "post"): (
            "group",
            lambda a: {
                f"group{a.group.pk}-policy": str(a.policy.pk),
                f"group{a.group.pk}-paused_until": "2099-01-31",
                f"group{a.group.pk}-reason": "Audit",
            },
            "form",
        ),
        ("chasing-policy-new", "post"): (None, _policy_form("Key accounts"), "form"),
        ("chasing-policy", "post"): ("policy", _policy_form("Standard"), "form"),
        ("chasing-level-new", "post"): ("policy", lambda a: _level_form("new"), "form"),
        ("chasing-level", "post"): (
            "level",
            lambda a: {**_level_form(f"level{a.level.pk}"), f"level{a.level.pk}-days": "35"},
            "form",
        ),
        ("chasing-level-delete", "post"): ("level", lambda a: {}, "form"),
        ("chasing-run-start", "post"): (None, lambda a: {"as_of": "2026-02-01"}, "form"),
        ("chasing-run-review", "post"): (
            "chasing_run",
            lambda a: {"action": "drop", "reminder": [str(a.reminder.pk)], "reason": "By phone"},
            "form",
        ),
        ("chasing-close-run", "post"): ("chasing_run", lambda a: {}, "form"),
        ("chasing-reminder-edit", "post"): (
            "reminder",
            lambda a: {"subject": "About {{ customer.code }}", "body": "Please pay {{ overdue }}."},
            "form",
        ),
        ("customer-chasing", "post"): (
            "customer",
            lambda a: {"action": "pause", "pause-paused_until": "2099-01-31", "pause-reason": "Dispute"},
            "form",
        ),
        ("customers-chasing", "post"): (
            None,
            lambda a: {
                "customers": [str(a.customer.pk)],
                "action": "pause",
                "paused_until": "2099-01-31",
                "reason": "Year end",
                "query": "sort=code",
            },
            "form",
        ),
    }
)


def _close_the_open_run(world):
    with tenant_context(world.tenant):
        ChasingRun.objects.filter(pk=world.a.chasing_run.pk).update(status="finished")


# What a route needs of the tenant before each request (in its savepoint): a run starts when none is open.
PREPARE = {"chasing-run-start": _close_the_open_run}

IMPORT_KINDS = ("customers", "entries", "applications")


def _pdf_zip(members=(("INV1.pdf", b"%PDF-1.7 good"),)) -> bytes:
    """A zip of the ERP's PDFs (messaging.document_import)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


def test_every_write_route_has_a_good_body():
    routes = write_routes()
    missing = sorted(set(routes) - set(BASES))
    stale = sorted(set(BASES) - set(routes))
    assert missing == [], f"add a good body to BASES in tests/foundation/test_bad_input.py: {missing}"
    assert stale == [], f"these routes no longer write: take them out of BASES: {stale}"
    assert len(routes) == len(BASES) > 30


# --- sending ------------------------------------------------------------------------------------


def _dumps(body) -> str:
    text = json.dumps(body)
    for marker, literal in RAW.items():
        text = text.replace(f'"{marker}"', literal)
    return text


# 5xx that remain, each to be fixed in a file someone else was changing when this test was written:
# (url name, the start of the exception's text) -> where the fix belongs. Any other 5xx fails the test, and
# so does a known one that no longer happens (take it off the list then).
KNOWN_5XX: dict[tuple[str, str], str] = {}


class Sender:
    def __init__(self, world):
        self.world = world
        self.failures = []
        self.known = set()
        self.sent = 0

    def check(self, routes) -> None:
        """No 5xx but the known ones, and each known one of these routes still happens."""
        expected = {key for key in KNOWN_5XX if key[0] in routes}
        assert self.failures == [], f"{len(self.failures)} of {self.sent} answered 5xx:\n" + "\n".join(
            self.failures
        )
        assert self.known == expected, f"fixed, take off KNOWN_5XX: {sorted(expected - self.known)}"

    def send(self, name, method, path, *, body=None, raw=None, content_type=None, form=None, htmx=False):
        """One request, in a savepoint rolled back after it; a 5xx (or an exception) is a failure."""
        client = self.world.client
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        if name in SIGNED and form is None:
            headers.update(_signature(self.world, raw if raw is not None else _dumps(body)))
        self.sent += 1
        with transaction.atomic():
            if name in PREPARE:
                PREPARE[name](self.world)
            try:
                if form is not None:
                    response = getattr(client, method)(path, form, **headers)
                elif raw is not None:
                    response = client.generic(method.upper(), path, raw, content_type=content_type, **headers)
                else:
                    response = client.generic(
                        method.upper(), path, _dumps(body), content_type="application/json", **headers
                    )
                status, trace = response.status_code, getattr(response, "exc_info", None)
            except Exception as error:  # noqa: BLE001 — a crash outside the view is a failure like a 500
                status, trace = "crash", (type(error), error, error.__traceback__)
            transaction.set_rollback(True)
        if status == "crash" or status >= 500:
            cause = _cause(trace)
            known = next((k for k in KNOWN_5XX if k[0] == name and cause.strip().startswith(k[1])), None)
            if known is not None:
                self.known.add(known)
                return
            shown = repr(raw if raw is not None else form if form is not None else body)
            self.failures.append(f"{method.upper()} {path} [{name}] -> {status}: {shown[:300]}\n{cause}")


# Routes a provider signs with the tenant's secret instead of signing in: the junk is signed too, so that it
# reaches the parsing (unsigned, it is refused before anything reads it).
SIGNED = {"message-events-signed-api"}


def _signature(world, raw) -> dict:
    data = raw if isinstance(raw, bytes) else str(raw).encode()
    return {"HTTP_X_CREDIT_CONTROL_SIGNATURE": webhooks.signature_header(world.a.signing_secret, data)}


def _cause(trace) -> str:
    """The exception, and the last frame of the project's own code that it went through."""
    if not trace:
        return "    (no exception recorded)"
    frames = [f for f in traceback.extract_tb(trace[2]) if "/site-packages/" not in f.filename]
    where = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else "?"
    return f"    {trace[0].__name__}: {str(trace[1])[:300]}\n    at {where}"


def _path(world, name, obj_key, kind=None, foreign=False):
    format_string = tenant_routes()[name]
    values = {"tenant_slug": world.tenant.slug}
    if "%(pk)s" in format_string:
        holder = world.b if foreign else world.a
        values["pk"] = getattr(holder, obj_key).pk
    if "%(kind)s" in format_string:
        values["kind"] = kind
    if "%(number)s" in format_string:  # a chasing level's number
        values["number"] = 1
    return format_string % values


def _edge_dates(good: dict):
    """Each date of a good body at the first and the last day there is, the other dates left out (so what
    the service works out from that date, a due date say, starts there too)."""
    dates = [k for k, v in good.items() if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d.*", v)]
    for key in dates:
        for edge in ("9999-12-31", "0001-01-01"):
            value = edge + good[key][10:] if "T" in good[key] else edge
            yield {**{k: v for k, v in good.items() if k not in dates}, key: value}


def _api_cases(world):
    """(name, method, path, good body, id-path for another tenant's object or None)."""
    for (name, method), (obj_key, build, style) in sorted(BASES.items()):
        if style != "json":
            continue
        if name == "ledger-import-api":
            for kind in IMPORT_KINDS:
                yield name, method, _path(world, name, None, kind), IMPORT_ROWS[kind](world.a), None
            continue
        foreign = _path(world, name, obj_key, foreign=True) if obj_key else None
        yield name, method, _path(world, name, obj_key), build(world.a), foreign


def _page_cases(world):
    for (name, method), (obj_key, build, style) in sorted(BASES.items()):
        if style == "form":
            foreign = _path(world, name, obj_key, foreign=True) if obj_key else None
            yield name, method, _path(world, name, obj_key), build(world.a), foreign


def test_no_write_route_of_the_api_answers_5xx_to_junk(world):
    sender = Sender(world)
    foreign = foreign_ids(world)
    for name, method, path, good, foreign_path in _api_cases(world):
        sender.send(name, method, path, body=good)
        for content_type, raw in RAW_BODIES:
            sender.send(name, method, path, raw=raw, content_type=content_type)
        for junk in BODY_JUNK:
            sender.send(name, method, path, body=junk)
        if isinstance(good, list):  # the bulk upsert: a list of rows, each a dict of columns
            for junk in JUNK:
                sender.send(name, method, path, body=[{key: junk for key in good[0]}])
            for key in good[0]:
                for junk in FIELD_JUNK:
                    sender.send(name, method, path, body=[{**good[0], key: junk}])
            continue
        for junk in [*JUNK, *foreign]:
            sender.send(name, method, path, body={key: junk for key in good})
        for key, value in good.items():
            sender.send(name, method, path, body={k: v for k, v in good.items() if k != key})
            for junk in [*FIELD_JUNK, *(foreign if key in ID_FIELDS else [])]:
                sender.send(name, method, path, body={**good, key: junk})
            if isinstance(value, list):
                for junk in ITEM_JUNK:
                    sender.send(name, method, path, body={**good, key: [*value, junk]})
        for body in _edge_dates(good):
            sender.send(name, method, path, body=body)
        if foreign_path is not None:
            sender.send(name, method, foreign_path, body=good)

    assert sender.sent > 3000
    sender.check({name for name, _, _, _, _ in _api_cases(world)})


def _files(world):
    """What the import page is sent as its file."""
    return [
        SimpleUploadedFile("c.csv", b"code,name\nIMP1,Imported\n", content_type="text/csv"),
        SimpleUploadedFile("empty.csv", b"", content_type="text/csv"),
        SimpleUploadedFile("binary.csv", bytes(range(256)) * 20, content_type="text/csv"),
        SimpleUploadedFile("nul.csv", b"code,name\nA\x00B,N\x00M\n", content_type="text/csv"),
        SimpleUploadedFile(
            "latin1.csv", "code,name\nA1,Caf\xe9\n".encode("latin-1"), content_type="text/csv"
        ),
        SimpleUploadedFile(
            "wide.csv", b"code,name\n" + b"X," + b"y" * 100_000 + b"\n", content_type="text/csv"
        ),
    ]


def test_no_tenant_page_answers_5xx_to_junk_posts(world):
    sender = Sender(world)
    foreign = [str(pk) for pk in foreign_ids(world)]
    for name, method, path, good, foreign_path in _page_cases(world):
        for htmx in (False, True):
            sender.send(name, method, path, form=good, htmx=htmx)
            sender.send(name, method, path, form={}, htmx=htmx)
        for content_type, raw in PAGE_RAW_BODIES:
            sender.send(name, method, path, raw=raw, content_type=content_type)
        for junk in [*FORM_JUNK, *foreign]:
            sender.send(name, method, path, form={key: junk for key in good})
        for key in good:
            sender.send(name, method, path, form={k: v for k, v in good.items() if k != key})
            for junk in [*FORM_FIELD_JUNK, *(foreign if key in ID_FIELDS else [])]:
                sender.send(name, method, path, form={**good, key: junk})
        for body in _edge_dates(good):
            sender.send(name, method, path, form=body)
        if name == "ledger-import":
            for kind in ("customers", "entries", "applications", "junk", ""):
                for upload in _files(world):
                    sender.send(name, method, path, form={"kind": kind, "file": upload})
            sender.send(name, method, path, form={"kind": "customers", "file": "not a file"})
        if name == "document-import":
            for upload in _files(world):
                sender.send(name, method, path, form={"file": upload})
            for content in (_pdf_zip()[:40], _pdf_zip([("../x.pdf", b"%PDF-")]), _pdf_zip([("a.txt", b"x")])):
                sender.send(name, method, path, form={"file": SimpleUploadedFile("d.zip", content)})
        if foreign_path is not None:
            sender.send(name, method, foreign_path, form=good)

    assert sender.sent > 1000
    sender.check({name for name, _, _, _, _ in _page_cases(world)})


# Good bodies that the world refuses as a whole, with the code they are refused with: a run cannot start
# while the one the review routes need is open (the body itself gets past every check of its fields).
REFUSED_AS_A_WHOLE = {"chasing-run-list": "run_open"}


def test_the_good_bodies_are_good(world):
    """Each good body is accepted as it is (so the junk in one field is what a refusal is about)."""
    client = world.client
    refused = []
    for name, method, path, good, _ in [*_api_cases(world), *_page_cases(world)]:
        with transaction.atomic():
            if name in PREPARE:
                PREPARE[name](world)
            if (name, method) in {(n, m) for (n, m), (_, _, s) in BASES.items() if s == "form"}:
                if name == "ledger-import":
                    good = {**good, "file": _files(world)[0]}
                response = getattr(client, method)(path, good)
            else:
                signed = _signature(world, _dumps(good)) if name in SIGNED else {}
                response = client.generic(
                    method.upper(), path, _dumps(good), content_type="application/json", **signed
                )
            transaction.set_rollback(True)
        if response.status_code == 400 and name in REFUSED_AS_A_WHOLE:
            assert response.json()["code"] == REFUSED_AS_A_WHOLE[name], response.content
            continue
        if response.status_code >= 400:
            refused.append(f"{method.upper()} {path}: {response.status_code} {response.content[:300]!r}")
    assert refused == []


def test_dates_that_are_not_dates_are_junk_here():
    """The junk must hold what the brief says it does (a guard against the lists being thinned out)."""
    for value in ("2026-02-30", "9999-12-31", str(10**30)):
        assert value in JUNK and value in FORM_JUNK
    assert "__RAW_1E400__" in JUNK and "1e400" in FORM_JUNK
    with pytest.raises(ValueError):
        datetime.date.fromisoformat("2026-02-30")


# --- what the fixes answer, exactly -------------------------------------------------------------


def _post_json(client, path, text):
    return client.generic("POST", path, text, content_type="application/json")


def test_json_too_deep_or_too_big_for_a_float_is_a_400(world):
    deep = _post_json(world.client, "/api/t/alpha/branches/", "[" * 100_000 + "]" * 100_000)
    huge = _post_json(world.client, "/api/t/alpha/branches/", '{"code": 1e400, "name": "x"}')

    assert deep.status_code == huge.status_code == 400
    assert deep.json() == {"detail": "JSON parse error - nested too deeply"}
    assert huge.json() == {
        "detail": "JSON parse error - Out of range float values are not JSON compliant: 1e400"
    }


@pytest.mark.parametrize(
    ("parent", "message"),
    [
        (10**30, f'Invalid pk "{10**30}" - object does not exist.'),
        (-5, 'Invalid pk "-5" - object does not exist.'),
        ("abc", "Incorrect type. Expected pk value, received str."),
        (1.5, "Incorrect type. Expected pk value, received float."),
        ([1], "Incorrect type. Expected pk value, received list."),
    ],
)
def test_an_id_that_cannot_be_one_is_a_400(world, parent, message):
    response = world.client.post(
        "/api/t/alpha/customer-groups/",
        {"code": "G", "name": "G", "parent": parent},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"parent": [message]}


def test_a_nul_character_in_custom_fields_is_a_400(world):
    response = world.client.post(
        "/api/t/alpha/customers/",
        {"code": "N1", "name": "N", "custom_fields": {"note": "a\x00b"}},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"custom_fields": ["Null characters are not allowed."]}


def test_an_import_with_a_nul_character_is_a_400_naming_the_row(world):
    rows = world.client.post(
        "/api/t/alpha/import/customers/",
        [{"code": "N1", "name": "Fine"}, {"code": "N2", "name": "a\x00b"}],
        content_type="application/json",
    )
    csv = world.client.generic(
        "POST", "/api/t/alpha/import/customers/", b"code,name\nN1,Fine\nN2,a\x00b\n", content_type="text/csv"
    )

    assert rows.status_code == csv.status_code == 400
    assert rows.json() == {
        "detail": "The request has errors: nothing was imported.",
        "code": "import_invalid",
        "errors": [
            {
                "index": 1,
                "row": 3,
                "column": "name",
                "message": "A NUL character cannot be stored: remove it.",
            }
        ],
    }
    assert csv.json() == {
        "detail": "The file has 1 error: nothing was imported.",
        "code": "import_invalid",
        "errors": [{"row": 3, "column": "", "message": "A NUL character cannot be stored: remove it."}],
    }


@pytest.mark.parametrize("body", ["5", "null", "true", '"csv"', '{"csv": "code,name"}'])
def test_an_import_of_a_json_value_that_is_no_list_of_rows_is_a_400(world, body):
    response = _post_json(world.client, "/api/t/alpha/import/customers/", body)

    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == "Send the CSV file as a multipart field named 'file', or as a text/csv body."
    )


def test_closing_a_todo_with_a_nul_in_the_reason_says_so(world):
    todo = world.a.todo

    response = world.client.post(
        f"/t/alpha/interactions/todos/{todo.pk}/close/", {"reason": "a\x00b"}, follow=True
    )

    assert response.status_code == 200
    assert '<li class="error">Reason: Null characters are not allowed.</li>' in response.content.decode()
    with tenant_context(world.tenant):
        todo.refresh_from_db()
    assert todo.status == "open"
