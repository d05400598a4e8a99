"""Find the passages that answer a ticket. Pure apart from the encoder: passages in, ranked matches out.

Passages are compared with the ticket as sentence embeddings, by cosine similarity, and only
with passages in the ticket's language. English uses the classifier's packaged MiniLM: on
Bitext that ranks the right answer first for 96 % of questions at about 4 ms each, where
TF-IDF (or BM25) misses far more paraphrases (scripts/bench_retrieval.py). MiniLM is English:
on Spanish tickets against Spanish articles it found the right article as often but scored
unrelated ones as high (8 of 9 unanswerable tickets at or above the 0.35 floor), so other
languages use the multilingual Universal Sentence Encoder, which kept all 9 below it
(scripts/bench_language.py). Passages are embedded once, when they are synced.

A writer that can answer in the customer's language from an article in another (the LLM engine)
may also search across languages: every passage on the multilingual encoder (`search_across`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlparse

import numpy as np

from app.knowledge.embeddings import encoder, multilingual
from app.knowledge.passages import Passage


@dataclass(frozen=True)
class Match:
    passage: Passage
    score: float  # cosine similarity of the ticket's embedding and the passage's best window's


# MiniLM reads the first 128 tokens of a text, and most articles' passages are longer (30 of the
# sample company's 33): what a passage says after its first hundred words never reached retrieval.
# So a longer English passage is also compared as windows, its title and heading with each run of its
# sentences of at most WINDOW_WORDS words, and scores as its best window. The multilingual encoder reads
# the whole text, so other languages keep one vector.
WINDOW_WORDS = 60
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class _Vectors:
    rows: list[int]  # the passages (indexes into KnowledgeIndex.passages) in this language
    matrix: np.ndarray  # one row per window
    owner: np.ndarray  # for each window row, its position in `rows`


class KnowledgeIndex:
    def __init__(self, passages: list[Passage], vectors: list[np.ndarray] | None = None):
        """`vectors`: the passages' embeddings (per passage, one row per window, from its language's
        encoder) when the store already holds them."""
        self.passages = list(passages)
        if vectors is None and self.passages:
            vectors = embed_passages(self.passages)
        self._by_language: dict[str, _Vectors] = {}
        for language in {p.language for p in self.passages}:
            rows = [i for i, p in enumerate(self.passages) if p.language == language]
            each = [np.atleast_2d(vectors[i]) for i in rows]
            self._by_language[language] = _Vectors(rows, np.concatenate(each),
                                                   np.repeat(np.arange(len(rows)), [len(v) for v in each]))
        self._by_article: dict[str, list[Passage]] = {}
        for p in self.passages:
            self._by_article.setdefault(p.article_key, []).append(p)

    def search(self, text: str, category: str | None = None, limit: int = 3, language: str = "en") -> list[Match]:
        """Best passages in `language` (the ticket's) first; passages labelled with the category come
        before the rest. A customer is answered only from articles in the language they wrote in."""
        if language not in self._by_language:
            return []
        known = self._by_language[language]
        scores = np.full(len(known.rows), -1.0, np.float32)
        np.maximum.at(scores, known.owner, known.matrix @ encoder_for(language).encode([text])[0])
        return self._ranked(known.rows, scores, category, limit)

    def search_across(self, text: str, category: str | None = None, limit: int = 3) -> list[Match]:
        """Best passages in any language, compared on the multilingual encoder: for a ticket in a
        language the knowledge base has no answer in, when the writer can translate."""
        if not self.passages:
            return []
        scores = self._multilingual_vectors @ multilingual().encode([text])[0]
        return self._ranked(list(range(len(self.passages))), scores, category, limit)

    def _ranked(self, rows: list[int], scores: np.ndarray, category: str | None, limit: int) -> list[Match]:
        ranked = list(np.argsort(-scores, kind="stable"))
        if category is not None:
            ranked = sorted(ranked, key=lambda i: category not in self.passages[rows[i]].labels)
        return [Match(self.passages[rows[i]], round(float(scores[i]), 4)) for i in ranked[:limit]]

    @cached_property
    def _multilingual_vectors(self) -> np.ndarray:
        # Other languages' passages already hold multilingual vectors; English ones (MiniLM) are
        # encoded again once per index, on the first search across languages (about 1.4 ms each).
        english = [i for i, p in enumerate(self.passages) if p.language == "en"]
        vectors = dict(zip(english, multilingual().encode([self.passages[i].embedded_text for i in english]))
                       if english else [])
        for language, known in self._by_language.items():
            if language != "en":
                vectors.update(zip(known.rows, known.matrix))  # one window each
        return np.stack([vectors[i] for i in range(len(self.passages))])

    def article(self, article_key: str) -> list[Passage]:
        """Every passage of one article, in reading order."""
        return self._by_article.get(article_key, [])

    def current(self) -> "KnowledgeIndex":
        """A fixed index is its own current version (LiveIndex has the same method)."""
        return self

    def hosts(self) -> set[str]:
        """Where the knowledge base lives: replies may always link there."""
        return {urlparse(p.url).hostname or "" for p in self.passages if p.url} - {""}


def encoder_for(language: str):
    return encoder() if language == "en" else multilingual()


def dimension(language: str) -> int:
    """The size of a vector from `language`'s encoder (MiniLM's, or the multilingual encoder's)."""
    return 384 if language == "en" else 512


def windows(passage: Passage) -> list[str]:
    """What retrieval compares with a ticket for this passage: its whole text (as much as the encoder
    reads) and, when an English passage is longer than a window, its title and heading with each run
    of its sentences and list lines of at most WINDOW_WORDS words (a longer sentence is a run of its own)."""
    whole = passage.embedded_text
    if passage.language != "en" or len(passage.text.split()) <= WINDOW_WORDS:
        return [whole]
    head = "\n".join(x for x in (passage.title, passage.heading) if x)
    runs, current = [], []
    for sentence in _SENTENCE.split(passage.text):
        if current and len(" ".join(current + [sentence]).split()) > WINDOW_WORDS:
            runs.append(" ".join(current))
            current = []
        if sentence.strip():
            current.append(sentence.strip())
    runs += [" ".join(current)] if current else []
    return [whole] + [f"{head}\n{run}" for run in runs]


def embed_passages(passages: list[Passage]) -> list[np.ndarray]:
    """Per passage, in order, one row per window (`windows`), from its language's encoder (so sizes
    differ by language)."""
    out: list[np.ndarray] = [np.zeros((0, 0), np.float32)] * len(passages)
    for language in {p.language for p in passages}:
        rows = [i for i, p in enumerate(passages) if p.language == language]
        texts = [windows(passages[i]) for i in rows]
        flat = encoder_for(language).encode([t for each in texts for t in each])
        start = 0
        for i, each in zip(rows, texts):
            out[i] = flat[start:start + len(each)]
            start += len(each)
    return out
