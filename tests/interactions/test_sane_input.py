"""An interaction records what happened: not dated after today (in the tenant's zone), its description
within the model's length; refused with the field named on the page, in the API and in the service."""

import datetime
import zoneinfo

import pytest

from creditcontrol.errors import DomainError
from interactions.models import Interaction
from interactions.services import interaction_create, interaction_update

from .conftest import days

LONDON = zoneinfo.ZoneInfo("Europe/London")


def _late_today(world) -> datetime.datetime:
    return datetime.datetime.combine(world.today, datetime.time(23, 59), LONDON)


def test_today_is_the_last_day_an_interaction_can_be_dated(world):
    assert interaction_create(
        customer=world.customer, user=world.controller, description="Call", occurred_at=_late_today(world)
    )
    tomorrow = _late_today(world) + datetime.timedelta(minutes=1)
    with pytest.raises(DomainError) as error:
        interaction_create(
            customer=world.customer, user=world.controller, description="Call", occurred_at=tomorrow
        )
    assert error.value.details == {
        "occurred_at": [
            "An interaction records what happened: its date-time cannot be after today "
            f"({world.today.isoformat()})."
        ]
    }


def test_a_description_longer_than_the_model_allows_is_refused(world):
    with pytest.raises(DomainError) as error:
        interaction_create(customer=world.customer, user=world.controller, description="x" * 5000)
    assert error.value.details == {
        "description": ["At most 250 characters (this has 5000): put the rest in the notes."]
    }
    assert interaction_create(
        customer=world.customer, user=world.controller, description=" " + "x" * 250 + " "
    )


def test_an_old_interaction_keeps_its_date_when_other_fields_change(world):
    """Only a date-time being set is checked: editing the notes of any interaction works."""
    interaction = interaction_create(customer=world.customer, user=world.controller, description="Call")
    Interaction.objects.filter(pk=interaction.pk).update(
        occurred_at=_late_today(world) + datetime.timedelta(days=30)  # e.g. from before the rule
    )
    interaction.refresh_from_db()
    interaction_update(interaction=interaction, notes="Spoke to Chris")
    with pytest.raises(DomainError, match="cannot be after today"):
        interaction_update(interaction=interaction, occurred_at=interaction.occurred_at)


def test_the_api_answers_400_naming_the_field(world, api_for):
    api = api_for(world.controller)
    response = api.post(
        f"/api/t/{world.tenant.slug}/interactions/",
        {
            "customer": world.customer.pk,
            "interaction_type": "phone_call",
            "occurred_at": f"{days(1, today=world.today).isoformat()}T09:30:00",
            "description": "Called",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "occurred_at": [
            "An interaction records what happened: its date-time cannot be after today "
            f"({world.today.isoformat()})."
        ]
    }
    assert not Interaction.objects.exists()


def test_the_page_shows_both_errors_inline_and_keeps_the_input(world, client_for):
    page = client_for(world.controller).post(
        f"/t/{world.tenant.slug}/interactions/new/",
        {
            "customer": world.customer.pk,
            "interaction_type": "phone_call",
            "occurred_at": "2030-01-01T10:15",
            "description": "Called about overdue invoices",
        },
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert "its date-time cannot be after today" in html
    assert 'value="2030-01-01T10:15"' in html
    assert not Interaction.objects.exists()
    form = client_for(world.controller).get(
        f"/t/{world.tenant.slug}/interactions/new/?customer={world.customer.pk}"
    )
    assert 'maxlength="250"' in form.content.decode()
