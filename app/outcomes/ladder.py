"""The autonomy ladder: per category, propose more autonomy when the measured precision of its
replies clears the target with room to spare, and take it back on its own when outcomes turn bad.

Precision is the share of settled replies that held up (measures.verdicts): a sent reply solved with
no "didn't help", reopen, person's reply or category correction; a draft an agent sent as is. Up
(a person applies it, /admin or `deskhand ladder --apply`): `draft → auto` when the Wilson lower
bound of the category's precision reaches the target; an `auto` category that clears it gets a lower
`send_at`. Down (immediately, alone): `auto → draft` after a run of reopened or "didn't help"
replies, or when the Wilson upper bound falls below the target; with an audit entry and a Slack
alert. Changes go through the policy store, and are audited like an admin's (step `policy`).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from app.core import stats
from app.core.domain import Policy

log = logging.getLogger("deskhand.ladder")

# The precision a category must show to be trusted with more autonomy: the bar `deskhand eval`
# proposes `send_at` for (nine replies in ten right), measured here on real outcomes.
TARGET = 0.90
# One-sided 95 %: the question is only "is precision at least the target?", so no confidence is
# spent on the upper side.
Z = 1.645
# Settled replies needed before proposing anything: at z 1.645 even a perfect record needs 25 to
# put the lower bound above 0.9 (20 of 20 gives 0.88); 30 leaves room for one miss to be seen.
MIN_SAMPLE = 30
# …and before demoting on the upper bound alone: fewer than this and one bad week decides.
MIN_DEMOTE = 10
RECENT_DAYS = 60  # precision is measured on recent replies: the product and the articles change
RECENT_MAX = 200  # at most this many of them, newest first
RUN = 3  # this many reopened / "didn't help" sent replies in a row demote an auto category at once
SEND_AT_STEP = 0.05  # one rung down for send_at
SEND_AT_FLOOR = 0.5  # never proposed below this (nor below the category's draft_at)
RUN_KINDS = ("reopened", "not_helped")


@dataclass(frozen=True)
class Step:
    category: str
    direction: str  # up | down
    change: dict  # the policy fields to set, e.g. {"mode": "auto"} or {"send_at": 0.8}
    why: str
    good: int
    n: int
    lower: float
    upper: float


def wilson(k: int, n: int, z: float = Z) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (one-sided by default); (0, 1) when n is 0."""
    return stats.wilson(k, n, z) or (0.0, 1.0)


def propose(policy: Policy, verdicts: list[dict], now: float, target: float = TARGET) -> list[Step]:
    """Ups and downs for every category with recent settled replies (verdicts oldest first)."""
    recent: dict[str, list[dict]] = {}
    for v in verdicts:
        if v["category"] and v["at"] >= now - RECENT_DAYS * 86400:
            recent.setdefault(v["category"], []).append(v)
    steps = []
    for category, vs in sorted(recent.items()):
        vs = vs[-RECENT_MAX:]
        entry = policy.for_category(category)
        good, n = sum(v["good"] for v in vs), len(vs)
        lower, upper = wilson(good, n)
        step = lambda direction, change, why: Step(category, direction, change, why, good, n,  # noqa: E731
                                                   round(lower, 3), round(upper, 3))
        if entry.mode == "auto":
            sends = [v for v in vs if v["action"] == "send"]
            run = sends[-RUN:]
            if len(run) == RUN and all(any(k in v["why"] for k in RUN_KINDS) for v in run):
                steps.append(step("down", {"mode": "draft"},
                                  f"the last {RUN} sent replies were reopened or did not help ({', '.join(v['why'] for v in run)})"))
            elif n >= MIN_DEMOTE and upper < target:
                steps.append(step("down", {"mode": "draft"},
                                  f"precision {good}/{n}: even its upper bound {upper:.2f} is below the target {target:.2f}"))
            elif n >= MIN_SAMPLE and lower >= target:
                lowered = round(entry.send_at - SEND_AT_STEP, 2)
                if lowered >= max(entry.draft_at, SEND_AT_FLOOR):
                    steps.append(step("up", {"send_at": lowered}, f"precision {good}/{n}, lower bound {lower:.2f} ≥ "
                                      f"{target:.2f}: send from confidence {lowered:g} (now {entry.send_at:g})"))
        elif entry.mode == "draft" and n >= MIN_SAMPLE and lower >= target:
            steps.append(step("up", {"mode": "auto"}, f"precision {good}/{n}, lower bound {lower:.2f} ≥ {target:.2f}: "
                              f"send on its own above send_at {entry.send_at:g}"))
    return steps


def waiting(policy: Policy, verdicts: list[dict], now: float) -> dict[str, int]:
    """Categories in draft or auto mode and how many settled recent replies each has (what a
    proposal still waits for when there is none)."""
    counts: dict[str, int] = {}
    for v in verdicts:
        if v["category"] and v["at"] >= now - RECENT_DAYS * 86400:
            counts[v["category"]] = counts.get(v["category"], 0) + 1
    return {c: min(n, RECENT_MAX) for c, n in sorted(counts.items()) if policy.for_category(c).mode in ("draft", "auto")}


# -- applying (I/O: the policy store, the audit trail, Slack) --------------------------------------

class LadderError(ValueError):
    pass


def current(db, now: float | None = None) -> list[Step]:
    from app.outcomes import measures, store
    from app.policy import store as policy_store
    now = time.time() if now is None else now
    return propose(policy_store.load(db), measures.verdicts(store.results(db, now, RECENT_DAYS)), now)


def promote(db, category: str, by: str, now: float | None = None) -> Step:
    """Apply the standing proposal to move `category` up; LadderError when there is none."""
    from app.policy import store as policy_store
    from app.store import audit
    step = next((s for s in current(db, now) if s.category == category and s.direction == "up"), None)
    if step is None:
        raise LadderError(f"no proposal to move {category!r} up: see `deskhand ladder`")
    policy_store.set_entry(db, category, step.change)
    audit.record(db, "policy", platform="admin", ticket_id="", by=by, category=category, values=step.change,
                 summary=f"{category}: {step.change} (autonomy ladder, applied by {by}): {step.why}")
    return step


def demote_if_bad(db, categories, alert=None, now: float | None = None) -> list[Step]:
    """Move down every one of `categories` whose outcomes turned bad; `alert(text)` posts to Slack.
    Idempotent: a category already in draft mode has no down step, so nothing happens twice."""
    from app.policy import store as policy_store
    from app.store import audit
    done = []
    for step in current(db, now):
        if step.direction != "down" or step.category not in categories:
            continue
        if policy_store.load(db).for_category(step.category).mode != "auto":
            continue  # another worker demoted it a moment ago
        policy_store.set_entry(db, step.category, step.change)
        text = (f"Deskhand moved {step.category} from auto to draft: {step.why}. Its replies now wait for an "
                f"agent; move it back up in /admin when the cause is fixed.")
        alerted = ""
        if alert is not None:
            try:
                alert(text)
                alerted = "sent"
            except Exception as exc:  # the change stands without the alert; the audit says so
                alerted = f"failed: {exc.__class__.__name__}: {exc}"
                log.warning("ladder alert for %s failed: %s", step.category, exc)
        audit.record(db, "policy", platform="admin", ticket_id="", by="ladder", category=step.category,
                     values=step.change, alert=alerted or "no Slack configured",
                     summary=f"{step.category}: {step.change} (autonomy ladder, automatic): {step.why}")
        done.append(step)
    return done
