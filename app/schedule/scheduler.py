"""The worker's scheduled jobs: backlog sweep, knowledge sync, outcome sweep, the daily digest hook
and the retrain.

Started by `deskhand worker` only, never by the web app (each web process would run its own:
DESIGN §6). Every run goes through a row in the `schedule` table:

- a lease (holder, until when), taken in one IMMEDIATE transaction and renewed while the job
  runs, so two workers — or a worker and `deskhand sweep` — never run the same job at once;
  a worker that dies simply lets its lease run out;
- the time it last started, so a restarted worker (or a second one) does not run it again
  straight away: an interval job waits out the rest of its interval.

apscheduler adds `max_instances=1` (a run never overlaps the next in one process), `coalesce`
(runs missed while busy or asleep become one) and a misfire grace time.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from app.core.config import Settings
from app.core.errors import DeskhandError
from app.store.db import connect, migrate, transaction

log = logging.getLogger("deskhand.scheduler")

def _insights(settings: Settings) -> None:
    from app.insights.digest import daily
    daily(settings)


# What the daily digest sends: each hook gets the settings.
DIGEST_HOOKS: list[Callable[[Settings], None]] = [_insights]


class Busy(DeskhandError):
    """Another process holds the job's lease."""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# -- the lease row ---------------------------------------------------------------------------

def acquire(db, name: str, holder: str, lease_s: float, min_gap_s: float = 0.0,
            now: float | None = None) -> str:
    """Take the job's lease; "" when taken, else why not (held elsewhere, or ran too recently)."""
    now = time.time() if now is None else now
    with transaction(db):
        row = db.execute("SELECT holder, lease_until, last_started FROM schedule WHERE name = ?", [name]).fetchone()
        if row is not None:
            other, until, started = row
            if other and other != holder and until > now and not _dead_here(other):
                return f"{other} is running it (lease until {_clock(until)})"
            if min_gap_s and started and now - started < min_gap_s:
                return f"it last started {now - started:.0f} s ago"
        db.execute("INSERT INTO schedule (name, holder, lease_until, last_started, last_finished, last_status)"
                   " VALUES (?, ?, ?, ?, 0, 'running') ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
                   " lease_until = excluded.lease_until, last_started = excluded.last_started, last_status = 'running'",
                   [name, holder, now + lease_s, now])
    return ""


def renew(db, name: str, holder: str, lease_s: float) -> None:
    db.execute("UPDATE schedule SET lease_until = ? WHERE name = ? AND holder = ?", [time.time() + lease_s, name, holder])


def release(db, name: str, holder: str, status: str) -> None:
    db.execute("UPDATE schedule SET holder = '', lease_until = 0, last_finished = ?, last_status = ?"
               " WHERE name = ? AND holder = ?", [time.time(), status[:500], name, holder])


def last_started(db, name: str) -> float:
    row = db.execute("SELECT last_started FROM schedule WHERE name = ?", [name]).fetchone()
    return float(row[0] or 0) if row else 0.0


@contextmanager
def exclusive(db_path: str, name: str, holder: str, lease_s: float = 300.0, min_gap_s: float = 0.0):
    """Run the body under the job's lease, renewed every lease_s/3 until it ends; Busy if another
    holder has it (or it ran within `min_gap_s`)."""
    db = connect(db_path)
    migrate(db)
    why = acquire(db, name, holder, lease_s, min_gap_s)
    if why:
        db.conn.close()
        raise Busy(why)
    stop = threading.Event()

    def heartbeat() -> None:
        beat = connect(db_path)  # its own connection: sqlite3 connections are not shared across threads here
        try:
            while not stop.wait(lease_s / 3):
                renew(beat, name, holder, lease_s)
        finally:
            beat.conn.close()
    thread = threading.Thread(target=heartbeat, name=f"lease-{name}", daemon=True)
    thread.start()
    status = "error"
    try:
        yield
        status = "ok"
    finally:
        stop.set()
        thread.join(5)
        release(db, name, holder, status)
        db.conn.close()


# -- the jobs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobSpec:
    name: str
    trigger: object  # an apscheduler trigger
    func: Callable[[], None]
    interval_s: float = 0.0  # for interval jobs: the restart rule and the gap between runs
    lease_s: float = 300.0
    first_delay_s: float = 60.0  # a job that never ran starts this long after the worker


def job_specs(settings: Settings, helpdesk=None) -> list[JobSpec]:
    """The scheduled jobs the settings ask for."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger
    specs = []
    if settings.sweep_minutes > 0 or settings.sweep_cron:
        interval = settings.sweep_minutes * 60
        trigger = IntervalTrigger(seconds=interval) if interval else CronTrigger.from_crontab(settings.sweep_cron, timezone="UTC")
        specs.append(JobSpec("sweep", trigger, lambda: _sweep(settings), interval, first_delay_s=60))
    if settings.kb_sync_minutes > 0:
        interval = settings.kb_sync_minutes * 60
        specs.append(JobSpec("kb_sync", IntervalTrigger(seconds=interval), lambda: _kb_sync(settings, helpdesk),
                             interval, first_delay_s=interval))  # the worker synced new sources as it started
    if settings.outcomes_sweep_minutes > 0:
        interval = settings.outcomes_sweep_minutes * 60
        specs.append(JobSpec("outcomes", IntervalTrigger(seconds=interval), lambda: _outcomes(settings, helpdesk),
                             interval, first_delay_s=300))
    if settings.digest_cron:
        specs.append(JobSpec("digest", CronTrigger.from_crontab(settings.digest_cron, timezone="UTC"),
                             lambda: _digest(settings)))
    if settings.retrain_cron:  # a retrain takes minutes on a large history: its lease is renewed meanwhile
        specs.append(JobSpec("retrain", CronTrigger.from_crontab(settings.retrain_cron, timezone="UTC"),
                             lambda: _retrain(settings)))
    return specs


def start(settings: Settings, helpdesk=None, holder: str = ""):
    """Start the background scheduler with the configured jobs; None when there are none."""
    from apscheduler.schedulers.background import BackgroundScheduler
    specs = job_specs(settings, helpdesk)
    if not specs:
        return None
    holder = holder or holder_name()
    db = connect(settings.db_path)
    migrate(db)
    scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
    now = time.time()
    for spec in specs:
        kwargs = {}
        if spec.interval_s:
            previous = last_started(db, spec.name)
            first = previous + spec.interval_s if previous else now + spec.first_delay_s
            kwargs["next_run_time"] = datetime.fromtimestamp(max(first, now + 1), timezone.utc)
        scheduler.add_job(guarded(settings, spec, holder), spec.trigger, id=spec.name, name=spec.name,
                          max_instances=1, coalesce=True, misfire_grace_time=_grace(spec), **kwargs)
    db.conn.close()
    scheduler.start()
    return scheduler


def guarded(settings: Settings, spec: JobSpec, holder: str) -> Callable[[], None]:
    """The job as the scheduler runs it: under its lease, never raising into apscheduler."""
    # an interval job that another worker started recently is not due here yet; a cron job runs
    # once per firing (the 50 s gap only stops two workers firing the same minute)
    gap = spec.interval_s * 0.9 if spec.interval_s else 50.0

    def run() -> None:
        try:
            with exclusive(settings.db_path, spec.name, holder, spec.lease_s, gap):
                spec.func()
        except Busy as exc:
            log.info("scheduled %s skipped: %s", spec.name, exc)
        except Exception:  # a failed run is logged; the next one is still scheduled
            log.exception("scheduled %s failed", spec.name)
    run.__name__ = spec.name
    return run


def _grace(spec: JobSpec) -> int:
    # a run missed by up to half its interval (or an hour, for a daily cron job) still runs once
    return int(spec.interval_s / 2) if spec.interval_s else 3600


def _dead_here(holder: str) -> bool:
    """A holder on this machine whose process is gone (killed mid-run) holds nothing: its lease
    need not be waited out. Holders elsewhere are trusted until their lease ends."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%H:%M:%S UTC")


def _sweep(settings: Settings) -> None:
    from app.backlog.sweeps import describe
    from app.schedule.sweep_run import run_sweep
    report = run_sweep(settings)
    log.info("scheduled sweep: %s", describe(report.summary()).replace("\n", ";"))


def _kb_sync(settings: Settings, helpdesk) -> None:
    from app.schedule.kb_sync import sync_all
    for report in sync_all(settings, helpdesk):
        if report.error:
            log.warning("knowledge sync of %s failed: %s", report.source, report.error)
        else:
            log.info("knowledge sync of %s: +%d ~%d -%d", report.source, report.added, report.updated, report.removed)


def _outcomes(settings: Settings, helpdesk) -> None:
    from app.build import build_helpdesk, build_systems
    from app.outcomes import observe
    helpdesk = helpdesk or build_helpdesk(settings)
    chat = build_systems(settings).chat
    alert = (lambda text: chat.post(settings.slack_channel, text)) if chat is not None and settings.slack_channel else None
    db = connect(settings.db_path)
    try:
        found = observe.sweep(db, helpdesk, settings.category_field_id, alert=alert)
    finally:
        db.conn.close()
    log.info("outcome sweep: %s tickets read, %s outcomes recorded%s", found["tickets"], found["recorded"],
             f", {len(found['errors'])} unreadable" if found["errors"] else "")


def _digest(settings: Settings) -> None:
    for hook in DIGEST_HOOKS:
        hook(settings)


def _retrain(settings: Settings) -> None:
    from app.build import build_product_map
    from app.learning.retrain import retrain
    db = connect(settings.db_path)
    try:
        result = retrain(db, settings.data_dir, settings.history_file, build_product_map(settings))
    finally:
        db.conn.close()
    log.info("scheduled retrain: %s", result.message)


def next_runs(scheduler) -> dict[str, str]:
    """When each job runs next (for the worker's start line)."""
    out = {}
    for job in scheduler.get_jobs():
        when = job.next_run_time
        out[job.id] = when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if when else "paused"
    return out

