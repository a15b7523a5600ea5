"""Search: part of a document number, a contact's name or e-mail, a customer's number, name or city; each
customer shown with code, city and controller so namesakes are told apart; within tenant and scope."""

import re

import pytest
from django.db import connection

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Contact, Customer
from customers.services import contact_save
from tests import factories


def rows(html, table):
    """The body rows of the table `table` as tuples of their cells' text."""
    body = re.search(rf'id="search-{table}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [
        tuple(
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        )
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def counts(html):
    return dict(re.findall(r'data-count="(\w+)">([^<]*)<', html))


@pytest.fixture
def world(tenant_a, tenant_b, make_member, client):
    anna = make_member(tenant_a, Role.CONTROLLER, username="anna")
    anna.first_name, anna.last_name = "Anna", "Berg"
    anna.save()
    ben = make_member(tenant_a, Role.CONTROLLER, username="ben")
    with tenant_context(tenant_a):
        leeds = factories.customer(code="C100", name="Harbour Foods Ltd", city="Leeds", controller=anna)
        york = factories.customer(code="C200", name="Harbour Foods Ltd", city="York", controller=ben)
        factories.customer(code="C300", name="Delta Motors", city="Harrogate")
        factories.invoice(leeds, "SI-2026-00417", "2026-03-02", "1200.00")
        factories.invoice(york, "SI-2026-00418", "2026-03-05", "80.50")
        factories.invoice(york, "CR-88", "2026-03-06", "15.00")
        contact_save(
            contact=Contact(customer=leeds, name="Mara Quist", email="m.quist@harbour-leeds.example")
        )
        contact_save(contact=Contact(customer=york, name="Otto Quist", email="otto@harbour-york.example"))
    with tenant_context(tenant_b):
        factories.customer(code="B100", name="Harbour Foods GmbH", city="Bremen")
    manager = make_member(tenant_a, Role.MANAGER)
    client.force_login(manager)
    return {"client": client, "anna": anna, "ben": ben, "leeds": leeds, "york": york}


def test_part_of_a_document_number_finds_the_documents_with_their_customer(world):
    html = world["client"].get("/t/alpha/customers/search/?q=2026-004").content.decode()
    assert counts(html) == {"customers": "0", "documents": "2", "contacts": "0"}
    assert rows(html, "documents") == [
        (
            "SI-2026-00418",
            "Invoice",
            "05/03/2026",
            "04/04/2026",
            "C200 Harbour Foods Ltd",
            "York",
            "ben",
            "80.50 GBP",
            "80.50 GBP",
            "Open",
        ),
        (
            "SI-2026-00417",
            "Invoice",
            "02/03/2026",
            "01/04/2026",
            "C100 Harbour Foods Ltd",
            "Leeds",
            "Anna Berg",
            "1,200.00 GBP",
            "1,200.00 GBP",
            "Open",
        ),
    ]
    york = world["york"]
    assert f'href="/t/alpha/ledger/?customer={york.pk}&amp;document_no=SI-2026-00418"' in html
    # the link lands on the ledger entries filtered to that document
    ledger = (
        world["client"].get(f"/t/alpha/ledger/?customer={york.pk}&document_no=SI-2026-00418").content.decode()
    )
    assert "SI-2026-00418" in ledger and "SI-2026-00417" not in ledger


def test_a_contacts_e_mail_and_name_find_the_contact_and_customer(world):
    html = world["client"].get("/t/alpha/customers/search/?q=harbour-york").content.decode()
    assert counts(html) == {"customers": "0", "documents": "0", "contacts": "1"}
    assert rows(html, "contacts") == [
        ("Otto Quist", "", "otto@harbour-york.example", "", "C200 Harbour Foods Ltd", "York", "ben"),
    ]
    html = world["client"].get("/t/alpha/customers/search/?q=quist").content.decode()
    assert [row[0] for row in rows(html, "contacts")] == ["Mara Quist", "Otto Quist"]


def test_namesakes_are_told_apart_by_code_city_and_controller(world):
    html = world["client"].get("/t/alpha/customers/search/?q=harbour foods").content.decode()
    assert counts(html)["customers"] == "2"
    assert [row[:4] for row in rows(html, "customers")] == [
        ("C100", "Harbour Foods Ltd", "Leeds", "Anna Berg"),
        ("C200", "Harbour Foods Ltd", "York", "ben"),
    ]


def test_a_city_finds_its_customers_and_a_whole_number_opens_the_card(world):
    html = world["client"].get("/t/alpha/customers/search/?q=harrogate").content.decode()
    # "Harrogate" is found by city, and only one thing matches: the card opens
    response = world["client"].get("/t/alpha/customers/search/?q=harrogate")
    assert response.status_code == 302 and response["Location"].startswith("/t/alpha/customers/")
    response = world["client"].get("/t/alpha/customers/search/?q=c200")
    assert response["Location"] == f"/t/alpha/customers/{world['york'].pk}/"
    html = world["client"].get("/t/alpha/customers/search/?q=york").content.decode()
    assert [row[0] for row in rows(html, "customers")] == ["C200"]
    assert [row[0] for row in rows(html, "contacts")] == ["Otto Quist"]  # by the e-mail's domain


def test_another_tenant_finds_nothing(world, make_member, tenant_b):
    world["client"].force_login(make_member(tenant_b, Role.MANAGER))
    for q in ("2026-004", "quist", "C100"):
        html = world["client"].get(f"/t/beta/customers/search/?q={q}").content.decode()
        assert counts(html) == {"customers": "0", "documents": "0", "contacts": "0"}, q
    # its own namesake only: the one match opens its card
    response = world["client"].get("/t/beta/customers/search/?q=harbour")
    with tenant_context(tenant_b):
        assert response["Location"] == f"/t/beta/customers/{Customer.objects.get(code='B100').pk}/"


def test_a_controller_limited_to_own_customers_finds_only_theirs(world):
    world["client"].force_login(world["anna"])
    html = world["client"].get("/t/alpha/customers/search/?q=harbour").content.decode()
    assert counts(html) == {"customers": "1", "documents": "0", "contacts": "1"}
    assert [row[:4] for row in rows(html, "customers")] == [
        ("C100", "Harbour Foods Ltd", "Leeds", "Anna Berg")
    ]
    assert [row[0] for row in rows(html, "contacts")] == ["Mara Quist"]
    html = world["client"].get("/t/alpha/customers/search/?q=SI-2026").content.decode()
    assert [row[0] for row in rows(html, "documents")] == ["SI-2026-00417"]
    assert "SI-2026-00418" not in html and "Otto Quist" not in html


def test_a_short_fragment_matches_at_the_start_only(world):
    html = world["client"].get("/t/alpha/customers/search/?q=CR").content.decode()
    assert [row[0] for row in rows(html, "documents")] == ["CR-88"]  # not the CR in "SI-...", none has one
    html = world["client"].get("/t/alpha/customers/search/?q=88").content.decode()
    assert rows(html, "documents") == [("No document number matches.",)]
    assert "matched at the start only" in html


def test_the_trigram_indexes_are_made_where_pg_trgm_is_installed(world):
    # Their use on 10,000,000 entries is measured in docs/benchmarks.md ("Search").
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("this server ships no pg_trgm: search reads the table (see creditcontrol/trigram.py)")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm' ORDER BY indexname")
        assert [name for (name,) in cursor.fetchall()] == [
            "contact_email_trgm",
            "contact_name_trgm",
            "customer_city_trgm",
            "customer_code_trgm",
            "customer_name_trgm",
            "entry_document_no_trgm",
        ]
