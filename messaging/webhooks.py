"""Delivery events a provider signs with the tenant's secret (`EventSigningSecret`), so it can post them
without an API token:

    X-Credit-Control-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>

A signature is refused when it is missing or malformed, when its time is more than five minutes from ours
(a request recorded and sent again later), or when no `v1` matches. Several `v1` may be given (a provider
signing with the old and the new secret while it is rotated).
"""

import hashlib
import hmac
import time

HEADER = "X-Credit-Control-Signature"
TOLERANCE_SECONDS = 5 * 60


class BadSignature(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" with `secret`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """What a provider sends (the tests sign with it too)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def parse(header: str | None) -> tuple[int, list[str]]:
    """The header's time and its signatures; raises BadSignature when it is missing or cannot be read."""
    if not header:
        raise BadSignature(f"Sign the request: the {HEADER} header is missing.", "signature_missing")
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:  # unix seconds
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.strip().lower())
    if timestamp is None or not signatures:
        raise BadSignature(
            f"The {HEADER} header reads t=<unix seconds>,v1=<hex HMAC-SHA256>.", "signature_malformed"
        )
    return timestamp, signatures


def check_time(timestamp: int, now: float | None = None) -> None:
    off = abs(int(time.time() if now is None else now) - timestamp)
    if off > TOLERANCE_SECONDS:
        raise BadSignature(
            f"The signature's time is {off} seconds from ours; at most {TOLERANCE_SECONDS} are accepted.",
            "signature_stale",
        )


def check(secret: str | None, timestamp: int, signatures: list[str], body: bytes) -> None:
    """Raises BadSignature unless one of `signatures` is the body's with `secret` (None: no secret yet)."""
    expected = signature(secret or "", timestamp, body)
    matched = any(hmac.compare_digest(expected.encode(), given.encode()) for given in signatures)
    if secret is None or not matched:
        raise BadSignature("The signature does not match.", "signature_mismatch")
