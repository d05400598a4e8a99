"""Knowledge gaps: two topics the knowledge base has no article for stand out, by size, named by their
words; a covered topic (answered, or escalated for another reason) does not appear."""
from __future__ import annotations

import json
import time

from click.testing import CliRunner

from app.cli.main import main
from app.learning import gaps
from app.store import audit
from app.store.db import connect, migrate

NOW = time.time()
MOBILE = ["Is there an iPhone app for the dashboards?", "Do you have a mobile app for Android phones?",
          "Can I view my reports in an app on my iPad?", "¿Hay una aplicación móvil para iPhone?",
          "Our sales team wants the mobile app on their phones, where do we download it?"]
DOMAIN = ["Can we serve shared dashboards from our own custom domain like stats.acme.com?",
          "How do I set up a white-label domain with our company logo for clients?",
          "We want the client portal on our own domain instead of yours, is a CNAME supported?",
          "Is it possible to white-label the dashboard domain for our customers?"]
INVOICES = ["Where can I download last month's invoice?", "I need a PDF copy of invoice 1042",
            "Please send me the receipt for my March invoice"]


def plant(db, job: int, ticket: str, message: str, category: str, action: str, reason: str) -> None:
    audit.record(db, "triage", platform="zendesk", ticket_id=ticket, job_id=job, category=category, message=message)
    audit.record(db, "decide", platform="zendesk", ticket_id=ticket, job_id=job, action=action, category=category,
                 reasons=[reason])


def planted(tmp_path):
    db = connect(str(tmp_path / "data" / "deskhand.db"))
    migrate(db)
    job = iter(range(1, 100))
    for i, text in enumerate(MOBILE):
        plant(db, next(job), f"1{i}", text, "howto_dashboards", "escalate", gaps.NO_PASSAGE)
    for i, text in enumerate(DOMAIN):
        plant(db, next(job), f"2{i}", text, "howto_dashboards", "escalate", gaps.NO_PASSAGE)
    for i, text in enumerate(INVOICES):  # the knowledge base answers these
        plant(db, next(job), f"3{i}", text, "billing", "draft", "0.91; category is in draft mode")
    plant(db, next(job), "39", "Invoice wrong, I am calling my lawyer", "billing", "escalate",
          "sensitive: legal")
    plant(db, next(job), "40", "Do you have an office in Berlin I could visit?", "", "escalate", gaps.NO_PASSAGE)
    return db


def test_two_uncovered_topics_stand_out_and_the_covered_one_does_not(tmp_path):
    db = planted(tmp_path)
    found = gaps.report(db, NOW - 30 * 86400)
    assert found["tickets"] == 5 + 4 + 1
    first, second, *rest = found["topics"]
    assert (first["count"], second["count"]) == (5, 4) and [t["count"] for t in rest] == [1]
    assert {"app", "mobile"} & set(first["words"]) and "domain" in second["words"]
    assert {e["ticket_id"] for e in first["examples"]} <= {f"1{i}" for i in range(5)}
    assert len(first["examples"]) == gaps.EXAMPLES and first["categories"] == {"howto_dashboards": 5}
    listed = {e["ticket_id"] for topic in found["topics"] for e in topic["examples"]}
    assert not listed & {"30", "31", "32", "39"}  # answered, or escalated for another reason
    assert gaps.report(db, time.time() + 1)["topics"] == []  # nothing since then


def test_deskhand_gaps_prints_topics_and_json_and_refuses_a_bad_duration(tmp_path):
    planted(tmp_path)
    env = {"DESKHAND_DATA_DIR": str(tmp_path / "data")}
    printed = CliRunner().invoke(main, ["gaps", "--since", "7d"], env=env)
    assert printed.exit_code == 0, printed.output
    assert "10 tickets in the last 7d had no article" in printed.output and "in 3 topics" in printed.output
    assert "#40: Do you have an office in Berlin" in printed.output
    as_json = CliRunner().invoke(main, ["gaps", "--json"], env=env)
    assert json.loads(as_json.output)["topics"][0]["count"] == 5
    bad = CliRunner().invoke(main, ["gaps", "--since", "soon"], env=env)
    assert bad.exit_code == 2 and "not a duration" in bad.output


def outcome(db, ticket: str, kind: str, value: float | None, at: float = NOW) -> None:
    db["outcomes"].insert({"at": at, "platform": "zendesk", "ticket_id": ticket, "key": f"{kind}:{ticket}",
                           "decision_id": 0, "category": "billing", "action": "draft", "kind": kind, "value": value,
                           "detail": "{}"})


def test_drafts_agents_rewrote_or_set_aside_are_gaps_and_light_edits_are_not(tmp_path):
    db = connect(str(tmp_path / "deskhand.db"))
    migrate(db)
    drafts = {"50": ("Can I pay by bank transfer instead of card?", "draft_edited", 0.8),
              "51": ("Do you accept wire transfers for the annual plan?", "draft_discarded", 0.9),
              "52": ("Where is my invoice for May?", "draft_edited", 0.2),  # the agent only adjusted it
              "53": ("Do you take SEPA transfers?", "draft_sent_as_is", 0.0)}
    for job, (ticket, (message, kind, value)) in enumerate(drafts.items(), start=1):
        plant(db, job, ticket, message, "billing", "draft", "0.91; category is in draft mode")
        outcome(db, ticket, kind, value)
    found = gaps.report(db, NOW - 86400)
    listed = {e["ticket_id"]: e for topic in found["topics"] for e in topic["examples"]}
    assert found["tickets"] == 2 and set(listed) == {"50", "51"}
    assert {e["why"] for e in listed.values()} == {gaps.REWRITTEN}
