"""Insights where people see them: the escalation case file and the sidebar name the account's churn
risk, the nav_bar's JSON route and /admin show the last run (admins only), each line linked."""
from __future__ import annotations

import json

import requests

from app.build import build_systems
from app.insights import records
from app.insights.run import run, sample_now
from app.store.db import connect
from sandbox.vendors import serve

from .conftest import ADMIN, AGENT, running_loop
from .test_admin_page import signed_in

HIJACKED = 2032  # Harborview Hotels (ingridp@): escalated as a possible account takeover


def test_the_case_file_sidebar_nav_bar_and_admin_page_show_the_last_run(tmp_path, trained_model):
    vendors = serve.start(json.loads((records.COMPANY / "account.json").read_text()))
    try:
        with running_loop(str(tmp_path / "data"), trained_model, **vendors.settings) as loop:
            empty = loop.call("GET", "/api/zendesk/admin/insights", user=ADMIN)
            assert empty.status_code == 200 and empty.json() == {"report": None}
            tickets, accounts = records.load_company(files=("stream.jsonl", "signals.jsonl"))
            done = run(connect(loop.settings.db_path), build_systems(loop.settings), tickets, accounts,
                       sample_now(), 14 * 86400)
            assert [r.name for r in done.findings.risks] == ["Harborview Hotels"]

            loop.process(HIJACKED)
            (note,) = [c for c in loop.bot_comments(HIJACKED) if not c["public"]]
            assert "[Deskhand insights] Harborview Hotels at churn risk" in note["body"]
            sidebar = loop.call("GET", f"/api/zendesk/tickets/{HIJACKED}").json()
            assert sidebar["account_risk"]["name"] == "Harborview Hotels"
            assert any("failed payment" in r for r in sidebar["account_risk"]["reasons"])

            assert loop.call("GET", "/api/zendesk/admin/insights", user=AGENT).status_code == 403
            report = loop.call("GET", "/api/zendesk/admin/insights", user=ADMIN).json()["report"]
            assert report["accounts_at_risk"][0]["name"] == "Harborview Hotels"
            assert report["recurring_errors"][0]["codes"] == ["ERR_PDF_RENDER_TIMEOUT"]

            page = signed_in(loop).get(f"{loop.deskhand_url}/admin/insights", timeout=5)
            assert page.status_code == 200 and "Harborview Hotels" in page.text
            assert 'href="https://brightline.zendesk.com/agent/tickets/3040"' in page.text
            assert "resolution: —" in page.text
            assert requests.get(f"{loop.deskhand_url}/admin/insights", timeout=5,
                                allow_redirects=False).status_code == 302  # signed out: to the login
    finally:
        vendors.stop()
