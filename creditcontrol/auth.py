"""Sign-in throttling that slows a password guesser without locking out the people it guesses at.

One form (`ThrottledAuthenticationForm`, and its admin variant) and one view (`ThrottledLoginView`)
serve both `/accounts/login/` and `/admin/login/`; the rules (docs/operations.md, "Sign-in"):

- **Per account, growing delays.** The first `LOGIN_MAX_FAILURES` wrong passwords for a username cost
  nothing. Each one after that opens a delay: `LOGIN_DELAY_SECONDS`, doubling with each further
  failure, capped at `LOGIN_DELAY_MAX_SECONDS`. During the delay every attempt for that username is
  refused without its password being checked ("Try again in N seconds", 429); once it has passed the
  right password goes in at once. A guesser gets one guess per delay; nobody is locked out for minutes.
- **Known devices pass.** A browser that signed in as the user before carries a signed cookie naming
  that user; for that user it is neither delayed by failures made elsewhere nor held by the address
  ceiling. Its own failures count: after `LOGIN_MAX_FAILURES` of them it is treated as a stranger.
- **Per address, a high ceiling.** `LOGIN_ADDRESS_MAX_FAILURES` wrong passwords from one address (an
  IPv6 /64) in a window of `LOGIN_ADDRESS_WINDOW_SECONDS` refuse further attempts from it until the
  window ends: high enough for an office behind one NAT, low enough to stop a spray over many accounts.
  The address is `REMOTE_ADDR`, or the client named in `X-Forwarded-For` when the request comes from
  one of `TRUSTED_PROXIES` (`DJANGO_TRUSTED_PROXIES`).
- **The user hears of it.** Failed attempts since the last sign-in are counted; the next successful
  sign-in shows "There were N failed sign-in attempts on your account since your last sign-in."
- **Redis down is not an outage.** The counters live in the cache (Redis); when it fails they live in
  this process's memory instead (logged as a warning), and Redis is tried again after a while.
"""

import hashlib
import ipaddress
import logging
import math
import secrets
import time
from functools import lru_cache

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core import signing
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KNOWN_DEVICE_COOKIE = "cc_known_device"
KNOWN_DEVICE_MAX_AGE = 180 * 24 * 3600
_DEVICE_SALT = "creditcontrol.auth.known-device"
NOTICE_SECONDS = 90 * 24 * 3600  # how long failed attempts wait for the account's next sign-in
CACHE_RETRY_SECONDS = 30  # after the cache fails, how long the in-process store is used before trying again


def _now() -> float:
    return time.time()


# --- the store: the cache, or this process's memory while the cache is failing --------------------------

_fallback = LocMemCache("sign-in-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_cache_down_until: dict[str, float] = {}  # cache location -> monotonic time to try it again


def _store_call(operation: str, *args):
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    if time.monotonic() >= _cache_down_until.get(location, 0.0):
        try:
            return getattr(cache, operation)(*args)
        except (RedisError, OSError):
            _cache_down_until[location] = time.monotonic() + CACHE_RETRY_SECONDS
            logger.warning(
                "Sign-in throttle: the cache is unavailable; counting failed sign-ins in this process's "
                "memory for the next %s seconds",
                CACHE_RETRY_SECONDS,
                exc_info=True,
            )
    return getattr(_fallback, operation)(*args)


def _get(key: str, default=None):
    return _store_call("get", key, default)


def _set(key: str, value, timeout: int) -> None:
    _store_call("set", key, value, timeout)


def _delete(*keys: str) -> None:
    _store_call("delete_many", list(keys))


def _count(key: str, timeout: int, *, refresh: bool = False) -> int:
    """Adds one to a counter that lives `timeout` seconds (from its first count, or from now if `refresh`)."""
    _store_call("add", key, 0, timeout)
    try:
        value = _store_call("incr", key)
    except ValueError:  # expired between add and incr
        _store_call("set", key, 1, timeout)
        value = 1
    if refresh:
        _store_call("touch", key, timeout)
    return value


# --- who is asking --------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    """REMOTE_ADDR; behind a trusted proxy, the nearest address in X-Forwarded-For that is not one.

    The header is read right to left (each proxy appends the address it was called from), so a client
    cannot choose its address by sending an X-Forwarded-For of its own.
    """
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not _trusted(address):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            break  # junk: the last proxy that handed it on is the client as far as we can tell
        if not _trusted(address):
            break
    return address


def _address_bucket(address: str) -> str:
    """The unit the address ceiling counts: one IPv4 address, or one IPv6 /64 (what one site is given)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _account(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _wait_text(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} second" + ("s" if seconds != 1 else "")
    return f"{math.ceil(seconds / 60)} minutes"


# --- the throttle ---------------------------------------------------------------------------------------


class SignInThrottle:
    """The state of one sign-in attempt: which username, from which address, on which device."""

    def __init__(self, request, username: str):
        self.request = request
        self.account = _account(username)
        self.address = _address_bucket(client_address(request))
        self.device = self._known_device()

    # keys
    @property
    def _fails_key(self):
        return f"signin:acct:{self.account}:fails"

    @property
    def _until_key(self):
        return f"signin:acct:{self.account}:until"

    @property
    def _notice_key(self):
        return f"signin:acct:{self.account}:notice"

    @property
    def _device_key(self):
        return f"signin:device:{self.device}:fails"

    def _address_key(self, window: int) -> str:
        return f"signin:addr:{self.address}:{window}"

    def _known_device(self) -> str | None:
        """The device's id when the request carries this username's known-device cookie, still trusted."""
        value = self.request.COOKIES.get(KNOWN_DEVICE_COOKIE) if self.request else None
        if not value:
            return None
        try:
            data = signing.loads(value, salt=_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE)
        except signing.BadSignature:
            return None
        if data.get("account") != self.account:
            return None
        device = str(data.get("device", ""))
        if not device or (_get(f"signin:device:{device}:fails") or 0) >= settings.LOGIN_MAX_FAILURES:
            return None
        return device

    def refusal(self) -> tuple[str, float] | None:
        """(message, seconds to wait) when this attempt must be refused without checking the password."""
        if self.device:
            return None
        now = _now()
        window_length = settings.LOGIN_ADDRESS_WINDOW_SECONDS
        window = int(now // window_length)
        if (_get(self._address_key(window)) or 0) >= settings.LOGIN_ADDRESS_MAX_FAILURES:
            wait = (window + 1) * window_length - now
            return "Too many failed sign-ins from your network. Try again in %(wait)s.", wait
        until = _get(self._until_key) or 0
        if now < until:
            return "Too many failed sign-ins for this account. Try again in %(wait)s.", until - now
        return None

    def refused(self) -> None:
        _count(self._notice_key, NOTICE_SECONDS, refresh=True)

    def failed(self) -> None:
        """A wrong password: count it for the account, the address, the device and the notice."""
        now = _now()
        memory = settings.LOGIN_FAILURE_MEMORY_SECONDS
        failures = _count(self._fails_key, memory, refresh=True)
        _count(self._notice_key, NOTICE_SECONDS, refresh=True)
        window_length = settings.LOGIN_ADDRESS_WINDOW_SECONDS
        address_failures = _count(self._address_key(int(now // window_length)), window_length)
        if self.device:
            _count(self._device_key, KNOWN_DEVICE_MAX_AGE)
        if failures >= settings.LOGIN_MAX_FAILURES:
            exponent = min(failures - settings.LOGIN_MAX_FAILURES, 30)
            delay = min(settings.LOGIN_DELAY_SECONDS * 2**exponent, settings.LOGIN_DELAY_MAX_SECONDS)
            _set(self._until_key, now + delay, memory)
            logger.info(
                "Sign-in delayed after repeated failures",
                extra={"failures": failures, "delay_seconds": delay, "address": self.address},
            )
        if address_failures == settings.LOGIN_ADDRESS_MAX_FAILURES:
            logger.warning(
                "Sign-in address ceiling reached: further attempts from this address are refused",
                extra={"address": self.address, "window_seconds": window_length},
            )

    def succeeded(self) -> int:
        """The right password: forget the account's failures; answers how many attempts failed since the last."""
        notice = _get(self._notice_key) or 0
        keys = [self._fails_key, self._until_key, self._notice_key]
        if self.device:
            keys.append(self._device_key)
        _delete(*keys)
        return notice

    def known_device_cookie(self) -> str:
        device = self.device or secrets.token_urlsafe(16)
        return signing.dumps({"account": self.account, "device": device}, salt=_DEVICE_SALT)


def reset_sign_in_throttle(username: str | None = None, address: str | None = None) -> None:
    """Forgets an account's failures (and its notice), or an address's current window: for an operator."""
    keys = []
    if username is not None:
        account = _account(username)
        keys += [f"signin:acct:{account}:{part}" for part in ("fails", "until", "notice")]
    if address is not None:
        window = int(_now() // settings.LOGIN_ADDRESS_WINDOW_SECONDS)
        keys += [f"signin:addr:{_address_bucket(address)}:{w}" for w in (window - 1, window)]
    if keys:
        _delete(*keys)


# --- forms and views ------------------------------------------------------------------------------------


class ThrottleMixin:
    """Refuses throttled attempts before the password is checked; counts wrong passwords."""

    throttle: SignInThrottle | None = None
    failures_since_last_sign_in = 0
    retry_after: float = 0

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        self.throttle = SignInThrottle(self.request, username)
        refusal = self.throttle.refusal()
        if refusal:
            message, wait = refusal
            self.throttle.refused()
            self.retry_after = wait
            raise forms.ValidationError(message, code="throttled", params={"wait": _wait_text(wait)})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.user_cache is None:  # a wrong password, not a right one the admin refuses (not staff)
                self.throttle.failed()
            raise
        self.failures_since_last_sign_in = self.throttle.succeeded()
        return cleaned


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    pass


def failed_attempts_notice(count: int) -> str:
    if count == 1:
        return "There was 1 failed sign-in attempt on your account since your last sign-in."
    return f"There were {count} failed sign-in attempts on your account since your last sign-in."


class ThrottledLoginView(LoginView):
    """LoginView that answers a throttled attempt with 429 and Retry-After, and tells of failed attempts."""

    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.failures_since_last_sign_in:
            messages.warning(self.request, failed_attempts_notice(form.failures_since_last_sign_in))
        response.set_cookie(
            KNOWN_DEVICE_COOKIE,
            form.throttle.known_device_cookie(),
            max_age=KNOWN_DEVICE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", code="throttled"):
            response.status_code = 429
            response["Retry-After"] = str(max(1, math.ceil(form.retry_after)))
        return response


def admin_login(request):
    """The admin's sign-in page (as `AdminSite.login`), through the same throttle as every other sign-in."""
    site = admin.site
    if request.method == "GET" and site.has_permission(request):
        return HttpResponseRedirect(reverse("admin:index", current_app=site.name))
    context = {
        **site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    request.current_app = site.name
    return ThrottledLoginView.as_view(
        authentication_form=ThrottledAdminAuthenticationForm,
        template_name=site.login_template or "admin/login.html",
        redirect_authenticated_user=False,
        extra_context=context,
    )(request)
