"""The chasing pages on the hand-worked ledger of conftest.py: Setup > Chasing (schedule, feeds, policies,
levels, groups), the runs, a run's proposal (who is proposed at which level, who is left out and why), its
review, a reminder's preview and edit, the card's Chasing panel and the credit list's chasing actions;
what a controller and a viewer may see and do."""

import re
from html.parser import HTMLParser

import pytest

from chasing.models import (
    ChasingLevel,
    ChasingPolicy,
    ChasingRun,
    ChasingSetup,
    CustomerChasing,
    GroupChasing,
    Reminder,
    RunStatus,
)
from chasing.services import run_propose
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import CustomerGroup
from tests.factories import D

SLUG = "alpha"


def text(response) -> str:
    """The page's text with tags taken out and spaces squeezed, for exact sentences."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


class _Rows(HTMLParser):
    """The body rows of one table (by id), each as its squeezed text, a nested table's text in its row."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.depth, self.in_head, self.row, self.rows = table_id, 0, False, None, []

    def handle_starttag(self, tag, attrs):
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
        elif self.depth == 1 and tag == "thead":
            self.in_head = True
        elif self.depth == 1 and tag == "tr" and not self.in_head:
            self.row = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth == 1 and tag == "thead":
            self.in_head = False
        elif self.depth == 1 and tag == "tr" and self.row is not None:
            self.rows.append(re.sub(r"\s+", " ", " ".join(self.row)).strip())
            self.row = None

    def handle_data(self, data):
        if self.row is not None:
            self.row.append(data)


def rows(response, table_id) -> list[str]:
    """Each body row of a table as its squeezed text."""
    parser = _Rows(table_id)
    parser.feed(response.content.decode())
    return parser.rows


@pytest.fixture
def admin(chasing, make_member, client):
    client.force_login(make_member(chasing.tenant, Role.ADMIN, username="ada"))
    return client


def start(client, as_of="2026-06-10", capture=None):
    with capture(execute=True):
        response = client.post(f"/t/{SLUG}/chasing/start/", {"as_of": as_of})
    return response


# --- Setup > Chasing ------------------------------------------------------------------------------------


def test_the_setup_page_shows_the_schedule_the_feeds_the_policies_and_the_groups(admin, chasing):
    response = admin.get(f"/t/{SLUG}/setup/chasing/")
    assert response.status_code == 200
    feeds = rows(response, "feeds")
    assert [row.split(" ", 2)[:2] for row in feeds] == [["The", "whole"], ["Branch", "NTH"]]
    assert rows(response, "policies-table") == [
        "Standard default 1. Friendly reminder (3 d) · 2. Second reminder (17 d) · 3. Final notice (31 d) "
        "50.00 GBP 7 days 2 × every 14 days Attached Active"
    ]
    assert 'data-group="EXP"' in response.content.decode()
    index = admin.get(f"/t/{SLUG}/setup/")
    assert f'href="/t/{SLUG}/setup/chasing/"' in index.content.decode()


def test_the_schedule_is_saved_and_its_errors_are_on_the_field(admin, chasing):
    refused = admin.post(
        f"/t/{SLUG}/setup/chasing/", {"scheduled": "on", "run_at": "07:30", "freshness_days": "0"}
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert (
        '<div class="error" data-field-error="weekdays">Choose the days the run starts by itself.</div>'
        in html
    )
    assert "<h1>Chasing setup</h1>" in html
    saved = admin.post(
        f"/t/{SLUG}/setup/chasing/",
        {"scheduled": "on", "weekdays": ["1", "3"], "run_at": "07:30", "freshness_days": "5"},
    )
    assert saved.status_code == 302
    with tenant_context(chasing.tenant):
        setup = ChasingSetup.objects.get()
        assert (setup.scheduled, setup.weekdays, setup.run_at.isoformat(), setup.freshness_days) == (
            True,
            [1, 3],
            "07:30:00",
            5,
        )


def test_a_policys_levels_are_edited_added_and_the_last_removed(admin, chasing):
    policy = chasing.policy
    page = admin.get(f"/t/{SLUG}/setup/chasing/policies/{policy.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert [m for m in re.findall(r'data-level="(\w+)"', html)] == ["1", "2", "3", "new"]
    # the template is chosen from the reminder templates' names
    assert '<option value="Final notice" selected>Final notice</option>' in html
    with tenant_context(chasing.tenant):
        levels = {lv.number: lv for lv in ChasingLevel.objects.filter(policy=policy)}
    too_early = admin.post(
        f"/t/{SLUG}/setup/chasing/policies/{policy.pk}/levels/",
        {
            "new-name": "Solicitor",
            "new-days": "20",
            "new-channel": "letter",
            "new-template_name": "Final notice",
        },
    )
    assert too_early.status_code == 400
    assert (
        '<div class="error" data-field-error="days">Level 4 must come later than level 3 (31 days).</div>'
        in too_early.content.decode()
    )
    added = admin.post(
        f"/t/{SLUG}/setup/chasing/policies/{policy.pk}/levels/",
        {
            "new-name": "Solicitor",
            "new-days": "45",
            "new-channel": "letter",
            "new-template_name": "Final notice",
            "new-todo_description": "Hand over",
            "new-fee_lcy": "40.00",
        },
    )
    assert added.status_code == 302
    prefix = f"level{levels[1].pk}"
    edited = admin.post(
        f"/t/{SLUG}/setup/chasing/levels/{levels[1].pk}/",
        {
            f"{prefix}-name": "Courtesy",
            f"{prefix}-days": "-2",
            f"{prefix}-channel": "email",
            f"{prefix}-template_name": "Friendly reminder",
            f"{prefix}-sends_automatically": "on",
        },
    )
    assert edited.status_code == 302
    not_last = admin.post(f"/t/{SLUG}/setup/chasing/levels/{levels[2].pk}/delete/", HTTP_REFERER="")
    assert not_last.status_code == 400
    assert "Only the last level can be removed" in not_last.content.decode()
    with tenant_context(chasing.tenant):
        last = ChasingLevel.objects.get(policy=policy, number=4)
    assert admin.post(f"/t/{SLUG}/setup/chasing/levels/{last.pk}/delete/").status_code == 302
    with tenant_context(chasing.tenant):
        assert list(
            ChasingLevel.objects.filter(policy=policy).values_list(
                "number", "name", "days", "sends_automatically"
            )
        ) == [
            (1, "Courtesy", -2, True),
            (2, "Second reminder", 17, False),
            (3, "Final notice", 31, False),
        ]


def test_a_new_policy_and_its_errors(admin, chasing):
    fields = {
        "name": "Standard",
        "minimum_overdue_lcy": "0",
        "contact_gap_days": "7",
        "repeat_last_times": "1",
        "repeat_after_days": "7",
        "is_active": "on",
    }
    refused = admin.post(f"/t/{SLUG}/setup/chasing/policies/new/", fields)
    assert refused.status_code == 400
    assert 'data-field-error="name">Name: There is already a policy named &#x27;Standard&#x27;.</div>' in (
        refused.content.decode()
    )
    created = admin.post(f"/t/{SLUG}/setup/chasing/policies/new/", {**fields, "name": "Key accounts"})
    with tenant_context(chasing.tenant):
        policy = ChasingPolicy.objects.get(name="Key accounts")
    assert created["Location"] == f"/t/{SLUG}/setup/chasing/policies/{policy.pk}/"


def test_a_groups_policy_and_pause_and_a_pause_in_the_past_refused_on_the_field(admin, chasing):
    with tenant_context(chasing.tenant):
        group = CustomerGroup.objects.get(code="EXP")
    prefix = f"group{group.pk}"
    past = admin.post(
        f"/t/{SLUG}/setup/chasing/groups/{group.pk}/",
        {f"{prefix}-policy": "", f"{prefix}-paused_until": "2020-01-01", f"{prefix}-reason": "Audit"},
    )
    assert past.status_code == 400
    assert (
        '<div class="error" data-field-error="paused_until">The pause must last until today or a later day.</div>'
        in past.content.decode()
    )
    saved = admin.post(
        f"/t/{SLUG}/setup/chasing/groups/{group.pk}/",
        {
            f"{prefix}-policy": str(chasing.policy.pk),
            f"{prefix}-paused_until": "2099-01-31",
            f"{prefix}-reason": "Audit",
        },
    )
    assert saved.status_code == 302
    with tenant_context(chasing.tenant):
        row = GroupChasing.objects.get(group=group)
        assert (row.policy_id, row.paused_until, row.pause_reason) == (
            chasing.policy.pk,
            D("2099-01-31"),
            "Audit",
        )


# --- runs -----------------------------------------------------------------------------------------------


def test_a_run_proposes_and_lists_who_is_left_out_and_why(
    chasing, make_member, client, django_capture_on_commit_callbacks
):
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    response = start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
    assert response["Location"] == f"/t/{SLUG}/chasing/runs/{run.pk}/"
    page = client.get(response["Location"])
    assert rows(page, "reminders") == [
        "C001 Acme Tools GBP 1. Friendly reminder E-mail 400.00 GBP Document Due Days Remaining Level "
        "INV-A1 01/06/2026 9 500.00 GBP 0 → 1 Proposed Edit and preview",
        "C002 Bolt Supplies GBP 1. Friendly reminder E-mail 500.00 GBP Document Due Days Remaining Level "
        "INV-B1 01/05/2026 40 300.00 GBP 0 → 1 INV-B2 05/06/2026 5 200.00 GBP Status QRY: not chased "
        "Proposed Edit and preview",
        "C008 Hull Haulage GBP 1. Friendly reminder Letter 100.00 GBP Document Due Days Remaining Level "
        "INV-H1 20/05/2026 21 100.00 GBP 0 → 1 Proposed No address for email: sent as a letter. "
        "Edit and preview",
    ]
    left_out = {row.split(" ")[0]: row.split(" Document ")[0] for row in rows(page, "left-out-table")}
    stale = left_out.pop("C010")
    assert left_out == {
        "C003": "C003 Cape Foods GBP — 400.00 GBP Every item due for a reminder is left out: Promised for 20/06/2026",
        "C004": "C004 Dune Media GBP 1. Friendly reminder 100.00 GBP Paused until 15/06/2026: On holiday.",
        "C005": "C005 Echo Exports GBP 1. Friendly reminder 100.00 GBP Group EXP paused until 30/06/2026.",
        "C006": "C006 Fern Florists GBP 1. Friendly reminder 20.00 GBP "
        "Overdue 20.00 GBP is below the minimum of 50.00 GBP.",
        "C007": "C007 Gale Marine GBP 1. Friendly reminder 100.00 GBP Contacted on 05/06/2026, fewer than 7 days ago.",
        "C009": "C009 Isle Imports GBP 1. Friendly reminder 100.00 GBP "
        "No e-mail address and no postal address for a letter.",
        "C011": "C011 Kite Kitchens GBP 1. Friendly reminder 100.00 GBP Not chased (set on the customer).",
    }
    assert re.fullmatch(
        r"C010 Jade Jewellers GBP 1\. Friendly reminder 100\.00 GBP Stale ledger: last fed on "
        r"\d\d/\d\d/\d{4}, more than 3 days ago\.",
        stale,
    )
    # the left-out item's own reason, in its customer's items
    assert "INV-C1 20/05/2026 21 400.00 GBP Promised for 20/06/2026" in rows(page, "left-out-table")[0]
    runs = client.get(f"/t/{SLUG}/chasing/")
    [row] = rows(runs, "runs")
    assert re.fullmatch(rf"Run {run.pk} 10/06/2026 Awaiting review 11 3 8 0 0 .+ cleo", row), row


def test_a_second_start_is_told_inline_which_run_is_open(
    chasing, make_member, client, django_capture_on_commit_callbacks
):
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
    again = client.post(f"/t/{SLUG}/chasing/start/", {"as_of": "2026-06-11"})
    assert again.status_code == 400
    assert (
        f'<div class="error" role="alert" id="run-start-error">Run {run.pk} of 10/06/2026 is still open '
        "(awaiting review): review and release it, or close it, before starting another.</div>"
    ) in again.content.decode()
    ahead = client.post(f"/t/{SLUG}/chasing/start/", {"as_of": "2099-01-01"})
    assert (
        '<div class="error" data-field-error="as_of">A run cannot look ahead of today.</div>'
        in ahead.content.decode()
    )


def test_a_controller_sees_and_reviews_only_their_customers_reminders(
    chasing, make_member, client, django_capture_on_commit_callbacks
):
    cleo = make_member(chasing.tenant, Role.CONTROLLER, username="cleo")
    other = make_member(chasing.tenant, Role.CONTROLLER, username="otto")
    with tenant_context(chasing.tenant):
        chasing.customers[1].controller = cleo
        chasing.customers[1].save()
        chasing.customers[2].controller = other
        chasing.customers[2].save()
    client.force_login(cleo)
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
        theirs = Reminder.objects.get(run=run, customer=chasing.customers[2])
    page = client.get(f"/t/{SLUG}/chasing/runs/{run.pk}/")
    assert re.findall(r'<tr data-customer="(\w+)" data-status', page.content.decode()) == ["C001", "C008"]
    assert "Bolt Supplies" not in page.content.decode()
    assert client.get(f"/t/{SLUG}/chasing/reminders/{theirs.pk}/").status_code == 404
    # another's reminder in the ticks: refused, nothing released
    refused = client.post(
        f"/t/{SLUG}/chasing/runs/{run.pk}/review/", {"action": "release", "reminder": [theirs.pk]}
    )
    assert refused.status_code == 400
    assert "Some of these reminders are not proposed in this run any more." in refused.content.decode()
    # Release all is all of mine: the other controller's stays proposed
    with django_capture_on_commit_callbacks(execute=True):
        released = client.post(f"/t/{SLUG}/chasing/runs/{run.pk}/review/", {"action": "release_all"})
    assert released.status_code == 302
    with tenant_context(chasing.tenant):
        assert dict(
            Reminder.objects.filter(run=run).exclude(status="skipped").values_list("customer__code", "status")
        ) == {"C001": "sent", "C002": "proposed", "C008": "sent"}


def test_drop_release_and_the_result_with_its_message(
    chasing, make_member, client, django_capture_on_commit_callbacks
):
    client.force_login(make_member(chasing.tenant, Role.MANAGER, username="max"))
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
        by_code = {r.customer.code: r for r in Reminder.objects.filter(run=run).select_related("customer")}
    url = f"/t/{SLUG}/chasing/runs/{run.pk}/review/"
    dropped = client.post(
        url, {"action": "drop", "reminder": [by_code["C002"].pk], "reason": "Paying by phone"}
    )
    assert dropped.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "release", "reminder": [by_code["C001"].pk]})
    page = client.get(f"/t/{SLUG}/chasing/runs/{run.pk}/")
    html = page.content.decode()
    with tenant_context(chasing.tenant):
        message = Reminder.objects.get(pk=by_code["C001"].pk).message
    statuses = {
        code: row.split(" 0 → 1 ")[-1]
        for code, row in zip(["C001", "C002", "C008"], rows(page, "reminders"), strict=True)
    }
    assert statuses == {
        "C001": "Handed to messages · max Message",
        "C002": "INV-B2 05/06/2026 5 200.00 GBP Status QRY: not chased Dropped Paying by phone · max Preview",
        "C008": "Proposed No address for email: sent as a letter. Edit and preview",
    }
    assert f'href="/t/{SLUG}/messages/{message.pk}/">Message</a>' in html
    closed = client.post(f"/t/{SLUG}/chasing/runs/{run.pk}/close/")
    assert closed.status_code == 302
    with tenant_context(chasing.tenant):
        run.refresh_from_db()
        assert (run.status, Reminder.objects.get(pk=by_code["C008"].pk).reason) == (
            RunStatus.FINISHED,
            "The run was closed.",
        )


def test_a_controller_cannot_close_a_run(chasing, make_member, client, django_capture_on_commit_callbacks):
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
    assert 'id="close-run"' not in client.get(f"/t/{SLUG}/chasing/runs/{run.pk}/").content.decode()
    refused = client.post(f"/t/{SLUG}/chasing/runs/{run.pk}/close/")
    assert refused.status_code == 403
    assert "This needs the Manager role or above; yours is Credit controller." in text(refused)


def test_a_reminders_preview_and_its_edit(chasing, make_member, client, django_capture_on_commit_callbacks):
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        reminder = Reminder.objects.get(customer=chasing.customers[1])
    url = f"/t/{SLUG}/chasing/reminders/{reminder.pk}/"
    page = client.get(url)
    html = page.content.decode()
    assert '<dd id="preview-subject">Friendly reminder: account C001</dd>' in html
    assert '<dd id="preview-to">ap@c001.example (Acme Tools AP)</dd>' in html
    body = html.split('<pre class="message-body" id="preview-body">')[1].split("</pre>")[0]
    table = body.split("are now due:\n\n")[1].split("\n\n")[0].splitlines()
    assert [line.split() for line in table] == [
        ["Document", "Due", "Remaining", "Days", "overdue", "Reminder"],
        ["CM-A1", "25/05/2026", "-100.00", "GBP", "credit,", "netted"],
        ["INV-A1", "01/06/2026", "500.00", "GBP", "9", "level", "1"],
        ["INV-A2", "19/06/2026", "80.00", "GBP", "not", "yet", "due"],
    ]
    assert "Your overdue balance is 400.00 GBP." in body
    bad = client.post(f"{url}edit/", {"subject": "Hi", "body": "{{ custmer.name }}"})
    assert bad.status_code == 400
    assert 'data-field-error="body">Unknown variable' in bad.content.decode()
    good = client.post(
        f"{url}edit/", {"subject": "About {{ customer.code }}", "body": "Please pay {{ overdue }}."}
    )
    assert good.status_code == 302
    again = client.get(url).content.decode()
    assert '<dd id="preview-subject">About C001</dd>' in again
    assert '<pre class="message-body" id="preview-body">Please pay 400.00 GBP.</pre>' in again


# --- viewers --------------------------------------------------------------------------------------------


def test_a_viewer_sees_the_run_without_buttons_and_is_refused_every_write(
    chasing, make_member, client, django_capture_on_commit_callbacks
):
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
        reminder = Reminder.objects.get(customer=chasing.customers[1])
        level = ChasingLevel.objects.get(policy=chasing.policy, number=3)
        group = CustomerGroup.objects.get(code="EXP")
    client.force_login(make_member(chasing.tenant, Role.VIEWER, username="vera"))
    page = client.get(f"/t/{SLUG}/chasing/runs/{run.pk}/").content.decode()
    assert "<button" not in page.split("<main")[1].split('id="review-form"')[1]
    assert 'id="run-start"' not in client.get(f"/t/{SLUG}/chasing/").content.decode()
    card = client.get(f"/t/{SLUG}/customers/{chasing.customers[1].pk}/").content.decode()
    assert 'id="chasing-panel"' in card and 'id="chasing-pause"' not in card
    writes = [
        f"/t/{SLUG}/chasing/start/",
        f"/t/{SLUG}/chasing/runs/{run.pk}/review/",
        f"/t/{SLUG}/chasing/runs/{run.pk}/close/",
        f"/t/{SLUG}/chasing/reminders/{reminder.pk}/edit/",
        f"/t/{SLUG}/setup/chasing/",
        f"/t/{SLUG}/setup/chasing/policies/new/",
        f"/t/{SLUG}/setup/chasing/policies/{chasing.policy.pk}/",
        f"/t/{SLUG}/setup/chasing/policies/{chasing.policy.pk}/levels/",
        f"/t/{SLUG}/setup/chasing/levels/{level.pk}/",
        f"/t/{SLUG}/setup/chasing/levels/{level.pk}/delete/",
        f"/t/{SLUG}/setup/chasing/groups/{group.pk}/",
        f"/t/{SLUG}/customers/{chasing.customers[1].pk}/chasing/",
        f"/t/{SLUG}/customers/chasing/",
    ]
    for path in writes:
        response = client.post(path, {"action": "release_all", "as_of": "2026-06-10"})
        assert response.status_code == 403, path
        assert "You are a viewer here: you can read every page but not change anything." in text(response), (
            path
        )
        assert "<h1>" in response.content.decode() and "app.css" in response.content.decode(), path
    with tenant_context(chasing.tenant):
        assert Reminder.objects.filter(run=run, status="proposed").count() == 3


# --- the card and the credit list --------------------------------------------------------------------------


def test_the_cards_chasing_panel_after_a_sent_reminder(
    chasing, make_member, client, django_capture_on_commit_callbacks
):
    client.force_login(make_member(chasing.tenant, Role.MANAGER, username="max"))
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
        reminder = Reminder.objects.get(customer=chasing.customers[1])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/t/{SLUG}/chasing/runs/{run.pk}/review/", {"action": "release", "reminder": [reminder.pk]}
        )
    card = client.get(f"/t/{SLUG}/customers/{chasing.customers[1].pk}/")
    html = card.content.decode()
    assert re.sub(r"<[^>]+>|\s+", " ", html.split('id="chasing-policy">')[1].split("</dd>")[0]).split() == [
        "Standard",
        "(the",
        "default)",
    ]
    assert rows(card, "chasing-items") == [
        "INV-A1 01/06/2026 500.00 GBP 1. Friendly reminder 10/06/2026",
        "INV-A2 19/06/2026 80.00 GBP not reminded",
    ]
    assert rows(card, "chasing-reminders") == [
        f"Run {run.pk} 10/06/2026 1. Friendly reminder Handed to messages E-mail"
    ]
    # INV-A1 reaches level 2 on 18/06 (17 days after 01/06), before INV-A2 reaches level 1 on 22/06
    assert "Next step Level 2. Second reminder on 18/06/2026 (INV-A1, due since then)" in text(card)


def test_pause_resume_exclude_and_a_policy_of_its_own_on_the_card(chasing, make_member, client):
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    customer = chasing.customers[1]
    url = f"/t/{SLUG}/customers/{customer.pk}/chasing/"
    past = client.post(url, {"action": "pause", "pause-paused_until": "2020-01-01", "pause-reason": "x"})
    assert past.status_code == 400
    assert (
        '<div class="error" data-field-error="paused_until">The pause must last until today or a later day.</div>'
        in past.content.decode()
    )
    assert (
        client.post(
            url, {"action": "pause", "pause-paused_until": "2099-03-01", "pause-reason": "Dispute"}
        ).status_code
        == 302
    )
    card = text(client.get(f"/t/{SLUG}/customers/{customer.pk}/"))
    assert "Chased Paused until 01/03/2099 Dispute" in card
    assert client.post(url, {"action": "resume"}).status_code == 302
    with tenant_context(chasing.tenant):
        key = ChasingPolicy.objects.create(name="Key accounts")
    assert (
        client.post(
            url, {"action": "settings", "chasing-policy": str(key.pk), "chasing-excluded": "on"}
        ).status_code
        == 302
    )
    with tenant_context(chasing.tenant):
        row = CustomerChasing.objects.get(customer=customer)
        assert (row.paused_until, row.pause_reason, row.policy_id, row.excluded) == (None, "", key.pk, True)
    card = text(client.get(f"/t/{SLUG}/customers/{customer.pk}/"))
    assert "Policy Key accounts (its own) Chased Never chased" in card


def test_the_credit_lists_chasing_actions(chasing, make_member, client, django_capture_on_commit_callbacks):
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    ids = [str(chasing.customers[1].pk), str(chasing.customers[2].pk)]
    credit = client.get(f"/t/{SLUG}/customers/credit/", {"controller": ""}).content.decode()
    for button in ("Chase…", "Pause chasing…", "Resume chasing"):
        assert f">{button}</button>" in credit
    form = client.post(
        f"/t/{SLUG}/customers/chasing/", {"customers": ids, "action": "pause-form", "query": "sort=code"}
    )
    assert "<h1>Pause chasing of 2 customers</h1>" in form.content.decode()
    joined = ",".join(sorted(ids, key=int))
    past = client.post(
        f"/t/{SLUG}/customers/chasing/",
        {"ids": joined, "action": "pause", "paused_until": "2020-01-01", "reason": ""},
    )
    assert past.status_code == 400
    assert "The pause must last until today or a later day." in past.content.decode()
    paused = client.post(
        f"/t/{SLUG}/customers/chasing/",
        {
            "ids": joined,
            "action": "pause",
            "paused_until": "2099-02-01",
            "reason": "Year end",
            "query": "sort=code",
        },
        follow=True,
    )
    assert "Chasing of 2 customers paused until 01/02/2099." in text(paused)
    with tenant_context(chasing.tenant):
        assert sorted(
            CustomerChasing.objects.filter(paused_until=D("2099-02-01")).values_list(
                "customer__code", "pause_reason"
            )
        ) == [("C001", "Year end"), ("C002", "Year end")]
    resumed = client.post(
        f"/t/{SLUG}/customers/chasing/", {"customers": ids, "action": "resume"}, follow=True
    )
    assert "Chasing resumed for 2 customers." in text(resumed)
    chase = client.post(f"/t/{SLUG}/customers/chasing/", {"customers": ids, "action": "chase-form"})
    assert "<h1>Chase 2 customers</h1>" in chase.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            f"/t/{SLUG}/customers/chasing/", {"ids": joined, "action": "chase", "as_of": "2026-06-10"}
        )
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
        assert run.customer_filter == {"customers": sorted(int(pk) for pk in ids)}
        assert sorted(Reminder.objects.filter(run=run).values_list("customer__code", flat=True)) == [
            "C001",
            "C002",
        ]
    assert started["Location"] == f"/t/{SLUG}/chasing/runs/{run.pk}/"


def test_while_the_proposal_is_made_the_run_asks_for_itself_again(chasing, make_member, client):
    """The proposal is a worker's: until it is made the section polls (htmx), then shows the proposal."""
    client.force_login(make_member(chasing.tenant, Role.CONTROLLER, username="cleo"))
    client.post(f"/t/{SLUG}/chasing/start/", {"as_of": "2026-06-10"})  # its task waits for the commit
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
    url = f"/t/{SLUG}/chasing/runs/{run.pk}/"
    page = client.get(url).content.decode()
    assert f'<section id="run" data-status="proposing" hx-get="{url}" hx-trigger="every 1s"' in page
    assert "Making the proposal…" in page
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<section id="run" data-status="proposing"') and "<html" not in fragment
    with tenant_context(chasing.tenant):
        run_propose(run.pk)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert done.startswith('<section id="run" data-status="proposed">')
    assert "11 customers with an item due · 3 proposed · 8 left out" in done


def test_a_runs_page_reads_a_fixed_number_of_queries(
    chasing, make_member, client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """Eleven customers here, thousands in a big run: the queries do not grow with the rows (each page's
    reminders and their items are read at once)."""
    client.force_login(make_member(chasing.tenant, Role.MANAGER, username="max"))
    start(client, capture=django_capture_on_commit_callbacks)
    with tenant_context(chasing.tenant):
        run = ChasingRun.objects.get()
    with django_assert_max_num_queries(20):
        assert client.get(f"/t/{SLUG}/chasing/runs/{run.pk}/").status_code == 200
