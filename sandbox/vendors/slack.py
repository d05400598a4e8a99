"""A stand-in for the slice of Slack's Web API Deskhand uses: chat.postMessage.

Same shapes as tests/connector/fixtures/slack (Slack's documented answers): HTTP 200 with
`{"ok": false, "error": ...}` for every refusal, as Slack does. Arguments come form-encoded or as
JSON, the token as a bearer header or a `token` argument. Posted messages are kept in
`app.config["writes"]`.
"""
from __future__ import annotations

import base64
import hashlib
import threading
import time

from flask import Flask, jsonify, request

SANDBOX_TOKEN = "xoxb-sandbox-brightline-deskhand"
TEAM_NAME = "Brightline Analytics"
MAX_TEXT = 40_000  # Slack truncates beyond this; the stand-in refuses, as msg_too_long
# (name, the bot is a member, archived): the bot was invited to the escalation channels only.
CHANNELS = (
    ("support-escalations", True, False),
    ("billing-escalations", True, False),
    ("eng-escalations", True, False),
    ("customer-success", True, False),
    ("general", False, False),
    ("support-legacy", True, True),
)


def create_app(data: dict, latency_s: float = 0.0) -> Flask:
    app = Flask(__name__)
    app.config["writes"] = []
    bot, channels = data["bot"], data["channels"]
    clock = _Clock()

    @app.before_request
    def _latency():
        if latency_s:
            time.sleep(latency_s)

    @app.post("/api/chat.postMessage")
    def chat_post_message():
        args = (request.get_json(silent=True) or {}) if request.is_json else request.form
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer "):] if header.startswith("Bearer ") else args.get("token", "")
        if not token:
            return _error("not_authed")
        if token != data["token"]:
            return _error("invalid_auth")
        channel = _find(channels, str(args.get("channel") or ""))
        if channel is None:
            return _error("channel_not_found")
        if channel["is_archived"]:
            return _error("is_archived")
        if not channel["is_member"]:
            return _error("not_in_channel")
        text = str(args.get("text") or "")
        if not text:
            return _error("no_text")
        if len(text) > MAX_TEXT:
            return _error("msg_too_long")
        ts = clock.next_ts()
        message = {"text": text, "username": bot["username"], "bot_id": bot["bot_id"],
                   "type": "message", "subtype": "bot_message", "ts": ts}
        app.config["writes"].append({"method": "chat.postMessage", "channel": channel["id"],
                                     "channel_name": channel["name"], "ts": ts, "text": text,
                                     "args": {k: v for k, v in dict(args).items() if k != "token"}})
        return jsonify({"ok": True, "channel": channel["id"], "ts": ts, "message": message})

    return app


def sample_data(account: dict) -> dict:
    """The Brightline workspace: a bot token, the bot, and its channels. Deterministic: ids are
    derived from the account's subdomain and the names, never drawn at random."""
    domain = account["subdomain"]
    return {
        "token": SANDBOX_TOKEN,
        "team": {"id": _slack_id("T", domain), "name": TEAM_NAME, "domain": domain},
        "bot": {"bot_id": _slack_id("B", f"{domain}:deskhand"),
                "user_id": _slack_id("U", f"{domain}:deskhand"), "username": "deskhand"},
        "channels": [{"id": _slack_id("C", f"{domain}:{name}"), "name": name,
                      "is_member": member, "is_archived": archived}
                     for name, member, archived in CHANNELS],
    }


def _find(channels: list[dict], wanted: str) -> dict | None:
    """A channel by ID, or by name with or without its '#', as chat.postMessage accepts."""
    name = wanted.removeprefix("#")
    return next((c for c in channels if wanted == c["id"] or name == c["name"]), None)


def _error(code: str):
    return jsonify({"ok": False, "error": code})


def _slack_id(prefix: str, seed: str) -> str:
    digest = base64.b32encode(hashlib.sha1(seed.encode()).digest()).decode()
    return prefix + "0" + digest[:9]


class _Clock:
    """Message timestamps as Slack writes them ("seconds.micros"), unique and increasing."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last = 0

    def next_ts(self) -> str:
        with self._lock:
            self._last = max(time.time_ns() // 1000, self._last + 1)
            return f"{self._last // 1_000_000}.{self._last % 1_000_000:06d}"
