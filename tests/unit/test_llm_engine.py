"""The LLM engine against a local OpenAI-compatible server over real HTTP."""
import time
from pathlib import Path

import pytest

from app.core.domain import CategoryPolicy, Citation, Draft
from app.knowledge.search import KnowledgeIndex
from app.policy.decide import decide
from app.reasoning import classifier
from app.reasoning.engine import Engine
from app.reasoning.llm_engine import LlmEngine, Prices, fit_calibrator
from app.reasoning.training_data import load_jsonl, training_set
from connectors.errors import ConnectorError
from connectors.llm import ChatModel
from tests.fakes.openai_server import FakeOpenAI, answer

HISTORY = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "history.jsonl"
TICKET = ("Password reset link expired", "The reset link in my email says it expired. How do I get a new one?")


@pytest.fixture(scope="module")
def offline():
    tickets, _ = load_jsonl(str(HISTORY))
    return Engine(classifier.train(*training_set(tickets[:600])), KnowledgeIndex([]))


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


# -- the reply the LLM writes from retrieved passages ----------------------------------------

SAMPLE_KB = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "kb"


@pytest.fixture(scope="module")
def knowledge():
    from app.knowledge.store import index_of
    from connectors.markdown_kb import MarkdownFolder
    return index_of(MarkdownFolder(SAMPLE_KB))[0]


def reset_ticket(note: str = ""):
    from connectors.types import Comment, Requester, Ticket
    comments = (Comment("1", "5", "customer", True, TICKET[1]),)
    if note:
        comments += (Comment("2", "9", "agent", False, note),)
    return Ticket("zendesk", "7", TICKET[0], "open", Requester("5", "sam@x.test", "Sam Lee"), comments)


def write_reply(offline, fake, knowledge, ticket=None):
    ticket = ticket or reset_ticket()
    matches = knowledge.search("\n".join(TICKET), "login_2fa")
    return engine(offline, fake).reply(ticket, TICKET[1], matches, knowledge), matches


def test_the_model_writes_from_the_passages_only_and_cites_them(offline, fake, knowledge):
    from tests.fakes.openai_server import written
    fake.script.append(written("Hi Sam,\n\nClick Forgot password on the sign-in page for a new link."))
    draft, matches = write_reply(offline, fake, knowledge,
                                 reset_ticket(note="Internal: customer is on the VIP watch list"))
    assert draft.writer == "llm" and draft.tokens == 150 and draft.cost_usd > 0
    assert draft.citations[0].passage_id == matches[0].passage.id
    assert draft.text.endswith(f"Read more: {matches[0].passage.title} — {matches[0].passage.url}")
    [sent] = fake.requests
    system, user = (m["content"] for m in sent["messages"])
    assert matches[0].passage.id in system and matches[0].passage.text[:40] in system
    assert "VIP watch list" not in system + user  # internal notes never reach the writer
    enum = sent["response_format"]["json_schema"]["schema"]["properties"]["citations"]["items"]["enum"]
    assert enum[0] == matches[0].passage.id and len(enum) <= 5


@pytest.mark.parametrize("step, note", [
    (("text", "not json"), "malformed JSON"),
    (("refuse", "no"), "refused"),
    (("json", {"answerable": True, "reply": "Hi", "citations": []}), "cited no passage"),
    (("status", 500), "could not write the reply"),
])
def test_an_unusable_answer_falls_back_to_the_offline_reply_and_says_why(offline, fake, knowledge, step, note):
    fake.script.append(step)
    draft, matches = write_reply(offline, fake, knowledge)
    assert draft.writer == "offline" and note in draft.note
    assert draft.text == engine(offline, fake).offline.reply(reset_ticket(), TICKET[1], matches, knowledge).text


def test_when_the_passages_do_not_answer_there_is_no_reply(offline, fake, knowledge):
    fake.script.append(("json", {"answerable": False, "reply": "", "citations": []}))
    draft, _ = write_reply(offline, fake, knowledge)
    assert draft is None


def test_an_invented_promise_in_the_models_reply_is_caught_by_the_check(offline, fake, knowledge):
    from app.checks.check import check_reply, cited_sources
    from tests.fakes.openai_server import written
    fake.script.append(written("Hi Sam, we will refund $200 to your card today."))
    draft, _ = write_reply(offline, fake, knowledge)
    checked = check_reply(draft.text, cited_sources(draft, knowledge), [], [], knowledge.hosts(), "— bot")
    assert not checked.sendable and checked.unsupported
