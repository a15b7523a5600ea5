"""The statistics API answers with an ETag; sent back, it gets 304 Not Modified while the statistics keep
their version, and the full answer again as soon as anything it reads may have changed."""

import pytest

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)  # versions change when the writing transaction commits

LIST = "/api/t/alpha/statistics/"


@pytest.fixture
def book(tenant_a):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        customer = factories.customer(code="C1", name="Crown Fabrics")
        factories.invoice(customer, "SI-1", "2026-01-10", "100.00")
        recalculate_all(trigger="command")
    return customer


def test_an_unchanged_list_is_not_sent_again(tenant_a, book, make_member, api_for):
    api = api_for(make_member(tenant_a, Role.MANAGER))
    first = api.get(LIST)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34

    again = api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert api.get(LIST, HTTP_IF_NONE_MATCH='"something else"').status_code == 200
    assert api.get(f"{LIST}?balance_lcy__gte=50", HTTP_IF_NONE_MATCH=etag).status_code == 200  # another query

    detail = api.get(f"{LIST}{book.pk}/")
    assert api.get(f"{LIST}{book.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304


def test_a_posting_makes_the_answer_new(tenant_a, book, make_member, api_for):
    api = api_for(make_member(tenant_a, Role.MANAGER))
    etag = api.get(LIST)["ETag"]
    with tenant_context(tenant_a):
        factories.invoice(book, "SI-2", "2026-01-11", "50.00")  # the statistics go stale: a new version
    stale = api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert stale.status_code == 200 and stale["ETag"] != etag
    with tenant_context(tenant_a):
        recalculate_all(trigger="command")
    fresh = api.get(LIST, HTTP_IF_NONE_MATCH=stale["ETag"])
    assert fresh.status_code == 200
    assert fresh.json()["results"][0]["balance_lcy"] == "150.00"


def test_another_user_or_tenant_never_gets_a_304_for_someone_elses_tag(
    tenant_a, tenant_b, book, make_member, api_for
):
    etag = api_for(make_member(tenant_a, Role.MANAGER)).get(LIST)["ETag"]
    controller = api_for(make_member(tenant_a, Role.CONTROLLER))
    assert controller.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200
    outsider = api_for(make_member(tenant_b, Role.MANAGER))
    assert outsider.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert outsider.get("/api/t/beta/statistics/", HTTP_IF_NONE_MATCH=etag).status_code == 200
