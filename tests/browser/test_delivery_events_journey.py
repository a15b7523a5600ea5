"""A tenant admin makes the delivery events' signing secret on the letterhead page, sees it once, and the
provider's signed event (posted to the live server with it) marks the message; the page later shows only the
secret's ends, and a new secret retires the old one."""

import json
import re
import urllib.error
import urllib.request

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from messaging import webhooks
from messaging.models import Message, MessageStatus
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD
from tests.messaging.conftest import ledger  # noqa: F401 — the hand-worked ledger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"delivery_events_{name}.png"), full_page=True)


def _post_signed(url: str, secret: str, body: dict) -> tuple[int, dict]:
    raw = json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (the live server's URL)
        url,
        data=raw,
        method="POST",
        headers={"Content-Type": "application/json", webhooks.HEADER: webhooks.signature_header(secret, raw)},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_admin_makes_the_signing_secret_and_the_provider_signs_with_it(page, ledger, make_member):  # noqa: F811
    with tenant_context(ledger.tenant):
        message = Message.objects.create(
            customer=ledger.customer,
            channel="email",
            purpose="free",
            recipient="pat@crown.example",
            body="Hello",
            status=MessageStatus.SENT,
            internet_message_id="<journey@alpha.example>",
        )
    make_member(ledger.tenant, Role.ADMIN, username="ada")
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/setup/letterhead/")
    section = page.locator("#delivery-events")
    assert section.locator("[data-secret-none]").inner_text() == (
        "No signing secret yet: signed events are refused until one is made."
    )
    url = section.locator("#signed-events-url").input_value()
    assert re.fullmatch(r"http://[^/]+/api/t/alpha/messages/events/signed/", url)

    page.click("button:has-text('Make a signing secret')")
    assert page.locator(".messages").inner_text() == (
        "A new signing secret was made: the old one no longer signs events."
    )
    secret = page.locator("#new-signing-secret").input_value()
    assert re.fullmatch(r"ccwh_[0-9a-f]{64}", secret)
    assert page.locator("[data-secret-shown]").inner_text() == (
        "Copy it into the provider's settings now: it is not shown again."
    )
    page.locator("#delivery-events").scroll_into_view_if_needed()
    _shot(page, "1_secret_shown")

    status, answer = _post_signed(
        url, secret, {"message_id": "<journey@alpha.example>", "event": "delivered"}
    )
    assert (status, answer["status"], answer["changed"]) == (200, "delivered", True)
    with tenant_context(ledger.tenant):
        message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED

    page.goto("/t/alpha/setup/letterhead/")
    hint = page.locator("[data-secret-hint]").inner_text()
    assert secret not in page.content()
    assert re.fullmatch(
        rf"Signing secret ccwh_…{secret[-4:]}, made \d\d/\d\d/\d{{4}} \d\d:\d\d by ada\.", hint
    ), hint
    page.locator("#delivery-events").scroll_into_view_if_needed()
    _shot(page, "2_secret_hint")

    page.click("button:has-text('Make a new secret')")
    assert page.locator("#new-signing-secret").input_value() != secret
    status, answer = _post_signed(url, secret, {"message_id": "<journey@alpha.example>", "event": "bounced"})
    assert (status, answer) == (
        401,
        {"detail": "The signature does not match.", "code": "signature_mismatch"},
    )
