"""What stays on the Zendesk loop alone. The spine's scenarios — each action end to end, the
guards, exactly-once under duplicates, races, crashes, outages and failing jobs — run on both
helpdesks in test_spine_helpdesks.py (the `spine` fixture)."""
from __future__ import annotations

from app.pipeline.worker import Worker
from app.store import audit

SEND, ESCALATE = 2003, 2021  # stream tickets: login how-to, legal threat


# Zendesk only on purpose: this exercises the LLM engine (its answer parsing, the fallback to a
# person, token and cost records), which sits above the helpdesk connector and reads nothing
# platform-specific; running it on Intercom too would add time and test nothing new.
def test_llm_engine_decides_end_to_end_and_a_broken_answer_escalates(loop, trained_model):
    from app.reasoning.llm_engine import LlmEngine, Prices
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
