"""Each action end to end, the guards, and exactly-once under duplicates, races and crashes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import requests

from app import audit, ledger
from app.worker import Worker
from tests.conftest import zendesk_headers

from .conftest import SECRET, help_center_knowledge

SEND, DRAFT, ESCALATE = 2003, 2002, 2021  # stream tickets: login how-to, billing question, legal threat


def group_id(sb, name: str) -> int:
    return next(g["id"] for g in sb.store.all("groups") if g["name"] == name)


def test_confident_how_to_gets_one_public_reply_citing_the_article(loop):
    loop.sb.play([SEND])
    loop.drain()
    [reply] = loop.bot_comments(SEND)
    assert reply["public"] is True
    assert "Reset your password" in reply["body"] and "/hc/en-us/articles/" in reply["body"]
    assert "automated assistant" in reply["body"]  # AI disclosure
    tags = loop.sb.ticket(SEND)["tags"]
    key = ledger.reply_key("zendesk", str(SEND), str(loop.sb.comments(SEND)[0]["id"]))
    assert "deskhand_replied" in tags and ledger.marker_tag(key) in tags
    assert ledger.get(loop.db(), key)["state"] == "done"


def test_draft_is_an_internal_note_with_the_proposed_reply(loop):
    loop.sb.play([DRAFT])
    loop.drain()
    [note] = loop.bot_comments(DRAFT)
    assert note["public"] is False
    assert "proposed reply" in note["body"] and "invoice" in note["body"].lower()
    assert "deskhand_drafted" in loop.sb.ticket(DRAFT)["tags"]
    put = [r for r in loop.sb.requests if r["method"] == "PUT"]
    assert put[0]["body"]["ticket"]["comment"]["public"] is False  # set explicitly on the wire


def test_escalation_note_carries_context_and_routes_to_the_group(loop):
    loop.sb.play([ESCALATE])
    loop.drain()
    [note] = loop.bot_comments(ESCALATE)
    ticket = loop.sb.ticket(ESCALATE)
    assert note["public"] is False
    assert "sensitive: legal" in note["body"]
    assert "triage: refund_request" in note["body"] and "SUMMARY" in note["body"]
    requester = loop.sb.store.get("users", ticket["requester_id"])  # read with the ticket, at no extra call
    assert f"{requester['name']} <{requester['email']}>" in note["body"]
    assert "requester's tickets in the last 90 days" in note["body"]
    [case] = list(loop.db()["case_files"].rows)
    assert case["ticket_id"] == str(ESCALATE) and case["category"] == "refund_request"
    assert 0 <= case["completeness"] < 1  # no billing or CRM connected in this scenario
    assert "Case file completeness" in note["body"] and "missing: plan" in note["body"]
    assert ticket["group_id"] == group_id(loop.sb, "Billing & Accounts")
    assert {"deskhand_escalated", "deskhand_refund_request"} <= set(ticket["tags"])
    assert not loop.public_bot_replies(ESCALATE)


def test_own_comment_event_is_ignored_without_calling_the_helpdesk(loop):
    loop.sb.play([SEND])
    loop.drain(rounds=1)
    calls_before = len(loop.sb.requests)
    loop.drain()  # the sandbox now delivers comment_added for the bot's own reply
    own = [d for d in loop.sb.webhook_deliveries if d["type"].endswith("comment_added")]
    assert own and all(d["status"] == 202 for d in own)
    assert len(loop.sb.requests) == calls_before
    # Stored as an agent's comment (the bot is staff), which needs no job at all.
    kinds = [row["kind"] for row in loop.db()["inbox"].rows_where("ticket_id = ?", [str(SEND)])]
    assert kinds == ["ticket.created", "ticket.agent_replied"]
    assert loop.db()["jobs"].count == 1
    assert len(loop.bot_comments(SEND)) == 1


def test_customer_follow_up_after_a_human_took_over_is_left_to_the_human(loop):
    loop.sb.play([DRAFT])
    loop.drain()
    loop.sb.agent_reply(DRAFT, "Hi, I'm looking into this for you.")
    loop.sb.customer_reply(DRAFT, "Thanks! Also where do I find the invoice PDF?")
    loop.drain()
    assert len(loop.bot_comments(DRAFT)) == 1  # only the first draft note
    trace = audit.format_trail(audit.trail(loop.db(), str(DRAFT)))
    assert "a human agent is already talking to the customer" in trace


def test_a_customer_follow_up_gets_its_own_response(loop):
    loop.sb.play([SEND])
    loop.drain()
    loop.sb.customer_reply(SEND, "Thanks - the new link expired too. How do I get a reset email that works?")
    loop.drain()
    first, second = loop.bot_comments(SEND)
    assert first["public"] is True
    # Never a second automatic public answer: the follow-up goes to a person (draft or escalation).
    assert second["public"] is False and second["body"].startswith("Deskhand")
    replied = [r for r in loop.sb.requests if r["method"] == "PUT"]
    assert len(replied) == 2


def test_a_secret_planted_in_the_knowledge_base_never_reaches_the_customer(loop, trained_model):
    # An article that someone pasted an internal token into: the reply built from it is blocked.
    article = next(a for a in loop.sb.store.rows("articles") if a["title"].startswith("Reset your password"))
    article["body"] = article["body"].replace("valid for 60 minutes", "valid for 60 minutes (ops token SEKRET-4242)")
    from app.engine import Engine
    settings = loop.settings.with_overrides(canaries="sekret-4242")
    helpdesk = loop.worker.helpdesk
    knowledge = help_center_knowledge(settings, helpdesk, full=True)  # the sync brings the edit in
    worker = Worker(settings, helpdesk, Engine(trained_model, knowledge), name="w-canary")
    loop.sb.play([SEND])
    assert loop.sb.flush_webhooks(10)
    while worker.run_once():
        pass
    [note] = loop.bot_comments(SEND)
    assert note["public"] is False and "exposed internal text" in note["body"]
    assert "SEKRET-4242" not in "".join(c["body"] for c in loop.public_bot_replies(SEND))


def test_solved_ticket_is_not_touched(loop):
    loop.sb.play([SEND])
    loop.sb.set_status(SEND, "solved")  # solved before the worker got to it
    loop.drain()
    assert loop.bot_comments(SEND) == []
    assert "ticket is solved" in audit.format_trail(audit.trail(loop.db(), str(SEND)))


def test_opt_out_tag_is_respected(loop):
    loop.sb.play([SEND])
    loop.sb.apply_update(SEND, {"additional_tags": ["deskhand_off"]}, loop.sb.store.account["bot_user_id"])
    loop.drain()
    assert loop.bot_comments(SEND) == []


def _created_body(ticket_id: int, event_id: str) -> bytes:
    return json.dumps({"type": "zen:event-type:ticket.created", "id": event_id, "account_id": 1,
                       "subject": f"zen:ticket:{ticket_id}", "detail": {"id": str(ticket_id)},
                       "event": {}}).encode()


def test_five_concurrent_duplicate_deliveries_make_exactly_one_reply(loop):
    loop.sb.webhook_url = None  # we deliver by hand
    loop.sb.play([SEND])
    body = _created_body(SEND, "dup-1")
    statuses = []

    def deliver():
        response = requests.post(f"{loop.deskhand_url}/webhooks/zendesk", data=body,
                                 headers=zendesk_headers(body, SECRET), timeout=10)
        statuses.append((response.status_code, response.json()["status"]))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(statuses) == [(202, "accepted")] + [(202, "duplicate")] * 4
    loop.drain()
    assert len(loop.public_bot_replies(SEND)) == 1


def test_different_deliveries_for_one_message_and_two_workers_make_one_reply(loop):
    loop.sb.webhook_url = None
    loop.sb.play([SEND])
    for n in range(6):  # Zendesk may invoke a webhook several times for one action
        body = _created_body(SEND, f"multi-{n}")
        assert requests.post(f"{loop.deskhand_url}/webhooks/zendesk", data=body,
                             headers=zendesk_headers(body, SECRET), timeout=10).status_code == 202
    second = Worker(loop.settings, loop.worker.helpdesk, loop.worker.pipeline.engine, name="w2")
    stop = threading.Event()
    racers = [threading.Thread(target=w.run, args=(stop, True)) for w in (loop.worker, second)]
    [t.start() for t in racers]
    [t.join(30) for t in racers]
    assert len(loop.public_bot_replies(SEND)) == 1
    assert loop.db()["jobs"].count == 6


def test_crash_between_the_helpdesk_write_and_the_ledger_sends_no_second_reply(loop):
    loop.sb.play([SEND])
    assert loop.sb.flush_webhooks(10)
    env = {**os.environ, "DESKHAND_DATA_DIR": loop.settings.data_dir, "DESKHAND_ZENDESK_URL": loop.sb.url,
           "DESKHAND_ZENDESK_WEBHOOK_SECRETS": SECRET, "DESKHAND_LEASE_S": "1",
           "DESKHAND_CRASH_AT": "after_remote_write"}
    crashed = subprocess.run([sys.executable, "-m", "app.cli", "worker", "--once"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 75, crashed.stderr[-2000:]
    assert len(loop.public_bot_replies(SEND)) == 1  # the write landed…
    key = ledger.reply_key("zendesk", str(SEND), str(loop.sb.comments(SEND)[0]["id"]))
    assert ledger.get(loop.db(), key)["state"] == "sending"  # …but was never recorded
    import time
    time.sleep(1.1)  # the dead worker's lease runs out
    loop.drain()  # a new worker takes the job over
    assert len(loop.public_bot_replies(SEND)) == 1
    assert ledger.get(loop.db(), key)["state"] == "done"
    assert "not writing again" in audit.format_trail(audit.trail(loop.db(), str(SEND)))


def test_helpdesk_outage_retries_then_dead_letters_with_the_reason(loop):
    loop.sb.play([SEND])
    assert loop.sb.flush_webhooks(10)
    loop.sb.stop()  # Zendesk is down
    import time
    deadline = time.monotonic() + 20
    while not loop.db()["dead_letters"].count and time.monotonic() < deadline:
        loop.worker.run_once()
        time.sleep(0.02)
    [dead] = list(loop.db()["dead_letters"].rows)
    assert dead["attempts"] == 3 and "zendesk unreachable" in dead["reason"]
    assert "attempt 1 failed (queued)" in audit.format_trail(audit.trail(loop.db(), str(SEND)))


def test_llm_engine_decides_end_to_end_and_a_broken_answer_escalates(loop, trained_model):
    from app.llm_engine import LlmEngine, Prices
    from connectors.llm import ChatModel
    from tests.fakes.openai_server import FakeOpenAI, answer, written
    with FakeOpenAI() as fake:
        fake.script.extend([answer("login_2fa", 0.99),
                            written("Hi there,\n\nOn the sign-in page click Forgot password to get a new link."),
                            ("text", "I think it is about passwords?")])
        chat = ChatModel("fake-model", base_url=fake.base_url, timeout_s=5, max_retries=0)
        engine = LlmEngine(loop.worker.pipeline.engine, chat, Prices(1.0, 2.0))
        worker = Worker(loop.settings, loop.worker.helpdesk, engine, name="w-llm")
        loop.sb.play([SEND, ESCALATE])
        assert loop.sb.flush_webhooks(10)
        while worker.run_once():
            pass
    [reply] = loop.bot_comments(SEND)  # the model agreed with the classifier: answered
    assert reply["public"] is True and "click Forgot password" in reply["body"]  # the model's words
    assert "Read more: Reset your password" in reply["body"]  # and the passage it cited
    [note] = loop.bot_comments(ESCALATE)  # unreadable answer: a person gets it, with the reason
    assert note["public"] is False and "llm engine failed" in note["body"] and "malformed JSON" in note["body"]
    trail = audit.trail(loop.db(), str(SEND))
    triage = next(r["detail"] for r in trail if r["step"] == "triage")
    assert triage["engine"] == "llm" and triage["tokens"] == 150 and triage["cost_usd"] > 0
    composed = next(r["detail"] for r in trail if r["step"] == "compose")
    assert composed["writer"] == "llm" and composed["tokens"] == 150 and composed["passages"]
    reply_request = fake.requests[1]["messages"]
    assert "Reset your password" in reply_request[0]["content"]  # the passages are in the prompt


def test_a_job_that_keeps_failing_leaves_an_internal_note_for_a_person(loop, trained_model):
    from app.engine import Engine
    from app.knowledge import KnowledgeIndex

    class FaultyEngine(Engine):  # fault injection: a bug inside triage, on every try
        def triage(self, subject, body, page_url=""):
            raise RuntimeError("classifier exploded")

    worker = Worker(loop.settings, loop.worker.helpdesk, FaultyEngine(trained_model, KnowledgeIndex([])), name="w-faulty")
    loop.sb.play([SEND])
    assert loop.sb.flush_webhooks(10)
    import time
    deadline = time.monotonic() + 20
    while not loop.db()["dead_letters"].count and time.monotonic() < deadline:
        worker.run_once()
        time.sleep(0.02)
    [dead] = list(loop.db()["dead_letters"].rows)
    assert "classifier exploded" in dead["reason"] and dead["attempts"] == 3
    [note] = loop.bot_comments(SEND)
    assert note["public"] is False and "could not finish" in note["body"] and "classifier exploded" in note["body"]
    assert "deskhand_error" in loop.sb.ticket(SEND)["tags"]
