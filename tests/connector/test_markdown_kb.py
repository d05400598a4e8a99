"""The Markdown folder source: front matter, drafts, fallbacks, and files it cannot read."""
from pathlib import Path

import pytest

from connectors.errors import ConnectorError
from connectors.markdown_kb import MarkdownFolder

SAMPLE = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "kb"


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_front_matter_gives_title_url_labels_and_updated(tmp_path):
    write(tmp_path, "billing/invoices.md", "---\ntitle: Download invoices\nurl: https://help.example/invoices\n"
          "labels: [billing, invoices]\nupdated: 2026-03-01T10:00:00Z\n---\n\nGo to **Settings**.\n\n"
          "1. Open Billing.\n2. Click Download.\n")
    changes = MarkdownFolder(tmp_path).changes()
    [a] = changes.articles
    assert (a.id, a.title, a.url, a.labels, a.updated_at) == (
        "billing/invoices", "Download invoices", "https://help.example/invoices", ("billing", "invoices"),
        "2026-03-01T10:00:00Z")
    assert "<strong>Settings</strong>" in a.body_html and "<ol>" in a.body_html
    assert changes.complete and changes.cursor == "2026-03-01T10:00:00Z" and not changes.problems


def test_without_front_matter_the_first_heading_is_the_title_and_mtime_the_update(tmp_path):
    write(tmp_path, "reset.md", "# Reset your password\n\nClick *Forgot password*.\n")
    [a] = MarkdownFolder(tmp_path).changes().articles
    assert a.title == "Reset your password" and "Reset your password" not in a.body_html
    assert a.url == "" and a.updated_at.endswith("Z")


def test_drafts_are_left_out_and_raw_html_stays_text(tmp_path):
    write(tmp_path, "draft.md", "---\ntitle: Not yet\ndraft: true\n---\nSecret plans.\n")
    write(tmp_path, "page.md", "---\ntitle: Page\n---\nHello <script>alert(1)</script>\n")
    [a] = MarkdownFolder(tmp_path).changes().articles
    assert a.title == "Page" and "<script>" not in a.body_html and "&lt;script&gt;" in a.body_html


def test_a_broken_file_is_reported_and_the_others_still_load(tmp_path):
    write(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\nBody\n")
    write(tmp_path, "open.md", "---\ntitle: never closed\nBody\n")
    write(tmp_path, "good.md", "# Good\n\nFine.\n")
    changes = MarkdownFolder(tmp_path).changes()
    assert [a.title for a in changes.articles] == ["Good"]
    assert len(changes.problems) == 2 and any("open.md" in p and "never closed" in p for p in changes.problems)


def test_a_missing_folder_is_a_connector_error(tmp_path):
    with pytest.raises(ConnectorError, match="does not exist"):
        MarkdownFolder(tmp_path / "nope").changes()


def test_the_sample_company_ships_its_help_center_as_markdown():
    changes = MarkdownFolder(SAMPLE).changes()
    assert len(changes.articles) == 31 and not changes.problems
    assert all(a.url.startswith("https://brightline.zendesk.com/hc/") and a.labels for a in changes.articles)
    spanish = [a for a in changes.articles if a.language == "es"]
    assert len(spanish) == 4 and all(a.id.startswith("es/") and "/hc/es/" in a.url for a in spanish)


def test_a_first_level_locale_folder_gives_its_articles_that_language(tmp_path):
    for name in ("es/facturas.md", "pt-BR/faturas.md", "fr/billing/factures.md", "billing/es/invoices.md",
                 "guides/invoices.md", "top.md"):
        write(tmp_path, name, "# Title\n\nText.\n")
    languages = {a.id: a.language for a in MarkdownFolder(tmp_path).changes().articles}
    # only the first folder counts, and only when it is named as a locale
    assert languages == {"es/facturas": "es", "pt-BR/faturas": "pt", "fr/billing/factures": "fr",
                         "billing/es/invoices": "en", "guides/invoices": "en", "top": "en"}
