"""The knowledge store: what a sync adds, updates and removes, and how a running worker sees it."""
from pathlib import Path

import pytest

from app.build import build_knowledge_sources
from app.core.config import ConfigError, Settings
from app.knowledge import store as kb_store
from app.knowledge.store import LiveIndex
from app.schedule.kb_sync import sync_all
from app.schedule.scheduler import start as start_schedule
from app.store.db import connect, migrate
from connectors.markdown_kb import MarkdownFolder


def write(folder: Path, name: str, title: str, body: str) -> None:
    (folder / name).write_text(f"---\ntitle: {title}\nlabels: [billing]\n---\n{body}\n", encoding="utf-8")


@pytest.fixture
def db(tmp_path):
    db = connect(str(tmp_path / "kb.db"))
    migrate(db)
    return db


def test_sync_counts_changes_and_re_embeds_only_changed_articles(tmp_path, db):
    kb = tmp_path / "kb"
    kb.mkdir()
    write(kb, "invoices.md", "Download invoices", "Go to Settings → Billing → Invoices.")
    write(kb, "refunds.md", "Refund policy", "Annual plans are refundable within 14 days.")
    source = MarkdownFolder(kb)
    first = kb_store.sync(db, source)
    assert (first.added, first.updated, first.removed, first.passages) == (2, 0, 0, 2)

    live = LiveIndex(db)
    assert live.current().search("where is my invoice")[0].passage.title == "Download invoices"

    write(kb, "refunds.md", "Refund policy", "Annual plans are refundable within 30 days.")
    (kb / "invoices.md").unlink()
    write(kb, "vat.md", "Add a VAT number", "Open Billing details and enter the VAT ID.")
    second = kb_store.sync(db, source)
    assert (second.added, second.updated, second.removed, second.unchanged, second.passages) == (1, 1, 1, 0, 2)
    titles = {p.title for p in live.current().passages}  # the worker's index follows the store
    assert titles == {"Refund policy", "Add a VAT number"}
    assert "30 days" in live.current().article("markdown:refunds")[0].text

    again = kb_store.sync(db, source)
    assert (again.added, again.updated, again.removed, again.unchanged, again.passages) == (0, 0, 0, 2, 0)


def test_a_source_that_fails_leaves_the_store_as_it_was(tmp_path, db):
    kb = tmp_path / "kb"
    kb.mkdir()
    write(kb, "a.md", "A", "Alpha.")
    kb_store.sync(db, MarkdownFolder(kb))
    report = kb_store.sync(db, MarkdownFolder(tmp_path / "gone"))
    assert "does not exist" in report.error
    assert [p.title for p in kb_store.load_index(db).passages] == ["A"]


def test_kb_sources_setting_is_parsed_and_a_typo_is_a_clear_error(tmp_path):
    sources = build_knowledge_sources(Settings(kb_sources="markdown:sample, intercom", intercom_token="t"))
    assert [s.name for s in sources] == ["markdown", "intercom"]
    with pytest.raises(ConfigError, match="'confluence' is not"):
        build_knowledge_sources(Settings(kb_sources="confluence"))
    with pytest.raises(ConfigError, match="listed once"):
        build_knowledge_sources(Settings(kb_sources="markdown:a,markdown:b"))


def test_first_start_syncs_only_sources_never_synced(tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"))
    [first] = sync_all(settings, only_new=True)
    assert first.source == "markdown" and first.added == 31  # 27 articles and 4 Spanish translations
    assert sync_all(settings, only_new=True) == []


def test_the_scheduled_sync_is_one_interval_job_that_never_overlaps(tmp_path):
    only_kb = dict(sweep_minutes=0, sweep_cron="", digest_cron="", retrain_cron="", outcomes_sweep_minutes=0)
    assert start_schedule(Settings(data_dir=str(tmp_path), kb_sync_minutes=0, **only_kb)) is None
    scheduler = start_schedule(Settings(data_dir=str(tmp_path), kb_sync_minutes=15, **only_kb))
    try:
        [job] = scheduler.get_jobs()
        assert job.id == "kb_sync" and job.max_instances == 1 and job.trigger.interval.total_seconds() == 900
        job.func()  # what the scheduler runs every 15 minutes
        db = connect(Settings(data_dir=str(tmp_path)).db_path)
        assert db["kb_articles"].count == 31 and db["kb_sources"].get("markdown")["error"] == ""
    finally:
        scheduler.shutdown(wait=False)


def test_articles_keep_their_language_and_search_answers_each_language_from_its_own(tmp_path, db):
    kb = tmp_path / "kb"
    (kb / "es").mkdir(parents=True)
    write(kb, "invoices.md", "Download invoices", "Go to Settings → Billing → Invoices and click Download PDF.")
    write(kb / "es", "facturas.md", "Descargar facturas",
          "Ve a Configuración → Facturación → Facturas y haz clic en Descargar PDF.")
    kb_store.sync(db, MarkdownFolder(kb))
    assert {r["article_id"]: r["language"] for r in db["kb_articles"].rows} == {"invoices": "en", "es/facturas": "es"}
    index = kb_store.load_index(db)  # from the store: each language's vectors from its own encoder
    [en] = index.search("where can I download my invoice", limit=5)
    [es] = index.search("¿dónde descargo mi factura?", limit=5, language="es")
    assert (en.passage.title, en.passage.language) == ("Download invoices", "en")
    assert (es.passage.title, es.passage.language) == ("Descargar facturas", "es") and es.score >= 0.35
    assert index.search("où est ma facture ?", language="fr") == []


def test_a_database_from_before_languages_reads_its_articles_as_english(tmp_path):
    from app.store import db as store_db
    old = connect(str(tmp_path / "old.db"))
    before = store_db.MIGRATIONS[:store_db.MIGRATIONS.index(store_db.m009_knowledge_languages)]
    old.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at FLOAT)")
    for fn in before:
        fn(old)
        old["_migrations"].insert({"name": fn.__name__, "applied_at": 0})
    old["kb_passages"].insert({"id": "markdown:a#0", "article_key": "markdown:a", "position": 0, "title": "A",
                               "url": "", "updated_at": "", "heading": "", "text": "t", "labels": "[]",
                               "vector": bytes(4 * 384)})
    migrate(old)
    [p] = kb_store.load_index(old).passages
    assert p.language == "en"


# A long English article whose answer sits in its last lines: past the 128 tokens MiniLM reads.
INTEGRATIONS = ("Integrations bring data into Brightline or send alerts out of it. Admins and the Owner can connect "
                "them from Settings, Integrations, where every connector lists its status, the last sync time, the "
                "number of rows it brought in and the person who connected it. Salesforce and HubSpot sync every "
                "hour on every plan, and a sync can be started by hand from the same page when you need fresher "
                "numbers before a meeting. Google Sheets reads a named range you choose once.\n"
                "Slack sends alerts and scheduled reports to a channel. Private channels only appear in the channel "
                "picker after you invite the Brightline app to them with /invite @Brightline in that channel.")


def test_a_long_passage_is_found_by_what_its_last_lines_say_and_keeps_its_windows_in_the_store(tmp_path, db):
    from app.knowledge import search
    kb = tmp_path / "kb"
    kb.mkdir()
    write(kb, "integrations.md", "Connect Salesforce, HubSpot, Slack or Google Sheets", INTEGRATIONS)
    write(kb, "invoices.md", "Download invoices", "Go to Settings → Billing → Invoices and click Download PDF.")
    kb_store.sync(db, MarkdownFolder(kb))
    index = kb_store.load_index(db)
    [long] = index.article("markdown:integrations")
    runs = search.windows(long)
    assert runs[0] == long.embedded_text and len(runs) == 4  # the whole, then its sentences in three runs
    assert runs[-1].endswith("in that channel.") and "Private channels" in runs[-1] and "Private" not in runs[2]
    assert all(r.startswith(long.title) and len(r.split("\n", 1)[1].split()) <= search.WINDOW_WORDS for r in runs[1:])
    question = "Our private Slack channel doesn't show up in the channel list when I set up alerts"
    [best] = index.search(question, limit=1)
    assert best.passage.title == long.title
    # the same passage as the one vector the encoder reads (before windows) scores lower
    whole = search.encoder().encode([long.embedded_text, question])
    assert best.score > float(whole[0] @ whole[1]) + 0.05
    # a fresh index and the store's agree: every window was stored and read back
    assert best.score == search.KnowledgeIndex(index.passages).search(question, limit=1)[0].score


def test_an_upgraded_database_embeds_every_article_again_at_its_next_sync(tmp_path):
    from app.store import db as store_db
    kb = tmp_path / "kb"
    kb.mkdir()
    write(kb, "integrations.md", "Connect Salesforce, HubSpot, Slack or Google Sheets", INTEGRATIONS)
    old = connect(str(tmp_path / "old.db"))
    old.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at FLOAT)")
    for fn in store_db.MIGRATIONS[:store_db.MIGRATIONS.index(store_db.m016_passage_windows)]:
        fn(old)
        old["_migrations"].insert({"name": fn.__name__, "applied_at": 0})
    kb_store.sync(old, MarkdownFolder(kb))
    old.execute("UPDATE kb_passages SET vector = substr(vector, 1, 4 * 384)")  # one vector, as synced before
    assert len(kb_store.load_index(old)._by_language["en"].matrix) == 1
    migrate(old)
    assert len(kb_store.load_index(old)._by_language["en"].matrix) == 1  # still searchable until the sync
    report = kb_store.sync(old, MarkdownFolder(kb))
    assert (report.updated, report.unchanged) == (1, 0)
    assert len(kb_store.load_index(old)._by_language["en"].matrix) == 4
