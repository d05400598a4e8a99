"""Read labelled ticket files (JSONL, one ticket per line; format in the README)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

OUT_OF_SCOPE = "out_of_scope"


class HistoryError(Exception):
    pass


@dataclass(frozen=True)
class LabelledTicket:
    id: str
    subject: str
    body: str
    category: str | None = None  # None: out of scope or unlabelled
    expect: str | None = None  # "answer" | "escalate"
    requester: dict = field(default_factory=dict)
    page_url: str = ""

    @property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}".strip()


def parse_line(line: str) -> LabelledTicket:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("line is not a JSON object")
    for key in ("id", "body"):
        if key not in data:
            raise ValueError(f"missing {key!r}")
    category = data.get("category")
    if category is not None and not isinstance(category, str):
        raise ValueError("'category' must be a string or null")
    expect = data.get("expect")
    if expect not in (None, "answer", "escalate"):
        raise ValueError("'expect' must be \"answer\" or \"escalate\"")
    return LabelledTicket(
        id=str(data["id"]), subject=str(data.get("subject") or ""), body=str(data["body"]),
        category=None if category in (None, "", OUT_OF_SCOPE) else category, expect=expect,
        requester=data.get("requester") if isinstance(data.get("requester"), dict) else {},
        page_url=str(data.get("page_url") or ""))


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


def training_set(tickets: list[LabelledTicket]) -> tuple[list[str], list[str]]:
    texts = [t.text for t in tickets if t.category]
    labels = [t.category for t in tickets if t.category]
    if not texts:
        raise HistoryError("the history has no labelled tickets")
    if len(set(labels)) < 2:
        raise HistoryError("the history needs at least two categories to learn from")
    return texts, labels
