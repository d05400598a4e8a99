"""Slack through slack_sdk's WebClient (official; urllib underneath, not requests).

Slack answers most failures with HTTP 200 and `{"ok": false, "error": "<code>"}`; the SDK raises
SlackApiError for those and for non-2xx answers alike, so the mapping below reads the code first
and the status second.

chat.postMessage is a write that takes no idempotency key, so nothing here retries it. The
WebClient's default retry handlers include a ConnectionErrorRetryHandler that repeats the call
after a URLError, ConnectionResetError or RemoteDisconnected: the last two can arrive after Slack
has posted the message, and a repeat would post it twice. The client is built with no handlers;
the caller gets Unavailable or RateLimited and decides.
"""
from __future__ import annotations

from http.client import HTTPException
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from .errors import AuthFailed, ConnectorError, NotFound, RateLimited, Unavailable, from_status

TIMEOUT_S = 10
AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
               "missing_scope", "no_permission"}
NOT_FOUND_ERRORS = {"channel_not_found", "not_in_channel"}
# `ratelimited` comes with HTTP 429 and Retry-After; `rate_limited` is chat.postMessage's own
# per-channel limit, sent with HTTP 200 and no header.
RATE_ERRORS = {"ratelimited", "rate_limited"}
# Slack's documented "our side failed" codes, sent with HTTP 200.
SERVER_ERRORS = {"fatal_error", "internal_error", "service_unavailable", "request_timeout"}


class SlackChat:
    name = "slack"

    def __init__(self, token: str, base_url: str = "", timeout_s: float = TIMEOUT_S):
        """`base_url` is the Slack host (the sandbox's, say); its Web API lives under /api/.
        Empty means slack.com."""
        api_url = base_url.rstrip("/") + "/api/" if base_url else WebClient.BASE_URL
        self.client = WebClient(token=token, base_url=api_url, timeout=timeout_s, retry_handlers=[])

    def post(self, channel: str, text: str) -> str:
        """Post `text` to a channel (ID or name) and return the message's ts. Never retried.

        Link and media previews are off: an escalation quoting a customer's URLs should not make
        Slack fetch them."""
        try:
            response = self.client.chat_postMessage(channel=channel, text=text,
                                                    unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            raise _translate(exc.response) from None
        except URLError as exc:  # urllib's wrapper for failures before the request was sent
            raise Unavailable(f"slack unreachable: {_reason(exc)}") from None
        except (OSError, HTTPException) as exc:  # sent, then timed out or cut off: unknown outcome
            raise Unavailable(f"slack did not answer ({exc.__class__.__name__}); "
                              "the message may have been posted") from None
        except SlackClientError as exc:
            raise ConnectorError(f"slack client error: {exc.__class__.__name__}") from None
        return str(response.get("ts") or "")


def _translate(response) -> ConnectorError:
    """One failed Web API answer as the connector error tree. Never includes the token."""
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "")
    message = f"slack {status}: {code[:200] or 'no error code'}"
    if code in AUTH_ERRORS:
        return AuthFailed(message)
    if code in NOT_FOUND_ERRORS:
        return NotFound(message)
    if status == 429 or code in RATE_ERRORS:
        return RateLimited(message, _retry_after(response.headers) or 1.0)
    if code in SERVER_ERRORS:
        return Unavailable(message)
    if status != 200:
        return from_status(status, message)
    return ConnectorError(message)


def _retry_after(headers: dict) -> float | None:
    value = next((str(v) for k, v in (headers or {}).items() if str(k).lower() == "retry-after"), "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _reason(exc: URLError) -> str:
    reason = exc.reason
    return f"{reason.__class__.__name__}: {reason}"[:200] if isinstance(reason, Exception) else str(reason)[:200]
