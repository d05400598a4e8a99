import base64
import functools
import hashlib
import hmac
import inspect
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


_ENCODED: dict[str, object] = {}  # sha256 of (encoder, texts, batch size) -> its vectors, for this session
ENCODED_FROM = 16  # shorter lists (a ticket, its parts) are always encoded afresh


@pytest.fixture(autouse=True)
def encode_each_list_once(monkeypatch):
    """Many tests encode the same long lists of texts: each loop in tests/scenario and tests/web
    syncs the sample Help Center (its passages: most of a loop's setup), each `deskhand eval` run
    trains on the sample company's 1,260 history tickets, each insights run embeds the sample
    company's tickets. Both encoders give the same vectors for the same texts in the same batches
    every time (tests/unit/test_triage.py checks it), so each such list is encoded once per session
    and every later call gets a copy of those vectors."""
    from app.knowledge.embeddings import Encoder, MultilingualEncoder

    def remember(cls):
        encode = cls.encode
        default_batch = inspect.signature(encode).parameters["batch_size"].default

        @functools.wraps(encode)
        def remembered(self, texts, batch_size=None, on_batch=None):
            batch_size = batch_size or default_batch
            if len(texts) < ENCODED_FROM:
                return encode(self, texts, batch_size, on_batch)
            key = hashlib.sha256(json.dumps([cls.__name__, list(texts), batch_size]).encode()).hexdigest()
            if key not in _ENCODED:
                _ENCODED[key] = encode(self, texts, batch_size)
            if on_batch:  # progress as the encoder tells it: once per batch
                for start in range(0, len(texts), batch_size):
                    on_batch(min(batch_size, len(texts) - start))
            return _ENCODED[key].copy()

        monkeypatch.setattr(cls, "encode", remembered)

    remember(Encoder)
    remember(MultilingualEncoder)


_TRAINED: dict[str, object] = {}  # sha256 of (texts, labels, seed) -> the classifier trained on them


@pytest.fixture
def train_each_history_once(monkeypatch):
    """For tests of what `deskhand eval` does with a model, not of training (tests/unit/test_classifier.py
    trains for real, and checks that training twice gives the same model): each eval run trains on
    the sample company's whole history, so the classifier for the same texts, labels and seed is
    trained once per session and every later run gets its own copy of it."""
    import copy

    from app.reasoning import classifier

    train = classifier.train

    def trained(texts, labels, seed=0, progress=None):
        key = hashlib.sha256(json.dumps([list(texts), list(labels), seed]).encode()).hexdigest()
        if key not in _TRAINED:
            _TRAINED[key] = train(texts, labels, seed, progress)
        return copy.deepcopy(_TRAINED[key])

    monkeypatch.setattr(classifier, "train", trained)
