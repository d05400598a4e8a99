"""Help Center article routes (list with or without locale, show)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .pagination import paginate
from .state import not_found
from .zendesk_api import sandbox

help_center = Blueprint("help_center", __name__)


def _articles(locale: str | None) -> list[dict]:
    rows = sandbox().store.rows("articles")
    if locale:
        rows = [a for a in rows if (a.get("locale") or "").lower() == locale.lower()]
    labels = {x.strip() for x in request.args.get("label_names", "").split(",") if x.strip()}
    if labels:
        rows = [a for a in rows if labels <= set(a.get("label_names") or [])]
    if request.args.get("sort_by") in ("created_at", "updated_at", "title", "position"):
        key = request.args["sort_by"]
        rows.sort(key=lambda a: (a.get(key) or "", a["id"]),
                  reverse=request.args.get("sort_order", "asc") == "desc")
    return rows


@help_center.get("/api/v2/help_center/articles")
@help_center.get("/api/v2/help_center/<locale>/articles")
def list_articles(locale=None):
    return jsonify(paginate("articles", _articles(locale)))


@help_center.get("/api/v2/help_center/articles/<int:article_id>")
@help_center.get("/api/v2/help_center/<locale>/articles/<int:article_id>")
def show_article(article_id, locale=None):
    article = sandbox().store.get("articles", article_id)
    if locale and (article.get("locale") or "").lower() != locale.lower():
        raise not_found()
    return jsonify({"article": article})
