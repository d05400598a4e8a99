"""Signed webhooks (checked against an independent HMAC) and the /_sandbox/ controls."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from zenpy.lib.api_objects import Comment, Ticket

from sandbox import sign

from .conftest import zenpy_client

SECRET = "test-signing-secret"


@pytest.fixture
def receiver():
    """A tiny HTTP server recording raw webhook bodies and headers."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()
    thread.join(2)


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_sign_known_answer():
    # Computed outside Python: printf '%s' "$ts$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64
    assert sign("HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=", "2021-07-25T10:00:00Z",
                b'{"say": "hello"}') == "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk="


def test_play_sends_signed_ticket_created(make_sandbox, receiver):
    url, received = receiver
    sb = make_sandbox(webhook_url=url, signing_secret=SECRET)
    created = sb.play([1002])
    assert [t["id"] for t in created] == [1002] and created[0]["status"] == "new"
    assert sb.play([1002]) == []                                 # each stream item plays once
    assert sb.flush_webhooks(5)
    (hit,) = received
    headers, body = hit["headers"], hit["body"]
    ts = headers["X-Zendesk-Webhook-Signature-Timestamp"]
    assert headers["X-Zendesk-Webhook-Signature"] == expected_signature(SECRET, ts, body)
    assert headers["Content-Type"] == "application/json" and headers["X-Zendesk-Webhook-Id"]
    payload = json.loads(body)
    assert payload["type"] == "zen:event-type:ticket.created"
    assert payload["subject"] == "zen:ticket:1002" and payload["account_id"] == 9001
    assert payload["zendesk_event_version"] == "2022-11-06" and payload["time"].endswith("Z")
    detail = payload["detail"]
    assert detail["id"] == "1002" and detail["status"] == "NEW"
    assert detail["requester_id"] == str(sb.ticket(1002)["requester_id"])
    assert detail["via"] == {"channel": "web"} and detail["subject"] == "Refund please"
    assert "meta" in payload["event"]
    assert sb.webhook_deliveries[0]["status"] == 200


def test_api_comment_fires_comment_added_and_status_changed(make_sandbox, receiver):
    url, received = receiver
    sb = make_sandbox(webhook_url=url, signing_secret=SECRET)
    sb.play([1001])
    ticket = Ticket(id=1001, status="pending")
    ticket.comment = Comment(body="Try the reset link again.", public=True)
    zenpy_client().tickets.update(ticket)
    sb.customer_reply(1001, "Still broken")
    assert sb.flush_webhooks(5)
    payloads = [json.loads(r["body"]) for r in received]
    kinds = [p["type"].rsplit(":", 1)[1] for p in payloads]
    assert kinds == ["ticket.created", "ticket.comment_added", "ticket.status_changed",
                     "ticket.comment_added", "ticket.status_changed"]
    bot_comment = payloads[1]["event"]["comment"]
    assert bot_comment["author"] == {"id": "100", "name": "Deskhand Bot", "is_staff": True}
    assert bot_comment["is_public"] is True and bot_comment["body"] == "Try the reset link again."
    assert payloads[1]["detail"]["actor_id"] == "100"
    assert payloads[2]["event"]["previous"] == "NEW" and payloads[2]["event"]["current"] == "PENDING"
    assert payloads[3]["event"]["comment"]["author"]["is_staff"] is False
    assert payloads[4]["event"]["current"] == "OPEN"
    assert len({p["id"] for p in payloads}) == 5
    invocations = {r["headers"]["X-Zendesk-Webhook-Invocation-Id"] for r in received}
    assert len(invocations) == 5
    assert all(r["headers"]["X-Zendesk-Webhook-Signature"] == expected_signature(
        SECRET, r["headers"]["X-Zendesk-Webhook-Signature-Timestamp"], r["body"]) for r in received)


def test_delivery_records_carry_event_id_actor_and_post_times(make_sandbox, receiver):
    url, received = receiver
    sb = make_sandbox(webhook_url=url, signing_secret=SECRET)
    before = time.time()
    sb.play([1001])
    sb.customer_reply(1001, "Still broken")
    assert sb.flush_webhooks(5)
    after = time.time()
    deliveries = sb.webhook_deliveries
    assert [d["event_id"] for d in deliveries] == [json.loads(r["body"])["id"] for r in received]
    assert [d["actor_id"] for d in deliveries] == [str(sb.ticket(1001)["requester_id"])] * 3
    assert all(d["status"] == 200 and before <= d["started_at"] <= d["finished_at"] <= after
               for d in deliveries)
    # One sender thread: each POST ends before the next one starts.
    assert all(a["finished_at"] <= b["started_at"] for a, b in zip(deliveries, deliveries[1:]))


def test_unreachable_receiver_is_recorded_not_raised(make_sandbox):
    sb = make_sandbox(webhook_url="http://127.0.0.1:9/nowhere")
    sb.play([1001])
    assert sb.flush_webhooks(5)
    (delivery,) = sb.webhook_deliveries
    assert delivery["status"] is None and delivery["error"]
    assert delivery["started_at"] <= delivery["finished_at"]


def test_control_endpoints(make_sandbox, receiver):
    url, received = receiver
    sb = make_sandbox(webhook_url=url, signing_secret=SECRET)
    played = requests.post(f"{sb.url}/_sandbox/play", json={"ticket_ids": [1001]}).json()
    assert played["count"] == 1 and played["tickets"][0]["id"] == 1001
    reply = requests.post(f"{sb.url}/_sandbox/customer_reply",
                          json={"ticket_id": 1001, "body": "hello?"}).json()
    assert reply["comment"]["author_id"] == 201 and reply["comment"]["public"] is True
    note = requests.post(f"{sb.url}/_sandbox/agent_reply",
                         json={"ticket_id": 1001, "body": "internal", "public": False}).json()
    assert note["comment"]["public"] is False and note["comment"]["author_id"] == 101
    gen = requests.post(f"{sb.url}/_sandbox/generate", json={"n": 4}).json()
    assert gen["count"] == 4 and all(sb.ticket(i)["status"] == "open" for i in gen["ticket_ids"])
    zenpy_client().tickets(id=1001)
    logged = requests.get(f"{sb.url}/_sandbox/requests").json()["requests"]
    assert [r["path"] for r in logged] == ["/api/v2/tickets/1001.json"]
    stats = requests.get(f"{sb.url}/_sandbox/stats").json()
    assert stats["tickets"]["open"] == 5 and stats["calls"] == {"GET /api/v2/tickets/{ticket_id}": 1}
    assert requests.post(f"{sb.url}/_sandbox/customer_reply", json={}).status_code == 400
    assert requests.post(f"{sb.url}/_sandbox/flush", json={}).json()["drained"] is True
    assert len(received) == 4                      # created, comment, status->open, note


def test_the_teams_follow_ups_send_the_events_deskhand_reads_outcomes_from(make_sandbox, receiver):
    url, received = receiver
    sb = make_sandbox(webhook_url=url, signing_secret=SECRET)
    sb.play([1001])
    assert requests.post(f"{sb.url}/_sandbox/rate", json={"ticket_id": 1001, "score": "good"}).status_code == 422
    assert requests.post(f"{sb.url}/_sandbox/set_status", json={"ticket_id": 1001, "status": "solved"}).ok
    rated = requests.post(f"{sb.url}/_sandbox/rate", json={"ticket_id": 1001, "score": "bad", "comment": "slow"})
    assert rated.json()["satisfaction_rating"]["score"] == "bad"
    assert zenpy_client().tickets(id=1001).satisfaction_rating.score == "bad"  # as the API serves it
    assert requests.post(f"{sb.url}/_sandbox/set_status", json={"ticket_id": 1001, "status": "open"}).ok
    changed = requests.post(f"{sb.url}/_sandbox/set_category", json={"ticket_id": 1001, "category": "billing"})
    field = sb.store.account.get("category_field_id", 360001)
    assert {"id": field, "value": "billing"} in changed.json()["ticket"]["custom_fields"]
    assert requests.post(f"{sb.url}/_sandbox/set_category", json={"ticket_id": 1001}).status_code == 400
    assert sb.flush_webhooks(5)
    bodies = [json.loads(r["body"]) for r in received]
    kinds = [b.get("type", "trigger " + b.get("deskhand_event", "")) for b in bodies]
    assert kinds == ["zen:event-type:ticket.created", "zen:event-type:ticket.status_changed", "trigger rated",
                     "zen:event-type:ticket.status_changed", "zen:event-type:ticket.custom_field_changed"]
    assert bodies[3]["event"]["previous"] == "SOLVED" and bodies[4]["event"]["current"] == "billing"
    for r in received:  # every one signed, the trigger's body too
        headers = r["headers"]
        assert headers["X-Zendesk-Webhook-Signature"] == expected_signature(
            SECRET, headers["X-Zendesk-Webhook-Signature-Timestamp"], r["body"])


def test_intercom_sends_closed_opened_and_rated_notifications():
    from sandbox.intercom_sandbox import IntercomSandbox
    sb = IntercomSandbox.from_seed()
    sb.play([2003])
    sb.close("2003")
    sb.rate("2003", 4, "quick")
    sb.reopen("2003")
    sb.set_category("2003", "billing")
    topics = [json.loads(body)["topic"] for body in sb._queue]
    assert topics == ["conversation.user.created", "conversation.admin.closed", "conversation.rating.added",
                      "conversation.admin.opened"]  # Intercom announces no attribute edit
    conv = sb.conversation("2003")
    assert conv["conversation_rating"]["rating"] == 4 and conv["state"] == "open"
    assert conv["custom_attributes"]["deskhand_category"] == "billing"
