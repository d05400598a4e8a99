"""Webhook signature checks over raw bytes (DESIGN §7.1). Pure: no Flask, no I/O.

Zendesk signs base64(HMAC-SHA256(secret, timestamp + body)) where the key is the
secret string as-is (not base64-decoded) and the timestamp is the ISO-8601 string
from X-Zendesk-Webhook-Signature-Timestamp. Zendesk prescribes no replay window;
we refuse timestamps more than WINDOW_S away from now in either direction.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime, timezone
from typing import Callable, Iterable

from app.core.errors import DeskhandError

WINDOW_S = 300


class SignatureError(DeskhandError):
    """The delivery is not authentic (missing, malformed, wrong or stale)."""


def sign_zendesk(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def parse_timestamp(value: str) -> float:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp()
    except (ValueError, OverflowError):  # not a date; a date whose offset leaves the calendar
        raise SignatureError("signature timestamp is not ISO-8601") from None


def verify_zendesk(
    secrets: Iterable[str],
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    clock: Callable[[], float] = time.time,
    window_s: int = WINDOW_S,
) -> None:
    """Raise SignatureError unless one of `secrets` signed (timestamp + body) recently.

    Several secrets are accepted so a secret can be rotated without downtime.
    """
    if not signature or not timestamp:
        raise SignatureError("missing X-Zendesk-Webhook-Signature or its timestamp")
    if abs(clock() - parse_timestamp(timestamp)) > window_s:
        raise SignatureError("signature timestamp outside the allowed window")
    given = signature.strip().encode()
    if not any(hmac.compare_digest(sign_zendesk(s, timestamp, body).encode(), given)
               for s in secrets if s):
        raise SignatureError("signature does not match")


# -- Intercom (reference B1, B4) ------------------------------------------------------------------
# Webhooks: `X-Hub-Signature: sha1=<hex HMAC-SHA1(client_secret, raw body)>`. Intercom signs no
# timestamp, so there is no replay window here: replays are stopped by deduplicating on the
# notification id (the inbox keeps every delivery id, far beyond the 7 days Intercom may retry).
# Canvas Kit requests: `X-Body-Signature: <hex HMAC-SHA256(client_secret, raw body)>`.

def sign_intercom_webhook(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def sign_intercom_canvas(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_intercom_webhook(secrets: Iterable[str], signature: str | None, body: bytes) -> None:
    """Raise SignatureError unless one of `secrets` (client secrets, for rotation) signed `body`."""
    if not signature:
        raise SignatureError("missing X-Hub-Signature")
    given = signature.strip().lower()
    if not given.startswith("sha1=") or len(given) != 45:
        raise SignatureError("X-Hub-Signature must be sha1= and 40 hex digits")
    _match(given, (sign_intercom_webhook(s, body) for s in secrets if s))


def verify_intercom_canvas(secrets: Iterable[str], signature: str | None, body: bytes) -> None:
    if not signature:
        raise SignatureError("missing X-Body-Signature")
    given = signature.strip().lower()
    if len(given) != 64:
        raise SignatureError("X-Body-Signature must be 64 hex digits")
    _match(given, (sign_intercom_canvas(s, body) for s in secrets if s))


def _match(given: str, expected) -> None:
    if not any(hmac.compare_digest(e.encode(), given.encode()) for e in expected):
        raise SignatureError("signature does not match")
