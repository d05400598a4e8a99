"""The product map: which page of the product is which area, and the steps for its common tasks. Pure
apart from reading the file.

A ticket's page (the helpdesk's page-URL field, or a product URL the customer pasted) is located in
the map; the area becomes a triage feature and, when the message asks for one of the area's tasks,
its steps go into the reply. The steps are a source like a knowledge-base passage: they are cited as
`product-map:<area>#<task>` and the claim check reads them (format in docs/knowledge.md, "Product map").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlparse

import yaml

from app.core.errors import DeskhandError
from app.knowledge.passages import Passage

PREFIX = "product-map:"
MODEL_FLAG = "page_feature"  # in a model's `info`: it was trained with the page area in its text
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_AREA_KEYS = {"pattern", "area", "name", "categories", "tasks"}
_TASK_KEYS = {"task", "steps", "keywords"}
# A URL with or without its scheme; the lookbehind keeps e-mail addresses out.
_URL = re.compile(r"(?<![@\w.-])(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/[^\s<>\"'()\[\]]*)?", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"a", "an", "the", "to", "or", "and", "of", "for", "on", "in", "up", "my", "your", "our", "with", "by"}


class PageMapError(DeskhandError):
    """A product map that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Task:
    name: str
    steps: tuple[str, ...]
    keywords: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return "-".join(_WORD.findall(self.name.lower()))


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    pattern: str  # "/path/glob" or "host/path/glob"; `*` matches any characters, `/` included
    categories: tuple[str, ...] = ()
    tasks: tuple[Task, ...] = ()

    @property
    def host(self) -> str:
        return "" if self.pattern.startswith("/") else self.pattern.split("/", 1)[0].lower()

    @property
    def path(self) -> str:
        return self.pattern if self.pattern.startswith("/") else "/" + self.pattern.partition("/")[2]

    def passage(self, task: Task) -> Passage:
        """The task's steps as a citable source, numbered the way replies show them."""
        return Passage(id=f"{PREFIX}{self.id}#{task.slug}", article_key=f"{PREFIX}{self.id}",
                       title=f"Product map: {self.name}", url="", updated_at="", heading=task.name,
                       text="\n".join(f"{n}. {s}" for n, s in enumerate(task.steps, 1)),
                       labels=self.categories)


@dataclass(frozen=True)
class Page:
    """Where the customer was: the URL Deskhand used and the area it is in."""
    url: str
    area: Area


@dataclass(frozen=True)
class ProductMap:
    areas: tuple[Area, ...]
    hosts: frozenset[str] = frozenset()  # the product's hosts: where page URLs in messages are looked for
    source: str = ""

    def locate(self, url: str) -> Area | None:
        """The most specific area whose pattern matches the URL: a named host beats none, then the
        pattern with the most literal characters, then the first in the file."""
        if not url:
            return None
        parsed = urlparse(url if "://" in url else f"https://{url}")
        host, path = (parsed.hostname or "").lower(), _normal_path(parsed.path)
        best, best_key = None, None
        for order, area in enumerate(self.areas):
            if area.host and not fnmatchcase(host, area.host):
                continue
            if not area.host and self.hosts and host not in self.hosts:
                continue  # a path-only pattern covers the product's own hosts, not any site
            if not fnmatchcase(path, _normal_path(area.path.lower())):
                continue
            key = (bool(area.host), len(area.pattern.replace("*", "")), -order)
            if best_key is None or key > best_key:
                best, best_key = area, key
        return best

    def page_for(self, ticket_page_url: str, message: str) -> Page | None:
        url = page_url_for(ticket_page_url, message, self.hosts)
        area = self.locate(url)
        return Page(url, area) if area else None


def with_page(text: str, page: Page | None) -> str:
    """The classifier's text with the page's area appended: the same at training and at prediction.
    The area's name, not an id, so the sentence embedding reads it too (docs/knowledge.md, "Product map")."""
    return f"{text}\nPage: {page.area.name}" if page else text


def page_url_for(ticket_page_url: str, message: str, product_hosts) -> str:
    """The page the ticket names, else the first URL in the message on one of the product's hosts."""
    if ticket_page_url.strip():
        return ticket_page_url.strip()
    hosts = {h.lower() for h in product_hosts}
    for found in _URL.findall(message or ""):
        url = found.rstrip(".,;:!?")
        if (urlparse(url if "://" in url else f"https://{url}").hostname or "").lower() in hosts:
            return url if "://" in url else f"https://{url}"
    return ""


def task_for(area: Area | None, text: str) -> Task | None:
    """The area's task the message asks about: two points per keyword (or phrase) it contains, one per
    word of the task's name. None without a clear winner: wrong steps are worse than none."""
    if area is None or not area.tasks:
        return None
    words = [_stem(w) for w in _WORD.findall(text.lower())]
    joined, vocabulary = f" {' '.join(words)} ", set(words)
    scored = []
    for task in area.tasks:
        phrases = [" ".join(_stem(w) for w in _WORD.findall(k.lower())) for k in task.keywords]
        score = 2 * sum(1 for p in phrases if p and f" {p} " in joined)
        score += len(({_stem(w) for w in _WORD.findall(task.name.lower())} - _STOP) & vocabulary)
        scored.append((score, task))
    scored.sort(key=lambda s: -s[0])
    top = scored[0][0]
    if top < 2 or (len(scored) > 1 and scored[1][0] == top):
        return None
    return scored[0][1]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _normal_path(path: str) -> str:
    path = (path or "/").lower()
    return path.rstrip("/") or "/"


# -- reading the file ----------------------------------------------------------------------------

def load(path: str) -> ProductMap:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise PageMapError(f"cannot read product map {path}: {exc.strerror}") from None
    return parse(text, path)


def parse(text: str, source: str = "product map") -> ProductMap:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PageMapError(f"{source}:{where} not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    hosts: list = []
    if isinstance(data, dict):
        unknown = set(data) - {"hosts", "areas"}
        if unknown:
            raise PageMapError(f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))} (expected hosts, areas)")
        hosts = _strings(data.get("hosts") or [], f"{source}: 'hosts'")
        data = data.get("areas")
    if not isinstance(data, list) or not data:
        raise PageMapError(f"{source}: expected a list of areas (or 'areas:' with one)")
    areas = tuple(_area(entry, f"{source}: area {n}") for n, entry in enumerate(data, 1))
    seen: set[str] = set()
    for n, area in enumerate(areas, 1):
        if area.id in seen:
            raise PageMapError(f"{source}: area {n} ({area.id}): the id is used twice")
        seen.add(area.id)
    return ProductMap(areas, frozenset(h.lower() for h in hosts) | {a.host for a in areas if a.host}, source)


def _area(entry, where: str) -> Area:
    if not isinstance(entry, dict):
        raise PageMapError(f"{where}: expected a mapping with pattern, area and name")
    name = entry.get("area")
    where = f"{where} ({name})" if isinstance(name, str) else where
    unknown = set(entry) - _AREA_KEYS
    if unknown:
        raise PageMapError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    for key in ("pattern", "area", "name"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise PageMapError(f"{where}: '{key}' is required and must be text")
    if not _SLUG.match(entry["area"]):
        raise PageMapError(f"{where}: 'area' must be an id of lower-case letters, digits, - and _")
    pattern = entry["pattern"].strip()
    if pattern.startswith(("http://", "https://")) or (not pattern.startswith("/") and "/" not in pattern):
        raise PageMapError(f"{where}: 'pattern' must be a path like /settings/billing* or host/path, "
                           f"without http://")
    tasks = entry.get("tasks") or []
    if not isinstance(tasks, list):
        raise PageMapError(f"{where}: 'tasks' must be a list")
    found = tuple(_task(t, f"{where}: task {n}") for n, t in enumerate(tasks, 1))
    if len({t.slug for t in found}) != len(found):
        raise PageMapError(f"{where}: two tasks have the same name")
    return Area(id=entry["area"], name=entry["name"].strip(), pattern=pattern,
                categories=tuple(_strings(entry.get("categories") or [], f"{where}: 'categories'")), tasks=found)


def _task(entry, where: str) -> Task:
    if not isinstance(entry, dict):
        raise PageMapError(f"{where}: expected a mapping with task and steps")
    unknown = set(entry) - _TASK_KEYS
    if unknown:
        raise PageMapError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    if not isinstance(entry.get("task"), str) or not _WORD.search(entry["task"].lower()):
        raise PageMapError(f"{where}: 'task' is required and must be a name")
    where = f"{where} ({entry['task']})"
    steps = _strings(entry.get("steps"), f"{where}: 'steps'")
    if not steps:
        raise PageMapError(f"{where}: 'steps' must list at least one step")
    return Task(entry["task"].strip(), tuple(s.strip() for s in steps),
                tuple(_strings(entry.get("keywords") or [], f"{where}: 'keywords'")))


def _strings(value, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PageMapError(f"{where} must be a list of text")
    return value
