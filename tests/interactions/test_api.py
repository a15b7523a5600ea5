"""The interactions API: status codes, interactions with lines, update-entries, to-dos, promises; roles."""

import pytest

from creditcontrol.models import Role
from interactions.models import ToDo

from .conftest import days


@pytest.fixture
def api(world, api_for):
    return api_for(world.controller)


def _base(world):
    return f"/api/t/{world.tenant.slug}"


def test_status_codes_only_admins_change_them(world, api_for, make_member):
    body = {"code": "partpay", "description": "Part payment agreed", "promised": True}
    controller = api_for(world.controller)
    assert controller.get(f"{_base(world)}/status-codes/").json()["count"] == 4
    assert controller.post(f"{_base(world)}/status-codes/", body, format="json").status_code == 403
    admin = api_for(make_member(world.tenant, Role.ADMIN, username="ada"))
    response = admin.post(f"{_base(world)}/status-codes/", body, format="json")
    assert response.status_code == 201
    assert response.json()["code"] == "PARTPAY"
    response = admin.post(f"{_base(world)}/status-codes/", {"code": "PARTPAY"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Status code PARTPAY already exists.",
        "code": "invalid",
        "errors": {"code": ["Status code PARTPAY already exists."]},
    }
    response = admin.post(
        f"{_base(world)}/status-codes/", {"code": "BOTH", "promised": True, "queried": True}, format="json"
    )
    assert response.json()["errors"] == {
        "queried": ["A status code is either Promised or Queried, not both."]
    }


def test_an_interaction_with_lines_then_update_entries(world, api):
    response = api.post(
        f"{_base(world)}/interactions/",
        {
            "customer": world.customer.pk,
            "interaction_type": "phone_call",
            "occurred_at": f"{world.today.isoformat()}T09:30:00",
            "description": "Called about overdue invoices",
            "entries": [world.older.pk, world.newer.pk],
            "next_interaction_date": days(7, today=world.today).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["caption"]
        == f"Harbour Foods Ltd · {world.today.isoformat()} 09:30 · Called about overdue invoices"
    )
    assert (body["contact_name"], body["contact_phone"], body["contact_email"]) == (
        "Chris Credit",
        "020 7946 0001",
        "chris@harbour.example",
    )
    assert [(line["document_no"], line["selected"], line["remaining_amount"]) for line in body["lines"]] == [
        ("SI-1001", True, "1200.00"),
        ("SI-1002", True, "300.00"),
    ]
    assert (body["selected_remaining_amount"], body["selected_remaining_amount_lcy"]) == (
        "1500.00",
        "1500.00",
    )
    url = f"{_base(world)}/interactions/{body['id']}"

    response = api.post(
        f"{url}/select-lines/", {"entries": [world.older.pk], "selected": False}, format="json"
    )
    assert response.json()["selected_remaining_amount"] == "300.00"

    response = api.post(
        f"{url}/update-entries/",
        {
            "status_code": world.codes["PROMISED"].pk,
            "promised_amount": "350.00",
            "promised_payment_date": days(3, today=world.today).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "promised_amount": [
            "The promised payment amount 350.00 is more than the selected entries' remaining amount 300.00."
        ]
    }
    response = api.post(
        f"{url}/update-entries/",
        {
            "status_code": world.codes["PROMISED"].pk,
            "promised_amount": "250.00",
            "promised_payment_date": days(3, today=world.today).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    line = next(line for line in body["interaction"]["lines"] if line["document_no"] == "SI-1002")
    assert (line["status_code"], line["promised_amount"], line["promised_payment_date"]) == (
        "PROMISED",
        "250.00",
        days(3, today=world.today).isoformat(),
    )
    assert (body["promise"]["status"], body["promise"]["promised_amount"]) == ("pending", "250.00")
    assert [(t["description"], t["due_date"]) for t in body["todos"]] == [
        ("Check promised payment has been received", days(3, today=world.today).isoformat())
    ]

    todos = api.get(f"{_base(world)}/todos/", {"owner": "mine", "state": "open"}).json()["results"]
    assert [(t["description"], t["due_date"]) for t in todos] == [
        ("Check promised payment has been received", days(3, today=world.today).isoformat()),
        (f"Follow up call from {world.today.isoformat()}", days(7, today=world.today).isoformat()),
    ]

    # A payment posted through the ledger API keeps the promise and closes its to-do.
    response = api.post(
        f"{_base(world)}/entries/record-payment/",
        {
            "customer": world.customer.pk,
            "amount": "1450.00",
            "posting_date": world.today.isoformat(),
            "document_no": "P1",
        },
        format="json",
    )
    assert response.status_code == 201
    promise = api.get(f"{_base(world)}/promises/").json()["results"][0]
    assert (promise["status"], promise["paid_amount"]) == ("kept", "250.00")
    closed = api.get(f"{_base(world)}/todos/", {"owner": "all", "state": "closed"}).json()["results"]
    assert [(t["description"], t["closed_reason"]) for t in closed] == [
        (
            "Check promised payment has been received",
            f"Promise kept: 250.00 GBP received on {world.today.isoformat()}.",
        )
    ]
    rates = api.get(f"{_base(world)}/promises/kept-rates/", {"by": "controller"}).json()
    assert rates == [
        {
            "id": world.controller.pk,
            "name": "carol",
            "kept": 1,
            "broken": 0,
            "pending": 0,
            "kept_rate": "100.0",
        }
    ]


def test_to_dos_by_api_and_closing_one(world, api):
    response = api.post(
        f"{_base(world)}/todos/",
        {
            "customer": world.customer.pk,
            "description": "Send statement",
            "due_date": world.today.isoformat(),
            "entries": [world.older.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["watched_entries"]) == ("manual", "open", [world.older.pk])
    response = api.post(f"{_base(world)}/todos/{body['id']}/close/", {"reason": "Sent"}, format="json")
    assert (response.json()["status"], response.json()["closed_reason"], response.json()["closed_by"]) == (
        "closed",
        "Sent",
        "carol",
    )


def test_viewers_read_but_cannot_write(world, api_for, make_member):
    viewer = api_for(make_member(world.tenant, Role.VIEWER, username="vic"))
    assert viewer.get(f"{_base(world)}/interactions/").status_code == 200
    assert viewer.get(f"{_base(world)}/todos/").status_code == 200
    response = viewer.post(
        f"{_base(world)}/interactions/", {"customer": world.customer.pk, "description": "x"}, format="json"
    )
    assert response.status_code == 403
    response = viewer.post(
        f"{_base(world)}/todos/",
        {"customer": world.customer.pk, "description": "x", "due_date": "2030-01-01"},
        format="json",
    )
    assert response.status_code == 403
    assert not ToDo.objects.exists()


def test_foreign_status_code_and_customer_are_refused(world, api, tenant_b):
    from creditcontrol.tenancy import tenant_context
    from interactions.models import StatusCode
    from interactions.services import status_codes_seed_defaults
    from tests import factories

    with tenant_context(tenant_b):
        status_codes_seed_defaults()
        foreign_code = StatusCode.objects.get(code="PROMISED")
        foreign_customer = factories.customer(code="B1", name="Beta")
    response = api.post(
        f"{_base(world)}/interactions/", {"customer": foreign_customer.pk, "description": "x"}, format="json"
    )
    assert response.json() == {"customer": [f'Invalid pk "{foreign_customer.pk}" - object does not exist.']}
    interaction = api.post(
        f"{_base(world)}/interactions/", {"customer": world.customer.pk, "description": "x"}, format="json"
    ).json()
    response = api.post(
        f"{_base(world)}/interactions/{interaction['id']}/update-entries/",
        {"status_code": foreign_code.pk, "entries": [world.older.pk]},
        format="json",
    )
    assert response.json() == {"status_code": [f'Invalid pk "{foreign_code.pk}" - object does not exist.']}
