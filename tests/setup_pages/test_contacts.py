"""Contacts on the customer card: add, edit, mark inactive; one primary and one credit-control contact per
customer (marking one takes the mark off the other); an inactive contact can be neither."""

import pytest
from django.contrib.messages import get_messages

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from customers.services import contact_save
from tests import factories


@pytest.fixture
def card(tenant_a, make_member, client):
    carl = make_member(tenant_a, Role.CONTROLLER, username="carl")
    with tenant_context(tenant_a):
        customer = factories.customer(code="C1", name="Crown Fabrics", controller=carl)
        pat = Contact.objects.create(
            customer=customer, name="Pat", is_primary=True, is_credit_control_contact=True
        )
    client.force_login(carl)
    return {"client": client, "tenant": tenant_a, "customer": customer, "pat": pat}


def _form(**fields):
    return {"name": "Sam", "position": "AP clerk", "email": "sam@crown.example", "phone": "0100", **fields}


def _contacts(card) -> list[tuple]:
    with tenant_context(card["tenant"]):
        return list(
            Contact.objects.filter(customer=card["customer"])
            .order_by("name")
            .values_list("name", "is_primary", "is_credit_control_contact", "is_inactive")
        )


def test_adding_the_new_credit_control_contact_takes_the_mark_off_the_old_one(card):
    client, customer = card["client"], card["customer"]
    response = client.post(
        f"/t/alpha/customers/{customer.pk}/contacts/new/", _form(is_credit_control_contact="on")
    )
    assert response.status_code == 302 and response["Location"] == f"/t/alpha/customers/{customer.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Contact Sam saved."]
    assert _contacts(card) == [("Pat", True, False, False), ("Sam", False, True, False)]
    page = client.get(f"/t/alpha/customers/{customer.pk}/").content.decode()
    assert f'href="/t/alpha/customers/{customer.pk}/contacts/new/">Add contact</a>' in page
    assert f'href="/t/alpha/customers/contacts/{card["pat"].pk}/" aria-label="Edit Pat">Edit</a>' in page


def test_editing_a_contact_and_making_it_primary(card):
    client = card["client"]
    with tenant_context(card["tenant"]):
        sam = contact_save(contact=Contact(customer=card["customer"], name="Sam"))
    form = client.get(f"/t/alpha/customers/contacts/{sam.pk}/")
    assert form.status_code == 200 and 'value="Sam"' in form.content.decode()
    client.post(f"/t/alpha/customers/contacts/{sam.pk}/", _form(name="Sam Lee", is_primary="on"))
    assert _contacts(card) == [("Pat", False, True, False), ("Sam Lee", True, False, False)]


def test_an_inactive_contact_cannot_keep_a_mark_and_the_form_says_so(card):
    client, pat = card["client"], card["pat"]
    response = client.post(
        f"/t/alpha/customers/contacts/{pat.pk}/", _form(name="Pat", is_primary="on", is_inactive="on")
    )
    assert response.status_code == 400
    assert (
        '<div class="error" data-field-error="is_inactive">An inactive contact can be neither the primary nor the '
        "credit-control contact.</div>" in response.content.decode()
    )
    assert _contacts(card) == [("Pat", True, True, False)]
    client.post(f"/t/alpha/customers/contacts/{pat.pk}/", _form(name="Pat", is_inactive="on"))
    assert _contacts(card) == [("Pat", False, False, True)]


def test_a_missing_name_or_a_bad_email_is_shown_inline(card):
    response = card["client"].post(
        f"/t/alpha/customers/{card['customer'].pk}/contacts/new/", _form(name="", email="nope")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert '<div class="error" data-field-error="name">This field is required.</div>' in body
    assert '<div class="error" data-field-error="email">Enter a valid email address.</div>' in body
    assert _contacts(card) == [("Pat", True, True, False)]


def test_the_service_keeps_one_primary(card):
    with tenant_context(card["tenant"]):
        contact_save(contact=Contact(customer=card["customer"], name="Ann", is_primary=True))
        with pytest.raises(DomainError):
            contact_save(
                contact=Contact(customer=card["customer"], name="Bob", is_inactive=True, is_primary=True)
            )
        assert Contact.objects.filter(customer=card["customer"], is_primary=True).count() == 1


def test_a_viewer_cannot_change_contacts(card, make_member, client):
    client.force_login(make_member(card["tenant"], Role.VIEWER))
    assert client.post(f"/t/alpha/customers/contacts/{card['pat'].pk}/", _form()).status_code == 403
    assert b"Add contact" not in client.get(f"/t/alpha/customers/{card['customer'].pk}/").content
