"""What /metrics reports, read from the database at scrape time.

The web process serves /metrics but the worker does the work: a counter kept in the worker's
memory would never reach the web process's registry (and would reset whenever a worker
restarts). Everything here is therefore read from the tables both processes already write —
`inbox` (events), `audit` (decisions, gaps, errors, tokens), `jobs` and `dead_letters` — so the
figures are right however many workers run, and the pipeline pays nothing for them.

The counters are totals since the database began, kept up to date incrementally: each scrape
reads only the rows added since the last one (by row id, or by finish time for jobs), so a
scrape costs the same on a database of a million tickets as on a new one. The first scrape
after the web process starts reads everything once, with GROUP BY in SQLite.
"""
from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

# pipeline latency buckets (seconds): webhook stored → job finished, queue wait included
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
CONNECTOR_ERRORS = {"ConnectorError", "NotFound", "AuthFailed", "Conflict", "RateLimited", "Unavailable"}
_ERROR_CLASS = re.compile(r"^([A-Z][A-Za-z0-9_]*): ")
_FAILED = re.compile(r"failed \(\w+\): ([A-Z][A-Za-z0-9_]*): ")


def error_kind(reason: str) -> str:
    """A gap's reason as a short label: `timeout`, the exception's class, or `error`."""
    if reason.startswith("no answer within"):
        return "timeout"
    found = _ERROR_CLASS.match(reason)
    return found.group(1) if found else "error"


@dataclass
class Totals:
    """Monotonic totals, with the positions they were read up to."""
    events: Counter = field(default_factory=Counter)  # (platform, kind)
    decisions: Counter = field(default_factory=Counter)  # (action, category)
    connector_errors: Counter = field(default_factory=Counter)  # (connector, kind)
    job_failures: Counter = field(default_factory=Counter)  # (platform, error class)
    tokens: Counter = field(default_factory=Counter)  # (step,) -> tokens
    cost_usd: Counter = field(default_factory=Counter)  # (step,) -> USD
    latency_counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    latency_sum: float = 0.0
    inbox_rowid: int = 0
    audit_id: int = 0
    jobs_done_at: float = 0.0


@dataclass(frozen=True)
class Now:
    """Point-in-time state."""
    queue: dict[str, int]  # queued and running jobs
    oldest_queued_age_s: float
    dead_jobs: int
    failure_notes_owed: int


class Tally:
    """Totals kept up to date from one database; safe to call from the web server's threads."""

    def __init__(self) -> None:
        self.totals = Totals()
        self._lock = threading.Lock()

    def read(self, db) -> Totals:
        with self._lock:
            t = self.totals
            self._events(db, t)
            self._audit(db, t)
            self._latency(db, t)
            return t

    @staticmethod
    def _events(db, t: Totals) -> None:
        top = db.execute("SELECT MAX(rowid) FROM inbox").fetchone()[0] or 0
        for platform, kind, n in db.execute("SELECT platform, kind, COUNT(*) FROM inbox WHERE rowid > ? AND rowid <= ?"
                                            " GROUP BY 1, 2", [t.inbox_rowid, top]):
            t.events[(platform, kind)] += n
        t.inbox_rowid = top

    @staticmethod
    def _audit(db, t: Totals) -> None:
        top = db.execute("SELECT MAX(id) FROM audit").fetchone()[0] or 0
        span = [t.audit_id, top]
        # `+step`: read the id range (the new rows), not the (step, at) index, which would walk every
        # decision ever made to find the new ones
        for action, category, n in db.execute(
                "SELECT json_extract(detail, '$.action'), json_extract(detail, '$.category'), COUNT(*) FROM audit"
                " WHERE id > ? AND id <= ? AND +step = 'decide' GROUP BY 1, 2", span):
            t.decisions[(action or "", category or "none")] += n
        for source, reason in db.execute(
                "SELECT json_extract(g.value, '$.source'), json_extract(g.value, '$.reason') FROM audit,"
                " json_each(audit.detail, '$.gaps') AS g WHERE audit.id > ? AND audit.id <= ? AND +step = 'gather'", span):
            t.connector_errors[(source or "", error_kind(reason or ""))] += 1
        for platform, summary in db.execute("SELECT platform, json_extract(detail, '$.summary') FROM audit"
                                            " WHERE id > ? AND id <= ? AND +step = 'error'", span):
            found = _FAILED.search(summary or "")
            kind = found.group(1) if found else "error"
            t.job_failures[(platform, kind)] += 1
            if kind in CONNECTOR_ERRORS:  # the helpdesk itself failed the job
                t.connector_errors[(platform, kind)] += 1
        for step, tokens, cost in db.execute(
                "SELECT step, SUM(json_extract(detail, '$.tokens')), SUM(json_extract(detail, '$.cost_usd')) FROM audit"
                " WHERE id > ? AND id <= ? AND +step IN ('triage', 'compose') GROUP BY 1", span):
            t.tokens[(step,)] += int(tokens or 0)
            t.cost_usd[(step,)] += float(cost or 0.0)
        t.audit_id = top

    @staticmethod
    def _latency(db, t: Totals) -> None:
        rows = db.execute("SELECT updated_at, updated_at - created_at FROM jobs WHERE status = 'done' AND updated_at > ?",
                          [t.jobs_done_at]).fetchall()
        for done_at, seconds in rows:
            seconds = max(0.0, float(seconds))
            t.latency_counts[next((i for i, le in enumerate(LATENCY_BUCKETS) if seconds <= le), len(LATENCY_BUCKETS))] += 1
            t.latency_sum += seconds
            t.jobs_done_at = max(t.jobs_done_at, float(done_at))


def now(db, clock: float | None = None) -> Now:
    clock = time.time() if clock is None else clock
    # waiting and running only: index seeks, where counting every finished job would read them all
    queue = {status: db.execute("SELECT COUNT(*) FROM jobs WHERE status = ?", [status]).fetchone()[0]
             for status in ("queued", "running")}
    oldest = db.execute("SELECT MIN(created_at) FROM jobs WHERE status = 'queued'").fetchone()[0]
    dead, owed = db.execute("SELECT COUNT(*), COALESCE(SUM(note = 'owed'), 0) FROM dead_letters").fetchone()
    return Now(queue, max(0.0, clock - oldest) if oldest else 0.0, dead, owed)
