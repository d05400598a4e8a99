"""Zendesk Help Center as a knowledge base, through zenpy.

The first sync lists every article; later ones ask the incremental article export for what
changed since the newest `updated_at` seen, so an hourly sync of a large Help Center costs one
call or two. Drafts are treated as removed. Deleted articles do not appear in the incremental
export, so a full sync (`since` empty; `deskhand kb sync --full`) is what drops them.

Each article carries its locale ("en-us", "es"); its language part is the article's language. A
translation shares its source article's id, so it is kept as `<id>@<locale>` beside it.
"""
from __future__ import annotations

from .knowledge_base import ArticleChanges, language_of
from .types import Article
from .zendesk import _call, _iso, _parse


class ZendeskHelpCenter:
    name = "zendesk"

    def __init__(self, client):
        self.client = client  # the helpdesk connector's Zenpy client: one session, one rate budget

    def changes(self, since: str = "") -> ArticleChanges:
        if since:
            listed = _call(lambda: list(self.client.help_center.articles.incremental(start_time=int(since))))
        else:
            listed = _call(lambda: list(self.client.help_center.articles()))
        published = [a for a in listed if not a.draft]
        articles = tuple(Article(id=_key(a), title=a.title or "", body_html=a.body or "",
                                 url=a.html_url or "", labels=tuple(a.label_names or ()),
                                 updated_at=_iso(a.updated_at), language=language_of(a.locale))
                         for a in published)
        stamps = [int(_parse(a.updated_at).timestamp()) for a in articles if a.updated_at]
        newest = max(stamps + [int(since or 0)])
        return ArticleChanges(articles, removed=tuple(_key(a) for a in listed if a.draft),
                              complete=not since, cursor=str(newest) if newest else "")


def _key(article) -> str:
    """The article's id; a translation (locale other than its source's) adds its locale."""
    locale, source = (article.locale or "").lower(), (article.source_locale or "").lower()
    return str(article.id) if not locale or not source or locale == source else f"{article.id}@{locale}"
