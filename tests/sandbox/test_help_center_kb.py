"""Zendesk Help Center as a knowledge source, through zenpy over HTTP to the sandbox, into the store."""
from __future__ import annotations

import pytest

from app.knowledge import store as kb_store
from app.store.db import connect, migrate
from connectors.errors import AuthFailed
from connectors.zendesk_kb import ZendeskHelpCenter

from .conftest import zenpy_client


@pytest.fixture
def db(tmp_path):
    db = connect(str(tmp_path / "kb.db"))
    migrate(db)
    return db


def test_first_sync_reads_everything_then_later_syncs_ask_only_for_changes(sb, zd, db):
    source = ZendeskHelpCenter(zd)
    first = kb_store.sync(db, source)
    assert (first.added, first.updated, first.removed, first.error) == (4, 0, 0, "")
    assert kb_store.version(db) == 1
    assert sb.requests[-1]["path"] == "/api/v2/help_center/articles.json"
    cursor = db["kb_sources"].get("zendesk")["cursor"]

    # An edit (newer updated_at) and an article turned back into a draft.
    edited = sb.store.articles[501]
    edited.update(body="<p>Steps to export data, now with Excel.</p>", updated_at="2026-02-01T08:00:00Z")
    sb.store.articles[502].update(draft=True, updated_at="2026-02-02T08:00:00Z")
    second = kb_store.sync(db, source)
    assert sb.requests[-1]["path"] == "/api/v2/help_center/incremental/articles.json"
    assert f"start_time={cursor}" in sb.requests[-1]["query"]
    assert (second.added, second.updated, second.removed) == (0, 1, 1)
    index = kb_store.load_index(db)
    assert {p.article_key for p in index.passages} == {"zendesk:500", "zendesk:501", "zendesk:503"}
    assert "now with Excel" in index.article("zendesk:501")[0].text
    assert kb_store.version(db) == 2

    quiet = kb_store.sync(db, source)  # nothing changed: the boundary article comes back unchanged
    assert (quiet.added, quiet.updated, quiet.removed) == (0, 0, 0) and kb_store.version(db) == 2


def test_a_full_sync_drops_articles_that_were_deleted(sb, zd, db):
    source = ZendeskHelpCenter(zd)
    kb_store.sync(db, source)
    del sb.store.articles[500]
    assert kb_store.sync(db, source).removed == 0  # the incremental export cannot see deletions
    assert kb_store.sync(db, source, full=True).removed == 1
    assert "zendesk:500" not in {p.article_key for p in kb_store.load_index(db).passages}


def test_a_failing_source_is_reported_and_keeps_what_was_synced(sb, zd, db):
    kb_store.sync(db, ZendeskHelpCenter(zd))
    report = kb_store.sync(db, ZendeskHelpCenter(zenpy_client(email="stranger@nowhere.test")))
    assert report.error and "401" in report.error
    assert db["kb_sources"].get("zendesk")["error"] == report.error
    assert len(kb_store.load_index(db).passages) == 4
    with pytest.raises(AuthFailed):
        ZendeskHelpCenter(zenpy_client(email="stranger@nowhere.test")).changes()


def test_each_article_takes_the_language_of_its_locale_and_a_translation_keeps_its_own_id(sb, zd, db):
    # A translation shares its source article's id in Zendesk, so it is keyed with its locale.
    sb.store.add_article({**sb.store.articles[500], "id": 504, "title": "Restablecer la contraseña",
                          "locale": "es", "source_locale": "en-us"})
    kb_store.sync(db, ZendeskHelpCenter(zd))
    languages = {r["article_id"]: r["language"] for r in db["kb_articles"].rows}
    assert languages == {"500": "en", "501": "en", "502": "en", "503": "de", "504@es": "es"}
    index = kb_store.load_index(db)
    assert {p.language for p in index.article("zendesk:503")} == {"de"}
    assert [m.passage.article_key for m in index.search("Passwort zurücksetzen", language="de")] == ["zendesk:503"]
