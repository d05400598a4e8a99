"""The knowledge base as Deskhand holds it: articles, their passages and embeddings, per source.

`sync` pulls a source's changes, re-chunks and re-embeds only the articles that changed, and
writes them in one transaction. The worker rebuilds its index only when the `kb_version`
counter moved, so a `deskhand kb sync` in another process reaches it at the next job.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.knowledge.passages import Passage, chunk
from app.store.db import bump_counter, counters, transaction
from connectors.errors import ConnectorError
from connectors.knowledge_base import KnowledgeBase
from connectors.types import Article

if TYPE_CHECKING:
    import sqlite_utils

    from app.knowledge.search import KnowledgeIndex

# numpy and the search index (the encoder) are imported by the functions that embed or load passages:
# `deskhand kb status` and the web app's status page only read the sources table.

VERSION_COUNTER = "kb_version"


@dataclass
class SyncReport:
    source: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    passages: int = 0
    problems: list[str] = field(default_factory=list)
    error: str = ""


def sync(db: sqlite_utils.Database, source: KnowledgeBase, full: bool = False) -> SyncReport:
    """One source, incremental unless `full` or never synced. A failing source is reported, not raised."""
    report = SyncReport(source.name)
    state = next(db["kb_sources"].rows_where("source = ?", [source.name]), None)
    since = "" if full or state is None else state["cursor"] or ""
    try:
        changes = source.changes(since)
    except ConnectorError as exc:
        report.error = str(exc)
        db["kb_sources"].upsert({"source": source.name, "error": report.error}, pk="source")
        return report
    report.problems = list(changes.problems)
    known = {row["key"]: row["digest"] for row in db.query(
        "SELECT key, digest FROM kb_articles WHERE source = ?", [source.name])}
    fresh: list[tuple[Article, str, list[Passage]]] = []
    seen = set()
    for article in changes.articles:
        key, digest = f"{source.name}:{article.id}", _digest(article)
        seen.add(key)
        if known.get(key) == digest:
            report.unchanged += 1
            continue
        fresh.append((article, digest, chunk(article, source.name)))
    gone = {f"{source.name}:{i}" for i in changes.removed} & set(known)
    if changes.complete:
        gone |= set(known) - seen
    passages = [p for _, _, ps in fresh for p in ps]
    import numpy as np

    from app.knowledge.search import embed_passages
    vectors = embed_passages(passages)
    now = time.time()
    with transaction(db):
        for key in gone:
            _delete(db, key)
        row = 0
        for article, digest, ps in fresh:
            key = f"{source.name}:{article.id}"
            if _delete(db, key):  # deleting first makes a sync running twice at once harmless
                report.updated += 1
            else:
                report.added += 1
            db["kb_articles"].insert({
                "key": key, "source": source.name, "article_id": article.id, "title": article.title,
                "url": article.url, "updated_at": article.updated_at, "labels": json.dumps(article.labels),
                "digest": digest, "synced_at": now, "language": article.language})
            db["kb_passages"].insert_all([{
                "id": p.id, "article_key": key, "position": p.position, "title": p.title, "url": p.url,
                "updated_at": p.updated_at, "heading": p.heading, "text": p.text,
                "labels": json.dumps(p.labels), "vector": vectors[row + i].astype(np.float32).tobytes(),
                "language": p.language}
                for i, p in enumerate(ps)])
            row += len(ps)
        report.removed = len(gone)  # gone: known before this sync, so never also counted as added
        total = db.execute("SELECT count(*) FROM kb_articles WHERE source = ?", [source.name]).fetchone()[0]
        db["kb_sources"].upsert({"source": source.name, "cursor": changes.cursor or since,
                                 "synced_at": now, "articles": total, "error": ""}, pk="source")
        if fresh or gone:
            bump_counter(db, VERSION_COUNTER)
    report.passages = len(passages)
    return report


def index_of(source: KnowledgeBase) -> tuple[KnowledgeIndex, list[str]]:
    """A source read whole into an index, without the store (for `deskhand eval --kb`)."""
    from app.knowledge.search import KnowledgeIndex
    changes = source.changes("")
    passages = [p for article in changes.articles for p in chunk(article, source.name)]
    return KnowledgeIndex(passages), list(changes.problems)


def load_index(db: sqlite_utils.Database) -> KnowledgeIndex:
    import numpy as np

    from app.knowledge.search import KnowledgeIndex, dimension
    rows = list(db.query("SELECT * FROM kb_passages ORDER BY article_key, position"))
    passages = [Passage(id=r["id"], article_key=r["article_key"], title=r["title"], url=r["url"],
                        updated_at=r["updated_at"], heading=r["heading"], text=r["text"],
                        labels=tuple(json.loads(r["labels"])), position=r["position"],
                        language=r["language"]) for r in rows]
    # per passage one vector per window; their size depends on its language's encoder (app/knowledge/search.py)
    return KnowledgeIndex(passages, [np.frombuffer(r["vector"], np.float32).reshape(-1, dimension(r["language"]))
                                     for r in rows])


def version(db: sqlite_utils.Database) -> int:
    return counters(db).get(VERSION_COUNTER, 0)


def sources(db: sqlite_utils.Database) -> list[dict]:
    return list(db["kb_sources"].rows_where(order_by="source"))


class LiveIndex:
    """The index a long-running process serves from, rebuilt when a sync changed the store."""

    def __init__(self, db: sqlite_utils.Database):
        from app.knowledge.search import KnowledgeIndex
        self.db, self._version, self._index = db, -1, KnowledgeIndex([])

    def current(self) -> KnowledgeIndex:
        now = version(self.db)
        if now != self._version:
            self._index, self._version = load_index(self.db), now
        return self._index


def _digest(article: Article) -> str:
    # English leaves the digest as it was before articles had a language, so upgrading re-embeds
    # nothing; an article found to be in another language is rewritten with it.
    other = [article.language] if article.language != "en" else []
    blob = json.dumps([article.title, article.url, article.body_html, list(article.labels), article.updated_at,
                       *other])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _delete(db: sqlite_utils.Database, key: str) -> bool:
    db.execute("DELETE FROM kb_passages WHERE article_key = ?", [key])
    return db.execute("DELETE FROM kb_articles WHERE key = ?", [key]).rowcount > 0
