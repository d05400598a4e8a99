"""Read labelled ticket files (JSONL, one ticket per line; format in docs/replay-and-eval.md)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from app.core.errors import DeskhandError
from app.knowledge.page_map import with_page

OUT_OF_SCOPE = "out_of_scope"


class HistoryError(DeskhandError):
    pass


@dataclass(frozen=True)
class LabelledTicket:
    id: str
    subject: str
    body: str
    category: str | None = None  # None: out of scope (when labelled) or unlabelled
    labelled: bool = True  # False when the line has no `category` at all
    expect: str | None = None  # "answer" | "escalate"
    requester: dict = field(default_factory=dict)
    page_url: str = ""
    articles: tuple[str, ...] = ()  # gold: ids or URLs of the articles that answer it

    @property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}".strip()


def parse_line(line: str) -> LabelledTicket:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("line is not a JSON object")
    return parse_record(data)


def parse_record(data: dict) -> LabelledTicket:
    """One ticket of the history format, checked (ValueError says what is wrong)."""
    for key in ("id", "body"):
        if key not in data:
            raise ValueError(f"missing {key!r}")
    category = data.get("category")
    if category is not None and not isinstance(category, str):
        raise ValueError("'category' must be a string or null")
    article = data.get("article") or ()
    article = (article,) if isinstance(article, (str, int)) else article
    if not isinstance(article, (list, tuple)) or not all(isinstance(a, (str, int)) for a in article):
        raise ValueError("'article' must be an article id or URL, or a list of them")
    expect = data.get("expect")
    if expect not in (None, "answer", "escalate"):
        raise ValueError("'expect' must be \"answer\" or \"escalate\"")
    return LabelledTicket(
        id=str(data["id"]), subject=str(data.get("subject") or ""), body=str(data["body"]),
        category=None if category in (None, "", OUT_OF_SCOPE) else category, labelled="category" in data,
        expect=expect,
        requester=data.get("requester") if isinstance(data.get("requester"), dict) else {},
        page_url=str(data.get("page_url") or ""), articles=tuple(str(a) for a in article))


def load_jsonl(path: str, strict: bool = False) -> tuple[list[LabelledTicket], list[str]]:
    """Return the tickets and one message per malformed line (or raise on the first when strict)."""
    tickets, problems = [], []
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise HistoryError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                tickets.append(parse_line(line))
            except (ValueError, json.JSONDecodeError) as exc:
                message = f"{path}:{number}: {exc}"
                if strict:
                    raise HistoryError(message) from None
                problems.append(message)
    return tickets, problems


def training_set(tickets: list[LabelledTicket], product_map=None) -> tuple[list[str], list[str]]:
    """Texts and labels; tickets labelled out of scope become their own class, so the model
    learns what not to answer. With a product map, a ticket's page area is part of its text, as
    triage adds it at prediction (app/knowledge/page_map.py `with_page`)."""
    labelled = [t for t in tickets if t.labelled]
    texts = [with_page(t.text, product_map.page_for(t.page_url, t.body) if product_map else None)
             for t in labelled]
    labels = [t.category or OUT_OF_SCOPE for t in labelled]
    if not texts:
        raise HistoryError("the history has no labelled tickets")
    if len(set(labels) - {OUT_OF_SCOPE}) < 2:
        raise HistoryError("the history needs at least two categories to learn from")
    return texts, labels


def numbered_records(path: str, error: type[Exception]) -> list[tuple[int, object]]:
    """The records of a ticket file with their numbers: an API response ({"tickets": [...]}), a
    JSON array, or JSON lines (a line that is not JSON stands as its problem, a string). A file
    that cannot be read at all raises `error`."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{path} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        numbered = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    numbered.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    numbered.append((number, f"not valid JSON: {exc.msg}"))
        return numbered
    records = data.get("tickets") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise error(f"{path}: expected a list of tickets, an object with 'tickets', or JSON lines")
    return list(enumerate(records, start=1))


def load_zendesk_export(path: str, category_field: str = "", category_tag_prefix: str = "",
                        strict: bool = False) -> tuple[list[LabelledTicket], list[str]]:
    """Read a Zendesk ticket export: an API response ({"tickets": [...]}), a JSON array of
    tickets, or Zendesk's JSON export (one ticket object per line). The category comes from
    the custom field `category_field` (id) or from a tag starting with `category_tag_prefix`.
    """
    if not category_field and not category_tag_prefix:
        raise HistoryError("name where the category is: a custom field id or a tag prefix")
    numbered = numbered_records(path, HistoryError)
    tickets, problems = [], []
    for number, record in numbered:
        try:
            tickets.append(_from_zendesk(record, category_field, category_tag_prefix))
        except ValueError as exc:
            message = f"{path}: ticket {number}: {exc}"
            if strict:
                raise HistoryError(message) from None
            problems.append(message)
    return tickets, problems


def _from_zendesk(record, category_field: str, tag_prefix: str) -> LabelledTicket:
    if not isinstance(record, dict):
        raise ValueError(record if isinstance(record, str) else "not a ticket object")
    if "id" not in record:
        raise ValueError("missing 'id'")
    comments = record.get("comments") or []
    body = record.get("description") or (comments[0].get("plain_body") or comments[0].get("body")
                                         if comments and isinstance(comments[0], dict) else "")
    if not body:
        raise ValueError("no description or first comment")
    category = None
    if category_field:
        for field_ in record.get("custom_fields") or record.get("fields") or []:
            if isinstance(field_, dict) and str(field_.get("id")) == str(category_field) and field_.get("value"):
                category = str(field_["value"])
    if category is None and tag_prefix:
        category = next((t[len(tag_prefix):] for t in record.get("tags") or []
                         if isinstance(t, str) and t.startswith(tag_prefix) and len(t) > len(tag_prefix)), None)
    return LabelledTicket(id=str(record["id"]), subject=str(record.get("subject") or ""), body=str(body),
                          category=None if category in (None, OUT_OF_SCOPE) else category,
                          labelled=category is not None)


def read_tickets(path: str, category_field: str = "", category_tag_prefix: str = "",
                 strict: bool = False) -> tuple[list[LabelledTicket], list[str]]:
    """Our JSONL format, or a Zendesk export when the user names where its category is."""
    if category_field or category_tag_prefix:
        return load_zendesk_export(path, category_field, category_tag_prefix, strict)
    return load_jsonl(path, strict)
