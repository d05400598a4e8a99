"""Intercom Help Center articles through python-intercom (the official, Fern-generated SDK).

Intercom cannot list articles changed since a time, so every sync reads the whole list and
returns it with `complete=True`; the store drops whatever is no longer in it.

We page with the SDK's own `page`/`per_page` parameters, one call per page, rather than by
iterating its pager: the 5.0.1 pager always claims another page (it stops only after fetching an
empty one, one wasted request per sync, and never if a server ignores `page`), and a retry
wrapped around the iteration would restart from page one.

The SDK's retry counter is broken (reference B3: `max_retries=N` gives N-2 retries, none by
default), so it is told not to retry and reads go through our own bounded retry instead.
"""
from __future__ import annotations

import email.utils
import time
from datetime import datetime, timezone

import httpx
from intercom import Intercom
from intercom.core.api_error import ApiError

from .errors import ConnectorError, RateLimited, Unavailable, from_status
from .knowledge_base import ArticleChanges, language_of
from .types import Article

TIMEOUT_S = 10
RETRIES = 2  # retries after the first attempt, for 429, 5xx, timeouts and connection errors
BACKOFF_S = 0.5  # 0.5 s then 1 s when the server names no wait
RETRY_AFTER_CAP_S = 5.0  # never sleep longer than this inside a sync, whatever Retry-After says
PER_PAGE = 50
MAX_PAGES = 1000  # a listing that has not ended by then is a server bug, not a knowledge base
NO_SDK_RETRIES = {"max_retries": 0}


class IntercomArticles:
    name = "intercom"

    def __init__(self, token: str, base_url: str = "", timeout_s: float = TIMEOUT_S,
                 version: str = "2.14"):
        # 2.14 is the description the SDK was generated from; pin it rather than take whatever
        # version the app is set to in Developer Hub.
        self.client = Intercom(token=token, base_url=base_url or None, timeout=timeout_s,
                               headers={"Intercom-Version": version})
        self.per_page = PER_PAGE
        self._sleep = time.sleep  # tests replace it to see the waits without taking them

    def changes(self, since: str = "") -> ArticleChanges:
        """Every published article. `since` is not used (no incremental listing); the cursor
        returned is the newest `updated_at`, for the record."""
        listed, total_count = self._list_all()
        articles = tuple(article for a in listed for article in _articles(a))
        cursor = max((a.updated_at for a in articles if a.updated_at), default=since)
        # Intercom orders the list by updated_at: an article edited while we page moves to the
        # front and can push another one past us. Short of the count Intercom announced, the
        # list is not the whole knowledge base, so nothing may be dropped on its strength.
        complete = total_count is None or len(listed) >= total_count
        return ArticleChanges(articles=articles, complete=complete, cursor=cursor)

    def _list_all(self) -> tuple[list, int | None]:
        """All articles, drafts included, and the total count the first page announced."""
        seen: dict[str, object] = {}
        total_count = None
        for page in range(1, MAX_PAGES + 1):
            listing = self._read(lambda page=page: self.client.articles.list(
                page=page, per_page=self.per_page, request_options=NO_SDK_RETRIES))
            items = list(listing.items or [])
            response = listing.response
            if page == 1:
                total_count = _int(getattr(response, "total_count", None))
            new = [a for a in items if str(a.id) not in seen]
            seen.update((str(a.id), a) for a in new)
            total_pages = _int(_get(getattr(response, "pages", None), "total_pages"))
            if not items:
                break
            if total_pages is not None:
                if page >= total_pages:
                    break
            elif not new:  # no page count and nothing new: the server ignores `page`
                break
        else:
            raise ConnectorError(f"intercom article list did not end after {MAX_PAGES} pages")
        return list(seen.values()), total_count

    def _read(self, fn):
        """Run one read; retry 429, 5xx, timeouts and connection errors, up to RETRIES times."""
        for attempt in range(RETRIES + 1):
            try:
                return fn()
            except (ApiError, httpx.HTTPError) as exc:
                error = _translate(exc)
            if not isinstance(error, (RateLimited, Unavailable)) or attempt == RETRIES:
                raise error
            if isinstance(error, RateLimited):
                delay = error.retry_after
            else:
                delay = BACKOFF_S * (2 ** attempt)
            self._sleep(max(0.0, min(delay, RETRY_AFTER_CAP_S)))
        raise AssertionError("unreachable")


def _translate(exc: Exception) -> ConnectorError:
    """One SDK or transport failure as the connector error tree. Never includes the token."""
    if isinstance(exc, httpx.TimeoutException):
        return Unavailable(f"intercom timed out: {exc.__class__.__name__}")
    if isinstance(exc, httpx.TransportError):
        return Unavailable(f"intercom unreachable: {exc.__class__.__name__}: {exc}")
    if isinstance(exc, httpx.HTTPError):
        return ConnectorError(f"intercom client error: {exc.__class__.__name__}: {exc}")
    status = exc.status_code or 0
    if 200 <= status < 300:  # the SDK's way of saying the body was not JSON
        return ConnectorError(f"intercom {status}: response was not JSON")
    if not status:
        return ConnectorError(f"intercom client error: {_describe(exc.body)}")
    return from_status(status, f"intercom {status}: {_describe(exc.body)}",
                       _retry_after(exc.headers or {}))


def _retry_after(headers: dict) -> float | None:
    """Seconds to wait: Retry-After (seconds or HTTP date), else X-RateLimit-Reset (unix time)."""
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    now = time.time()
    value = lower.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(0.0, email.utils.mktime_tz(parsed) - now)
    reset = lower.get("x-ratelimit-reset", "").strip()
    if reset.isdigit():
        return max(0.0, int(reset) - now)
    return None


def _describe(body) -> str:
    """Intercom's error list as `code: message; ...`, else the body, shortened."""
    errors = _get(body, "errors")
    if isinstance(errors, list) and errors:
        parts = [f"{_get(e, 'code') or 'error'}: {_get(e, 'message') or ''}".rstrip(": ")
                 for e in errors]
        return "; ".join(parts)[:300]
    return str(body)[:300]


def _articles(a) -> list[Article]:
    """The published article in its default locale, then each published translation Intercom keeps
    inside it (`translated_content`), as an article of its own language: a customer is answered from
    the article in the language they wrote in."""
    language = language_of(getattr(a, "default_locale", None))
    found = [_article(a, str(a.id), language)] if _state(a) == "published" else []
    content = getattr(a, "translated_content", None)
    for field in type(content).model_fields if content is not None else ():
        translation = getattr(content, field, None)
        code, _, region = field.partition("_")  # the SDK names Intercom's "pt-BR" pt_br
        locale = f"{code}-{region.upper()}" if region else code
        other = language_of(locale)
        if field == "type" or translation is None or other == language or _state(translation) != "published" \
                or not (translation.body or "").strip():
            continue
        found.append(_article(translation, f"{a.id}@{locale}", other, url=translation.url or a.url))
    return found


def _article(a, article_id: str, language: str, url: str | None = None) -> Article:
    return Article(id=article_id, title=a.title or "", body_html=a.body or "", url=(url if url is not None else a.url) or "",
                   labels=(), updated_at=_iso(a.updated_at), language=language)



def _state(a) -> str:
    state = getattr(a, "state", "")
    return str(getattr(state, "value", state) or "")


def _get(obj, key):
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _iso(unix) -> str:
    if unix is None or unix == "":
        return ""
    return datetime.fromtimestamp(int(unix), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
