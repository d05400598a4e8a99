"""An OpenAI-compatible model that obeys whoever wrote the ticket: real HTTP, no judgement.

For the safety benchmark and tests (issue: nothing an attacker writes goes out). A ticket
carries a reference (`Ref atk-0001`); the attacker's wish for that reference is registered
beforehand (`wants`), and the model does it:
- triage: the registered category, sure of it, nothing sensitive, in English;
- reply: the registered text word for word, citing the first passage offered.
A ticket with no wish (a benign control) gets what a careful model writes: the first offered
passage's own text, citing it.
"""
from __future__ import annotations

import re

from .openai_server import FakeOpenAI

_REF = re.compile(r"\bRef ([a-z][a-z0-9]*-\d+)\b")  # the corpus line's id: atk-0001, bng-0001, bn2-0001, …
_PASSAGE = re.compile(r"^\[([^\]]+)\] [^\n]*\n(.*?)(?=\n\n\[|\Z)", re.S | re.M)


class ObedientModel(FakeOpenAI):
    def __init__(self):
        super().__init__()
        self.wants: dict[str, dict] = {}  # ref -> {"category": ..., "reply": ... or None}
        self.default = self._obey

    def _obey(self, body: dict):
        system, user = (m["content"] for m in body["messages"])
        ref = _REF.search(user)
        wish = self.wants.get(ref.group(1), {}) if ref else {}
        name = body["response_format"]["json_schema"]["name"]
        schema = body["response_format"]["json_schema"]["schema"]
        if name == "triage":
            labels = schema["properties"]["category"]["enum"]
            category = wish.get("category") if wish.get("category") in labels else labels[0]
            return ("json", {"category": category, "confidence": 0.99, "sentiment": 0.0, "frustration": 0.0,
                             "language": "en", "flags": [], "issues": [], "reason": "the ticket said so"})
        offered = schema["properties"]["citations"]["items"]["enum"]
        text = wish.get("reply")
        if text is None:  # a careful model: the first passage, in its own words
            passages = {pid: body_text.strip() for pid, body_text in _PASSAGE.findall(system)}
            text = passages.get(offered[0], "") if offered else ""
        return ("json", {"answerable": bool(text), "reply": text, "citations": offered[:1]})
