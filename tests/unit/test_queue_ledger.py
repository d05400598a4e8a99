import threading

import pytest

from app.core.domain import TicketEvent
from app.store import jobs, ledger
from app.store.db import connect, migrate


@pytest.fixture
def db(tmp_path):
    database = connect(str(tmp_path / "t.db"))
    migrate(database)
    return database


def ev(delivery, ticket="1", kind="ticket.created"):
    return TicketEvent("zendesk", delivery, kind, ticket)


def test_duplicate_delivery_stores_one_job(db):
    assert jobs.store_delivery(db, ev("d1"), b"{}") is True
    assert jobs.store_delivery(db, ev("d1"), b"{}") is False
    assert db["jobs"].count == 1 and db["inbox"].count == 1


def test_concurrent_duplicates_from_many_connections(tmp_path):
    path = str(tmp_path / "c.db")
    migrate(connect(path))
    results = []

    def deliver():
        results.append(jobs.store_delivery(connect(path), ev("same"), b"{}"))

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [False] * 19 + [True]
    assert connect(path)["jobs"].count == 1


def test_non_actionable_events_are_stored_without_a_job(db):
    jobs.store_delivery(db, ev("d2", kind="ticket.agent_replied"), b"{}")
    assert db["inbox"].count == 1 and db["jobs"].count == 0


def test_outcome_events_get_a_job_to_observe_the_ticket(db):
    for n, kind in enumerate(sorted(jobs.OBSERVED)):
        jobs.store_delivery(db, ev(f"o{n}", kind=kind), b"{}")
    assert sorted(r["kind"] for r in db["jobs"].rows) == sorted(jobs.OBSERVED)


def test_one_worker_per_ticket_and_lease_expiry(db):
    jobs.store_delivery(db, ev("a", ticket="1"), b"{}", now=100)
    jobs.store_delivery(db, ev("b", ticket="1"), b"{}", now=101)
    jobs.store_delivery(db, ev("c", ticket="2"), b"{}", now=102)
    first = jobs.claim(db, "w1", lease_s=30, now=200)
    second = jobs.claim(db, "w2", lease_s=30, now=200)
    assert first[1].delivery_id == "a"
    assert second[1].delivery_id == "c"  # ticket 1 is held by w1
    assert jobs.claim(db, "w3", lease_s=30, now=200) is None
    # w1 dies; after its lease the job is claimed again, with the attempt counted.
    again = jobs.claim(db, "w3", lease_s=30, now=231)
    assert (again[1].delivery_id, again[2]) == ("a", 2)


def test_a_job_that_keeps_killing_its_worker_is_dead_lettered(db):
    jobs.store_delivery(db, ev("a"), b"{}", now=0)
    for attempt in range(3):
        assert jobs.claim(db, "w", lease_s=10, max_attempts=3, now=100 * attempt)[2] == attempt + 1
    assert jobs.claim(db, "w", lease_s=10, max_attempts=3, now=1000) is None
    assert "lease expired" in db["dead_letters"].get(1)["reason"]


def test_retry_then_dead_letter(db):
    jobs.store_delivery(db, ev("a"), b"{}", now=0)
    job_id, _, _ = jobs.claim(db, "w", 30, now=1)
    assert jobs.fail(db, job_id, "w", "boom", max_attempts=2, backoff=lambda n: 10, now=1) == "queued"
    assert jobs.claim(db, "w", 30, now=5) is None  # backing off
    job_id, _, attempt = jobs.claim(db, "w", 30, now=12)
    assert attempt == 2
    assert jobs.fail(db, job_id, "w", "boom again", max_attempts=2, backoff=lambda n: 10, now=12) == "dead"
    assert db["dead_letters"].get(job_id)["reason"] == "boom again"
    assert jobs.claim(db, "w", 30, now=1000) is None


def test_ledger_plans_once_and_audit_is_append_only(db):
    key = ledger.reply_key("zendesk", "1", "c1")
    assert key == ledger.reply_key("zendesk", "1", "c1") != ledger.reply_key("zendesk", "1", "c2")
    ledger.plan(db, key, "zendesk", "1", "c1", "send", "first")
    assert ledger.plan(db, key, "zendesk", "1", "c1", "send", "second")["body"] == "first"
    from app.store import audit
    audit.record(db, "triage", platform="zendesk", ticket_id="1", summary="x")
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE audit SET step = 'forged'")
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM audit")
