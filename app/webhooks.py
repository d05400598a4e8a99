"""POST /webhooks/zendesk: verify the raw bytes, store the delivery, answer 202. Nothing else."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request

from .db import bump_counter
from .intake import PayloadError, parse_zendesk
from .jobs import store_delivery
from .signatures import SignatureError, verify_zendesk
from .web import get_db

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
    db = get_db()
    if event is None:
        bump_counter(db, "webhooks.zendesk.ignored_event_type")
        return jsonify(status="ignored", reason="event type not handled"), 202
    stored = store_delivery(db, event, body)
    if not stored:
        bump_counter(db, "webhooks.zendesk.duplicate")
    return jsonify(status="accepted" if stored else "duplicate", delivery_id=event.delivery_id), 202
