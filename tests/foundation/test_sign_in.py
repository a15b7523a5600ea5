"""Sign-in throttling: it slows a guesser without locking out the people it guesses at.

The counters live in the real Redis of the test run (and, for "Redis down", in a cache pointed at a
closed port). The throttle's clock is a fixture so that delays can pass without sleeping; Redis's own
expiry times are real and long enough not to matter.
"""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client, RequestFactory, override_settings

from creditcontrol import auth
from creditcontrol.auth import client_address, reset_sign_in_throttle
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
WRONG = "Please enter a correct username and password. Note that both fields may be case-sensitive."
ADMIN_WRONG = (
    "Please enter the correct username and password for a staff account. "
    "Note that both fields may be case-sensitive."
)
START = 1_800_000_000 - 1_800_000_000 % 900  # the start of an address window, whatever its length


def account_wait(seconds: int) -> str:
    return f"Too many failed sign-ins for this account. Try again in {seconds} second" + (
        "s." if seconds != 1 else "."
    )


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, starting at START; `clock.advance(seconds)` moves it on."""

    class Clock:
        now = float(START)

        def advance(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(auth, "_now", lambda: clock.now)
    return clock


@pytest.fixture
def throttle(clock):
    """Forgets the counters of the usernames and addresses a test names, before and after it."""
    used: list[tuple[str | None, str | None]] = []

    def forget():
        for username, address in used:
            reset_sign_in_throttle(username=username, address=address)
        auth._fallback.clear()
        auth._cache_down_until.clear()

    def use(*, usernames=(), addresses=()):
        used.extend((username, None) for username in usernames)
        used.extend((None, address) for address in addresses)
        forget()

    yield use
    clock.now = float(START)
    forget()


REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here
        "KEY_PREFIX": "cc-test",
    }
}


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_user("throttled-staff", password=PASSWORD, is_staff=True)
    return user


def sign_in(client, username, password, address, path=LOGIN, **extra):
    data = {"username": username, "password": password}
    if path == ADMIN_LOGIN:
        data["next"] = "/admin/"  # as the admin's sign-in form posts it
    return client.post(path, data, REMOTE_ADDR=address, **extra)


def page(response) -> str:
    return response.content.decode()


# The four findings, as they were found (each failed before this throttle) ------------------------------


def test_finding_1_five_failures_from_an_address_do_not_lock_out_every_user_behind_it(
    client, tenant_a, make_member, throttle
):
    make_member(tenant_a, username="finding-1")
    typos = [f"finding-1-typo-{n}" for n in range(5)]
    throttle(usernames=typos + ["finding-1"], addresses=["198.51.100.30"])
    for username in typos:
        sign_in(client, username, "wrong", "198.51.100.30")

    response = sign_in(client, "finding-1", PASSWORD, "198.51.100.30")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_finding_2_five_failures_for_a_user_do_not_lock_out_its_password_for_minutes(
    client, tenant_a, make_member, throttle, clock
):
    make_member(tenant_a, username="finding-2")
    throttle(usernames=["finding-2"], addresses=["198.51.100.31", "203.0.113.31"])
    for _ in range(5):
        sign_in(Client(), "finding-2", "wrong", "203.0.113.31")  # anyone, from anywhere
    clock.advance(60)

    response = sign_in(client, "finding-2", PASSWORD, "198.51.100.31")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_finding_3_thirty_wrong_passwords_on_the_admin_sign_in_do_not_lead_in(client, staff, throttle):
    throttle(usernames=[staff.username], addresses=["198.51.100.32"])
    for _ in range(30):
        sign_in(client, staff.username, "wrong", "198.51.100.32", path=ADMIN_LOGIN)

    response = sign_in(client, staff.username, PASSWORD, "198.51.100.32", path=ADMIN_LOGIN)

    assert response.status_code == 429
    assert account_wait(2) in page(response)
    assert not response.wsgi_request.user.is_authenticated


def test_finding_4_with_redis_down_the_right_password_still_signs_in(tenant_a, make_member, throttle):
    make_member(tenant_a, username="finding-4")
    throttle(usernames=["finding-4"], addresses=["198.51.100.33"])
    client = Client(raise_request_exception=False)
    with override_settings(CACHES=REDIS_DOWN):
        caches["default"].close()
        response = sign_in(client, "finding-4", PASSWORD, "198.51.100.33")
    caches["default"].close()

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.wsgi_request.user.username == "finding-4"


# 1. One address's failures do not lock out the users behind it ---------------------------------------


def test_failures_from_one_address_do_not_lock_out_another_user_behind_it(
    client, tenant_a, make_member, throttle
):
    make_member(tenant_a, username="office-colleague")
    address = "198.51.100.40"
    throttle(usernames=["office-typo", "office-colleague"], addresses=[address])
    statuses = [sign_in(client, "office-typo", "wrong", address).status_code for _ in range(10)]

    response = sign_in(client, "office-colleague", PASSWORD, address)

    assert statuses == [200] * 5 + [429] * 5  # the mistyped account is delayed, not the address
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.wsgi_request.user.username == "office-colleague"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own_address(
    client, tenant_a, make_member, throttle
):
    make_member(tenant_a, username="proxied-user")
    proxy, guesser, colleague = "10.0.0.5", "203.0.113.66", "203.0.113.67"
    throttle(usernames=["proxied-user"] + [f"sprayed-{n}" for n in range(3)], addresses=[guesser, colleague])
    with override_settings(LOGIN_ADDRESS_MAX_FAILURES=3):
        for n in range(3):
            sign_in(client, f"sprayed-{n}", "wrong", proxy, HTTP_X_FORWARDED_FOR=guesser)
        refused = sign_in(client, "proxied-user", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=guesser)
        response = sign_in(client, "proxied-user", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=colleague)

    assert refused.status_code == 429
    assert "Too many failed sign-ins from your network. Try again in 15 minutes." in page(refused)
    assert response.status_code == 302
    assert response.wsgi_request.user.username == "proxied-user"


def test_the_address_ceiling_refuses_a_spray_over_many_accounts_until_its_window_ends(
    client, tenant_a, make_member, throttle, clock
):
    make_member(tenant_a, username="sprayed-user")
    address = "198.51.100.41"
    usernames = [f"spray-{n}" for n in range(5)]
    throttle(usernames=usernames + ["sprayed-user"], addresses=[address])
    with override_settings(LOGIN_ADDRESS_MAX_FAILURES=5):
        for username in usernames:
            assert page(sign_in(client, username, "wrong", address)).count(WRONG) == 1
        clock.advance(840)
        refused = sign_in(client, "sprayed-user", PASSWORD, address)
        clock.advance(60)  # the window of 900 seconds has ended
        response = sign_in(client, "sprayed-user", PASSWORD, address)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many failed sign-ins from your network. Try again in 60 seconds." in page(refused)
    assert not refused.wsgi_request.user.is_authenticated
    assert response.status_code == 302


def test_the_address_ceiling_is_one_hundred_failures_by_default(client, db, throttle, settings):
    address = "198.51.100.42"
    usernames = [f"ceiling-{n}" for n in range(100)]
    throttle(usernames=usernames + ["ceiling-last"], addresses=[address])
    assert settings.LOGIN_ADDRESS_MAX_FAILURES == 100
    assert settings.LOGIN_ADDRESS_WINDOW_SECONDS == 900

    statuses = {sign_in(client, username, "wrong", address).status_code for username in usernames}
    response = sign_in(client, "ceiling-last", "wrong", address)

    assert statuses == {200}
    assert response.status_code == 429
    assert "Too many failed sign-ins from your network. Try again in 15 minutes." in page(response)


def test_an_ipv6_address_is_counted_with_the_rest_of_its_64(client, tenant_a, make_member, throttle):
    make_member(tenant_a, username="ipv6-user")
    usernames = [f"ipv6-spray-{n}" for n in range(3)]
    throttle(usernames=usernames + ["ipv6-user"], addresses=["2001:db8:1:2::1"])
    with override_settings(LOGIN_ADDRESS_MAX_FAILURES=3):
        for n, username in enumerate(usernames):
            sign_in(client, username, "wrong", f"2001:db8:1:2::{n + 10}")
        refused = sign_in(client, "ipv6-user", PASSWORD, "2001:db8:1:2:ffff::1")
        elsewhere = sign_in(client, "ipv6-user", PASSWORD, "2001:db8:1:3::1")

    assert refused.status_code == 429
    assert "Too many failed sign-ins from your network. Try again in 15 minutes." in page(refused)
    assert elsewhere.status_code == 302


def test_a_known_device_passes_the_address_ceiling(client, tenant_a, make_member, throttle):
    make_member(tenant_a, username="ceiling-known")
    usernames = [f"ceiling-spray-{n}" for n in range(3)]
    throttle(usernames=usernames + ["ceiling-known"], addresses=["198.51.100.39"])
    assert sign_in(client, "ceiling-known", PASSWORD, "198.51.100.39").status_code == 302
    client.post("/accounts/logout/")
    with override_settings(LOGIN_ADDRESS_MAX_FAILURES=3):
        for username in usernames:
            sign_in(Client(), username, "wrong", "198.51.100.39")
        stranger = sign_in(Client(), "ceiling-known", PASSWORD, "198.51.100.39")
        known = sign_in(client, "ceiling-known", PASSWORD, "198.51.100.39")

    assert stranger.status_code == 429
    assert known.status_code == 302
    assert known.wsgi_request.user.username == "ceiling-known"


# 2. An account's failures slow the guesser; the right password goes in after a short delay -----------


def test_failures_for_an_account_delay_it_for_seconds_then_the_right_password_goes_in(
    client, tenant_a, make_member, throttle, clock, settings
):
    make_member(tenant_a, username="targeted")
    throttle(usernames=["targeted"], addresses=["198.51.100.43"])
    assert (settings.LOGIN_MAX_FAILURES, settings.LOGIN_DELAY_SECONDS) == (5, 2)
    for _ in range(4):
        assert sign_in(client, "targeted", "wrong", "198.51.100.43").status_code == 200
    fifth = sign_in(client, "targeted", "wrong", "198.51.100.43")

    during = sign_in(client, "targeted", PASSWORD, "198.51.100.43")
    clock.advance(2)
    after = sign_in(client, "targeted", PASSWORD, "198.51.100.43")

    assert fifth.status_code == 200
    assert WRONG in page(fifth)
    assert during.status_code == 429
    assert during["Retry-After"] == "2"
    assert account_wait(2) in page(during)
    assert '<div class="error" role="alert">' in page(during)  # the styled sign-in page
    assert "<h1>Sign in</h1>" in page(during)
    assert not during.wsgi_request.user.is_authenticated
    assert after.status_code == 302
    assert after.wsgi_request.user.username == "targeted"


def test_the_delay_doubles_with_each_further_failure_up_to_its_cap(client, db, throttle, clock):
    throttle(usernames=["doubled"], addresses=["198.51.100.44"])
    waits = []
    with override_settings(LOGIN_DELAY_MAX_SECONDS=16):
        for _ in range(5):
            sign_in(client, "doubled", "wrong", "198.51.100.44")
        for _ in range(5):
            response = sign_in(client, "doubled", "wrong", "198.51.100.44")
            assert response.status_code == 429
            waits.append(response["Retry-After"])
            clock.advance(int(response["Retry-After"]))
            assert sign_in(client, "doubled", "wrong", "198.51.100.44").status_code == 200

    assert waits == ["2", "4", "8", "16", "16"]


def test_the_delay_is_never_longer_than_a_minute_by_default(client, db, throttle, clock, settings):
    throttle(usernames=["hammered"], addresses=["198.51.100.45"])
    assert settings.LOGIN_DELAY_MAX_SECONDS == 60
    for _ in range(5):
        sign_in(client, "hammered", "wrong", "198.51.100.45")
    for _ in range(10):
        clock.advance(60)
        sign_in(client, "hammered", "wrong", "198.51.100.45")

    response = sign_in(client, "hammered", "wrong", "198.51.100.45")

    assert response.status_code == 429
    assert account_wait(60) in page(response)


def test_attempts_refused_during_a_delay_do_not_lengthen_it(client, db, throttle, clock):
    throttle(usernames=["impatient"], addresses=["198.51.100.46"])
    for _ in range(5):
        sign_in(client, "impatient", "wrong", "198.51.100.46")
    for _ in range(20):
        sign_in(client, "impatient", "wrong", "198.51.100.46")
    clock.advance(1)

    response = sign_in(client, "impatient", "wrong", "198.51.100.46")

    assert response.status_code == 429
    assert account_wait(1) in page(response)


def test_a_known_device_signs_in_while_a_guesser_elsewhere_keeps_the_account_delayed(
    client, tenant_a, make_member, throttle
):
    make_member(tenant_a, username="known-device-user")
    throttle(usernames=["known-device-user"], addresses=["198.51.100.47", "203.0.113.47"])
    assert sign_in(client, "known-device-user", PASSWORD, "198.51.100.47").status_code == 302
    assert auth.KNOWN_DEVICE_COOKIE in client.cookies
    client.post("/accounts/logout/")  # as a browser does (the test client's logout() drops every cookie)
    guesser = Client()
    for _ in range(8):
        sign_in(guesser, "known-device-user", "wrong", "203.0.113.47")
    refused = sign_in(Client(), "known-device-user", PASSWORD, "198.51.100.47")  # a new browser

    response = sign_in(client, "known-device-user", PASSWORD, "198.51.100.47", follow=True)

    assert refused.status_code == 429
    assert response.redirect_chain[0] == ("/", 302)
    assert response.wsgi_request.user.username == "known-device-user"
    assert "There were 9 failed sign-in attempts on your account since your last sign-in." in page(response)


def test_a_known_device_that_keeps_failing_is_a_stranger_again(client, tenant_a, make_member, throttle):
    make_member(tenant_a, username="stolen-cookie")
    throttle(usernames=["stolen-cookie"], addresses=["198.51.100.48"])
    sign_in(client, "stolen-cookie", PASSWORD, "198.51.100.48")
    client.post("/accounts/logout/")
    assert auth.KNOWN_DEVICE_COOKIE in client.cookies
    for _ in range(5):
        assert sign_in(client, "stolen-cookie", "wrong", "198.51.100.48").status_code == 200

    response = sign_in(client, "stolen-cookie", "wrong", "198.51.100.48")

    assert response.status_code == 429
    assert account_wait(2) in page(response)


# 3. The admin's sign-in goes through the same throttle ---------------------------------------------------


def test_the_admin_sign_in_is_throttled_like_every_other(client, staff, throttle, clock):
    throttle(usernames=[staff.username], addresses=["198.51.100.49"])
    for _ in range(30):
        response = sign_in(client, staff.username, "wrong", "198.51.100.49", path=ADMIN_LOGIN)
    assert response.status_code == 429

    refused = sign_in(client, staff.username, PASSWORD, "198.51.100.49", path=ADMIN_LOGIN)
    clock.advance(2)
    response = sign_in(client, staff.username, PASSWORD, "198.51.100.49", path=ADMIN_LOGIN, follow=True)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    assert account_wait(2) in page(refused)
    assert 'class="errornote"' in page(refused)  # the admin's own page
    assert not refused.wsgi_request.user.is_authenticated
    assert response.redirect_chain == [("/admin/", 302)]
    assert response.wsgi_request.user == staff
    assert "There were 31 failed sign-in attempts on your account since your last sign-in." in page(response)


def test_failures_on_the_app_sign_in_delay_the_admin_sign_in(client, staff, throttle):
    throttle(usernames=[staff.username], addresses=["198.51.100.50"])
    for _ in range(5):
        sign_in(client, staff.username, "wrong", "198.51.100.50")

    response = sign_in(client, staff.username, PASSWORD, "198.51.100.50", path=ADMIN_LOGIN)

    assert response.status_code == 429
    assert account_wait(2) in page(response)


def test_the_admin_sign_in_still_refuses_wrong_passwords_and_non_staff(
    client, tenant_a, make_member, throttle
):
    make_member(tenant_a, username="not-staff")
    throttle(usernames=["not-staff"], addresses=["198.51.100.51"])

    wrong = sign_in(client, "not-staff", "wrong", "198.51.100.51", path=ADMIN_LOGIN)
    for _ in range(6):  # the right password of a non-staff user is not a failure: never delayed
        right = sign_in(client, "not-staff", PASSWORD, "198.51.100.51", path=ADMIN_LOGIN)

    assert client.get(ADMIN_LOGIN).status_code == 200
    assert wrong.status_code == 200
    assert ADMIN_WRONG in page(wrong)
    assert right.status_code == 200
    assert ADMIN_WRONG in page(right)


# 4. Redis down: sign-in still works and is still throttled, in this process ------------------------------


@pytest.fixture
def redis_down():
    with override_settings(CACHES=REDIS_DOWN):
        caches["default"].close()
        yield
    caches["default"].close()


def test_with_redis_down_the_right_password_signs_in_and_a_warning_is_logged(
    tenant_a, make_member, throttle, redis_down, caplog
):
    make_member(tenant_a, username="redis-down-user")
    throttle(usernames=["redis-down-user"], addresses=["198.51.100.52"])
    client = Client(raise_request_exception=False)
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="creditcontrol.auth"):
        response = sign_in(client, "redis-down-user", PASSWORD, "198.51.100.52")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.wsgi_request.user.username == "redis-down-user"
    assert [record.getMessage() for record in caplog.records if record.name == "creditcontrol.auth"] == [
        "Sign-in throttle: the cache is unavailable; counting failed sign-ins in this process's memory "
        "for the next 30 seconds"
    ]


def test_with_redis_down_failures_are_still_counted_and_delayed(
    tenant_a, make_member, throttle, redis_down, clock
):
    make_member(tenant_a, username="redis-down-target")
    throttle(usernames=["redis-down-target"], addresses=["198.51.100.53"])
    client = Client(raise_request_exception=False)

    statuses = [sign_in(client, "redis-down-target", "wrong", "198.51.100.53").status_code for _ in range(5)]
    refused = sign_in(client, "redis-down-target", PASSWORD, "198.51.100.53")
    clock.advance(2)
    response = sign_in(client, "redis-down-target", PASSWORD, "198.51.100.53", follow=True)

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert account_wait(2) in page(refused)
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "redis-down-target"
    assert "There were 6 failed sign-in attempts on your account since your last sign-in." in page(response)


# The notice after signing in ------------------------------------------------------------------------------


def test_a_successful_sign_in_tells_of_the_failed_attempts_since_the_last(
    client, tenant_a, make_member, throttle
):
    make_member(tenant_a, username="noticed")
    throttle(usernames=["noticed"], addresses=["198.51.100.54"])
    for _ in range(3):
        sign_in(client, "noticed", "wrong", "198.51.100.54")

    first = sign_in(client, "noticed", PASSWORD, "198.51.100.54", follow=True)
    client.logout()
    sign_in(client, "noticed", "wrong", "198.51.100.54")
    second = sign_in(client, "noticed", PASSWORD, "198.51.100.54", follow=True)
    client.logout()
    third = sign_in(client, "noticed", PASSWORD, "198.51.100.54", follow=True)

    assert first.redirect_chain == [("/", 302), ("/t/alpha/", 302)]
    assert first.status_code == 200
    assert "There were 3 failed sign-in attempts on your account since your last sign-in." in page(first)
    assert "There was 1 failed sign-in attempt on your account since your last sign-in." in page(second)
    assert "failed sign-in attempt" not in page(third)


# Which address is the client's ----------------------------------------------------------------------------


def _request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().post(LOGIN, REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_address_is_remote_addr_whatever_x_forwarded_for_says(settings):
    assert settings.TRUSTED_PROXIES == []

    assert client_address(_request("198.51.100.60", "203.0.113.1")) == "198.51.100.60"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "192.0.2.7"])
def test_behind_trusted_proxies_the_address_is_the_nearest_untrusted_hop():
    assert client_address(_request("10.1.2.3", "203.0.113.9")) == "203.0.113.9"
    # a client's own X-Forwarded-For comes first; the proxies append after it
    assert client_address(_request("10.1.2.3", "1.2.3.4, 203.0.113.9, 192.0.2.7")) == "203.0.113.9"
    assert client_address(_request("10.1.2.3", "garbage, 203.0.113.9")) == "203.0.113.9"
    assert client_address(_request("10.1.2.3", "203.0.113.9, garbage")) == "10.1.2.3"
    assert client_address(_request("10.1.2.3")) == "10.1.2.3"
    # from an untrusted peer, the header is ignored
    assert client_address(_request("198.51.100.61", "203.0.113.9")) == "198.51.100.61"
