"""/metrics: who may scrape it, and how each scrape reads only what is new."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from app.core.config import Settings
from app.store import audit
from app.store.db import connect, migrate
from app.store.tallies import Tally, error_kind
from app.web.factory import create_app

TOKEN = "metrics-token-0123456789abcdef"


def samples(text: str) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_are_off_without_a_token_and_refuse_a_wrong_one(tmp_path):
    off = create_app(Settings(data_dir=str(tmp_path / "a"))).test_client()
    assert off.get("/metrics").status_code == 404
    client = create_app(Settings(data_dir=str(tmp_path / "b"), metrics_token=TOKEN)).test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    ok = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ("deskhand_dead_jobs", ()) in samples(ok.get_data(as_text=True))


def _job(db, n: int, created: float, done: float | None) -> None:
    db["jobs"].insert({"delivery_id": f"d{n}", "platform": "zendesk", "kind": "ticket.created", "ticket_id": str(n),
                       "status": "done" if done else "queued", "attempts": 1, "run_at": created,
                       "created_at": created, "updated_at": done or created})


def test_each_scrape_adds_only_the_rows_written_since_the_last(tmp_path):
    db = connect(str(tmp_path / "d.db"))
    migrate(db)
    tally = Tally()
    _job(db, 1, 100.0, 100.2)  # 0.2 s: the 0.25 bucket
    _job(db, 2, 100.0, 103.0)  # 3 s: the 5 bucket
    audit.record(db, "decide", platform="zendesk", ticket_id="1", action="send", category="billing")
    audit.record(db, "gather", platform="zendesk", ticket_id="1",
                 gaps=[{"source": "billing", "reason": "no answer within 2.0 s"},
                       {"source": "crm", "reason": "Unavailable: hubspot 503"}])
    first = tally.read(db)
    assert first.latency_counts[1] == 1 and first.latency_counts[5] == 1 and round(first.latency_sum, 3) == 3.2
    assert first.decisions == {("send", "billing"): 1}
    assert first.connector_errors == {("billing", "timeout"): 1, ("crm", "Unavailable"): 1}
    _job(db, 3, 200.0, 200.05)
    audit.record(db, "decide", platform="zendesk", ticket_id="3", action="send", category="billing")
    audit.record(db, "error", platform="zendesk", ticket_id="3",
                 summary="attempt 1 failed (queued): RateLimited: zendesk 429")
    second = tally.read(db)
    assert sum(second.latency_counts) == 3 and second.latency_counts[0] == 1
    assert second.decisions == {("send", "billing"): 2}
    assert second.job_failures == {("zendesk", "RateLimited"): 1}
    assert second.connector_errors[("zendesk", "RateLimited")] == 1
    assert tally.read(db).decisions == {("send", "billing"): 2}  # nothing new: nothing counted twice
    assert error_kind("ValueError: bad") == "ValueError" and error_kind("odd") == "error"


def test_outcome_counts_are_every_kind_read_from_the_outcomes_table(tmp_path):
    client = create_app(Settings(data_dir=str(tmp_path / "d"), metrics_token=TOKEN)).test_client()
    db = connect(str(tmp_path / "d" / "deskhand.db"))
    for n, kind in enumerate(["solved", "solved", "reopened"]):
        db["outcomes"].insert({"at": 100.0 + n, "platform": "zendesk", "ticket_id": "7", "key": f"k{n}",
                               "decision_id": 1, "category": "billing", "action": "send", "kind": kind,
                               "value": None, "detail": "{}"})
    got = samples(client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True))
    assert got[("deskhand_outcomes_total", (("kind", "solved"),))] == 2
    assert got[("deskhand_outcomes_total", (("kind", "reopened"),))] == 1
    assert got[("deskhand_outcomes_total", (("kind", "csat"),))] == 0  # every kind, 0 until seen
