"""The end of `deskhand demo`: the sample team follows up in the sandbox helpdesk on what Deskhand
did (solves, a reopen, a customer for whom the answer did not help, ratings, drafts sent as is,
edited or left unused, a corrected category), the helpdesk's events come back through the webhooks,
and the demo prints the outcomes recorded, the resolution rate and the autonomy ladder: figures
from this run, not made up."""
from __future__ import annotations

import time
from collections import Counter

from app.cli.performance import ladder_lines
from app.outcomes import measures, store
from app.outcomes.measures import headline
from app.pipeline.worker import wait_for_idle
from app.store.views import between_markers
from sandbox.team import Team


def follow_up(sb, helpdesk, rows: list[dict], settle) -> dict[str, int]:
    """Act on the demo's tickets as a team would; what was done, counted. `settle()` lets Deskhand
    read the first round before the reopen: a reopen seconds after the solve would otherwise reach
    Deskhand before it ever saw the ticket solved (in real life days pass in between)."""
    team, done = Team(sb), Counter()
    sent = [r["ticket"] for r in rows if r["action"] == "sent"]
    drafted = [r for r in rows if r["action"] == "drafted"]
    for i, tid in enumerate(sent):
        if i == 1:
            team.customer(tid, "Thanks, but that didn't help: I still get the same error.")
            done["customer said it did not help"] += 1
            continue
        team.solve(tid)
        done["solved"] += 1
        if i % 2 == 0 or i == 5:
            team.rate(tid, happy=i != 4)
            done["rated"] += 1
    for i, row in enumerate(drafted[:3]):
        proposed = _proposed(helpdesk, row["ticket"])
        if i == 0 and proposed:
            team.reply(row["ticket"], proposed)
            done["draft sent as is"] += 1
        elif i == 1 and proposed:
            words = proposed.split()
            team.reply(row["ticket"], "Hi! " + " ".join(words[: len(words) // 2]) +
                       " I have also checked your account: everything else is in order. Best, the support team")
            team.categorise(row["ticket"], "plan_change" if row["category"] != "plan_change" else "billing")
            done["draft edited, category corrected"] += 1
        team.solve(row["ticket"])
        done["solved"] += 1
    settle()
    if len(sent) > 3:
        team.customer(sent[3], "Sorry, it is happening again since this morning.")  # reopens the solved ticket
        done["reopened by the customer"] += 1
        settle()
    return dict(done)


def _proposed(helpdesk, ticket_id: str) -> str:
    notes = [c.body for c in helpdesk.snapshot(ticket_id).ticket.comments if c.role == "bot" and not c.public]
    return between_markers(notes[-1]) if notes else ""


def settle(sb, settings, timeout_s: float = 30) -> None:
    """Deliver the team's events and let the worker record them."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sb.flush_webhooks(timeout=2)
        if wait_for_idle(settings, max(0.5, deadline - time.monotonic())):
            sb.flush_webhooks(timeout=2)  # events the worker's own writes caused
            if wait_for_idle(settings, 1):
                return


def report(db, done: dict[str, int], echo) -> dict:
    recorded = Counter(r["kind"] for r in store.rows(db))
    total = measures.performance(store.results(db))["total"]
    echo("the team followed up in the helpdesk: " + ", ".join(f"{what} {n}" for what, n in done.items()))
    echo("outcomes recorded: " + ", ".join(f"{kind} {n}" for kind, n in sorted(recorded.items())))
    echo(headline(total, measures.WINDOW_DAYS))
    for line in ladder_lines(db):
        echo(line)
    echo("")
    return total
