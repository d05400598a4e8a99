"""GET /metrics scraped over HTTP as Prometheus would, and read with the official parser: the figures
follow from what the test sent through the sandbox, the web app and the worker."""
from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from app.pipeline.worker import Worker
from tests.conftest import created_event, zendesk_headers
from tests.scenario.conftest import SECRET, open_loop

SEND, ESCALATE = 2003, 2021  # stream tickets: login how-to, legal threat
TOKEN = "scrape-" + "x" * 24


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one scrape."""
    reply = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(reply.text) for s in family.samples}


def total(samples: dict, name: str, **labels) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def test_metrics_count_what_the_worker_did_in_another_registry(tmp_path, trained_model):
    from app.reasoning.llm_engine import LlmEngine, Prices
    from connectors.llm import ChatModel
    from tests.fakes.openai_server import FakeOpenAI, answer, written
    with open_loop(tmp_path, trained_model, metrics_token=TOKEN) as loop, FakeOpenAI() as fake:
        before = scrape(loop.deskhand_url)
        assert total(before, "deskhand_events_received_total") == 0
        assert total(before, "deskhand_pipeline_latency_seconds_count") == 0

        fake.script.extend([answer("login_2fa", 0.99),
                            written("Hi there,\n\nOn the sign-in page click Forgot password to get a new link."),
                            ("text", "not JSON")])
        chat = ChatModel("fake-model", base_url=fake.base_url, timeout_s=5, max_retries=0)
        worker = Worker(loop.settings, loop.worker.helpdesk, LlmEngine(loop.worker.pipeline.engine, chat,
                                                                       Prices(1.0, 2.0)), name="w-metrics")
        loop.sb.play([SEND, ESCALATE])
        body = created_event(999999, "ev-missing")  # a ticket the helpdesk does not have: the job dies
        assert requests.post(f"{loop.deskhand_url}/webhooks/zendesk", data=body,
                             headers=zendesk_headers(body, SECRET), timeout=10).status_code == 202
        assert loop.sb.flush_webhooks(10)
        while worker.run_once():
            pass
        assert loop.sb.flush_webhooks(10)
        after = scrape(loop.deskhand_url)

    created = sum(1 for d in loop.sb.webhook_deliveries if d["type"].endswith("ticket.created"))
    assert created == 2
    assert total(after, "deskhand_events_received_total", kind="ticket.created", platform="zendesk") == created + 1
    # decisions as the sandbox saw them: one public reply, one internal note
    assert [c["public"] for c in loop.bot_comments(SEND)] == [True]
    assert [c["public"] for c in loop.bot_comments(ESCALATE)] == [False]
    assert total(after, "deskhand_decisions_total", action="send", category="login_2fa") == 1
    assert total(after, "deskhand_decisions_total", action="escalate") == 1
    assert total(after, "deskhand_decisions_total") == 2
    # the fake model's usage: 150 tokens for the triage of each ticket and 150 for the one reply it wrote
    assert total(after, "deskhand_llm_tokens_total", step="triage") == 300
    assert total(after, "deskhand_llm_tokens_total", step="compose") == 150
    assert total(after, "deskhand_llm_cost_usd_total") > 0
    # two jobs finished, one died on the helpdesk's 404 (permanent: no retry)
    assert total(after, "deskhand_pipeline_latency_seconds_count") == 2
    assert total(after, "deskhand_pipeline_latency_seconds_bucket", le="+Inf") == 2
    assert 0 < total(after, "deskhand_pipeline_latency_seconds_sum") < 60
    assert total(after, "deskhand_dead_jobs") == 1
    assert total(after, "deskhand_job_failures_total", error="NotFound") == 1
    assert total(after, "deskhand_connector_errors_total", connector="zendesk", kind="NotFound") == 1
    assert total(after, "deskhand_jobs", status="queued") == 0
    assert total(after, "deskhand_oldest_queued_job_age_seconds") == 0
