"""`/_sandbox/` control routes, for driving a sandbox that runs in another process.

They mirror the Sandbox's Python methods; they need no auth and are neither
rate limited nor written to the request log (they are not Zendesk traffic).
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .state import ApiError
from .zendesk_api import sandbox

control_api = Blueprint("control_api", __name__, url_prefix="/_sandbox")


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _need(body: dict, *keys: str) -> None:
    missing = [k for k in keys if body.get(k) in (None, "")]
    if missing:
        raise ApiError(400, "InvalidRequest", f"missing: {', '.join(missing)}")


@control_api.post("/play")
def play():
    tickets = sandbox().play(_body().get("ticket_ids"))
    return jsonify({"tickets": tickets, "count": len(tickets)})


@control_api.post("/customer_reply")
def customer_reply():
    body = _body()
    _need(body, "ticket_id", "body")
    return jsonify({"comment": sandbox().customer_reply(int(body["ticket_id"]), body["body"])})


@control_api.post("/agent_reply")
def agent_reply():
    body = _body()
    _need(body, "ticket_id", "body")
    comment = sandbox().agent_reply(int(body["ticket_id"]), body["body"],
                                    public=body.get("public", True),
                                    author_id=body.get("author_id"))
    return jsonify({"comment": comment})


@control_api.post("/set_status")
def set_status():
    body = _body()
    _need(body, "ticket_id", "status")
    return jsonify({"ticket": sandbox().set_status(int(body["ticket_id"]), body["status"])})


@control_api.post("/rate")
def rate():
    body = _body()
    _need(body, "ticket_id", "score")
    return jsonify({"satisfaction_rating": sandbox().rate(int(body["ticket_id"]), str(body["score"]),
                                                          str(body.get("comment") or ""))})


@control_api.post("/set_category")
def set_category():
    body = _body()
    _need(body, "ticket_id", "category")
    return jsonify({"ticket": sandbox().set_category(int(body["ticket_id"]), str(body["category"]),
                                                     body.get("author_id"))})


@control_api.post("/generate")
def generate():
    body = _body()
    try:
        n, age = int(body.get("n", 0)), float(body.get("age_minutes", 0)) * 60
    except (TypeError, ValueError):
        raise ApiError(400, "InvalidRequest", "n and age_minutes must be numbers") from None
    ids = sandbox().generate(n, age_s=age, mix=bool(body.get("mix")))
    return jsonify({"ticket_ids": ids, "count": len(ids)})


@control_api.get("/requests")
def requests_log():
    return jsonify({"requests": sandbox().requests})


@control_api.get("/stats")
def stats():
    return jsonify(sandbox().stats())


@control_api.post("/flush")
def flush():
    return jsonify({"drained": sandbox().flush_webhooks(float(_body().get("timeout", 10)))})
