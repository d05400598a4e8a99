"""Flask app speaking the part of the Intercom REST API that serves Help Center articles.

Shapes follow the official description (shared/specs/intercom-api-2.16.yaml): `GET /articles`
answers an `article_list` (`type: "list"`, a `pages` object, `total_count`, `data` of
`article_list_item`), newest `updated_at` first as Intercom documents; `GET /articles/{id}`
answers an `article`. Failures use Intercom's error list
(`{"type": "error.list", "request_id", "errors": [{"code", "message"}]}`).

Paging: `page` (1-based) and `per_page`, as python-intercom sends them; `pages.next` is the
spec's `starting_after_paging` object (`per_page`, `starting_after`), and a `starting_after`
cursor is accepted too. There is no `next` on the last page.

Tests reach the app's state through `intercom_state(app)`: the request log, `fail_next(n,
status)` to make the next n requests answer 429 (with Retry-After and X-RateLimit-*) or 5xx, and
`stall_next(n, seconds)` to make them answer too late for a client's timeout.
"""
from __future__ import annotations

import base64
import json
import math
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import Flask, g, jsonify, request

DEFAULT_PER_PAGE = 15  # python-intercom: "Defaults to 15"
MAX_PER_PAGE = 150  # a sandbox choice; Intercom does not publish one for articles
WORKSPACE_ID = "sandboxws"
DEFAULT_AUTHOR_ID = 991267492
RATE_LIMIT = 1000  # reported in X-RateLimit-Limit (per 10 s window, like Intercom's headers)


@dataclass
class IntercomSandboxState:
    articles: dict[str, dict]
    token: str
    requests: list[dict] = field(default_factory=list)
    _failures: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, n: int = 1, status: int = 500, retry_after: int = 1) -> None:
        """The next `n` requests (authenticated or not) answer `status` instead."""
        with self._lock:
            self._failures.extend([(status, retry_after)] * n)

    def stall_next(self, n: int = 1, seconds: float = 1.0) -> None:
        """The next `n` requests wait `seconds` before being answered (client timeouts)."""
        with self._lock:
            self._failures.extend([("stall", seconds)] * n)

    def _take_failure(self):
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def count(self, path: str = "") -> int:
        return sum(1 for r in self.requests if not path or r["path"] == path)


def intercom_state(app: Flask) -> IntercomSandboxState:
    return app.extensions["intercom_sandbox"]


def create_intercom_app(articles: list[dict], token: str, conversations=None) -> Flask:
    """`articles` are dicts as `intercom_article` builds them (any state, any order);
    `conversations`, a sandbox.intercom_conversations.ConversationStore, adds the conversation API."""
    app = Flask("intercom-sandbox")
    state = IntercomSandboxState(articles={str(a["id"]): dict(a) for a in articles}, token=token)
    app.extensions["intercom_sandbox"] = state
    if conversations is not None:
        from .intercom_conversations import install
        install(app, conversations, error)

    @app.before_request
    def gate():
        g.entry = {"method": request.method, "path": request.path,
                               "args": dict(request.args),
                               "version": request.headers.get("Intercom-Version", ""),
                               # the JSON body and the answer, for the tests that hold every
                               # exchange against the OpenAPI description
                               "body": request.get_json(silent=True) if request.data else None,
                               "rule": None, "status": None, "response": None}
        state.requests.append(g.entry)
        failure = state._take_failure()
        if failure is not None:
            status, retry_after = failure
            if status == "stall":
                time.sleep(retry_after)
                return error(500, "server_error", "Server Error (answered too late)")
            if status == 429:
                response = error(429, "rate_limit_exceeded",
                                 f"Exceeded rate limit of {RATE_LIMIT} in 10_seconds")
                response.headers["Retry-After"] = str(retry_after)
                response.headers["X-RateLimit-Limit"] = str(RATE_LIMIT)
                response.headers["X-RateLimit-Remaining"] = "0"
                response.headers["X-RateLimit-Reset"] = str(int(time.time()) + retry_after)
                return response
            return error(status, "server_error", "Server Error")
        auth = request.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ") and auth[len("Bearer "):] == state.token):
            return error(401, "unauthorized", "Access Token Invalid")
        return None

    @app.after_request
    def record(response):
        entry = g.get("entry")
        if entry is not None:
            entry["at"] = time.time()  # the handler is done: a write has landed (benchmarks time it)
        if entry is not None and request.url_rule is not None:
            entry["rule"] = request.url_rule.rule
            entry["status"] = response.status_code
            entry["response"] = response.get_json(silent=True)
        return response

    @app.get("/articles")
    def list_articles():
        try:
            per_page = int(request.args.get("per_page", DEFAULT_PER_PAGE))
            page = int(request.args.get("page", 1))
            if request.args.get("starting_after"):
                page = _decode_cursor(request.args["starting_after"])
        except ValueError:
            return error(400, "parameter_invalid", "page, per_page and starting_after must be valid")
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            return error(400, "parameter_invalid",
                         f"per_page must be 1..{MAX_PER_PAGE} and page at least 1")
        ordered = sorted(state.articles.values(), key=lambda a: (a["updated_at"], int(a["id"])),
                         reverse=True)
        total_pages = math.ceil(len(ordered) / per_page)
        pages = {"type": "pages", "page": page, "per_page": per_page, "total_pages": total_pages}
        if page < total_pages:
            pages["next"] = {"per_page": per_page, "starting_after": _encode_cursor(page + 1)}
        chunk = ordered[(page - 1) * per_page: page * per_page]
        return jsonify({"type": "list", "pages": pages, "total_count": len(ordered),
                        "data": [dict(a) for a in chunk]})

    @app.get("/articles/<article_id>")
    def show_article(article_id: str):
        found = state.articles.get(article_id)
        if found is None:
            return error(404, "not_found", "Resource Not Found")
        return jsonify({**found, "statistics": {
            "type": "article_statistics", "views": 0, "conversions": 0, "reactions": 0,
            "happy_reaction_percentage": 0.0, "neutral_reaction_percentage": 0.0,
            "sad_reaction_percentage": 0.0}})

    @app.errorhandler(404)
    def no_route(_exc):
        return error(404, "not_found", "Resource Not Found")

    @app.errorhandler(405)
    def no_method(_exc):
        return error(405, "method_not_allowed", "Method Not Allowed")

    return app


def error(status: int, code: str, message: str):
    response = jsonify({"type": "error.list", "request_id": str(uuid.uuid4()),
                        "errors": [{"code": code, "message": message}]})
    response.status_code = status
    return response


def intercom_article(source, *, state: str = "published", created_at: int | str | None = None,
                     author_id: int = DEFAULT_AUTHOR_ID, parent_ids: tuple[int, ...] = (),
                     description: str = "", workspace_id: str = WORKSPACE_ID,
                     translations: dict[str, dict] | None = None) -> dict:
    """An `article_list_item` dict from Article-like data: an object or a mapping with `id`,
    `title`, `body_html` (or `body`), `url`, `updated_at` (ISO-8601 or unix seconds).
    `translations`: locale → the same kind of mapping (plus an optional `state`); Intercom keeps
    them inside the article, in `translated_content`, beside the default locale's own fields."""
    def get(key, default=None):
        if isinstance(source, dict):
            return source.get(key, default)
        return getattr(source, key, default)

    updated = _unix(get("updated_at")) or int(time.time())
    return {
        "type": "article",
        "id": str(get("id")),
        "workspace_id": workspace_id,
        "title": get("title") or "",
        "description": description,
        "body": get("body_html", get("body")) or "",
        "author_id": int(author_id),
        "state": state,
        "created_at": _unix(created_at) or updated,
        "updated_at": updated,
        "url": get("url") or None,
        "parent_ids": [int(p) for p in parent_ids],
        "has_unpublished_changes": False,
        "draft_updated_at": None,
        "tags": {"type": "tag.list", "tags": []},
        "default_locale": "en",
        "translated_content": {"type": "article_translated_content", **{
            locale: _content(t, author_id, created_at) for locale, t in (translations or {}).items()}},
    }


def _content(source: dict, author_id: int, created_at) -> dict:
    """One locale's `article_content`."""
    updated = _unix(source.get("updated_at")) or int(time.time())
    return {"type": "article_content", "title": source.get("title") or "", "description": "",
            "body": source.get("body_html", source.get("body")) or "", "author_id": int(author_id),
            "state": source.get("state", "published"), "created_at": _unix(created_at) or updated,
            "updated_at": updated, "url": source.get("url") or None}


def _unix(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def _encode_cursor(page: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([page]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        page = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[0]
        return int(page)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise ValueError("bad cursor") from exc
