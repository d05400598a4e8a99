"""`deskhand replay`: reading what the team did, comparing, the report's figures and its HTML."""
from __future__ import annotations

import json
from html.parser import HTMLParser

import numpy as np
import pytest

from app.core.domain import CategoryPolicy, Policy
from app.replay.evaluate import per_category
from app.replay.metrics import Prediction
from app.replay.report import render
from app.replay.run import ReplayRow, format_table, replay_policy, report, with_similarity
from app.replay.source import HumanTicket, Labels, ReplayError, load_file


def test_our_history_format_and_a_zendesk_export_are_read_with_what_the_team_did(tmp_path):
    jsonl = tmp_path / "h.jsonl"
    jsonl.write_text("\n".join([
        json.dumps({"id": 1, "subject": "Invoice", "body": "Where is my invoice?", "category": "billing",
                    "expect": "answer", "agent_reply": "Under Settings → Billing."}),
        json.dumps({"id": 2, "body": "I will sue you", "category": "billing", "expect": "escalate",
                    "agent_reply": "Passed to our legal team."}),
        "{not json", json.dumps({"subject": "no id or body"})]) + "\n")
    tickets, problems = load_file(str(jsonl), Labels())
    assert [(t.id, t.category, t.human, t.agent_reply) for t in tickets] == [
        ("1", "billing", "replied", "Under Settings → Billing."), ("2", "billing", "escalated", "Passed to our legal team.")]
    assert len(problems) == 2 and "h.jsonl:3: not valid JSON" in problems[0] and "missing 'id'" in problems[1]

    export = tmp_path / "export.json"
    comment = lambda i, author, body, public=True: {"id": i, "author_id": author, "body": body,  # noqa: E731
                                                    "public": public, "created_at": f"2026-01-01T10:0{i}:00Z"}
    export.write_text(json.dumps({"tickets": [
        {"id": 10, "subject": "2FA", "requester_id": 7, "tags": ["cat_login"], "status": "solved",
         "custom_fields": [{"id": 360001, "value": "login_2fa"}],
         "comments": [comment(1, 7, "Lost my phone"), comment(2, 9, "internal: check id", False),
                      comment(3, 9, "Use a recovery code.")]},
        {"id": 11, "subject": "Refund", "requester_id": 8, "tags": ["cat_refund_request", "escalated"],
         "description": "Refund me", "comments": [comment(1, 8, "Refund me"), comment(2, 9, "Passing this on.")]},
        {"id": 12, "subject": "Spam", "requester_id": 8, "description": "buy now", "tags": []}]}))
    by_field, _ = load_file(str(export), Labels(category_field="360001"))
    assert [(t.id, t.category, t.human) for t in by_field] == [("10", "login_2fa", "replied"), ("11", None, "escalated"),
                                                               ("12", None, "none")]
    assert by_field[0].body == "Lost my phone" and by_field[0].agent_reply == "Use a recovery code."
    by_tag, _ = load_file(str(export), Labels(category_tag_prefix="cat_"))
    assert [t.category for t in by_tag] == ["login", "refund_request", None]
    with pytest.raises(ReplayError, match="cannot read"):
        load_file(str(tmp_path / "missing.json"), Labels())


def row(tid, gold, predicted, conf, action, human="replied", similarity=None) -> ReplayRow:
    ticket = HumanTicket(id=str(tid), subject=f"s{tid}", body=f"b{tid}", category=gold, labelled=True, human=human,
                         agent_reply="agent" if similarity is not None else "")
    return ReplayRow(ticket, predicted, conf, action, ("why",), "reply" if action in ("send", "draft") else "",
                     similarity)


def test_the_report_counts_per_category_and_reuses_evals_thresholds():
    rows = [row(1, "billing", "billing", 0.97, "send", similarity=0.8),
            row(2, "billing", "billing", 0.92, "send", human="escalated", similarity=0.2),
            row(3, "login", "billing", 0.91, "send", similarity=0.5),
            row(4, "billing", "billing", 0.6, "draft", similarity=0.4),
            row(5, "billing", "billing", 0.3, "escalate", human="escalated"),
            row(6, "login", "login", 0.99, "send", similarity=0.9),
            row(7, None, "login", 0.4, "escalate")]
    result = report(rows, 0.95, "test")
    billing = result["per_category"]["billing"]
    assert (billing["predicted"], billing["sent"], billing["drafted"], billing["escalated"]) == (5, 3, 1, 1)
    assert billing["coverage"] == 0.6 and billing["precision"] == 0.8
    assert billing["send_precision"] == round(1 / 3, 4)  # #2 was escalated by people, #3 is not billing
    assert (billing["humans_escalated"], billing["escalated_too"]) == (2, 1)
    assert billing["similarity"] == round((0.8 + 0.2 + 0.5 + 0.4) / 4, 4)
    expected = per_category([Prediction(r.ticket.category, r.predicted, r.confidence) for r in rows], 0.95)
    for key in ("proposed_send_at", "proposed_draft_at", "recall", "volume"):
        assert billing[key] == expected["billing"][key]
    assert result["actions"] == {"draft": 1, "escalate": 2, "send": 4} and result["coverage"] == round(4 / 7, 4)
    assert result["escalation_recall"] == 0.5 and result["escalation_precision"] == 0.5
    assert result["similarity"]["histogram"] == [0, 0, 1, 0, 1, 1, 0, 0, 1, 1]
    # every sent reply when there are few; a random sample (the same each run) of 25 when there are more
    assert [e["id"] for e in result["examples"]] == ["1", "2", "3", "6"] and result["sent_n"] == 4
    many = report([row(i, "billing", "billing", 0.97, "send", similarity=i / 100) for i in range(60)], 0.95)
    picked = [int(e["id"]) for e in many["examples"]]
    assert len(picked) == 25 and picked != list(range(35, 60)) and picked == [
        int(e["id"]) for e in report([row(i, "billing", "billing", 0.97, "send", similarity=i / 100)
                                      for i in range(60)], 0.95)["examples"]]
    table = format_table(result)
    assert table.splitlines()[2].startswith("billing") and "sent 4, drafted 1, escalated 2" in table


def test_similarity_is_the_cosine_of_the_two_replies_embeddings():
    vectors = {"reply": np.array([1.0, 0.0]), "agent": np.array([0.6, 0.8])}
    rows = with_similarity([row(1, "a", "a", 0.9, "send", similarity=0.0), row(2, "a", "a", 0.9, "escalate")],
                           encode=lambda texts: np.array([vectors[t] for t in texts]))
    assert rows[0].similarity == 0.6 and rows[1].similarity is None


def test_replay_policy_shows_shadow_as_its_draft_decision_and_auto_turns_everything_on_but_off():
    policy = Policy(CategoryPolicy(mode="shadow", send_at=0.9), (("billing", CategoryPolicy(mode="off")),
                                                                 ("login", CategoryPolicy(mode="draft", send_at=0.8))))
    assert replay_policy(policy).default.mode == "draft"
    auto = replay_policy(policy, auto=True)
    assert auto.default.mode == "auto" and dict(auto.categories)["billing"].mode == "off"
    assert dict(auto.categories)["login"] == CategoryPolicy(mode="auto", send_at=0.8)


def test_the_html_report_is_self_contained_and_escapes_every_ticket_text():
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    rows = [row(1, "billing", "billing", 0.97, "send", similarity=0.7)]
    rows[0] = ReplayRow(HumanTicket("1", evil, evil, "billing", True, "replied", agent_reply=evil), "billing",
                        0.97, "send", ("x",), reply=evil, similarity=0.7)
    html = render(report(rows, 0.95, evil))
    tags = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))
    Tags().feed(html)
    names = {t for t, _ in tags}
    assert not names & {"script", "img", "link", "iframe", "object", "a"}, names
    assert not [a for _, a in tags if {"src", "href"} & set(a)]  # nothing fetched, nothing linked
    assert "&lt;script&gt;" in html and "@import" not in html and "url(" not in html
    assert sum(t == "svg" for t in names) == 1 and html.count("<svg") == 3 and html.startswith("<!doctype html>")
