"""The credit list as a working screen: counts that link to what they count, the controller filter that
offers only controllers, the fact boxes drawer with the last interactions, saved views per user, and the
'Not due' figure shown once."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from aging.services import recalculate_all
from creditcontrol.models import Membership, Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.models import ToDo
from interactions.services import interaction_create, todo_create
from tests import factories

URL = "/t/alpha/customers/credit/"


@pytest.fixture
def book(tenant_a, make_member, client):
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    dave = make_member(tenant_a, Role.CONTROLLER, username="dave")
    make_member(tenant_a, Role.ADMIN, username="adam")
    make_member(tenant_a, Role.MANAGER, username="maria")
    make_member(tenant_a, Role.VIEWER, username="victor")
    tenant_initialise(tenant_a)  # the default bands: Not due, 1-30, 31-60, 61-90, over 90
    today = tenant_a.today()
    with tenant_context(tenant_a):
        crown = factories.customer(code="C1", name="Crown Fabrics", controller=carol)
        delta = factories.customer(code="C2", name="Delta Motors", controller=dave)
        factories.invoice(crown, "A1", (today - datetime.timedelta(days=50)).isoformat(), "400.00")
        factories.invoice(delta, "B1", (today - datetime.timedelta(days=10)).isoformat(), "90.00")
        todo_create(customer=crown, description="Call back", due_date=today + datetime.timedelta(days=3))
        late = todo_create(customer=crown, description="Chase", due_date=today + datetime.timedelta(days=1))
        ToDo.objects.filter(pk=late.pk).update(due_date=today - datetime.timedelta(days=2))
        start = timezone.now() - datetime.timedelta(days=10)
        interactions = [
            interaction_create(
                customer=crown, description=f"Call {n}", occurred_at=start + datetime.timedelta(days=n)
            )
            for n in range(1, 8)
        ]
        interaction_create(customer=delta, description="Delta's call", occurred_at=start)
        recalculate_all(trigger="command")
    client.force_login(carol)
    return {"carol": carol, "dave": dave, "crown": crown, "delta": delta, "interactions": interactions}


def cell_link(html, column):
    match = re.search(rf'<td data-column="{column}"[^>]*>\s*<a href="([^"]+)">([^<]*)</a>', html)
    return (unescape(match.group(1)), match.group(2)) if match else None


def test_to_do_counts_open_the_customers_to_dos_and_the_credit_limit_its_review(book, client):
    crown = book["crown"].pk
    html = client.get(f"{URL}?columns=code,name,credit_limit,todos,overdue_todos").content.decode()
    todos, overdue = cell_link(html, "todos"), cell_link(html, "overdue_todos")
    assert todos == (f"/t/alpha/interactions/todos/?customer={crown}&owner=all&state=open", "2")
    assert overdue == (f"/t/alpha/interactions/todos/?customer={crown}&owner=all&state=overdue", "1")
    # a controller cannot review credit limits: the cell opens the card's read-only review
    assert cell_link(html, "credit_limit") == (f"/t/alpha/customers/{crown}/#credit-limit", "no limit")

    listed = client.get(todos[0]).content.decode()  # the link opens exactly what it counts
    assert ("Call back" in listed, "Chase" in listed) == (True, True)
    listed = client.get(overdue[0]).content.decode()
    assert ("Call back" in listed, "Chase" in listed) == (False, True)


@pytest.mark.parametrize(
    ("username", "anchor", "form_on_card"),
    [("maria", "credit-review", True), ("adam", "credit-review", True), ("victor", "credit-limit", False)],
)
def test_the_credit_limit_opens_the_review_its_reader_may_use(book, client, username, anchor, form_on_card):
    client.force_login(Membership.objects.get(user__username=username).user)
    crown = book["crown"].pk
    html = client.get(f"{URL}?controller=&columns=code,name,credit_limit").content.decode()
    assert cell_link(html, "credit_limit") == (f"/t/alpha/customers/{crown}/#{anchor}", "no limit")
    card = client.get(f"/t/alpha/customers/{crown}/").content.decode()
    assert f'id="{anchor}"' in card
    assert ('id="credit-review"' in card) is form_on_card


def test_not_due_is_one_column_when_a_band_is_the_not_due_figure(book, client):
    labels = [c.label for c in client.get(URL).context["all_columns"]]
    assert labels.count("Not due") == 1 and "Not due (LCY)" not in labels


def test_the_controller_filter_offers_exactly_the_controllers(book, client):
    html = client.get(URL).content.decode()
    select = re.search(r'<select name="controller">(.*?)</select>', html, re.S).group(1)
    names = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    assert names == ["All controllers", "Mine", "Unassigned", "carol", "dave"]


def test_a_manager_assigned_customers_is_offered_too(book, client, tenant_a):
    """Whoever has customers assigned is a controller in practice, whatever their role (seen by a manager,
    who sees every customer)."""
    maria = Membership.objects.get(tenant=tenant_a, user__username="maria").user
    with tenant_context(tenant_a):
        factories.customer(code="C3", name="Manager's own", controller=maria)
    client.force_login(maria)
    html = client.get(URL).content.decode()
    select = re.search(r'<select name="controller">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select) == ["carol", "dave", "maria"]


def test_the_drawer_shows_the_last_five_interactions_with_links(book, client):
    html = client.get(f"/t/alpha/customers/{book['crown'].pk}/factbox/").content.decode()
    listed = re.findall(r'<li data-interaction="(\d+)"><a href="([^"]+)">[^<]*· ([^<]+)</a>', html)
    newest = list(reversed(book["interactions"]))[:5]
    assert listed == [(str(i.pk), f"/t/alpha/interactions/{i.pk}/", i.description) for i in newest]
    assert [d for _pk, _url, d in listed] == ["Call 7", "Call 6", "Call 5", "Call 4", "Call 3"]
    assert "data-close-drawer" in html and "Delta" not in html
    assert client.get(listed[0][1]).status_code == 200


def test_saved_views_save_list_and_open_the_default_with_no_query(book, client):
    saved = client.post(
        f"{URL}views/",
        {
            "action": "save",
            "name": "Big overdue",
            "query": "controller=&sort=-balance&columns=code,name,balance&page=3",
        },
    )
    assert saved.status_code == 302
    query = "columns=code%2Cname%2Cbalance&controller=&sort=-balance"  # no page: a view is not a page
    assert saved["Location"] == f"{URL}?{query}"
    client.post(f"{URL}views/", {"action": "save", "name": "Mine", "query": "sort=name", "default": "1"})
    membership = Membership.objects.get(user=book["carol"])
    assert membership.preferences["credit_list_views"] == [
        {"name": "Big overdue", "query": query, "default": False},
        {"name": "Mine", "query": "sort=name", "default": True},
    ]

    page = client.get(URL)  # no query: the default view
    html = page.content.decode()
    assert re.findall(r'<a href="\?([^"]*)" data-view="([^"]+)"', html) == [
        (query.replace("&", "&amp;"), "Big overdue"),
        ("sort=name", "Mine"),
    ]
    assert page.context["sort"] == "name" and 'data-view="Mine" class="current"' in html

    client.post(f"{URL}views/", {"action": "default", "name": "Big overdue"})
    page = client.get(URL)
    assert page.context["sort"] == "-balance"
    assert [c.key for c in page.context["columns"]] == ["code", "name", "balance"]
    # everyone's customers a controller may see (carol's own: the tenant keeps controllers to their own)
    assert re.findall(r'data-column="code"[^>]*>\s*<a [^>]*>(\w+)</a>', page.content.decode()) == ["C1"]
    assert client.get(f"{URL}?sort=code").context["sort"] == "code"  # any query: not the default

    client.post(f"{URL}views/", {"action": "delete", "name": "Big overdue"})
    assert [
        v["name"] for v in Membership.objects.get(user=book["carol"]).preferences["credit_list_views"]
    ] == ["Mine"]


def test_a_view_needs_a_name(book, client):
    response = client.post(
        f"{URL}views/", {"action": "save", "name": "  ", "query": "sort=name"}, follow=True
    )
    assert "Name the view to save it." in response.content.decode()
    assert Membership.objects.get(user=book["carol"]).preferences.get("credit_list_views", []) == []


def test_saved_views_belong_to_one_user(book, client):
    client.post(
        f"{URL}views/",
        {"action": "save", "name": "Carol's", "query": "sort=name", "default": "1"},
        follow=True,
    )
    client.force_login(book["dave"])
    page = client.get(URL)
    html = page.content.decode()
    assert "Carol&#x27;s" not in html and "Carol's" not in html
    assert page.context["sort"] == "-overdue"  # carol's default is not dave's
    assert page.context["views"] == []
