"""The backlog sweep against the sandbox helpdesk over HTTP: what it finds, what a dry run
writes (nothing), the cap per run, and 429s."""
from __future__ import annotations

import sqlite3

import pytest

from app.backlog.sweeps import load_position
from app.build import prepare_database
from app.core.config import Settings
from app.schedule.sweep_run import run_sweep
from app.store.db import connect
from connectors.errors import RateLimited
from connectors.zendesk_export import RateBudget
from sandbox import Sandbox

HOUR = 3600


def swept_jobs(settings) -> list[str]:
    with sqlite3.connect(settings.db_path) as con:
        return [r[0] for r in con.execute("SELECT ticket_id FROM jobs WHERE kind = 'ticket.sweep' ORDER BY id")]


@pytest.fixture
def sandbox():
    sb = Sandbox.from_seed(export_lag_s=0).start()
    yield sb
    sb.stop()


def settings_for(sb, tmp_path, **overrides) -> Settings:
    base = dict(data_dir=str(tmp_path / "data"), zendesk_url=sb.url, bot_user_id=str(sb.bot_user_id),
                sweep_lookback_days=1, sweep_waiting_minutes=15, sweep_max_actions=0,
                rate_limit_per_minute=0, export_rate_per_minute=0)
    settings = Settings(**{**base, **overrides})
    prepare_database(settings)
    return settings


def test_a_sweep_enqueues_exactly_the_tickets_waiting_on_deskhand_either_way_of_reading_comments(sandbox, tmp_path):
    sandbox.generate(60, age_s=6 * HOUR, mix=True)
    fresh = sandbox.generate(3, age_s=0)  # created just now: not waiting long enough yet
    expected = sandbox.waiting_on_bot(older_than_s=15 * 60)
    assert len(expected) == 33 and not expected & {str(t) for t in fresh}
    settings = settings_for(sandbox, tmp_path)
    one_by_one = run_sweep(settings, dry_run=True, comments="per-ticket")
    bulk = run_sweep(settings, dry_run=True, comments="auto")
    assert set(one_by_one.enqueued) == set(bulk.enqueued) == expected
    assert one_by_one.stopped == bulk.stopped == "waiting"  # stopped before the fresh tickets
    # the event export read every comment in bulk: one page instead of a read per ticket
    assert bulk.event_pages == 1 and bulk.comment_reads == 0 and bulk.api_calls < one_by_one.api_calls / 10
    real = run_sweep(settings, dry_run=False)
    assert set(real.enqueued) == expected and sorted(swept_jobs(settings)) == sorted(expected)


def test_a_dry_run_writes_nothing_anywhere(sandbox, tmp_path):
    sandbox.generate(30, age_s=6 * HOUR, mix=True)
    settings = settings_for(sandbox, tmp_path)  # sweep_enabled defaults to false: a dry run
    before = len(sandbox.requests)
    report = run_sweep(settings)
    assert report.dry_run and len(report.enqueued) == len(sandbox.waiting_on_bot()) > 0
    db = connect(settings.db_path)
    for table in ("jobs", "inbox", "sweep_seen", "sweep_state", "sweep_runs", "ledger", "audit"):
        assert db[table].count == 0, table
    assert load_position(db) is None
    assert {r["method"] for r in sandbox.requests[before:]} == {"GET"}


def test_the_cap_per_run_stops_early_and_the_next_runs_pick_up_the_rest(sandbox, tmp_path):
    sandbox.generate(40, age_s=6 * HOUR, mix=True)
    expected = sandbox.waiting_on_bot()
    settings = settings_for(sandbox, tmp_path, sweep_max_actions=8, sweep_enabled=True)
    runs = []
    while True:
        report = run_sweep(settings, page_size=7)
        runs.append(report)
        assert len(report.enqueued) <= 8
        if report.stopped != "cap":
            break
        assert len(report.enqueued) == 8
    jobs = swept_jobs(settings)
    assert len(runs) == 3 and len(jobs) == len(set(jobs)) == len(expected) == 22 and set(jobs) == expected
    assert runs[-1].stopped == "caught up"


def test_429_is_waited_out_as_retry_after_says_and_nothing_is_lost(tmp_path):
    # 5 requests per 1.5 s window, a sweep that does not pace itself: it must meet 429s
    sb = Sandbox.from_seed(export_lag_s=0, rate_limit_per_minute=5, time_scale=0.025).start()
    try:
        sb.generate(12, age_s=6 * HOUR)
        settings = settings_for(sb, tmp_path, sweep_enabled=True)
        report = run_sweep(settings, comments="per-ticket")
        assert set(report.enqueued) == sb.waiting_on_bot() and len(report.enqueued) == 12
        assert report.rate_limited > 0
        log = [r for r in sb.requests if r["path"].startswith("/api/")]
        limited = [(i, r) for i, r in enumerate(log) if r["status"] == 429]
        assert len(limited) == report.rate_limited
        for i, r in limited:  # the next request came no sooner than the server said
            assert r["retry_after"] >= 1 and log[i + 1]["at"] - r["at"] >= r["retry_after"] - 0.05
    finally:
        sb.stop()


def test_a_server_that_keeps_refusing_is_a_clear_error_not_a_hang(tmp_path):
    sb = Sandbox.from_seed(export_lag_s=0, rate_limit_per_minute=1, time_scale=1.0).start()
    try:
        sb.generate(3, age_s=6 * HOUR)
        from app.helpdesks.zendesk import build_export
        settings = settings_for(sb, tmp_path, sweep_enabled=True)
        export, helpdesk = build_export(settings)
        export.max_wait_s = 1  # the sandbox asks for up to 60 s
        with pytest.raises(RateLimited, match="kept answering 429"):
            run_sweep(settings, export=export, helpdesk=helpdesk)
    finally:
        sb.stop()


def test_the_rate_budget_paces_calls_below_the_limit_and_honours_a_hold():
    now = [0.0]
    budget = RateBudget(120, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    stamps = []
    for _ in range(240):
        budget.take()
        stamps.append(now[0])
    # 120 a minute with a burst of 2: never more than 122 inside any 60 s
    assert max(sum(1 for t in stamps if s <= t < s + 60) for s in stamps) <= 122
    assert 118 <= stamps[-1] <= 120
    budget.hold(30)
    budget.take()
    assert now[0] >= stamps[-1] + 30


def test_a_ticket_deskhand_already_has_is_reported_as_queued_or_handled_not_enqueued(sandbox, tmp_path):
    from app.core.domain import TicketEvent
    from app.store import jobs
    from app.store.db import transaction
    sandbox.generate(10, age_s=6 * HOUR, mix=True)
    waiting = sorted(sandbox.waiting_on_bot())
    settings = settings_for(sandbox, tmp_path)
    db = connect(settings.db_path)
    with transaction(db):  # a webhook's job for the first waiting ticket, not run yet
        jobs.insert_delivery(db, TicketEvent("zendesk", "d-1", "ticket.created", waiting[0]), b"{}")
    report = run_sweep(settings, dry_run=True)
    assert report.outcomes["already queued"] == 1 and waiting[0] not in report.enqueued
    db.execute("UPDATE jobs SET status = 'done'")
    db.conn.commit()
    report = run_sweep(settings, dry_run=True)
    assert report.outcomes["already handled"] == 1 and "already queued" not in report.outcomes
    assert len(report.enqueued) == len(waiting) - 1


def test_the_sweep_command_summarises_and_refuses_bad_input_in_one_line(sandbox, tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from app.cli.main import main
    sandbox.generate(20, age_s=6 * HOUR, mix=True)
    for name, value in {"DATA_DIR": str(tmp_path / "data"), "ZENDESK_URL": sandbox.url,
                        "BOT_USER_ID": str(sandbox.bot_user_id), "SWEEP_LOOKBACK_DAYS": "1",
                        "EXPORT_RATE_PER_MINUTE": "0"}.items():
        monkeypatch.setenv(f"DESKHAND_{name}", value)
    runner = CliRunner()
    shown = runner.invoke(main, ["sweep"])
    assert shown.exit_code == 0 and "dry run: examined 20 tickets, would enqueue 11" in shown.output
    assert "nothing was written" in shown.output
    # the progress line ends at the end of the span when the sweep caught up, however old the newest ticket
    assert "sweeping: 20 examined, 100% of the way to now in" in shown.output
    as_json = json.loads(runner.invoke(main, ["sweep", "--json"]).output.strip().splitlines()[-1])
    assert as_json["dry_run"] is True and as_json["would_enqueue"] == 11 and as_json["rate_limited"] == 0
    applied = json.loads(runner.invoke(main, ["sweep", "--apply", "--max-actions", "4", "--json"]).output.splitlines()[-1])
    assert applied["enqueued"] == 4 and applied["stopped"] == "cap"
    for args, message in ((["sweep", "--since", "soon"], "'soon' is not a duration"),
                          (["sweep", "--page-size", "0"], "--page-size"),
                          (["sweep", "--comments", "psychic"], "--comments")):
        bad = runner.invoke(main, args)
        assert bad.exit_code != 0 and message in bad.output and "Traceback" not in bad.output
    monkeypatch.setenv("DESKHAND_HELPDESK", "intercom")
    monkeypatch.setenv("DESKHAND_INTERCOM_URL", "http://127.0.0.1:9")  # nothing listens there
    bad = runner.invoke(main, ["sweep"])
    assert bad.exit_code == 1 and "intercom unreachable" in bad.output and "Traceback" not in bad.output
    monkeypatch.setenv("DESKHAND_HELPDESK", "zendesk")
    monkeypatch.setenv("DESKHAND_SWEEP_ENABLED", "perhaps")
    bad = runner.invoke(main, ["sweep"])
    assert bad.exit_code == 1 and "sweep_enabled" in bad.output and "true or false" in bad.output
