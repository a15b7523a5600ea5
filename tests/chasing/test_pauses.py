"""Who is chased, on the ledger of conftest.py: a customer's pause lasts up to its day and ends by itself;
a group's pause; a pause in the past is refused; an excluded customer is never chased; the customer's own
policy wins over its group's, which wins over the default; an inactive policy cannot be chosen.

The clock stands at the day each step happens (a pause is set on one day, runs look at the next ones), so
that "today" is what the services check a pause against."""

import datetime

import pytest
from django.utils import timezone

from chasing.models import ChasingPolicy, ChasingRun, Reminder, RunStatus
from chasing.services import (
    customer_chasing_set,
    customers_pause,
    group_chasing_set,
    level_save,
    policy_save,
    run_propose,
    run_start,
)
from creditcontrol.errors import DomainError
from creditcontrol.tenancy import tenant_context
from customers.models import Customer, CustomerGroup
from tests.factories import D


@pytest.fixture
def clock(monkeypatch):
    """Sets the day it is (noon UTC): `clock("2026-06-10")`."""

    def set_day(day: str) -> None:
        moment = datetime.datetime.combine(D(day), datetime.time(12, 0), tzinfo=datetime.UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_day


def proposal(chasing, as_of: str, *codes: str) -> dict:
    """A run of these customers as of the day (the clock there too): {code: (status, level, policy, reason)};
    the run is then closed, so that the next can start."""
    with tenant_context(chasing.tenant):
        ids = list(Customer.objects.filter(code__in=codes).values_list("pk", flat=True))
        run = run_propose(run_start(as_of=D(as_of), customer_ids=ids).pk)
        answer = {
            r.customer.code: (r.status, r.level, r.policy.name if r.policy else None, r.reason)
            for r in Reminder.objects.filter(run=run).select_related("customer", "policy")
        }
        ChasingRun.objects.filter(pk=run.pk).update(status=RunStatus.FINISHED)
    return answer


def test_a_pause_lasts_up_to_its_day_and_ends_by_itself(chasing, clock):
    clock("2026-06-08")
    with tenant_context(chasing.tenant):
        paused = customers_pause(
            customers=Customer.objects.filter(code__in=["C001", "C002"]), until=D("2026-06-10"), reason="Away"
        )
    assert paused == 2
    clock("2026-06-10")
    assert proposal(chasing, "2026-06-10", "C001", "C002") == {
        "C001": ("skipped", 1, "Standard", "Paused until 10/06/2026: Away."),
        "C002": ("skipped", 1, "Standard", "Paused until 10/06/2026: Away."),
    }
    clock("2026-06-11")  # nobody resumed them: the day after, they are chased
    assert proposal(chasing, "2026-06-11", "C001", "C002") == {
        "C001": ("proposed", 1, "Standard", ""),
        "C002": ("proposed", 1, "Standard", ""),
    }


def test_resuming_ends_a_pause_at_once(chasing, clock):
    clock("2026-06-10")
    with tenant_context(chasing.tenant):
        customers_pause(customers=Customer.objects.filter(code="C004"), until=None)
    assert proposal(chasing, "2026-06-10", "C004") == {"C004": ("proposed", 1, "Standard", "")}


def test_a_groups_pause(chasing, clock):
    clock("2026-06-09")
    with tenant_context(chasing.tenant):
        key = CustomerGroup.objects.create(code="KEY", name="Key accounts")
        Customer.objects.filter(code__in=["C001", "C008"]).update(group=key)
        group_chasing_set(group=key, policy=None, paused_until=D("2026-06-11"), reason="Trade fair")
    clock("2026-06-11")
    assert proposal(chasing, "2026-06-11", "C001", "C002", "C008") == {
        "C001": ("skipped", 1, "Standard", "Group KEY paused until 11/06/2026: Trade fair."),
        "C002": ("proposed", 1, "Standard", ""),
        "C008": ("skipped", 1, "Standard", "Group KEY paused until 11/06/2026: Trade fair."),
    }
    clock("2026-06-12")
    assert proposal(chasing, "2026-06-12", "C001", "C008") == {
        "C001": ("proposed", 1, "Standard", ""),
        "C008": ("proposed", 1, "Standard", "No address for email: sent as a letter."),
    }


def test_a_pause_in_the_past_is_refused_and_changes_nothing(chasing, clock):
    clock("2026-06-10")
    with tenant_context(chasing.tenant):
        group = CustomerGroup.objects.get(code="EXP")
        for pause in (
            lambda: customers_pause(customers=Customer.objects.filter(code="C001"), until=D("2026-06-09")),
            lambda: group_chasing_set(group=group, policy=None, paused_until=D("2026-06-09")),
        ):
            with pytest.raises(DomainError) as error:
                pause()
            assert (error.value.message, error.value.details) == (
                "The pause must last until today or a later day.",
                {"paused_until": ["The pause must last until today or a later day."]},
            )
        customers_pause(
            customers=Customer.objects.filter(code="C001"), until=D("2026-06-10")
        )  # today will do
    assert proposal(chasing, "2026-06-10", "C005")["C005"][3] == "Group EXP paused until 30/06/2026."


def test_an_excluded_customer_is_never_chased_until_included_again(chasing, clock):
    clock("2026-06-10")
    with tenant_context(chasing.tenant):
        customer_chasing_set(customer=chasing.customers[1], policy=None, excluded=True)
    assert proposal(chasing, "2026-06-10", "C001") == {
        "C001": ("skipped", 1, "Standard", "Not chased (set on the customer).")
    }
    with tenant_context(chasing.tenant):
        customer_chasing_set(customer=chasing.customers[1], policy=None, excluded=False)
    assert proposal(chasing, "2026-06-10", "C001") == {"C001": ("proposed", 1, "Standard", "")}


def one_level_policy(name: str, days: int) -> ChasingPolicy:
    policy = policy_save(name=name)
    level_save(policy=policy, name=f"{name} reminder", days=days, template_name="Friendly reminder")
    return policy


def test_the_customers_policy_wins_over_its_groups_which_wins_over_the_default(chasing, clock):
    """Standard: level 1 at 3 days; Late: at 30 days; Early: at 1 day."""
    clock("2026-06-10")
    with tenant_context(chasing.tenant):
        late, early = one_level_policy("Late", 30), one_level_policy("Early", 1)
        key = CustomerGroup.objects.create(code="KEY", name="Key accounts")
        group_chasing_set(group=key, policy=late, paused_until=None)
        Customer.objects.filter(code__in=["C001", "C002", "C012"]).update(group=key)
        customer_chasing_set(customer=chasing.customers[12], policy=early, excluded=False)
    assert proposal(chasing, "2026-06-10", "C001", "C002", "C008", "C012") == {
        # C001 (9 days) follows its group's Late: not due yet; C002 (40 days) is
        "C002": ("proposed", 1, "Late", ""),
        "C008": (
            "proposed",
            1,
            "Standard",
            "No address for email: sent as a letter.",
        ),  # no group: the default
        "C012": ("proposed", 1, "Early", ""),  # 1 day: its own policy
    }


def test_an_inactive_policy_cannot_be_chosen(chasing):
    with tenant_context(chasing.tenant):
        idle = ChasingPolicy.objects.create(name="Idle", is_active=False)
        key = CustomerGroup.objects.create(code="KEY", name="Key accounts")
        for choose in (
            lambda: customer_chasing_set(customer=chasing.customers[1], policy=idle, excluded=False),
            lambda: group_chasing_set(group=key, policy=idle, paused_until=None),
        ):
            with pytest.raises(DomainError) as error:
                choose()
            assert (error.value.message, error.value.details) == (
                "Policy Idle is inactive.",
                {"policy": ["Choose an active policy."]},
            )
        with pytest.raises(DomainError, match="The default policy must be active."):
            policy_save(policy=chasing.policy, is_active=False)
