"""The credit list as a working screen: a controller scrolls the figures sideways and keeps the customer's
number and name in view, opens the fact boxes drawer with the keyboard, and follows a recent interaction
from it; Enter opens the chosen customer's card."""

import datetime
import re

import pytest
from django.utils import timezone

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.services import interaction_create
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    today = tenant_a.today()

    def posted(days_overdue):  # 30-day terms: posted 30 + n days ago is n days overdue
        return (today - datetime.timedelta(days=30 + days_overdue)).isoformat()

    with tenant_context(tenant_a):
        harbour = factories.customer(code="C100", name="Harbour Foods Ltd", controller=carol)
        kestrel = factories.customer(code="C200", name="Kestrel Motors", controller=carol)
        upland = factories.customer(code="C300", name="Upland Dairy Co-operative", controller=carol)
        factories.invoice(harbour, "SI-1", posted(45), "7000.00")
        factories.invoice(kestrel, "SI-2", posted(10), "400.00")
        factories.invoice(upland, "SI-3", posted(2), "90.00")
        now = timezone.now()
        for n in range(3):
            interaction_create(
                customer=harbour,
                description=f"Promised by phone {n + 1}",
                occurred_at=now - datetime.timedelta(days=6 - n),
            )
        recalculate_all(trigger="command")
    return {"harbour": harbour, "kestrel": kestrel}


def test_a_controller_works_the_credit_list_from_the_keyboard(page, book):
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/"))
    page.goto("/t/alpha/customers/credit/")
    box = page.locator("#credit-list-scroll")
    assert page.locator("#factbox").is_hidden()  # the drawer takes no room until a row is chosen
    table_width = page.locator("#credit-list").bounding_box()["width"]
    assert box.bounding_box()["width"] > 1300  # the table has the page's whole width

    # the default sort (overdue, largest first) is in view on load, beside the pinned number and name
    overdue = page.locator("#credit-list thead th[data-column=overdue]").bounding_box()
    frame = box.bounding_box()
    assert frame["x"] <= overdue["x"] and overdue["x"] + overdue["width"] <= frame["x"] + frame["width"]

    name = page.locator("#credit-list tbody tr", has_text="C100").locator("td[data-column=name]")
    code = page.locator("#credit-list tbody tr", has_text="C100").locator("td[data-column=code]")
    late = page.locator("#credit-list tbody tr", has_text="C100").locator("td[data-column=overdue_todos]")
    assert table_width > frame["width"]  # wider than the screen: it scrolls sideways
    box.evaluate("b => { b.scrollLeft = 0; }")
    before = (name.bounding_box()["x"], code.bounding_box()["x"], late.bounding_box()["x"])
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    page.wait_for_function("document.getElementById('credit-list-scroll').scrollLeft > 200")
    after = (name.bounding_box()["x"], code.bounding_box()["x"], late.bounding_box()["x"])
    assert after[:2] == before[:2]  # number and name stay where they were
    assert after[2] < before[2] - 200  # while the figures moved
    assert name.inner_text() == "Harbour Foods Ltd"
    # the horizontal scrollbar is on screen: the box ends within the window
    assert frame["y"] + box.bounding_box()["height"] <= 900
    page.screenshot(path=str(ARTEFACTS / "credit_list_scrolled.png"))

    # keyboard: down chooses the first row and opens its drawer, down again the next, up back
    page.locator("h1").click()
    page.keyboard.press("ArrowDown")
    drawer = page.locator(f"#factbox [data-factbox='{book['harbour'].pk}']")
    drawer.wait_for()
    assert page.locator("#factbox").is_visible()
    assert page.locator("#credit-list tbody tr.selected td[data-column=code]").inner_text() == "C100"
    page.keyboard.press("ArrowDown")
    page.locator(f"#factbox [data-factbox='{book['kestrel'].pk}']").wait_for()
    page.keyboard.press("ArrowUp")
    drawer.wait_for()
    links = drawer.locator(".recent-interactions a")
    assert links.all_inner_texts()[0].endswith("Promised by phone 3")  # newest first
    assert links.count() == 3
    # the drawer sits below the top bar, whose right end (user, sign out) stays visible and clickable
    bar, box = page.locator(".topbar").bounding_box(), page.locator("#factbox").bounding_box()
    assert box["y"] == round(bar["y"] + bar["height"]) and box["y"] > 0
    assert page.locator(".topbar-right").is_visible()
    page.screenshot(path=str(ARTEFACTS / "credit_list_drawer.png"))
    page.keyboard.press("Escape")
    assert page.locator("#factbox").is_hidden()

    # Enter opens the chosen customer's card (the choice is still on the first row: down is the second)
    page.keyboard.press("ArrowDown")
    page.locator(f"#factbox [data-factbox='{book['kestrel'].pk}']").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/customers/{book['kestrel'].pk}/$"))

    # back on the list, the first row's drawer by keyboard, and one of its recent interactions
    page.goto("/t/alpha/customers/credit/")
    page.locator("h1").click()
    page.keyboard.press("ArrowDown")
    drawer.wait_for()
    drawer.locator(".recent-interactions a").first.click()
    page.wait_for_url(re.compile(r"/interactions/\d+/$"))
    assert "Promised by phone 3" in page.locator("body").inner_text()
