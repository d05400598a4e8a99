import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone

import pytest

from app.core.config import Settings

SECRET = "test-signing-secret"


def zendesk_headers(body: bytes, secret: str = SECRET, ts: str | None = None) -> dict:
    """Sign like Zendesk does, written out here independently of app.signatures."""
    ts = ts or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    mac = hmac.new(secret.encode(), ts.encode() + body, hashlib.sha256).digest()
    return {"X-Zendesk-Webhook-Signature": base64.b64encode(mac).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": ts, "Content-Type": "application/json"}


def created_event(ticket_id: int, event_id: str = "ev-1") -> bytes:
    return json.dumps({"type": "zen:event-type:ticket.created", "id": event_id, "account_id": 1,
                       "subject": f"zen:ticket:{ticket_id}", "time": "2026-11-21T10:00:00Z",
                       "detail": {"id": str(ticket_id), "status": "NEW"}, "event": {}}).encode()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=str(tmp_path / "data"), zendesk_webhook_secrets=SECRET)


@pytest.fixture(scope="session")
def trained_model():
    """The sample company's classifier, trained once per test session for every tier that runs
    the worker (scenario, web, browser): training is the slowest step of their setup."""
    from tests.browser.harness import train_model  # the one recipe, also used by scripts/screenshots.py
    return train_model()
