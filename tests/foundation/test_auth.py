"""Sign-in, sign-out and password change (the throttle has its own tests: test_sign_in.py)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from creditcontrol.auth import reset_sign_in_throttle
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
DELAYED = "Too many failed sign-ins for this account."


@pytest.fixture
def throttle_clean():
    """Failure counters live in Redis and outlive a test: start and end each test with none."""
    used = []

    def clean(username: str, address: str) -> None:
        used.append((username, address))
        reset_sign_in_throttle(username=username, address=address)

    yield clean
    for username, address in used:
        reset_sign_in_throttle(username=username, address=address)


def test_login_page_renders_a_sign_in_form(client, db):
    response = client.get(LOGIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sign in</h1>" in html
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_signing_in_with_one_membership_lands_on_that_tenants_dashboard(
    client, tenant_a, make_member, throttle_clean
):
    user = make_member(tenant_a, username="signin-user")
    throttle_clean(user.username, "198.51.100.10")

    response = client.post(
        LOGIN, {"username": "signin-user", "password": PASSWORD}, REMOTE_ADDR="198.51.100.10", follow=True
    )

    assert response.redirect_chain[-1][0] == "/t/alpha/"
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert "Credit dashboard" in response.content.decode()


def test_wrong_password_is_refused_with_the_form_error(client, tenant_a, make_member, throttle_clean):
    make_member(tenant_a, username="typo-user")
    throttle_clean("typo-user", "198.51.100.11")

    response = client.post(LOGIN, {"username": "typo-user", "password": "nope"}, REMOTE_ADDR="198.51.100.11")

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "Please enter a correct username and password" in response.content.decode()


def test_a_successful_sign_in_resets_the_failure_count(client, tenant_a, make_member, throttle_clean):
    make_member(tenant_a, username="forgetful")
    address = "198.51.100.14"
    throttle_clean("forgetful", address)

    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        client.post(LOGIN, {"username": "forgetful", "password": "wrong"}, REMOTE_ADDR=address)
    client.post(LOGIN, {"username": "forgetful", "password": PASSWORD}, REMOTE_ADDR=address)
    client.logout()
    client.post(LOGIN, {"username": "forgetful", "password": "wrong"}, REMOTE_ADDR=address)
    response = client.post(
        LOGIN, {"username": "forgetful", "password": PASSWORD}, REMOTE_ADDR=address, follow=True
    )

    assert response.wsgi_request.user.is_authenticated
    assert DELAYED not in response.content.decode()


def test_sign_out_ends_the_session(client_for, tenant_a, make_member):
    client = client_for(make_member(tenant_a))
    assert client.get("/t/alpha/").status_code == 200

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/t/alpha/")["Location"] == "/accounts/login/?next=/t/alpha/"


def test_password_change_replaces_the_password(client_for, tenant_a, make_member):
    user = make_member(tenant_a)
    client = client_for(user)
    assert client.get("/accounts/password/").status_code == 200

    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-and-longer-secret-77",
            "new_password2": "a-new-and-longer-secret-77",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    user = get_user_model().objects.get(pk=user.pk)
    assert user.check_password("a-new-and-longer-secret-77")
    assert not user.check_password(PASSWORD)
    assert client.get("/t/alpha/").status_code == 200  # the session survives its own password change


def test_password_change_refuses_a_wrong_old_password(client_for, tenant_a, make_member):
    user = make_member(tenant_a)
    client = client_for(user)

    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "x-new-secret-991", "new_password2": "x-new-secret-991"},
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert get_user_model().objects.get(pk=user.pk).check_password(PASSWORD)
