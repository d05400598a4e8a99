"""Page-aware replies: the steps of the customer's page and task lead the offline reply, are cited
as `product-map:` passages, back the reply's claims in the check, reach the LLM writer, and the
escalation note names the area."""
from dataclasses import replace

import pytest

from app.checks.check import check_reply, cited_sources
from app.core.domain import Decision, Evidence, Requester, Ticket, Triage
from app.knowledge import page_map
from app.knowledge.passages import chunk
from app.knowledge.search import KnowledgeIndex
from app.pipeline.case_file import case_file
from app.reasoning.engine import Engine
from app.reasoning.llm_engine import LlmEngine, reply_passages
from connectors.llm import ChatModel
from connectors.types import Article
from tests.fakes.openai_server import FakeOpenAI

MAP = page_map.parse("""
hosts: [app.example.com]
areas:
  - pattern: /settings/billing/invoices*
    area: billing-invoices
    name: Billing → Invoices
    categories: [billing]
    tasks:
      - task: Download an invoice
        keywords: [invoice, pdf, download]
        steps:
          - Find the invoice by date or number.
          - Click Download PDF.
          - Invoices from the last 12 months can be reissued on request.
      - task: Pay an overdue invoice
        keywords: [overdue, pay now]
        steps: [Click Pay now next to the invoice.]
""", "test map")
INVOICES = Article("1", "Download invoices and receipts", (
    "<p>Every charge produces an invoice. Owners and Billing admins can download it at any time.</p>"
    "<ol><li>Go to Settings → Billing → Invoices.</li><li>Click Download PDF.</li></ol>"),
    "https://help.example/1", labels=("billing",))
ON_PAGE = "https://app.example.com/settings/billing/invoices"
QUESTION = "Where can I download last month's invoice as a PDF?"
LABEL = "— bot"


@pytest.fixture(scope="module")
def index():
    return KnowledgeIndex(chunk(INVOICES, "zendesk"))


def ticket(page_url: str = ON_PAGE) -> Ticket:
    return Ticket("zendesk", "7", "A question", "new", Requester("5", "ana@x.test", "Ana Diaz"), page_url=page_url)


def offline_reply(index, page_url=ON_PAGE, message=QUESTION, product_map=MAP):
    # Engine.reply needs no classifier: the page, the task and the passages decide the reply.
    return Engine(None, index, product_map).reply(ticket(page_url), message, index.search(message), index)


def check(draft, index):
    return check_reply(draft.text, cited_sources(draft, index), [], [], index.hosts(), LABEL)


def test_the_reply_leads_with_the_pages_steps_and_cites_them(index):
    draft = offline_reply(index)
    assert "This should help:\n\nOn the Billing → Invoices page:\n1. Find the invoice by date or number.\n" \
           "2. Click Download PDF.\n3. Invoices from the last 12 months can be reissued on request.\n\n" \
           "Every charge produces an invoice." in draft.text
    assert [c.passage_id for c in draft.citations] == ["zendesk:1#0", "product-map:billing-invoices#download-an-invoice"]
    assert [p.id for p in draft.page_passages] == ["product-map:billing-invoices#download-an-invoice"]


def test_the_task_follows_the_message_and_no_task_means_no_steps(index):
    overdue = offline_reply(index, message="Our invoice is overdue, how do I pay now?")
    assert "On the Billing → Invoices page:\n1. Click Pay now next to the invoice." in overdue.text
    unrelated = offline_reply(index, message="Can we be billed in euros instead of dollars?")
    assert "On the Billing" not in unrelated.text and not unrelated.page_passages


@pytest.mark.parametrize("page_url, product_map", [
    ("", MAP),  # no page known
    ("https://app.example.com/dashboards/4", MAP),  # a page the map does not know
    (ON_PAGE, None),  # no product map configured
])
def test_without_a_mapped_page_the_reply_is_the_articles_alone(index, page_url, product_map):
    draft = offline_reply(index, page_url, product_map=product_map)
    assert "page:" not in draft.text and not draft.page_passages
    assert all(c.passage_id.startswith("zendesk:") for c in draft.citations)


def test_a_product_url_in_the_message_stands_in_for_the_page_field(index):
    draft = offline_reply(index, "", message=f"I'm on {ON_PAGE} - how do I download the invoice PDF?")
    assert "On the Billing → Invoices page:" in draft.text


def test_the_check_reads_the_map_steps_as_the_source_of_their_claims(index):
    draft = offline_reply(index)
    assert check(draft, index).sendable  # "last 12 months" is backed by the cited product-map passage
    unbacked = check(replace(draft, page_passages=()), index)  # the same text without the map source
    assert not unbacked.sendable and any("12 months" in r for r in unbacked.unsupported)


def test_a_draft_cannot_carry_a_stand_in_for_a_knowledge_base_passage(index):
    draft = offline_reply(index)
    fake = replace(draft.page_passages[0], id="zendesk:1#0", text="Refunds are paid within 90 days.")
    assert [s.text for s in cited_sources(replace(draft, page_passages=(fake,)), index)] == \
        [index.passages[0].embedded_text]


def test_the_llm_writer_is_offered_the_page_steps_first(index):
    steps = MAP.areas[0].passage(MAP.areas[0].tasks[0])
    matches = index.search(QUESTION)
    offered = reply_passages(matches, index, ON_PAGE, limit=2, page_steps=steps)
    assert [p.id for p in offered] == [steps.id, "zendesk:1#0"]
    assert [p.id for p in reply_passages(matches, index, ON_PAGE, limit=2)] == ["zendesk:1#0"]


def test_the_llm_writer_may_cite_the_steps_which_then_back_its_reply_and_are_not_linked(index):
    with FakeOpenAI() as fake:
        fake.script.append(("json", {"answerable": True, "citations": [
            "product-map:billing-invoices#download-an-invoice", "zendesk:1#0"],
            "reply": "Hi Ana, find the invoice, click Download PDF. Invoices from the last 12 months "
                     "can be reissued on request."}))
        chat = ChatModel("m", base_url=fake.base_url, api_key="k", timeout_s=5, max_retries=0)
        draft = LlmEngine(Engine(None, index, MAP), chat).reply(ticket(), QUESTION, index.search(QUESTION), index)
        [sent] = fake.requests
    system = sent["messages"][0]["content"]
    assert system.index("[product-map:billing-invoices#download-an-invoice]") < system.index("[zendesk:1#0]")
    assert "1. Find the invoice by date or number." in system
    assert f"Page the customer was on: {ON_PAGE} (Billing → Invoices)" in system
    assert draft.writer == "llm" and [p.id for p in draft.page_passages] == [
        "product-map:billing-invoices#download-an-invoice"]
    assert "Read more: Download invoices and receipts — https://help.example/1" in draft.text
    assert "Product map" not in draft.text
    assert check(draft, index).sendable


def test_the_escalation_note_names_the_page_and_its_area():
    triage = Triage("billing", 0.4, page_url=ON_PAGE, page_area="billing-invoices", page_area_name="Billing → Invoices")
    note = case_file(triage, Decision("escalate", ("low confidence",)), Evidence(), [], ticket(""), QUESTION).text
    assert f"- Ana Diaz <ana@x.test>, on {ON_PAGE} (Billing → Invoices)" in note
    plain = case_file(Triage("billing", 0.4), Decision("escalate", ("x",)), Evidence(), [], ticket(), QUESTION).text
    assert f"- Ana Diaz <ana@x.test>, on {ON_PAGE}\n" in plain
