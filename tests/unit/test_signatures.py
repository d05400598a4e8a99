import base64
import hashlib
import hmac

import pytest

from app.intake.signatures import SignatureError, parse_timestamp, sign_zendesk, verify_zendesk

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
TS = "2026-11-21T10:00:00Z"
NOW = parse_timestamp(TS)
BODY = b'{"type":"zen:event-type:ticket.created","id":"e1","detail":{"id":"5","subject":"caf\xc3\xa9 \\u2603"}}'


def test_known_answer_vector():
    # Computed independently of sign_zendesk: HMAC-SHA256 keyed by the secret string as-is
    # (not base64-decoded), over timestamp then body, base64-encoded.
    expected = base64.b64encode(hmac.new(SECRET.encode("utf-8"), TS.encode() + BODY, hashlib.sha256).digest()).decode()
    assert sign_zendesk(SECRET, TS, BODY) == expected
    assert sign_zendesk("k", "t", b"b") == "eg1ema4MZIlIPAW7dCtH9PHHb3gy+gBIH6GUpkF93iI="
    verify_zendesk([SECRET], expected, TS, BODY, clock=lambda: NOW)


def test_zendesk_published_vector_confirms_key_handling():
    # Zendesk's published example (older doc revision) signs body then timestamp with the
    # secret string as the key; it pins our key and encoding choices, while the current
    # documented order (timestamp then body) is the one we verify.
    secret, body, ts = "HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA=", b'{"say": "hello"}', "2021-07-25T10:00:00Z"
    published = "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw="
    assert sign_zendesk(secret, "", body + ts.encode()) == published
    with pytest.raises(SignatureError):
        verify_zendesk([secret], published, ts, body, clock=lambda: parse_timestamp(ts))


def test_body_then_timestamp_order_is_refused():
    wrong = base64.b64encode(hmac.new(SECRET.encode(), BODY + TS.encode(), hashlib.sha256).digest()).decode()
    with pytest.raises(SignatureError):
        verify_zendesk([SECRET], wrong, TS, BODY, clock=lambda: NOW)


@pytest.mark.parametrize("skew", [-299, 0, 299, 300, -300])
def test_window_edges_accepted(skew):
    verify_zendesk([SECRET], sign_zendesk(SECRET, TS, BODY), TS, BODY, clock=lambda: NOW + skew)


@pytest.mark.parametrize("skew", [-301, 301, 3600, -86400])
def test_stale_or_future_timestamps_refused(skew):
    with pytest.raises(SignatureError, match="window"):
        verify_zendesk([SECRET], sign_zendesk(SECRET, TS, BODY), TS, BODY, clock=lambda: NOW + skew)


def test_every_single_byte_mutation_of_the_body_is_refused():
    signature = sign_zendesk(SECRET, TS, BODY)
    for i in range(len(BODY)):
        mutated = BODY[:i] + bytes([BODY[i] ^ 0x01]) + BODY[i + 1:]
        with pytest.raises(SignatureError):
            verify_zendesk([SECRET], signature, TS, mutated, clock=lambda: NOW)


def test_mutated_signature_and_timestamp_are_refused():
    signature = sign_zendesk(SECRET, TS, BODY)
    for i in range(len(signature)):
        mutated = signature[:i] + ("A" if signature[i] != "A" else "B") + signature[i + 1:]
        with pytest.raises(SignatureError):
            verify_zendesk([SECRET], mutated, TS, BODY, clock=lambda: NOW)
    with pytest.raises(SignatureError):
        verify_zendesk([SECRET], signature, "2026-11-21T10:00:01Z", BODY, clock=lambda: NOW)


@pytest.mark.parametrize("signature,timestamp", [(None, TS), ("", TS), ("x", None), ("x", ""), ("x", "yesterday")])
def test_missing_or_malformed_headers(signature, timestamp):
    with pytest.raises(SignatureError):
        verify_zendesk([SECRET], signature, timestamp, BODY, clock=lambda: NOW)


def test_rotation_accepts_any_active_secret_and_not_a_revoked_one():
    signature = sign_zendesk("old-secret", TS, BODY)
    verify_zendesk(["new-secret", "old-secret"], signature, TS, BODY, clock=lambda: NOW)
    with pytest.raises(SignatureError):
        verify_zendesk(["new-secret"], signature, TS, BODY, clock=lambda: NOW)
