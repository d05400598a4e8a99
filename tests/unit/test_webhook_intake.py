"""POST /webhooks/zendesk through the real Flask app and its SQLite inbox."""
import json
import threading

import pytest

from app.store.db import connect
from app.web.factory import create_app
from tests.conftest import created_event, zendesk_headers


@pytest.fixture
def client(settings):
    return create_app(settings).test_client()


def jobs(settings):
    return connect(settings.db_path)["jobs"].count


def test_signed_event_is_stored_and_acknowledged(client, settings):
    body = created_event(42)
    response = client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body))
    assert response.status_code == 202
    assert response.get_json() == {"status": "accepted", "delivery_id": "zendesk:ev-1"}
    assert jobs(settings) == 1
    stored = connect(settings.db_path)["inbox"].get("zendesk:ev-1")
    assert stored["payload"] == body.decode() and stored["ticket_id"] == "42"


@pytest.mark.parametrize("mangle,expected", [
    (lambda h: {k: v for k, v in h.items() if k != "X-Zendesk-Webhook-Signature"}, "missing"),
    (lambda h: {**h, "X-Zendesk-Webhook-Signature": "AAAA" + h["X-Zendesk-Webhook-Signature"][4:]}, "does not match"),
    (lambda h: {**h, "X-Zendesk-Webhook-Signature-Timestamp": "2020-01-01T00:00:00Z"}, "window"),
])
def test_bad_signatures_get_401_and_store_nothing(client, settings, mangle, expected):
    body = created_event(42)
    response = client.post("/webhooks/zendesk", data=body, headers=mangle(zendesk_headers(body)))
    assert response.status_code == 401
    assert expected in response.get_json()["error"]
    assert jobs(settings) == 0


def test_stale_but_correctly_signed_is_refused(client, settings):
    body = created_event(42)
    response = client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body, ts="2026-01-01T00:00:00Z"))
    assert response.status_code == 401 and jobs(settings) == 0


def test_invalid_json_is_400(client, settings):
    body = b'{"type": "zen:event-type:ticket.created", '
    response = client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body))
    assert response.status_code == 400 and "not valid JSON" in response.get_json()["error"]


def test_body_over_one_mebibyte_is_413_before_anything_else(client, settings):
    body = b"x" * (1024 * 1024 + 1)
    response = client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body))
    assert response.status_code == 413
    assert response.is_json and response.get_json()["error"] == "Request Entity Too Large"


def test_unknown_event_type_is_202_and_counted(client, settings):
    body = json.dumps({"type": "zen:event-type:ticket.priority_changed", "id": "p1",
                       "detail": {"id": "42"}}).encode()
    for _ in range(2):
        response = client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body))
        assert response.status_code == 202 and response.get_json()["status"] == "ignored"
    health = client.get("/healthz").get_json()
    assert health["counters"]["webhooks.zendesk.ignored_event_type"] == 2
    assert jobs(settings) == 0


def test_five_concurrent_duplicates_make_one_job(settings):
    app = create_app(settings)
    body = created_event(42, "dup")
    statuses = []

    def post():
        statuses.append(app.test_client().post("/webhooks/zendesk", data=body, headers=zendesk_headers(body)).get_json()["status"])

    threads = [threading.Thread(target=post) for _ in range(5)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 4
    assert jobs(settings) == 1


def test_other_routes_and_methods_answer_json(client):
    assert client.get("/webhooks/zendesk").status_code == 405
    assert client.get("/nope").get_json()["error"] == "Not Found"
