"""The nav_bar's admin endpoints: the policy table, a change's preview, applying it (which the very
next ticket of that category obeys), connector status and the decision log."""
from __future__ import annotations

from app.policy import store as policy_store

from .conftest import ADMIN

INVOICE, VAT = 2002, 2012  # two billing questions the Help Center answers; billing is in draft mode
CHANGE = {"mode": "auto", "send_at": 0.3, "draft_at": 0.2}


def admin(loop, method, path, **kwargs):
    return loop.call(method, f"/api/zendesk/admin{path}", user=ADMIN, **kwargs)


def test_a_threshold_change_persists_and_the_next_ticket_of_that_category_obeys_it(app_loop):
    app_loop.process(INVOICE)
    assert not app_loop.public_bot_replies(INVOICE)  # drafted under the seeded policy
    got = admin(app_loop, "PUT", "/policy/billing", json=CHANGE)
    assert got.status_code == 200, got.text
    assert got.json() == {"category": "billing", "escalate_to": "Billing & Accounts", **CHANGE, "account_facts": True,
                          "solve_on_confirmation": False, "holding_reply": False, "holding_reply_text": "",
                          "holding_reply_hours": 0}
    assert policy_store.load(app_loop.db()).for_category("billing").send_at == 0.3  # stored, not cached
    [row] = [r for r in admin(app_loop, "GET", "/policy").json()["categories"] if r["category"] == "billing"]
    assert (row["mode"], row["send_at"], row["draft_at"], row["volume"]) == ("auto", 0.3, 0.2, 1)
    app_loop.process(VAT)
    [reply] = app_loop.public_bot_replies(VAT)
    assert "VAT" in reply["body"] and "automated assistant" in reply["body"]
    decision = app_loop.call("GET", f"/api/zendesk/tickets/{VAT}").json()["decision"]
    assert decision["action"] == "send" and decision["mode"] == "auto" and decision["send_at"] == 0.3
    [change] = [r for r in app_loop.db()["audit"].rows_where("step = 'policy'")]
    assert f"zendesk:{ADMIN}" in change["detail"]  # who changed it is on record


def test_how_a_category_replies_is_set_from_the_app(api):
    change = {"solve_on_confirmation": True, "holding_reply": True, "holding_reply_hours": 8,
              "holding_reply_text": "Thanks! Someone from our billing team will reply here."}
    got = admin(api, "PUT", "/policy/refund_request", json=change)
    assert got.status_code == 200, got.text
    assert {k: got.json()[k] for k in change} == change
    [row] = [r for r in admin(api, "GET", "/policy").json()["categories"] if r["category"] == "refund_request"]
    assert {k: row[k] for k in change} == change and row["account_facts"] is True  # the file's, kept


def test_a_preview_replays_the_categorys_recent_decisions_under_the_change(app_loop):
    app_loop.process(INVOICE, VAT)
    got = admin(app_loop, "POST", "/policy/preview", json={"category": "billing", **CHANGE})
    assert got.status_code == 200, got.text
    preview = got.json()
    assert preview["n"] == 2
    assert preview["before"] == {"send": 0, "draft": 2, "escalate": 0, "solve": 0, "skip": 0}
    assert preview["after"] == {"send": 2, "draft": 0, "escalate": 0, "solve": 0, "skip": 0}
    assert sorted(c["ticket_id"] for c in preview["changed"]) == [str(INVOICE), str(VAT)]
    assert all(c["before"] == "draft" and c["after"] == "send" and c["confidence"] > 0.3 for c in preview["changed"])
    one = admin(app_loop, "POST", "/policy/preview", json={"category": "billing", "mode": "off", "n": 1}).json()
    assert one["n"] == 1 and one["after"]["skip"] == 1 and one["changed"][0]["ticket_id"] == str(VAT)  # newest
    strict = admin(app_loop, "POST", "/policy/preview",
                   json={"category": "billing", "send_at": 0.999, "draft_at": 0.999}).json()
    assert strict["after"]["escalate"] == 2  # both below the new draft_at
    nothing = admin(app_loop, "POST", "/policy/preview", json={"category": "cancellation", "mode": "auto"}).json()
    assert nothing["n"] == 0 and nothing["changed"] == []
    assert policy_store.load(app_loop.db()).for_category("billing").mode == "draft"  # a preview changes nothing


def test_bad_policy_input_gets_400_with_the_reason(api):
    cases = [
        ("PUT", "/policy/billing", {"mode": "yolo"}, "mode must be one of off, shadow, draft, auto"),
        ("PUT", "/policy/billing", {"send_at": 1.5}, "send_at must be a number from 0 to 1"),
        ("PUT", "/policy/billing", {"send_at": 0.4}, "draft_at (0.5) must not be above send_at (0.4)"),
        ("PUT", "/policy/billing", {"gather": ["crm"]}, "unknown field"),
        ("PUT", "/policy/billing", {"holding_reply": "yes"}, "holding_reply must be true or false"),
        ("PUT", "/policy/billing", {"holding_reply_hours": 1.5}, "holding_reply_hours must be a whole number"),
        ("PUT", "/policy/billing", {"holding_reply_text": "We will call you tomorrow."}, "says what the policy does not"),
        ("PUT", "/policy/billing", {"account_facts": "on"}, "account_facts must be true or false"),
        ("PUT", "/policy/Bad%20Name", {"mode": "auto"}, "is not a category name"),
        ("PUT", "/policy/billing", [1], "must be a JSON object"),
        ("POST", "/policy/preview", {"mode": "auto"}, "category is required"),
        ("POST", "/policy/preview", {"category": "billing", "n": 0}, "n must be a whole number from 1 to 500"),
        ("POST", "/policy/preview", {"category": "billing", "n": 501}, "n must be a whole number from 1 to 500"),
        ("POST", "/policy/preview", {"category": "billing", "send_at": "high"}, "send_at must be a number"),
    ]
    for method, path, body, message in cases:
        got = admin(api, method, path, json=body)
        assert got.status_code == 400 and message in got.json()["error"], (path, body, got.text)
    no_body = admin(api, "PUT", "/policy/billing")
    assert no_body.status_code == 400 and "body must be JSON" in no_body.json()["error"]


def test_a_category_the_model_does_not_have_is_refused_with_the_closest_name(app_loop):
    for method, path, body in (("PUT", "/policy/bilingg", {"mode": "auto"}),
                               ("POST", "/policy/preview", {"category": "bilingg", "mode": "auto"})):
        got = admin(app_loop, method, path, json=body)
        assert got.status_code == 400 and "did you mean 'billing'?" in got.json()["error"], got.text
    assert "bilingg" not in dict(policy_store.load(app_loop.db()).categories)


def test_status_names_every_connector_the_queue_and_the_model(app_loop):
    status = admin(app_loop, "GET", "/status").json()
    by_name = {c["name"]: c for c in status["connectors"]}
    assert by_name["helpdesk"]["connected"] is True and "signed in as" in by_name["helpdesk"]["detail"]
    for name in ("billing", "crm", "bugs", "chat"):
        assert by_name[name]["connected"] is False and "not connected: set" in by_name[name]["detail"]
    assert by_name["knowledge:zendesk"]["connected"] is True and "articles" in by_name["knowledge:zendesk"]["detail"]
    assert status["queue"] == {"pending": 0, "dead_letters": 0}
    assert status["model"]


def test_the_decision_log_lists_the_newest_first_with_links(app_loop):
    app_loop.process(INVOICE, VAT)
    rows = admin(app_loop, "GET", "/decisions").json()
    assert [r["ticket_id"] for r in rows] == [str(VAT), str(INVOICE)]
    assert rows[0]["ticket_url"].endswith(f"/agent/tickets/{VAT}") and rows[0]["reasons"]
    assert {"at", "category", "confidence", "action"} <= set(rows[0])
    assert len(admin(app_loop, "GET", "/decisions?limit=1").json()) == 1
    for bad in ("0", "501", "ten"):
        got = admin(app_loop, "GET", f"/decisions?limit={bad}")
        assert got.status_code == 400 and "limit must be" in got.json()["error"]
