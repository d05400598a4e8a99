"""Articles → passages: the unit Deskhand retrieves, cites and checks claims against. Pure.

An article is split at its h2/h3 headings (a section per page or task, typically), and a long
section again at paragraph breaks, so a citation points at the words that support the reply.
Passage ids are `source:article#n`: the same for the same article version on every sync.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from app.knowledge.text import html_to_text
from connectors.types import Article

MAX_WORDS = 220  # a section longer than this is split at paragraph breaks
_HEADING = re.compile(r"<h[1-4][^>]*>(.*?)</h[1-4]>", re.I | re.S)
_STEP = re.compile(r"^\d+\. ", re.M)


@dataclass(frozen=True)
class Passage:
    id: str
    article_key: str  # source:article id
    title: str
    url: str
    updated_at: str
    heading: str  # the section heading; "" for the text before the first heading
    text: str  # plain text, lists numbered
    labels: tuple[str, ...] = ()
    position: int = 0
    language: str = "en"  # the article's (ISO 639-1): only a ticket in this language is answered from it

    @property
    def has_steps(self) -> bool:
        return bool(_STEP.search(self.text))

    @property
    def embedded_text(self) -> str:
        """What retrieval compares with the ticket: the title and heading give a passage its topic."""
        return "\n".join(x for x in (self.title, self.heading, self.text) if x)


def chunk(article: Article, source: str) -> list[Passage]:
    key = f"{source}:{article.id}"
    sections: list[tuple[str, str]] = []
    parts = _HEADING.split(article.body_html or "")
    sections.append(("", parts[0]))
    for i in range(1, len(parts), 2):
        sections.append((" ".join(unescape(re.sub(r"<[^>]+>", "", parts[i])).split()), parts[i + 1]))
    texts: list[tuple[str, str]] = []
    for heading, html in sections:
        for piece in _split_long(html_to_text(html)):
            if piece or heading:
                texts.append((heading, piece))
    if not texts:
        texts = [("", "")]
    return [Passage(id=f"{key}#{n}", article_key=key, title=article.title, url=article.url,
                    updated_at=article.updated_at, heading=heading, text=text,
                    labels=tuple(article.labels), position=n, language=article.language)
            for n, (heading, text) in enumerate(texts)]


def _split_long(text: str) -> list[str]:
    """Paragraph-sized pieces of at most MAX_WORDS, never cutting a numbered list apart."""
    if len(text.split()) <= MAX_WORDS:
        return [text]
    pieces, current = [], []
    for block in text.split("\n\n"):
        if current and len(" ".join(current + [block]).split()) > MAX_WORDS:
            pieces.append("\n\n".join(current))
            current = []
        current.append(block)
    return pieces + (["\n\n".join(current)] if current else [])
