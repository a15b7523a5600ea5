"""Tenancy fails closed: a user of tenant B never sees or touches tenant A's rows, on any route."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Contact, CustomerGroup
from customers.services import credit_limit_change
from interactions.services import entries_update, interaction_create, status_code_create, todo_create
from ledger.imports.jobs import import_job_start
from ledger.services import entries_apply
from tests import factories
from tests.factories import D
from tests.isolation import PARAMETER_LITERALS, TENANT_ROUTES, tenant_routes

MARKER = "ALPHA-SECRET"


@pytest.fixture
def world(tenant_a, tenant_b, make_member, client):
    """Tenant A with one of everything, marked; user B is an admin of tenant B only."""
    with tenant_context(tenant_a):
        branch = factories.branch(code=f"{MARKER}-BR")
        group = CustomerGroup.objects.create(code=f"{MARKER}-GRP", name=MARKER)
        customer = factories.customer(
            code=f"{MARKER}-C", name=f"{MARKER} Customer", branch=branch, group=group
        )
        contact = Contact.objects.create(customer=customer, name=f"{MARKER} Contact")
        invoice = factories.invoice(customer, f"{MARKER}-INV", "2026-01-10", "100.00")
        payment = factories.payment(customer, f"{MARKER}-PAY", "2026-01-20", "40.00")
        application = entries_apply(
            applying_entry_id=payment.pk, applied_entry_id=invoice.pk, posting_date=D("2026-01-20")
        )
        change = credit_limit_change(customer=customer, new_limit_lcy=Decimal("1000"), note=MARKER)
        upload = SimpleUploadedFile("customers.csv", f"code,name\n{MARKER}-C2,{MARKER} Two\n".encode())
        job_id = import_job_start(tenant=tenant_a, kind="customers", upload=upload, user=None)
        status_code = status_code_create(code=f"{MARKER}-SC", description=MARKER, promised=True)
        interaction = interaction_create(
            customer=customer,
            description=f"{MARKER} call",
            notes=MARKER,
            next_interaction_date=D("2099-01-05"),
        )
        promise = entries_update(
            interaction=interaction,
            status_code=status_code,
            entry_ids=[invoice.pk],
            promised_full_amount=True,
            promised_payment_date=D("2099-01-01"),
        )["promise"]
        todo = todo_create(customer=customer, description=f"{MARKER} to-do", due_date=D("2099-01-02"))
        objects = {
            "import_job": SimpleNamespace(pk=job_id),
            "recalculation_run": recalculate_all(trigger="command"),
            "customer": customer,
            "contact": contact,
            "invoice": invoice,
            "application": application,
            "credit_limit_change": change,
            "branch": branch,
            "group": group,
            "payment_terms": customer.payment_terms,
            "status_code": status_code,
            "interaction": interaction,
            "promise": promise,
            "todo": todo,
        }
    with tenant_context(tenant_b):
        factories.customer(code="BETA-C", name="Beta Customer")
    user_b = make_member(tenant_b, Role.ADMIN, username="beta-admin")
    client.force_login(user_b)
    return {"objects": objects, "client": client, "a": tenant_a, "b": tenant_b}


def _path(format_string, slug, obj):
    values = {"tenant_slug": slug}
    for param in re.findall(r"%\((\w+)\)s", format_string):
        if param in PARAMETER_LITERALS:
            values[param] = PARAMETER_LITERALS[param]
        elif param != "tenant_slug":
            values[param] = obj.pk if obj is not None else "00000000-0000-0000-0000-000000000001"
    return format_string % values


def test_every_tenant_route_is_covered():
    missing = sorted(set(tenant_routes()) - set(TENANT_ROUTES))
    assert missing == [], f"add these routes to tests/isolation.py TENANT_ROUTES: {missing}"


@pytest.mark.parametrize("name", sorted(TENANT_ROUTES))
def test_another_tenants_slug_is_a_404(world, name):
    method, key = TENANT_ROUTES[name]
    path = _path(tenant_routes()[name], world["a"].slug, world["objects"].get(key))
    response = getattr(world["client"], method)(path)
    assert response.status_code == 404, path


@pytest.mark.parametrize("name", sorted(n for n, (_, key) in TENANT_ROUTES.items() if key))
def test_another_tenants_id_is_a_404_in_your_own_tenant(world, name):
    method, key = TENANT_ROUTES[name]
    path = _path(tenant_routes()[name], world["b"].slug, world["objects"][key])
    response = (
        getattr(world["client"], method)(path, {"undone_on": "2026-02-01"})
        if method == "post"
        else world["client"].get(path)
    )
    assert response.status_code == 404, path


@pytest.mark.parametrize("name", sorted(n for n, (m, key) in TENANT_ROUTES.items() if m == "get" and not key))
def test_lists_show_none_of_another_tenants_rows(world, name):
    path = _path(tenant_routes()[name], world["b"].slug, None)
    # Searching for tenant A's marker from tenant B must find nothing; other lists are asked plainly.
    response = world["client"].get(path, {"q": MARKER} if name == "search" else {})
    assert response.status_code == 200, path
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    if name == "search":  # the page repeats the query itself: look for A's rows, not for the word
        body = body.replace(f'value="{MARKER}"', "").replace(f"“{MARKER}”", "")
    assert MARKER not in body


def test_foreign_related_ids_are_refused(world):
    """Posting in tenant B with tenant A's customer id: a validation error, as for an unknown id."""
    client, customer = world["client"], world["objects"]["customer"]
    response = client.post(
        f"/api/t/{world['b'].slug}/entries/record-payment/",
        {"customer": customer.pk, "amount": "10.00", "posting_date": "2026-02-01", "document_no": "X"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"customer": [f'Invalid pk "{customer.pk}" - object does not exist.']}
