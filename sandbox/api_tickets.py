"""Ticket routes: show/list/show_many, create, update, comments, tags, requested.

Writes go through the Sandbox facade (`apply_create`/`apply_update`) so that
webhooks are queued exactly as for in-process changes.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import shapes
from .pagination import paginate
from .state import ApiError, not_found
from .zendesk_api import base_url, current_user, require_staff, sandbox, sideloads

tickets_api = Blueprint("tickets_api", __name__)


def _render(tickets: list[dict]) -> list[dict]:
    base = base_url()
    return [shapes.render_ticket(t, base) for t in tickets]


def _sorted(tickets: list[dict]) -> list[dict]:
    """Offset style `sort_by` + `sort_order`, or cursor style `sort` (`-updated_at` = newest first),
    over id, created_at, updated_at, status, subject."""
    cursor_sort = request.args.get("sort", "")
    key = cursor_sort.lstrip("-") or request.args.get("sort_by", "id")
    if key not in ("id", "created_at", "updated_at", "status", "subject"):
        key = "id"
    desc = cursor_sort.startswith("-") if cursor_sort else request.args.get("sort_order", "asc") == "desc"
    return sorted(tickets, key=lambda t: (t.get(key) or "", t["id"]), reverse=desc)


def _ticket_body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("ticket"), dict):
        raise ApiError(400, "InvalidJSON", "Request body must be {\"ticket\": {...}}")
    return payload["ticket"]


def _page_with_sideloads(tickets: list[dict]) -> dict:
    """Paginate first, then sideload only what the returned page refers to."""
    base = base_url()
    body = paginate("tickets", tickets, lambda t: shapes.render_ticket(t, base))
    body.update(sideloads(tickets=body["tickets"]))
    return body


def _ticket_response(change, status=200):
    ticket = shapes.render_ticket(change.ticket, base_url())
    return jsonify({"ticket": ticket, "audit": change.audit}), status


@tickets_api.get("/api/v2/tickets/<int:ticket_id>")
def show_ticket(ticket_id):
    ticket = sandbox().store.get("tickets", ticket_id)
    return jsonify({"ticket": _render([ticket])[0], **sideloads(tickets=[ticket])})


@tickets_api.get("/api/v2/tickets")
def list_tickets():
    tickets = _sorted(sandbox().store.rows("tickets"))
    if request.args.get("status"):
        tickets = [t for t in tickets if t["status"] == request.args["status"]]
    return jsonify(_page_with_sideloads(tickets))


@tickets_api.get("/api/v2/tickets/show_many")
def show_many():
    store = sandbox().store
    ids = [int(i) for i in request.args.get("ids", "").split(",") if i.strip().isdigit()]
    tickets = [store.get("tickets", i) for i in ids if i in store.tickets]
    return jsonify({"tickets": _render(tickets), **sideloads(tickets=tickets),
                    "next_page": None, "previous_page": None, "count": len(tickets)})


@tickets_api.get("/api/v2/users/<int:user_id>/tickets/requested")
def requested(user_id):
    store = sandbox().store
    store.get("users", user_id)                       # 404 for unknown users
    tickets = _sorted([t for t in store.rows("tickets") if t["requester_id"] == user_id])
    return jsonify(_page_with_sideloads(tickets))


@tickets_api.post("/api/v2/tickets")
def create_ticket():
    require_staff()
    change = sandbox().apply_create(_ticket_body(), current_user()["id"], channel="api")
    return _ticket_response(change, 201)


@tickets_api.put("/api/v2/tickets/<int:ticket_id>")
def update_ticket(ticket_id):
    require_staff()
    change = sandbox().apply_update(ticket_id, _ticket_body(), current_user()["id"], "api")
    return _ticket_response(change)


@tickets_api.get("/api/v2/tickets/<int:ticket_id>/comments")
def list_comments(ticket_id):
    comments = sandbox().store.ticket_comments(ticket_id)
    if request.args.get("sort_order") == "desc":
        comments.reverse()
    body = paginate("comments", comments)
    body.update(sideloads(comments=body["comments"]))
    return jsonify(body)


# ---- tags: PUT adds, POST replaces, DELETE removes (Zendesk's tags endpoint) ----

@tickets_api.get("/api/v2/tickets/<int:ticket_id>/tags")
def get_tags(ticket_id):
    return jsonify({"tags": sandbox().store.get("tickets", ticket_id)["tags"]})


@tickets_api.route("/api/v2/tickets/<int:ticket_id>/tags", methods=["PUT", "POST", "DELETE"])
def change_tags(ticket_id):
    require_staff()
    payload = request.get_json(silent=True) or {}
    tags = payload.get("tags")
    if tags is None and request.args.get("tags"):
        tags = request.args["tags"].split(",")
    if not isinstance(tags, list):
        raise ApiError(400, "InvalidJSON", "Request body must be {\"tags\": [...]}")
    if ticket_id not in sandbox().store.tickets:
        raise not_found()
    spec = {"PUT": {"additional_tags": tags}, "POST": {"tags": tags},
            "DELETE": {"remove_tags": tags}}[request.method]
    for key in ("safe_update", "updated_stamp"):
        if key in payload:
            spec[key] = payload[key]
    change = sandbox().apply_update(ticket_id, spec, current_user()["id"], "api")
    return jsonify({"tags": change.ticket["tags"]})
