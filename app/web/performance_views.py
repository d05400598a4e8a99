"""What the performance page shows, in /admin and in the Zendesk app's nav_bar (one source for
both): the figures per category and per week with their sample sizes, SVG charts, and the
autonomy ladder's proposals."""
from __future__ import annotations

import time
from dataclasses import asdict

from app.outcomes import charts, ladder, measures, store
from app.policy import store as policy_store

DAYS_DEFAULT, DAYS_MAX = 90, 3650
COLUMNS = (("resolution", "Resolved"), ("resolution_so_far", "Resolved so far"), ("handoff", "Handoff"),
           ("draft_acceptance", "Drafts sent as is"), ("draft_edited", "Drafts edited"),
           ("csat_bot", "CSAT after bot"), ("csat_agent", "CSAT after agent"), ("wrong_category", "Wrong category"))


def page(db, days: int = DAYS_DEFAULT, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    report = measures.performance(store.results(db, now, days))
    total, categories, weeks = report["total"], report["categories"], report["weeks"]
    steps = ladder.current(db, now)
    verdicts = measures.verdicts(store.results(db, now, ladder.RECENT_DAYS))
    proposed = {s.category for s in steps}
    return {
        "days": days, "window_days": measures.WINDOW_DAYS, "headline": measures.headline(total),
        "columns": [{"key": k, "title": t} for k, t in COLUMNS],
        "total": total, "categories": categories, "weeks": weeks,
        "charts": {
            "resolution_by_category": charts.bars(
                "Autonomous resolution so far, per category",
                [(c, f["resolution_so_far"]["rate"], f["resolution_so_far"]["n"]) for c, f in categories.items()]),
            "resolution_by_week": charts.weekly(
                "Autonomous resolution so far, per week",
                [(w, f["resolution_so_far"]["rate"], f["resolution_so_far"]["n"]) for w, f in weeks.items()]),
            "drafts_by_category": charts.bars(
                "Drafts sent as is, per category",
                [(c, f["draft_acceptance"]["rate"], f["draft_acceptance"]["n"]) for c, f in categories.items()
                 if f["draft_acceptance"]["n"]]),
            "csat": charts.bars("CSAT (satisfied share) after Deskhand's reply vs an agent's", [
                ("after Deskhand", total["csat_bot"]["rate"], total["csat_bot"]["n"]),
                ("after an agent", total["csat_agent"]["rate"], total["csat_agent"]["n"])]),
        },
        "ladder": {
            "steps": [asdict(s) for s in steps], "target": ladder.TARGET, "min_sample": ladder.MIN_SAMPLE,
            "waiting": {c: n for c, n in ladder.waiting(policy_store.load(db), verdicts, now).items() if c not in proposed},
        },
    }
