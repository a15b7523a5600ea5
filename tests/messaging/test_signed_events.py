"""Delivery events a provider signs with the tenant's secret, without an API token: the signature right,
wrong, stale, missing or another tenant's; one event or a list, all or none; an unknown message a 404
naming it; another tenant's message never touched; the same event twice changes nothing; and the letterhead
page that makes the secret and shows it once."""

import json
import time

import pytest
from django.test import Client

from audit.models import AuditChange
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from messaging import webhooks
from messaging.models import EventSigningSecret, Message, MessageStatus
from messaging.services import event_secret_rotate
from tests import factories

URL = "/api/t/alpha/messages/events/signed/"


def _message(customer, key: str, provider_id: str = "") -> Message:
    return Message.objects.create(
        customer=customer,
        channel="sms" if provider_id else "email",
        purpose="free",
        recipient="pat@crown.example",
        body="Hello",
        status=MessageStatus.SENT,
        internet_message_id=f"<{key}@alpha.example>",
        provider_id=provider_id,
    )


@pytest.fixture
def world(three, tenant_b):
    with tenant_context(three.tenant):
        secret = event_secret_rotate().secret
        mail = _message(three.customer, "m1")
        sms = _message(three.c2, "m2", provider_id="sms-0001")
    with tenant_context(tenant_b):
        foreign = _message(factories.customer(code="B-C", name="Beta Customer"), "b1")
        b_secret = event_secret_rotate().secret
    return {
        "tenant_b": tenant_b,
        "secret": secret,
        "b_secret": b_secret,
        "mail": mail,
        "sms": sms,
        "foreign": foreign,
        **vars(three),
    }


def _post(body, secret: str | None, *, at: int | None = None, url: str = URL, header: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if header is None and secret is not None:
        header = webhooks.signature_header(secret, raw, at)
    extra = {} if header is None else {"HTTP_X_CREDIT_CONTROL_SIGNATURE": header}
    return Client().post(url, data=raw, content_type="application/json", **extra)


def _status(tenant, message) -> tuple[str, str]:
    with tenant_context(tenant):
        message.refresh_from_db()
    return message.status, message.status_reason


def test_a_signed_event_marks_the_message(world):
    body = {"message_id": "<m1@alpha.example>", "event": "bounced", "reason": "550 5.2.2 mailbox full"}
    response = _post(body, world["secret"])

    assert response.status_code == 200
    assert response.json() == {
        "message_id": "<m1@alpha.example>",
        "event": "bounced",
        "message": world["mail"].pk,
        "status": "bounced",
        "changed": True,
    }
    assert _status(world["tenant"], world["mail"]) == ("bounced", "550 5.2.2 mailbox full")


def test_the_same_event_twice_changes_nothing_the_second_time(world):
    body = {"message_id": "sms-0001", "event": "delivered", "reason": "DELIVRD"}
    first = _post(body, world["secret"])
    with tenant_context(world["tenant"]):
        before = Message.objects.values("status", "status_reason", "status_at").get(pk=world["sms"].pk)
        changes = AuditChange.objects.filter(field="status").count()
    again = _post({**body, "reason": "DELIVRD again"}, world["secret"])
    with tenant_context(world["tenant"]):
        after = Message.objects.values("status", "status_reason", "status_at").get(pk=world["sms"].pk)
        assert AuditChange.objects.filter(field="status").count() == changes

    assert (first.status_code, first.json()["changed"]) == (200, True)
    assert (again.status_code, again.json()["status"], again.json()["changed"]) == (200, "delivered", False)
    assert after == before
    assert after["status_reason"] == "DELIVRD"


def test_a_batch_of_events_is_applied_in_order(world):
    body = [
        {"message_id": "sms-0001", "event": "delivered"},
        {"message_id": "<m1@alpha.example>", "event": "delivered"},
        {"message_id": "<m1@alpha.example>", "event": "bounced", "reason": "late bounce"},
    ]
    response = _post(body, world["secret"])

    assert response.status_code == 200
    assert [(r["message"], r["status"], r["changed"]) for r in response.json()] == [
        (world["sms"].pk, "delivered", True),
        (world["mail"].pk, "bounced", True),  # the message's status now: the batch's last word
        (world["mail"].pk, "bounced", True),
    ]
    assert _status(world["tenant"], world["sms"]) == ("delivered", "")
    assert _status(world["tenant"], world["mail"]) == ("bounced", "late bounce")


def test_an_unknown_message_is_a_404_naming_it_and_nothing_is_applied(world):
    body = [
        {"message_id": "<m1@alpha.example>", "event": "delivered"},
        {"message_id": "<nope@alpha.example>", "event": "delivered"},
    ]
    response = _post(body, world["secret"])

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No message was sent with the id <nope@alpha.example>.",
        "code": "not_found",
        "unknown": ["<nope@alpha.example>"],
    }
    assert _status(world["tenant"], world["mail"]) == ("sent", "")


def test_another_tenants_message_is_never_touched(world):
    """Signed with A's secret and posted to A, naming B's message: A has no such message."""
    response = _post({"message_id": "<b1@alpha.example>", "event": "bounced"}, world["secret"])

    assert response.status_code == 404
    assert response.json()["unknown"] == ["<b1@alpha.example>"]
    assert _status(world["tenant_b"], world["foreign"]) == ("sent", "")


def test_another_tenants_secret_is_refused(world):
    body = {"message_id": "<m1@alpha.example>", "event": "bounced"}
    response = _post(body, world["b_secret"])

    assert response.status_code == 401
    assert response.json() == {"detail": "The signature does not match.", "code": "signature_mismatch"}
    assert _status(world["tenant"], world["mail"]) == ("sent", "")
    # B's secret does sign B's own events
    mine = _post(
        {"message_id": "<b1@alpha.example>", "event": "bounced"},
        world["b_secret"],
        url=URL.replace("alpha", "beta"),
    )
    assert (mine.status_code, mine.json()["status"]) == (200, "bounced")


def test_a_wrong_signature_is_refused(world):
    raw = json.dumps({"message_id": "<m1@alpha.example>", "event": "bounced"}).encode()
    now = int(time.time())
    good = webhooks.signature(world["secret"], now, raw)
    tampered = raw.replace(b"bounced", b"delivered")
    for body, header in [
        (tampered, f"t={now},v1={good}"),  # the body changed after signing
        (raw, f"t={now - 1},v1={good}"),  # the time changed after signing
        (raw, f"t={now},v1={'0' * 64}"),
        (raw, f"t={now},v1=é{good}"),
    ]:
        response = _post(body, None, header=header)
        assert response.status_code == 401, header
        assert response.json() == {"detail": "The signature does not match.", "code": "signature_mismatch"}
    assert _status(world["tenant"], world["mail"]) == ("sent", "")


def test_one_of_several_signatures_may_match(world):
    raw = json.dumps({"message_id": "<m1@alpha.example>", "event": "delivered"}).encode()
    now = int(time.time())
    header = f"t={now},v1={'0' * 64},v1={webhooks.signature(world['secret'], now, raw)}"
    assert _post(raw, None, header=header).status_code == 200


@pytest.mark.parametrize("seconds_off, shown", [(-301, 301), (301, 301), (-3600, 3600)])
def test_a_stale_or_future_signature_is_refused(world, seconds_off, shown):
    body = {"message_id": "<m1@alpha.example>", "event": "bounced"}
    response = _post(body, world["secret"], at=int(time.time()) + seconds_off)

    assert response.status_code == 401
    assert response.json() == {
        "detail": f"The signature's time is {shown} seconds from ours; at most 300 are accepted.",
        "code": "signature_stale",
    }
    assert _status(world["tenant"], world["mail"]) == ("sent", "")


def test_a_signature_within_five_minutes_is_taken(world):
    body = {"message_id": "<m1@alpha.example>", "event": "delivered"}
    assert _post(body, world["secret"], at=int(time.time()) - 290).status_code == 200


def test_a_missing_or_unreadable_signature_is_refused(world):
    body = {"message_id": "<m1@alpha.example>", "event": "bounced"}
    missing = _post(body, None)
    assert (missing.status_code, missing.json()) == (
        401,
        {
            "detail": "Sign the request: the X-Credit-Control-Signature header is missing.",
            "code": "signature_missing",
        },
    )
    for header in [
        "v1=abc",
        "t=now,v1=abc",
        f"t={int(time.time())}",
        "garbage",
        "t=²,v1=abc",
        "t=" + "9" * 5000 + ",v1=a",
    ]:
        response = _post(body, None, header=header)
        assert (response.status_code, response.json()) == (
            401,
            {
                "detail": "The X-Credit-Control-Signature header reads t=<unix seconds>,v1=<hex HMAC-SHA256>.",
                "code": "signature_malformed",
            },
        ), header


def test_a_tenant_without_a_secret_or_no_tenant_at_all_refuses_alike(world):
    with tenant_context(world["tenant"]):
        EventSigningSecret.objects.all().delete()
    body = {"message_id": "<m1@alpha.example>", "event": "bounced"}
    no_secret = _post(body, world["secret"])
    no_tenant = _post(body, world["secret"], url="/api/t/no-such-company/messages/events/signed/")
    assert no_secret.status_code == no_tenant.status_code == 401
    assert (
        no_secret.json()
        == no_tenant.json()
        == {
            "detail": "The signature does not match.",
            "code": "signature_mismatch",
        }
    )


def test_a_new_secret_retires_the_old_one(world):
    with tenant_context(world["tenant"]):
        new = event_secret_rotate().secret
    body = {"message_id": "<m1@alpha.example>", "event": "delivered"}
    assert _post(body, world["secret"]).status_code == 401
    assert _post(body, new).status_code == 200
    assert new.startswith("ccwh_") and len(new) == 69 and new != world["secret"]


@pytest.mark.parametrize(
    "body, answer",
    [
        (
            b"{not json",
            {
                "detail": "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
            },
        ),
        ([], {"detail": "Send from 1 to 1000 events."}),
        (b"[" * 100_000, {"detail": "JSON parse error - nested too deeply"}),
        (
            {"message_id": "<m1@alpha.example>", "event": "opened"},
            {"event": ['"opened" is not a valid choice.']},
        ),
        ({"event": "delivered"}, {"message_id": ["This field is required."]}),
        (
            [{"message_id": "x", "event": "delivered"}, {"message_id": "y"}],
            {"1": {"event": ["This field is required."]}},
        ),
        ("delivered", {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
    ],
)
def test_bad_bodies_are_400_with_the_reason(world, body, answer):
    response = _post(body, world["secret"])
    assert (response.status_code, response.json()) == (400, answer)
    assert _status(world["tenant"], world["mail"]) == ("sent", "")


def test_the_token_path_still_takes_events(world, make_member, api_for):
    api = api_for(make_member(world["tenant"], Role.MANAGER, username="mia"))
    response = api.post(
        "/api/t/alpha/messages/events/",
        {"message_id": "sms-0001", "event": "failed", "reason": "UNDELIV"},
        format="json",
    )
    assert (response.status_code, response.json()["status"], response.json()["provider_id"]) == (
        200,
        "failed",
        "sms-0001",
    )


# --- the setup page ---------------------------------------------------------------------------------------


def test_the_letterhead_page_makes_the_secret_and_shows_it_once(three, make_member, client):
    admin = make_member(three.tenant, Role.ADMIN, username="ada")
    client.force_login(admin)
    page = client.get("/t/alpha/setup/letterhead/").content.decode()
    assert "No signing secret yet: signed events are refused until one is made." in page
    assert "http://testserver/api/t/alpha/messages/events/signed/" in page

    made = client.post("/t/alpha/setup/letterhead/signing-secret/")
    with tenant_context(three.tenant):
        secret = EventSigningSecret.objects.get()
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    assert f'value="{secret.secret}"' in made.content.decode()
    assert "Copy it into the provider's settings now: it is not shown again." in made.content.decode()
    assert secret.made_by == admin

    later = client.get("/t/alpha/setup/letterhead/").content.decode()
    assert secret.secret not in later
    assert f"Signing secret <code>{secret.secret[:5]}…{secret.secret[-4:]}</code>" in later
    assert "by ada." in later


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTROLLER, Role.MANAGER])
def test_only_the_tenant_admin_makes_the_secret(three, make_member, client, role):
    client.force_login(make_member(three.tenant, role))
    assert client.post("/t/alpha/setup/letterhead/signing-secret/").status_code == 403
    with tenant_context(three.tenant):
        assert not EventSigningSecret.objects.exists()


def test_the_worked_example_in_the_docs_is_right():
    body = b'{"message_id": "<20261130.4711@alpha.example>", "event": "bounced", "reason": "550 5.1.1 No such user"}'
    secret = "ccwh_5f0c9a2e7b1d4c6a8e3f1029384756abcdef0123456789abcdef0123456789ab"
    expected = "61eb74acb19f4835118bbc79ffe796a7e6ae892fb1d5e0d6533acf8fcfd57398"
    assert webhooks.signature(secret, 1795996800, body) == expected
    with open("docs/messaging.md") as docs:
        text = docs.read()
    assert f"t=1795996800,v1={expected}" in text and f"--data-raw '{body.decode()}'" in text
