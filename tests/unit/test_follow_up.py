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


def test_what_counts_as_the_follow_up_and_whose_answer_it_confirms():
    from app.core.domain import CategoryPolicy, Comment, Policy, Requester, Ticket
    from app.pipeline.think import _confirmed_entry, answered_categories, since_answer
    first = Comment("c1", "7", "customer", True, "I can't log in")
    answer = Comment("c2", "99", "bot", True, "Here is how")
    nope, more = Comment("c3", "7", "customer", True, "that didn't help"), Comment("c4", "7", "customer", True, "id 5")
    note = Comment("c5", "50", "agent", False, "looking")
    ticket = Ticket("zendesk", "1", "s", "open", Requester("7"), (first, answer, nope, note, more),
                    tags=("deskhand_replied", "deskhand_login_2fa", "deskhand_0123456789ab", "deskhand_bug_linked"))
    assert since_answer(ticket, first) is None  # nothing answered yet
    assert since_answer(ticket, more) == "that didn't help\nid 5"  # every customer message since the answer
    assert answered_categories(ticket) == {"login_2fa"}
    solving = CategoryPolicy("auto", solve_on_confirmation=True)
    policy = Policy(categories=(("login_2fa", solving),))
    assert _confirmed_entry(ticket, policy) == solving
    two = Ticket("zendesk", "1", "s", "open", Requester("7"), tags=("deskhand_login_2fa", "deskhand_billing"))
    assert _confirmed_entry(two, policy).solve_on_confirmation is False  # which answer? a person decides
