"""The Intercom sandbox facade: the sample company (sandbox/company) as an Intercom workspace,
served over HTTP, with signed webhook notifications as Intercom sends them.

    sb = IntercomSandbox.from_seed(client_secret="s").start()
    sb.webhook_url = "http://127.0.0.1:5000/webhooks/intercom"
    sb.play([2003]); sb.flush_webhooks(); sb.stop()

Mapping from the Zendesk seed: agents → admins (the bot user → the bot admin), groups → teams,
organizations → companies, end users → contacts (role `user`), Help Center articles → articles,
stream tickets → conversations started by the contact (same id, `source.url` = the page).
Notifications are queued by changes and POSTed by `flush_webhooks`, never inside a request.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from pathlib import Path

import requests

from .intercom_api import WORKSPACE_ID, create_intercom_app, intercom_article
from .intercom_conversations import ConversationStore

SEED = Path(__file__).resolve().parent / "company"
TOKEN = "sandbox-intercom-token"
DEFAULT_CLIENT_SECRET = "sandbox_intercom_client_secret"


def sign(secret: str, body: bytes) -> str:
    """Intercom's scheme: `sha1=` + hex HMAC-SHA1(client secret, raw body)."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


class IntercomSandbox:
    platform = "intercom"

    def __init__(self, store: ConversationStore, articles: list[dict], stream: list[dict],
                 token: str = TOKEN, client_secret: str = DEFAULT_CLIENT_SECRET):
        self.store, self.stream, self.token, self.client_secret = store, stream, token, client_secret
        self.app = create_intercom_app(articles, token, conversations=store)
        self.webhook_url: str | None = None
        self.webhook_deliveries: list[dict] = []
        self._queue: list[bytes] = []
        self._qlock = threading.Lock()
        store.on_change = self._notify
        self.url: str | None = None
        self._server = None

    @classmethod
    def from_seed(cls, seed_dir=None, client_secret: str = DEFAULT_CLIENT_SECRET, token: str = TOKEN) -> "IntercomSandbox":
        base = Path(seed_dir) if seed_dir else SEED
        account = json.loads((base / "account.json").read_text(encoding="utf-8"))
        people = {str(u["id"]): u for u in account["users"]}
        bot_id = str(account["bot_user_id"])
        admin = lambda u: {"id": str(u["id"]), "name": u["name"], "email": u["email"]}  # noqa: E731
        store = ConversationStore(WORKSPACE_ID, admin(people[bot_id]),
                                  [admin(u) for k, u in people.items() if u["role"] in ("agent", "admin") and k != bot_id],
                                  [{"id": str(g["id"]), "name": g["name"]} for g in account["groups"]])
        for org in account["organizations"]:
            fields = org.get("organization_fields") or {}
            store.companies[str(org["id"])] = {"id": str(org["id"]), "company_id": str(org["id"]), "name": org["name"],
                                               "plan": {"type": "plan", "id": "1", "name": str(fields.get("plan", ""))},
                                               "monthly_spend": int(fields.get("arr", 0) or 0) // 12,
                                               "custom_attributes": dict(fields)}
        stream = [json.loads(line) for line in (base / "stream.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        for u in list(people.values()) + [dict(s["requester"], organization_id=s.get("organization_id")) for s in stream]:
            if u.get("role", "end-user") == "end-user" and str(u["id"]) not in store.contacts:
                store.contacts[str(u["id"])] = {"id": str(u["id"]), "role": "user", "email": u.get("email"),
                                                "name": u.get("name"), "external_id": None,
                                                "company_ids": [str(u["organization_id"])] if u.get("organization_id") else []}
        # Intercom keeps a translation inside its article (`translated_content`). The Help Center's
        # Spanish articles are copies of their English one with a new id, title, body and locale
        # (scripts/make_sample_company.py), so the English article they translate is the one with
        # the same section, author and creation time.
        listed = [a for a in json.loads((base / "articles.json").read_text(encoding="utf-8")) if not a.get("draft")]
        source = lambda a: (a["section_id"], a["author_id"], a["created_at"])  # noqa: E731
        translated: dict[tuple, dict] = {}
        for a in listed:
            if a.get("locale", "en-us") != "en-us":
                translated.setdefault(source(a), {})[a["locale"]] = {
                    "title": a["title"], "body_html": a["body"], "url": a.get("html_url"), "updated_at": a["updated_at"]}
        articles = [intercom_article({**a, "body_html": a["body"], "url": a.get("html_url") or a.get("url")},
                                     translations=translated.get(source(a)))
                    for a in listed if a.get("locale", "en-us") == "en-us"]
        return cls(store, articles, stream, token, client_secret)

    # -- serving -------------------------------------------------------------------------------

    def start(self) -> "IntercomSandbox":
        from werkzeug.serving import make_server
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server, self.url = None, None

    @property
    def requests(self) -> list[dict]:
        return self.app.extensions["intercom_sandbox"].requests

    @property
    def bot_user_id(self) -> str:
        return self.store.bot["id"]

    # -- demo controls -------------------------------------------------------------------------

    def play(self, ids=None) -> list[dict]:
        wanted = None if ids is None else {int(i) for i in ids}
        started = []
        for item in self.stream:
            sid = str(item["id"])
            if (wanted is not None and int(sid) not in wanted) or sid in self.store.conversations:
                continue
            started.append(self.store.start(str(item["requester"]["id"]), item["body"], item.get("page_url") or "",
                                            item["subject"], conversation_id=sid))
        return started

    def customer_reply(self, cid, body: str) -> dict:
        conv = self.store.conversations[str(cid)]
        return self.store.add_part(str(cid), "comment", self.store.contact_author(conv["contact_id"]), body)

    def agent_reply(self, cid, body: str, public: bool = True) -> dict:
        agent = next(a for a in self.store.admins if a != self.bot_user_id)
        return self.store.add_part(str(cid), "comment" if public else "note", self.store.admin_author(agent), body)

    def operator_message(self, cid, body: str, ai_agent: bool = False) -> dict:
        """A message from Intercom's own bots: Operator's scripted ones, or Fin's answers (`ai_agent`)."""
        author = {"type": "bot", "id": "1000001", "name": "Fin" if ai_agent else "Operator",
                  "email": "operator+sandboxws@intercom.io", "from_ai_agent": ai_agent, "is_ai_answer": ai_agent}
        return self.store.add_part(str(cid), "comment", author, body)

    def set_status(self, cid, status: str) -> None:
        self.store.conversations[str(cid)]["state"] = "closed" if status in ("solved", "closed") else status

    def _teammate(self) -> dict:
        return self.store.admin_author(next(a for a in self.store.admins if a != self.bot_user_id))

    def close(self, cid) -> dict:
        """A teammate closes the conversation (notifies conversation.admin.closed)."""
        with self.store.lock:
            self.store.conversations[str(cid)].update(state="closed", snoozed_until=None)
        return self.store.add_part(str(cid), "close", self._teammate())

    def reopen(self, cid) -> dict:
        """A teammate opens it again (notifies conversation.admin.opened)."""
        with self.store.lock:
            self.store.conversations[str(cid)].update(state="open", snoozed_until=None)
        return self.store.add_part(str(cid), "open", self._teammate())

    def rate(self, cid, rating: int, remark: str = "") -> dict:
        """The customer rates the conversation 1–5 (notifies conversation.rating.added)."""
        return self.store.rate(str(cid), rating, remark)

    def set_category(self, cid, value: str) -> None:
        """A teammate corrects the category: the `deskhand_category` conversation attribute (created
        in the workspace first if Deskhand never wrote it). Intercom sends no notification for an
        attribute edit; Deskhand sees it the next time it reads the conversation."""
        if "deskhand_category" not in self.store.attributes:
            self.store.define_attribute("deskhand_category", "string", "category", self._teammate()["id"])
        problem = self.store.set_attributes(str(cid), {"deskhand_category": value})
        if problem:
            raise ValueError(problem)

    def conversation(self, cid) -> dict:
        return self.store.conversation_json(self.store.conversations[str(cid)])

    def bot_parts(self, cid) -> list[dict]:
        return [p for p in self.store.conversations[str(cid)]["parts"]
                if p["author"]["id"] == self.bot_user_id and p["part_type"] in ("comment", "note")]

    # -- webhooks ------------------------------------------------------------------------------

    def _notify(self, topic: str, conv: dict, part: dict | None = None) -> None:
        item = self.store.conversation_json(conv)
        # a notification carries the new part only; bodies are plain text from 2.15 on (B1)
        item["conversation_parts"] = {"type": "conversation_part.list", "total_count": 1 if part else 0,
                                      "conversation_parts": [dict(part)] if part else []}
        now = int(time.time())
        body = json.dumps({"type": "notification_event", "app_id": self.store.workspace_id,
                           "id": f"notif_{uuid.uuid4()}", "topic": topic, "delivery_status": "pending",
                           "delivery_attempts": 1, "delivered_at": 0, "first_sent_at": now, "created_at": now,
                           "self": None, "links": {},
                           "data": {"type": "notification_event_data", "item": item}}).encode()
        with self._qlock:
            self._queue.append(body)

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """POST every queued notification, signed; True when nothing is left to send."""
        while True:
            with self._qlock:
                if not self._queue:
                    return True
                body = self._queue.pop(0)
            if not self.webhook_url:
                continue  # nobody subscribed: dropped, as Intercom would not send it
            started, started_at = time.monotonic(), time.time()
            try:
                status = requests.post(self.webhook_url, data=body, timeout=timeout, headers={
                    "Content-Type": "application/json", "X-Hub-Signature": sign(self.client_secret, body)}).status_code
            except requests.RequestException:
                status = 0
            notification = json.loads(body)
            item = notification["data"]["item"]
            parts = item["conversation_parts"]["conversation_parts"]
            author = parts[-1]["author"] if parts else item["source"]["author"]
            # as the Zendesk sandbox records its deliveries (time.time() around the POST; who acted),
            # so benchmarks read both alike
            self.webhook_deliveries.append({"topic": notification["topic"], "status": status,
                                            "ms": (time.monotonic() - started) * 1000,
                                            "event_id": notification["id"], "conversation_id": item["id"],
                                            "actor_id": author["id"], "actor_type": author["type"],
                                            "started_at": started_at, "finished_at": time.time()})
