"""The admin page (nav_bar), loaded unchanged with a scripted ZAF client, against Deskhand's real
web app: a threshold change is previewed, applied, kept, and decides the category's next ticket."""
from __future__ import annotations

import time

import jwt
import requests

from app.policy import store as policy_store

from . import harness
from .conftest import NEXT_LOGIN, SENT

CATEGORY = "login_2fa"  # auto, send_at 0.85 in the sample company's policy
NEW_SEND_AT = 1.0  # the next login ticket is triaged at 0.99: never sent on its own any more


def row(page, category: str):
    return page.locator(f"#policy-table tr[data-category={category}]")


def test_a_threshold_change_is_previewed_applied_kept_and_decides_the_next_ticket(open_page, stack):
    # Before: the category's ticket was answered on its own.
    assert [c for c in stack.sb.comments(SENT) if c["author_id"] == stack.sb.bot_user_id and c["public"]]
    before = policy_store.load(stack.db()).for_category(CATEGORY)
    assert (before.mode, before.send_at) == ("auto", 0.85)

    zaf = open_page("admin.html", user=harness.ADMIN)
    page = zaf.page
    page.wait_for_selector(f"#policy-table tr[data-category={CATEGORY}]")
    line = row(page, CATEGORY)
    assert line.locator("select.mode").input_value() == "auto"
    assert float(line.locator("input.send-at").input_value()) == 0.85
    assert line.locator("td.num").first.inner_text() == "1"  # volume: the one login ticket decided so far

    line.locator("input.send-at").fill(str(NEW_SEND_AT))
    assert "edited" in line.get_attribute("class")
    line.locator("button.preview").click()
    page.wait_for_selector("#apply")
    confirm = page.locator("#confirm")
    assert "send_at 0.85 → 1.00" in confirm.locator("h3").inner_text()
    counts = {r.get_attribute("data-when"): [c.split(" ")[0] for c in r.locator("td").all_inner_texts()]
              for r in confirm.locator("#preview-counts tbody tr").all()}
    assert counts == {"before": ["1", "0", "0", "0", "0"], "after": ["0", "1", "0", "0", "0"]}  # send, draft, escalate, solve, skip
    changed = confirm.locator("#preview-changed li").all_inner_texts()
    assert len(changed) == 1 and changed[0].startswith(f"#{SENT} send → draft")
    # Nothing is kept until Apply.
    assert policy_store.load(stack.db()).for_category(CATEGORY).send_at == 0.85

    page.click("#apply")
    page.wait_for_selector("#notice .message.ok")
    assert f"Saved {CATEGORY}" in page.locator("#notice").inner_text()
    assert policy_store.load(stack.db()).for_category(CATEGORY).send_at == NEW_SEND_AT  # persisted
    page.wait_for_function(
        f"Number(document.querySelector('#policy-table tr[data-category={CATEGORY}] input.send-at').value) === {NEW_SEND_AT}")
    [put] = [r for r in zaf.calls("request") if r["type"] == "PUT"]
    assert put["url"].endswith(f"/api/zendesk/admin/policy/{CATEGORY}")
    assert put["jwt"]["claims"]["sub"] == harness.ADMIN["id"]

    # The next ticket of the category is decided with the new threshold: a draft, not a reply.
    stack.play([NEXT_LOGIN])
    mine = [c for c in stack.sb.comments(NEXT_LOGIN) if c["author_id"] == stack.sb.bot_user_id]
    assert mine and not [c for c in mine if c["public"]], mine
    decision = next(stack.db()["audit"].rows_where("ticket_id = ? AND step = 'decide'", [str(NEXT_LOGIN)],
                                                   order_by="id DESC", limit=1))
    assert '"action": "draft"' in decision["detail"] and "below send_at 1" in decision["detail"]

    # …and the decision log on the page shows it after a reload, linked to the ticket.
    page.reload()
    page.wait_for_selector(f"#decision-log tr[data-ticket='{NEXT_LOGIN}']")
    logged = page.locator(f"#decision-log tr[data-ticket='{NEXT_LOGIN}']")
    assert "draft" in logged.inner_text() and "login 2fa" in logged.inner_text()
    assert logged.locator("a.ticket-link").get_attribute("href").endswith(f"/agent/tickets/{NEXT_LOGIN}")


def test_an_invalid_threshold_is_refused_before_anything_is_sent(open_page):
    zaf = open_page("admin.html", user=harness.ADMIN)
    page = zaf.page
    page.wait_for_selector("#policy-table tr[data-category=billing]")
    sent = len(zaf.calls("request"))
    row(page, "billing").locator("input.draft-at").fill("1.5")
    row(page, "billing").locator("button.preview").click()
    page.wait_for_selector("#notice .message.error")
    assert "draft_at must be a number from 0 to 1" in page.locator("#notice").inner_text()
    assert len(zaf.calls("request")) == sent


def test_deskhands_refusal_of_a_change_is_shown(open_page, stack):
    zaf = open_page("admin.html", user=harness.ADMIN)
    page = zaf.page
    page.wait_for_selector("#policy-table tr[data-category=billing]")
    line = row(page, "billing")
    line.locator("input.send-at").fill("0.3")  # below draft_at 0.5
    line.locator("button.preview").click()
    page.wait_for_selector("#confirm .message.error, #apply")
    shown = page.locator("#confirm").inner_text()
    if page.locator("#apply").count():  # Deskhand previews it; then it must refuse to keep it
        page.click("#apply")
        page.wait_for_selector("#notice .message.error")
        shown = page.locator("#notice").inner_text()
    assert "send_at" in shown or "draft_at" in shown
    assert policy_store.load(stack.db()).for_category("billing").send_at == 0.9


def test_connectors_and_the_decision_log_are_shown(open_page, stack):
    zaf = open_page("admin.html", user=harness.ADMIN)
    page = zaf.page
    page.wait_for_selector("#connectors")
    page.wait_for_selector("#decision-log")
    status = requests_status(stack)
    rows = page.locator("#connectors tbody tr")
    assert rows.count() == len(status["connectors"]) >= 5
    for connector in status["connectors"]:
        shown = page.locator(f"#connectors tr[data-connector='{connector['name']}']").inner_text()
        assert ("not connected" in shown) is (not connector["connected"]) and connector["detail"] in shown
    assert "signed in as deskhand-bot" in page.locator("#connectors tr[data-connector=helpdesk]").inner_text()
    assert "0 dead letter" in page.locator("#queue").inner_text()
    logged = page.locator("#decision-log tbody tr")
    decided = stack.db()["audit"].count_where("step = 'decide'")
    assert logged.count() == min(decided, 50) >= 7
    escalated = page.locator("#decision-log tr[data-ticket='2021']")
    assert "escalate" in escalated.inner_text() and "legal" in escalated.inner_text()


def requests_status(stack) -> dict:
    token = jwt.encode({"sub": harness.ADMIN["id"], "iss": stack.settings.zendesk_subdomain, "iat": time.time(),
                        "exp": time.time() + 60}, harness.APP_SECRET, algorithm="HS256")
    got = requests.get(f"{stack.deskhand_url}/api/zendesk/admin/status", headers={"Authorization": f"Bearer {token}"},
                       timeout=10)
    assert got.status_code == 200, got.text
    return got.json()


def test_an_agent_is_told_the_admin_page_is_for_admins(open_page):
    zaf = open_page("admin.html", user=harness.AGENT)
    zaf.page.wait_for_selector("#policy .message.error")
    assert "Only Zendesk admins" in zaf.page.locator("#policy").inner_text()
    assert zaf.page.locator("#policy-table").count() == 0


REPORTS = 2004  # howto_reports (auto): answered on its own; played here only


def test_the_performance_section_shows_figures_with_sample_sizes_and_charts(open_page, stack):
    from sandbox.team import Team
    stack.play([REPORTS])
    assert [c for c in stack.sb.comments(REPORTS) if c["author_id"] == stack.sb.bot_user_id and c["public"]]
    Team(stack.sb).solve(REPORTS)
    Team(stack.sb).rate(REPORTS, happy=True)
    stack.drain()
    zaf = open_page("admin.html", user=harness.ADMIN)
    page = zaf.page
    page.wait_for_selector("#per-category tr[data-name=howto_reports]")
    line = page.locator("#per-category tr[data-name=howto_reports]")
    assert line.locator("td[data-key=resolution_so_far]").inner_text() == "100% n=1"
    assert line.locator("td[data-key=csat_bot]").inner_text() == "100% n=1"
    assert line.locator("td[data-key=resolution]").inner_text() == "– n=0"  # inside the 7-day window
    assert "so far" in page.locator("#headline").inner_text()
    chart = page.locator("figure[data-chart=resolution_by_category] svg")
    assert chart.count() == 1 and "howto_reports" in chart.inner_html() and "n=1" in chart.inner_html()
    assert page.locator("figure[data-chart=csat] svg").count() == 1
    assert "Settled replies so far" in page.locator("#ladder").inner_text()
    assert page.locator("#per-week tbody tr").count() >= 1


def test_how_a_category_replies_is_edited_and_a_refusal_is_shown(open_page, stack):
    zaf = open_page("admin.html", user=harness.ADMIN)
    page = zaf.page
    page.wait_for_selector("#policy-table tr[data-category=billing]")
    row(page, "billing").locator("button.replies").click()
    page.wait_for_selector("#replies")
    form = page.locator("#replies")
    assert form.locator("input[name=account_facts]").is_checked()  # the sample policy's billing entry
    assert not form.locator("input[name=holding_reply]").is_checked()
    sent = len(zaf.calls("request"))
    form.locator("input[name=holding_reply_hours]").fill("2.5")
    page.click("#save-replies")
    page.wait_for_selector("#notice .message.error")
    assert "hours must be a whole number" in page.locator("#notice").inner_text()
    assert len(zaf.calls("request")) == sent  # refused before anything is sent

    form.locator("input[name=holding_reply]").check()
    form.locator("input[name=holding_reply_hours]").fill("")
    form.locator("input[name=holding_reply_text]").fill("We will refund you today.")
    page.click("#save-replies")
    page.wait_for_selector("#notice .message.error:has-text('Not saved')")
    assert "says what the policy does not" in page.locator("#notice").inner_text()  # Deskhand's own reason
    assert not policy_store.load(stack.db()).for_category("billing").holding_reply

    form.locator("input[name=holding_reply_text]").fill("")
    form.locator("input[name=holding_reply_hours]").fill("4")
    page.click("#save-replies")
    page.wait_for_selector("#notice .message.ok")
    assert "holding reply on (4 h)" in page.locator("#notice").inner_text()
    entry = policy_store.load(stack.db()).for_category("billing")
    assert (entry.holding_reply, entry.holding_reply_hours, entry.account_facts) == (True, 4, True)
