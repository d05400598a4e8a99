"""The performance page over real HTTP, in /admin and as the Zendesk nav_bar app's JSON: figures
from real outcomes (the team solves, rates, sends a draft in the sandbox), every rate with its
sample size, server-rendered SVG charts, and the autonomy ladder's one-click promotion."""
from __future__ import annotations

import html
import re

from app.outcomes import derive, store
from app.policy import store as policy_store
from app.store import audit
from app.store.views import between_markers
from sandbox.team import Team

from .conftest import ADMIN, AGENT
from .test_admin_page import csrf_of, signed_in

SEND, INVOICE = 2003, 2002


def follow_up(loop) -> None:
    """Deskhand answers one ticket and drafts another; the team solves the first (the customer rates
    it good) and sends the draft as is."""
    loop.process(SEND, INVOICE)
    team = Team(loop.sb)
    team.solve(SEND)
    team.rate(SEND, happy=True)
    [note] = [c for c in loop.bot_comments(INVOICE) if not c["public"]]
    team.reply(INVOICE, between_markers(note["body"]))
    team.solve(INVOICE)
    loop.drain()


def row(page: str, table: str, name: str) -> dict[str, str]:
    section = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<tr data-[a-z]+="{re.escape(name)}">(.*?)</tr>', section, re.S).group(1)
    return {k: html.unescape(v) for k, v in re.findall(r'data-key="(\w+)">([^<]*)<', found)}


def test_the_admin_page_shows_the_figures_with_their_sample_sizes(app_loop):
    follow_up(app_loop)
    browser = signed_in(app_loop)
    page = browser.get(f"{app_loop.deskhand_url}/admin/performance", timeout=5)
    assert page.status_code == 200
    text = html.unescape(page.text)
    # the answered ticket is solved but inside the reopen window; the drafted one had a person's reply
    assert "autonomous resolution: 0% n=1 settled tickets; so far 50% n=2" in text
    login, billing = row(page.text, "per-category", "login_2fa"), row(page.text, "per-category", "billing")
    assert login["resolution_so_far"] == "100% n=1" and login["resolution"] == "– n=0"
    assert login["csat_bot"] == "100% n=1" and login["csat_agent"] == "– n=0"
    assert billing["draft_acceptance"] == "100% n=1" and billing["resolution"] == "0% n=1"
    [week] = re.findall(r'<tr data-week="(\d{4}-W\d\d)">', page.text)
    assert row(page.text, "per-week", week)["resolution_so_far"] == "50% n=2"
    charts = re.findall(r'<figure data-chart="(\w+)"><svg [^>]*role="img"', page.text)
    assert charts == ["resolution_by_category", "resolution_by_week", "drafts_by_category", "csat"]
    assert "login_2fa: 100% of 1" in text and "n=2" in text.split('data-chart="resolution_by_week"')[1]
    assert "Settled replies so far: billing 1/30, login_2fa 1/30" in text
    assert browser.get(f"{app_loop.deskhand_url}/admin/performance?days=0", timeout=5).status_code == 400


def test_the_zendesk_app_gets_the_same_figures_for_admins_only(app_loop):
    follow_up(app_loop)
    got = app_loop.call("GET", "/api/zendesk/admin/performance", user=ADMIN)
    assert got.status_code == 200
    view = got.json()
    assert view["total"]["tickets"] == 2 and view["total"]["resolution_so_far"] == {"k": 1, "n": 2, "rate": 0.5}
    assert view["categories"]["billing"]["draft_acceptance"]["n"] == 1
    assert all(svg.startswith("<svg") and "n=" in svg for svg in view["charts"].values())
    assert app_loop.call("GET", "/api/zendesk/admin/performance", user=AGENT).status_code == 403
    assert app_loop.call("GET", "/api/zendesk/admin/performance?days=x", user=ADMIN).status_code == 400


def settled_drafts(db, category: str, n: int) -> None:
    """`n` drafts of `category` an agent sent as is, recorded as the worker records them."""
    for i in range(n):
        tid = str(90000 + i)
        audit.record(db, "decide", platform="zendesk", ticket_id=tid, job_id=100000 + i, action="draft",
                     category=category, confidence=0.7, reasons=["draft mode"])
        audit.record(db, "act", platform="zendesk", ticket_id=tid, job_id=100000 + i, action="draft",
                     public=False, text="----- proposed reply -----\nHere is how.\n--------------------------")
        [decided] = store.decided(db, "zendesk", tid)
        store.record(db, "zendesk", tid, [derive.Observed(f"draft:{decided.id}", "draft_sent_as_is", decided, 0.0)])


def test_a_proposal_to_move_up_is_applied_with_one_click(app_loop):
    db = app_loop.db()
    settled_drafts(db, "billing", 32)
    browser = signed_in(app_loop)
    page = browser.get(f"{app_loop.deskhand_url}/admin/performance", timeout=5)
    assert "billing" in page.text and "up {&#39;mode&#39;: &#39;auto&#39;}" in page.text
    assert "32/32 (0.92–1.00)" in page.text
    action = re.search(r'<form method="post" action="(/admin/ladder/billing)">', page.text).group(1)
    applied = browser.post(f"{app_loop.deskhand_url}{action}", data={"csrf": csrf_of(page)}, timeout=5,
                           allow_redirects=True)
    assert applied.status_code == 200 and "billing: applied {&#39;mode&#39;: &#39;auto&#39;}" in applied.text
    assert policy_store.load(db).for_category("billing").mode == "auto"
    [entry] = [r for r in audit.trail(db, "") if r["step"] == "policy"]
    assert entry["detail"]["by"] == "admin-page" and entry["detail"]["values"] == {"mode": "auto"}
    # a category with no proposal is not changed, and says why
    refused = browser.post(f"{app_loop.deskhand_url}/admin/ladder/refund_request", data={"csrf": csrf_of(page)},
                           timeout=5)
    assert refused.status_code == 409 and "no proposal to move" in html.unescape(refused.text)
    assert browser.post(f"{app_loop.deskhand_url}/admin/ladder/billing", data={"csrf": "forged"},
                        timeout=5).status_code == 403
    via_app = app_loop.call("POST", "/api/zendesk/admin/ladder/refund_request", user=ADMIN, json={})
    assert via_app.status_code == 409 and "no proposal" in via_app.json()["error"]
