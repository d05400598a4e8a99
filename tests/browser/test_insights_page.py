"""The nav_bar page's insights section, loaded unchanged with a scripted ZAF client against Deskhand's
real web app, after a real insights run over the sample company: every line is drawn and linked."""
from __future__ import annotations

import json

from app.build import build_systems
from app.insights import records
from app.insights.run import run, sample_now

from . import harness


def test_the_nav_bar_shows_the_last_insights_with_links(open_page, stack):
    tickets, accounts = records.load_company()
    # keep=False: the run's accounts at risk must not reach the other tests' sidebars; its report is
    # stored by hand below, as the digest stores it
    done = run(stack.db(), build_systems(stack.settings), tickets, accounts, sample_now(), 14 * 86400, keep=False)
    stack.db()["insight_reports"].insert({"at": 0.0, "since_s": 14 * 86400.0, "report": json.dumps(done.report)})

    zaf = open_page("admin.html", user=harness.ADMIN)
    page = zaf.page
    page.wait_for_selector("#insight-risks li")
    topics = page.locator("#insight-topics li").all_inner_texts()
    assert len(topics) == 1 and "growth" in topics[0] and "growth" in topics[0].split("plans")[1]
    (risk,) = page.locator("#insight-risks li").all_inner_texts()
    assert risk.startswith("Harborview Hotels") and "failed payment" in risk
    (error,) = page.locator("#insight-errors li").all_inner_texts()
    assert "ERR_PDF_RENDER_TIMEOUT" in error
    links = page.locator("#insight-errors a.ticket-link")
    assert links.count() == 8
    assert links.first.get_attribute("href") == "https://brightline.zendesk.com/agent/tickets/3040"
    # each category's resolution is the outcomes' (app/outcomes), "—" where none is settled
    shown = {cells[1]: cells[7] for cells in (row.locator("td").all_inner_texts()
                                                for row in page.locator("#insight-costs tbody tr").all())}
    measured = {c["category"]: c["resolution"] for c in done.report["costs"]}
    # (the page rounds half up, as JavaScript's Math.round does)
    assert shown and shown == {c: "—" if r is None else f"{int(r * 100 + 0.5)}%" for c, r in measured.items()}
    assert (page.locator("#insight-resolution").count() == 1) == all(r is None for r in measured.values())
    assert any(r["url"].endswith("/api/zendesk/admin/insights") for r in zaf.calls("request"))
