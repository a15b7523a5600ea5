"""The interaction pages: create, tick lines (htmx), the fields each status code shows, update selected
entries with its messages, the to-do list, the customer card's timeline and its PDF."""

import datetime
import re

import pytest

from creditcontrol.models import Role
from interactions.models import Interaction, ToDo
from interactions.services import interaction_create, todo_create
from tests.conftest import require_system_package

from .conftest import days


@pytest.fixture
def web(world, client_for):
    return client_for(world.controller)


def _p(world, path=""):
    return f"/t/{world.tenant.slug}/interactions/{path}"


def test_create_from_chosen_entries(world, web):
    url = _p(world, f"new/?customer={world.customer.pk}&entries={world.older.pk}&entries={world.newer.pk}")
    html = web.get(url).content.decode()
    assert "Chris Credit" in html and "020 7946 0001" in html and "chris@harbour.example" in html
    assert html.count("SI-100") == 2
    response = web.post(
        _p(world, "new/"),
        {
            "customer": world.customer.pk,
            "entries": [world.older.pk, world.newer.pk],
            "interaction_type": "phone_call",
            "occurred_at": f"{world.today.isoformat()}T10:15",
            "description": "Called about overdue invoices",
            "contact": world.contact.pk,
        },
    )
    interaction = Interaction.objects.get()
    assert response.status_code == 302 and response["Location"] == _p(world, f"{interaction.pk}/")
    html = web.get(response["Location"]).content.decode()
    assert f"Harbour Foods Ltd · {world.today:%d/%m/%Y} 10:15 · Called about overdue invoices" in html
    assert re.search(r'data-figure="selected-remaining">1,500.00 GBP<', html)
    assert re.search(r'data-figure="selected-remaining-lcy">1,500.00 GBP<', html)


def test_create_for_several_customers_from_the_credit_list(world, web):
    from tests import factories

    other = factories.customer(code="C200", name="Acme Builders")
    response = web.post(
        _p(world, "new/"),
        {
            "customers": [world.customer.pk, other.pk],
            "interaction_type": "email",
            "occurred_at": f"{world.today.isoformat()}T08:00",
            "description": "Statement reminder",
        },
    )
    assert response.status_code == 302
    assert sorted(Interaction.objects.values_list("customer__code", "interaction_type")) == [
        ("C100", "email"),
        ("C200", "email"),
    ]


def test_create_without_a_customer_asks_for_one(world, web):
    html = web.get(_p(world, "new/?customer_code=NOPE")).content.decode()
    assert "No customer with code NOPE." in html
    response = web.get(_p(world, "new/?customer_code=c100"))
    assert "Create interaction · C100 Harbour Foods Ltd" in response.content.decode()


def test_ticking_a_line_answers_with_the_new_totals(world, web):
    interaction = interaction_create(
        customer=world.customer,
        user=world.controller,
        description="Call",
        entry_ids=[world.older.pk, world.newer.pk],
    )
    url = _p(world, f"{interaction.pk}/lines/")
    response = web.post(url, {"entry": world.older.pk}, HTTP_HX_REQUEST="true")  # unticked: no "selected"
    html = response.content.decode()
    assert html.startswith('<dl id="selection-totals">')
    assert re.search(r'data-figure="selected-remaining">300.00 GBP<', html)
    html = web.post(url, {"entry": world.older.pk, "selected": "on"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'data-figure="selected-remaining">1,500.00 GBP<', html)
    assert list(interaction.lines.order_by("entry_id").values_list("selected", flat=True)) == [True, True]


@pytest.mark.parametrize(
    ("code", "fields", "shown", "hidden"),
    [
        (
            "PROMISED",
            "promised",
            ["promised_full_amount", "promised_amount", "promised_payment_date"],
            ["query_resolution"],
        ),
        ("QUERIED", "queried", ["query_resolution_target_date", "query_resolution_by"], ["promised_"]),
        ("CALLBACK", "none", [], ["promised_", "query_resolution"]),
    ],
)
def test_the_fields_each_status_code_shows(world, web, code, fields, shown, hidden):
    html = web.get(_p(world, f"entry-fields/?status_code={world.codes[code].pk}")).content.decode()
    assert f'data-fields="{fields}"' in html
    for name in shown:
        assert f'name="{name}"' in html
    for name in hidden:
        assert f'name="{name}' not in html


def test_queried_fields_default_to_the_work_date_and_me(world, web):
    from creditcontrol.models import Membership

    Membership.objects.filter(user=world.controller).update(work_date=days(-2, today=world.today))
    html = web.get(_p(world, f"entry-fields/?status_code={world.codes['DISPUTED'].pk}")).content.decode()
    assert f'value="{days(-2, today=world.today).isoformat()}"' in html
    assert re.search(rf'<option value="{world.controller.pk}" selected>carol</option>', html)


def test_update_selected_entries_shows_errors_then_the_to_do(world, web):
    interaction = interaction_create(
        customer=world.customer,
        user=world.controller,
        description="Call",
        entry_ids=[world.older.pk, world.newer.pk],
    )
    url = _p(world, f"{interaction.pk}/update-entries/")
    promised = days(4, today=world.today).isoformat()
    response = web.post(
        url,
        {
            "status_code": world.codes["PROMISED"].pk,
            "promised_amount": "2000",
            "promised_payment_date": promised,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "The promised payment amount 2,000.00 is more than the selected entries&#x27; remaining amount 1,500.00."
        in html
    )
    assert 'data-fields="promised"' in html  # the promise fields stay on screen with the error
    response = web.post(
        url,
        {
            "status_code": world.codes["PROMISED"].pk,
            "promised_amount": "400",
            "promised_payment_date": promised,
        },
    )
    assert response.status_code == 302
    html = web.get(response["Location"]).content.decode()
    shown = datetime.date.fromisoformat(promised).strftime("%d/%m/%Y")  # the tenant's (en-gb) date format
    assert f"2 entries updated: PROMISED. To-do: Check promised payment has been received ({shown})." in html
    html = web.get(_p(world, "todos/")).content.decode()
    assert "Check promised payment has been received" in html and shown in html


def test_the_to_do_list_filters_and_closing(world, web):
    todo = todo_create(
        customer=world.customer,
        user=world.controller,
        description="Ring back",
        due_date=days(-1, today=world.today),
    )
    html = web.get(_p(world, "todos/?state=overdue")).content.decode()
    assert "Ring back" in html and 'class="overdue"' in html
    assert "Ring back" in web.get(_p(world, "todos/?owner=all&customer_code=c100")).content.decode()
    assert "Ring back" not in web.get(_p(world, "todos/?owner=all&customer_code=C999")).content.decode()
    response = web.post(_p(world, f"todos/{todo.pk}/close/"), {"next": _p(world, "todos/?state=closed")})
    assert response["Location"] == _p(world, "todos/?state=closed")
    assert "Ring back" in web.get(response["Location"]).content.decode()
    response = web.post(_p(world, f"todos/{todo.pk}/close/"), {"next": "https://evil.example/"})
    assert response["Location"] == _p(world, "todos/")


def test_the_card_shows_the_timeline_and_links(world, web):
    interaction = interaction_create(
        customer=world.customer, user=world.controller, description="Left a message"
    )
    card = web.get(f"/t/{world.tenant.slug}/customers/{world.customer.pk}/").content.decode()
    assert (
        f'href="/t/{world.tenant.slug}/interactions/new/?customer={world.customer.pk}">Create interaction'
        in card
    )
    assert f'hx-get="/t/{world.tenant.slug}/interactions/customers/{world.customer.pk}/timeline/"' in card
    fragment = web.get(
        _p(world, f"customers/{world.customer.pk}/timeline/"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.startswith('<div id="timeline">')
    assert (
        f'href="/t/{world.tenant.slug}/interactions/{interaction.pk}/">Phone call: Left a message</a>'
        in fragment
    )
    assert "Invoice SI-1001 posted: 1,200.00 GBP" in fragment
    kinds = re.findall(r'data-kind="([\w-]+)"', fragment)
    assert kinds == ["interaction", "posting", "posting"]


def test_the_timeline_pdf(world, web):
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # Pango missing
        require_system_package(False, f"WeasyPrint cannot load its system libraries ({error}); see .ci/run")
    interaction_create(customer=world.customer, user=world.controller, description="Left a message")
    response = web.get(_p(world, f"customers/{world.customer.pk}/timeline.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="timeline-C100.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_viewers_cannot_post(world, client_for, make_member):
    viewer = client_for(make_member(world.tenant, Role.VIEWER, username="vic"))
    interaction = interaction_create(customer=world.customer, user=world.controller, description="Call")
    assert viewer.get(_p(world, f"{interaction.pk}/")).status_code == 200
    assert viewer.post(_p(world, f"{interaction.pk}/lines/"), {"entry": world.older.pk}).status_code == 403
    assert viewer.post(_p(world, f"{interaction.pk}/update-entries/"), {}).status_code == 403
    assert viewer.post(_p(world, "new/"), {"customer": world.customer.pk}).status_code == 403
    assert viewer.post(_p(world, "status-codes/"), {"code": "X"}).status_code == 403
    assert not ToDo.objects.exists()


def test_only_admins_create_status_codes_on_the_page(world, client_for, make_member):
    controller = client_for(world.controller)
    assert controller.post(_p(world, "status-codes/"), {"code": "X"}).status_code == 403
    admin = client_for(make_member(world.tenant, Role.ADMIN, username="ada"))
    response = admin.post(
        _p(world, "status-codes/"),
        {"new-code": "legal", "new-description": "With solicitors", "new-queried": "on"},
    )
    assert response.status_code == 302
    assert "LEGAL" in admin.get(_p(world, "status-codes/")).content.decode()


def test_a_german_tenant_types_the_promised_amount_its_way(world, web):
    world.tenant.language = "de-de"
    world.tenant.save(update_fields=["language"])
    interaction = interaction_create(
        customer=world.customer, user=world.controller, description="Anruf", entry_ids=[world.older.pk]
    )
    url = _p(world, f"{interaction.pk}/update-entries/")
    body = {
        "status_code": world.codes["PROMISED"].pk,
        "promised_payment_date": days(4, today=world.today).isoformat(),
    }
    refused = web.post(url, {**body, "promised_amount": "1,000.00"})
    assert refused.status_code == 400
    assert "Write the amount as 1.234,56 or 1234,56: a comma before the cents" in refused.content.decode()
    assert web.post(url, {**body, "promised_amount": "1.000,50"}).status_code == 302
    world.older.refresh_from_db()
    assert str(world.older.promised_amount) == "1000.50"
