"""Vague bug reports: which key facts a report gives, the one question, the deduplicated issue."""
import pytest

from app.core.domain import Evidence, Fact
from app.pipeline import bug_report
from app.pipeline.bug_report import ASKED_TAG, facts, find_duplicate, proposal, question, should_ask
from connectors.types import Comment, Requester, Ticket

VAGUE = "Hi, the export doesn't work anymore. Can you fix it? Thanks, Sean"
DETAILED = ("1. Open the Weekly Sales report\n2. Click Export, then CSV\n"
            "I expected a file to download; instead I get a blank page with error 500. Chrome 131 on macOS.")
ENG_412 = Fact("bugs", "ENG-412 Dashboard charts stuck on loading spinner — In Progress",
               "https://linear.app/brightline/issue/ENG-412", kind="issue", ref="ENG-412")


def ticket(*bodies, subject="Export is broken", page_url="", tags=()):
    comments = tuple(Comment(str(i), "7", "customer", True, b) for i, b in enumerate(bodies))
    return Ticket("zendesk", "55", subject, "open", Requester("7", "sean@vertex.example", "Sean Varga"),
                  comments=comments, page_url=page_url, tags=tags)


@pytest.mark.parametrize("text, missing", [
    (VAGUE, ("steps", "behaviour", "page", "environment")),
    (DETAILED, ("page",)),
    ("When I click Export on the reports page nothing happens. Firefox 128.", ()),
    ("Charts just spin on https://app.brightline.example/dashboards/2210 in Safari", ("steps",)),
])
def test_the_key_facts_a_report_gives_are_found(text, missing):
    assert facts(ticket(text), text).missing == missing


def test_facts_accumulate_over_the_customers_messages_and_the_page_field():
    found = facts(ticket(VAGUE, DETAILED, page_url="https://app.brightline.example/reports/5120"), DETAILED)
    assert found.complete and found.page == "https://app.brightline.example/reports/5120"
    assert found.environment == "Chrome"


def test_one_question_asks_for_everything_missing_and_only_once():
    t = ticket(VAGUE)
    found = facts(t, VAGUE)
    text = question(t, found)
    assert text.startswith("Hi Sean,") and text.count("?") == 1
    for aspect in found.missing:
        assert bug_report.ASK[aspect] in text
    assert should_ask("bug_report", t, found)
    assert not should_ask("bug_report", ticket(VAGUE, tags=(ASKED_TAG,)), found)
    assert not should_ask("billing", t, found)
    single = question(t, facts(ticket(DETAILED), DETAILED))
    assert "could you tell us the page or screen you were on" in single


def test_a_complete_report_files_an_issue_with_structured_fields():
    t = ticket(DETAILED, page_url="https://app.brightline.example/reports/5120")
    [p] = proposal("bug_report", t, DETAILED, facts(t, DETAILED), Evidence(), "https://z/agent/tickets/55")
    assert p.action == "bug_file" and p.level == "auto"
    assert p.params["title"] == "Export is broken (reports/5120)" and p.params["labels"] == ["Bug", "Customer reported"]
    description = p.params["description"]
    assert "**Page:** https://app.brightline.example/reports/5120" in description
    assert "**Browser / app version:** Chrome" in description and "ticket https://z/agent/tickets/55" in description
    assert "> 2. Click Export, then CSV" in description


def test_an_incomplete_report_waits_for_the_answer_unless_it_duplicates_a_known_issue():
    t = ticket(VAGUE)
    assert proposal("bug_report", t, VAGUE, facts(t, VAGUE), Evidence(), "") == []
    asked = ticket(VAGUE, "still broken", tags=(ASKED_TAG,))
    [filed] = proposal("bug_report", asked, "still broken", facts(asked, "still broken"), Evidence(), "")
    assert "**Browser / app version:** unknown" in filed.params["description"]
    spinning = ticket("Every chart just spins on the Weekly Sales dashboard", subject="Charts still not loading")
    [dup] = proposal("bug_report", spinning, "x", facts(spinning, "x"), Evidence((ENG_412,)), "")
    assert dup.params["duplicate_of"]["identifier"] == "ENG-412" and dup.summary == "add this report to ENG-412"
    assert proposal("bug_report", t, VAGUE, facts(t, VAGUE), Evidence(), "", {"bug_file": "never"}) == []


def test_a_duplicate_needs_most_of_the_title_words_in_common():
    assert find_duplicate("Dashboard charts not loading", Evidence((ENG_412,))) == (
        "ENG-412", "https://linear.app/brightline/issue/ENG-412")
    assert find_duplicate("Cannot download invoice PDF", Evidence((ENG_412,))) is None
