"""Personal API tokens: made, listed and revoked by their owner; signing in with one (Bearer or Token),
expired, revoked and read-only tokens; the old authtoken keys still work alongside."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from creditcontrol.models import ApiToken, Role
from creditcontrol.tokens import create_token

CUSTOMERS = "/api/t/alpha/customers/"
BRANCHES = "/api/t/alpha/branches/"


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_user_creates_a_token_sees_its_secret_once_and_lists_it_without_the_secret(tenant_a, make_member):
    user = make_member(tenant_a, Role.VIEWER)
    api = APIClient()
    api.force_login(user)

    created = api.post("/api/tokens/", {"name": "ERP feed"}, format="json")
    listed = api.get("/api/tokens/")

    assert created.status_code == 201
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("cc_") and len(secret) == 43
    assert body["name"] == "ERP feed"
    assert body["prefix"] == secret[:11]
    assert body["read_only"] is False and body["revoked"] is False and body["last_used_at"] is None
    token = ApiToken.objects.get()
    assert token.owner == user
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert abs(token.expires_at - (token.created_at + timedelta(days=90))) < timedelta(seconds=5)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    row = listed.json()["results"][0]
    assert row["id"] == token.pk and row["name"] == "ERP feed" and row["prefix"] == secret[:11]
    assert "secret" not in row
    assert secret not in listed.content.decode()
    assert token.key_hash not in listed.content.decode()


def test_a_token_can_be_made_read_only_and_to_last_up_to_365_days(tenant_a, make_member):
    api = APIClient()
    api.force_login(make_member(tenant_a))

    made = api.post("/api/tokens/", {"name": "BI", "expires_in_days": 365, "read_only": True}, format="json")
    too_long = api.post("/api/tokens/", {"name": "forever", "expires_in_days": 366}, format="json")
    nameless = api.post("/api/tokens/", {}, format="json")

    assert made.status_code == 201
    assert made.json()["read_only"] is True
    token = ApiToken.objects.get()
    assert abs(token.expires_at - (token.created_at + timedelta(days=365))) < timedelta(seconds=5)
    assert too_long.status_code == 400
    assert too_long.json() == {"expires_in_days": ["Ensure this value is less than or equal to 365."]}
    assert nameless.status_code == 400
    assert nameless.json() == {"name": ["This field is required."]}


def test_the_token_endpoints_need_a_signed_in_user(db):
    api = APIClient()

    assert api.get("/api/tokens/").status_code == 401
    assert api.post("/api/tokens/", {"name": "x"}, format="json").status_code == 401


def test_a_token_signs_in_with_bearer_or_token_and_the_role_applies(tenant_a, make_member):
    _, secret = create_token(make_member(tenant_a, Role.VIEWER), "reader")
    api = APIClient()

    as_bearer = api.get(CUSTOMERS, **bearer(secret))
    as_token = api.get(CUSTOMERS, HTTP_AUTHORIZATION=f"Token {secret}")
    write = api.post(BRANCHES, {"code": "LON", "name": "London"}, format="json", **bearer(secret))

    assert as_bearer.status_code == 200
    assert as_token.status_code == 200
    assert write.status_code == 403
    assert write.json() == {"detail": "You do not have permission to perform this action."}


def test_a_token_signs_in_to_the_token_endpoints_too(tenant_a, make_member):
    user = make_member(tenant_a)
    _, secret = create_token(user, "script")
    api = APIClient()

    made = api.post("/api/tokens/", {"name": "another"}, format="json", **bearer(secret))
    listed = api.get("/api/tokens/", **bearer(secret))

    assert made.status_code == 201
    assert sorted(row["name"] for row in listed.json()["results"]) == ["another", "script"]


def test_an_expired_token_answers_401_with_its_expiry_date(tenant_a, make_member):
    token, secret = create_token(make_member(tenant_a), "old")
    token.expires_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    token.save()

    response = APIClient().get(CUSTOMERS, **bearer(secret))

    assert response.status_code == 401
    assert response.json() == {"detail": "This token expired on 2026-01-15."}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_answers_401(tenant_a, make_member):
    user = make_member(tenant_a)
    token, secret = create_token(user, "leaked")
    api = APIClient()
    api.force_login(user)

    revoked = api.post(f"/api/tokens/{token.pk}/revoke/")
    again = api.post(f"/api/tokens/{token.pk}/revoke/")
    response = APIClient().get(CUSTOMERS, **bearer(secret))
    listed = api.get("/api/tokens/")

    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is True
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert response.status_code == 401
    assert response.json() == {"detail": "This token was revoked."}
    assert listed.json()["results"][0]["revoked"] is True


def test_an_unknown_token_answers_401_invalid_token(tenant_a):
    response = APIClient().get(CUSTOMERS, **bearer("cc_" + "x" * 40))

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_read_only_token_reads_but_any_write_is_403(tenant_a, make_member):
    admin = make_member(tenant_a, Role.ADMIN)
    _, reader = create_token(admin, "reader", read_only=True)
    _, writer = create_token(admin, "writer")
    api = APIClient()

    read = api.get(CUSTOMERS, **bearer(reader))
    head = api.head(CUSTOMERS, **bearer(reader))
    refused = api.post(BRANCHES, {"code": "LON", "name": "London"}, format="json", **bearer(reader))
    patched = api.patch(f"{BRANCHES}1/", {"name": "x"}, format="json", **bearer(reader))
    no_new_token = api.post("/api/tokens/", {"name": "escalate"}, format="json", **bearer(reader))
    written = api.post(BRANCHES, {"code": "LON", "name": "London"}, format="json", **bearer(writer))

    assert read.status_code == 200
    assert head.status_code == 200
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This token is read-only."}
    assert patched.status_code == 403
    assert patched.json() == {"detail": "This token is read-only."}
    assert no_new_token.status_code == 403
    assert ApiToken.objects.count() == 2
    assert written.status_code == 201


def test_another_users_token_cannot_be_revoked_or_seen(tenant_a, make_member):
    alice = make_member(tenant_a, username="alice")
    bob = make_member(tenant_a, username="bob")
    bobs, secret = create_token(bob, "bob's")
    api = APIClient()
    api.force_login(alice)

    revoke = api.post(f"/api/tokens/{bobs.pk}/revoke/")
    missing = api.post("/api/tokens/999999/revoke/")
    huge = api.post(f"/api/tokens/{2**70}/revoke/")
    listed = api.get("/api/tokens/")

    assert revoke.status_code == 404
    assert missing.status_code == 404
    assert revoke.content == missing.content
    assert huge.status_code == 404
    assert listed.json()["count"] == 0
    bobs.refresh_from_db()
    assert bobs.revoked_at is None
    assert APIClient().get(CUSTOMERS, **bearer(secret)).status_code == 200


def test_last_used_at_is_set_on_use_and_written_at_most_once_a_minute(tenant_a, make_member):
    token, secret = create_token(make_member(tenant_a), "feed")
    api = APIClient()

    api.get(CUSTOMERS, **bearer(secret))
    token.refresh_from_db()
    first = token.last_used_at
    api.get(CUSTOMERS, **bearer(secret))
    token.refresh_from_db()
    second = token.last_used_at
    token.last_used_at = timezone.now() - timedelta(minutes=2)
    token.save()
    api.get(CUSTOMERS, **bearer(secret))
    token.refresh_from_db()

    assert first is not None
    assert abs(timezone.now() - first) < timedelta(seconds=30)
    assert second == first
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)


def test_a_token_of_a_user_on_a_tenant_they_do_not_belong_to_is_404(tenant_a, tenant_b, make_member):
    _, secret = create_token(make_member(tenant_b, Role.ADMIN), "beta's")
    api = APIClient()

    foreign = api.get(CUSTOMERS, **bearer(secret))
    missing = api.get("/api/t/no-such-company/customers/", **bearer(secret))

    assert foreign.status_code == 404
    assert missing.status_code == 404
    assert foreign.content == missing.content


def test_old_authtoken_keys_still_work_alongside(tenant_a, make_member):
    key = Token.objects.create(user=make_member(tenant_a, Role.VIEWER)).key

    response = APIClient().get(CUSTOMERS, HTTP_AUTHORIZATION=f"Token {key}")
    wrong = APIClient().get(CUSTOMERS, HTTP_AUTHORIZATION="Token not-a-real-key")

    assert response.status_code == 200
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Invalid token."}


def test_create_api_token_prints_the_secret(tenant_a, make_member, capsys):
    user = make_member(tenant_a, username="erp-feed")

    call_command("create_api_token", "erp-feed", "--name", "ERP", "--days", "30", "--read-only")

    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert secret.startswith("cc_") and len(secret) == 43
    assert token.owner == user and token.name == "ERP" and token.read_only is True
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert abs(token.expires_at - (token.created_at + timedelta(days=30))) < timedelta(seconds=5)
    assert APIClient().get(CUSTOMERS, **bearer(secret)).status_code == 200


def test_create_api_token_refuses_an_unknown_user_and_too_many_days(tenant_a, make_member):
    make_member(tenant_a, username="erp-feed")

    with pytest.raises(CommandError, match="No user 'nobody'."):
        call_command("create_api_token", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="A token lasts from 1 to 365 days."):
        call_command("create_api_token", "erp-feed", "--name", "x", "--days", "400")
    assert ApiToken.objects.count() == 0
