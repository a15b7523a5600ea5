"""Pages: aging setup (bands validated, nothing half-written) and recalculation runs with live progress;
a second tenant gets 404s and sees none of the first tenant's rows."""

import re

import pytest

from aging import services
from aging.models import AgingBand, AgingSetup, RecalculationRun
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context

from .helpers import hand_worked_ledger


@pytest.fixture
def ledger(tenant_a):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        return hand_worked_ledger(tenant_a)


def _setup_post(bands, **overrides):
    data = {
        "basis": "posting_date",
        "use_work_date": "on",
        "dso_period_days": "60",
        "nightly_recalculation_time": "01:30",
        "bands-TOTAL_FORMS": "10",
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "10",
        "bands-MAX_NUM_FORMS": "10",
        **overrides,
    }
    for i in range(10):
        label, low, high = bands[i] if i < len(bands) else ("", "", "")
        data.update({f"bands-{i}-label": label, f"bands-{i}-from_days": low, f"bands-{i}-to_days": high})
    return data


def test_admin_edits_setup_and_bands(tenant_a, ledger, make_member, client_for):
    client = client_for(make_member(tenant_a, Role.ADMIN))
    page = client.get("/t/alpha/aging/setup/")
    assert page.status_code == 200 and "Over 90 days" in page.content.decode()
    bands = [("Current", "", "0"), ("1-15", "1", "15"), ("16-45", "16", "45"), ("Older", "46", "")]
    response = client.post("/t/alpha/aging/setup/", _setup_post(bands))
    assert response.status_code == 302
    with tenant_context(tenant_a):
        assert [(b.label, b.from_days, b.to_days) for b in AgingBand.objects.all()] == [
            ("Current", None, 0),
            ("1-15", 1, 15),
            ("16-45", 16, 45),
            ("Older", 46, None),
        ]
        setup = AgingSetup.objects.get()
        assert (setup.basis, setup.use_work_date, setup.dso_period_days) == ("posting_date", True, 60)
        assert str(setup.nightly_recalculation_time) == "01:30:00"


def test_overlapping_or_gapped_bands_are_refused_with_the_band_named(
    tenant_a, ledger, make_member, client_for
):
    client = client_for(make_member(tenant_a, Role.ADMIN))
    bands = [("Current", "", "0"), ("1-30", "1", "30"), ("25-60", "25", "60"), ("Older", "70", "")]
    response = client.post("/t/alpha/aging/setup/", _setup_post(bands))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Band 3: it overlaps band 2 (which ends at 30); it must start at 31." in text
    assert "Band 4: it leaves a gap after band 3 (which ends at 60); it must start at 61." in text
    with tenant_context(tenant_a):  # nothing written, not even the settings
        assert AgingBand.objects.count() == 5 and AgingSetup.objects.get().basis == "due_date"
    assert services.aging_bands_problems([{"label": "x", "from_days": 1, "to_days": None}]) == [
        "Band 1: the first band must be open below (leave 'from' empty)."
    ]


def test_setup_page_is_for_admins(tenant_a, make_member, client_for):
    tenant_initialise(tenant_a)
    client = client_for(make_member(tenant_a, Role.MANAGER))
    assert client.get("/t/alpha/aging/setup/").status_code == 403


def test_runs_page_buttons_progress_and_history(
    tenant_a, ledger, make_member, client_for, django_capture_on_commit_callbacks
):
    controller = client_for(make_member(tenant_a, Role.CONTROLLER))
    page = controller.get("/t/alpha/aging/recalculations/").content.decode()
    assert "Recalculate Entries" in page and "Recalculate All</button>" not in page
    assert "<strong>3</strong> of 3 customers are stale now." in page  # C3 has no entries, so no row yet
    response = controller.post("/t/alpha/aging/recalculations/start/", {"kind": "all"})
    assert response.status_code == 302
    with tenant_context(tenant_a):
        assert not RecalculationRun.objects.exists()

    admin = client_for(make_member(tenant_a, Role.ADMIN))
    with tenant_context(tenant_a):
        queued = services.recalculation_start(kind="all")  # a worker has not picked it up yet
    page = admin.get("/t/alpha/aging/recalculations/").content.decode()
    assert 'hx-trigger="every 1s"' in page and f'id="run-{queued.pk}"' in page
    with tenant_context(tenant_a):
        services.recalculate_all(trigger="manual", run_id=queued.pk)
    progress = admin.get(f"/t/alpha/aging/recalculations/{queued.pk}/progress/").content.decode()
    assert 'data-status="succeeded"' in progress and "100%" in progress and "hx-trigger" not in progress
    page = admin.get("/t/alpha/aging/recalculations/").content.decode()
    assert f'data-run="{queued.pk}"' in page and "Succeeded" in page


def test_the_runs_history_row_follows_the_bar_to_the_finished_state(
    tenant_a, ledger, make_member, client_for
):
    """The poll that sees the run finish also swaps its history row (htmx out of band): no "Running, 0, 0"
    left under a full bar."""
    admin = client_for(make_member(tenant_a, Role.ADMIN))
    with tenant_context(tenant_a):
        run = services.recalculation_start(kind="all")
        RecalculationRun.objects.filter(pk=run.pk).update(status="running", progress=40)
    progress = admin.get(f"/t/alpha/aging/recalculations/{run.pk}/progress/").content.decode()
    row = f'<tr id="run-row-{run.pk}" data-run="{run.pk}" data-status="running" hx-swap-oob="true">'
    assert row in progress and 'hx-trigger="every 1s"' in progress
    with tenant_context(tenant_a):
        services.recalculate_all(trigger="manual", run_id=run.pk)
    progress = admin.get(f"/t/alpha/aging/recalculations/{run.pk}/progress/").content.decode()
    assert "hx-trigger" not in progress and "100%" in progress
    row = progress[progress.index(f'<tr id="run-row-{run.pk}"') :]
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert 'data-status="succeeded" hx-swap-oob="true"' in row
    assert (cells[1], cells[7], cells[8], cells[9]) == ("Recalculate All", "4", "18", "Succeeded")
    # the page itself has no out-of-band row: only the answers to the poll carry one
    page = admin.get("/t/alpha/aging/recalculations/").content.decode()
    assert f'id="run-row-{run.pk}"' in page and "hx-swap-oob" not in page


def test_second_tenant_gets_404_and_sees_none_of_the_first(
    tenant_a, tenant_b, ledger, make_member, client_for
):
    with tenant_context(tenant_a):
        run = services.recalculate_all(trigger="command")
    client = client_for(make_member(tenant_b, Role.ADMIN))
    tenant_initialise(tenant_b)
    assert client.get(f"/t/beta/aging/recalculations/{run.pk}/progress/").status_code == 404
    page = client.get("/t/beta/aging/recalculations/").content.decode()
    assert f'data-run="{run.pk}"' not in page and "No recalculation yet." in page
    assert "Over 90 days" in client.get("/t/beta/aging/setup/").content.decode()
    assert client.get("/t/alpha/aging/recalculations/").status_code == 404
    assert client.get("/t/alpha/aging/setup/").status_code == 404
    assert client.post("/t/alpha/aging/recalculations/start/", {"kind": "all"}).status_code == 404
    with tenant_context(tenant_a):
        assert RecalculationRun.objects.count() == 1
