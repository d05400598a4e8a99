"""Page awareness end to end: a ticket from a mapped page of the sample product (its page-URL field
filled by the Web Widget) gets a reply that leads with that page's steps, cited as a product-map
passage and checked like the article it sits beside."""
from __future__ import annotations

import pytest

from app.build import SAMPLE_PRODUCT_MAP
from app.knowledge.page_map import MODEL_FLAG, load
from app.knowledge.search import KnowledgeIndex
from app.pipeline.worker import Worker
from app.reasoning.engine import Engine, train_from_file
from app.store import audit

from .conftest import COMPANY, help_center_knowledge

SHARE, INVOICE = 2001, 2002  # agency access from /dashboards/4821/share; last month's invoice from /settings/billing


@pytest.fixture
def worker(loop, trained_model):
    helpdesk = loop.worker.helpdesk
    engine = Engine(trained_model, help_center_knowledge(loop.settings, helpdesk), load(str(SAMPLE_PRODUCT_MAP)))
    return Worker(loop.settings, helpdesk, engine, name="w-pages")


def handle(loop, worker, ticket_id: int) -> dict:
    loop.sb.play([ticket_id])
    assert loop.sb.flush_webhooks(10)
    while worker.run_once():
        pass
    [comment] = loop.bot_comments(ticket_id)
    return comment


def logged(loop, ticket_id: int, step: str) -> dict:
    return next(row for row in audit.trail(loop.db(), str(ticket_id), "zendesk") if row["step"] == step)


def test_a_customer_on_the_share_page_is_sent_its_public_link_steps(loop, worker):
    reply = handle(loop, worker, SHARE)
    assert reply["public"] is True and "deskhand_replied" in loop.sb.ticket(SHARE)["tags"]
    assert "On the Dashboard → Share page:\n1. Turn on Public link (Growth and Enterprise).\n" \
           "2. Optionally add a password and an expiry date.\n3. Click Done." in reply["body"]
    assert "Product map" not in reply["body"]  # cited, never linked: it is no article
    assert "product-map:dashboard-share#share-a-public-link" in logged(loop, SHARE, "compose")["detail"]["passages"]
    check = logged(loop, SHARE, "check")["detail"]
    assert check["unsupported"] == [] and check["summary"] == "clean"


def test_a_billing_question_from_the_billing_page_is_drafted_with_the_steps_and_their_source(loop, worker):
    note = handle(loop, worker, INVOICE)
    assert note["public"] is False  # billing is in draft mode in the sample policy
    body = note["body"]
    assert "On the Billing page:\n1. Open Invoices.\n2. Find the invoice by date or number" in body
    assert "[product-map:billing#download-an-invoice]" in body.split("Sources:", 1)[1].split("\n", 1)[0]
    assert "Claims no source supports" not in body


def test_a_product_url_in_the_message_is_the_page_for_triage_the_audit_and_the_reply(loop, worker):
    """No page-URL field this time (an e-mail, say): the customer pasted the page's address."""
    customer = loop.sb.store.get("users", loop.sb.ticket(loop.sb.generate(1)[0])["requester_id"])
    created = loop.sb.apply_create({"subject": "Invoice PDF", "requester_id": customer["id"], "comment": {
        "body": "Hi, I'm on https://app.brightline.example/settings/billing/invoices and cannot see "
                "how to download last month's invoice as a PDF for our accountant.", "public": True}},
        customer["id"], channel="email").ticket
    assert loop.sb.flush_webhooks(10)
    while worker.run_once():
        pass
    triage = logged(loop, created["id"], "triage")["detail"]
    assert (triage["page_area"], triage["page_area_name"]) == ("billing-invoices", "Billing → Invoices")
    assert triage["page_url"] == "https://app.brightline.example/settings/billing/invoices"
    [comment] = loop.bot_comments(created["id"])
    assert "On the Billing → Invoices page:\n1. Find the invoice by date or number" in comment["body"]


def test_a_model_trained_with_the_map_is_asked_with_the_page_and_one_without_is_not(tmp_path):
    history = tmp_path / "history.jsonl"
    history.write_text("".join((COMPANY / "history.jsonl").read_text().splitlines(keepends=True)[:400]))
    product_map = load(str(SAMPLE_PRODUCT_MAP))
    with_map, _ = train_from_file(str(history), str(tmp_path / "a"), product_map)
    without, _ = train_from_file(str(history), str(tmp_path / "b"))
    assert with_map.info[MODEL_FLAG] is True and without.info[MODEL_FLAG] is False
    page = "https://app.brightline.example/settings/api-keys/new"
    asks = Engine(with_map, KnowledgeIndex([]), product_map)
    assert asks.classifier_text("Key", "How do I create a key?", page) == "Key\nHow do I create a key?\nPage: API keys"
    plain = Engine(without, KnowledgeIndex([]), product_map)
    assert plain.classifier_text("Key", "How do I create a key?", page) == "Key\nHow do I create a key?"
    for engine in (asks, plain):  # the page is recorded either way
        triage = engine.triage("Key", "How do I create a key?", page)
        assert (triage.page_area, triage.page_url) == ("api-keys", page) and triage.category == "api_access"
