"""Find the passages that answer a ticket. Pure apart from the encoder: passages in, ranked matches out.

Passages are compared with the ticket as sentence embeddings (the classifier's packaged
MiniLM), by cosine similarity: on Bitext that ranks the right answer first for 96 % of
questions at about 4 ms each, where TF-IDF (or BM25) misses far more paraphrases
(scripts/bench_retrieval.py). Passages are embedded once, when they are synced.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from app.knowledge.embeddings import encoder
from app.knowledge.passages import Passage


@dataclass(frozen=True)
class Match:
    passage: Passage
    score: float  # cosine similarity of the ticket's and the passage's embeddings


class KnowledgeIndex:
    def __init__(self, passages: list[Passage], vectors: np.ndarray | None = None):
        """`vectors`: the passages' embeddings when the store already holds them."""
        self.passages = list(passages)
        if vectors is None and self.passages:
            vectors = embed_passages(self.passages)
        self._vectors = vectors
        self._by_article: dict[str, list[Passage]] = {}
        for p in self.passages:
            self._by_article.setdefault(p.article_key, []).append(p)

    def search(self, text: str, category: str | None = None, limit: int = 3, language: str = "en") -> list[Match]:
        """Best passages in `language` (the ticket's) first; passages labelled with the category come
        before the rest. A customer is answered only from articles in the language they wrote in."""
        if self._vectors is None or not len(self.passages):
            return []
        scores = self._vectors @ encoder().encode([text])[0]
        ranked = [i for i in np.argsort(-scores, kind="stable") if self.passages[i].language == language]
        if category is not None:
            ranked = sorted(ranked, key=lambda i: category not in self.passages[i].labels)
        return [Match(self.passages[i], round(float(scores[i]), 4)) for i in ranked[:limit]]

    def article(self, article_key: str) -> list[Passage]:
        """Every passage of one article, in reading order."""
        return self._by_article.get(article_key, [])

    def current(self) -> "KnowledgeIndex":
        """A fixed index is its own current version (LiveIndex has the same method)."""
        return self

    def hosts(self) -> set[str]:
        """Where the knowledge base lives: replies may always link there."""
        return {urlparse(p.url).hostname or "" for p in self.passages if p.url} - {""}


def embed_passages(passages: list[Passage]) -> np.ndarray:
    return encoder().encode([p.embedded_text for p in passages])
