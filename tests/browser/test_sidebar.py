"""The ticket sidebar, loaded unchanged from manifest/assets with a scripted ZAF client, against
Deskhand's real web app after the worker handled the ticket end to end."""
from __future__ import annotations

import json
import time

import jwt
import requests

from . import harness
from .conftest import DRAFTED, ESCALATED, REFUND, SENT

UNSEEN = 2030  # in the sandbox, never played


def api_view(stack, ticket_id: int) -> dict:
    """The same ticket as Deskhand's API gives it, asked directly (a token minted here)."""
    token = jwt.encode({"sub": harness.AGENT["id"], "iss": stack.settings.zendesk_subdomain,
                        "iat": time.time(), "exp": time.time() + 60},
                       harness.APP_SECRET, algorithm="HS256")
    got = requests.get(f"{stack.deskhand_url}/api/zendesk/tickets/{ticket_id}",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert got.status_code == 200, got.text
    return got.json()


def text(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


def test_sidebar_shows_the_triage_reasons_evidence_and_draft_of_a_drafted_ticket(open_page, stack):
    zaf = open_page("sidebar.html", ticket_id=DRAFTED)
    page = zaf.page
    page.wait_for_selector("#draft-text")
    view = api_view(stack, DRAFTED)
    # what the worker wrote to the helpdesk: an internal note holding the proposed reply
    [note] = [c for c in stack.sb.comments(DRAFTED) if c["author_id"] == stack.sb.bot_user_id]
    assert note["public"] is False and view["decision"]["action"] == "draft"

    assert text(page, "#decision-action") == "Drafted a reply"
    assert text(page, "#triage-category") == "billing" == view["triage"]["category"]
    assert text(page, "#triage-confidence") == f"{round(view['triage']['confidence'] * 100)}%"
    draft = view["draft"]["text"]
    assert draft and draft in note["body"]  # the sidebar's draft is the one Deskhand posted
    assert page.locator("#draft-text").inner_text() == draft
    reasons = page.locator("#reasons li").all_inner_texts()
    assert reasons == view["decision"]["reasons"] and reasons
    cited = page.locator("#draft .citations a")
    assert cited.count() == len([c for c in view["draft"]["citations"] if c["url"]]) >= 1
    # a billing question answered from the customer's own Stripe account (policy account_facts) cites it
    assert cited.first.get_attribute("href").startswith("https://dashboard.stripe.com/customers/cus_")
    assert "Invoice " in draft and "is here: https://invoice.stripe.com/" in draft

    # The call went through the (stand-in) Zendesk proxy with a token for this user and account.
    [call] = [r for r in zaf.calls("request") if r["url"].endswith(f"/api/zendesk/tickets/{DRAFTED}")]
    assert call["secure"] is True and call["cors"] is False and call["type"] == "GET"
    assert call["jwt"]["claims"] == {"sub": harness.AGENT["id"], "iss": stack.settings.zendesk_subdomain}
    assert zaf.minted and zaf.minted[0]["sub"] == harness.AGENT["id"]
    sizes = zaf.invoked("resize")
    assert sizes and sizes[-1][0]["height"].endswith("px") and int(sizes[-1][0]["height"][:-2]) > 300


def test_an_escalated_ticket_shows_its_flags_and_the_evidence_gathered_with_links(open_page, stack):
    zaf = open_page("sidebar.html", ticket_id=ESCALATED)
    page = zaf.page
    page.wait_for_selector("#evidence")
    view = api_view(stack, ESCALATED)
    assert view["decision"]["action"] == "escalate" and "legal" in view["triage"]["flags"]
    assert text(page, "#decision-action") == "Escalated"
    assert "legal" in page.locator("#triage-flags .flag").all_inner_texts()
    assert page.locator("#reasons li").all_inner_texts() == view["decision"]["reasons"]
    items = page.locator("#evidence li.evidence")
    assert items.count() == len(view["evidence"]) >= 1
    for item, fact in zip(items.all(), view["evidence"]):
        assert fact["text"] in item.text_content()  # some sit behind "N more", closed
        if fact["link"]:
            assert item.locator("a.evidence-link").get_attribute("href") == fact["link"]
            assert item.locator("a.evidence-link").get_attribute("rel") == "noopener noreferrer"
    assert page.locator("#gaps li").count() == len(view["gaps"])
    if view["completeness"] is not None:
        assert text(page, "#completeness") == f"{round(view['completeness'] * 100)}% complete"


def test_insert_puts_the_draft_into_the_reply_editor(open_page, stack):
    zaf = open_page("sidebar.html", ticket_id=DRAFTED)
    zaf.page.wait_for_selector("#insert")
    assert zaf.invoked("ticket.editor.insert") == []
    zaf.page.click("#insert")
    zaf.page.wait_for_function("document.querySelector('#insert-status').textContent.includes('Inserted')")
    assert zaf.invoked("ticket.editor.insert") == [[api_view(stack, DRAFTED)["draft"]["text"]]]


def test_a_rating_with_a_comment_is_stored_as_feedback(open_page, stack):
    zaf = open_page("sidebar.html", ticket_id=DRAFTED)
    page = zaf.page
    page.wait_for_selector("#rating")
    before = stack.db()["feedback"].count
    page.fill("#rating-comment", "The invoice is under Billing → Invoices, not Settings.")
    page.click("button.rating[data-rating=wrong_answer]")
    page.wait_for_selector("#rating-status.ok")
    rows = list(stack.db()["feedback"].rows_where("ticket_id = ?", [str(DRAFTED)], order_by="id"))
    assert stack.db()["feedback"].count == before + 1
    row = rows[-1]
    assert row["rating"] == "wrong_answer" and row["comment"] == "The invoice is under Billing → Invoices, not Settings."
    assert str(row["user_id"]) == str(harness.AGENT["id"]) and row["category"] == "billing"
    assert f"#{row['id']}" in text(page, "#rating-status")
    assert page.locator("button.rating.chosen").get_attribute("data-rating") == "wrong_answer"


def test_wrong_category_with_the_right_one_joins_the_training_history(open_page, stack):
    zaf = open_page("sidebar.html", ticket_id=DRAFTED)
    page = zaf.page
    page.wait_for_selector("#rating-category")
    options = page.locator("#rating-category option").evaluate_all("os => os.map(o => o.value)")
    assert options[0] == "" and "plan_change" in options and "billing" in options
    page.select_option("#rating-category", "plan_change")
    page.click("button.rating[data-rating=wrong_category]")
    page.wait_for_selector("#rating-status.ok")
    assert "the next model learns it is" in text(page, "#rating-status")
    row = list(stack.db()["feedback"].rows_where("ticket_id = ?", [str(DRAFTED)], order_by="id"))[-1]
    assert (row["rating"], row["corrected_category"]) == ("wrong_category", "plan_change")
    taught = stack.db()["training_history"].get(("zendesk", str(DRAFTED)))
    assert taught["category"] == "plan_change" and taught["source"] == "feedback" and taught["text"]


def test_a_sent_ticket_shows_the_reply_and_every_rating_button(open_page, stack):
    zaf = open_page("sidebar.html", ticket_id=SENT)
    page = zaf.page
    page.wait_for_selector("#draft-text")
    assert text(page, "#decision-action") == "Replied"
    assert text(page, "#triage-category") == "login 2fa"
    assert page.locator("button.rating").all_inner_texts() == ["Good", "Wrong category", "Wrong answer",
                                                               "Should have escalated"]
    page.click("button.rating[data-rating=good]")
    page.wait_for_selector("#rating-status.ok")
    [row] = list(stack.db()["feedback"].rows_where("ticket_id = ?", [str(SENT)]))
    assert row["rating"] == "good" and row["comment"] == ""


def test_approving_the_pending_refund_runs_it_once(open_page, stack):
    zaf = open_page("sidebar.html", ticket_id=REFUND)
    page = zaf.page
    page.wait_for_selector("li.pending-action")
    [pending] = list(stack.db()["pending_actions"].rows_where("ticket_id = ? AND action = 'refund'", [str(REFUND)]))
    assert pending["status"] == "pending"
    item = page.locator(f"li.pending-action[data-action-id='{pending['id']}']")
    assert "refund" in item.inner_text() and pending["summary"] in item.inner_text()
    item.locator("button.approve").click()
    page.wait_for_selector(".message.ok")
    shown = page.locator(".message.ok").inner_text()
    done = stack.db()["pending_actions"].get(pending["id"])
    assert done["status"] == "executed" and done["result"].startswith("refund re_")
    assert shown.startswith("Approved refund") and done["result"] in shown
    assert page.locator("li.pending-action").count() == 0  # re-read: it is now among the actions taken
    assert done["result"] in page.locator("#actions").inner_text()
    refunds = [w for w in stack._vendors.apps["stripe"].config["writes"] if "refund" in json.dumps(w)]
    assert len(refunds) == 1
    [call] = [r for r in zaf.calls("request") if r["url"].endswith(f"/api/zendesk/actions/{pending['id']}/approve")]
    assert call["type"] == "POST" and call["jwt"]["claims"]["sub"] == harness.AGENT["id"]


def test_a_ticket_deskhand_has_not_seen_says_so(open_page):
    zaf = open_page("sidebar.html", ticket_id=UNSEEN)
    zaf.page.wait_for_selector(".message")
    assert text(zaf.page, ".message") == "Deskhand has not seen this ticket yet."
    assert zaf.page.locator("#draft").count() == 0


def test_a_wrong_shared_secret_shows_deskhands_refusal_plainly(browser, assets_url, stack):
    zaf = harness.open_app(browser, assets_url, "sidebar.html", deskhand_url=stack.deskhand_url,
                           secret="not-the-shared-secret-of-this-installation", user=harness.AGENT, ticket_id=DRAFTED)
    try:
        zaf.page.wait_for_selector(".message.error")
        shown = text(zaf.page, ".message.error")
        assert shown and "Deskhand answered" not in shown  # Deskhand's own words, not a bare status
        assert zaf.page.locator("#draft").count() == 0
    finally:
        zaf.page.context.close()
