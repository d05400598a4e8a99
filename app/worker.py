"""`deskhand worker`: claim jobs with a lease, run the pipeline, retry with backoff,
dead-letter after N tries — and then still tell a human, with an internal note."""
from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time

from connectors.errors import ConnectorError, RateLimited
from connectors.helpdesk import Helpdesk
from connectors.types import FAILED, TicketUpdate

from . import audit, jobs, ledger
from .config import Settings
from .db import connect, migrate
from .action_plan import Caps
from .engine import Engine
from .gather import Gatherer
from .pipeline import Pipeline

log = logging.getLogger("deskhand.worker")


def backoff(base_s: float):
    """Capped exponential backoff with jitter in [d/2, d]."""
    def delay(attempt: int) -> float:
        d = min(base_s * 2 ** (attempt - 1), 300.0)
        return random.uniform(d / 2, d)
    return delay


class Worker:
    def __init__(self, settings: Settings, helpdesk: Helpdesk, engine: Engine, name: str = "",
                 gatherer: Gatherer | None = None):
        self.settings = settings
        self.db = connect(settings.db_path)
        migrate(self.db)
        self.helpdesk = helpdesk
        self.pipeline = Pipeline(self.db, helpdesk, engine, settings.opt_out_tag, settings.ai_label,
                                 settings.canary_list, settings.link_hosts, gatherer,
                                 Caps(settings.refund_cap, settings.refunds_per_customer_30d),
                                 alert_channel=settings.slack_channel)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"

    def run_once(self) -> bool:
        """Claim and run one job; False when nothing was runnable."""
        claimed = jobs.claim(self.db, self.name, self.settings.lease_s, self.settings.max_attempts)
        if claimed is None:
            return False
        job_id, event, attempt = claimed
        try:
            outcome = self.pipeline.run(job_id, event)
        except Exception as exc:  # every failure becomes a retry or a dead letter, never a lost job
            self._failed(job_id, event, attempt, exc)
            return True
        jobs.complete(self.db, job_id, self.name)
        log.info("job %s ticket %s: %s (%s)", job_id, event.ticket_id, outcome.action, outcome.reason)
        return True

    def run(self, stop: threading.Event, idle_exit: bool = False) -> None:
        while not stop.is_set():
            if not self.run_once():
                if idle_exit:
                    return
                stop.wait(self.settings.poll_s)

    def _failed(self, job_id: int, event, attempt: int, exc: Exception) -> None:
        reason = f"{exc.__class__.__name__}: {exc}"
        retryable = not isinstance(exc, ConnectorError) or exc.retryable
        max_attempts = self.settings.max_attempts if retryable else attempt
        if isinstance(exc, RateLimited):
            delay = lambda _n: exc.retry_after  # noqa: E731  (the server said when)
        else:
            delay = backoff(self.settings.retry_base_s)
        status = jobs.fail(self.db, job_id, self.name, reason, max_attempts, delay)
        audit.record(self.db, "error", platform=event.platform, ticket_id=event.ticket_id, job_id=job_id,
                     delivery_id=event.delivery_id, summary=f"attempt {attempt} failed ({status}): {reason}")
        log.warning("job %s ticket %s attempt %s failed (%s): %s", job_id, event.ticket_id, attempt, status, reason)
        if status == "dead":
            self._tell_a_human(job_id, event, reason)

    def _tell_a_human(self, job_id: int, event, reason: str) -> None:
        """A job that cannot finish still leaves an internal note, once (DESIGN §7.7)."""
        key = ledger.reply_key(event.platform, event.ticket_id, event.delivery_id, "failure")
        body = (f"Deskhand could not finish working on this ticket and stopped after repeated failures.\n"
                f"Last error: {reason}\nA person should take it from here.")
        row = ledger.plan(self.db, key, event.platform, event.ticket_id, event.comment_id, "escalate",
                          json.dumps({"body": body}))
        if row["state"] == "done":
            return
        try:
            self.helpdesk.write(event.ticket_id, TicketUpdate(body=body, public=False,
                                                              add_tags=(FAILED,)))
            ledger.mark(self.db, key, "done")
        except Exception as exc:  # the helpdesk itself is down: the dead letter keeps the job
            log.error("could not leave the failure note on ticket %s: %s", event.ticket_id, exc)


def wait_for_idle(settings: Settings, timeout_s: float) -> bool:
    """True once no job is queued or running (for the demo and tests)."""
    db = connect(settings.db_path)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            depth = jobs.queue_depth(db)
            if not depth.get("queued") and not depth.get("running"):
                return True
            time.sleep(0.05)
        return False
    finally:
        db.conn.close()
