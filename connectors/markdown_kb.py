"""A folder of Markdown files as a knowledge base: the embedded default, kept in git by the team.

Each `*.md` file (subfolders too) is one article. Optional YAML front matter between `---`
lines gives `title`, `url`, `labels` and `updated`; `draft: true` leaves a file out. Without a
title the first `# heading` (or the file name) is used; without `updated`, the file's mtime.
Files under a first-level folder named as a locale (`es/`, `pt-br/`) are in that language;
all others are English.
The Markdown is rendered to HTML with raw HTML disabled, so every source reaches the chunker
in the same form and a `<script>` in a file stays text.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from .errors import ConnectorError
from .knowledge_base import LOCALE, ArticleChanges, language_of
from .types import Article

_RENDER = MarkdownIt("commonmark", {"html": False})


class MarkdownFolder:
    name = "markdown"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def changes(self, since: str = "") -> ArticleChanges:
        """The whole folder every time (reading a few hundred files takes milliseconds)."""
        if not self.folder.is_dir():
            raise ConnectorError(f"knowledge folder {self.folder} does not exist")
        articles, problems = [], []
        for path in sorted(self.folder.rglob("*.md")):
            try:
                article = read_article(path, self.folder)
            except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
                problems.append(f"{path}: {str(exc).splitlines()[0]}")
                continue
            if article is not None:
                articles.append(article)
        newest = max((a.updated_at for a in articles), default="")
        return ArticleChanges(tuple(articles), complete=True, cursor=newest, problems=tuple(problems))


def read_article(path: Path, root: Path) -> Article | None:
    """One file as an Article; None when its front matter marks it a draft."""
    text = path.read_text(encoding="utf-8")
    meta, body = _front_matter(text)
    if meta.get("draft") is True:
        return None
    title = str(meta.get("title") or "").strip()
    if not title:
        first = next((line for line in body.splitlines() if line.startswith("# ")), "")
        title = first[2:].strip() or path.stem.replace("-", " ").replace("_", " ").capitalize()
        if first:
            body = body.replace(first, "", 1)
    labels = meta.get("labels") or ()
    if isinstance(labels, str):
        labels = [label.strip() for label in labels.split(",")]
    updated = meta.get("updated")
    if isinstance(updated, datetime):
        updated = (updated if updated.tzinfo else updated.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        updated = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif not updated:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        updated = mtime.strftime("%Y-%m-%dT%H:%M:%SZ")
    relative = path.relative_to(root)
    return Article(id=relative.with_suffix("").as_posix(), title=title,
                   body_html=_RENDER.render(body), url=str(meta.get("url") or ""),
                   labels=tuple(str(label) for label in labels if str(label)), updated_at=str(updated),
                   language=folder_language(relative))


def folder_language(relative: Path) -> str:
    """`es/billing/invoices.md` is Spanish; a file at the top or under any other folder, English."""
    first = relative.parts[0] if len(relative.parts) > 1 else ""
    return language_of(first) if LOCALE.fullmatch(first) else "en"


def _front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        raise ValueError("front matter opened with --- is never closed")
    meta = yaml.safe_load(text[3:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter must be key: value lines")
    return meta, text[end + 4:].lstrip("\n")
