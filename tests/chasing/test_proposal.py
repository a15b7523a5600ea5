"""A run's proposal on the hand-worked ledger of conftest.py: who gets which level, which items are listed,
who and what is left out and why."""

from decimal import Decimal

from chasing.models import ChasingRun, Reminder, ReminderLine, RunStatus
from chasing.services import run_propose, run_start
from creditcontrol.tenancy import tenant_context
from tests.chasing.conftest import AS_OF


def proposal(tenant, as_of=AS_OF, **kwargs):
    with tenant_context(tenant):
        run = run_propose(run_start(as_of=as_of, **kwargs).pk)
        reminders = {
            r.customer.code: (r.status, r.level, r.channel, r.reason)
            for r in Reminder.objects.filter(run=run).select_related("customer")
        }
        lines = {
            (line.reminder.customer.code, line.entry.document_no): (
                line.level,
                line.previous_level,
                line.days_overdue,
                line.remaining,
                line.left_out,
            )
            for line in ReminderLine.objects.filter(reminder__run=run).select_related(
                "reminder__customer", "entry"
            )
        }
    return run, reminders, lines


def test_who_gets_which_level_and_who_is_left_out_and_why(chasing):
    run, reminders, lines = proposal(chasing.tenant)
    assert reminders == {
        "C001": ("proposed", 1, "email", ""),
        "C002": ("proposed", 1, "email", ""),
        "C003": ("skipped", None, "", "Every item due for a reminder is left out: Promised for 20/06/2026"),
        "C004": ("skipped", 1, "", "Paused until 15/06/2026: On holiday."),
        "C005": ("skipped", 1, "", "Group EXP paused until 30/06/2026."),
        "C006": ("skipped", 1, "", "Overdue 20.00 GBP is below the minimum of 50.00 GBP."),
        "C007": ("skipped", 1, "", "Contacted on 05/06/2026, fewer than 7 days ago."),
        "C008": ("proposed", 1, "letter", "No address for email: sent as a letter."),
        "C009": ("skipped", 1, "", "No e-mail address and no postal address for a letter."),
        "C010": (
            "skipped",
            1,
            "",
            f"Stale ledger: last fed on {lines_fed_day(chasing)}, more than 3 days ago.",
        ),
        "C011": ("skipped", 1, "", "Not chased (set on the customer)."),
    }
    assert "C012" not in reminders  # 1 day overdue: nothing due yet
    assert lines == {
        ("C001", "INV-A1"): (1, 0, 9, Decimal("500.00"), ""),
        ("C002", "INV-B1"): (1, 0, 40, Decimal("300.00"), ""),
        ("C002", "INV-B2"): (None, 0, 5, Decimal("200.00"), "Status QRY: not chased"),
        ("C003", "INV-C1"): (None, 0, 21, Decimal("400.00"), "Promised for 20/06/2026"),
        **{
            (f"C00{n}" if n < 10 else f"C0{n}", f"INV-{letter}1"): (1, 0, 21, Decimal("100.00"), "")
            for n, letter in ((4, "D"), (5, "E"), (7, "G"), (8, "H"), (9, "I"), (10, "J"), (11, "K"))
        },
        ("C006", "INV-F1"): (1, 0, 9, Decimal("20.00"), ""),
    }
    assert (run.status, run.customers, run.proposed, run.skipped) == (RunStatus.PROPOSED, 11, 3, 8)


def lines_fed_day(chasing):
    from ledger.models import LedgerFeed

    with tenant_context(chasing.tenant):
        fed_at = LedgerFeed.objects.get(branch__code="NTH").fed_at
    import zoneinfo

    return fed_at.astimezone(zoneinfo.ZoneInfo(chasing.tenant.time_zone)).date().strftime("%d/%m/%Y")


def test_the_promise_holds_until_its_date_plus_the_grace_days(chasing):
    """Promised for 06-20 with 2 grace days: left out up to 06-22, chased on 06-23."""
    chasing.tenant.promise_grace_days = 2
    chasing.tenant.save()
    _run, reminders, _lines = proposal(
        chasing.tenant, as_of=AS_OF.replace(day=22), customer_ids=[chasing.customers[3].pk]
    )
    assert reminders["C003"][0] == "skipped"
    with tenant_context(chasing.tenant):
        ChasingRun.objects.update(status=RunStatus.FINISHED)
    _run, reminders, lines = proposal(
        chasing.tenant, as_of=AS_OF.replace(day=23), customer_ids=[chasing.customers[3].pk]
    )
    assert reminders == {"C003": ("proposed", 1, "email", "")}  # 34 days, but one level a run
    assert lines[("C003", "INV-C1")] == (1, 0, 34, Decimal("400.00"), "")


def test_the_reasons_read_in_the_tenants_formats(chasing):
    """A German tenant: the reasons' dates and amounts as its pages write them."""
    chasing.tenant.language = "de-de"
    chasing.tenant.save()
    with tenant_context(chasing.tenant):
        chasing.policy.minimum_overdue_lcy = Decimal("1234.50")
        chasing.policy.save()
    _run, reminders, _lines = proposal(
        chasing.tenant, customer_ids=[chasing.customers[4].pk, chasing.customers[6].pk]
    )
    assert reminders["C004"][3] == "Paused until 15.06.2026: On holiday."
    assert reminders["C006"][3] == "Overdue 20,00 GBP is below the minimum of 1.234,50 GBP."


def test_no_address_for_the_channel_and_no_letter_template_is_left_out(chasing):
    """C008 has no e-mail address: it would get a letter, but the level's letter template is gone."""
    from messaging.models import MessageTemplate

    with tenant_context(chasing.tenant):
        MessageTemplate.objects.filter(
            purpose="reminder", channel="letter", name="Friendly reminder"
        ).delete()
    _run, reminders, _lines = proposal(chasing.tenant, customer_ids=[chasing.customers[8].pk])
    assert reminders == {
        "C008": (
            "skipped",
            1,
            "",
            'No e-mail address, and no letter template named "Friendly reminder" to write instead.',
        )
    }
