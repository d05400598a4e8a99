"""The sidebar's endpoints on tickets the worker really handled: the view, approving an action,
rating the draft (issue 6). Sandbox helpdesk, web app and worker over real HTTP."""
from __future__ import annotations

import json

from app.store import views as app_data

from .conftest import ADMIN, AGENT

DRAFT, ESCALATE, DISPUTE = 2002, 2021, 2023  # invoice question; legal threat; double charge


def view(loop, ticket_id) -> dict:
    got = loop.call("GET", f"/api/zendesk/tickets/{ticket_id}")
    assert got.status_code == 200, got.text
    return got.json()


def test_a_drafted_ticket_shows_triage_reasons_and_the_reply_the_note_proposed(app_loop):
    app_loop.process(DRAFT)
    data = view(app_loop, DRAFT)
    assert data["ticket_id"] == str(DRAFT) and data["ticket_url"].endswith(f"/agent/tickets/{DRAFT}")
    triage = data["triage"]
    assert triage["category"] == "billing" and 0.5 < triage["confidence"] <= 1
    assert {"sentiment", "frustration", "flags", "alternatives", "language"} <= set(triage)
    assert triage["alternatives"] and {"category", "confidence"} == set(triage["alternatives"][0])
    decision = data["decision"]
    assert decision["action"] == "draft" and decision["mode"] == "draft" and decision["reasons"]
    [note] = app_loop.bot_comments(DRAFT)
    proposed = note["body"].split(app_data.REPLY_START)[1].split(app_data.REPLY_END)[0].strip()
    assert data["draft"]["text"] == proposed and "invoice" in proposed.lower()
    [cite, *_] = data["draft"]["citations"]
    assert "/hc/en-us/articles/" in cite["url"] and cite["title"] and cite["passage_id"]
    assert data["draft"]["sendable"] is True
    assert data["evidence"] == [] and data["gaps"] == [] and data["pending_actions"] == []
    assert data["completeness"] is None  # only escalations have a case file


def test_an_escalation_shows_the_evidence_gathered_with_links_and_its_completeness(app_loop):
    app_loop.process(ESCALATE)
    data = view(app_loop, ESCALATE)
    assert data["decision"]["action"] == "escalate" and "legal" in data["triage"]["flags"]
    assert data["draft"] is None  # a person was meant to write this reply: nothing to insert
    assert data["evidence"], "the requester's history is gathered from the helpdesk"
    assert all(e["source"] == "helpdesk" and "/agent/tickets/" in e["link"] for e in data["evidence"])
    [case] = list(app_loop.db()["case_files"].rows_where("ticket_id = ?", [str(ESCALATE)]))
    assert data["completeness"] == case["completeness"]


def test_a_ticket_deskhand_never_saw_is_404_and_a_bad_id_400(app_loop):
    missing = app_loop.call("GET", "/api/zendesk/tickets/424242")
    assert missing.status_code == 404 and "no record of ticket 424242" in missing.json()["error"]
    bad = app_loop.call("GET", "/api/zendesk/tickets/abc")
    assert bad.status_code == 400 and "ticket id must be a number" in bad.json()["error"]


def test_feedback_is_stored_with_the_decision_it_rates(app_loop):
    app_loop.process(DRAFT)
    got = app_loop.call("POST", "/api/zendesk/feedback",
                        json={"ticket_id": str(DRAFT), "rating": "wrong_answer", "comment": " asks for VAT too "})
    assert got.status_code == 201, got.text
    row = app_loop.db()["feedback"].get(got.json()["id"])
    assert (row["platform"], row["ticket_id"], row["user_id"], row["rating"], row["comment"]) == \
        ("zendesk", str(DRAFT), str(AGENT), "wrong_answer", "asks for VAT too")
    decision = app_data.newest_decision(app_loop.db(), "zendesk", str(DRAFT))["detail"]
    assert (row["category"], row["confidence"], row["action"]) == ("billing", decision["confidence"], "draft")
    again = app_loop.call("POST", "/api/zendesk/feedback", json={"ticket_id": DRAFT, "rating": "good"})
    assert again.status_code == 201  # a number is a ticket id too; every click is kept
    assert [f["rating"] for f in view(app_loop, DRAFT)["feedback"]] == ["wrong_answer", "good"]


def test_bad_feedback_gets_400_with_the_reason_and_nothing_is_stored(app_loop):
    app_loop.process(DRAFT)
    cases = [
        ({"ticket_id": str(DRAFT), "rating": "meh"}, "rating must be one of good, wrong_category"),
        ({"ticket_id": str(DRAFT)}, "rating must be one of"),
        ({"rating": "good"}, "ticket_id must be a ticket number"),
        ({"ticket_id": "12; drop", "rating": "good"}, "ticket_id must be a ticket number"),
        ({"ticket_id": str(DRAFT), "rating": "good", "comment": "x" * 2001}, "at most 2000"),
        ({"ticket_id": str(DRAFT), "rating": "good", "comment": 5}, "comment must be text"),
        ({"ticket_id": str(DRAFT), "rating": "good", "stars": 5}, "unknown field"),
        ([1, 2], "must be a JSON object"),
    ]
    for body, message in cases:
        got = app_loop.call("POST", "/api/zendesk/feedback", json=body)
        assert got.status_code == 400 and message in got.json()["error"], (body, got.text)
    not_json = app_loop.call("POST", "/api/zendesk/feedback", data="rating=good",
                             headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]
    unknown = app_loop.call("POST", "/api/zendesk/feedback", json={"ticket_id": "999999", "rating": "good"})
    assert unknown.status_code == 404
    assert app_loop.db()["feedback"].count == 0


def test_approving_a_refund_twice_refunds_once(vendor_loop):
    vendor_loop.process(DISPUTE)
    [pending] = view(vendor_loop, DISPUTE)["pending_actions"]
    assert pending["action"] == "refund" and pending["status"] == "pending" and pending["level"] == "approval"
    first = vendor_loop.call("POST", f"/api/zendesk/actions/{pending['id']}/approve", json={})
    assert first.status_code == 200 and first.json()["result"].startswith("refund re_")
    second = vendor_loop.call("POST", f"/api/zendesk/actions/{pending['id']}/approve", json={})
    assert second.status_code == 409 and "already executed" in second.json()["error"]
    refunds = [w for w in vendor_loop.vendors.apps["stripe"].config["writes"] if "refund" in json.dumps(w)]
    assert len(refunds) == 1
    data = view(vendor_loop, DISPUTE)
    assert not any(a["action"] == "refund" for a in data["pending_actions"])
    [taken] = [a for a in data["actions_taken"] if a["action"] == "refund"]
    assert taken["status"] == "executed" and taken["by"] == f"zendesk:{AGENT}"
    assert vendor_loop.call("POST", "/api/zendesk/actions/999999/approve").status_code == 404
    assert vendor_loop.call("POST", "/api/zendesk/actions/abc/approve").status_code == 400


def test_in_shadow_mode_the_reply_deskhand_would_have_written_is_shown_to_rate(app_loop):
    assert app_loop.call("PUT", "/api/zendesk/admin/policy/billing", user=ADMIN, json={"mode": "shadow"}).ok
    app_loop.process(DRAFT)
    data = view(app_loop, DRAFT)
    assert data["decision"]["action"] == "skip" and "would have chosen draft" in data["decision"]["reasons"][0]
    assert "invoice" in data["draft"]["text"].lower() and app_loop.bot_comments(DRAFT) == []


def test_wrong_category_may_name_the_right_one_which_joins_the_training_history(app_loop):
    app_loop.process(DRAFT)
    for body, message in [({"rating": "wrong_category", "category": "invoices_typo"}, "unknown category 'invoices_typo'"),
                          ({"rating": "good", "category": "plan_change"}, "with the rating wrong_category only"),
                          ({"rating": "wrong_category", "category": 3}, "must be a category name")]:
        got = app_loop.call("POST", "/api/zendesk/feedback", json={"ticket_id": str(DRAFT), **body})
        assert got.status_code == 400 and message in got.json()["error"], (body, got.text)
    assert app_loop.db()["feedback"].count == 0 and app_loop.db()["training_history"].count == 0
    got = app_loop.call("POST", "/api/zendesk/feedback",
                        json={"ticket_id": str(DRAFT), "rating": "wrong_category", "category": "plan_change"})
    assert got.status_code == 201 and got.json()["learned"] is True
    assert app_loop.db()["feedback"].get(got.json()["id"])["corrected_category"] == "plan_change"
    [taught] = app_loop.db()["training_history"].rows
    assert (taught["platform"], taught["ticket_id"], taught["category"], taught["source"]) == \
        ("zendesk", str(DRAFT), "plan_change", "feedback")
    assert "invoice" in taught["text"].lower()  # the message Deskhand classified
