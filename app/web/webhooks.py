"""POST /webhooks/zendesk: verify the raw bytes, store the delivery, answer 202. Nothing else."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request

from app.core.errors import DeskhandError
from app.intake.parse import PayloadError, parse_intercom, parse_zendesk
from app.intake.signatures import SignatureError, verify_intercom_webhook, verify_zendesk
from app.store.db import bump_counter
from app.store.jobs import insert_delivery
from app.web.deps import writer

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _error(status: int, message: str):
    return jsonify(error=message), status


@bp.post("/zendesk")
def zendesk():
    settings = current_app.config["DESKHAND"]
    body = request.get_data(cache=False)  # raw bytes, before any parsing
    try:
        verify_zendesk(settings.webhook_secrets,
                       request.headers.get("X-Zendesk-Webhook-Signature"),
                       request.headers.get("X-Zendesk-Webhook-Signature-Timestamp"),
                       body, clock=current_app.config["CLOCK"] or time.time)
    except SignatureError as exc:
        return _error(401, str(exc))
    try:
        event = parse_zendesk(body, dict(request.headers))
    except PayloadError as exc:
        return _error(400, str(exc))
    return _accept("zendesk", event, body, 202, "event_type", "event type not handled")


@bp.route("/intercom", methods=["HEAD"])
def intercom_check():
    """Intercom validates the endpoint with a HEAD request before it sends anything."""
    return "", 200


@bp.post("/intercom")
def intercom():
    """Verify X-Hub-Signature over the raw bytes, store, answer 200: well inside Intercom's 500 ms,
    since nothing but one SQLite insert happens here. A 429 would throttle every later
    notification (reference B1), so refusals are 401/400 and a storage failure is 503."""
    settings = current_app.config["DESKHAND"]
    body = request.get_data(cache=False)
    try:
        verify_intercom_webhook(settings.intercom_secrets, request.headers.get("X-Hub-Signature"), body)
    except SignatureError as exc:
        return _error(401, str(exc))
    try:
        event = parse_intercom(body)
    except PayloadError as exc:
        return _error(400, str(exc))
    return _accept("intercom", event, body, 200, "topic", "topic not handled")


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
