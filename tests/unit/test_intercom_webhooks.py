"""Intercom signatures (published HMAC vectors), notification parsing, and POST/HEAD
/webhooks/intercom through the real Flask app and its SQLite inbox."""
import hashlib
import hmac
import json

import pytest

from app.build import prepare_database
from app.intake.parse import PayloadError, parse_intercom
from app.intake.signatures import (
    SignatureError,
    sign_intercom_canvas,
    sign_intercom_webhook,
    verify_intercom_canvas,
    verify_intercom_webhook,
)
from app.store.db import connect, counters
from app.web.factory import create_app

CLIENT_SECRET = "intercom-client-secret"


# -- signatures ----------------------------------------------------------------------------------

def test_webhook_signature_matches_the_rfc_2202_hmac_sha1_vector():
    # RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?"
    assert sign_intercom_webhook("Jefe", b"what do ya want for nothing?") == \
        "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    verify_intercom_webhook(["other", "Jefe"], "sha1=EFFCDF6AE5EB2FA2D27416D5F184DF9C259A7C79",
                            b"what do ya want for nothing?")  # rotation; hex case is not significant


def test_canvas_signature_matches_the_rfc_4231_hmac_sha256_vector():
    # RFC 4231 test case 2
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert sign_intercom_canvas("Jefe", b"what do ya want for nothing?") == expected
    verify_intercom_canvas(["Jefe"], expected, b"what do ya want for nothing?")


@pytest.mark.parametrize("signature,message", [
    (None, "missing"), ("", "missing"),
    ("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "sha1="),  # no prefix
    ("sha256=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "sha1="),
    ("sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c78", "does not match"),
])
def test_bad_webhook_signatures_are_refused(signature, message):
    with pytest.raises(SignatureError, match=message):
        verify_intercom_webhook(["Jefe"], signature, b"what do ya want for nothing?")


def test_no_configured_secret_accepts_nothing():
    with pytest.raises(SignatureError):
        verify_intercom_webhook([], sign_intercom_webhook("", b"x"), b"x")
    with pytest.raises(SignatureError):
        verify_intercom_canvas([""], sign_intercom_canvas("", b"x"), b"x")


def test_one_changed_byte_breaks_the_signature():
    body = b'{"type":"notification_event","id":"notif_1"}'
    signature = sign_intercom_webhook("s", body)
    with pytest.raises(SignatureError):
        verify_intercom_webhook(["s"], signature, body.replace(b"1", b"2"))


# -- parsing ------------------------------------------------------------------------------------

def notification(topic: str, notif: str = "notif_1", conv: str = "215", parts=None, author=None) -> bytes:
    author = author or {"type": "user", "id": "6650a1", "name": "Nadia", "email": "n@x.example"}
    item = {"type": "conversation", "id": conv,
            "source": {"type": "conversation", "id": "9001", "delivered_as": "customer_initiated",
                       "body": "Hi", "author": author, "url": "https://app.example/x"},
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "6650a1"}]},
            "conversation_parts": {"type": "conversation_part.list", "conversation_parts": parts or [],
                                   "total_count": len(parts or [])}}
    return json.dumps({"type": "notification_event", "id": notif, "topic": topic, "app_id": "ws1",
                       "created_at": 1767600000, "data": {"type": "notification_event_data",
                                                          "item": item}}).encode()


def test_user_created_is_a_new_ticket_with_the_source_as_trigger():
    event = parse_intercom(notification("conversation.user.created"))
    assert (event.platform, event.kind, event.delivery_id) == ("intercom", "ticket.created", "intercom:notif_1")
    assert (event.ticket_id, event.comment_id, event.author_id, event.requester_id) == ("215", "9001", "6650a1", "6650a1")


def test_user_replied_names_the_customers_new_part():
    parts = [{"type": "conversation_part", "id": "77", "part_type": "comment", "body": "More",
              "author": {"type": "user", "id": "6650a1"}}]
    event = parse_intercom(notification("conversation.user.replied", parts=parts))
    assert event.kind == "ticket.customer_replied" and event.comment_id == "77" and event.author_id == "6650a1"


@pytest.mark.parametrize("topic,kind", [("conversation.admin.closed", "ticket.solved"),
                                        ("conversation.admin.opened", "ticket.reopened"),
                                        ("conversation.rating.added", "ticket.rated")])
def test_outcome_topics_are_events_without_a_trigger_comment(topic, kind):
    event = parse_intercom(notification(topic, author={"type": "admin", "id": "814"}))
    assert (event.kind, event.ticket_id, event.comment_id, event.delivery_id) == (kind, "215", "", "intercom:notif_1")


@pytest.mark.parametrize("topic", ["ping", "conversation.admin.replied", "conversation.admin.noted",
                                   "contact.user.created"])
def test_other_topics_are_not_events(topic):
    assert parse_intercom(notification(topic)) is None


@pytest.mark.parametrize("body,message", [
    (b"not json", "not valid JSON"), (b"[]", "notification_event"),
    (b'{"type":"notification_event","topic":"conversation.user.created"}', "missing its id"),
    (b'{"type":"notification_event","id":"n","topic":"conversation.user.created","data":{}}', "no conversation"),
])
def test_malformed_notifications_say_why(body, message):
    with pytest.raises(PayloadError, match=message):
        parse_intercom(body)


# -- the endpoint -------------------------------------------------------------------------------

@pytest.fixture
def client(settings):
    settings = settings.with_overrides(intercom_client_secret=f"old-secret,{CLIENT_SECRET}")
    prepare_database(settings)
    return create_app(settings).test_client()


def signed(body: bytes, secret: str = CLIENT_SECRET) -> dict:
    """Sign like Intercom, written out here independently of app.signatures."""
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
            "Content-Type": "application/json"}


def db(settings):
    return connect(settings.db_path)


def test_head_check_is_answered(client):
    assert client.head("/webhooks/intercom").status_code == 200


def test_signed_notification_is_stored_once_and_acknowledged(client, settings):
    body = notification("conversation.user.created")
    first = client.post("/webhooks/intercom", data=body, headers=signed(body))
    assert first.status_code == 200 and first.get_json() == {"status": "accepted", "delivery_id": "intercom:notif_1"}
    again = client.post("/webhooks/intercom", data=body, headers=signed(body))  # Intercom's redelivery
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    stored = db(settings)["inbox"].get("intercom:notif_1")
    assert stored["payload"] == body.decode() and stored["platform"] == "intercom" and stored["ticket_id"] == "215"
    [job] = list(db(settings)["jobs"].rows)
    assert (job["platform"], job["kind"], job["requester_id"]) == ("intercom", "ticket.created", "6650a1")
    assert counters(db(settings))["webhooks.intercom.duplicate"] == 1


def test_wrong_or_missing_signature_is_401_and_stores_nothing(client, settings):
    body = notification("conversation.user.created")
    for headers in ({}, signed(body, "not-the-secret"), signed(body + b" ")):
        response = client.post("/webhooks/intercom", data=body, headers=headers)
        assert response.status_code == 401 and response.get_json()["error"]
    assert db(settings)["inbox"].count == 0


def test_other_topics_are_acknowledged_and_counted(client, settings):
    for n, topic in enumerate(["ping", "conversation.admin.replied"]):
        body = notification(topic, notif=f"notif_{n}")
        response = client.post("/webhooks/intercom", data=body, headers=signed(body))
        assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    assert counters(db(settings))["webhooks.intercom.ignored_topic"] == 2
    assert db(settings)["jobs"].count == 0


def test_signed_garbage_is_400_with_the_reason(client):
    body = b'{"type": "something_else"}'
    response = client.post("/webhooks/intercom", data=body, headers=signed(body))
    assert response.status_code == 400 and "notification_event" in response.get_json()["error"]
