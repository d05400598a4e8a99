"""The role every knowledge source plays: Zendesk Help Center, Intercom articles, a Markdown folder.

A sync asks a source for what changed since the cursor it returned last time. Sources that can
list changes incrementally (Zendesk) do; the others return the whole knowledge base with
`complete=True`, and the store drops whatever is no longer in it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .types import Article


@dataclass(frozen=True)
class ArticleChanges:
    articles: tuple[Article, ...] = ()  # new or changed published articles
    removed: tuple[str, ...] = ()  # ids of articles that were unpublished, archived or deleted
    complete: bool = False  # `articles` is the whole knowledge base; anything else is gone
    cursor: str = ""  # give this back as `since` on the next sync
    problems: tuple[str, ...] = ()  # articles the source could not read, with the reason


# A locale as sources write it: "es", "en-us", "pt_BR", "zh-Hant". Its language part is what
# ticket triage detects, so articles are matched to tickets by that part alone.
LOCALE = re.compile(r"([a-z]{2})(?:[-_][a-z0-9]{2,4})?", re.IGNORECASE)


def language_of(locale: str | None, default: str = "en") -> str:
    """The language of a locale code ("en-us" → "en"); `default` when there is none or it is no locale."""
    m = LOCALE.fullmatch((locale or "").strip())
    return m.group(1).lower() if m else default


class KnowledgeBase(Protocol):
    name: str  # "zendesk", "intercom", "markdown": prefixes article ids so sources never collide

    def changes(self, since: str = "") -> ArticleChanges:
        """Published articles changed since `since` (everything when it is empty)."""
