"""`deskhand worker`: claim jobs with a lease, run the pipeline, retry with backoff,
dead-letter after N tries — and then still tell a human, with an internal note.

Every way a job is set aside — its tries used up (`jobs.fail`) or its worker gone on every
try (`jobs.claim` finds the lease expired `max_attempts` times) — leaves a dead letter that
owes the ticket that note. Whichever worker gets there next writes it, after the transaction
that buried the job, once: the dead letter is held with a lease while the note is written and
the ledger keeps its reply key, so two workers, or a worker that dies mid-write, still leave
one note."""
from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time

from app.core.config import Settings
from app.learning.registry import Follower
from app.outcomes import observe
from app.pipeline.gather import Gatherer
from app.pipeline.orchestrator import Pipeline
from app.policy.action_plan import Caps
from app.reasoning import triage
from app.reasoning.engine import Engine
from app.reasoning.model_card import models_dir
from app.store import audit, jobs, ledger, wakeup
from app.store.db import connect, migrate
from connectors.errors import ConnectorError, RateLimited
from connectors.helpdesk import Helpdesk
from connectors.types import FAILED, TicketUpdate

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
        self.pipeline.observe = self._observe_snapshot
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        # a model promoted while the worker runs (`deskhand model promote`, the scheduled retrain)
        # is served from the next job on
        self.model_follower = Follower(models_dir(settings.data_dir))

    def warm_up(self) -> None:
        """Load the models triage loads on first use, before the first job rather than during it. A
        failure is only logged: the first job meets it again and is retried like any other."""
        try:
            triage.warm_up()
        except Exception as exc:
            log.warning("could not load the triage models ahead of the first job: %s", exc)

    def run_once(self) -> bool:
        """Claim and run one job, then write the failure notes owed; False when there was
        nothing to do (no runnable job, no owed note)."""
        claimed = jobs.claim(self.db, self.name, self.settings.lease_s, self.settings.max_attempts)
        if claimed is None:  # claim may have buried jobs on the way: their notes are owed now
            return self.leave_failure_notes()
        job_id, event, attempt = claimed
        if self.model_follower.refresh(self.pipeline.engine):
            log.info("now serving model %s", self.pipeline.engine.model_version)
        try:
            outcome = self.pipeline.run(job_id, event)
            self._observe(event)
        except Exception as exc:  # every failure becomes a retry or a dead letter, never a lost job
            self._failed(job_id, event, attempt, exc)
        else:
            jobs.complete(self.db, job_id, self.name)
            log.info("job %s ticket %s: %s (%s)", job_id, event.ticket_id, outcome.action, outcome.reason)
        self.leave_failure_notes()
        return True

    def _alert(self):
        chat, channel = self.pipeline.gatherer.systems.chat, self.settings.slack_channel
        return (lambda text: chat.post(channel, text)) if chat is not None and channel else None

    def _observe(self, event) -> None:
        """An outcome event (a solve, a reopen, a rating, a field change): read the ticket and record
        what happened since Deskhand's writes (app/outcomes/); a failure retries the job."""
        if event.kind in jobs.OBSERVED:
            observe.ticket(self.db, self.helpdesk, event.ticket_id, self.settings.category_field_id, self._alert())

    def _observe_snapshot(self, ticket) -> None:
        """The pipeline's own read of a ticket (a customer's reply, a sweep): what it shows since
        Deskhand's last write is recorded at no extra helpdesk call. A failure here is only logged;
        the reply goes on, and the next event or the outcome sweep reads the ticket again."""
        try:
            observe.snapshot(self.db, ticket, self.settings.category_field_id, self._alert())
        except Exception as exc:
            log.warning("could not record the outcomes of ticket %s: %s", ticket.id, exc)

    def leave_failure_notes(self) -> bool:
        """Write every owed failure note nobody else is writing; True when there was one."""
        found = False
        lease_s, tries = self.settings.lease_s, self.settings.max_attempts
        while (owed := jobs.claim_failure_note(self.db, self.name, lease_s, tries)) is not None:
            found = True
            self._tell_a_human(owed)
        return found

    def run(self, stop: threading.Event, idle_exit: bool = False) -> None:
        """Until `stop`: run jobs while there are any, then wait for one. A job stored by the web process
        wakes the worker at once (app/store/wakeup.py); the idle poll every `poll_s` is what guarantees
        it is picked up, wake-up or not."""
        with wakeup.Listener(self.settings.data_dir) as bell:
            while not stop.is_set():
                if not self.run_once():
                    if idle_exit:
                        return
                    bell.wait(self.settings.poll_s, stop)

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
        # a dead job's note is written by leave_failure_notes, right after this

    def _tell_a_human(self, owed: jobs.OwedNote) -> None:
        """A job that cannot finish still leaves an internal note, once (DESIGN §7.7). Planned in
        the ledger under its own reply key, marked `sending` before the write; a row found in
        `sending` (a worker died around the write) is resolved by looking for its marker first."""
        event = owed.event
        key = ledger.reply_key(event.platform, event.ticket_id, event.delivery_id, "failure")
        body = (f"Deskhand could not finish working on this ticket and stopped after repeated failures.\n"
                f"Last error: {owed.reason}\nA person should take it from here.")
        row = ledger.plan(self.db, key, event.platform, event.ticket_id, event.comment_id, "escalate",
                          json.dumps({"body": body}))
        marker = ledger.marker_tag(key)
        try:
            if row["state"] == "sending" and marker in self.helpdesk.snapshot(event.ticket_id).ticket.tags:
                ledger.mark(self.db, key, "done", "found-on-ticket")
            elif row["state"] != "done":
                ledger.mark(self.db, key, "sending")
                remote = self.helpdesk.write(event.ticket_id, TicketUpdate(
                    body=json.loads(row["body"])["body"], public=False, add_tags=(FAILED, marker)))
                ledger.mark(self.db, key, "done", remote)
                audit.record(self.db, "handover", platform=event.platform, ticket_id=event.ticket_id,
                             job_id=owed.job_id, delivery_id=event.delivery_id,
                             summary="internal note left: a person should take it from here", reason=owed.reason)
        except Exception as exc:  # the helpdesk itself is down: the lease runs out and a worker tries again
            given_up = owed.tries >= self.settings.max_attempts
            if given_up:
                jobs.settle_failure_note(self.db, owed.job_id, "failed")
            log.error("could not leave the failure note on ticket %s (try %s%s): %s", event.ticket_id,
                      owed.tries, ", giving up" if given_up else "", exc)
            return
        jobs.settle_failure_note(self.db, owed.job_id, "done")


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
