"""The replay's HTML report in Chromium at a laptop's width: the per-category table fits, every
ticket is counted, and the sample of replies says it is a random sample beside the mean."""
from __future__ import annotations

import random

from app.replay.report import render
from app.replay.run import ReplayRow, report
from app.replay.source import HumanTicket

# the sample company's categories, with its longest names: the widest table a team is likely to see
CATEGORIES = ["api_access", "billing", "bug_report", "cancellation", "data_export", "howto_dashboards",
              "howto_reports", "integrations", "login_2fa", "plan_change", "refund_request", "user_management"]


def rows(n: int = 300) -> list[ReplayRow]:
    rng = random.Random(3)
    out = []
    for i in range(n):
        gold = rng.choice(CATEGORIES + [None])
        predicted = gold if rng.random() < 0.9 else rng.choice(CATEGORIES + [""])
        action = rng.choice(["send", "draft", "escalate"]) if predicted else "escalate"
        reply = f"Hi, here is how to do it (ticket {i})." if action in ("send", "draft") else ""
        ticket = HumanTicket(str(i), f"Subject {i}", f"Body of ticket {i}", gold, True,
                             rng.choice(["replied", "escalated"]), agent_reply=f"Agent reply {i}")
        out.append(ReplayRow(ticket, predicted or "", round(rng.uniform(0.4, 1.0), 3), action, ("why",), reply,
                             similarity=round(rng.uniform(0.1, 0.9), 3) if reply else None))
    return out


def test_the_report_fits_a_laptop_screen_and_counts_every_ticket(browser, tmp_path):
    result = report(rows(), 0.95, "in force")
    path = tmp_path / "replay.html"
    path.write_text(render(result), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(path.as_uri())
        # nothing wider than the window: neither the page nor the per-category table scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        widths = page.evaluate("[...document.querySelectorAll('.wide')].map(d => [d.scrollWidth, d.clientWidth])")
        assert widths and all(scroll <= client for scroll, client in widths), widths
        # every ticket is in a row: the categories' counts and the no-category row add up to the header's
        table = page.locator(".wide table").first
        counts = [int(c) for c in table.locator("tr td:nth-child(2)").all_inner_texts()]
        assert sum(counts) == result["n"] == 300
        assert "(no category)" in table.inner_text()
        note = page.locator("p.note", has_text="random sample").inner_text()
        assert f"of the {result['sent_n']} replies that would have been sent" in note and "mean similarity" in note
    finally:
        page.close()
