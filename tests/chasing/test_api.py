"""The chasing API on the hand-worked ledger of conftest.py: a run started, its proposal read (who is
proposed, who is left out and why, each item), reviewed (drop, edit, release), a second start refused,
policies, levels and the setup written through the services' checks, a customer's chasing; another tenant's
ids, a controller's scope and a viewer's role."""

from decimal import Decimal

import pytest

from aging.services import recalculate_all
from chasing.models import ChasingPolicy, ChasingRun, Reminder
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from messaging.models import Message

API = "/api/t/alpha/chasing"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}


@pytest.fixture
def manager(chasing, make_member, api_for):
    return api_for(make_member(chasing.tenant, Role.MANAGER, username="mia"))


@pytest.fixture
def started(chasing, manager, django_capture_on_commit_callbacks):
    """The run of 2026-06-10 started and proposed (the proposal's task runs as the request commits)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"{API}/runs/", {"as_of": "2026-06-10"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def reminder_ids(chasing) -> dict[str, int]:
    with tenant_context(chasing.tenant):
        return dict(Reminder.objects.values_list("customer__code", "pk"))


def counts(**given) -> dict[str, int]:
    return {"proposed": 0, "skipped": 0, "dropped": 0, "released": 0, "sent": 0, "failed": 0, **given}


def test_a_run_is_started_then_proposed(chasing, manager, started):
    assert {k: started[k] for k in ("as_of", "status", "scheduled", "customer_filter", "started_by")} == {
        "as_of": "2026-06-10",
        "status": "proposing",  # a worker makes the proposal
        "scheduled": False,
        "customer_filter": {},
        "started_by": "mia",
    }
    run = manager.get(f"{API}/runs/{started['id']}/").json()
    assert {
        k: run[k] for k in ("status", "customers", "proposed", "skipped", "released", "sent", "reminders")
    } == {
        "status": "proposed",
        "customers": 11,
        "proposed": 3,
        "skipped": 8,
        "released": 0,
        "sent": 0,
        "reminders": counts(proposed=3, skipped=8),
    }
    listed = manager.get(f"{API}/runs/").json()
    assert (listed["count"], listed["results"][0]["id"], "reminders" in listed["results"][0]) == (
        1,
        started["id"],
        False,
    )


def test_the_proposal_lists_each_reminder_with_its_items(chasing, manager, started):
    ids = reminder_ids(chasing)
    proposed = manager.get(f"{API}/runs/{started['id']}/reminders/", {"status": "proposed"}).json()
    assert proposed["count"] == 3
    assert proposed["results"][0] == {
        "id": ids["C001"],
        "run": started["id"],
        "customer": chasing.customers[1].pk,
        "customer_code": "C001",
        "customer_name": "Acme Tools",
        "currency_code": "GBP",
        "level": 1,
        "channel": "email",
        "status": "proposed",
        "reason": "",
        "overdue_lcy": "400.00",  # CM-A1 (due 05-25) nets
        "fee_lcy": None,
        "subject": "",
        "body": "",
        "message": None,
        "decided_by": None,
        "decided_at": None,
        "lines": [
            {
                "entry_no": chasing.a1.pk,
                "document_no": "INV-A1",
                "due_date": "2026-06-01",
                "days_overdue": 9,
                "remaining": "500.00",
                "level": 1,
                "previous_level": 0,
                "left_out": "",
            }
        ],
    }
    # C002: its queried item is listed, left out, under the one reminded
    assert [
        (line["document_no"], line["level"], line["days_overdue"], line["left_out"])
        for line in proposed["results"][1]["lines"]
    ] == [("INV-B1", 1, 40, ""), ("INV-B2", None, 5, "Status QRY: not chased")]
    assert [(r["customer_code"], r["channel"], r["reason"]) for r in proposed["results"]] == [
        ("C001", "email", ""),
        ("C002", "email", ""),
        ("C008", "letter", "No address for email: sent as a letter."),
    ]
    skipped = manager.get(f"{API}/runs/{started['id']}/reminders/", {"status": "skipped"}).json()
    assert [(r["customer_code"], r["channel"], r["reason"]) for r in skipped["results"]][:6] == [
        ("C003", "", "Every item due for a reminder is left out: Promised for 20/06/2026"),
        ("C004", "", "Paused until 15/06/2026: On holiday."),
        ("C005", "", "Group EXP paused until 30/06/2026."),
        ("C006", "", "Overdue 20.00 GBP is below the minimum of 50.00 GBP."),
        ("C007", "", "Contacted on 05/06/2026, fewer than 7 days ago."),
        ("C009", "", "No e-mail address and no postal address for a letter."),
    ]
    assert [r["customer_code"] for r in skipped["results"]][6:] == ["C010", "C011"]
    bad = manager.get(f"{API}/runs/{started['id']}/reminders/", {"status": "lost"})
    assert (bad.status_code, bad.json()) == (
        400,
        {"status": ["Select a valid choice. lost is not one of the available choices."]},
    )


def test_the_review_drops_edits_and_releases(chasing, manager, started, django_capture_on_commit_callbacks):
    ids, run = reminder_ids(chasing), started["id"]
    dropped = manager.post(
        f"{API}/runs/{run}/drop/", {"reminders": [ids["C002"]], "reason": "Settling by phone"}, format="json"
    )
    assert (dropped.status_code, dropped.json()["status"], dropped.json()["reminders"]) == (
        200,
        "proposed",
        counts(proposed=2, skipped=8, dropped=1),
    )
    unknown = manager.patch(
        f"/api/t/alpha/chasing/reminders/{ids['C001']}/",
        {"subject": "Hi", "body": "Dear {{ custmer.name }}"},
        format="json",
    )
    assert (unknown.status_code, unknown.json()) == (
        400,
        {
            "detail": "Unknown variable {{ custmer.name }}.",
            "code": "invalid",
            "errors": {"body": ["Unknown variable {{ custmer.name }}."]},
        },
    )
    edited = manager.patch(
        f"/api/t/alpha/chasing/reminders/{ids['C001']}/",
        {"subject": "About {{ customer.code }}", "body": "Please pay {{ overdue }}."},
        format="json",
    )
    assert (edited.status_code, edited.json()["subject"], edited.json()["body"]) == (
        200,
        "About {{ customer.code }}",
        "Please pay {{ overdue }}.",
    )
    again = manager.post(f"{API}/runs/{run}/drop/", {"reminders": [ids["C002"]]}, format="json")
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "Some of these reminders are not proposed in this run any more.", "code": "invalid"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        released = manager.post(f"{API}/runs/{run}/release/", {}, format="json")  # every one still proposed
    assert released.status_code == 200
    answer = manager.get(f"{API}/runs/{run}/").json()
    assert {k: answer[k] for k in ("status", "released", "sent", "reminders")} == {
        "status": "finished",
        "released": 2,
        "sent": 2,
        "reminders": counts(skipped=8, dropped=1, sent=2),
    }
    reminders = manager.get(f"{API}/runs/{run}/reminders/").json()["results"]
    assert [(r["customer_code"], r["status"], r["reason"], r["decided_by"]) for r in reminders[:2]] == [
        ("C001", "sent", "", "mia"),
        ("C002", "dropped", "Settling by phone", "mia"),
    ]
    with tenant_context(chasing.tenant):
        message = Message.objects.get(pk=reminders[0]["message"])
        assert (message.subject, message.body, message.channel) == (
            "About C001",
            "Please pay 400.00 GBP.",
            "email",
        )
    # The item has reached level 1: on the customer's chasing, with the reminder that took it there.
    state = manager.get(f"/api/t/alpha/customers/{chasing.customers[1].pk}/chasing/").json()
    assert [(i["document_no"], i["level"], i["repeats"], i["reminded_on"]) for i in state["items"]] == [
        ("CM-A1", 0, 0, None),
        ("INV-A1", 1, 0, "2026-06-10"),
        ("INV-A2", 0, 0, None),
    ]
    assert [(r["run"], r["status"], r["message"]) for r in state["reminders"]] == [
        (run, "sent", reminders[0]["message"])
    ]
    edit_sent = manager.patch(f"/api/t/alpha/chasing/reminders/{ids['C001']}/", {"body": "x"}, format="json")
    assert (edit_sent.status_code, edit_sent.json()["detail"]) == (
        400,
        "The reminder is handed to messages, no longer proposed.",
    )


def test_a_second_start_is_told_which_run_is_open_until_a_manager_closes_it(
    chasing, manager, started, make_member, api_for
):
    again = manager.post(f"{API}/runs/", {"as_of": "2026-06-10"}, format="json")
    assert (again.status_code, again.json()) == (
        400,
        {
            "detail": f"Run {started['id']} of 10/06/2026 is still open (awaiting review): review and release "
            "it, or close it, before starting another.",
            "code": "run_open",
        },
    )
    controller = api_for(make_member(chasing.tenant, Role.CONTROLLER, username="carl"))
    refused = controller.post(f"{API}/runs/{started['id']}/close/")
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    closed = manager.post(f"{API}/runs/{started['id']}/close/")
    assert (closed.status_code, closed.json()["status"], closed.json()["reminders"]) == (
        200,
        "finished",
        counts(skipped=8, dropped=3),
    )
    assert manager.post(f"{API}/runs/", {"as_of": "2026-06-10"}, format="json").status_code == 201


def test_a_run_for_a_list_or_a_filter_of_customers(chasing, manager, django_capture_on_commit_callbacks):
    c = chasing.customers
    with tenant_context(chasing.tenant):
        recalculate_all(trigger="command")
        group = c[5].group
    with django_capture_on_commit_callbacks(execute=True):
        listed = manager.post(
            f"{API}/runs/", {"as_of": "2026-06-10", "customers": [c[1].pk, c[12].pk]}, format="json"
        )
    assert listed.json()["customer_filter"] == {"customers": sorted([c[1].pk, c[12].pk])}
    run = manager.get(f"{API}/runs/{listed.json()['id']}/").json()
    assert (run["customers"], run["proposed"], run["reminders"]) == (1, 1, counts(proposed=1))
    manager.post(f"{API}/runs/{run['id']}/close/")
    with django_capture_on_commit_callbacks(execute=True):
        filtered = manager.post(
            f"{API}/runs/", {"as_of": "2026-06-10", "filter": {"group": str(group.pk)}}, format="json"
        )
    assert filtered.json()["customer_filter"] == {"customers": [c[5].pk]}
    [only] = manager.get(f"{API}/runs/{filtered.json()['id']}/reminders/").json()["results"]
    assert (only["customer_code"], only["status"]) == ("C005", "skipped")


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({"customers": [999999]}, {"detail": "No such customer: [999999].", "code": "invalid",
                                   "errors": {"customers": ["No such customer: [999999]."]}}),
        ({"customers": []}, {"customers": ["This list may not be empty."]}),
        ({"filter": {"balance_status": "rich"}},
         {"filter": {"balance_status": ["Select a valid choice. rich is not one of the available choices."]}}),
        ({"customers": [1], "filter": {}}, {"customers": ["Give customers or filter, not both."]}),
        ({"as_of": "2099-01-01"}, {"detail": "A run cannot look ahead of today.", "code": "invalid",
                                   "errors": {"as_of": ["A run cannot look ahead of today."]}}),
        ({"as_of": "1066-10-14"}, {"as_of": ["Must be between 1900-01-01 and 2199-12-31."]}),
    ],
)  # fmt: skip
def test_a_bad_start_is_a_400_naming_the_field(chasing, manager, body, answer):
    response = manager.post(f"{API}/runs/", body, format="json")
    assert (response.status_code, response.json()) == (400, answer)
    with tenant_context(chasing.tenant):
        assert not ChasingRun.objects.exists()


def test_another_tenants_runs_and_reminders_are_404s(chasing, started, tenant_b, make_member, api_for):
    beta = api_for(make_member(tenant_b, Role.ADMIN, username="beta-admin"))
    reminder = reminder_ids(chasing)["C001"]
    missing = {
        "runs": beta.get("/api/t/beta/chasing/runs/999999/"),
        "reminders": beta.get("/api/t/beta/chasing/reminders/999999/"),
    }
    assert missing["runs"].status_code == missing["reminders"].status_code == 404
    for method, path in [
        ("get", f"runs/{started['id']}/"),
        ("get", f"runs/{started['id']}/reminders/"),
        ("post", f"runs/{started['id']}/release/"),
        ("post", f"runs/{started['id']}/drop/"),
        ("post", f"runs/{started['id']}/close/"),
        ("get", f"reminders/{reminder}/"),
        ("patch", f"reminders/{reminder}/"),
    ]:
        response = getattr(beta, method)(
            f"/api/t/beta/chasing/{path}", {"reminders": [reminder]}, format="json"
        )
        assert (response.status_code, response.content) == (404, missing[path.split("/")[0]].content), path
    assert beta.get("/api/t/beta/chasing/runs/").json()["count"] == 0
    with tenant_context(chasing.tenant):
        assert Reminder.objects.get(pk=reminder).status == "proposed"


def test_a_controller_reviews_only_their_customers_reminders(
    chasing, started, make_member, api_for, django_capture_on_commit_callbacks
):
    me = make_member(chasing.tenant, Role.CONTROLLER, username="me")
    other = make_member(chasing.tenant, Role.CONTROLLER, username="other")
    c = chasing.customers
    with tenant_context(chasing.tenant):
        c[1].controller, c[2].controller = me, other
        c[1].save(update_fields=["controller"])
        c[2].save(update_fields=["controller"])
    mine, theirs = api_for(me), api_for(other)
    run = started["id"]
    codes = [
        r["customer_code"]
        for r in mine.get(f"{API}/runs/{run}/reminders/", {"status": "proposed"}).json()["results"]
    ]
    assert codes == ["C001", "C008"]  # C002 is the other controller's; C008 is nobody's
    assert mine.get(f"{API}/runs/{run}/").json()["reminders"] == counts(proposed=2, skipped=8)
    c002 = reminder_ids(chasing)["C002"]
    assert mine.get(f"/api/t/alpha/chasing/reminders/{c002}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        released = mine.post(f"{API}/runs/{run}/release/", {}, format="json")
    assert released.json()["reminders"] == counts(skipped=8, released=2)  # made into messages by a worker
    assert mine.get(f"{API}/runs/{run}/").json()["reminders"] == counts(skipped=8, sent=2)
    left = theirs.get(f"{API}/runs/{run}/reminders/", {"status": "proposed"}).json()["results"]
    assert [r["customer_code"] for r in left] == ["C002"]
    assert theirs.get(f"{API}/runs/{run}/").json()["status"] == "proposed"  # C002 awaits its controller


def test_a_viewer_reads_and_is_refused_every_write(chasing, started, make_member, api_for):
    viewer = api_for(make_member(chasing.tenant, Role.VIEWER, username="vic"))
    run, reminder = started["id"], reminder_ids(chasing)["C001"]
    assert viewer.get(f"{API}/runs/{run}/reminders/").json()["count"] == 11
    for method, path, body in [
        ("post", "runs/", {"as_of": "2026-06-10"}),
        ("post", f"runs/{run}/release/", {}),
        ("post", f"runs/{run}/drop/", {"reminders": [reminder]}),
        ("patch", f"reminders/{reminder}/", {"body": "Pay"}),
        ("post", "pause/", {"customers": [chasing.customers[1].pk], "until": "2099-01-01"}),
        ("post", "policies/", {"name": "Soft"}),
        ("put", "setup/", {}),
    ]:
        response = getattr(viewer, method)(f"{API}/{path}", body, format="json")
        assert (response.status_code, response.json()) == (403, FORBIDDEN), path


# --- policies, levels, setup ------------------------------------------------------------------------------


def test_policies_and_levels_are_written_by_an_admin_through_the_same_checks(
    chasing, manager, make_member, api_for
):
    admin = api_for(make_member(chasing.tenant, Role.ADMIN, username="ada"))
    assert manager.post(f"{API}/policies/", {"name": "Soft"}, format="json").status_code == 403
    duplicate = admin.post(f"{API}/policies/", {"name": "Standard"}, format="json")
    assert (duplicate.status_code, duplicate.json()) == (
        400,
        {
            "detail": "There is already a policy named 'Standard'.",
            "code": "invalid",
            "errors": {"name": ["There is already a policy named 'Standard'."]},
        },
    )
    created = admin.post(
        f"{API}/policies/",
        {"name": "Soft", "minimum_overdue_lcy": "100.00", "contact_gap_days": 14},
        format="json",
    )
    assert created.status_code == 201, created.json()
    soft = created.json()
    assert {k: v for k, v in soft.items() if k not in ("id", "updated_at")} == {
        "name": "Soft",
        "is_default": False,
        "minimum_overdue_lcy": "100.00",
        "contact_gap_days": 14,
        "repeat_last_times": 2,
        "repeat_after_days": 14,
        "attach_statement": True,
        "is_active": True,
        "levels": [],
    }
    levels = f"{API}/policies/{soft['id']}/levels/"
    no_template = admin.post(levels, {"name": "Nudge", "days": 5, "template_name": "Nudge"}, format="json")
    assert (no_template.status_code, no_template.json()["errors"]) == (
        400,
        {
            "template_name": [
                "There is no E-mail reminder template named 'Nudge': write it on Setup > Message templates first."
            ]
        },
    )
    first = admin.post(
        levels, {"name": "Nudge", "days": 5, "template_name": "Friendly reminder"}, format="json"
    )
    assert (first.status_code, first.json()) == (
        201,
        {
            "number": 1,
            "name": "Nudge",
            "days": 5,
            "channel": "email",
            "template_name": "Friendly reminder",
            "todo_description": "",
            "hold_documents": False,
            "fee_lcy": None,
            "sends_automatically": False,
        },
    )
    second = admin.post(
        levels,
        {"name": "Last", "days": 30, "template_name": "Final notice", "fee_lcy": "25.00"},
        format="json",
    )
    assert (second.status_code, second.json()["number"], second.json()["fee_lcy"]) == (201, 2, "25.00")
    late = admin.patch(f"{levels}1/", {"days": 30}, format="json")
    assert (late.status_code, late.json()["errors"]) == (
        400,
        {"days": ["Level 1 must come before level 2 (30 days)."]},
    )
    assert admin.patch(f"{levels}1/", {"days": 7}, format="json").json()["days"] == 7
    not_last = admin.delete(f"{levels}1/")
    assert (not_last.status_code, not_last.json()["detail"]) == (
        400,
        "Only the last level can be removed: items have reached the levels before it.",
    )
    assert admin.delete(f"{levels}2/").status_code == 204
    assert admin.get(f"{levels}2/").status_code == 404
    renamed = admin.patch(f"{API}/policies/{soft['id']}/", {"name": "Gentle"}, format="json").json()
    assert (renamed["name"], renamed["minimum_overdue_lcy"], [lv["name"] for lv in renamed["levels"]]) == (
        "Gentle",
        "100.00",
        ["Nudge"],
    )
    default = admin.patch(f"{API}/policies/{chasing.policy.pk}/", {"is_active": False}, format="json")
    assert (default.status_code, default.json()["errors"]) == (
        400,
        {"is_active": ["The default policy must be active."]},
    )
    cannot = admin.delete(f"{API}/policies/{chasing.policy.pk}/")
    assert (cannot.status_code, cannot.json()["detail"]) == (
        400,
        "The default policy cannot be deleted: make another the default first.",
    )
    assert [p["name"] for p in manager.get(f"{API}/policies/").json()] == ["Gentle", "Standard"]
    assert admin.delete(f"{API}/policies/{soft['id']}/").status_code == 204


def test_the_setup_is_read_by_members_and_put_by_an_admin(chasing, manager, make_member, api_for):
    admin = api_for(make_member(chasing.tenant, Role.ADMIN, username="ada"))
    assert manager.get(f"{API}/setup/").json() == {
        "scheduled": False,
        "weekdays": [],
        "run_at": "07:00",
        "freshness_days": 3,
        "last_scheduled_on": None,
    }
    body = {"scheduled": True, "weekdays": [], "run_at": "06:30", "freshness_days": 2}
    assert manager.put(f"{API}/setup/", body, format="json").status_code == 403
    no_days = admin.put(f"{API}/setup/", body, format="json")
    assert (no_days.status_code, no_days.json()["errors"]) == (
        400,
        {"weekdays": ["Choose the days the run starts by itself."]},
    )
    saved = admin.put(f"{API}/setup/", {**body, "weekdays": [5, 1, 3]}, format="json")
    assert saved.json() == {
        "scheduled": True,
        "weekdays": [1, 3, 5],
        "run_at": "06:30",
        "freshness_days": 2,
        "last_scheduled_on": None,
    }


# --- pauses and a customer's chasing ----------------------------------------------------------------------


def test_a_customers_chasing_read_and_set(chasing, manager, started, make_member, api_for):
    c1 = chasing.customers[1]
    path = f"/api/t/alpha/customers/{c1.pk}/chasing/"
    state = manager.get(path).json()
    assert {k: v for k, v in state.items() if k not in ("items", "reminders")} == {
        "customer": c1.pk,
        "customer_code": "C001",
        "policy": None,
        "excluded": False,
        "paused_until": None,
        "pause_reason": "",
        "followed_policy": {"id": chasing.policy.pk, "name": "Standard", "source": "default"},
        "group_paused_until": None,
    }
    assert [(i["document_no"], i["due_date"], i["remaining_amount"], i["level"]) for i in state["items"]] == [
        ("CM-A1", "2026-05-25", "-100.00", 0),
        ("INV-A1", "2026-06-01", "500.00", 0),
        ("INV-A2", "2026-06-19", "80.00", 0),
    ]
    assert [(r["run"], r["as_of"], r["level"], r["status"]) for r in state["reminders"]] == [
        (started["id"], "2026-06-10", 1, "proposed")
    ]
    with tenant_context(chasing.tenant):
        strict = ChasingPolicy.objects.create(name="Strict", minimum_overdue_lcy=Decimal("0"))
        idle = ChasingPolicy.objects.create(name="Idle", is_active=False)
    body = {"policy": strict.pk, "excluded": True, "paused_until": "2099-01-31", "pause_reason": "Audit"}
    answer = manager.put(path, body, format="json").json()
    assert {
        k: answer[k] for k in ("policy", "excluded", "paused_until", "pause_reason", "followed_policy")
    } == {
        "policy": strict.pk,
        "excluded": True,
        "paused_until": "2099-01-31",
        "pause_reason": "Audit",
        "followed_policy": {"id": strict.pk, "name": "Strict", "source": "customer"},
    }
    inactive = manager.put(path, {**body, "policy": idle.pk}, format="json")
    assert (inactive.status_code, inactive.json()) == (
        400,
        {
            "detail": "Policy Idle is inactive.",
            "code": "invalid",
            "errors": {"policy": ["Choose an active policy."]},
        },
    )
    past = manager.put(path, {**body, "paused_until": "2026-01-01"}, format="json")
    assert (past.status_code, past.json()["errors"]) == (
        400,
        {"paused_until": ["The pause must last until today or a later day."]},
    )
    cleared = manager.put(
        path, {"policy": None, "excluded": False, "paused_until": None}, format="json"
    ).json()
    assert (cleared["policy"], cleared["paused_until"], cleared["followed_policy"]["source"]) == (
        None,
        None,
        "default",
    )
    controller = api_for(make_member(chasing.tenant, Role.CONTROLLER, username="carl"))
    with tenant_context(chasing.tenant):
        c1.controller = make_member(chasing.tenant, Role.CONTROLLER, username="other")
        c1.save(update_fields=["controller"])
    assert controller.get(path).status_code == 404


def test_pause_and_resume_customers_or_a_group(chasing, manager, make_member, api_for):
    c = chasing.customers
    paused = manager.post(
        f"{API}/pause/",
        {"customers": [c[1].pk, c[2].pk], "until": "2099-01-31", "reason": "Merger"},
        format="json",
    )
    assert (paused.status_code, paused.json()) == (
        200,
        {"customers": 2, "group": None, "paused_until": "2099-01-31", "reason": "Merger"},
    )
    assert manager.get(f"/api/t/alpha/customers/{c[2].pk}/chasing/").json()["pause_reason"] == "Merger"
    resumed = manager.post(f"{API}/resume/", {"customers": [c[1].pk]}, format="json")
    assert resumed.json() == {"customers": 1, "group": None, "paused_until": None, "reason": ""}
    group = manager.post(f"{API}/pause/", {"group": "EXP", "until": "2099-02-28"}, format="json")
    assert group.json() == {"customers": None, "group": "EXP", "paused_until": "2099-02-28", "reason": ""}
    assert (
        manager.get(f"/api/t/alpha/customers/{c[5].pk}/chasing/").json()["group_paused_until"] == "2099-02-28"
    )
    controller = api_for(make_member(chasing.tenant, Role.CONTROLLER, username="carl"))
    refused = controller.post(f"{API}/resume/", {"group": "EXP"}, format="json")
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Only a manager or an admin pauses a whole customer group."},
    )
    for body, answer in [
        ({"group": "NOPE", "until": "2099-01-01"}, {"group": ["Unknown customer group 'NOPE'."]}),
        ({"until": "2099-01-01"}, {"customers": ["Give either customers or group."]}),
        (
            {"customers": [c[1].pk], "group": "EXP", "until": "2099-01-01"},
            {"customers": ["Give either customers or group."]},
        ),
        ({"customers": [c[1].pk]}, {"until": ["This field is required."]}),
        (
            {"customers": [c[1].pk], "until": "2026-01-01"},
            {
                "detail": "The pause must last until today or a later day.",
                "code": "invalid",
                "errors": {"paused_until": ["The pause must last until today or a later day."]},
            },
        ),
    ]:
        response = manager.post(f"{API}/pause/", body, format="json")
        assert (response.status_code, response.json()) == (400, answer), body


def test_a_groups_policy_and_pause(chasing, manager, make_member, api_for, tenant_b):
    """Group EXP of conftest.py is paused until 2026-06-30: read, then given another policy and resumed; a
    controller may read but not change it; another tenant's policy and a pause in the past are refused."""
    with tenant_context(chasing.tenant):
        group_id = chasing.customers[5].group_id
        gentle = ChasingPolicy.objects.create(name="Gentle")
    listed = manager.get(f"{API}/groups/").json()
    assert listed == [
        {
            "group": group_id,
            "code": "EXP",
            "name": "Export",
            "policy": None,
            "paused_until": "2026-06-30",
            "pause_reason": "",
        }
    ]
    changed = manager.put(
        f"{API}/groups/{group_id}/", {"policy": gentle.pk, "paused_until": None}, format="json"
    )
    assert (changed.status_code, changed.json()) == (
        200,
        {
            "group": group_id,
            "code": "EXP",
            "name": "Export",
            "policy": gentle.pk,
            "paused_until": None,
            "pause_reason": "",
        },
    )
    controller = api_for(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    assert controller.get(f"{API}/groups/{group_id}/").json()["policy"] == gentle.pk
    assert (controller.put(f"{API}/groups/{group_id}/", {}, format="json").status_code) == 403
    with tenant_context(tenant_b):
        theirs = ChasingPolicy.objects.create(name="Beta")
    refused = manager.put(f"{API}/groups/{group_id}/", {"policy": theirs.pk}, format="json")
    assert (refused.status_code, refused.json()) == (
        400,
        {"policy": [f'Invalid pk "{theirs.pk}" - object does not exist.']},
    )
    past = manager.put(f"{API}/groups/{group_id}/", {"paused_until": "2020-01-01"}, format="json")
    assert (past.status_code, past.json()["errors"]) == (
        400,
        {"paused_until": ["The pause must last until today or a later day."]},
    )
    assert manager.get(f"{API}/groups/999999/").status_code == 404
