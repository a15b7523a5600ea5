"""Setup objects (customer groups, branches, payment terms) are written through their services: a duplicate
code is a 400 naming the field, a group cannot become its own ancestor, and a cycle already in the database
does not hang the credit list. Customers and contacts answer duplicates with 400s too."""

import contextlib
import signal

import pytest
from django.db import connection

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers import selectors, services
from customers.models import Branch, Contact, CustomerGroup, PaymentTerms
from tests import factories

BASE = "/api/t/alpha"


@pytest.fixture
def api(tenant_a, make_member, api_for):
    return api_for(make_member(tenant_a, Role.ADMIN))


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("branches", {"code": "LON", "name": "London"}, "A branch with code LON already exists."),
        (
            "customer-groups",
            {"code": "RETAIL", "name": "Retail"},
            "A customer group with code RETAIL already exists.",
        ),
        (
            "payment-terms",
            {"code": "30D", "description": "30 days", "days": 30},
            "Payment terms with code 30D already exist.",
        ),
    ],
)
def test_a_duplicate_code_is_a_400_naming_the_field(api, path, body, message):
    first = api.post(f"{BASE}/{path}/", body, format="json")
    second = api.post(f"{BASE}/{path}/", {**body, "name": "Twin", "description": "Twin"}, format="json")

    assert first.status_code == 201
    assert second.status_code == 400
    assert second.json() == {"detail": message, "code": "duplicate", "errors": {"code": [message]}}


@pytest.mark.parametrize(
    ("path", "first", "other", "message"),
    [
        ("branches", {"code": "LON", "name": "London"}, {"code": "PAR", "name": "Paris"}, "A branch"),
        (
            "customer-groups",
            {"code": "RETAIL", "name": "Retail"},
            {"code": "TRADE", "name": "Trade"},
            "A customer group",
        ),
        ("payment-terms", {"code": "30D", "days": 30}, {"code": "60D", "days": 60}, "Payment terms"),
    ],
)
def test_renaming_a_code_onto_another_is_a_400_and_onto_itself_is_fine(api, path, first, other, message):
    kept = api.post(f"{BASE}/{path}/", first, format="json").json()
    renamed = api.post(f"{BASE}/{path}/", other, format="json").json()

    clash = api.patch(f"{BASE}/{path}/{renamed['id']}/", {"code": first["code"]}, format="json")
    same = api.patch(f"{BASE}/{path}/{kept['id']}/", {"code": first["code"]}, format="json")

    assert clash.status_code == 400
    assert clash.json()["errors"] == {"code": [clash.json()["detail"]]}
    assert clash.json()["detail"].startswith(f"{message} with code {first['code']} already exist")
    assert same.status_code == 200


def test_setup_objects_are_written_by_their_services(api, tenant_a):
    group = api.post(f"{BASE}/customer-groups/", {"code": "RETAIL", "name": "Retail"}, format="json").json()
    child = api.post(
        f"{BASE}/customer-groups/", {"code": "RET-N", "name": "North", "parent": group["id"]}, format="json"
    )
    branch = api.patch(
        f"{BASE}/branches/{api.post(f'{BASE}/branches/', {'code': 'LON', 'name': 'L'}).json()['id']}/",
        {"name": "London"},
        format="json",
    )
    terms = api.post(f"{BASE}/payment-terms/", {"code": "EOM30", "rule": "eom", "days": 30}, format="json")

    assert child.status_code == 201
    assert child.json() == {"id": child.json()["id"], "code": "RET-N", "name": "North", "parent": group["id"]}
    assert branch.json() == {"id": branch.json()["id"], "code": "LON", "name": "London"}
    assert terms.json()["rule"] == "eom"
    with tenant_context(tenant_a):
        assert list(CustomerGroup.objects.values_list("code", "parent__code")) == [
            ("RET-N", "RETAIL"),
            ("RETAIL", None),
        ]
        assert list(Branch.objects.values_list("code", "name")) == [("LON", "London")]
        assert PaymentTerms.objects.get(code="EOM30").days == 30


def test_payment_terms_of_more_than_ten_years_are_refused(api):
    response = api.post(f"{BASE}/payment-terms/", {"code": "FOREVER", "days": 2_000_000_000}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"days": ["Payment terms cannot give more than 3650 days."]}


# --- a group tree without cycles ----------------------------------------------------------------


def test_a_group_made_its_own_ancestor_is_refused(api, tenant_a):
    a = api.post(f"{BASE}/customer-groups/", {"code": "A", "name": "Group A"}, format="json").json()
    b = api.post(f"{BASE}/customer-groups/", {"code": "B", "name": "Group B"}, format="json").json()
    c = api.post(f"{BASE}/customer-groups/", {"code": "C", "name": "Group C"}, format="json").json()
    assert (
        api.patch(f"{BASE}/customer-groups/{a['id']}/", {"parent": b["id"]}, format="json").status_code == 200
    )
    assert (
        api.patch(f"{BASE}/customer-groups/{b['id']}/", {"parent": c["id"]}, format="json").status_code == 200
    )

    two = api.patch(f"{BASE}/customer-groups/{b['id']}/", {"parent": a["id"]}, format="json")
    three = api.patch(f"{BASE}/customer-groups/{c['id']}/", {"parent": a["id"]}, format="json")
    own = api.patch(f"{BASE}/customer-groups/{a['id']}/", {"parent": a["id"]}, format="json")

    assert two.status_code == 400
    assert two.json() == {
        "detail": "A group cannot be its own ancestor: B → A → B.",
        "code": "cycle",
        "errors": {"parent": ["A group cannot be its own ancestor: B → A → B."]},
    }
    assert three.status_code == 400
    assert three.json()["detail"] == "A group cannot be its own ancestor: C → A → B → C."
    assert own.status_code == 400
    assert own.json()["detail"] == "A group cannot be its own ancestor: A → A."
    with tenant_context(tenant_a):
        assert dict(CustomerGroup.objects.values_list("code", "parent__code")) == {
            "A": "B",
            "B": "C",
            "C": None,
        }


def test_the_services_refuse_a_cycle_too(in_tenant):
    a = services.customer_group_create(code="A", name="Group A")
    b = services.customer_group_create(code="B", name="Group B", parent=a)

    with pytest.raises(DomainError, match="^A group cannot be its own ancestor: A → B → A.$"):
        services.customer_group_update(group=a, parent=b)


def test_a_cycle_already_in_the_database_does_not_hang_the_group_filter(tenant_a, make_member, client_for):
    with tenant_context(tenant_a):
        a = CustomerGroup.objects.create(code="A", name="Group A")
        b = CustomerGroup.objects.create(code="B", name="Group B", parent=a)
        factories.customer(code="C1", name="In B", group=b)
        with connection.cursor() as cursor:  # as a cycle written before the services refused one
            cursor.execute("UPDATE customers_customergroup SET parent_id = %s WHERE id = %s", [b.pk, a.pk])
        with _at_most(seconds=10):
            assert sorted(selectors.group_and_descendants(a.pk)) == sorted([a.pk, b.pk])
    client = client_for(make_member(tenant_a, Role.VIEWER))

    with _at_most(seconds=10):
        response = client.get(f"/t/alpha/customers/credit/?group={a.pk}&controller=")

    assert response.status_code == 200


@contextlib.contextmanager
def _at_most(*, seconds: int):
    """Fail instead of hanging the suite (the walk over a cycle used to loop for ever)."""

    def stop(signum, frame):
        raise AssertionError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- customers and contacts ---------------------------------------------------------------------


def test_a_duplicate_customer_code_is_a_400_on_create_and_on_rename(api):
    first = api.post(f"{BASE}/customers/", {"code": "C1", "name": "First"}, format="json")
    other = api.post(f"{BASE}/customers/", {"code": "C2", "name": "Second"}, format="json")

    twin = api.post(f"{BASE}/customers/", {"code": "C1", "name": "Twin"}, format="json")
    renamed = api.patch(f"{BASE}/customers/{other.json()['id']}/", {"code": "C1"}, format="json")

    assert first.status_code == other.status_code == 201
    assert twin.status_code == 400
    assert twin.json() == {"code": ["A customer with code C1 already exists."]}
    assert renamed.status_code == 400
    assert renamed.json() == {"code": ["A customer with code C1 already exists."]}


def test_the_customer_services_refuse_a_duplicate_code(in_tenant):
    services.customer_create(code="C1", name="First")
    other = services.customer_create(code="C2", name="Second")

    with pytest.raises(DomainError, match="^A customer with code C1 already exists.$") as create:
        services.customer_create(code="C1", name="Twin")
    with pytest.raises(DomainError, match="^A customer with code C1 already exists.$") as update:
        services.customer_update(customer=other, code="C1")

    assert (
        create.value.details == update.value.details == {"code": ["A customer with code C1 already exists."]}
    )


def test_a_second_primary_contact_takes_the_mark_and_is_no_500(api, tenant_a):
    customer = api.post(f"{BASE}/customers/", {"code": "C1", "name": "First"}, format="json").json()
    body = {"customer": customer["id"], "name": "Pat", "is_primary": True, "is_credit_control_contact": True}

    first = api.post(f"{BASE}/contacts/", body, format="json")
    second = api.post(f"{BASE}/contacts/", {**body, "name": "Sam"}, format="json")
    back = api.patch(f"{BASE}/contacts/{first.json()['id']}/", {"is_primary": True}, format="json")

    assert first.status_code == second.status_code == 201
    assert back.status_code == 200
    with tenant_context(tenant_a):
        assert list(
            Contact.objects.order_by("name").values_list("name", "is_primary", "is_credit_control_contact")
        ) == [
            ("Pat", True, False),
            ("Sam", False, True),
        ]
