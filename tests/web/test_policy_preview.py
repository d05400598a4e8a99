"""Replaying recorded decisions under a changed policy entry (app/policy/preview.py). Pure."""
from __future__ import annotations

from app.core.domain import CategoryPolicy
from app.policy.preview import Past, preview, replay, triage_of

DRAFTING = CategoryPolicy(mode="draft", send_at=0.9, draft_at=0.5)
AUTO_LOW = CategoryPolicy(mode="auto", send_at=0.6, draft_at=0.4)
CLEAN = {"blocked": [], "unsupported": [], "removed": []}


def past(ticket_id="1", confidence=0.7, flags=(), score=0.6, writer="offline", check=CLEAN, reasons=(),
         compose=True, follow_up=None) -> Past:
    triage = {"category": "billing", "confidence": confidence, "alternatives": [["plan_change", 0.2]],
              "sentiment": 0.0, "frustration": 0.0, "language": "en", "flags": list(flags), "issues": [],
              "engine": "offline", "error": "", "tokens": 0, "cost_usd": 0.0, "summary": "ignored",
              "model": "ignored too"}
    record = {"writer": writer, "score": score, "passages": ["kb:1#0"], "note": "", "text": "Hi"} if compose else None
    decided = {"action": "draft", "reasons": list(reasons), **({"follow_up": follow_up} if follow_up else {})}
    return Past(ticket_id, decided, triage, record, check if compose else None)


def test_a_recorded_triage_comes_back_whole():
    triage = triage_of(past(flags=("legal",)).triage)
    assert triage.alternatives == (("plan_change", 0.2),) and triage.flags == ("legal",)


def test_counts_and_changed_tickets_under_a_lower_send_at():
    history = [past("1", 0.7), past("2", 0.55), past("3", 0.45), past("4", 0.95, flags=("legal",))]
    result = preview(history, DRAFTING, AUTO_LOW)
    assert result["n"] == 4
    assert result["before"] == {"send": 0, "draft": 2, "escalate": 2, "solve": 0, "skip": 0}
    assert result["after"] == {"send": 1, "draft": 2, "escalate": 1, "solve": 0, "skip": 0}
    assert [(c["ticket_id"], c["before"], c["after"]) for c in result["changed"]] == \
        [("1", "draft", "send"), ("3", "escalate", "draft")]


def test_what_the_check_and_the_flags_decided_still_holds():
    unsupported = past(check={**CLEAN, "unsupported": ["a price no source backs"]})
    assert replay(unsupported, AUTO_LOW) == "draft"
    leaked = past(check={**CLEAN, "blocked": ["internal note text"]})
    assert replay(leaked, AUTO_LOW) == "escalate"
    assert replay(past(flags=("chargeback",), confidence=0.99), AUTO_LOW) == "escalate"
    assert replay(past(compose=False), AUTO_LOW) == "escalate"  # no passage, no reply
    assert replay(past(score=0.2), AUTO_LOW) == "escalate"


def test_what_a_follow_up_said_about_the_answer_is_replayed_from_the_record():
    assert replay(past(follow_up="not_helped"), AUTO_LOW) == "escalate"
    assert replay(past(follow_up="new"), AUTO_LOW) == "send" == replay(past(), AUTO_LOW)
    assert replay(past(follow_up="resolved"), AUTO_LOW) == "skip"
    solving = CategoryPolicy(mode="auto", send_at=0.6, draft_at=0.4, solve_on_confirmation=True)
    assert replay(past(follow_up="resolved"), solving) == "solve"
    # recorded before follow-ups were: replayed as a first message, as the old "draft it" rule is gone
    assert replay(past(reasons=("the customer wrote again after Deskhand's reply; an agent should check",)),
                  AUTO_LOW) == "send"


def test_modes_off_and_shadow_skip_and_a_clarifying_question_needs_no_source():
    assert replay(past(), CategoryPolicy(mode="off")) == "skip"
    assert replay(past(), CategoryPolicy(mode="shadow", send_at=0.6, draft_at=0.4)) == "skip"
    assert replay(past(writer="clarify", score=0.0), AUTO_LOW) == "send"
