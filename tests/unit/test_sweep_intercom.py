"""The backlog sweep on Intercom against the Intercom sandbox over HTTP: which conversations its
waiting_since search and the guards pick, paging, a dry run, the cap and a repeat."""
from __future__ import annotations

import sqlite3
import time

import pytest

from app.backlog.sweeps import describe
from app.build import prepare_database
from app.core.config import Settings
from app.schedule.sweep_run import run_sweep
from sandbox.intercom_sandbox import IntercomSandbox

HOUR = 3600


@pytest.fixture
def sb():
    sandbox = IntercomSandbox.from_seed().start()
    sandbox.play()
    yield sandbox
    sandbox.stop()


def age(sb, cid, seconds: int) -> None:
    """Move the conversation and its parts `seconds` into the past."""
    conv = sb.store.conversations[str(cid)]
    for key in ("created_at", "updated_at", "waiting_since"):
        if conv.get(key):
            conv[key] -= seconds
    for part in conv["parts"]:
        part["created_at"] -= seconds
        part["updated_at"] -= seconds


def waiting_on_deskhand(sb, waited_s: int) -> set[str]:
    """Worked out from the sandbox's own records, not the sweep's code: open, no opt-out tag, no
    reply by a person or Fin, and the customer's message unanswered for at least `waited_s`."""
    found = set()
    for cid, conv in sb.store.conversations.items():
        answered = [p for p in conv["parts"] if p["part_type"] == "comment" and p["author"]["type"] != "user"
                    and not (p["author"]["type"] == "bot" and not p["author"].get("from_ai_agent"))]
        if conv["state"] == "open" and not answered and not any(t["name"] == "deskhand_off" for t in conv["tags"]) \
                and conv.get("waiting_since") and time.time() - conv["waiting_since"] >= waited_s:
            found.add(cid)
    return found


def settings_for(sb, tmp_path, **overrides) -> Settings:
    settings = Settings(**{**dict(data_dir=str(tmp_path / "data"), helpdesk="intercom", intercom_url=sb.url,
                                  intercom_token=sb.token, sweep_lookback_days=1, sweep_waiting_minutes=15,
                                  sweep_max_actions=0), **overrides})
    prepare_database(settings)
    return settings


def swept(settings) -> list[str]:
    with sqlite3.connect(settings.db_path) as con:
        return [r[0] for r in con.execute("SELECT ticket_id FROM jobs WHERE kind = 'ticket.sweep' ORDER BY id")]


def test_the_sweep_enqueues_exactly_the_conversations_waiting_on_deskhand(sb, tmp_path):
    ids = sorted(sb.store.conversations)
    for cid in ids[:-3]:
        age(sb, cid, 6 * HOUR)
    age(sb, ids[-3], 3 * 86400)  # waiting for longer than the lookback: left to people
    sb.agent_reply(ids[0], "Looking into it now.")  # a teammate answered
    sb.operator_message(ids[1], "The team typically replies in a few hours.")  # still waiting
    sb.operator_message(ids[2], "Try resetting it from Settings.", ai_agent=True)  # Fin answered
    sb.store.tag(ids[3], sb.store.tag_named("deskhand_off")["id"], sb.bot_user_id)
    sb.set_status(ids[4], "closed")
    expected = waiting_on_deskhand(sb, 15 * 60) - {ids[-3]}
    assert ids[1] in expected and not {ids[0], ids[2], ids[3], ids[4], ids[-1], ids[-2]} & expected
    assert len(expected) == 33
    settings = settings_for(sb, tmp_path)

    preview = run_sweep(settings, dry_run=True, page_size=10)
    assert set(preview.enqueued) == expected and swept(settings) == []
    assert preview.pages == 4 and preview.stopped == "caught up"  # 35 found, 10 a page
    assert preview.outcomes["opted out"] == 1 and preview.outcomes["not waiting"] == 1  # Fin's
    real = run_sweep(settings, dry_run=False, page_size=10)
    assert set(real.enqueued) == expected and sorted(swept(settings)) == sorted(expected)
    assert "38 API calls (search pages 4, conversation reads 34)" in describe(real.summary())
    again = run_sweep(settings, dry_run=False)
    assert again.enqueued == [] and again.outcomes["seen before"] == 34  # no read of an unchanged one
    assert again.api_calls == again.pages == 1


def test_the_cap_stops_a_run_and_the_next_run_takes_the_rest(sb, tmp_path):
    for cid in sb.store.conversations:
        age(sb, cid, HOUR)
    settings = settings_for(sb, tmp_path, sweep_max_actions=5)
    first = run_sweep(settings, dry_run=False)
    assert len(first.enqueued) == 5 and first.stopped == "cap"
    rest = run_sweep(settings, dry_run=False, max_actions=0)
    assert len(rest.enqueued) == 35 and not set(rest.enqueued) & set(first.enqueued)
    assert len(set(swept(settings))) == 40
