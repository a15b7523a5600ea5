"""The pages work under their Content-Security-Policy: a manager goes through the dashboard, the credit list
(its fact box and the behaviours that used to be inline handlers), the balance due report (an htmx post), a
customer card (its timeline loads by htmx) and both API docs pages, and chromium reports no violation anywhere."""

import datetime
import re

import pytest
from django.conf import settings

from aging.services import recalculate_all
from creditcontrol.headers import build_policy
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the page's policy: every violation the page reports goes to the console.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`securitypolicyviolation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
                + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    make_member(tenant_a, Role.MANAGER, username="maria")
    today = tenant_a.today()
    with tenant_context(tenant_a):
        harbour = factories.customer(code="C100", name="Harbour Foods Ltd")
        kestrel = factories.customer(code="C200", name="Kestrel Motors")
        factories.invoice(harbour, "SI-1", (today - datetime.timedelta(days=75)).isoformat(), "1000.00")
        factories.invoice(kestrel, "SI-2", (today - datetime.timedelta(days=35)).isoformat(), "400.00")
        recalculate_all(trigger="command")
    return {"harbour": harbour, "kestrel": kestrel}


@pytest.fixture
def watched(page):
    """The page, with every console message about the Content Security Policy collected."""
    violations = []
    page.context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        if "Content Security Policy" in message.text or "securitypolicyviolation" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.violations = violations
    return page


def _goto(page, path):
    response = page.goto(path)
    assert response.status == 200, path
    return response


def test_every_page_of_a_managers_round_runs_under_the_policy(watched, book):
    page = watched
    sign_in(page, "maria", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    assert page.locator("[data-figure=balance]").inner_text() == "1,400.00 GBP"
    dashboard = _goto(page, "/t/alpha/")
    assert dashboard.headers["content-security-policy"] == build_policy(settings.SECURE_CSP)
    assert dashboard.headers["cache-control"] == "private, no-store"
    assert page.locator(".chart").count() >= 1  # the server-drawn SVG

    # The credit list: a click on a row loads its fact box through htmx (hx-trigger="open-factbox").
    page.click("nav >> text=Credit list")
    row = page.locator("#credit-list tbody tr", has_text="C100")
    row.locator("td[data-column=name]").click()
    factbox = page.locator(f"#factbox [data-factbox='{book['harbour'].pk}']")
    factbox.wait_for()
    assert "C100 Harbour Foods Ltd" in factbox.locator("h3").inner_text()
    # ...but a click on its link or box does not (the filter htmx used to eval).
    page.locator("#credit-list tbody tr", has_text="C200").locator("input[name=customers]").click()
    page.wait_for_timeout(300)
    assert page.locator(f"#factbox [data-factbox='{book['kestrel'].pk}']").count() == 0
    # Select all, from app.js.
    page.locator("#credit-list thead input[data-select-all]").check()
    assert page.locator("#credit-list input[name=customers]:checked").count() == 2
    page.locator("#credit-list thead input[data-select-all]").uncheck()
    assert page.locator("#credit-list input[name=customers]:checked").count() == 0
    # Create interaction for the ticked customers, from app.js.
    page.locator("#credit-list tbody tr", has_text="C200").locator("input[name=customers]").check()
    page.click("#create-interaction")
    page.wait_for_url(re.compile(rf"/interactions/.*customers={book['kestrel'].pk}$"))

    # The balance due report: recording a payment is an htmx post (CSRF from hx-headers) swapping the row.
    page.click("nav >> text=Balance due")
    harbour_row = page.locator(f"#bd-{book['harbour'].pk}")
    harbour_row.locator("input[name=amount]").fill("250.00")
    harbour_row.locator("input[name=document_no]").fill("BANK-1")
    harbour_row.locator("button:has-text('Record payment')").click()
    page.wait_for_selector(f"#bd-{book['harbour'].pk} [role=status]")
    assert page.locator(f"#bd-{book['harbour'].pk} [data-figure=balance]").inner_text() == "750.00 GBP"

    # A customer card: its timeline comes in by htmx on load.
    _goto(page, f"/t/alpha/customers/{book['harbour'].pk}/")
    page.locator("#timeline #timeline-events").wait_for()
    assert "SI-1" in page.locator("#timeline-events").inner_text()

    # Swagger UI, under the looser policy of its own path.
    docs = _goto(page, "/api/docs/")
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]
    page.locator("#swagger-ui .info .title", has_text="Credit control API").wait_for()
    page.locator("#swagger-ui .opblock").first.wait_for()
    # Redoc too.
    _goto(page, "/api/redoc/")
    page.locator("redoc h1", has_text="Credit control API").wait_for()

    assert page.violations == []


def test_the_watch_does_see_a_violation(watched, book):
    """The check above would not pass by seeing nothing: an inline script on a page is reported."""
    page = watched
    sign_in(page, "maria", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))

    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.ran = true";
                   document.body.append(s); }"""
    )
    page.wait_for_function("() => true")
    page.wait_for_timeout(300)

    assert page.evaluate("() => window.ran === undefined")
    assert any("script-src" in v for v in page.violations), page.violations
