"""A signed webhook from the sandbox helpdesk, through Deskhand's web app and worker, back to
what the sandbox received. Real HTTP both ways; the classifier is trained once per session."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.build import build_helpdesk, prepare_database
from app.core.config import Settings
from app.knowledge import store as kb_store
from app.knowledge.store import LiveIndex
from app.pipeline.worker import Worker
from app.reasoning import classifier
from app.reasoning.engine import Engine, models_dir
from app.store.db import connect
from app.web.factory import create_app
from connectors.zendesk_kb import ZendeskHelpCenter
from sandbox import Sandbox
from tests.fakes.served import Served

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"
SECRET = "scenario-secret"


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


@contextmanager
def open_loop(tmp_path, trained_model, policy_file: Path = COMPANY / "policy.yaml", **overrides):
    """The sandbox, the web app and a worker under `policy_file` (the sample company's by default);
    `overrides`: further settings."""
    sb = Sandbox.from_seed(signing_secret=SECRET).start()
    settings = Settings(data_dir=str(tmp_path / "data"), zendesk_url=sb.url, zendesk_webhook_secrets=SECRET,
                        policy_file=str(policy_file), lease_s=2, retry_base_s=0.01, max_attempts=3, **overrides)
    prepare_database(settings)
    classifier.save(trained_model, models_dir(settings.data_dir))  # for worker subprocesses
    try:
        with Served(create_app(settings)) as web:
            sb.webhook_url = f"{web.base_url}/webhooks/zendesk"
            helpdesk = build_helpdesk(settings)
            engine = Engine(trained_model, help_center_knowledge(settings, helpdesk))
            yield Loop(sb, settings, Worker(settings, helpdesk, engine, name="w1"), web.base_url)
    finally:
        sb.stop()


@pytest.fixture
def loop(tmp_path, trained_model):
    with open_loop(tmp_path, trained_model) as opened:
        yield opened


# -- the spine over both helpdesks ----------------------------------------------------------------
# `spine` runs a test once on the Zendesk sandbox and once on the Intercom one, through the same
# web app, worker and pipeline; only what the test reads back from the helpdesk goes through the
# small adapter below (Intercom: conversations, parts, notes; Zendesk: tickets, comments).

INTERCOM_SECRET = "scenario-intercom-secret"


@dataclass
class SpineLoop(Loop):
    """The loop on either sandbox helpdesk (`platform`: zendesk or intercom)."""
    platform: str = "zendesk"

    def bot_messages(self, tid) -> list[dict]:
        """The bot's comments/parts as {public, body}, oldest first, as stored by the helpdesk."""
        if self.platform == "zendesk":
            return [{"public": c["public"], "body": c["body"]} for c in self.sb.comments(tid)
                    if c["author_id"] == self.sb.bot_user_id]
        return [{"public": p["part_type"] == "comment", "body": p["body"]} for p in self.sb.bot_parts(tid)]

    def public_replies(self, tid) -> list[dict]:
        return [m for m in self.bot_messages(tid) if m["public"]]

    def seen_tags(self, tid) -> tuple[str, ...]:
        """The tags as the connector reads them (on Intercom: with the markers from the bot's parts)."""
        return self.worker.helpdesk.snapshot(str(tid)).ticket.tags

    def first_message_id(self, tid) -> str:
        return self.worker.helpdesk.snapshot(str(tid)).ticket.comments[0].id

    def group_name(self, tid) -> str:
        if self.platform == "zendesk":
            gid = self.sb.ticket(tid)["group_id"]
            return next((g["name"] for g in self.sb.store.all("groups") if g["id"] == gid), "")
        team = self.sb.conversation(tid).get("team_assignee_id")
        return self.sb.store.teams[str(team)]["name"] if team else ""

    def add_tag(self, tid, name: str) -> None:
        """A teammate tags the ticket/conversation (not through Deskhand)."""
        if self.platform == "zendesk":
            self.sb.apply_update(tid, {"additional_tags": [name]}, self.sb.store.account["bot_user_id"])
        else:
            self.sb.store.tag(str(tid), self.sb.store.tag_named(name)["id"], self.sb.bot_user_id)

    def reply_writes(self) -> list[dict]:
        """The requests that wrote a comment or part (Zendesk: ticket PUTs; Intercom: replies)."""
        if self.platform == "zendesk":
            return [r for r in self.sb.requests if r["method"] == "PUT"]
        return [r for r in self.sb.requests if r["method"] == "POST" and r["path"].endswith("/reply")]

    def own_reply_deliveries(self) -> list[dict]:
        """Webhook deliveries the helpdesk sent for the bot's own public reply."""
        if self.platform == "zendesk":
            return [d for d in self.sb.webhook_deliveries if d["type"].endswith("comment_added")]
        return [d for d in self.sb.webhook_deliveries if d["topic"] == "conversation.admin.replied"]

    def edit_article(self, title_start: str, old: str, new: str) -> None:
        """Someone edits a knowledge-base article in the helpdesk (Help Center / Intercom articles)."""
        if self.platform == "zendesk":
            article = next(a for a in self.sb.store.rows("articles") if a["title"].startswith(title_start))
            article["body"] = article["body"].replace(old, new)
            return
        articles = self.sb.app.extensions["intercom_sandbox"].articles
        article = next(a for a in articles.values() if a["title"].startswith(title_start))
        article["body"], article["updated_at"] = article["body"].replace(old, new), article["updated_at"] + 1

    def knowledge(self, settings: Settings | None = None, full: bool = False) -> LiveIndex:
        return spine_knowledge(self.platform, settings or self.settings, self.worker.helpdesk, full)

    def lose_marker(self, tid, marker: str) -> None:
        """The write's marker disappears while its text stays: Intercom stripping the zero-width
        characters from the part body; on Zendesk, someone removing the marker tag."""
        if self.platform == "zendesk":
            with self.sb.store.lock:  # stored records are swapped, never mutated in place
                ticket = self.sb.store.tickets[int(tid)]
                self.sb.store.tickets[int(tid)] = {**ticket, "tags": [t for t in ticket["tags"] if t != marker]}
            return
        import re
        with self.sb.store.lock:
            for part in self.sb.bot_parts(tid):
                part["body"] = re.sub("[\u200b-\u200d\u2060-\u2064]", "", part["body"])

    def change_bot_text(self, tid, old: str, new: str) -> None:
        """Edit the text of the bot's messages as stored by the helpdesk."""
        if self.platform == "zendesk":
            with self.sb.store.lock:
                self.sb.store.comments[int(tid)] = [
                    {**c, **{k: c[k].replace(old, new) for k in ("body", "plain_body", "html_body") if c.get(k)}}
                    if c["author_id"] == self.sb.bot_user_id else c for c in self.sb.store.comments[int(tid)]]
            return
        with self.sb.store.lock:
            for part in self.sb.bot_parts(tid):
                part["body"] = part["body"].replace(old, new)

    def webhook_path(self) -> str:
        return f"{self.deskhand_url}/webhooks/{self.platform}"

    def created_delivery(self, tid, event_id: str) -> tuple[bytes, dict]:
        """A signed 'new ticket/conversation' delivery, as the helpdesk would send it."""
        import hashlib
        import hmac
        import json

        from tests.conftest import zendesk_headers
        if self.platform == "zendesk":
            body = json.dumps({"type": "zen:event-type:ticket.created", "id": event_id, "account_id": 1,
                               "subject": f"zen:ticket:{tid}", "detail": {"id": str(tid)}, "event": {}}).encode()
            return body, zendesk_headers(body, SECRET)
        item = self.sb.conversation(tid)
        body = json.dumps({"type": "notification_event", "id": event_id, "topic": "conversation.user.created",
                           "app_id": "sandboxws", "created_at": 0,
                           "data": {"type": "notification_event_data", "item": item}}).encode()
        return body, {"Content-Type": "application/json",
                      "X-Hub-Signature": "sha1=" + hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest()}

    def worker_env(self) -> dict:
        """Settings for a worker subprocess, as environment variables."""
        common = {"DESKHAND_DATA_DIR": self.settings.data_dir, "DESKHAND_LEASE_S": "1"}
        if self.platform == "zendesk":
            return {**common, "DESKHAND_ZENDESK_URL": self.sb.url, "DESKHAND_ZENDESK_WEBHOOK_SECRETS": SECRET}
        return {**common, "DESKHAND_HELPDESK": "intercom", "DESKHAND_INTERCOM_URL": self.sb.url,
                "DESKHAND_INTERCOM_TOKEN": self.sb.token, "DESKHAND_INTERCOM_CLIENT_SECRET": INTERCOM_SECRET}


def spine_knowledge(platform: str, settings, helpdesk, full: bool = False) -> LiveIndex:
    """The helpdesk's own articles (Help Center or Intercom articles), synced into the store."""
    if platform == "zendesk":
        return help_center_knowledge(settings, helpdesk, full=full)
    db = connect(settings.db_path)
    report = kb_store.sync(db, helpdesk.articles, full=full)
    assert not report.error and report.added + report.updated + report.unchanged > 0, report
    return LiveIndex(db)


@pytest.fixture(params=["zendesk", "intercom"])
def spine(request, tmp_path, trained_model):
    from sandbox.intercom_sandbox import IntercomSandbox
    platform = request.param
    base = dict(data_dir=str(tmp_path / "data"), policy_file=str(COMPANY / "policy.yaml"), lease_s=2,
                retry_base_s=0.01, max_attempts=3)
    if platform == "zendesk":
        sb = Sandbox.from_seed(signing_secret=SECRET).start()
        settings = Settings(zendesk_url=sb.url, zendesk_webhook_secrets=SECRET, **base)
    else:
        sb = IntercomSandbox.from_seed(client_secret=INTERCOM_SECRET).start()
        settings = Settings(helpdesk="intercom", intercom_url=sb.url, intercom_token=sb.token,
                            intercom_client_secret=INTERCOM_SECRET, **base)
    prepare_database(settings)
    classifier.save(trained_model, models_dir(settings.data_dir))
    with Served(create_app(settings)) as web:
        sb.webhook_url = f"{web.base_url}/webhooks/{platform}"
        helpdesk = build_helpdesk(settings)
        knowledge = spine_knowledge(platform, settings, helpdesk)
        yield SpineLoop(sb, settings, Worker(settings, helpdesk, Engine(trained_model, knowledge), name="w1"),
                        web.base_url, platform)
    sb.stop()
