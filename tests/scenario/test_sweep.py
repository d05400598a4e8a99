"""Missed webhooks end to end: tickets whose webhooks never arrived are found by a sweep, handled
by the worker through the same pipeline as a webhook's, and not swept again afterwards."""
from __future__ import annotations

import time

from app.sweep_run import run_sweep
from sandbox import shapes

SEND, DRAFT, ESCALATE = 2003, 2002, 2021  # stream tickets: login how-to, billing question, legal threat
HANDLED = 2004  # a ticket whose webhook did arrive


def test_tickets_whose_webhooks_were_lost_are_swept_up_and_answered_once(loop):
    loop.sb.export_lag_s = 0
    settings = loop.settings.with_overrides(sweep_waiting_minutes=0, sweep_lookback_days=1,
                                            rate_limit_per_minute=0, export_rate_per_minute=0)
    loop.sb.play([HANDLED])
    loop.drain()
    assert loop.bot_comments(HANDLED)
    url, loop.sb.webhook_url = loop.sb.webhook_url, None  # the webhook goes down
    loop.sb.play([SEND, DRAFT, ESCALATE])
    loop.sb.webhook_url = url
    loop.drain()
    assert loop.db()["jobs"].count == 1 and not loop.bot_comments(SEND)

    _clock_past_newest_write(loop)
    preview = run_sweep(settings, dry_run=True)
    assert sorted(preview.enqueued) == sorted(str(t) for t in (SEND, DRAFT, ESCALATE))
    assert loop.db()["jobs"].count == 1  # a dry run enqueues nothing

    swept = run_sweep(settings, dry_run=False)
    assert sorted(swept.enqueued) == sorted(preview.enqueued)
    # HANDLED was answered by the bot: nothing is waiting on Deskhand there
    assert swept.outcomes["not waiting"] >= 1
    loop.drain()
    kinds = {row["ticket_id"]: row["kind"] for row in loop.db()["jobs"].rows}
    assert {kinds[str(t)] for t in (SEND, DRAFT, ESCALATE)} == {"ticket.sweep"}
    assert len(loop.public_bot_replies(SEND)) == 1
    assert [c["public"] for c in loop.bot_comments(DRAFT)] == [False]
    assert "deskhand_escalated" in loop.sb.ticket(ESCALATE)["tags"]

    _clock_past_newest_write(loop)
    again = run_sweep(settings, dry_run=False)  # the bot's writes changed the tickets: read again
    assert again.enqueued == [] and again.outcomes["not waiting"] == 3 and loop.db()["jobs"].count == 4


def _clock_past_newest_write(loop) -> None:
    """The sandbox keeps updated_at strictly increasing, so several writes in one second put the
    later ones seconds ahead of the clock (more on a busy machine), and the export holds back what
    is newer than now: wait until the clock has passed the newest write."""
    newest = max(shapes.parse_iso(t["updated_at"]) for t in loop.sb.tickets.values())
    deadline = time.monotonic() + 30
    while shapes.now() <= newest and time.monotonic() < deadline:
        time.sleep(0.1)
