"""The LLM engine against a local OpenAI-compatible server over real HTTP."""
import time
from pathlib import Path

import pytest

from app import classifier
from app.decide import decide
from app.domain import CategoryPolicy, Citation, Draft
from app.engine import Engine
from app.history import load_jsonl, training_set
from app.llm_engine import LlmEngine, Prices, fit_calibrator
from connectors.errors import ConnectorError
from connectors.llm import ChatModel
from tests.fakes.openai_server import FakeOpenAI, answer

HISTORY = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "history.jsonl"
TICKET = ("Password reset link expired", "The reset link in my email says it expired. How do I get a new one?")


@pytest.fixture(scope="module")
def offline():
    tickets, _ = load_jsonl(str(HISTORY))
    return Engine(classifier.train(*training_set(tickets[:600])), [])


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI() as running:
        yield running


@pytest.fixture
def fake(server):
    server.script.clear()
    server.requests.clear()
    server.default = None
    return server


def engine(offline, fake, timeout_s=5.0, retries=0):
    chat = ChatModel("test-model", base_url=fake.base_url, api_key="k", timeout_s=timeout_s, max_retries=retries)
    return LlmEngine(offline, chat, Prices(input=2.0, output=8.0))


def test_structured_call_agreement_tokens_and_cost(offline, fake):
    fake.script.append(answer("login_2fa", 0.97))
    t = engine(offline, fake).triage(*TICKET)
    assert (t.engine, t.category, t.error) == ("llm", "login_2fa", "")
    offline_p = dict(offline.model.predict("\n".join(TICKET)))["login_2fa"]
    assert t.confidence == pytest.approx(min(0.97, offline_p), abs=1e-4)  # not the model's word alone
    assert t.tokens == 150 and t.cost_usd == pytest.approx((120 * 2 + 30 * 8) / 1e6)
    [sent] = fake.requests
    fmt = sent["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert "login_2fa" in fmt["json_schema"]["schema"]["properties"]["category"]["enum"]
    system, user = sent["messages"]
    assert "reset link" not in system["content"] and "reset link" in user["content"]


def test_disagreeing_with_the_classifier_gives_low_confidence(offline, fake):
    fake.script.append(answer("cancellation", 0.99))
    t = engine(offline, fake).triage(*TICKET)
    assert t.category == "cancellation" and t.confidence < 0.2


def test_rules_keep_their_flags_whatever_the_model_says(offline, fake):
    fake.script.append(answer("refund_request", 0.99, flags=[]))
    t = engine(offline, fake).triage("Refund", "Refund me now or my lawyer will sue you.")
    assert "legal" in t.flags


@pytest.mark.parametrize("step,message", [
    (("text", "{not json"), "malformed JSON"),
    (answer("world_peace"), "unknown category"),
    (("json", {"category": "login_2fa"}), "lacks"),
    (answer("login_2fa", flags=["do_anything"]), "unknown flags"),
    (("refuse", "I can't help with that."), "refused"),
    (("status", 400), "LLM error 400"),
])
def test_bad_answers_escalate_instead_of_crashing(offline, fake, step, message):
    fake.script.append(step)
    t = engine(offline, fake).triage(*TICKET)
    assert message in t.error and t.confidence == 0.0
    good = Draft("x", (Citation("a", "b"),), 1.0)
    d = decide(t, CategoryPolicy("auto", 0.1, 0.05), good)
    assert d.action == "escalate" and "llm engine failed" in d.reasons[0]


def test_timeout_is_explicit_and_retries_are_bounded(offline, fake):
    fake.script.extend([("stall", 3), ("stall", 3)])
    started = time.monotonic()
    t = engine(offline, fake, timeout_s=0.5, retries=1).triage(*TICKET)
    assert "timed out" in t.error
    assert time.monotonic() - started < 4  # two attempts of 0.5 s plus the client's backoff
    assert len(fake.requests) == 2


def test_server_errors_are_retried_once_then_escalate(offline, fake):
    fake.script.extend([("status", 500), ("status", 503)])
    t = engine(offline, fake, retries=1).triage(*TICKET)
    assert "50" in t.error and len(fake.requests) == 2


def test_timeout_above_thirty_seconds_is_refused():
    with pytest.raises(ConnectorError, match="between 0 and 30"):
        ChatModel("m", base_url="http://127.0.0.1:9/v1", timeout_s=600)


def test_calibrator_learns_that_agreement_means_right(offline, fake):
    tickets, _ = load_jsonl(str(HISTORY))
    held_out = tickets[600:700]

    def reply(body):  # a model that is right on half the tickets, wrong on the rest
        text = body["messages"][1]["content"]
        gold = next(t for t in held_out if t.body in text)
        right = int(gold.id) % 2 == 0
        truth = gold.category or "out_of_scope"
        return answer(truth if right else "cancellation" if truth != "cancellation" else "billing", 0.9)

    fake.default = reply
    llm = engine(offline, fake)
    calibrator, summary = fit_calibrator(llm, held_out)
    assert summary["tickets"] == 100 and summary["failures"] == 0 and summary["cost_usd"] > 0
    assert calibrator(0.9, 0.9, True) > 0.7 > 0.3 > calibrator(0.9, 0.05, False)
