"""The audit log where people read it: the page with its filters, the CSV export (the same rows), the API,
and the customer card's history."""

import csv
import datetime
import io
import zoneinfo
from datetime import UTC
from decimal import Decimal

import pytest

from audit.models import AuditChange
from creditcontrol import auditing
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.services import credit_limit_change, customer_update
from tests import factories


@pytest.fixture
def log(tenant_a, make_member):
    """Two customers' changes by a manager and one by an import."""
    manager = make_member(tenant_a, Role.MANAGER, username="marion")
    with tenant_context(tenant_a):
        crown = factories.customer(code="C001", name="Crown Fabrics Ltd")
        dale = factories.customer(code="D002", name="Dale Mills")
        with auditing.context(source=auditing.PAGE, user_id=manager.pk, user="marion"):
            credit_limit_change(customer=crown, new_limit_lcy=Decimal("5000"), note="Annual review")
            customer_update(customer=dale, hold_all=True, reason="Cheque bounced")
        crown.refresh_from_db()
        with auditing.context(source=auditing.IMPORT, job="job-1", file="erp.csv"):
            customer_update(customer=crown, phone="0161 496 0000")
    return {"manager": manager, "crown": crown, "dale": dale, "tenant": tenant_a}


def page_ids(client, query: dict) -> list[int]:
    html = client.get("/t/alpha/audit/", query).content.decode()
    return [int(part.split('"', 1)[0]) for part in html.split('data-audit="')[1:]]


def export(client, query: dict) -> list[dict]:
    response = client.get("/t/alpha/audit/export.csv", query)
    assert response.status_code == 200
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def changes(tenant, **filters) -> list[AuditChange]:
    with tenant_context(tenant):
        return list(AuditChange.objects.filter(action="update", **filters).order_by("-occurred_at", "-id"))


def test_the_page_filters_by_customer_field_user_and_source(log, client_for):
    client = client_for(log["manager"])
    by_marion = [r.pk for r in changes(log["tenant"], user_id=log["manager"].pk)]
    assert len(by_marion) == 2
    assert page_ids(client, {"user": log["manager"].pk, "action": "update"}) == by_marion
    [limit] = changes(log["tenant"], field="credit_limit_lcy")
    assert page_ids(client, {"field": "credit_limit_lcy"}) == [limit.pk]
    assert page_ids(client, {"customer_code": "c001", "source": "import"}) == [
        r.pk for r in changes(log["tenant"], field="phone")
    ]
    html = client.get("/t/alpha/audit/", {"field": "credit_limit_lcy"}).content.decode()
    assert "Annual review" in html and "marion" in html and "5000.00" in html
    shown = limit.occurred_at.astimezone(zoneinfo.ZoneInfo("Europe/London")).strftime("%Y-%m-%d %H:%M:%S")
    assert shown in html  # the tenant's zone on screen


def test_the_date_range_is_in_the_tenants_zone(log, client_for):
    client = client_for(log["manager"])
    today = log["tenant"].today()
    everything = page_ids(client, {})
    with tenant_context(log["tenant"]):
        assert everything == list(
            AuditChange.objects.order_by("-occurred_at", "-id").values_list("pk", flat=True)
        )
    assert {r.field for r in changes(log["tenant"])} == {"credit_limit_lcy", "hold_all", "phone"}
    assert page_ids(client, {"date_from": today.isoformat(), "date_to": today.isoformat()}) == everything
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert page_ids(client, {"date_to": yesterday}) == []
    assert page_ids(client, {"date_from": (today + datetime.timedelta(days=1)).isoformat()}) == []


def test_the_export_has_the_pages_rows_with_exact_utc_times(log, client_for):
    client = client_for(log["manager"])
    query = {"customer_code": "C001", "date_from": log["tenant"].today().isoformat()}
    rows = export(client, query)
    assert [int(r["id"]) for r in rows] == page_ids(client, query)
    with tenant_context(log["tenant"]):
        stored = {r.pk: r for r in AuditChange.objects.all()}
    limit = next(r for r in rows if r["field"] == "credit_limit_lcy")
    assert limit["occurred_at_utc"] == stored[int(limit["id"])].occurred_at.astimezone(UTC).isoformat()
    assert limit["occurred_at_utc"].endswith("+00:00")
    assert (limit["customer_code"], limit["new_value"], limit["source"], limit["user"], limit["reason"]) == (
        "C001",
        "5000.00",
        "page",
        "marion",
        "Annual review",
    )
    phone = next(r for r in rows if r["field"] == "phone")
    assert (phone["source"], phone["import_job"], phone["import_file"]) == ("import", "job-1", "erp.csv")


def test_the_api_gives_the_same_rows(log, api_for):
    api = api_for(log["manager"])
    response = api.get("/api/t/alpha/audit/", {"customer_code": "C001", "action": "update"})
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == [
        r.pk for r in changes(log["tenant"], customer_id=log["crown"].pk)
    ]
    phone = body["results"][0]
    assert (phone["field"], phone["old_value"], phone["new_value"], phone["job"], phone["import_file"]) == (
        "phone",
        "",
        "0161 496 0000",
        "job-1",
        "erp.csv",
    )
    assert phone["occurred_at"].endswith("Z")  # exact, in UTC


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTROLLER, Role.ADMIN])
def test_every_member_reads_the_log(log, make_member, client_for, role):
    client = client_for(make_member(log["tenant"], role))
    assert client.get("/t/alpha/audit/").status_code == 200
    assert client.get("/t/alpha/audit/export.csv").status_code == 200


def test_a_scoped_controller_reads_only_their_customers_rows(log, make_member, client_for):
    controller = make_member(log["tenant"], Role.CONTROLLER, username="carla")
    other = make_member(log["tenant"], Role.CONTROLLER, username="otto")
    with tenant_context(log["tenant"]):
        customer_update(customer=log["crown"], controller=controller)
        customer_update(customer=log["dale"], controller=other)
    client = client_for(controller)
    shown = page_ids(client, {"action": "update"})
    with tenant_context(log["tenant"]):
        visible = AuditChange.objects.filter(action="update").exclude(customer_id=log["dale"].pk)
        assert sorted(shown) == sorted(visible.values_list("pk", flat=True))
    assert not set(shown) & {r.pk for r in changes(log["tenant"], customer_id=log["dale"].pk)}


def test_the_card_shows_the_customers_history(log, client_for):
    html = client_for(log["manager"]).get(f"/t/alpha/customers/{log['crown'].pk}/").content.decode()
    history = html.split('id="customer-history"', 1)[1].split("</table>", 1)[0]
    assert [int(p.split('"', 1)[0]) for p in history.split('data-audit="')[1:]] == [
        r.pk for r in changes(log["tenant"], customer_id=log["crown"].pk)
    ] + _created(log, "crown")
    assert "Annual review" in history and "0161 496 0000" in history


def _created(log, key):
    with tenant_context(log["tenant"]):
        return [r.pk for r in AuditChange.objects.filter(action="insert", customer_id=log[key].pk)]
