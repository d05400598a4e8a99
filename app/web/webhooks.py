"""POST /webhooks/<helpdesk>: verify the raw bytes, store the delivery, acknowledge. Nothing else."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request

from app.core.errors import DeskhandError
from app.helpdesks import HELPDESKS
from app.intake.parse import PayloadError
from app.intake.signatures import SignatureError
from app.store import wakeup
from app.store.db import bump_counter
from app.store.jobs import insert_delivery
from app.web.deps import writer

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _error(status: int, message: str):
    return jsonify(error=message), status


@bp.route("/<name>", methods=["HEAD"])
def endpoint_check(name: str):
    """Intercom validates the endpoint with a HEAD request before it sends anything."""
    if name not in HELPDESKS:
        return "", 404
    return ("", 200) if HELPDESKS[name].head_check else ("", 405, {"Allow": "POST"})


@bp.post("/<name>")
def receive(name: str):
    """Verify the raw bytes, store the delivery, acknowledge: nothing else, so the answer comes well
    inside every platform's timeout (Intercom's is 500 ms). A 429 would throttle every later
    notification (reference B1), so refusals are 401/400 and a storage failure is 503."""
    helpdesk = HELPDESKS.get(name)
    if helpdesk is None:
        return _error(404, f"no helpdesk called {name!r}: {', '.join(f'/webhooks/{n}' for n in HELPDESKS)}")
    body = request.get_data(cache=False)  # raw bytes, before any parsing
    try:
        helpdesk.verify(current_app.config["DESKHAND"], request.headers, body,
                        current_app.config["CLOCK"] or time.time)
    except SignatureError as exc:
        return _error(401, str(exc))
    try:
        event = helpdesk.parse(body, request.headers)
    except PayloadError as exc:
        return _error(400, str(exc))
    return _accept(name, event, body, helpdesk.accepted_status, helpdesk.ignored_as,
                   f"{helpdesk.ignored_as.replace('_', ' ')} not handled")


def _accept(platform: str, event, body: bytes, status: int, ignored: str, why: str):
    """Store a verified delivery once (a repeat is counted, not queued) and acknowledge it with the
    status the platform expects; an event Deskhand does not handle is counted and acknowledged."""
    if event is None:
        _store(lambda db: bump_counter(db, f"webhooks.{platform}.ignored_{ignored}"))
        return jsonify(status="ignored", reason=why), status

    def accept(db) -> bool:
        stored = insert_delivery(db, event, body)
        if not stored:
            bump_counter(db, f"webhooks.{platform}.duplicate")
        return stored

    stored = _store(accept)
    if stored:  # committed: an idle worker takes it now rather than at its next poll
        wakeup.ring(current_app.config["DESKHAND"].data_dir)
    return jsonify(status="accepted" if stored else "duplicate", delivery_id=event.delivery_id), status


def _store(fn):
    """Durably store before acknowledging; if that cannot happen, say so and ask for a retry."""
    try:
        return writer().run(fn)
    except Exception:
        current_app.logger.exception("could not store a webhook delivery")
        raise StoreUnavailable() from None


class StoreUnavailable(DeskhandError):
    pass


@bp.errorhandler(StoreUnavailable)
def store_unavailable(_exc):
    response = jsonify(error="could not store the delivery; retry later")
    response.headers["Retry-After"] = "5"
    return response, 503
