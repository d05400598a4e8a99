"""The role every knowledge source plays: Zendesk Help Center, Intercom articles, a Markdown folder.

A sync asks a source for what changed since the cursor it returned last time. Sources that can
list changes incrementally (Zendesk) do; the others return the whole knowledge base with
`complete=True`, and the store drops whatever is no longer in it.
"""
from __future__ import annotations

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


class KnowledgeBase(Protocol):
    name: str  # "zendesk", "intercom", "markdown": prefixes article ids so sources never collide

    def changes(self, since: str = "") -> ArticleChanges:
        """Published articles changed since `since` (everything when it is empty)."""
