"""Incremental exports: tickets (cursor and time based), ticket events and Help Center articles.

Like Zendesk, items changed within the last `export_lag_s` seconds (60 by
default) are held back. The cursor export walks the store's global change
sequence and stops at the first held-back item, so a client that resumes from
its `after_cursor` later never misses anything; a ticket changed again after
being exported is exported again, as with Zendesk.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import shapes
from .pagination import decode_cursor, encode_cursor, url_with
from .state import ApiError
from .zendesk_api import base_url, sandbox, sideloads

exports_api = Blueprint("exports_api", __name__)


def _per_page(default: int, high: int) -> int:
    try:
        return max(1, min(high, int(request.args.get("per_page", default))))
    except ValueError:
        return default


def _start_time() -> int:
    try:
        return int(request.args["start_time"])
    except (KeyError, ValueError):
        raise ApiError(400, "InvalidPaginationParameter",
                       "start_time (unix seconds) or cursor is required") from None


def _cutoff() -> float:
    return shapes.now() - sandbox().export_lag_s


@exports_api.get("/api/v2/incremental/tickets/cursor")
def tickets_cursor():
    per_page = _per_page(1000, 1000)
    if request.args.get("cursor"):
        state = decode_cursor(request.args["cursor"])
        start, after = int(state.get("t", 0)), int(state.get("s", 0))
    else:
        start, after = _start_time(), 0
    cutoff, page, held_back = _cutoff(), [], False
    rows = [(seq, t) for seq, t in sandbox().store.tickets_by_seq() if seq > after
            and shapes.parse_iso(t["updated_at"]) >= start]
    for seq, ticket in rows:
        if shapes.parse_iso(ticket["updated_at"]) > cutoff:
            held_back = True            # too fresh: stop here, resume from this point later
            break
        if len(page) == per_page:
            break
        page.append((seq, ticket))
    last = page[-1][0] if page else after
    end_of_stream = held_back or not any(seq > last for seq, _ in rows)
    after_cursor = encode_cursor({"t": start, "s": last})
    before_cursor = encode_cursor({"t": start, "s": max(0, page[0][0] - 1)}) if page else None
    keep = {"per_page": per_page} if "per_page" in request.args else {}
    base = base_url()
    if "include" in request.args:
        keep["include"] = request.args["include"]
    return jsonify({
        "tickets": [shapes.render_ticket(t, base) for _, t in page],
        **sideloads(tickets=[t for _, t in page]),  # include=users etc., as Zendesk's exports allow
        "after_url": url_with({**keep, "cursor": after_cursor}),
        "after_cursor": after_cursor,
        "before_url": url_with({**keep, "cursor": before_cursor}) if before_cursor else None,
        "before_cursor": before_cursor,
        "end_of_stream": bool(end_of_stream)})


def _time_page(items: list[dict], start: int, per_page: int) -> tuple[list, int, bool]:
    """Time-based page. Items sharing the page's last second are all included and the
    next page starts one second later, so pages never repeat or loop on ties."""
    cutoff = _cutoff()
    eligible = sorted((i for i in items if start <= shapes.parse_iso(i["updated_at"]) <= cutoff),
                      key=lambda i: (shapes.parse_iso(i["updated_at"]), i["id"]))
    page = eligible[:per_page]
    if not page:
        return [], start, True
    end_time = int(shapes.parse_iso(page[-1]["updated_at"]))
    page += [i for i in eligible[per_page:] if int(shapes.parse_iso(i["updated_at"])) == end_time]
    return page, end_time, len(page) == len(eligible)


@exports_api.get("/api/v2/incremental/tickets")
def tickets_by_time():
    per_page = _per_page(1000, 1000)
    page, end_time, done = _time_page(sandbox().store.rows("tickets"), _start_time(), per_page)
    base = base_url()
    return jsonify({
        "tickets": [shapes.render_ticket(t, base) for t in page],
        "next_page": url_with({"start_time": end_time + (1 if page else 0),
                               "per_page": request.args.get("per_page")}),
        "end_time": end_time, "count": len(page), "end_of_stream": done})


def _comment_events(with_bodies: bool) -> list[dict]:
    """One `Audit` event per stored comment, at the comment's time, with the comment as its child
    event (Zendesk's `include=comment_events` sideload carries the body, public flag and author).
    The store keeps no history of field changes, so only comments (and the ticket's first one,
    its creation) appear: what a client reading comments in bulk needs."""
    store, out = sandbox().store, []
    with store.lock:
        for ticket_id, comments in store.comments.items():
            for c in comments:
                child = {"id": c["id"], "via": c["via"]["channel"], "via_reference_id": None,
                         "event_type": "Comment", "comment_present": True, "comment_public": c["public"]}
                if with_bodies:
                    child.update({k: c[k] for k in ("body", "html_body", "public", "author_id",
                                                    "attachments", "created_at")})
                out.append({"id": c.get("audit_id") or c["id"], "ticket_id": ticket_id,
                            "timestamp": int(shapes.parse_iso(c["created_at"])),
                            "created_at": c["created_at"], "updated_at": c["created_at"],
                            "updater_id": c["author_id"], "via": c["via"]["channel"], "system": {},
                            "event_type": "Audit", "child_events": [child]})
    return out


@exports_api.get("/api/v2/incremental/ticket_events")
def ticket_events():
    """Time-based, like Zendesk's: `start_time`, then `next_page` (start_time = end_time + 1,
    since every event of the last second is in the page); `end_of_stream` when caught up."""
    per_page = _per_page(1000, 1000)
    with_bodies = "comment_events" in request.args.get("include", "")
    page, end_time, done = _time_page(_comment_events(with_bodies), _start_time(), per_page)
    for event in page:
        event.pop("updated_at")
    return jsonify({
        "ticket_events": page,
        "next_page": url_with({"start_time": end_time + (1 if page else 0), "per_page":
                               request.args.get("per_page"), "include": request.args.get("include")}),
        "end_time": end_time, "count": len(page), "end_of_stream": done})


@exports_api.get("/api/v2/help_center/incremental/articles")
def articles_by_time():
    per_page = _per_page(100, 1000)
    page, end_time, done = _time_page(sandbox().store.rows("articles"), _start_time(), per_page)
    return jsonify({
        "articles": page,
        "next_page": None if done else url_with({"start_time": end_time + 1,
                                                 "per_page": request.args.get("per_page")}),
        "end_time": end_time, "count": len(page)})
