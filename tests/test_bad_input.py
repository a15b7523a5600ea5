"""Bad input never gets a 500: every tenant API list and page, asked with nonsense parameters, answers
200 (ignoring or reporting them), 400 with a body, or 404 where a parameter names something that is not
there (a page number past the end, an unknown customer)."""

import pytest

from creditcontrol.models import Role
from tests.isolation import TENANT_ROUTES, route_path, tenant_routes

NONSENSE = {
    "page": "x",
    "page_size": "-3",
    "ordering": "no_such_field",
    "customer": "abc",
    "open": "maybe",
    "due_from": "2026-13-45",
    "posting_to": "yesterday",
    "document_type": "cheque",
    "branch": "9999999",
    "controller": "nobody",
    "group": "x",
    "account_status": "sideways",
    "balance_status": "purple",
    "sort": "-nothing",
    "q": "%%'\"",
    "balance_lcy__gte": "lots",
    "as_of": "soon",
    "state": "x",
    "owner": "x",
}


@pytest.mark.parametrize(
    "name", sorted(n for n, (method, key) in TENANT_ROUTES.items() if method == "get" and not key)
)
def test_nonsense_parameters_never_give_a_500(name, tenant_a, make_member, client):
    client.force_login(make_member(tenant_a, Role.ADMIN))
    path = route_path(tenant_routes()[name], tenant_a.slug, None)  # a literal `kind` filled in
    response = client.get(path, NONSENSE)
    assert response.status_code in (200, 400, 404), (path, response.status_code)
    if path.startswith("/api/") and response.status_code != 200:
        assert response.json()["detail"] if response.status_code == 404 else response.json(), path
