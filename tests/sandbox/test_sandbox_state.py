"""Store-level guarantees: atomic concurrent updates, monotonic ids, the real seed."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from sandbox import Sandbox
from sandbox.seed import DEFAULT_SEED_DIR

from .conftest import BOT_EMAIL, zenpy_client


def test_concurrent_api_updates_are_atomic(sb):
    sb.play([1001])
    url, auth = f"{sb.url}/api/v2/tickets/1001.json", (f"{BOT_EMAIL}/token", "x")

    def worker(n):
        with requests.Session() as s:
            for i in range(5):
                body = {"ticket": {"comment": {"body": f"w{n}-{i}", "public": False},
                                   "additional_tags": [f"t{n}_{i}"]}}
                assert s.put(url, json=body, auth=auth).status_code == 200

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    comments = sb.comments(1001)
    ids = [c["id"] for c in comments]
    assert len(comments) == 31 and ids == sorted(ids) and len(set(ids)) == 31
    assert len([t for t in sb.ticket(1001)["tags"] if t.startswith("t")]) == 30
    assert sb.calls()["PUT /api/v2/tickets/{ticket_id}"] == 30


@pytest.mark.skipif(not (Path(DEFAULT_SEED_DIR) / "account.json").exists(),
                    reason="sample company not written yet")
def test_real_seed_loads_and_serves(monkeypatch):
    sb = Sandbox.from_seed(export_lag_s=0).start()
    try:
        monkeypatch.setenv("ZENPY_FORCE_NETLOC", sb.url.split("//", 1)[1])
        monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
        bot = sb.store.get("users", sb.bot_user_id)
        zd = zenpy_client(email=bot["email"])
        assert zd.users.me().id == sb.bot_user_id
        solved = [t for t in sb.tickets.values() if t["status"] == "solved"]
        assert solved and len(solved) == len(sb.history)
        first = sb.comments(solved[0]["id"])
        assert len(first) == 2 and sb.store.is_staff(first[1]["author_id"])
        played = sb.play()
        assert len(played) == len(sb.stream) and all(t["status"] == "new" for t in played)
        assert sum(1 for _ in zd.tickets.incremental(start_time=0)) == len(sb.tickets)
        assert len(list(zd.help_center.articles())) == len(sb.store.articles)
    finally:
        sb.stop()
