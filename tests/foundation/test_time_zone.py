"""Every page and endpoint shows date-times in the tenant's time zone, which the request's tenant entry
activates (the middleware for pages, TenantAPIMixin for token calls), and a date in the timeline stays
on its own day."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from aging.models import RecalculationRun
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import CreditLimitChange
from interactions.models import Interaction
from tests import factories

UTC = datetime.UTC


@pytest.fixture
def auckland(tenant_a):
    """Tenant A in Auckland (UTC+13 in January): 12:30 UTC on the 15th is 01:30 on the 16th there."""
    tenant_a.time_zone = "Pacific/Auckland"
    tenant_a.save()
    return tenant_a


@pytest.fixture
def los_angeles(tenant_a):
    """Tenant A in Los Angeles (UTC-7 in July): midnight there is 07:00 UTC."""
    tenant_a.time_zone = "America/Los_Angeles"
    tenant_a.save()
    return tenant_a


def test_the_customer_cards_credit_limit_history_shows_the_tenants_local_time(
    auckland, make_member, client_for
):
    with tenant_context(auckland):
        customer = factories.customer(code="C1", name="Kiwi Kitchens")
        CreditLimitChange.objects.create(
            customer=customer,
            changed_at=datetime.datetime(2026, 1, 15, 12, 30, tzinfo=UTC),
            old_limit_lcy=None,
            new_limit_lcy=Decimal("5000.00"),
            checked_on=datetime.date(2026, 1, 16),
            note="Annual review",
        )
    client = client_for(make_member(auckland, Role.VIEWER))

    html = client.get(f"/t/alpha/customers/{customer.pk}/").content.decode()

    assert "<tr><td>16/01/2026 01:30</td>" in html
    assert "15/01/2026" not in html


def test_the_recalculation_runs_page_shows_the_tenants_local_time(auckland, make_member, client_for):
    with tenant_context(auckland):
        RecalculationRun.objects.create(
            kind=RecalculationRun.Kind.ENTRIES,
            status=RecalculationRun.Status.SUCCEEDED,
            started_at=datetime.datetime(2026, 1, 15, 12, 30, tzinfo=UTC),
            finished_at=datetime.datetime(2026, 1, 15, 12, 31, tzinfo=UTC),
        )
    client = client_for(make_member(auckland, Role.VIEWER))

    html = client.get("/t/alpha/aging/recalculations/").content.decode()

    assert "<td>16/01/2026 01:30</td><td>16/01/2026 01:31</td>" in html
    assert "15/01/2026" not in html


def test_the_timeline_shows_postings_on_their_own_day_and_interactions_at_local_time(
    los_angeles, make_member, client_for
):
    with tenant_context(los_angeles):
        customer = factories.customer(code="C1", name="Sunset Supplies")
        factories.invoice(customer, "SI-1", "2026-07-01", "100.00")
        Interaction.objects.create(
            customer=customer,
            occurred_at=datetime.datetime(2026, 7, 2, 3, 15, tzinfo=UTC),  # 1 July, 20:15 in LA
            description="Called about SI-1",
        )
    client = client_for(make_member(los_angeles, Role.VIEWER))

    fragment = client.get(
        f"/t/alpha/interactions/customers/{customer.pk}/timeline/", HTTP_HX_REQUEST="true"
    ).content.decode()
    page = client.get(f"/t/alpha/interactions/customers/{customer.pk}/timeline/").content.decode()

    for html in (fragment, page):
        assert '<tr data-kind="interaction">\n        <td>01/07/2026 20:15</td>' in html
        assert '<tr data-kind="posting">\n        <td>01/07/2026</td>' in html
        assert "30/06/2026" not in html
        assert "02/07/2026" not in html


def test_the_api_gives_date_times_in_the_tenants_time_zone_with_a_session_or_a_token(
    auckland, make_member, client_for
):
    with tenant_context(auckland):
        customer = factories.customer(code="C1", name="Kiwi Kitchens")
        change = CreditLimitChange.objects.create(
            customer=customer,
            changed_at=datetime.datetime(2026, 1, 15, 12, 30, tzinfo=UTC),
            new_limit_lcy=Decimal("5000.00"),
            checked_on=datetime.date(2026, 1, 16),
        )
    url = f"/api/t/alpha/credit-limit-changes/{change.pk}/"
    session = client_for(make_member(auckland, Role.VIEWER, username="web"))
    token = Token.objects.create(user=make_member(auckland, Role.VIEWER, username="erp"))

    by_session = session.get(url).json()
    session.logout()
    by_token = session.get(url, HTTP_AUTHORIZATION=f"Token {token.key}").json()

    assert by_session["changed_at"] == by_token["changed_at"] == "2026-01-16T01:30:00+13:00"
    assert timezone.get_current_timezone_name() == "UTC"  # and left when the request ended
