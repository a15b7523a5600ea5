"""A viewer is offered no form or button that writes (card, ledger, interactions, timeline, to-dos,
promises); a forbidden page or write answers the styled error page with the reason, never a bare 403."""

import re

import pytest

from creditcontrol.models import Role
from interactions.models import Interaction
from interactions.services import interaction_create, todo_create

from .conftest import days

VIEWER_MESSAGE = (
    "You are a viewer here: you can read every page but not change anything. "
    "Ask a tenant admin for the credit controller role to work customers."
)


@pytest.fixture
def pages(world):
    interaction = interaction_create(customer=world.customer, user=world.controller, description="Call")
    todo_create(
        customer=world.customer,
        user=world.controller,
        description="Ring back",
        due_date=days(1, today=world.today),
    )
    t, c = world.tenant.slug, world.customer.pk
    return {
        "card": f"/t/{t}/customers/{c}/",
        "ledger": f"/t/{t}/ledger/?customer={c}",
        "interactions": f"/t/{t}/interactions/",
        "interaction": f"/t/{t}/interactions/{interaction.pk}/",
        "timeline": f"/t/{t}/interactions/customers/{c}/timeline/",
        "todos": f"/t/{t}/interactions/todos/?owner=all",
        "promises": f"/t/{t}/interactions/promises/",
    }


WRITE_MARKS = (
    "/interactions/new/",
    "/interactions/todos/new/",
    "/record-payment/",
    'method="post"',
    'id="create-interaction"',
    'id="header-form"',
    'id="update-entries"',
)


def _offers(html):
    """The write forms and links a page offers, by the marks above; the personal ones (sign out, the work
    date, the branch context) are everyone's."""
    html = re.sub(r'<form[^>]*action="[^"]*/(logout|work-date|branch)/".*?</form>', "", html, flags=re.S)
    return [mark for mark in WRITE_MARKS if mark in html]


def test_a_viewer_is_offered_no_write_anywhere(world, pages, client_for, make_member):
    viewer = client_for(make_member(world.tenant, Role.VIEWER, username="vic"))
    for name, path in pages.items():
        response = viewer.get(path)
        assert response.status_code == 200, name
        assert _offers(response.content.decode()) == [], name


def test_a_controller_is_offered_them(world, pages, client_for):
    controller = client_for(world.controller)
    offered = {name: _offers(controller.get(path).content.decode()) for name, path in pages.items()}
    assert "/interactions/new/" in offered["card"] and "/interactions/todos/new/" in offered["card"]
    assert "/record-payment/" in offered["card"]
    assert 'id="create-interaction"' in offered["ledger"]
    assert "/interactions/new/" in offered["interactions"] and "/interactions/new/" in offered["timeline"]
    assert 'id="header-form"' in offered["interaction"] and 'id="update-entries"' in offered["interaction"]
    assert 'method="post"' in offered["todos"]  # the Close button of an open to-do


def test_a_viewer_asking_for_a_write_form_gets_the_styled_page_with_the_reason(
    world, client_for, make_member
):
    viewer = client_for(make_member(world.tenant, Role.VIEWER, username="vic"))
    for path in (
        f"/t/{world.tenant.slug}/interactions/new/?customer={world.customer.pk}",
        f"/t/{world.tenant.slug}/interactions/todos/new/?customer={world.customer.pk}",
    ):
        response = viewer.get(path)
        html = response.content.decode()
        assert response.status_code == 403, path
        assert "<h1>That could not be done</h1>" in html and VIEWER_MESSAGE in html
        assert 'class="mainnav"' in html  # the application's page, with its navigation


def test_a_viewers_write_gets_the_styled_page_or_the_error_area(world, client_for, make_member):
    viewer = client_for(make_member(world.tenant, Role.VIEWER, username="vic"))
    path = f"/t/{world.tenant.slug}/interactions/new/"
    response = viewer.post(path, {"customer": world.customer.pk, "description": "Call"})
    assert response.status_code == 403
    assert VIEWER_MESSAGE in response.content.decode() and "Forbidden" not in response.content.decode()
    response = viewer.post(path, {"customer": world.customer.pk}, HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Retarget"], response["HX-Reswap"]) == (
        403,
        "#page-errors",
        "innerHTML",
    )
    assert response.content.decode().strip() == (
        f'<div class="page-error" role="alert">\n  <strong>{VIEWER_MESSAGE}</strong>\n  \n</div>'
    )
    assert not Interaction.objects.exists()


def test_a_role_short_of_the_page_is_told_which_it_needs(world, client_for):
    controller = client_for(world.controller)
    response = controller.post(f"/t/{world.tenant.slug}/interactions/status-codes/", {"code": "X"})
    assert response.status_code == 403
    assert (
        "This needs the Tenant admin role or above; yours is Credit controller." in response.content.decode()
    )
