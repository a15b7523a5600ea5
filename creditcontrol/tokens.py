"""Personal API tokens: making one (the secret is shown once, only its hash is kept), signing in with one
(`Authorization: Bearer <secret>` or `Token <secret>`), and the endpoints where a user lists, creates and
revokes their own, outside any tenant (`/api/tokens/`).

A token belongs to a user, not to a tenant: the tenant still comes from the URL and the user's membership,
and the role decides as for a session. A read-only token can only read (GET, HEAD, OPTIONS).
"""

import hashlib
import secrets
import string
from datetime import UTC, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .errors import DomainError
from .models import ApiToken

PREFIX = "cc_"
SECRET_LENGTH = 40  # random characters after the prefix
SHOWN_PREFIX_LENGTH = len(PREFIX) + 8  # what a list shows of the secret: "cc_AbCd1234"
DEFAULT_DAYS = 90
MAX_DAYS = 365
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often
KEYWORDS = (b"bearer", b"token")
_ALPHABET = string.ascii_letters + string.digits


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    owner, name: str, *, expires_in_days: int = DEFAULT_DAYS, read_only: bool = False
) -> tuple[ApiToken, str]:
    """Make a token for `owner`; answers it and its secret, which is stored nowhere (only its hash)."""
    name = (name or "").strip()
    if not name:
        raise DomainError("A token needs a name.", details={"name": ["This field is required."]})
    if not 1 <= expires_in_days <= MAX_DAYS:
        raise DomainError(
            f"A token lasts from 1 to {MAX_DAYS} days.",
            details={"expires_in_days": [f"Ensure this value is between 1 and {MAX_DAYS}."]},
        )
    secret = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    token = ApiToken.objects.create(
        owner=owner,
        name=name,
        key_hash=hash_secret(secret),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        expires_at=timezone.now() + timedelta(days=expires_in_days),
        read_only=read_only,
    )
    return token, secret


def revoke_token(token: ApiToken) -> ApiToken:
    """Revoke a token (a second revoke keeps the first date)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_by_username(username: str):
    return get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()


def expiry_message(token: ApiToken) -> str:
    return f"This token expired on {token.expires_at.astimezone(UTC).date().isoformat()}."


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer cc_…` or `Authorization: Token cc_…`.

    A header without the `cc_` prefix is left to the next class (DRF's deprecated authtoken keys). An
    expired or revoked token answers 401 saying so; a read-only token answers 403 to any write.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in KEYWORDS:
            return None
        try:
            secret = parts[1].decode()
        except UnicodeError:
            return None
        if not secret.startswith(PREFIX):
            return None  # an old authtoken key, perhaps: DRF's TokenAuthentication decides
        token = ApiToken.objects.select_related("owner").filter(key_hash=hash_secret(secret)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token was revoked.")
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(expiry_message(token))
        if not token.owner.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.read_only and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied("This token is read-only.")
        if token.last_used_at is None or token.last_used_at <= now - LAST_USED_EVERY:
            # Conditional, so that concurrent requests write the row once a minute at most.
            ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(last_used_at=now)
            token.last_used_at = now
        return token.owner, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
