"""Creating interactions: lines, the default contact, the caption, selected totals and the follow-up to-do."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from creditcontrol.errors import DomainError
from interactions import selectors
from interactions.models import InteractionLine, ToDo, ToDoKind
from interactions.services import (
    interaction_create,
    interaction_lines_select,
    interaction_update,
    interactions_create_for_customers,
)
from tests import factories

from .conftest import days


def _at(world, hour=10, minute=15):
    return datetime.datetime.combine(
        world.today, datetime.time(hour, minute), zoneinfo.ZoneInfo("Europe/London")
    )


def test_interaction_for_chosen_entries_has_them_as_ticked_lines(world):
    interaction = interaction_create(
        customer=world.customer,
        user=world.controller,
        description="Called about overdue invoices",
        occurred_at=_at(world),
        entry_ids=[world.older.pk, world.newer.pk],
    )
    lines = list(InteractionLine.objects.filter(interaction=interaction).values_list("entry_id", "selected"))
    assert sorted(lines) == [(world.older.pk, True), (world.newer.pk, True)]
    assert interaction.contact == world.contact  # the credit-control contact, not the primary one
    assert interaction.controller == world.controller
    assert interaction.caption(zoneinfo.ZoneInfo("Europe/London")) == (
        f"Harbour Foods Ltd · {world.today.isoformat()} 10:15 · Called about overdue invoices"
    )
    totals = selectors.interaction_selection_totals(interaction=interaction)
    assert totals == {
        "count": 2,
        "remaining_amount": Decimal("1500.00"),
        "remaining_amount_lcy": Decimal("1500.00"),
        "currency": "GBP",
    }


def test_without_entries_every_open_entry_is_a_line_unticked(world):
    paid = factories.invoice(world.customer, "SI-0999", days(-60, today=world.today).isoformat(), "50.00")
    pay = factories.payment(world.customer, "PMT-1", days(-50, today=world.today).isoformat(), "50.00")
    from ledger.services import entries_apply

    entries_apply(
        applying_entry_id=pay.pk, applied_entry_id=paid.pk, posting_date=days(-50, today=world.today)
    )
    interaction = interaction_create(
        customer=world.customer, user=world.controller, description="Statement call"
    )
    lines = sorted(
        InteractionLine.objects.filter(interaction=interaction).values_list("entry_id", "selected")
    )
    assert lines == [(world.older.pk, False), (world.newer.pk, False)]
    assert selectors.interaction_selection_totals(interaction=interaction)["remaining_amount"] == Decimal(
        "0.00"
    )


def test_ticking_and_unticking_lines_changes_the_selected_totals(world):
    euro = factories.invoice(
        world.customer,
        "SI-EUR",
        days(-5, today=world.today).isoformat(),
        "100.00",
        currency_code="EUR",
        amount_lcy=Decimal("86.40"),
    )
    interaction = interaction_create(customer=world.customer, user=world.controller, description="Call")
    assert interaction_lines_select(interaction=interaction, entry_ids=[world.older.pk], selected=True) == 1
    totals = selectors.interaction_selection_totals(interaction=interaction)
    assert (totals["remaining_amount"], totals["remaining_amount_lcy"]) == (
        Decimal("1200.00"),
        Decimal("1200.00"),
    )
    interaction_lines_select(interaction=interaction, entry_ids=[world.newer.pk], selected=True)
    assert selectors.interaction_selection_totals(interaction=interaction)["remaining_amount"] == Decimal(
        "1500.00"
    )
    interaction_lines_select(interaction=interaction, entry_ids=[world.older.pk], selected=False)
    assert selectors.interaction_selection_totals(interaction=interaction)["remaining_amount"] == Decimal(
        "300.00"
    )
    # A selection across currencies has no remaining amount worth adding up; its LCY twin still adds.
    interaction_lines_select(interaction=interaction, entry_ids=[euro.pk], selected=True)
    totals = selectors.interaction_selection_totals(interaction=interaction)
    assert (totals["remaining_amount"], totals["remaining_amount_lcy"]) == (None, Decimal("386.40"))


def test_lines_of_another_interaction_cannot_be_ticked(world):
    interaction = interaction_create(
        customer=world.customer, user=world.controller, description="Call", entry_ids=[world.older.pk]
    )
    with pytest.raises(DomainError) as error:
        interaction_lines_select(interaction=interaction, entry_ids=[world.newer.pk], selected=True)
    assert error.value.message == f"Entries [{world.newer.pk}] are not lines of this interaction."


def test_next_interaction_date_raises_a_follow_up_to_do(world):
    next_date = days(7, today=world.today)
    interaction = interaction_create(
        customer=world.customer,
        user=world.controller,
        description="Left a message",
        occurred_at=_at(world),
        next_interaction_date=next_date,
    )
    todo = ToDo.objects.get(interaction=interaction)
    assert (todo.kind, todo.description, todo.due_date, todo.assigned_to, todo.status) == (
        ToDoKind.FOLLOW_UP,
        f"Follow up call from {world.today.isoformat()}",
        next_date,
        world.controller,
        "open",
    )
    assert sorted(todo.watched.values_list("entry_id", flat=True)) == [world.older.pk, world.newer.pk]

    later = days(10, today=world.today)
    interaction_update(interaction=interaction, user=world.controller, next_interaction_date=later)
    assert list(ToDo.objects.filter(interaction=interaction).values_list("due_date", "status")) == [
        (later, "open")
    ]

    interaction_update(interaction=interaction, user=world.controller, next_interaction_date=None)
    todo.refresh_from_db()
    assert (todo.status, todo.closed_reason) == ("closed", "Next interaction date removed.")


def test_no_next_interaction_date_no_to_do(world):
    interaction = interaction_create(customer=world.customer, user=world.controller, description="Email sent")
    assert not ToDo.objects.filter(interaction=interaction).exists()


def test_header_validation_names_the_field(world):
    with pytest.raises(DomainError) as error:
        interaction_create(
            customer=world.customer,
            user=world.controller,
            description=" ",
            occurred_at=_at(world),
            next_interaction_date=days(-1, today=world.today),
        )
    assert error.value.details == {
        "description": ["Enter a description (it is the interaction's caption)."],
        "next_interaction_date": [
            f"The next interaction date cannot be before the interaction ({world.today.isoformat()})."
        ],
    }
    other = factories.customer(code="C200", name="Acme")
    foreign_entry = factories.invoice(other, "SI-9", world.today.isoformat(), "10.00")
    with pytest.raises(DomainError) as error:
        interaction_create(
            customer=world.customer, user=world.controller, description="Call", entry_ids=[foreign_entry.pk]
        )
    assert error.value.details == {
        "entries": [f"Entries [{foreign_entry.pk}] are not entries of customer C100."]
    }


def test_one_interaction_per_customer_from_the_credit_list(world):
    other = factories.customer(code="C200", name="Acme Builders")
    factories.invoice(other, "SI-2001", world.today.isoformat(), "75.00")
    created = interactions_create_for_customers(
        customer_ids=[world.customer.pk, other.pk], user=world.controller, description="Month-end calls"
    )
    assert [(i.customer.code, i.lines.count(), i.description) for i in created] == [
        ("C100", 2, "Month-end calls"),
        ("C200", 1, "Month-end calls"),
    ]
