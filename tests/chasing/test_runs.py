"""Runs over time: the level an item reaches over successive runs, the repeat limit, nothing new on a
same-day re-run, the review (drop, edit, release), what a sent reminder leaves behind, and one open run
per tenant even when two start at the same instant."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from chasing.models import ChasingLevel, ChasingRun, EntryChasing, Reminder, ReminderStatus, RunStatus
from chasing.services import (
    reminder_edit,
    reminders_drop,
    reminders_release,
    run_close,
    run_propose,
    run_send,
    run_start,
)
from creditcontrol.errors import DomainError
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from interactions.models import ToDo
from ledger.feeds import ledger_fed
from messaging.models import Message
from tests import factories
from tests.factories import D


@pytest.fixture
def one(tenant_a):
    """C100 owes INV-1 600.00, posted 2026-05-02, due 2026-06-01; the standard policy (3, 17, 31 days),
    its last level repeated at most twice, 14 days apart; level 3 holds the customer's documents."""
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        customer = factories.customer(code="C100", name="Moor Mills", address="2 Moor Lane\nYork")
        Contact.objects.create(customer=customer, name="Mo", email="mo@moor.example", is_primary=True)
        invoice = factories.invoice(customer, "INV-1", "2026-05-02", "600.00")
        ChasingLevel.objects.filter(number=3).update(hold_documents=True)
        ledger_fed()
    return tenant_a, customer, invoice


def run_and_send(tenant, as_of):
    """Start, propose, release everything, make the messages: the run's proposed levels by customer."""
    with tenant_context(tenant):
        run = run_propose(run_start(as_of=D(as_of)).pk)
        levels = dict(
            Reminder.objects.filter(run=run, status="proposed").values_list("customer__code", "level")
        )
        if run.status == RunStatus.PROPOSED:
            reminders_release(run=run)
            run_send(run.pk)
            run.refresh_from_db()
        assert run.status == RunStatus.FINISHED
    return levels


def test_levels_over_successive_runs_the_repeat_limit_and_same_day_reruns(one):
    tenant, customer, invoice = one
    assert run_and_send(tenant, "2026-06-02") == {}  # 1 day overdue
    assert run_and_send(tenant, "2026-06-10") == {"C100": 1}  # 9 days
    assert run_and_send(tenant, "2026-06-10") == {}  # the same day again: nothing new
    assert run_and_send(tenant, "2026-06-15") == {}  # 14 days: level 2 is at 17
    assert run_and_send(tenant, "2026-06-18") == {"C100": 2}  # 17 days
    assert run_and_send(tenant, "2026-07-02") == {"C100": 3}  # 31 days
    assert run_and_send(tenant, "2026-07-15") == {}  # 13 days after level 3: a repeat waits 14
    assert run_and_send(tenant, "2026-07-16") == {"C100": 3}  # repeat 1
    assert run_and_send(tenant, "2026-07-30") == {"C100": 3}  # repeat 2
    assert run_and_send(tenant, "2026-08-13") == {}  # repeated twice: no more
    with tenant_context(tenant):
        state = EntryChasing.objects.get(entry=invoice)
        assert (state.level, state.repeats, state.reminded_on) == (3, 2, D("2026-07-30"))
        messages = list(Message.objects.order_by("pk").values_list("purpose", "channel", "subject"))
        assert messages == [
            ("reminder", "email", "Friendly reminder: account C100"),
            ("reminder", "email", "Second reminder: account C100"),
            *[("reminder", "email", "Final notice: account C100")] * 3,
        ]
        # Level 3 asks for a call, each time it is sent, and holds the customer's documents.
        assert list(ToDo.objects.values_list("kind", "description", "due_date")) == [
            ("chasing", "Call about the final notice", D("2026-07-02")),
            ("chasing", "Call about the final notice", D("2026-07-16")),
            ("chasing", "Call about the final notice", D("2026-07-30")),
        ]
        customer.refresh_from_db()
        assert customer.hold_all is True


def test_a_sent_reminder_lists_its_items_with_their_levels_and_is_on_the_timeline(one, mail_server):
    tenant, customer, invoice = one
    with tenant_context(tenant):
        factories.invoice(customer, "INV-2", "2026-05-30", "40.00")  # due 06-29: not yet due
        factories.credit_memo(customer, "CN-1", "2026-06-05", "25.00")  # unapplied: netted
        run = run_propose(run_start(as_of=D("2026-06-10")).pk)
        reminders_release(run=run)
        run_send(run.pk)
        reminder = Reminder.objects.get(run=run)
        message = reminder.message
        assert (reminder.status, message.recipient, message.channel) == (
            ReminderStatus.SENT,
            "mo@moor.example",
            "email",
        )
        assert "INV-1" in message.body and "600.00 GBP" in message.body
        table = message.body.split("are now due:\n\n")[1].split("\n\n")[0].splitlines()
        assert table == [
            "Document  Due          Remaining  Days overdue  Reminder",
            "INV-1     01/06/2026  600.00 GBP             9  level 1",
            "CN-1      05/06/2026  -25.00 GBP                credit, netted",
            "INV-2     29/06/2026   40.00 GBP                not yet due",
        ]
        assert [d.filename for d in message.documents.all()] == ["statement-C100-2026-06-10.pdf"]


def test_the_review_drops_edits_and_releases_and_an_item_paid_meanwhile_is_not_chased(one):
    tenant, customer, invoice = one
    with tenant_context(tenant):
        other = factories.customer(code="C200", name="Vale Vans", email="ap@vale.example")
        factories.invoice(other, "V-1", "2026-05-02", "90.00")
        third = factories.customer(code="C300", name="Wold Wines", email="ap@wold.example")
        paid = factories.invoice(third, "W-1", "2026-05-02", "70.00")
        run = run_propose(run_start(as_of=D("2026-06-10")).pk)
        by_code = {r.customer.code: r for r in Reminder.objects.filter(run=run).select_related("customer")}
        assert set(by_code) == {"C100", "C200", "C300"}
        reminders_drop(run=run, reminder_ids=[by_code["C200"].pk], reason="Settling by phone")
        with pytest.raises(DomainError, match="Unknown variable"):
            reminder_edit(reminder=by_code["C100"], subject="Hi", body="{{ custmer.name }}")
        reminder_edit(
            reminder=by_code["C100"], subject="About {{ customer.code }}", body="Please pay {{ overdue }}."
        )
        pay = factories.payment(third, "P-W", "2026-06-09", "70.00")
        from ledger.services import entries_apply

        entries_apply(applying_entry_id=pay.pk, applied_entry_id=paid.pk, posting_date=D("2026-06-09"))
        assert reminders_release(run=run) == 2
        run_send(run.pk)
        run.refresh_from_db()
        result = {
            r.customer.code: (r.status, r.reason, r.message.subject if r.message else None)
            for r in Reminder.objects.filter(run=run).select_related("customer", "message")
        }
        assert result == {
            "C100": ("sent", "", "About C100"),
            "C200": ("dropped", "Settling by phone", None),
            "C300": ("failed", "Nothing left to chase: the items were settled after the proposal.", None),
        }
        assert Reminder.objects.get(run=run, customer=customer).message.body == "Please pay 600.00 GBP."
        assert (run.status, run.released, run.sent) == (RunStatus.FINISHED, 2, 1)
        # A dropped customer's item keeps its level: the next run proposes it again.
        assert not EntryChasing.objects.filter(entry__document_no="V-1").exists()


def test_a_second_start_is_told_which_run_is_open_and_a_closed_run_lets_the_next_start(one):
    tenant, _customer, _invoice = one
    with tenant_context(tenant):
        run = run_propose(run_start(as_of=D("2026-06-10")).pk)
        with pytest.raises(DomainError) as error:
            run_start(as_of=D("2026-06-10"))
        assert error.value.message == (
            f"Run {run.pk} of 10/06/2026 is still open (awaiting review): review and release it, or close it, "
            "before starting another."
        )
        run_close(run=run)
        run.refresh_from_db()
        assert run.status == RunStatus.FINISHED
        assert list(Reminder.objects.values_list("status", "reason")) == [("dropped", "The run was closed.")]
        assert run_start(as_of=D("2026-06-10")).status == RunStatus.PROPOSING


@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_the_same_instant_make_one(tenant_a):
    tenant_initialise(tenant_a)
    barrier = threading.Barrier(2)
    outcomes = []

    def start():
        try:
            with tenant_context(tenant_a):
                barrier.wait(timeout=10)
                run_start(as_of=D("2026-06-10"))
                outcomes.append("started")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["run_open", "started"]
    with tenant_context(tenant_a):
        assert ChasingRun.objects.count() == 1


def test_a_run_cannot_look_ahead_and_a_filter_must_select_someone(one):
    tenant, _customer, _invoice = one
    with tenant_context(tenant):
        with pytest.raises(DomainError, match="A run cannot look ahead of today."):
            run_start(as_of=D("2099-01-01"))
        with pytest.raises(DomainError, match="The filter selects no customer."):
            run_start(customer_ids=[])


def test_overdue_in_lcy_nets_credits(one):
    tenant, customer, _invoice = one
    with tenant_context(tenant):
        factories.credit_memo(customer, "CM-1", "2026-05-03", "599.50")
        from chasing.models import ChasingPolicy

        ChasingPolicy.objects.update(minimum_overdue_lcy=Decimal("1.00"))
        run = run_propose(run_start(as_of=D("2026-06-10")).pk)
        assert list(Reminder.objects.filter(run=run).values_list("status", "overdue_lcy", "reason")) == [
            ("skipped", Decimal("0.50"), "Overdue 0.50 GBP is below the minimum of 1.00 GBP.")
        ]


def test_an_item_paid_after_the_proposal_no_longer_sets_the_level(one):
    """INV-1 had reached level 2 and is due a final notice (level 3); INV-9 is due its first reminder. The
    proposal is at level 3; INV-1 is paid before release: the reminder goes at level 1, with no to-do and
    no hold (level 3's)."""
    from ledger.services import entries_apply

    tenant, customer, invoice = one
    with tenant_context(tenant):
        EntryChasing.objects.create(entry=invoice, level=2, repeats=0, reminded_on=D("2026-06-20"))
        factories.invoice(customer, "INV-9", "2026-06-01", "50.00")  # due 07-01: 4 days on 07-05
        run = run_propose(run_start(as_of=D("2026-07-05")).pk)
        reminder = Reminder.objects.get(run=run)
        assert reminder.level == 3
        payment = factories.payment(customer, "PAY-1", "2026-07-04", "600.00")
        entries_apply(applying_entry_id=payment.pk, applied_entry_id=invoice.pk, posting_date=D("2026-07-04"))
        reminders_release(run=run)
        run_send(run.pk)
        reminder.refresh_from_db()
        customer.refresh_from_db()
        assert (reminder.status, reminder.level, reminder.message.subject) == (
            "sent",
            1,
            "Friendly reminder: account C100",
        )
        assert (ToDo.objects.count(), customer.hold_all) == (0, False)


def test_a_reminder_that_cannot_be_made_fails_alone(one, monkeypatch):
    """Making one customer's PDF breaks (not a refusal the product knows): that reminder fails with the
    reason, the others are sent, and the run finishes."""
    from messaging import documents

    tenant, customer, _invoice = one
    with tenant_context(tenant):
        other = factories.customer(code="C200", name="Vale Vans", email="ap@vale.example")
        factories.invoice(other, "V-1", "2026-05-02", "90.00")
        run = run_propose(run_start(as_of=D("2026-06-10")).pk)
        reminders_release(run=run)
        real = documents.statement_pdf

        def breaks_for_c100(statement):
            if statement.customer.code == "C100":
                raise RuntimeError("the renderer ran out of fonts")
            return real(statement)

        monkeypatch.setattr(documents, "statement_pdf", breaks_for_c100)
        run_send(run.pk)
        run.refresh_from_db()
        result = dict(Reminder.objects.filter(run=run).values_list("customer__code", "status"))
        assert result == {"C100": "failed", "C200": "sent"}
        assert Reminder.objects.get(run=run, customer=customer).reason == (
            "The reminder could not be made: the renderer ran out of fonts"
        )
        assert run.status == RunStatus.FINISHED


def test_a_run_whose_proposal_never_came_can_be_closed_or_is_failed(one):
    """A run still proposing (its task lost) is closed by a manager; one whose proposal failed is failed:
    either way the next run may start. A run looks back at most ten years."""
    from chasing.services import run_fail

    tenant, _customer, _invoice = one
    with tenant_context(tenant):
        lost = run_start(as_of=D("2026-06-10"))  # no worker here: it stays proposing
        run_close(run=lost)
        lost.refresh_from_db()
        assert lost.status == RunStatus.FINISHED
        broken = run_start(as_of=D("2026-06-10"))
        run_fail(broken.pk, "The proposal could not be made: lost connection")
        broken.refresh_from_db()
        assert (broken.status, broken.status_reason) == (
            RunStatus.FAILED,
            "The proposal could not be made: lost connection",
        )
        assert run_start(as_of=D("2026-06-10")).status == RunStatus.PROPOSING
        with pytest.raises(DomainError, match="A run looks back at most ten years."):
            run_start(as_of=D("2010-01-01"))


def test_a_long_reason_is_cut_to_its_column(one):
    from chasing.models import GroupChasing
    from customers.models import CustomerGroup

    tenant, customer, _invoice = one
    with tenant_context(tenant):
        group = CustomerGroup.objects.create(code="G" * 20, name="Long")
        customer.group = group
        customer.save()
        GroupChasing.objects.create(group=group, paused_until=D("2026-06-30"), pause_reason="x" * 250)
        run = run_propose(run_start(as_of=D("2026-06-10")).pk)
        reason = Reminder.objects.get(run=run).reason
        assert reason == (f"Group {'G' * 20} paused until 30/06/2026: " + "x" * 250 + ".")[:300]
