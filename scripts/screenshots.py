#!/usr/bin/env python3
"""Screenshots of the Zendesk app for docs/zendesk.md: docs/screenshots/sidebar.png (a drafted ticket),
sidebar-escalated.png (an escalation with its case file and a refund to approve), admin.png,
performance.png (the admin page's performance section, after the team followed up as in the demo) and
insights.png (the nav_bar's insights over the sample company, planted signals included).

Starts what the demo starts (the sandbox helpdesk with the sample company's vendor stand-ins,
Deskhand's web app, a worker with a classifier trained on the sample history), plays a handful of
the stream's tickets end to end, then opens the app's own pages in Debian's headless Chromium with
the same scripted ZAF client as the browser tests, and captures both screens.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import harness  # noqa: E402

DRAFTED, ESCALATED = 2002, 2023  # "Where can I download last month's invoice?"; "Double charged - disputing"
PLAYED = [2001, 2002, 2003, 2004, 2005, 2007, 2011, 2012, 2016, 2017, 2021, 2023, 2024, 2026, 2035, 2037]


def evaluate(data_dir: str) -> None:
    """`deskhand eval` on the sample company, into the stack's database, so the admin page shows
    measured precision and proposed thresholds beside the policy."""
    print("running deskhand eval on the sample history and stream …", flush=True)
    env = {**os.environ, "DESKHAND_DATA_DIR": data_dir}
    company = ROOT / "sandbox" / "company"
    subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "eval",
                    "--history", str(company / "history.jsonl"), "--tickets", str(company / "stream.jsonl"),
                    "--policy", str(company / "policy.yaml"), "--json"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def follow_up(stack) -> None:
    """The team solves, rates, sends and edits drafts in the sandbox as at the end of `deskhand demo`,
    so the performance section shows outcomes recorded from real events."""
    import json

    import app.cli.demo_outcomes as demo_outcomes
    done = {"send": "sent", "draft": "drafted"}
    rows = [{"ticket": r["ticket_id"], "action": done.get(json.loads(r["detail"])["action"], ""),
             "category": json.loads(r["detail"]).get("category") or ""}
            for r in stack.db()["audit"].rows_where("step = 'decide'", order_by="id")]
    demo_outcomes.follow_up(stack.sb, stack.worker.helpdesk, rows, stack.drain)


def insights(stack) -> None:
    """An insights run over the sample company into the stack's database, for insights.png (docs/insights.md)."""
    from app.build import build_systems
    from app.insights import records
    from app.insights.run import run, sample_now
    print("running the insights over the sample company …", flush=True)
    tickets, accounts = records.load_company()
    run(stack.db(), build_systems(stack.settings), tickets, accounts, sample_now(), 14 * 86400, keep=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder for the PNG files")
    args = parser.parse_args(argv)
    reason = harness.missing()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    print("training the classifier on the sample history …", flush=True)
    model = harness.train_model()
    with tempfile.TemporaryDirectory(prefix="deskhand-shots-") as tmp:
        stack = harness.start_stack(Path(tmp) / "data", model)
        server, assets_url = harness.serve_app()
        try:
            stack.play(PLAYED)
            print(f"played {len(PLAYED)} stream tickets through the web app and the worker", flush=True)
            follow_up(stack)
            evaluate(stack.settings.data_dir)
            with sync_playwright() as playwright:
                browser = harness.launch(playwright)
                common = dict(deskhand_url=stack.deskhand_url, secret=harness.APP_SECRET,
                              subdomain=stack.settings.zendesk_subdomain)
                # The ticket sidebar: Zendesk gives apps there a column about 340 px wide.
                pages = []
                for ticket_id, name, comment in ((DRAFTED, "sidebar.png", "Right article; add where Invoices is."),
                                                 (ESCALATED, "sidebar-escalated.png", "")):
                    side = harness.open_app(browser, assets_url, "sidebar.html", user=harness.AGENT,
                                            ticket_id=ticket_id, viewport={"width": 340, "height": 900}, **common)
                    side.page.wait_for_selector("#rating")
                    if comment:
                        side.page.fill("#rating-comment", comment)
                    side.page.screenshot(path=str(out / name), full_page=True)
                    pages.append(side)
                # The admin page, with a change being previewed.
                admin = harness.open_app(browser, assets_url, "admin.html", user=harness.ADMIN,
                                         viewport={"width": 1280, "height": 900}, **common)
                admin.page.wait_for_selector("#decision-log")
                row = admin.page.locator("#policy-table tr[data-category=login_2fa]")
                row.locator("input.send-at").fill("1")
                row.locator("button.preview").click()
                admin.page.wait_for_selector("#apply")
                admin.page.screenshot(path=str(out / "admin.png"), full_page=True)
                admin.page.wait_for_selector("#per-category")
                admin.page.locator("#performance-section").screenshot(path=str(out / "performance.png"))
                insights(stack)
                admin.page.reload()
                admin.page.wait_for_selector("#insight-risks li")
                admin.page.locator("#insights-section").screenshot(path=str(out / "insights.png"))
                for zaf in (*pages, admin):
                    if zaf.errors:
                        print(f"script errors on the page: {zaf.errors}", file=sys.stderr)
                        return 1
                browser.close()
        finally:
            server.shutdown()
            stack.close()
    for name in ("sidebar.png", "sidebar-escalated.png", "admin.png", "performance.png", "insights.png"):
        print(f"wrote {(out / name).relative_to(ROOT) if (out / name).is_relative_to(ROOT) else out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
