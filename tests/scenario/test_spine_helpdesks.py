"""The spine's scenarios on both helpdesks: each action end to end, the guards, and exactly-once
under duplicates and a crash — the same web app, worker and pipeline; only the sandbox differs.
(The `spine` fixture runs every test once with Zendesk and once with Intercom.)"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import requests

from app import audit, ledger

SEND, DRAFT, ESCALATE = 2003, 2002, 2021  # stream tickets: login how-to, billing question, legal threat


def test_confident_how_to_gets_one_public_reply_citing_the_article(spine):
    spine.sb.play([SEND])
    spine.drain()
    [reply] = spine.bot_messages(SEND)
    assert reply["public"] is True
    assert "Reset your password" in reply["body"] and "/hc/en-us/articles/" in reply["body"]
    assert "automated assistant" in reply["body"]
    key = ledger.reply_key(spine.platform, str(SEND), spine.first_message_id(SEND))
    tags = spine.seen_tags(SEND)
    assert "deskhand_replied" in tags and ledger.marker_tag(key) in tags
    assert ledger.get(spine.db(), key)["state"] == "done"


def test_draft_is_an_internal_note_with_the_proposed_reply(spine):
    spine.sb.play([DRAFT])
    spine.drain()
    [note] = spine.bot_messages(DRAFT)
    assert note["public"] is False
    assert "proposed reply" in note["body"] and "invoice" in note["body"].lower()
    assert "deskhand_drafted" in spine.seen_tags(DRAFT)


def test_escalation_note_routes_to_the_team_or_group(spine):
    spine.sb.play([ESCALATE])
    spine.drain()
    [note] = spine.bot_messages(ESCALATE)
    assert note["public"] is False
    assert "sensitive: legal" in note["body"] and "SUMMARY" in note["body"]
    assert "requester's tickets in the last 90 days" in note["body"]
    assert spine.group_name(ESCALATE) == "Billing & Accounts"
    assert {"deskhand_escalated", "deskhand_refund_request"} <= set(spine.seen_tags(ESCALATE))
    assert not spine.public_replies(ESCALATE)


def test_customer_follow_up_after_a_human_took_over_is_left_to_the_human(spine):
    spine.sb.play([DRAFT])
    spine.drain()
    spine.sb.agent_reply(DRAFT, "Hi, I'm looking into this for you.")
    spine.sb.customer_reply(DRAFT, "Thanks! Also where do I find the invoice PDF?")
    spine.drain()
    assert len(spine.bot_messages(DRAFT)) == 1
    assert "a human agent is already talking to the customer" in audit.format_trail(audit.trail(spine.db(), str(DRAFT)))


def test_a_customer_follow_up_gets_its_own_response_never_a_second_public_one(spine):
    spine.sb.play([SEND])
    spine.drain()
    spine.sb.customer_reply(SEND, "Thanks - the new link expired too. How do I get a reset email that works?")
    spine.drain()
    first, second = spine.bot_messages(SEND)
    assert first["public"] is True
    assert second["public"] is False and second["body"].startswith("Deskhand")


def test_closed_ticket_is_not_touched(spine):
    spine.sb.play([SEND])
    spine.sb.set_status(SEND, "solved")
    spine.drain()
    assert spine.bot_messages(SEND) == []


def test_five_concurrent_duplicate_deliveries_make_exactly_one_reply(spine):
    spine.sb.webhook_url = None  # we deliver by hand
    spine.sb.play([SEND])
    body, headers = spine.created_delivery(SEND, "dup-1")
    statuses = []

    def deliver():
        response = requests.post(spine.webhook_path(), data=body, headers=headers, timeout=10)
        statuses.append((response.status_code // 100, response.json()["status"]))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(statuses) == [(2, "accepted")] + [(2, "duplicate")] * 4
    spine.drain()
    assert len(spine.public_replies(SEND)) == 1


def test_crash_between_the_helpdesk_write_and_the_ledger_sends_no_second_reply(spine):
    spine.sb.play([SEND])
    assert spine.sb.flush_webhooks(10)
    env = {**os.environ, **spine.worker_env(), "DESKHAND_CRASH_AT": "after_remote_write"}
    crashed = subprocess.run([sys.executable, "-m", "app.cli", "worker", "--once"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 75, crashed.stderr[-2000:]
    assert len(spine.public_replies(SEND)) == 1  # the write landed…
    key = ledger.reply_key(spine.platform, str(SEND), spine.first_message_id(SEND))
    assert ledger.get(spine.db(), key)["state"] == "sending"  # …but was never recorded
    time.sleep(1.1)
    spine.drain()
    assert len(spine.public_replies(SEND)) == 1
    assert ledger.get(spine.db(), key)["state"] == "done"
    assert "not writing again" in audit.format_trail(audit.trail(spine.db(), str(SEND)))
