"""Missed webhooks end to end, on both helpdesks: tickets whose webhooks never arrived are found
by a sweep (Zendesk: its incremental export; Intercom: its search on `waiting_since`), handled by
the worker through the same pipeline as a webhook's, and not swept again afterwards."""
from __future__ import annotations

import time

from app.schedule.sweep_run import run_sweep
from sandbox import shapes

SEND, DRAFT, ESCALATE = 2003, 2002, 2021  # stream tickets: login how-to, billing question, legal threat
HANDLED = 2004  # a ticket whose webhook did arrive


def test_tickets_whose_webhooks_were_lost_are_swept_up_and_answered_once(spine):
    settings = spine.settings.with_overrides(sweep_waiting_minutes=0, sweep_lookback_days=1,
                                             rate_limit_per_minute=0, export_rate_per_minute=0)
    if spine.platform == "zendesk":
        spine.sb.export_lag_s = 0
    spine.sb.play([HANDLED])
    spine.drain()
    assert spine.public_replies(HANDLED)
    url, spine.sb.webhook_url = spine.sb.webhook_url, None  # the webhook goes down
    spine.sb.play([SEND, DRAFT, ESCALATE])
    spine.sb.flush_webhooks()  # sent to nobody: lost
    spine.sb.webhook_url = url
    spine.drain()
    assert spine.db()["jobs"].count == 1 and not spine.bot_messages(SEND)

    _clock_past_newest_write(spine)
    preview = run_sweep(settings, dry_run=True)
    assert sorted(preview.enqueued) == sorted(str(t) for t in (SEND, DRAFT, ESCALATE))
    assert spine.db()["jobs"].count == 1  # a dry run enqueues nothing

    swept = run_sweep(settings, dry_run=False)
    assert sorted(swept.enqueued) == sorted(preview.enqueued)
    # HANDLED was answered by the bot: nothing is waiting on Deskhand there (Intercom's search
    # does not even return it: the bot's reply cleared its waiting_since)
    assert swept.outcomes["not waiting"] == (1 if spine.platform == "zendesk" else 0)
    spine.drain()
    kinds = {row["ticket_id"]: row["kind"] for row in spine.db()["jobs"].rows}
    assert {kinds[str(t)] for t in (SEND, DRAFT, ESCALATE)} == {"ticket.sweep"}
    assert len(spine.public_replies(SEND)) == 1
    assert [m["public"] for m in spine.bot_messages(DRAFT)] == [False]
    assert "deskhand_escalated" in spine.seen_tags(ESCALATE)

    _clock_past_newest_write(spine)
    again = run_sweep(settings, dry_run=False)  # the bot's writes changed the tickets: read again
    assert again.enqueued == [] and spine.db()["jobs"].count == 4
    assert again.outcomes["not waiting"] == (3 if spine.platform == "zendesk" else 2)  # Intercom: SEND no longer waits


def _clock_past_newest_write(spine) -> None:
    """Zendesk's sandbox keeps updated_at strictly increasing, so several writes in one second put
    the later ones seconds ahead of the clock (more on a busy machine), and the export holds back
    what is newer than now: wait until the clock has passed the newest write. Intercom's search
    compares whole seconds: a customer who started waiting this second has not waited yet."""
    if spine.platform == "intercom":
        newest = max(c["updated_at"] for c in spine.sb.store.conversations.values())
        while time.time() < newest + 1.05:
            time.sleep(0.05)
        return
    newest = max(shapes.parse_iso(t["updated_at"]) for t in spine.sb.tickets.values())
    deadline = time.monotonic() + 30
    while shapes.now() <= newest and time.monotonic() < deadline:
        time.sleep(0.1)
