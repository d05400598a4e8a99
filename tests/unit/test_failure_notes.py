"""Every job set aside leaves its ticket one internal note saying a person should take over
(DESIGN §7.7): attempts used up through `jobs.fail`, or a worker that died on every attempt
(`jobs.claim` finds the lease expired `max_attempts` times). Written by a worker after the
transaction that buried the job, once, however many workers race for it."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from app.core.config import Settings
from app.core.domain import TicketEvent
from app.pipeline.worker import Worker
from app.store import jobs, ledger
from app.store.db import connect, migrate
from connectors.types import FAILED

TAKE_OVER = "A person should take it from here."


class FakeHelpdesk:
    """Records writes; the tags it reports are those of the writes that landed (plus `extra_tags`)."""
    platform = "zendesk"

    def __init__(self, fail_writes: int = 0, write_delay_s: float = 0.0):
        self.writes, self.extra_tags, self.snapshots = [], [], 0
        self.fail_writes, self.write_delay_s = fail_writes, write_delay_s
        self.lock = threading.Lock()

    def bot_user_id(self) -> str:
        return "bot"

    def snapshot(self, ticket_id, requester_id=""):
        self.snapshots += 1
        tags = [t for _, u in self.writes for t in u.add_tags] + self.extra_tags
        return SimpleNamespace(ticket=SimpleNamespace(tags=tuple(tags)))

    def write(self, ticket_id, update):
        time.sleep(self.write_delay_s)
        with self.lock:
            if self.fail_writes:
                self.fail_writes -= 1
                raise ConnectionError("helpdesk unreachable")
            self.writes.append((ticket_id, update))
            return f"audit-{len(self.writes)}"


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=str(tmp_path / "data"), max_attempts=3, lease_s=60, retry_base_s=0.001)


def worker(settings, helpdesk, name="w1") -> Worker:
    return Worker(settings, helpdesk, engine=None, name=name)


def queue(settings, delivery="d1", ticket="7", now=0.0) -> None:
    db = connect(settings.db_path)
    migrate(db)
    jobs.store_delivery(db, TicketEvent("zendesk", delivery, "ticket.created", ticket, comment_id="c1"),
                        b"{}", now=now)


def die_on_every_attempt(settings, attempts: int = 3) -> None:
    """Workers claim the job and vanish: each lease runs out (long ago)."""
    db = connect(settings.db_path)
    for n in range(attempts):
        assert jobs.claim(db, f"gone-{n}", lease_s=10, max_attempts=attempts, now=100.0 * (n + 1))[2] == n + 1


def dead_letter(settings, job_id: int = 1) -> dict:
    return connect(settings.db_path)["dead_letters"].get(job_id)


def test_a_job_whose_worker_dies_on_every_attempt_gets_the_note_once(settings):
    queue(settings)
    die_on_every_attempt(settings)
    desk = FakeHelpdesk()
    w = worker(settings, desk)
    assert w.run_once() is True  # nothing to run, but claim buried the job and its note was owed
    [(ticket, note)] = desk.writes
    assert ticket == "7" and note.public is False and TAKE_OVER in note.body
    assert "the worker stopped during every attempt (lease expired)" in note.body
    key = ledger.reply_key("zendesk", "7", "d1", "failure")
    assert set(note.add_tags) == {FAILED, ledger.marker_tag(key)}
    assert ledger.get(w.db, key)["state"] == "done"
    dead = dead_letter(settings)
    assert dead["note"] == "done" and dead["attempts"] == 3 and "lease expired" in dead["reason"]
    assert w.db["jobs"].get(1)["status"] == "dead"
    steps = [r["step"] for r in w.db["audit"].rows_where("ticket_id = '7'", order_by="id")]
    assert steps == ["error", "handover"]
    # nothing is left to do, for this worker or another
    assert w.run_once() is False and worker(settings, desk, "w2").run_once() is False
    assert len(desk.writes) == 1


def test_attempts_used_up_through_fail_leave_the_same_note_once(settings):
    queue(settings)
    desk = FakeHelpdesk()
    w = worker(settings, desk)

    def explode(job_id, event):
        raise RuntimeError("classifier exploded")
    w.pipeline.run = explode
    deadline = time.monotonic() + 10
    while dead_letter_count(w) == 0 and time.monotonic() < deadline:
        w.run_once()
    [(_, note)] = desk.writes  # written by the worker that buried the job, in the same run_once
    assert note.public is False and TAKE_OVER in note.body and "RuntimeError: classifier exploded" in note.body
    assert dead_letter(settings)["note"] == "done"
    assert w.run_once() is False and len(desk.writes) == 1


def dead_letter_count(w) -> int:
    return w.db["dead_letters"].count


def test_two_workers_racing_for_the_note_write_it_once(settings):
    queue(settings)
    die_on_every_attempt(settings)
    jobs.claim(connect(settings.db_path), "burier", 60, max_attempts=3)  # buries it; its worker vanishes
    assert dead_letter(settings)["note"] == "owed"
    desk = FakeHelpdesk(write_delay_s=0.2)
    racers = [worker(settings, desk, f"w{n}") for n in range(4)]
    start = threading.Barrier(len(racers))

    def race(w):
        start.wait()
        w.leave_failure_notes()
    threads = [threading.Thread(target=race, args=(w,)) for w in racers]
    [t.start() for t in threads]
    [t.join(10) for t in threads]
    assert len(desk.writes) == 1 and dead_letter(settings)["note"] == "done"


@pytest.mark.parametrize("landed", [True, False])
def test_a_note_writer_that_died_mid_write_is_resolved_by_the_marker(settings, landed):
    queue(settings)
    die_on_every_attempt(settings)
    db = connect(settings.db_path)
    jobs.claim(db, "burier", 60, max_attempts=3)
    owed = jobs.claim_failure_note(db, "dead-writer", lease_s=10, now=time.time() - 60)  # its lease ran out
    key = ledger.reply_key("zendesk", "7", "d1", "failure")
    ledger.plan(db, key, "zendesk", "7", "c1", "escalate", '{"body": "the planned note"}')
    ledger.mark(db, key, "sending")  # …and it died around the remote write
    desk = FakeHelpdesk()
    if landed:
        desk.extra_tags.append(ledger.marker_tag(key))
    assert owed is not None and worker(settings, desk).leave_failure_notes() is True
    assert desk.snapshots == 1
    assert [u.body for _, u in desk.writes] == ([] if landed else ["the planned note"])
    assert ledger.get(db, key)["state"] == "done" and dead_letter(settings)["note"] == "done"


def test_a_helpdesk_outage_keeps_the_note_owed_then_gives_up(settings):
    queue(settings)
    die_on_every_attempt(settings)
    desk = FakeHelpdesk(fail_writes=1)
    w = worker(settings, desk)
    w.run_once()
    assert desk.writes == [] and dead_letter(settings)["note"] == "owed"
    assert w.leave_failure_notes() is False  # held for lease_s: no retry storm
    # the lease runs out: the next try writes it
    w.db.execute("UPDATE dead_letters SET note_until = 0")
    assert w.leave_failure_notes() is True and len(desk.writes) == 1
    assert dead_letter(settings)["note"] == "done"
    # a helpdesk that refuses every time: given up after max_attempts tries, logged, not retried forever
    queue(settings, delivery="d2", ticket="8", now=time.time())
    refusing = FakeHelpdesk(fail_writes=99)
    w2 = worker(settings.with_overrides(lease_s=0), refusing, "w2")
    w.pipeline.run = w2.pipeline.run = lambda *_: (_ for _ in ()).throw(RuntimeError("boom"))
    while dead_letter_count(w2) < 2:
        w2.run_once()
    w2.leave_failure_notes()
    assert refusing.writes == [] and refusing.fail_writes == 99 - 3
    assert dead_letter(settings, 2)["note"] == "failed"


def test_claim_failure_note_is_exclusive_and_ends(settings):
    queue(settings)
    db = connect(settings.db_path)
    job_id, _, _ = jobs.claim(db, "w", 30, now=1)
    assert jobs.fail(db, job_id, "w", "boom", max_attempts=1, backoff=lambda n: 1, now=2) == "dead"
    first = jobs.claim_failure_note(db, "a", lease_s=30, max_tries=2, now=10)
    assert (first.job_id, first.event.ticket_id, first.event.comment_id, first.reason, first.tries) == \
        (job_id, "7", "c1", "boom", 1)
    assert jobs.claim_failure_note(db, "b", lease_s=30, max_tries=2, now=20) is None  # a holds it
    assert jobs.claim_failure_note(db, "b", lease_s=30, max_tries=2, now=41).tries == 2  # a's lease ran out
    # a note that killed its writer on every try is given up, not taken up forever
    assert jobs.claim_failure_note(db, "c", lease_s=30, max_tries=2, now=100) is None
    assert db["dead_letters"].get(job_id)["note"] == "failed"


def test_dead_letters_from_before_the_notes_owe_nothing(settings):
    queue(settings)
    db = connect(settings.db_path)
    db.execute("INSERT INTO dead_letters (job_id, delivery_id, platform, ticket_id, reason, attempts, at)"
               " VALUES (99, 'old', 'zendesk', '1', 'long ago', 5, 0)")
    assert db["dead_letters"].get(99)["note"] == ""
    assert jobs.claim_failure_note(db, "w", 30) is None
