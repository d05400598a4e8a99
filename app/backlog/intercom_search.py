"""The backlog sweep on Intercom. The same rule as on Zendesk (app/backlog/sweeps.py): an open conversation
whose customer's newest message is unanswered, at least `sweep_waiting_minutes` old, that the
worker's guards would answer and Deskhand has no job or ledger row for, becomes a `ticket.sweep`
job, keyed by conversation and message, so nothing is enqueued twice.

Intercom has no incremental export to walk from a saved position. It keeps `waiting_since` on each
conversation instead (when the customer started waiting; cleared when a teammate replies), and its
search filters on it. So each run asks for the open conversations whose customer has waited since
between the lookback and the waiting cutoff, page by page, and keeps no position: what still waits
is found again next time, and the examined-version record (`sweep_seen`) and the job keys make a
repeat cheap and harmless. A conversation costs one read (its parts) unless that version was
examined before or it carries the opt-out tag.
"""
from __future__ import annotations

import time

import sqlite_utils

from app.backlog.sweeps import SweepOptions, SweepReport, consider, record_run, seen_before

PLATFORM = "intercom"
MAX_PER_PAGE = 150  # Intercom's search maximum


class IntercomSweep:
    def __init__(self, db: sqlite_utils.Database, helpdesk, options: SweepOptions, clock=time.time, progress=None):
        self.db, self.helpdesk, self.o, self.clock = db, helpdesk, options, clock
        # called per examined conversation; the search has no time order, so no position in time
        self.progress = progress or (lambda at, start, end: None)

    def run(self) -> SweepReport:
        now = self.clock()
        report = SweepReport(self.o.dry_run, now, source="search")
        cursor = ""
        try:
            while True:
                found, cursor = self.helpdesk.waiting(int(now - self.o.waiting_s), int(now - self.o.lookback_s),
                                                      per_page=min(self.o.page_size, MAX_PER_PAGE),
                                                      starting_after=cursor)
                report.pages += 1
                report.api_calls += 1
                for item in found:
                    if self.o.max_actions and len(report.enqueued) >= self.o.max_actions:
                        report.stopped = "cap"
                        return report
                    outcome = self._cheap(item)
                    if outcome is None:
                        report.api_calls += 1
                        report.comment_reads += 1
                        outcome = consider(self.db, self.helpdesk.snapshot(item["id"]).ticket, self.o, report, now)
                    report.examined += 1
                    report.outcomes[outcome] += 1
                    self.progress(None, 0.0, 0.0)
                if not cursor or not found:
                    report.stopped = "caught up"
                    return report
        except BaseException:
            report.stopped = "error"
            raise
        finally:
            report.duration_s = self.clock() - now
            record_run(self.db, report, self.clock())

    def _cheap(self, item: dict) -> str | None:
        if item["state"] != "open":
            return "not open"
        if self.o.opt_out_tag and self.o.opt_out_tag in item["tags"]:
            return "opted out"
        return "seen before" if seen_before(self.db, PLATFORM, item["id"], item["updated_at"]) else None
