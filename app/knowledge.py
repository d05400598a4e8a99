"""Find the Help Center article that answers a ticket. Pure: articles in, ranked matches out.

Articles are compared with the ticket as sentence embeddings (the classifier's packaged
MiniLM), by cosine similarity: on Bitext that ranks the right answer first for 96 % of
questions at under 4 ms each, where TF-IDF (or BM25) misses far more paraphrases
(scripts/bench_retrieval.py). Articles are embedded once, when the index is built.
"""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import numpy as np

from connectors.types import Article

from .embeddings import encoder


@dataclass(frozen=True)
class Match:
    article: Article
    score: float  # cosine similarity of the ticket's and the article's embeddings


class KnowledgeIndex:
    def __init__(self, articles: list[Article]):
        self.articles = list(articles)
        corpus = [f"{a.title}\n{html_to_text(a.body_html)}" for a in self.articles]
        self._vectors = encoder().encode(corpus) if corpus else None

    def search(self, text: str, category: str | None = None, limit: int = 3) -> list[Match]:
        """Best articles first; articles labelled with the category come before the rest."""
        if self._vectors is None:
            return []
        scores = self._vectors @ encoder().encode([text])[0]
        if category is None:
            ranked = np.argsort(-scores)[:limit]
        else:
            ranked = sorted(range(len(self.articles)),
                            key=lambda i: (category not in self.articles[i].labels, -scores[i]))
        return [Match(self.articles[i], round(float(scores[i]), 4)) for i in ranked[:limit]]


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._list_counters: list[int] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "ol":
            self._list_counters.append(0)
        elif tag == "ul":
            self._list_counters.append(-1)
        elif tag == "li":
            if self._list_counters and self._list_counters[-1] >= 0:
                self._list_counters[-1] += 1
                self.parts.append(f"\n{self._list_counters[-1]}. ")
            else:
                self.parts.append("\n- ")
        elif tag in ("p", "br", "h1", "h2", "h3", "h4", "div"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("ol", "ul") and self._list_counters:
            self._list_counters.pop()
            self.parts.append("\n")
        elif tag == "p":
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(" ".join(data.split()) if data.strip() else "")


def html_to_text(html: str) -> str:
    """Readable plain text: paragraphs kept, ordered lists numbered, scripts dropped."""
    parser = _TextExtractor()
    parser.feed(html or "")
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text, blank = [], False
    for line in lines:
        if line:
            text.append(line)
            blank = False
        elif not blank and text:
            text.append("")
            blank = True
    return "\n".join(text).strip()
