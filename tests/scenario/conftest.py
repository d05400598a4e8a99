"""A signed webhook from the sandbox helpdesk, through Deskhand's web app and worker, back to
what the sandbox received. Real HTTP both ways; the classifier is trained once per session."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import classifier
from app.config import Settings
from app.db import connect
from app import kb_store
from app.engine import Engine, models_dir
from app.kb_store import LiveIndex
from app.history import load_jsonl, training_set
from app.services import build_helpdesk, prepare_database
from app.web import create_app
from app.worker import Worker
from connectors.zendesk_kb import ZendeskHelpCenter
from sandbox import Sandbox

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"
SECRET = "scenario-secret"


@pytest.fixture(scope="session")
def trained_model():
    texts, labels = training_set(load_jsonl(str(COMPANY / "history.jsonl"))[0])
    return classifier.train(texts, labels)


@dataclass
class Loop:
    sb: Sandbox
    settings: Settings
    worker: Worker
    deskhand_url: str

    def drain(self, rounds: int = 3) -> None:
        """Deliver queued webhooks and run every runnable job, until both are quiet."""
        for _ in range(rounds):
            assert self.sb.flush_webhooks(10)
            while self.worker.run_once():
                pass

    def bot_comments(self, ticket_id: int) -> list[dict]:
        return [c for c in self.sb.comments(ticket_id) if c["author_id"] == self.sb.bot_user_id]

    def public_bot_replies(self, ticket_id: int) -> list[dict]:
        return [c for c in self.bot_comments(ticket_id) if c["public"]]

    def db(self):
        return connect(self.settings.db_path)


def help_center_knowledge(settings, helpdesk, full: bool = False) -> LiveIndex:
    """The sandbox's Help Center, synced through zenpy into the store, as the worker serves it."""
    db = connect(settings.db_path)
    report = kb_store.sync(db, ZendeskHelpCenter(helpdesk.client), full=full)
    assert not report.error and report.added + report.updated + report.unchanged > 0, report
    return LiveIndex(db)


@pytest.fixture
def loop(tmp_path, trained_model):
    sb = Sandbox.from_seed(signing_secret=SECRET).start()
    settings = Settings(data_dir=str(tmp_path / "data"), zendesk_url=sb.url, zendesk_webhook_secrets=SECRET,
                        policy_file=str(COMPANY / "policy.yaml"), lease_s=2, retry_base_s=0.01, max_attempts=3)
    prepare_database(settings)
    classifier.save(trained_model, models_dir(settings.data_dir))  # for worker subprocesses
    web = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{web.server_port}"
    sb.webhook_url = f"{url}/webhooks/zendesk"
    helpdesk = build_helpdesk(settings)
    engine = Engine(trained_model, help_center_knowledge(settings, helpdesk))
    yield Loop(sb, settings, Worker(settings, helpdesk, engine, name="w1"), url)
    web.shutdown()
    web.server_close()
    sb.stop()
    thread.join(5)

