"""The product map: locating pages, finding the page in a message, picking a task, and reporting a
broken map by file and entry."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.build import build_product_map
from app.cli.main import main
from app.core.config import ConfigError, Settings
from app.knowledge import page_map
from app.knowledge.page_map import PageMapError, page_url_for, task_for

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"
SAMPLE = page_map.load(str(COMPANY / "product_map.yaml"))

SMALL = """
hosts: [app.example.com]
areas:
  - {pattern: /settings/billing*, area: billing, name: Billing, categories: [billing]}
  - pattern: /settings/billing/invoices*
    area: invoices
    name: Invoices
    tasks:
      - {task: Download an invoice, keywords: [invoice, pdf], steps: [Find the invoice., Click Download PDF.]}
      - {task: Pay an overdue invoice, keywords: [overdue, pay now], steps: [Click Pay now.]}
  - {pattern: /dashboards/*, area: dashboard, name: Dashboard}
  - {pattern: /dashboards/*/share, area: share, name: Share}
  - {pattern: status.example.com/*, area: status, name: Status page}
"""


@pytest.fixture(scope="module")
def small():
    return page_map.parse(SMALL, "small.yaml")


@pytest.mark.parametrize("url, area", [
    ("https://app.example.com/settings/billing", "billing"),
    ("https://app.example.com/settings/billing/", "billing"),
    ("https://app.example.com/settings/billing/plan", "billing"),  # no closer area: the general one
    ("https://app.example.com/settings/billing/invoices?page=2#top", "invoices"),
    ("https://APP.example.com/Settings/Billing/Invoices/INV-1", "invoices"),
    ("https://app.example.com/dashboards/4821", "dashboard"),
    ("https://app.example.com/dashboards/4821/share", "share"),
    ("app.example.com:8443/dashboards/9/share", "share"),
    ("https://status.example.com/incidents/7", "status"),
    ("https://app.example.com/reports/1", None),
    ("https://elsewhere.example/settings/billing", None),  # path-only patterns cover the product's hosts
    ("", None),
])
def test_the_most_specific_area_wins(small, url, area):
    found = small.locate(url)
    assert (found.id if found else None) == area


def test_a_map_without_hosts_matches_a_path_on_any_host():
    bare = page_map.parse("- {pattern: /billing*, area: billing, name: Billing}")
    assert bare.locate("https://anything.test/billing/x").id == "billing"
    assert bare.hosts == frozenset()


def test_a_named_host_beats_a_longer_path_only_pattern():
    both = page_map.parse("""
- {pattern: /admin/users/invite*, area: invite, name: Invite}
- {pattern: app.test/admin*, area: admin, name: Admin}
""")
    assert both.locate("https://app.test/admin/users/invite").id == "admin"
    assert both.hosts == {"app.test"}  # a named host is one of the product's hosts…
    assert both.locate("https://other.test/admin/users/invite") is None  # …and path-only patterns keep to them


def test_the_sample_map_knows_every_page_the_sample_customers_were_on():
    """And each area hints at the category of the tickets sent from it (its `categories`)."""
    seen = 0
    for name in ("history.jsonl", "stream.jsonl"):
        for line in (COMPANY / name).read_text().splitlines():
            row = json.loads(line)
            if row.get("page_url"):
                area = SAMPLE.locate(row["page_url"])
                assert area is not None, row["page_url"]
                assert row["category"] in area.categories, (row["page_url"], row["category"], area.id)
                seen += 1
    assert seen == 371


@pytest.mark.parametrize("ticket_url, message, found", [
    ("https://app.example.com/x", "see https://app.example.com/settings/billing", "https://app.example.com/x"),
    ("", "It breaks on https://app.example.com/dashboards/9/share.", "https://app.example.com/dashboards/9/share"),
    ("", "docs at https://docs.other.test/a, then app.example.com/settings/billing/invoices, ok?",
     "https://app.example.com/settings/billing/invoices"),
    ("", "(https://APP.example.com/dashboards/1)", "https://APP.example.com/dashboards/1"),
    ("", "write to ana@app.example.com please", ""),
    ("", "only https://google.com/search?q=x here", ""),
    ("", "", ""),
])
def test_the_page_is_the_tickets_else_the_first_product_url_in_the_message(ticket_url, message, found):
    assert page_url_for(ticket_url, message, {"app.example.com"}) == found


def test_page_for_locates_a_url_found_in_the_message(small):
    page = small.page_for("", "Hi, on app.example.com/settings/billing/invoices I see nothing")
    assert page.url == "https://app.example.com/settings/billing/invoices" and page.area.id == "invoices"
    assert small.page_for("", "no link here") is None


@pytest.mark.parametrize("text, task", [
    ("Where can I download the PDF of my invoice?", "Download an invoice"),
    ("Our invoice is overdue, where do I pay now?", "Pay an overdue invoice"),
    ("The invoices page looks odd", "Download an invoice"),  # keyword and name word beat a name word
    ("Hello there", None),
])
def test_the_task_is_the_clear_best_keyword_and_name_match(small, text, task):
    found = task_for(small.locate("https://app.example.com/settings/billing/invoices"), text)
    assert (found.name if found else None) == task


def test_a_tie_between_tasks_gives_no_steps():
    area = page_map.parse("""
- pattern: /x
  area: x
  name: X
  tasks:
    - {task: Export a chart, keywords: [export], steps: [a]}
    - {task: Export a table, keywords: [export], steps: [b]}
""").areas[0]
    assert task_for(area, "How do I export?") is None
    assert task_for(area, "How do I export a table?").name == "Export a table"
    assert task_for(None, "export") is None


def test_a_task_becomes_a_citable_passage_with_a_stable_id(small):
    area = small.locate("https://app.example.com/settings/billing/invoices")
    passage = area.passage(area.tasks[0])
    assert passage.id == "product-map:invoices#download-an-invoice"
    assert passage.text == "1. Find the invoice.\n2. Click Download PDF." and passage.has_steps
    assert "Invoices" in passage.embedded_text and passage.url == ""


@pytest.mark.parametrize("text, message", [
    ("areas: [\n  - {pattern: /x", "small.yaml: line 2 not valid YAML"),
    ("just text", "small.yaml: expected a list of areas"),
    ("[]", "small.yaml: expected a list of areas"),
    ("{areas: [], hots: [a]}", "small.yaml: unknown key(s) hots"),
    ("- {area: billing, name: Billing}", "small.yaml: area 1 (billing): 'pattern' is required"),
    ("- {pattern: /a, name: A}", "small.yaml: area 1: 'area' is required"),
    ("- {pattern: /a, area: Big Area, name: A}", "small.yaml: area 1 (Big Area): 'area' must be an id"),
    ("- {pattern: 'https://app.test/a', area: a, name: A}", "small.yaml: area 1 (a): 'pattern' must be a path"),
    ("- {pattern: /a, area: a, name: A, url: x}", "small.yaml: area 1 (a): unknown key(s) url"),
    ("- {pattern: /a, area: a, name: A}\n- {pattern: /b, area: a, name: B}", "small.yaml: area 2 (a): the id is used twice"),
    ("- {pattern: /a, area: a, name: A, categories: billing}", "small.yaml: area 1 (a): 'categories' must be a list"),
    ("- {pattern: /a, area: a, name: A, tasks: [{task: Pay}]}", "small.yaml: area 1 (a): task 1 (Pay): 'steps' must be"),
    ("- {pattern: /a, area: a, name: A, tasks: [{task: Pay, steps: []}]}", "task 1 (Pay): 'steps' must list at least one"),
    ("- {pattern: /a, area: a, name: A, tasks: [{steps: [x]}]}", "small.yaml: area 1 (a): task 1: 'task' is required"),
    ("- {pattern: /a, area: a, name: A, tasks: [{task: Pay, steps: [x]}, {task: pay, steps: [y]}]}",
     "area 1 (a): two tasks have the same name"),
])
def test_a_broken_map_names_the_file_and_the_entry(text, message):
    with pytest.raises(PageMapError) as raised:
        page_map.parse(text, "small.yaml")
    assert message in str(raised.value)


def test_the_setting_loads_the_sample_a_file_or_nothing(tmp_path):
    assert build_product_map(Settings()).locate("https://app.brightline.example/settings/api-keys").id == "api-keys"
    assert build_product_map(Settings(product_map="")) is None
    path = tmp_path / "map.yaml"
    path.write_text("- {pattern: /a*, area: a, name: A}\n")
    assert build_product_map(Settings(product_map=str(path))).areas[0].id == "a"
    with pytest.raises(ConfigError, match="product_map: cannot read product map .*missing.yaml"):
        build_product_map(Settings(product_map=str(tmp_path / "missing.yaml")))


def test_the_worker_reports_a_broken_map_in_one_line(tmp_path, monkeypatch):
    bad = tmp_path / "map.yaml"
    bad.write_text("- {pattern: /a, area: a}\n")
    monkeypatch.setenv("DESKHAND_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DESKHAND_KB_SOURCES", "")
    monkeypatch.setenv("DESKHAND_PRODUCT_MAP", str(bad))
    monkeypatch.setenv("DESKHAND_ZENDESK_TOKEN", "own-token")  # not the sandbox's: the worker would refuse to start
    monkeypatch.setenv("DESKHAND_ZENDESK_WEBHOOK_SECRETS", "own-secret")
    result = CliRunner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == \
        f"Error: product_map: {bad}: area 1 (a): 'name' is required and must be text"


def test_training_texts_carry_the_page_area_the_way_triage_adds_it():
    from app.reasoning.training_data import parse_line, training_set
    on_page = parse_line(json.dumps({"id": 1, "subject": "Invoice", "body": "Where is it?", "category": "billing",
                                     "page_url": "https://app.brightline.example/settings/billing/invoices"}))
    pasted = parse_line(json.dumps({"id": 2, "subject": "Key", "category": "api_access",
                                    "body": "From app.brightline.example/settings/api-keys: how do I make one?"}))
    nowhere = parse_line(json.dumps({"id": 3, "subject": "Hi", "body": "Cancel please", "category": "cancellation"}))
    texts, _ = training_set([on_page, pasted, nowhere], SAMPLE)
    assert texts == ["Invoice\nWhere is it?\nPage: Billing → Invoices",
                     f"Key\n{pasted.body}\nPage: API keys", "Hi\nCancel please"]
    assert training_set([on_page, pasted, nowhere])[0] == [on_page.text, pasted.text, nowhere.text]
