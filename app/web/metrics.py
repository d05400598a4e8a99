"""GET /metrics: Prometheus text format, through the official `prometheus_client`.

Read at scrape time from the database (app/store/tallies.py says why: the worker is another
process). A scraper is not a browser: it sends `Authorization: Bearer <metrics_token>`, a token of
its own so that a Prometheus configuration never holds the /admin sign-in token. With no
`metrics_token` set the route answers 404, like /admin without its token.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from app.core.strict import same_secret
from app.outcomes import store as outcome_store
from app.outcomes.derive import KINDS
from app.store import db as dbmod
from app.store import tallies

bp = Blueprint("metrics", __name__)

class DatabaseCollector:
    """Every Deskhand metric, from one database file, at each scrape."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.tally = tallies.Tally()

    def collect(self):
        db = dbmod.connect(self.db_path)
        try:
            t, state = self.tally.read(db), tallies.now(db)
            outcomes = outcome_store.counts(db)
        finally:
            db.conn.close()
        yield _counter("deskhand_events_received", "Helpdesk events stored (verified, deduplicated)",
                       ("platform", "kind"), t.events)
        yield _counter("deskhand_decisions", "Pipeline decisions", ("action", "category"), t.decisions)
        yield _counter("deskhand_connector_errors", "Failed lookups and helpdesk errors",
                       ("connector", "kind"), t.connector_errors)
        yield _counter("deskhand_job_failures", "Failed job attempts (retried or dead)", ("platform", "error"),
                       t.job_failures)
        yield _counter("deskhand_llm_tokens", "LLM tokens spent (input + output)", ("step",), t.tokens)
        yield _counter("deskhand_llm_cost_usd", "LLM cost in US dollars", ("step",), t.cost_usd)
        cumulative, buckets = 0, []
        for le, n in zip([*map(str, tallies.LATENCY_BUCKETS), "+Inf"], t.latency_counts):
            cumulative += n
            buckets.append((le, cumulative))
        yield HistogramMetricFamily("deskhand_pipeline_latency_seconds",
                                    "Webhook stored to job finished, queue wait included",
                                    buckets=buckets, sum_value=t.latency_sum)
        queue = GaugeMetricFamily("deskhand_jobs", "Jobs waiting (queued, retries included) and running",
                                  labels=("status",))
        for status, n in sorted(state.queue.items()):
            queue.add_metric((status,), n)
        yield queue
        yield GaugeMetricFamily("deskhand_oldest_queued_job_age_seconds", "Age of the oldest queued job",
                                value=state.oldest_queued_age_s)
        yield GaugeMetricFamily("deskhand_dead_jobs", "Jobs in the dead-letter table", value=state.dead_jobs)
        yield GaugeMetricFamily("deskhand_failure_notes_owed", "Dead jobs whose internal note is not yet written",
                                value=state.failure_notes_owed)
        yield _counter("deskhand_outcomes", "Outcomes of decisions, by kind (app/outcomes)", ("kind",),
                       {(kind,): outcomes.get(kind, 0) for kind in KINDS})


def _counter(name: str, doc: str, labels: tuple[str, ...], values) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(key, value)
    return family


def register(app: Flask) -> None:
    """One registry per app (tests build many apps in one process; the global one would mix them)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(app.config["DESKHAND"].db_path))
    app.extensions["deskhand.metrics"] = registry
    app.register_blueprint(bp)


@bp.get("/metrics")
def metrics():
    token = current_app.config["DESKHAND"].metrics_token
    if not token:
        return Response("metrics disabled: set metrics_token\n", 404, mimetype="text/plain")
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not same_secret(sent.strip(), token):
        return Response("send Authorization: Bearer <metrics_token>\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="deskhand metrics"'})
    return Response(generate_latest(current_app.extensions["deskhand.metrics"]), mimetype=CONTENT_TYPE_LATEST)
