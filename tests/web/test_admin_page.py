"""/admin over real HTTP: disabled without a token, sign-in, CSRF on every form, the policy edit
→ confirmation (what the change would have done) → apply flow, status, decisions, sign-out."""
from __future__ import annotations

import html
import re

import requests

from app.policy import store as policy_store
from app.web.factory import create_app
from tests.fakes.served import Served

from .conftest import ADMIN_TOKEN

INVOICE, VAT = 2002, 2012


def csrf_of(page: requests.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def signed_in(loop) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{loop.deskhand_url}/admin/login", timeout=5)
    got = browser.post(f"{loop.deskhand_url}/admin/login", timeout=5, allow_redirects=False,
                       data={"csrf": csrf_of(form), "token": ADMIN_TOKEN})
    assert got.status_code == 302 and got.headers["Location"].endswith("/admin/")
    return browser


def test_without_an_admin_token_the_page_does_not_exist(api):
    app = create_app(api.settings.with_overrides(admin_token=""))
    with Served(app) as served:
        for path in ("/admin", "/admin/login"):
            got = requests.get(f"{served.base_url}{path}", timeout=5)
            assert got.status_code == 404 and "admin page disabled: set admin_token" in got.text


def test_sign_in_needs_the_token_and_the_forms_csrf_token(api):
    url = api.deskhand_url
    browser = requests.Session()
    assert browser.get(f"{url}/admin", timeout=5, allow_redirects=False).headers["Location"].endswith("/admin/login")
    form = browser.get(f"{url}/admin/login", timeout=5)
    assert form.status_code == 200 and 'type="password"' in form.text
    wrong = browser.post(f"{url}/admin/login", data={"csrf": csrf_of(form), "token": "guess"}, timeout=5)
    assert wrong.status_code == 401 and "not the admin token" in wrong.text
    no_csrf = browser.post(f"{url}/admin/login", data={"token": ADMIN_TOKEN}, timeout=5)
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
    other_browser = requests.post(f"{url}/admin/login", data={"csrf": csrf_of(form), "token": ADMIN_TOKEN},
                                  timeout=5)  # a token copied into a page elsewhere, without the session
    assert other_browser.status_code == 403
    ok = browser.post(f"{url}/admin/login", data={"csrf": csrf_of(form), "token": ADMIN_TOKEN}, timeout=5,
                      allow_redirects=False)
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert browser.get(f"{url}/admin", timeout=5).status_code == 200


def test_a_session_from_before_the_token_was_rotated_is_refused(api):
    browser = signed_in(api)
    app = create_app(api.settings.with_overrides(admin_token="a-new-admin-token-after-rotation"))
    with Served(app) as served:
        cookies = {c.name: c.value for c in browser.cookies}
        got = requests.get(f"{served.base_url}/admin/", cookies=cookies, timeout=5, allow_redirects=False)
    assert got.status_code == 302 and got.headers["Location"].endswith("/admin/login")


def test_a_threshold_change_is_previewed_confirmed_applied_and_obeyed(app_loop):
    url = app_loop.deskhand_url
    app_loop.process(INVOICE)
    browser = signed_in(app_loop)
    table = browser.get(f"{url}/admin", timeout=5)
    assert 'id="row-billing"' in table.text and "Run <code>deskhand eval</code>" in table.text
    change = {"mode": "auto", "send_at": "0.3", "draft_at": "0.2", "n": "50"}
    forged = browser.post(f"{url}/admin/policy/billing/preview", data={**change, "csrf": "forged"}, timeout=5)
    assert forged.status_code == 403
    confirm = browser.post(f"{url}/admin/policy/billing/preview", data={**change, "csrf": csrf_of(table)}, timeout=5)
    assert confirm.status_code == 200, confirm.text
    text = html.unescape(confirm.text)
    assert "last 1 decision" in text and f"#{INVOICE}" in text and "1 ticket would be handled differently" in text
    assert policy_store.load(app_loop.db()).for_category("billing").mode == "draft"  # not yet
    no_csrf = browser.post(f"{url}/admin/policy/billing", data=change, timeout=5)
    assert no_csrf.status_code == 403 and policy_store.load(app_loop.db()).for_category("billing").mode == "draft"
    applied = browser.post(f"{url}/admin/policy/billing", data={**change, "csrf": csrf_of(confirm)}, timeout=5)
    assert applied.status_code == 200 and "billing: now auto, send_at 0.3, draft_at 0.2" in applied.text
    entry = policy_store.load(app_loop.db()).for_category("billing")
    assert (entry.mode, entry.send_at, entry.draft_at) == ("auto", 0.3, 0.2)
    app_loop.process(VAT)  # the next billing ticket is answered on its own
    [reply] = app_loop.public_bot_replies(VAT)
    assert "VAT" in reply["body"]
    bad = browser.post(f"{url}/admin/policy/billing/preview", timeout=5,
                       data={"send_at": "lots", "csrf": csrf_of(applied)})
    assert bad.status_code == 400 and "send_at must be a number" in html.unescape(bad.text)
    typo = browser.post(f"{url}/admin/policy/bilingg/preview", timeout=5,
                        data={"mode": "auto", "csrf": csrf_of(applied)})
    assert typo.status_code == 400 and "did you mean 'billing'?" in html.unescape(typo.text)


def test_status_and_decisions_pages_and_sign_out(app_loop):
    url = app_loop.deskhand_url
    app_loop.process(INVOICE)
    browser = signed_in(app_loop)
    status = browser.get(f"{url}/admin/status", timeout=5)
    assert status.status_code == 200 and "signed in as" in status.text and "not connected: set stripe_api_key" in status.text
    log = browser.get(f"{url}/admin/decisions", timeout=5)
    assert log.status_code == 200 and f"/agent/tickets/{INVOICE}" in log.text and "billing" in log.text
    assert f'href="/admin/tickets/{INVOICE}"' in log.text
    trace = browser.get(f"{url}/admin/tickets/{INVOICE}", timeout=5)
    text = html.unescape(trace.text)
    assert trace.status_code == 200 and "Decision trace of ticket" in text
    assert all(step in text for step in ("snapshot", "triage", "decide", "act")) and "…" not in text
    assert browser.get(f"{url}/admin/tickets/%C2%B2", timeout=5).status_code == 400  # "²" is no ticket id
    waiting = browser.get(f"{url}/admin/approvals", timeout=5)
    assert waiting.status_code == 200 and "Nothing awaits approval." in waiting.text
    out = browser.post(f"{url}/admin/logout", data={"csrf": csrf_of(log)}, timeout=5, allow_redirects=False)
    assert out.status_code == 302
    assert browser.get(f"{url}/admin/status", timeout=5, allow_redirects=False).status_code == 302


def test_how_a_category_replies_is_edited_on_the_page_and_a_refused_value_is_shown(api):
    url = api.deskhand_url
    browser = signed_in(api)
    table = browser.get(f"{url}/admin", timeout=5)
    assert "holding reply on escalation" in table.text and 'name="account_facts"' in table.text
    form = {"account_facts": "on", "holding_reply": "on", "holding_reply_text": "", "holding_reply_hours": "4"}
    forged = browser.post(f"{url}/admin/policy/billing/replies", data={**form, "csrf": "forged"}, timeout=5)
    assert forged.status_code == 403 and not policy_store.load(api.db()).for_category("billing").holding_reply
    saved = browser.post(f"{url}/admin/policy/billing/replies", data={**form, "csrf": csrf_of(table)}, timeout=5)
    assert saved.status_code == 200
    assert ("billing: account facts on, solve on confirmation off, holding reply on (4 h)"
            in html.unescape(saved.text))
    entry = policy_store.load(api.db()).for_category("billing")
    assert (entry.account_facts, entry.solve_on_confirmation, entry.holding_reply, entry.holding_reply_hours) == (
        True, False, True, 4)
    assert 'name="holding_reply" checked' in saved.text  # the page shows what is in force
    # words promising what the policy does not set are refused, with the reason, and nothing changes
    promise = browser.post(f"{url}/admin/policy/billing/replies", timeout=5, data={
        **form, "holding_reply_hours": "", "holding_reply_text": "We will refund you within 2 days.",
        "csrf": csrf_of(saved)})
    assert promise.status_code == 400 and "says what the policy does not" in html.unescape(promise.text)
    hours = browser.post(f"{url}/admin/policy/billing/replies", timeout=5,
                         data={**form, "holding_reply_hours": "soon", "csrf": csrf_of(saved)})
    assert hours.status_code == 400 and "whole number of hours" in html.unescape(hours.text)
    assert policy_store.load(api.db()).for_category("billing") == entry
