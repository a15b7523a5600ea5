"""Input that used to reach a 500 by a side door: a GET on a POST-only fragment, a form-encoded `null`, a
line break in a code (which then broke the timeline PDF's download header)."""

import pytest

from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from customers.services import customer_create
from tests import factories
from tests.conftest import require_system_package
from tests.imports.helpers import run_import

CODE_PROBLEM = "A code cannot hold line breaks, tabs or other control characters."


@pytest.fixture
def admin(tenant_a, make_member, client, api_for):
    user = make_member(tenant_a, Role.ADMIN)
    client.force_login(user)
    return {"client": client, "api": api_for(user), "tenant": tenant_a}


def test_a_get_on_record_payment_is_the_record_payment_page(admin):
    with tenant_context(admin["tenant"]):
        customer = factories.customer()
    response = admin["client"].get(f"/t/alpha/customers/{customer.pk}/record-payment/")
    assert response.status_code == 200
    assert "<h1>Record a payment" in response.content.decode()


def test_form_encoded_custom_fields_null_is_a_400(admin):
    response = admin["api"].post(
        "/api/t/alpha/customers/", {"code": "Z1", "name": "Z", "custom_fields": "null"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "custom_fields": ['Must be an object of names and values, e.g. {"region": "North"}.']
    }


def test_a_code_with_a_line_break_is_refused_everywhere(admin):
    response = admin["api"].post("/api/t/alpha/customers/", {"code": "A\nB", "name": "Z"}, format="json")
    assert response.status_code == 400
    with tenant_context(admin["tenant"]):
        with pytest.raises(DomainError, match=f"^{CODE_PROBLEM}$"):
            customer_create(code="A\tB", name="Tab Ltd")
        result = run_import("customers", 'code,name\n"A\nB",Line Break Ltd\n')
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [(2, "code", CODE_PROBLEM)]


def test_a_code_already_holding_a_line_break_still_downloads_its_timeline(admin):
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # Pango missing
        require_system_package(False, f"WeasyPrint cannot load its system libraries ({error}); see .ci/run")
    with tenant_context(admin["tenant"]):
        customer = factories.customer(code="LEGACY")
        Customer.objects.filter(pk=customer.pk).update(code="OLD\nCODE")  # as data loaded before the rule
    response = admin["client"].get(f"/t/alpha/interactions/customers/{customer.pk}/timeline.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="timeline-OLD-CODE.pdf"'
