"""Flask app speaking the subset of the Zendesk Support API that Deskhand uses.

Cross-cutting behaviour lives here (auth, rate limits, request log, errors, the
optional `.json` suffix, users/organizations/groups); tickets and Help Center
routes are in their own blueprints.
"""
from __future__ import annotations

import base64
import re
import time

from flask import Flask, current_app, g, jsonify, request

from . import shapes
from .pagination import paginate
from .state import ApiError

NOMINAL_LIMIT = 700     # reported in X-Rate-Limit when no limit is configured (Enterprise)
_RULE_ARG = re.compile(r"<(?:\w+:)?(\w+)>")


def sandbox():
    return current_app.config["SANDBOX"]


def base_url() -> str:
    return request.host_url.rstrip("/")


def current_user() -> dict:
    return g.user


def require_staff() -> None:
    if g.user.get("role") not in shapes.STAFF_ROLES:
        raise ApiError(403, "Forbidden", "You do not have access to this page. Please contact "
                       "the account owner of this help desk for further help.")


def includes() -> set[str]:
    return {p.strip() for p in request.args.get("include", "").split(",") if p.strip()}


def sideloads(tickets=(), comments=()) -> dict:
    """Sideloaded users/organizations/groups for `include=` (Zendesk's side-loading)."""
    wanted, store, base, out = includes(), sandbox().store, base_url(), {}
    if "users" in wanted:
        ids = set()
        for t in tickets:
            ids |= {t.get("requester_id"), t.get("submitter_id"), t.get("assignee_id"),
                    *t.get("collaborator_ids", [])}
        ids |= {c.get("author_id") for c in comments}
        out["users"] = [shapes.render_user(store.get("users", i), base)
                        for i in sorted(i for i in ids if i is not None and i in store.users)]
    if "organizations" in wanted:
        ids = {t.get("organization_id") for t in tickets} - {None}
        out["organizations"] = [shapes.render_org(store.get("organizations", i), base)
                                for i in sorted(ids) if i in store.organizations]
    if "groups" in wanted:
        ids = {t.get("group_id") for t in tickets} - {None}
        out["groups"] = [shapes.render_group(store.get("groups", i), base)
                         for i in sorted(ids) if i in store.groups]
    return out


class _StripJsonSuffix:
    """WSGI middleware: `/api/v2/tickets/1.json` and `/api/v2/tickets/1` route alike."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        environ["sandbox.original_path"] = path
        if path.endswith(".json"):
            environ["PATH_INFO"] = path[:-5]
        return self.app(environ, start_response)


def _unauthenticated() -> ApiError:
    return ApiError(401, "Couldn't authenticate you", "")   # Zendesk sends no description


def _authenticate() -> dict:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        raise _unauthenticated()
    try:
        username = base64.b64decode(header[6:]).decode("utf-8").split(":", 1)[0]
    except (ValueError, UnicodeDecodeError):
        raise _unauthenticated() from None
    email = username[:-6] if username.endswith("/token") else username
    user = sandbox().store.user_by_email(email)
    if user is None:
        raise _unauthenticated()
    return user


def _rate_limit() -> None:
    sb = sandbox()
    allowed, remaining, retry = sb.api_limiter.acquire()
    g.rate_remaining = remaining
    if allowed and request.method == "PUT" and request.url_rule is not None \
            and request.url_rule.rule == "/api/v2/tickets/<int:ticket_id>":
        allowed, _, retry = sb.update_limiter.acquire()
    if allowed and request.path.startswith("/api/v2/incremental/"):
        allowed, _, retry = sb.export_limiter.acquire()
    if not allowed:
        err = ApiError(429, "APIRateLimitExceeded",
                       f"Rate limit exceeded, retry after {retry} seconds")
        err.retry_after = retry
        raise err


def _before():
    g.user = None
    if request.path.startswith("/api/"):
        _rate_limit()
        g.user = _authenticate()


def _after(response):
    if not request.path.startswith("/api/"):
        return response
    sb = sandbox()
    limit = sb.api_limiter.limit
    response.headers["X-Rate-Limit"] = str(limit or NOMINAL_LIMIT)
    response.headers["X-Rate-Limit-Remaining"] = str(
        getattr(g, "rate_remaining", 0) if limit else NOMINAL_LIMIT)
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    endpoint_key = request.method + " " + _RULE_ARG.sub(r"{\1}", rule)
    sb.store.log_request({
        "method": request.method, "path": request.environ.get("sandbox.original_path",
                                                               request.path),
        "query": request.query_string.decode("latin-1"), "status": response.status_code,
        "body": request.get_json(silent=True),
        "user_id": g.user["id"] if getattr(g, "user", None) else None,
        "at": time.time(),  # the handler has finished: a write has landed
        "retry_after": int(response.headers.get("Retry-After", 0) or 0),  # on a 429: what the client was told
    }, endpoint_key)
    return response


def _api_error(err: ApiError):
    resp = jsonify(err.body())
    resp.status_code = err.status
    if getattr(err, "retry_after", None):
        resp.headers["Retry-After"] = str(err.retry_after)
    return resp


def _http_error(err):
    code = getattr(err, "code", 500) or 500
    if code == 404:
        body = {"error": "InvalidEndpoint", "description": "Not found"}
    else:
        body = {"error": getattr(err, "name", "Error"), "description": str(err)}
    resp = jsonify(body)
    resp.status_code = code
    return resp


def _register_directory_routes(app: Flask) -> None:
    """Users, organizations and groups (read-only)."""
    def one(table, render, key, record_id):
        return jsonify({key: render(sandbox().store.get(table, record_id), base_url())})

    def many(table, render, key):
        base = base_url()
        return jsonify(paginate(key, sandbox().store.rows(table), lambda r: render(r, base)))

    @app.get("/api/v2/users/me")
    def users_me():
        return jsonify({"user": shapes.render_user(current_user(), base_url())})

    app.add_url_rule("/api/v2/users/<int:record_id>", "user",
                     lambda record_id: one("users", shapes.render_user, "user", record_id))
    app.add_url_rule("/api/v2/users", "users",
                     lambda: many("users", shapes.render_user, "users"))
    app.add_url_rule("/api/v2/organizations/<int:record_id>", "organization",
                     lambda record_id: one("organizations", shapes.render_org, "organization",
                                           record_id))
    app.add_url_rule("/api/v2/organizations", "organizations",
                     lambda: many("organizations", shapes.render_org, "organizations"))
    app.add_url_rule("/api/v2/groups/<int:record_id>", "group",
                     lambda record_id: one("groups", shapes.render_group, "group", record_id))
    app.add_url_rule("/api/v2/groups", "groups",
                     lambda: many("groups", shapes.render_group, "groups"))


def create_zendesk_app(sb, control: bool = True) -> Flask:
    """The Zendesk API (and, unless control=False, the /_sandbox/ control routes)."""
    from .api_exports import exports_api
    from .api_help_center import help_center
    from .api_tickets import tickets_api
    from .control_api import control_api

    app = Flask("deskhand_sandbox")
    app.config["SANDBOX"] = sb
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    app.wsgi_app = _StripJsonSuffix(app.wsgi_app)
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(ApiError, _api_error)
    from werkzeug.exceptions import HTTPException
    app.register_error_handler(HTTPException, _http_error)
    _register_directory_routes(app)
    app.register_blueprint(tickets_api)
    app.register_blueprint(help_center)
    app.register_blueprint(exports_api)
    if control:
        app.register_blueprint(control_api)
    return app
