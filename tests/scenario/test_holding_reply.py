"""The holding reply on escalation (issue 19), on both helpdesks (signed webhook → worker → sandbox):
off by default; when the category's policy turns it on, one short public reply that a person will
answer, under its own ledger key, never twice, with a time only when the policy sets one, and not
where a bot's message is the wrong answer."""
from __future__ import annotations

import time

from app.policy import store as policy_store
from app.store import audit, ledger

from .test_spine_helpdesks import _crash_once_after_the_write

HUMAN = 2026  # "Please get me a human engineer": api_access, flagged human
LEAVING = 2036  # "Not renewing: too expensive": cancellation, flagged churn
LAWYER = 2021  # "Refund or I'm contacting my lawyer": refund_request, flagged legal
HOLDING = "A person on our team will reply here."


def trail(spine, tid) -> str:
    return audit.format_trail(audit.trail(spine.db(), str(tid)))


def test_off_by_default_an_escalation_tells_the_customer_nothing(spine):
    spine.sb.play([HUMAN])
    spine.drain()
    assert [m["public"] for m in spine.bot_messages(HUMAN)] == [False]


def test_asking_for_a_person_gets_one_holding_reply_that_never_repeats(spine):
    policy_store.set_entry(spine.db(), "api_access", {"holding_reply": True})
    spine.sb.play([HUMAN])
    spine.drain()
    note, hold = spine.bot_messages(HUMAN)
    assert note["public"] is False and "deskhand_escalated" in spine.seen_tags(HUMAN)
    assert hold["public"] is True and HOLDING in hold["body"] and "automated assistant" in hold["body"]
    assert "within" not in hold["body"]  # no time promised: the policy sets none
    assert "exports" not in hold["body"] and "engineer" not in hold["body"]  # nothing of the ticket's text
    trigger = spine.first_message_id(HUMAN)
    keys = {ledger.reply_key(spine.platform, str(HUMAN), trigger),
            ledger.reply_key(spine.platform, str(HUMAN), trigger, kind="holding")}
    assert {r["reply_key"]: r["state"] for r in spine.db()["ledger"].rows_where(
        "ticket_id = ?", [str(HUMAN)])} == dict.fromkeys(keys, "done")  # its own key, beside the note's

    writes = len(spine.reply_writes())
    spine.db().execute("UPDATE jobs SET status = 'queued', attempts = 0, run_at = 0")  # every job delivered again
    spine.drain()
    assert len(spine.bot_messages(HUMAN)) == 2 and len(spine.reply_writes()) == writes

    # "thanks" to the holding reply confirms no answer: nothing is solved, however the policy is set
    policy_store.set_entry(spine.db(), "api_access", {"holding_reply": True, "solve_on_confirmation": True})
    spine.sb.customer_reply(HUMAN, "Thanks, that fixed it!")
    spine.drain()
    assert "deskhand_solved" not in spine.seen_tags(HUMAN)
    assert sum(m["public"] for m in spine.bot_messages(HUMAN)) == 1  # and no second holding reply


def test_a_time_is_promised_only_when_the_policy_sets_it(spine):
    policy_store.set_entry(spine.db(), "cancellation", {"holding_reply": True, "holding_reply_hours": 4})
    spine.sb.play([LEAVING])
    spine.drain()
    [hold] = spine.public_replies(LEAVING)
    assert f"{HOLDING} You can expect a reply within 4 hours." in hold["body"]


def test_no_holding_reply_where_only_a_person_should_write(spine):
    policy_store.set_entry(spine.db(), "refund_request", {"holding_reply": True})
    spine.sb.play([LAWYER])
    spine.drain()
    assert [m["public"] for m in spine.bot_messages(LAWYER)] == [False]
    assert "no holding reply: flagged legal" in trail(spine, LAWYER)


def test_a_holding_reply_cut_off_by_a_crash_after_the_note_is_sent_on_the_retry(spine, monkeypatch):
    policy_store.set_entry(spine.db(), "api_access", {"holding_reply": True})
    crashed = _crash_once_after_the_write(monkeypatch)
    spine.sb.play([HUMAN])
    assert spine.sb.flush_webhooks(10)
    assert spine.worker.run_once() and crashed  # the note is on the ticket, the holding reply is not
    assert [m["public"] for m in spine.bot_messages(HUMAN)] == [False]
    time.sleep(0.05)  # the retry's backoff
    spine.drain()
    assert [m["public"] for m in spine.bot_messages(HUMAN)] == [False, True]
