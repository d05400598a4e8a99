"""Signed webhook deliveries in the shape of Zendesk's event-subscribed webhooks.

Events are queued by whoever changed a ticket and POSTed by one background
thread, so no API request ever waits on (or deadlocks with) the receiver —
which may well be served by the same process in tests.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import threading
import time
import uuid

import requests

from . import shapes

EVENT_VERSION = "2022-11-06"
DEFAULT_SIGNING_SECRET = "sandbox_webhook_signing_secret"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's scheme: base64(HMAC-SHA256(secret as UTF-8, timestamp + raw body))."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def _sid(value):
    """Event payloads carry ids as strings (null stays null)."""
    return None if value is None else str(value)


def _upper(value):
    return value.upper() if isinstance(value, str) else value


def ticket_detail(ticket: dict, actor_id) -> dict:
    return {
        "actor_id": _sid(actor_id), "assignee_id": _sid(ticket.get("assignee_id")),
        "brand_id": _sid(ticket.get("brand_id")), "created_at": ticket["created_at"],
        "custom_status": None, "description": ticket.get("description"),
        "external_id": _sid(ticket.get("external_id")), "form_id": _sid(ticket.get("ticket_form_id")),
        "group_id": _sid(ticket.get("group_id")), "id": _sid(ticket["id"]),
        "is_public": ticket.get("is_public", True),
        "organization_id": _sid(ticket.get("organization_id")),
        "priority": _upper(ticket.get("priority")), "requester_id": _sid(ticket["requester_id"]),
        "status": _upper(ticket["status"]), "subject": ticket.get("subject"),
        "submitter_id": _sid(ticket.get("submitter_id")), "tags": list(ticket.get("tags") or []),
        "type": _upper(ticket.get("type")), "updated_at": ticket["updated_at"],
        "via": {"channel": (ticket.get("via") or {}).get("channel")},
    }


def build_event(kind: str, ticket: dict, actor_id, account_id, event: dict) -> dict:
    """kind: 'ticket.created' | 'ticket.comment_added' | 'ticket.status_changed'."""
    return {"type": f"zen:event-type:{kind}", "account_id": account_id,
            "id": str(uuid.uuid4()), "time": shapes.iso_ms(shapes.now()),
            "zendesk_event_version": EVENT_VERSION, "subject": f"zen:ticket:{ticket['id']}",
            "detail": ticket_detail(ticket, actor_id), "event": event}


class WebhookSender:
    """Background POSTer. `url=None` means events are recorded as skipped, not sent."""

    def __init__(self, url: str | None, secret: str, webhook_id: str | None = None,
                 timeout: float = 10.0):
        self.url, self.secret, self.timeout = url, secret, timeout
        self.webhook_id = webhook_id or "01SANDBOX" + uuid.uuid4().hex[:17].upper()
        self.deliveries: list[dict] = []
        self._queue: queue.Queue = queue.Queue()
        self._pending = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    def send(self, payload: dict) -> None:
        if not self.url:
            return
        with self._cond:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sandbox-webhooks",
                                                daemon=True)
                self._thread.start()
        self._queue.put(payload)

    def _run(self) -> None:
        while True:
            payload = self._queue.get()
            if payload is None:
                return
            try:
                self.deliveries.append(self._deliver(payload))
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _deliver(self, payload: dict) -> dict:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        timestamp = shapes.iso(shapes.now())
        invocation_id = uuid.uuid4().hex
        headers = {"Content-Type": "application/json", "User-Agent": "Zendesk Webhook",
                   "X-Zendesk-Webhook-Id": self.webhook_id,
                   "X-Zendesk-Webhook-Invocation-Id": invocation_id,
                   "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
                   "X-Zendesk-Webhook-Signature": sign(self.secret, timestamp, body)}
        # a trigger's body (the rating trigger) has no event id, type or subject
        record = {"event_id": payload.get("id"), "type": payload.get("type", "trigger"),
                  "subject": payload.get("subject", f"zen:ticket:{payload.get('ticket_id')}"),
                  "invocation_id": invocation_id,
                  "actor_id": (payload.get("detail") or {}).get("actor_id"),
                  "url": self.url, "status": None, "error": None,
                  "started_at": time.time(), "finished_at": None}   # time.time() around the POST
        try:
            resp = self._session.post(self.url, data=body, headers=headers, timeout=self.timeout)
            record["status"] = resp.status_code
        except requests.RequestException as exc:     # receiver down: record, carry on
            record["error"] = f"{type(exc).__name__}: {exc}"
        record["finished_at"] = time.time()
        return record

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has been attempted. True if drained."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)

    def close(self, timeout: float = 5.0) -> None:
        self.flush(timeout)
        with self._cond:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)
        self._session.close()
