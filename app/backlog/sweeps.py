"""The backlog sweep: open tickets whose customer is still waiting and that Deskhand never took
up (a webhook that never came, a worker that was down over the weekend) become `ticket.sweep`
jobs, handled by the same pipeline and policy as a webhook's.

It walks Zendesk's incremental ticket export from a saved position. A ticket is swept up when
the worker's own guards (app/pipeline/guards.py) would act on it — open, not opted out, its newest
customer message unanswered, no human agent talking — that message is at least
`sweep_waiting_minutes` old, and Deskhand has no job or ledger row for it. Tickets changed more
recently than that are left for the next run, and the export position stays before them.

Nothing is done twice across a kill: each job is keyed by ticket and message
(`sweep:zendesk:<ticket>:<comment>`, an inbox delivery id, stored at most once), each examined
ticket version is recorded in the same transaction as its job, and the export position is saved
only after a whole page is done. A restart re-reads at most one page and skips what it recorded.

A dry run reads the same way and writes nothing: no job, no record, no position.
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from app.backlog.comment_reader import CommentReader
from app.core.domain import TicketEvent
from app.pipeline import guards
from app.store import jobs, ledger
from app.store.db import transaction
from connectors.zendesk_export import ZendeskExport, to_ticket, unix

PLATFORM = "zendesk"
OPEN = ("new", "open")
KIND = "ticket.sweep"


@dataclass
class SweepReport:
    dry_run: bool
    started_at: float
    examined: int = 0
    enqueued: list[str] = field(default_factory=list)  # ticket ids (would be, in a dry run)
    outcomes: Counter = field(default_factory=Counter)
    pages: int = 0
    stopped: str = ""  # caught up | cap | waiting (the rest changed too recently) | error
    swept_to: str = ""  # the last examined ticket's update time
    position_saved: bool = False
    api_calls: int = 0
    event_pages: int = 0
    comment_reads: int = 0
    rate_limited: int = 0
    duration_s: float = 0.0
    source: str = "export"  # export (Zendesk: pages, events, comment reads) | search (Intercom)

    def summary(self) -> dict:
        return {"dry_run": self.dry_run, "examined": self.examined,
                ("would_enqueue" if self.dry_run else "enqueued"): len(self.enqueued),
                "tickets": self.enqueued[:200], "outcomes": dict(sorted(self.outcomes.items())),
                "pages": self.pages, "stopped": self.stopped, "swept_to": self.swept_to,
                "position_saved": self.position_saved, "api_calls": self.api_calls,
                "event_pages": self.event_pages, "comment_reads": self.comment_reads,
                "rate_limited": self.rate_limited, "duration_s": round(self.duration_s, 2), "source": self.source}


@dataclass(frozen=True)
class SweepOptions:
    bot_id: str
    opt_out_tag: str = "deskhand_off"
    waiting_s: float = 15 * 60
    max_actions: int = 50  # 0: no cap
    dry_run: bool = True
    lookback_s: float = 7 * 86400
    page_size: int = 1000
    comments: str = "auto"  # auto | events | per-ticket (app/backlog/comment_reader.py)
    page_url_field_id: str = ""
    fresh_start: bool = False  # ignore the saved position: start `lookback_s` back


def load_position(db: sqlite_utils.Database) -> dict | None:
    row = db.execute("SELECT position FROM sweep_state WHERE platform = ?", [PLATFORM]).fetchone()
    return json.loads(row[0]) if row else None


def save_position(db: sqlite_utils.Database, position: dict, now: float) -> None:
    db.execute("INSERT INTO sweep_state (platform, position, updated_at) VALUES (?, ?, ?) ON CONFLICT(platform)"
               " DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
               [PLATFORM, json.dumps(position), now])


def reset_position(db: sqlite_utils.Database) -> None:
    db.execute("DELETE FROM sweep_state WHERE platform = ?", [PLATFORM])


class Sweep:
    def __init__(self, db: sqlite_utils.Database, export: ZendeskExport, options: SweepOptions,
                 clock=time.time, progress=None):
        self.db, self.export, self.o = db, export, options
        self.clock = clock
        # called with each examined ticket's update time, and the run's start and end in time
        self.progress = progress or (lambda at, start, end: None)
        self._span = (0.0, 0.0)
        self.reader = CommentReader(export, options.comments)

    def _saved(self) -> dict | None:
        return None if self.o.fresh_start else load_position(self.db)

    def run(self) -> SweepReport:
        now = self.clock()
        report = SweepReport(self.o.dry_run, now)
        position = self._saved() or {"start_time": int(now - self.o.lookback_s)}
        calls_before, limited_before = self.export.calls, self.export.rate_limited
        self._span = (float(position.get("swept_to") or position.get("start_time") or now), now - self.o.waiting_s)
        try:
            while True:
                if self.o.max_actions and len(report.enqueued) >= self.o.max_actions:
                    report.stopped = "cap"
                    break
                page = self.export.ticket_page(start_time=position.get("start_time"),
                                               cursor=position.get("cursor", ""), per_page=self.o.page_size)
                report.pages += 1
                if not self._page(page.tickets, report, now):
                    break  # stopped inside the page: the position stays before it
                if page.after_cursor and page.after_cursor == position.get("cursor") and page.tickets:
                    report.stopped = "caught up"  # a server that does not move its cursor: never loop
                    break
                if page.after_cursor:
                    position = {"cursor": page.after_cursor, "swept_to": unix(report.swept_to) or
                                position.get("swept_to")}
                    if not self.o.dry_run:
                        save_position(self.db, position, self.clock())
                        report.position_saved = True
                if page.end_of_stream or not page.tickets:
                    report.stopped = "caught up"
                    break
        except BaseException:
            report.stopped = "error"
            raise
        finally:
            report.api_calls = self.export.calls - calls_before
            report.rate_limited = self.export.rate_limited - limited_before
            report.event_pages, report.comment_reads = self.reader.event_pages, self.reader.per_ticket
            report.duration_s = self.clock() - now
            record_run(self.db, report, self.clock())
        return report

    # -- one export page --------------------------------------------------------------------------

    def _page(self, tickets: list[dict], report: SweepReport, now: float) -> bool:
        """Examine the page's tickets in export order; False when the run stops inside it."""
        cutoff = now - self.o.waiting_s
        due, fresh = [], False
        for raw in tickets:
            if unix(raw.get("updated_at")) > cutoff:
                fresh = True  # changed too recently: it and everything after wait for a later run
                break
            due.append(raw)
        cheap = [(raw, self._cheap(raw)) for raw in due]
        self.reader.prepare([raw for raw, outcome in cheap if outcome is None])
        for raw, outcome in cheap:
            if outcome is None:
                if self.o.max_actions and len(report.enqueued) >= self.o.max_actions:
                    report.stopped = "cap"
                    return False
                outcome = self._examine(raw, report, now)
            report.examined += 1
            report.outcomes[outcome] += 1
            report.swept_to = raw.get("updated_at") or report.swept_to
            self.progress(unix(raw.get("updated_at")), *self._span)
        if fresh:
            report.stopped = "waiting"
            return False
        return True

    def _cheap(self, raw: dict) -> str | None:
        """What can be told without reading the ticket's comments (None: read them)."""
        if raw.get("status") not in OPEN:
            return "not open"
        if self.o.opt_out_tag and self.o.opt_out_tag in (raw.get("tags") or ()):
            return "opted out"
        return "seen before" if seen_before(self.db, PLATFORM, str(raw["id"]), raw.get("updated_at")) else None

    def _examine(self, raw: dict, report: SweepReport, now: float) -> str:
        ticket = to_ticket(raw, self.reader.comments(raw["id"]), self.o.bot_id, self.o.page_url_field_id)
        return consider(self.db, ticket, self.o, report, now)


def seen_before(db: sqlite_utils.Database, platform: str, ticket_id: str, updated_at) -> bool:
    """This version of the ticket (its update time) was examined by an earlier sweep."""
    seen = db.execute("SELECT updated_at FROM sweep_seen WHERE platform = ? AND ticket_id = ?",
                      [platform, ticket_id]).fetchone()
    return bool(seen) and seen[0] == updated_at


def waiting_message(ticket, opt_out_tag: str):
    """The customer message the worker's guards would answer on this ticket now, or None. Pure: the
    guards' own decision, so a sweep never queues what the worker would skip."""
    event = TicketEvent(platform=ticket.platform, delivery_id="", kind=KIND, ticket_id=ticket.id)
    result = guards.check(ticket, event, opt_out_tag,
                          lambda c: ledger.marker_tag(ledger.reply_key(ticket.platform, ticket.id, c.id)))
    return None if result.skip else result.trigger


def consider(db: sqlite_utils.Database, ticket, options: SweepOptions, report: SweepReport, now: float) -> str:
    """Enqueue the ticket when the worker's guards would answer its customer's newest message and
    Deskhand has no job or ledger row for it; record the examined version. The outcome."""
    platform = ticket.platform
    trigger = waiting_message(ticket, options.opt_out_tag)
    if trigger is None:
        outcome = "not waiting"
    elif known := _known(db, platform, ticket.id, trigger.id, unix(trigger.created_at)):
        outcome = known
    else:
        outcome = "enqueued"
    if options.dry_run:
        if outcome == "enqueued":
            report.enqueued.append(ticket.id)
            return "would enqueue"
        return outcome
    with transaction(db):
        if outcome == "enqueued":
            event = TicketEvent(platform=platform, delivery_id=f"sweep:{platform}:{ticket.id}:{trigger.id}",
                                kind=KIND, ticket_id=ticket.id, comment_id=trigger.id,
                                author_id=trigger.author_id, requester_id=ticket.requester.id)
            payload = json.dumps({"source": "sweep", "ticket_id": ticket.id, "comment_id": trigger.id,
                                  "updated_at": ticket.updated_at, "waiting_since": trigger.created_at})
            if not jobs.insert_delivery(db, event, payload.encode(), now):
                outcome = "already queued"  # this very message was enqueued before (a run that was killed)
        db.execute("INSERT OR REPLACE INTO sweep_seen (platform, ticket_id, updated_at, outcome, at)"
                   " VALUES (?, ?, ?, ?, ?)", [platform, ticket.id, ticket.updated_at, outcome, now])
    if outcome == "enqueued":
        report.enqueued.append(ticket.id)
        _crash_point(len(report.enqueued))
    return outcome


def record_run(db: sqlite_utils.Database, report: SweepReport, finished_at: float) -> None:
    if not report.dry_run:
        db["sweep_runs"].insert({"started_at": report.started_at, "finished_at": finished_at, "dry_run": 0,
                                 "summary": json.dumps(report.summary())})


def _known(db: sqlite_utils.Database, platform: str, ticket_id: str, comment_id: str,
           comment_at: float) -> str | None:
    """"already queued" while a job for this message waits or runs, "already handled" once a
    job finished with it or the ledger names it; None when Deskhand does not have it. A job
    without a message (ticket.created, a trigger) stored after the message answers the newest one."""
    statuses = {row[0] for row in db.execute(
        "SELECT status FROM jobs WHERE platform = ? AND ticket_id = ? AND (comment_id = ? OR"
        " (comment_id = '' AND created_at >= ?)) UNION ALL SELECT 'done' FROM ledger WHERE platform = ?"
        " AND ticket_id = ? AND comment_id = ?",
        [platform, ticket_id, comment_id, comment_at, platform, ticket_id, comment_id]).fetchall()}
    if statuses & {"queued", "running"}:
        return "already queued"
    return "already handled" if statuses else None


def _crash_point(enqueued: int) -> None:
    """Fault injection for the resume test: DESKHAND_CRASH_AT=sweep_enqueue:N dies, without any
    cleanup, right after the Nth job of a run is stored (before the page's position is saved)."""
    name, _, n = os.environ.get("DESKHAND_CRASH_AT", "").partition(":")
    if name == "sweep_enqueue" and n.isdigit() and int(n) == enqueued:
        os._exit(75)


def _calls(summary: dict) -> str:
    if summary.get("source") == "search":  # Intercom: its reads wait out 429s themselves, uncounted
        return (f"{summary['api_calls']} API calls (search pages {summary['pages']}, conversation reads"
                f" {summary['comment_reads']})")
    return (f"{summary['api_calls']} API calls (ticket export pages {summary['pages']}, event export pages"
            f" {summary['event_pages']}, comment reads {summary['comment_reads']}), {summary['rate_limited']} rate-limited")


def describe(summary: dict) -> str:
    """The closing lines of `deskhand sweep` and the scheduled run's log line."""
    n = summary.get("would_enqueue", summary.get("enqueued", 0))
    verb = "would enqueue" if summary["dry_run"] else "enqueued"
    why = {"cap": "stopped at the cap per run; the rest waits for the next run",
           "waiting": "the rest changed too recently and waits for a later run",
           "caught up": "caught up"}.get(summary["stopped"], summary["stopped"])
    lines = [f"{'dry run: ' if summary['dry_run'] else ''}examined {summary['examined']} tickets, {verb} {n}"
             + (f": #{', #'.join(summary['tickets'][:20])}{' …' if n > 20 else ''}" if n else ""),
             "  " + ", ".join(f"{k} {v}" for k, v in summary["outcomes"].items()) if summary["outcomes"] else "",
             f"  {_calls(summary)}, {summary['duration_s']} s; {why}"
             + (f"; swept to {summary['swept_to']}" if summary["swept_to"] else "")]
    if summary["dry_run"]:
        lines.append("  nothing was written (set sweep_enabled = true, or pass --apply, to enqueue)")
    return "\n".join(line for line in lines if line)

