"""A sweep killed mid-page (after storing some jobs, before saving the page's position) and run
again: every waiting ticket is enqueued once, none is skipped, and no ticket's comments are read
twice. The kill is `os._exit` inside `deskhand sweep`, a real separate process."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sandbox import Sandbox

from .test_sweep import HOUR

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox():
    sb = Sandbox.from_seed(export_lag_s=0).start()
    yield sb
    sb.stop()


def sweep_process(sb, data_dir, crash_at: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DESKHAND_DATA_DIR": str(data_dir), "DESKHAND_ZENDESK_URL": sb.url,
           "DESKHAND_BOT_USER_ID": str(sb.bot_user_id), "DESKHAND_SWEEP_LOOKBACK_DAYS": "1",
           "DESKHAND_SWEEP_MAX_ACTIONS": "0", "DESKHAND_RATE_LIMIT_PER_MINUTE": "0",
           "DESKHAND_EXPORT_RATE_PER_MINUTE": "0", "DESKHAND_CRASH_AT": crash_at}
    return subprocess.run([sys.executable, "-m", "app.cli", "sweep", "--apply", "--page-size", "5",
                           "--comments", "per-ticket", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_sweep_killed_between_enqueue_and_saving_its_position_resumes_without_repeats_or_gaps(sandbox, tmp_path):
    sandbox.generate(30, age_s=6 * HOUR, mix=True)
    expected = sandbox.waiting_on_bot()
    killed = sweep_process(sandbox, tmp_path / "data", crash_at="sweep_enqueue:7")
    assert killed.returncode == 75, killed.stderr[-2000:]
    db = sqlite3.connect(tmp_path / "data" / "deskhand.db")
    assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 7
    position = db.execute("SELECT position FROM sweep_state").fetchone()
    assert position is not None  # the pages before the kill were saved; the one in flight was not
    finished = sweep_process(sandbox, tmp_path / "data")
    assert finished.returncode == 0, finished.stderr[-2000:]
    jobs = [r[0] for r in db.execute("SELECT ticket_id FROM jobs WHERE kind = 'ticket.sweep'")]
    assert sorted(jobs) == sorted(expected) and len(jobs) == len(set(jobs)) == 16
    # the page in flight was read again, but no ticket's comments were read a second time
    reads = Counter(r["path"] for r in sandbox.requests if r["path"].endswith("/comments.json"))
    assert reads and max(reads.values()) == 1
    assert '"stopped": "caught up"' in finished.stdout.strip().splitlines()[-1]
