"""The durable inbox and job queue.

A delivery is stored once (unique delivery id) together with its job in one
transaction: the web process does only this, the worker does the rest. Jobs are
claimed with a lease, and never while another live lease holds the same ticket, so
one ticket is worked on by one worker at a time. A crashed worker's lease simply
runs out and the job is claimed again.

A job set aside (its tries used up, or its lease expired on every try) goes to the
dead-letter table owing its ticket an internal note; `claim_failure_note` hands that
note to one worker at a time, which writes it outside any transaction (app/pipeline/worker.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import sqlite_utils

from app.core.domain import TicketEvent
from app.store import audit
from app.store.db import transaction

# action.done: an approved action ran; the customer is told (a job, so the reply goes out exactly once
# through the worker's ledger, whoever approved it and wherever)
ACTIONABLE = {"ticket.created", "ticket.customer_replied", "ticket.sweep", "action.done"}
DONE = "action.done"
# something happened to a ticket that may tell how Deskhand's work went: observed, never answered
# (app/outcomes/observe.py)
OBSERVED = {"ticket.solved", "ticket.reopened", "ticket.rated", "ticket.field_changed"}


def store_delivery(db: sqlite_utils.Database, event: TicketEvent, payload: bytes,
                   now: float | None = None) -> bool:
    """Store a verified delivery; returns False when this delivery id was seen before."""
    with transaction(db):
        return insert_delivery(db, event, payload, now)


def insert_delivery(db: sqlite_utils.Database, event: TicketEvent, payload: bytes,
                    now: float | None = None) -> bool:
    """The inbox row and its job, inside the caller's transaction."""
    now = time.time() if now is None else now
    cur = db.execute(
        "INSERT OR IGNORE INTO inbox (delivery_id, platform, kind, ticket_id, received_at, payload)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [event.delivery_id, event.platform, event.kind, event.ticket_id, now,
         payload.decode("utf-8", "replace")])
    if cur.rowcount == 0:
        return False
    if event.kind in ACTIONABLE or event.kind in OBSERVED:
        db.execute(
            "INSERT INTO jobs (delivery_id, platform, kind, ticket_id, comment_id, author_id,"
            " requester_id, status, attempts, run_at, lease_until, owner, last_error,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, 0, '', '', ?, ?)",
            [event.delivery_id, event.platform, event.kind, event.ticket_id, event.comment_id,
             event.author_id, event.requester_id, now, now, now])
    return True


def claim(db: sqlite_utils.Database, owner: str, lease_s: float, max_attempts: int = 0,
          now: float | None = None) -> tuple[int, TicketEvent, int] | None:
    """Take the oldest runnable job whose ticket nobody else holds: (job id, event, attempt).

    A job whose worker died keeps its attempts; once they reach `max_attempts` it goes to
    the dead-letter table instead of being claimed again (a job that kills its worker
    must not kill every worker forever).
    """
    now = time.time() if now is None else now
    with transaction(db):
        while True:
            cur = db.execute(
                "SELECT * FROM jobs j WHERE ((j.status = 'queued' AND j.run_at <= :now)"
                "   OR (j.status = 'running' AND j.lease_until < :now))"
                " AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.platform = j.platform"
                "   AND o.ticket_id = j.ticket_id AND o.status = 'running'"
                "   AND o.lease_until >= :now AND o.id != j.id)"
                " ORDER BY j.run_at, j.id LIMIT 1", {"now": now})
            row = cur.fetchone()
            if row is None:
                return None
            job = dict(zip([d[0] for d in cur.description], row))
            if job["status"] == "running" and max_attempts and job["attempts"] >= max_attempts:
                reason = "the worker stopped during every attempt (lease expired)"
                _bury(db, job, reason, now)
                audit.record(db, "error", platform=job["platform"], ticket_id=job["ticket_id"],
                             job_id=job["id"], delivery_id=job["delivery_id"],
                             summary=f"attempt {job['attempts']} never finished (dead): {reason}")
                continue
            break
        attempt = job["attempts"] + 1
        db.execute("UPDATE jobs SET status = 'running', owner = ?, lease_until = ?, attempts = ?,"
                   " updated_at = ? WHERE id = ?", [owner, now + lease_s, attempt, now, job["id"]])
    event = TicketEvent(platform=job["platform"], delivery_id=job["delivery_id"], kind=job["kind"],
                        ticket_id=job["ticket_id"], comment_id=job["comment_id"] or "",
                        author_id=job["author_id"] or "", requester_id=job["requester_id"] or "")
    return job["id"], event, attempt


def _bury(db: sqlite_utils.Database, job: dict, reason: str, now: float) -> None:
    """The only way a job becomes dead: inside the caller's transaction, together with its
    dead letter, which owes the ticket an internal note from this moment on."""
    db.execute("UPDATE jobs SET status = 'dead', last_error = ?, updated_at = ? WHERE id = ?",
               [reason, now, job["id"]])
    db.execute("INSERT OR REPLACE INTO dead_letters (job_id, delivery_id, platform, ticket_id,"
               " reason, attempts, at, note, note_owner, note_until, note_tries)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, 'owed', '', 0, 0)",
               [job["id"], job["delivery_id"], job["platform"], job["ticket_id"], reason, job["attempts"], now])


@dataclass(frozen=True)
class OwedNote:
    """A dead job whose ticket still lacks its failure note, held by one worker for a while."""
    job_id: int
    event: TicketEvent
    reason: str
    tries: int  # this one included


def claim_failure_note(db: sqlite_utils.Database, owner: str, lease_s: float, max_tries: int = 0,
                       now: float | None = None) -> OwedNote | None:
    """Take the oldest owed failure note nobody else holds, for `lease_s`. A worker that dies
    while writing it lets the lease run out, and another worker takes it up; after `max_tries`
    tries (0: no limit) the note is given up, so even a note that kills its writer ends."""
    now = time.time() if now is None else now
    with transaction(db):
        while True:
            cur = db.execute(
                "SELECT d.job_id, d.reason, d.note_tries, j.delivery_id, j.platform, j.kind, j.ticket_id,"
                " j.comment_id, j.author_id, j.requester_id FROM dead_letters d JOIN jobs j ON j.id = d.job_id"
                " WHERE d.note = 'owed' AND d.note_until < ? ORDER BY d.at, d.job_id LIMIT 1", [now])
            row = cur.fetchone()
            if row is None:
                return None
            job = dict(zip([d[0] for d in cur.description], row))
            if not max_tries or job["note_tries"] < max_tries:
                break
            db.execute("UPDATE dead_letters SET note = 'failed', note_until = 0 WHERE job_id = ?", [job["job_id"]])
        db.execute("UPDATE dead_letters SET note_owner = ?, note_until = ?, note_tries = note_tries + 1"
                   " WHERE job_id = ?", [owner, now + lease_s, job["job_id"]])
    event = TicketEvent(platform=job["platform"], delivery_id=job["delivery_id"], kind=job["kind"],
                        ticket_id=job["ticket_id"], comment_id=job["comment_id"] or "",
                        author_id=job["author_id"] or "", requester_id=job["requester_id"] or "")
    return OwedNote(job["job_id"], event, job["reason"] or "", job["note_tries"] + 1)


def settle_failure_note(db: sqlite_utils.Database, job_id: int, state: str) -> None:
    """The owed note is on the ticket (`done`), or the helpdesk refused it for good (`failed`)."""
    db.execute("UPDATE dead_letters SET note = ?, note_until = 0 WHERE job_id = ? AND note = 'owed'",
               [state, job_id])


def complete(db: sqlite_utils.Database, job_id: int, owner: str) -> None:
    db.execute("UPDATE jobs SET status = 'done', updated_at = ? WHERE id = ? AND owner = ?",
               [time.time(), job_id, owner])


def fail(db: sqlite_utils.Database, job_id: int, owner: str, reason: str, max_attempts: int,
         backoff: Callable[[int], float], now: float | None = None) -> str:
    """Schedule a retry with backoff, or move the job to the dead-letter table. Returns the new status."""
    now = time.time() if now is None else now
    with transaction(db):
        row = db.execute("SELECT attempts, delivery_id, platform, ticket_id FROM jobs"
                         " WHERE id = ? AND owner = ?", [job_id, owner]).fetchone()
        if row is None:
            return "lost"  # our lease ran out and another worker owns it now
        attempts, delivery_id, platform, ticket_id = row
        if attempts >= max_attempts:
            _bury(db, {"id": job_id, "delivery_id": delivery_id, "platform": platform,
                       "ticket_id": ticket_id, "attempts": attempts}, reason, now)
            return "dead"
        db.execute("UPDATE jobs SET status = 'queued', run_at = ?, last_error = ?, updated_at = ?"
                   " WHERE id = ?", [now + backoff(attempts), reason, now, job_id])
        return "queued"


def queue_depth(db: sqlite_utils.Database) -> dict[str, int]:
    return {status: n for status, n in db.execute(
        "SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()}
