"""Compose: the offline reply from passages (page-adapted steps, link, citations) and the notes."""
from pathlib import Path

import pytest

from app.checks.check import Checked
from app.core.domain import Decision, Requester, Ticket, Triage
from app.knowledge.passages import chunk
from app.knowledge.search import KnowledgeIndex, Match
from app.knowledge.store import index_of
from app.reasoning import compose
from connectors.markdown_kb import MarkdownFolder
from connectors.types import Article

SAMPLE = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "kb"
SCHEDULE = Article("9", "Schedule a report by email", (
    "<p>Scheduled reports send a report on a fixed schedule.</p>"
    "<h2>From the Scheduled reports page</h2><ol><li>Go to Reports → Scheduled → New schedule.</li>"
    "<li>Click Save.</li></ol>"
    "<h2>From an open dashboard</h2><ol><li>Click ⋯ → Schedule email.</li><li>Click Save.</li></ol>"),
    "https://help.example/9", labels=("howto_reports",))


def ticket(page_url: str = "", name: str = "Priya Shah") -> Ticket:
    return Ticket("zendesk", "1", "Schedule", "new", Requester("5", "p@x.test", name), page_url=page_url)


@pytest.fixture(scope="module")
def index():
    return KnowledgeIndex(chunk(SCHEDULE, "zendesk"))


def best(index, text):
    return index.search(text)[0]


def test_the_reply_greets_by_first_name_and_links_the_article(index):
    draft = compose.reply(ticket(), best(index, "how do I schedule a report"), index)
    assert draft.text.startswith("Hi Priya,")
    assert draft.text.rstrip().endswith("The full guide: Schedule a report by email — https://help.example/9")
    assert all(c.url == "https://help.example/9" for c in draft.citations)


@pytest.mark.parametrize("page, shown, hidden", [
    ("https://app.example/reports/scheduled", "New schedule", "Schedule email"),
    ("https://app.example/dashboards/118", "Schedule email", "New schedule"),
])
def test_steps_follow_the_page_the_customer_is_on(index, page, shown, hidden):
    draft = compose.reply(ticket(page), best(index, "how do I email a report every week"), index)
    assert shown in draft.text and hidden not in draft.text
    step_passages = [c.passage_id for c in draft.citations if c.passage_id != "zendesk:9#0"]
    assert len(step_passages) == 1


def test_without_a_page_an_intro_passage_brings_the_first_steps_along(index):
    intro = next(m for m in index.search("scheduled reports fixed schedule", limit=3)
                 if m.passage.position == 0)
    draft = compose.reply(ticket(), intro, index)
    assert [c.passage_id for c in draft.citations] == ["zendesk:9#0", "zendesk:9#1"]


def test_no_match_means_no_reply(index):
    assert compose.reply(ticket(), None, index) is None


def test_the_draft_note_shows_the_passages_used_and_the_claims_that_failed(index):
    match = best(index, "schedule a report")
    draft = compose.reply(ticket(), match, index)
    checked = Checked(draft.text, unsupported=("refund of $50 — no passage states it",))
    note = compose.draft_note(Triage("howto_reports", 0.7), Decision("draft", ("claims no source supports",)),
                              draft, checked)
    assert f"[{draft.citations[0].passage_id}]" in note and "refund of $50" in note


def test_retrieval_finds_the_right_sample_article_for_plain_questions():
    index, _ = index_of(MarkdownFolder(SAMPLE))
    cases = {
        "Where can I download last month's invoice as a PDF?": "Download invoices and receipts",
        "the password reset link says it expired": "Reset your password or unlock your account",
        "how many API calls per minute can we make before 429s": "API rate limits and error codes",
        "Can we get our money back if we cancel an annual plan?": "Refund policy",
    }
    for question, title in cases.items():
        [top] = index.search(question, limit=1)
        assert top.passage.title == title, question
        assert 0.35 <= top.score <= 1.0
    assert isinstance(index.search("anything", limit=1)[0], Match)
