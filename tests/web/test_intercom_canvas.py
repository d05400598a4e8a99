"""The Intercom inbox app (Canvas Kit) over real HTTP: signature checks, and the canvas for
conversations the worker really handled on the Intercom sandbox (approve, insert, rate)."""
from __future__ import annotations

import hashlib
import hmac
import json
from contextlib import contextmanager

import pytest
import requests

from app.build import build_helpdesk, build_systems, prepare_database
from app.core.config import Settings
from app.knowledge import store as kb_store
from app.knowledge.store import LiveIndex
from app.pipeline.gather import Gatherer
from app.pipeline.worker import Worker
from app.reasoning import classifier
from app.reasoning.engine import Engine, models_dir
from app.store.db import connect
from app.web.factory import create_app
from sandbox.intercom_sandbox import IntercomSandbox
from sandbox.vendors import serve
from tests.fakes.served import Served
from tests.scenario.conftest import COMPANY

SECRET = "canvas-client-secret"
DRAFT, DISPUTE = 2002, 2023  # invoice question; double charge (a refund to approve)
TEAMMATE = "361000000003"


def signed(payload, secret: str = SECRET) -> tuple[bytes, dict]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return body, {"Content-Type": "application/json",
                  "X-Body-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def request_for(conversation: dict, **extra) -> dict:
    """What Intercom POSTs from the conversation details panel (reference B4)."""
    return {"workspace_id": "sandboxws", "workspace_region": "us",
            "admin": {"type": "admin", "id": TEAMMATE, "name": "Teammate"},
            "card_creation_options": {}, "context": {"location": "conversation_details_panel"},
            "conversation": conversation, "contact": {"type": "contact", "id": "1"}, **extra}


def components_of(response: requests.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["canvas"]["content"]["components"]


def texts(components: list[dict]) -> str:
    return "\n".join(c.get("text", "") for c in components if c["type"] == "text")


# -- verification, no worker needed -----------------------------------------------------------------

@pytest.fixture
def bare(tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"), helpdesk="intercom", intercom_client_secret=f"Jefe,{SECRET}")
    prepare_database(settings)
    with Served(create_app(settings)) as served:
        yield served.base_url


def test_signature_vectors_and_failures(bare):
    url = f"{bare}/intercom/canvas/initialize"
    # RFC 4231 test case 2 (key "Jefe"): the signature checks out, so the body is read — and refused
    rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    got = requests.post(url, data=b"what do ya want for nothing?", headers={"X-Body-Signature": rfc}, timeout=10)
    assert got.status_code == 400 and got.json()["error"].startswith("body is not valid JSON")
    body, headers = signed(request_for({"id": "2002"}))
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 200
    assert requests.post(url, data=body, headers=signed(request_for({"id": "2002"}), "Jefe")[1],
                         timeout=10).status_code == 200  # the other secret of a rotation
    refusals = {
        "missing X-Body-Signature": {},
        "X-Body-Signature must be 64 hex digits": {"X-Body-Signature": "sha256=abc"},
        "signature does not match": {"X-Body-Signature": signed(b"{}", "another-secret")[1]["X-Body-Signature"]},
    }
    for message, bad in refusals.items():
        got = requests.post(url, data=body, headers=bad, timeout=10)
        assert (got.status_code, got.json()) == (401, {"error": message})
    tampered = body.replace(b"2002", b"2003")  # signed for another conversation
    got = requests.post(url, data=tampered, headers=headers, timeout=10)
    assert (got.status_code, got.json()["error"]) == (401, "signature does not match")
    for payload, message in ((b"[1, 2]", "body must be a JSON object"),
                             (json.dumps({"admin": {"id": "1"}}).encode(), "conversation.id is required"),
                             (json.dumps(request_for({"id": "abc"})).encode(), "conversation.id is required")):
        got = requests.post(url, data=payload, headers=signed(payload)[1], timeout=10)
        assert got.status_code == 400 and got.json()["error"].startswith(message)
    body, headers = signed(request_for({"id": "2002"}, component_id="launch_missiles"))
    got = requests.post(f"{bare}/intercom/canvas/submit", data=body, headers=headers, timeout=10)
    assert got.status_code == 400 and "unknown component_id 'launch_missiles'" in got.json()["error"]


def test_without_a_client_secret_every_canvas_request_is_refused(tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"), helpdesk="intercom")
    prepare_database(settings)
    with Served(create_app(settings)) as served:
        body, headers = signed(request_for({"id": "2002"}))
        got = requests.post(f"{served.base_url}/intercom/canvas/initialize", data=body, headers=headers, timeout=10)
    assert got.status_code == 401 and "intercom_client_secret is not set" in got.json()["error"]


def test_another_workspace_is_refused_when_the_workspace_is_configured(tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"), helpdesk="intercom", intercom_client_secret=SECRET,
                        intercom_workspace_id="ourws")
    prepare_database(settings)
    with Served(create_app(settings)) as served:
        body, headers = signed(request_for({"id": "2002"}))  # from workspace "sandboxws"
        got = requests.post(f"{served.base_url}/intercom/canvas/initialize", data=body, headers=headers, timeout=10)
    assert got.status_code == 403 and "workspace sandboxws is not this Deskhand's" in got.json()["error"]


# -- conversations the worker handled on the Intercom sandbox -------------------------------------------

class CanvasLoop:
    def __init__(self, sb, settings, worker, url):
        self.sb, self.settings, self.worker, self.url = sb, settings, worker, url

    def process(self, *ids) -> None:
        self.sb.play(list(ids))
        for _ in range(3):
            assert self.sb.flush_webhooks(10)
            while self.worker.run_once():
                pass

    def post(self, endpoint: str, cid, secret: str = SECRET, **extra) -> requests.Response:
        body, headers = signed(request_for(self.sb.conversation(cid), **extra), secret)
        return requests.post(f"{self.url}/intercom/canvas/{endpoint}", data=body, headers=headers, timeout=10)

    def db(self):
        return connect(self.settings.db_path)


@contextmanager
def intercom_loop(data_dir: str, trained_model, **overrides):  # noqa: F811
    sb = IntercomSandbox.from_seed(client_secret=SECRET).start()
    settings = Settings(data_dir=data_dir, helpdesk="intercom", intercom_url=sb.url, intercom_token=sb.token,
                        intercom_client_secret=SECRET, policy_file=str(COMPANY / "policy.yaml"),
                        lease_s=2, retry_base_s=0.01, max_attempts=3, **overrides)
    prepare_database(settings)
    classifier.save(trained_model, models_dir(settings.data_dir))
    helpdesk = build_helpdesk(settings)
    db = connect(settings.db_path)
    assert not kb_store.sync(db, helpdesk.articles).error
    worker = Worker(settings, helpdesk, Engine(trained_model, LiveIndex(db)), name="w-canvas",
                    gatherer=Gatherer(build_systems(settings)))
    with Served(create_app(settings)) as served:
        sb.webhook_url = f"{served.base_url}/webhooks/intercom"
        try:
            yield CanvasLoop(sb, settings, worker, served.base_url)
        finally:
            sb.stop()


def test_initialize_shows_triage_reasons_and_the_draft_then_insert_and_rate(tmp_path, trained_model):  # noqa: F811
    from app.store import views as app_data
    with intercom_loop(str(tmp_path / "data"), trained_model) as loop:
        loop.sb.play([DRAFT])  # the conversation exists; the worker has not run yet
        assert "has not handled this conversation" in texts(components_of(loop.post("initialize", DRAFT)))
        loop.process(DRAFT)
        view = app_data.ticket_view(loop.db(), "intercom", str(DRAFT), "")
        shown = components_of(loop.post("initialize", DRAFT))
        text = texts(shown)
        assert "**billing**" in text and f"{view['triage']['confidence']:.0%} confident" in text
        assert "**draft** (draft)" in text
        reasons = next(c for c in shown if c["type"] == "list" and c["items"][0]["id"] == "reason_0")
        assert [i["title"] for i in reasons["items"]] == view["decision"]["reasons"]
        draft = [c["text"] for c in shown if str(c.get("id", "")).startswith("draft_")]
        assert "invoice" in " ".join(draft).lower() and len(draft) > 1  # line by line, as written
        assert draft == [line.strip() for line in view["draft"]["text"].splitlines() if line.strip()]
        ids = [c.get("id") for c in shown]
        assert "insert_draft" in ids and {"rate_good", "rate_wrong_category", "rate_wrong_answer",
                                          "rate_should_have_escalated", "comment"} <= set(ids)
        assert all(c["action"] == {"type": "submit"} for c in shown if c["type"] == "button")
        assert len(json.dumps(shown)) < 64 * 1024

        # insert: the draft in a text area to copy (Canvas Kit cannot write into the composer)
        inserted = components_of(loop.post("submit", DRAFT, component_id="insert_draft"))
        [box] = [c for c in inserted if c["type"] == "textarea"]
        assert box["id"] == "draft_text" and box["value"] == view["draft"]["text"]
        assert len(loop.sb.bot_parts(DRAFT)) == 1  # nothing written to the conversation

        rated = components_of(loop.post("submit", DRAFT, component_id="rate_wrong_answer",
                                         input_values={"comment": "  the invoice is under Billing  "}))
        assert "Thanks — rated wrong answer." in texts(rated)
        [row] = list(loop.db()["feedback"].rows)
        assert (row["platform"], row["ticket_id"], row["user_id"], row["rating"], row["comment"], row["action"]) == \
            ("intercom", str(DRAFT), TEAMMATE, "wrong_answer", "the invoice is under Billing", "draft")
        too_long = components_of(loop.post("submit", DRAFT, component_id="rate_good",
                                           input_values={"comment": "x" * 2001}))
        [notice] = [c for c in too_long if c.get("id") == "notice"]
        assert notice["style"] == "error" and "at most 2000" in notice["text"]
        assert loop.db()["feedback"].count == 1
        got = loop.post("submit", DRAFT, component_id="rate_good", admin=None)
        assert got.status_code == 400 and "admin.id is required" in got.json()["error"]


def test_approving_a_refund_twice_from_the_canvas_refunds_once(tmp_path, trained_model):  # noqa: F811
    vendors = serve.start(json.loads((COMPANY / "account.json").read_text(encoding="utf-8")))
    try:
        with intercom_loop(str(tmp_path / "data"), trained_model, refund_cap=200000, **vendors.settings) as loop:
            loop.process(DISPUTE, DRAFT)
            shown = components_of(loop.post("initialize", DISPUTE))
            [button] = [c for c in shown if str(c.get("id", "")).startswith("approve_")]
            assert button["type"] == "button" and button["label"] == "Approve refund"
            evidence = next(c for c in shown if c["type"] == "list" and c["items"][0]["id"] == "evidence_0")
            assert any(i.get("action", {}).get("type") == "url" for i in evidence["items"])  # links out
            # from another conversation's panel the action is not approvable
            elsewhere = components_of(loop.post("submit", DRAFT, component_id=button["id"]))
            assert f"No action {button['id'].removeprefix('approve_')} on this conversation." in texts(elsewhere)
            assert not [w for w in vendors.apps["stripe"].config["writes"] if "refund" in json.dumps(w)]
            first = components_of(loop.post("submit", DISPUTE, component_id=button["id"]))
            assert "refund re_" in texts(first)
            second = components_of(loop.post("submit", DISPUTE, component_id=button["id"]))
            assert "already executed" in texts(second)
            refunds = [w for w in vendors.apps["stripe"].config["writes"] if "refund" in json.dumps(w)]
            assert len(refunds) == 1
            assert not any(c.get("id") == button["id"] for c in second)  # no Approve button any more
            [row] = [r for r in loop.db()["pending_actions"].rows if r["action"] == "refund"]
            assert row["status"] == "executed" and row["decided_by"] == f"intercom:{TEAMMATE}"
    finally:
        vendors.stop()
