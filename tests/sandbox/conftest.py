"""Fixtures: a tiny seed company (same shape as sandbox/company), a running sandbox
and a real zenpy client pointed at it over HTTP."""
from __future__ import annotations

import json
import threading

import pytest
from zenpy import Zenpy

from sandbox import Sandbox

BOT_EMAIL = "bot@acme.test"
T0 = "2026-01-05T09:00:00Z"


def _user(uid, name, email, role, org=None):
    return {"id": uid, "name": name, "email": email, "role": role, "organization_id": org,
            "created_at": T0, "updated_at": T0, "active": True}


ACCOUNT = {
    "subdomain": "acme", "account_id": 9001, "category_field_id": 360001,
    "page_url_field_id": 360002, "bot_user_id": 100,
    "users": [_user(100, "Deskhand Bot", BOT_EMAIL, "agent"),
              _user(101, "Alice Agent", "alice@acme.test", "agent"),
              _user(102, "Ada Admin", "ada@acme.test", "admin"),
              _user(200, "Carl Customer", "carl@customer.test", "end-user", 10),
              _user(201, "Dora Customer", "dora@customer.test", "end-user", 10)],
    "organizations": [{"id": 10, "name": "Customer Co", "domain_names": ["customer.test"],
                       "tags": ["gold"], "organization_fields": {}}],
    "groups": [{"id": 20, "name": "Tier 2", "default": False},
               {"id": 21, "name": "Support", "default": True}],
}

ARTICLES = [
    {"id": 500 + i, "title": f"How to {topic}", "body": f"<p>Steps to {topic}.</p>",
     "html_url": f"https://acme.zendesk.com/hc/en-us/articles/{500 + i}", "locale": locale,
     "label_names": [topic.split()[0]], "section_id": 7, "draft": False, "author_id": 101,
     "created_at": f"2026-01-0{i + 1}T08:00:00Z", "updated_at": f"2026-01-0{i + 1}T08:00:00Z",
     "edited_at": f"2026-01-0{i + 1}T08:00:00Z",
     "url": f"https://acme.zendesk.com/api/v2/help_center/{locale}/articles/{500 + i}.json"}
    for i, (topic, locale) in enumerate([("reset password", "en-us"), ("export data", "en-us"),
                                          ("cancel plan", "en-us"), ("reset password", "de")])]

HISTORY = [
    {"id": i, "subject": f"Old question {i}", "body": f"Customer text {i}",
     "category": "billing" if i % 2 else "login", "expect": "answer",
     "requester": {"id": 200, "email": "carl@customer.test", "name": "Carl Customer"},
     "organization_id": 10, "created_at": f"2026-01-1{i}T10:00:00Z",
     "solved_at": f"2026-01-1{i}T12:00:00Z", "agent_reply": f"Agent answer {i}",
     "page_url": "https://app.acme.test/billing" if i == 1 else None}
    for i in range(1, 4)]

STREAM = [
    {"id": 1001, "subject": "Cannot log in", "body": "My password reset mail never arrives.",
     "requester": {"id": 201, "email": "dora@customer.test", "name": "Dora Customer"},
     "organization_id": 10, "created_at": T0, "page_url": "https://app.acme.test/login",
     "tags": ["web_form"], "expect": "answer", "notes": "kb hit"},
    {"id": 1002, "subject": "Refund please", "body": "I was charged twice.",
     "requester": {"id": 300, "email": "new@other.test", "name": "New Person"},
     "organization_id": None, "created_at": T0, "expect": "escalate", "notes": "new user"},
]


@pytest.fixture
def seed_dir(tmp_path):
    (tmp_path / "account.json").write_text(json.dumps(ACCOUNT))
    (tmp_path / "articles.json").write_text(json.dumps(ARTICLES))
    (tmp_path / "history.jsonl").write_text("\n".join(json.dumps(r) for r in HISTORY) + "\n")
    (tmp_path / "stream.jsonl").write_text("\n".join(json.dumps(r) for r in STREAM) + "\n")
    return tmp_path


@pytest.fixture
def make_sandbox(seed_dir, monkeypatch):
    """Factory: start a sandbox with options; everything started is stopped at the end
    and no thread may outlive the test."""
    before = set(threading.enumerate())
    started = []

    def make(**options):
        options.setdefault("export_lag_s", 0)
        sb = Sandbox.from_seed(seed_dir, **options).start()
        started.append(sb)
        monkeypatch.setenv("ZENPY_FORCE_NETLOC", sb.url.split("//", 1)[1])
        monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
        return sb

    yield make
    for sb in started:
        sb.stop()
    leftovers = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for t in leftovers:
        t.join(2)
    assert not [t for t in leftovers if t.is_alive()], leftovers


@pytest.fixture
def sb(make_sandbox):
    return make_sandbox()


def zenpy_client(email=BOT_EMAIL, **kw) -> Zenpy:
    return Zenpy(subdomain="acme", email=email, token="any-token", disable_cache=True, **kw)


@pytest.fixture
def zd(sb):
    return zenpy_client()
