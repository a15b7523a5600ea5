"""A credit controller works their own customers: another controller's customer, and everything of it, is
a 404 or absent for them on every route (creditcontrol/scope.py), while the tenant's setting is on.

The routes are the isolation test's (tests/isolation.py), each with its `CONTROLLER_SCOPE` answer, so a
new page or endpoint cannot skip the check.
"""

import csv
import io

import pytest
from django.contrib.messages import get_messages

from aging.models import RecalculationRun
from aging.services import recalculate_all
from chasing.models import ChasingRun, CustomerChasing, Reminder
from creditcontrol import scope
from creditcontrol.models import Role
from creditcontrol.tenancy import TenantOwned, tenant_context
from customers.models import Customer
from tests import factories
from tests.isolation import (
    CONTROLLER_SCOPE,
    TENANT_ROUTES,
    one_customer_of_everything,
    route_path,
    tenant_routes,
)

OTHER = "OTHER-SECRET"  # every row of the other controller's customer carries it
SHARED = "SHARED"  # the tenant's setup rows, which every member sees


@pytest.fixture
def scoped(tenant_a, make_member, client):
    """Tenant A: the other controller's customer with one of everything; my own customer and one assigned
    to nobody, each with an open invoice. Signed in as me, a credit controller."""
    me = make_member(tenant_a, Role.CONTROLLER, username="me")
    other = make_member(tenant_a, Role.CONTROLLER, username="other")
    with tenant_context(tenant_a):
        objects = one_customer_of_everything(tenant_a, marker=OTHER, setup_marker=SHARED, controller=other)
        mine = factories.customer(
            code="MINE-C", name="Mine Customer", controller=me, branch=objects["branch"]
        )
        factories.invoice(mine, "MINE-INV", "2026-02-01", "250.00")
        free = factories.customer(code="FREE-C", name="Free Customer")
        factories.invoice(free, "FREE-INV", "2026-03-01", "70.00")
        recalculate_all(trigger="command")
    client.force_login(me)
    return {
        "client": client,
        "tenant": tenant_a,
        "objects": objects,
        "me": me,
        "other": other,
        "mine": mine,
        "free": free,
    }


def _slug(world):
    return world["tenant"].slug


def _body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def _probe(world, name):
    method, key = TENANT_ROUTES[name]
    path = route_path(tenant_routes()[name], _slug(world), world["objects"].get(key))
    if method == "post":
        return path, world["client"].post(path, {"undone_on": "2026-02-01"})
    return path, world["client"].get(path)


def _setting(world, on: bool) -> None:
    world["tenant"].controllers_own_customers_only = on
    world["tenant"].save(update_fields=["controllers_own_customers_only"])


def test_every_tenant_route_has_a_controller_answer():
    missing = sorted(set(TENANT_ROUTES) - set(CONTROLLER_SCOPE))
    assert missing == [], f"say how a controller meets another's customer there: CONTROLLER_SCOPE {missing}"
    assert set(CONTROLLER_SCOPE.values()) <= {"404", "absent", "refused", "shared", "role", "signed"}


def test_the_setting_is_on_for_a_new_tenant(tenant_a):
    assert tenant_a.controllers_own_customers_only is True


# --- every route ------------------------------------------------------------------------------------------

ROUTES_404 = sorted(n for n, answer in CONTROLLER_SCOPE.items() if answer == "404")


@pytest.mark.parametrize("name", ROUTES_404)
def test_another_controllers_customer_is_a_404(scoped, name):
    path, response = _probe(scoped, name)
    assert response.status_code == 404, path


@pytest.mark.parametrize("name", ROUTES_404)
def test_with_the_setting_off_a_controller_reaches_every_customer(scoped, name):
    _setting(scoped, False)
    path, response = _probe(scoped, name)
    if TENANT_ROUTES[name][0] == "get":
        assert response.status_code == 200, path
    else:  # a write of another's customer is then allowed (its answer depends on the body)
        assert response.status_code != 404, path


@pytest.mark.parametrize("name", sorted(n for n, answer in CONTROLLER_SCOPE.items() if answer == "absent"))
def test_lists_show_none_of_another_controllers_rows(scoped, name):
    path = route_path(tenant_routes()[name], _slug(scoped), None)
    # The controller filter cleared (a controller's credit list starts on "mine"); search asks for the marker.
    response = scoped["client"].get(path, {"q": OTHER} if name == "search" else {"controller": ""})
    assert response.status_code == 200, path
    body = _body(response)
    if name == "search":  # the page repeats the query itself: look for the rows, not for the word
        body = body.replace(f'value="{OTHER}"', "").replace(f"“{OTHER}”", "")
    assert OTHER not in body, path


@pytest.mark.parametrize("name", sorted(n for n, answer in CONTROLLER_SCOPE.items() if answer == "shared"))
def test_the_tenants_setup_and_jobs_are_shared(scoped, name):
    if name == "chasing-run-start":  # refused while a run is open: the world's run under review is closed
        with tenant_context(scoped["tenant"]):
            ChasingRun.objects.update(status="finished")
    path, response = _probe(scoped, name)
    assert response.status_code == (
        302
        if name
        in {"credit-list-columns", "credit-list-views", "work-date", "branch-context", "chasing-run-start"}
        else 200
    ), path


@pytest.mark.parametrize("name", sorted(n for n, answer in CONTROLLER_SCOPE.items() if answer == "role"))
def test_pages_beyond_a_controller_are_refused_by_role(scoped, name):
    path, response = _probe(scoped, name)
    assert response.status_code == 403, path


@pytest.mark.parametrize("name", sorted(n for n, answer in CONTROLLER_SCOPE.items() if answer == "signed"))
def test_a_providers_signed_route_takes_no_session(scoped, name):
    path, response = _probe(scoped, name)
    assert (response.status_code, response.json()["code"]) == (401, "signature_missing"), path


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _runs(world) -> int:
    with tenant_context(world["tenant"]):
        return RecalculationRun.objects.count()


def _refuse_credit_list_recalculate(world):
    slug, before = _slug(world), _runs(world)
    response = world["client"].post(
        f"/t/{slug}/customers/credit/recalculate/", {"customers": [world["objects"]["customer"].pk]}
    )
    assert (response.status_code, _messages(response)) == (302, ["No such customer."])
    assert _runs(world) == before
    mine = world["client"].post(f"/t/{slug}/customers/credit/recalculate/", {"customers": [world["mine"].pk]})
    assert (mine.status_code, _messages(mine)[-1]) == (302, "Recalculating 1 customer.")


def _refuse_aging_recalculation_start(world):
    slug, before = _slug(world), _runs(world)
    response = world["client"].post(
        f"/t/{slug}/aging/recalculations/start/",
        {"kind": "entries", "customer": [world["objects"]["customer"].pk, world["mine"].pk]},
    )
    assert (response.status_code, _messages(response)) == (302, ["No such customer."])
    assert _runs(world) == before


def _refuse_entry_record_payment(world):
    other = world["objects"]["customer"]
    response = world["client"].post(
        f"/api/t/{_slug(world)}/entries/record-payment/",
        {"customer": other.pk, "amount": "10.00", "posting_date": "2026-02-01", "document_no": "X"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"customer": [f'Invalid pk "{other.pk}" - object does not exist.']}


# Writes that name customers in their body: another controller's customer is refused like an unknown one.
def _refuse_customers_contact(world):
    slug = _slug(world)
    response = world["client"].post(
        f"/t/{slug}/customers/contact/", {"customers": [world["objects"]["customer"].pk, world["mine"].pk]}
    )
    assert response.status_code == 400 and "No such customer." in _body(response)
    mine = world["client"].post(f"/t/{slug}/customers/contact/", {"customers": [world["mine"].pk]})
    assert mine.status_code == 200 and "<h1>Contact 1 customer</h1>" in _body(mine)


def _reminder_status(world) -> str:
    with tenant_context(world["tenant"]):
        return Reminder.objects.get(pk=world["objects"]["chasing_reminder"].pk).status


def _refuse_chasing_review(action: str, body: dict):
    def probe(world):
        run, other = world["objects"]["chasing_run"], world["objects"]["chasing_reminder"]
        path = f"/api/t/{_slug(world)}/chasing/runs/{run.pk}/{action}/"
        response = world["client"].post(
            path, {**body, "reminders": [other.pk]}, content_type="application/json"
        )
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Some of these reminders are not proposed in this run any more.", "code": "invalid"},
        )
        if action == "release":  # without ids: every reminder the controller may see, which is none
            everything = world["client"].post(path, {}, content_type="application/json")
            assert (everything.status_code, everything.json()["reminders"]["proposed"]) == (200, 0)
        assert _reminder_status(world) == "proposed"

    return probe


def _refuse_chasing_pause(path: str, body: dict):
    def probe(world):
        other = world["objects"]["customer"]
        response = world["client"].post(
            f"/api/t/{_slug(world)}/chasing/{path}/",
            {**body, "customers": [world["mine"].pk, other.pk]},
            content_type="application/json",
        )
        message = f"No such customer: [{other.pk}]."
        assert (response.status_code, response.json()) == (
            400,
            {"detail": message, "code": "invalid", "errors": {"customers": [message]}},
        )
        with tenant_context(world["tenant"]):
            assert not CustomerChasing.objects.exists()

    return probe


def _refuse_chasing_run_review(world):
    """Another controller's reminder in a run under review: not there for me; Release all is all of mine."""
    slug, run, reminder = _slug(world), world["objects"]["chasing_run"], world["objects"]["reminder"]
    with tenant_context(world["tenant"]):
        type(run).objects.filter(pk=run.pk).update(status="proposed")
        type(reminder).objects.filter(pk=reminder.pk).update(status="proposed", reason="")
    url = f"/t/{slug}/chasing/runs/{run.pk}/review/"
    response = world["client"].post(url, {"action": "release", "reminder": [reminder.pk]})
    assert response.status_code == 400
    assert "Some of these reminders are not proposed in this run any more." in _body(response)
    dropped = world["client"].post(url, {"action": "drop", "reminder": [reminder.pk], "reason": "x"})
    assert dropped.status_code == 400
    assert "Some of these reminders are not proposed in this run any more." in _body(dropped)
    everything = world["client"].post(url, {"action": "release_all"})
    assert (everything.status_code, _messages(everything)[-1]) == (302, "0 reminders released to send.")
    with tenant_context(world["tenant"]):
        assert type(reminder).objects.get(pk=reminder.pk).status == "proposed"


def _refuse_customers_chasing(world):
    slug = _slug(world)
    both = [world["objects"]["customer"].pk, world["mine"].pk]
    response = world["client"].post(f"/t/{slug}/customers/chasing/", {"customers": both, "action": "resume"})
    assert response.status_code == 400 and "No such customer." in _body(response)
    paused = world["client"].post(
        f"/t/{slug}/customers/chasing/",
        {"ids": str(both[0]), "action": "pause", "paused_until": "2099-01-01"},
    )
    assert paused.status_code == 400 and "No such customer." in _body(paused)
    mine = world["client"].post(
        f"/t/{slug}/customers/chasing/", {"customers": [world["mine"].pk], "action": "resume"}
    )
    assert (mine.status_code, _messages(mine)) == (302, ["Chasing resumed for 1 customer."])


REFUSALS = {
    "chasing-run-release": _refuse_chasing_review("release", {}),
    "chasing-run-drop": _refuse_chasing_review("drop", {"reason": "Paid"}),
    "chasing-pause-api": _refuse_chasing_pause("pause", {"until": "2099-01-01"}),
    "chasing-resume-api": _refuse_chasing_pause("resume", {}),
    "chasing-run-review": _refuse_chasing_run_review,
    "customers-chasing": _refuse_customers_chasing,
    "customers-contact": _refuse_customers_contact,
    "credit-list-recalculate": _refuse_credit_list_recalculate,
    "aging-recalculation-start": _refuse_aging_recalculation_start,
    "entry-record-payment": _refuse_entry_record_payment,
}


def test_every_refused_route_has_its_probe():
    assert set(REFUSALS) == {n for n, answer in CONTROLLER_SCOPE.items() if answer == "refused"}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_writes_naming_another_controllers_customer_are_refused(scoped, name):
    REFUSALS[name](scoped)


# --- exact rows and figures ---------------------------------------------------------------------------------


def test_the_customer_api_lists_my_customers_and_the_unassigned_ones(scoped):
    response = scoped["client"].get(f"/api/t/{_slug(scoped)}/customers/")
    assert [row["code"] for row in response.json()["results"]] == ["FREE-C", "MINE-C"]


def test_the_entry_api_lists_only_their_entries(scoped):
    response = scoped["client"].get(f"/api/t/{_slug(scoped)}/entries/")
    assert [row["document_no"] for row in response.json()["results"]] == ["MINE-INV", "FREE-INV"]


def test_the_credit_list_with_the_filter_cleared_and_its_export(scoped):
    slug = _slug(scoped)
    page = scoped["client"].get(f"/t/{slug}/customers/credit/", {"controller": "", "sort": "code"})
    assert [row["customer"].code for row in page.context["table"]] == ["FREE-C", "MINE-C"]
    export = scoped["client"].get(
        f"/t/{slug}/customers/credit/export.csv", {"controller": "", "sort": "code"}
    )
    rows = list(csv.reader(io.StringIO(_body(export))))
    assert [row[0] for row in rows[1:]] == ["FREE-C", "MINE-C"]


def test_the_dashboard_shows_my_figures(scoped):
    response = scoped["client"].get(f"/t/{_slug(scoped)}/")
    assert [row["customer"].code for row in response.context["top_overdue"]] == ["MINE-C", "FREE-C"]
    totals = response.context["totals"]
    assert (totals["customers"], str(totals["total_balance_lcy"]), totals["overdue_customers"]) == (
        2,
        "320.00",
        2,
    )


def test_the_dashboard_in_a_branch_shows_my_figures_there(scoped):
    response = scoped["client"].get(f"/t/{_slug(scoped)}/", {"branch": scoped["objects"]["branch"].pk})
    figures = response.context["totals"]
    assert [row["customer"].code for row in response.context["top_overdue"]] == ["MINE-C"]
    assert (str(figures["total_balance_lcy"]), str(figures["total_overdue_lcy"])) == ("250.00", "250.00")


def test_the_kpis_are_my_customers(scoped, make_member, client):
    response = scoped["client"].get(f"/api/t/{_slug(scoped)}/kpis/")
    current = response.json()["current"]
    assert (current["customers_count"], current["total_ar_lcy"], current["overdue_lcy"]) == (
        2,
        "320.00",
        "320.00",
    )
    assert response.json()["history"] == []  # the tenant-wide snapshots are a manager's
    client.force_login(make_member(scoped["tenant"], Role.MANAGER))
    everyone = client.get(f"/api/t/{_slug(scoped)}/kpis/").json()["current"]
    assert (everyone["customers_count"], everyone["total_ar_lcy"]) == (3, "380.00")


def test_an_unassigned_customer_is_every_controllers(scoped):
    response = scoped["client"].get(f"/api/t/{_slug(scoped)}/customers/{scoped['free'].pk}/")
    assert response.status_code == 200


def test_a_controller_records_a_payment_for_their_own_customer(scoped):
    response = scoped["client"].post(
        f"/api/t/{_slug(scoped)}/entries/record-payment/",
        {"customer": scoped["mine"].pk, "amount": "50.00", "posting_date": "2026-03-01", "document_no": "P1"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["payment"]["remaining_amount"] == "0.00"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER, Role.ADMIN])
def test_viewers_managers_and_admins_see_every_customer(scoped, make_member, client, role):
    client.force_login(make_member(scoped["tenant"], role))
    response = client.get(f"/api/t/{_slug(scoped)}/customers/")
    assert [row["code"] for row in response.json()["results"]] == ["FREE-C", "MINE-C", f"{OTHER}-C"]


# --- who assigns -----------------------------------------------------------------------------------------


def test_a_controller_cannot_reassign_or_create_customers(scoped):
    slug, mine = _slug(scoped), scoped["mine"]
    response = scoped["client"].patch(
        f"/api/t/{slug}/customers/{mine.pk}/",
        {"controller": scoped["other"].pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    created = scoped["client"].post(
        f"/api/t/{slug}/customers/",
        {"code": "NEW-C", "name": "New", "controller": scoped["other"].pk},
        content_type="application/json",
    )
    assert created.status_code == 403


def test_a_manager_reassigns_and_the_customer_moves_with_its_rows(scoped, make_member, api_for):
    slug, other_customer = _slug(scoped), scoped["objects"]["customer"]
    manager = api_for(make_member(scoped["tenant"], Role.MANAGER))
    response = manager.patch(
        f"/api/t/{slug}/customers/{other_customer.pk}/", {"controller": scoped["me"].pk}, format="json"
    )
    assert (response.status_code, response.json()["controller"]) == (200, scoped["me"].pk)
    me, other = api_for(scoped["me"]), api_for(scoped["other"])
    assert me.get(f"/api/t/{slug}/customers/{other_customer.pk}/").status_code == 200
    assert me.get(f"/api/t/{slug}/interactions/{scoped['objects']['interaction'].pk}/").status_code == 200
    assert other.get(f"/api/t/{slug}/customers/{other_customer.pk}/").status_code == 404
    assert [row["code"] for row in other.get(f"/api/t/{slug}/customers/").json()["results"]] == ["FREE-C"]


def test_a_token_follows_its_owners_scope(scoped, api_for):
    other_customer = scoped["objects"]["customer"]
    assert (
        api_for(scoped["me"]).get(f"/api/t/{_slug(scoped)}/customers/{other_customer.pk}/").status_code == 404
    )
    assert (
        api_for(scoped["other"]).get(f"/api/t/{_slug(scoped)}/customers/{other_customer.pk}/").status_code
        == 200
    )


# --- the scope itself ----------------------------------------------------------------------------------------


def test_work_that_enters_its_tenant_itself_is_not_scoped(scoped):
    """A task (eager in the tests, in a worker in production) enters the tenant: no controller's scope."""
    with tenant_context(scoped["tenant"]):
        token = scope.enter(scoped["me"].pk)
        try:
            assert sorted(Customer.objects.values_list("code", flat=True)) == ["FREE-C", "MINE-C"]
            with tenant_context(scoped["tenant"]):
                assert Customer.objects.count() == 3
            assert Customer.objects.count() == 2
        finally:
            scope.leave(token)


def _tenant_owned_models():
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TenantOwned)]


@pytest.mark.parametrize("model", _tenant_owned_models(), ids=lambda m: m._meta.label)
def test_every_tenant_owned_model_says_how_the_scope_reaches_it(model):
    assert "controller_scope" in model.__dict__, f"{model._meta.label}: declare controller_scope"
    path = model.controller_scope
    if path is not None:
        field = model._meta.get_field(path)
        assert field.many_to_one or field.one_to_one, f"{model._meta.label}.{path} is not a foreign key"
        if issubclass(field.related_model, TenantOwned):  # (a customer without a controller is everyone's)
            assert not field.null, f"{model._meta.label}.{path}: a row without it would be in every scope"
        return
    scoped_targets = [
        f.name
        for f in model._meta.get_fields()
        if (f.many_to_one or f.one_to_one)
        and f.concrete
        and getattr(f.related_model, "controller_scope", None) is not None
    ]
    assert scoped_targets == [], f"{model._meta.label} belongs to a customer through {scoped_targets}"


@pytest.mark.parametrize("page", ["interactions/new/", "interactions/todos/new/"])
def test_forms_for_another_controllers_customer_are_a_404(scoped, page):
    response = scoped["client"].get(
        f"/t/{_slug(scoped)}/{page}", {"customer": scoped["objects"]["customer"].pk}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "endpoint, body",
    [
        ("contacts", {"name": "X"}),
        ("interactions", {"description": "X"}),
        ("todos", {"description": "X", "due_date": "2099-01-01"}),
    ],
)
def test_api_writes_for_another_controllers_customer_are_refused_as_unknown(scoped, endpoint, body):
    other = scoped["objects"]["customer"]
    response = scoped["client"].post(
        f"/api/t/{_slug(scoped)}/{endpoint}/", {**body, "customer": other.pk}, content_type="application/json"
    )
    assert (response.status_code, response.json()["customer"]) == (
        400,
        [f'Invalid pk "{other.pk}" - object does not exist.'],
    )
