"""The follow-up rules: what a customer's reply to Deskhand's answer says about it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.reasoning.follow_up import NEW, NOT_HELPED, RESOLVED, classify

DATA = Path(__file__).resolve().parents[1] / "data" / "follow_ups.jsonl"
LABEL = {"not_helped": NOT_HELPED, "resolved": RESOLVED, "other": NEW}


@pytest.mark.parametrize("text, kind", [
    # politeness around a confirmation is a confirmation; doubt or negation is not
    ("thanks, that helped!", RESOLVED),
    ("Thank you, it helped a lot!", RESOLVED),
    ("not sure it helped", NOT_HELPED),
    ("I don't think that helped", NOT_HELPED),
    ("Didnt help", NOT_HELPED),  # apostrophes get dropped in a hurry
    ("no need to reply, it works", RESOLVED),  # "no" belongs to another clause
    ("It failed at first but now it works, thanks", RESOLVED),  # the part after "but" counts
    ("Thanks, but I still cannot see the invoice", NOT_HELPED),
    # a confirmation with something more asked for is a new need, never a resolution
    ("Thanks, that helped. Now how do I export?", NEW),
    ("That worked. I'd also like a copy of the invoice", NEW),
    # neither
    ("Thanks!", NEW),
    ("Not yet, I'll try it tonight.", NEW),
    ("I lost my password again", NEW),
    # other languages
    ("Danke, hat funktioniert", RESOLVED),
    ("Non funziona", NOT_HELPED),
    ("Gracias, todo bien ahora", RESOLVED),
    ("Het werkt niet", NOT_HELPED),
])
def test_verdicts(text, kind):
    assert classify(text).kind == kind


def test_the_words_that_decided_are_kept_for_the_reason():
    assert classify("Hmm, that didn't help, still can't log in").said == "still can't"


def test_the_labelled_set_is_as_promised():
    """At least 60 follow-ups of each kind across languages, a held-out part set aside."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 60 and {r["label"] for r in rows} == set(LABEL)
    assert len({r["lang"] for r in rows}) >= 5
    assert sum(r["split"] == "held_out" for r in rows) >= 30


def test_held_out_floor():
    """Measured once before any change made after it (see the commit message): the floor keeps a
    later rule from silently trading dissatisfaction or resolution away. Precision of RESOLVED
    matters most: a false one can close a ticket someone still needs."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    held = [(LABEL[r["label"]], classify(r["text"]).kind) for r in rows if r["split"] == "held_out"]
    for kind, precision, recall in ((NOT_HELPED, 0.9, 0.85), (RESOLVED, 0.95, 0.8)):
        tp = sum(a == b == kind for a, b in held)
        assert tp / max(1, sum(b == kind for _, b in held)) >= precision, kind
        assert tp / sum(a == kind for a, _ in held) >= recall, kind
