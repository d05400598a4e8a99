"""The pure outcome steps: what a ticket's snapshot says happened after Deskhand's writes, edit
ratios and draft fates, ratings on either helpdesk, resolution states, Wilson bounds and the
ladder's proposals, the charts' sample sizes."""
from __future__ import annotations

import pytest

from app.core.domain import CategoryPolicy, Policy
from app.outcomes import charts, derive, ladder, measures
from app.outcomes.derive import Decided, Known
from connectors.types import Comment, Requester, Ticket

NOW = 1_800_000_000.0
REPLY = "To reset your password open Settings, choose Security and click Reset. The link is valid for an hour."
SENT = Decided(1, NOW - 100, "send", "login_2fa", text=REPLY, public=True)
DRAFTED = Decided(2, NOW - 100, "draft", "billing", text="----- proposed reply -----\n" + REPLY, proposed=REPLY)


def ticket(*comments: tuple[str, str, bool, str], status: str = "open", rating: str = "") -> Ticket:
    """A snapshot whose comments are (role, author, public, body), oldest first."""
    return Ticket("zendesk", "42", "subject", status, Requester("7"), rating=rating,
                  comments=tuple(Comment(str(i), who, role, public, body)
                                 for i, (role, who, public, body) in enumerate(comments)))


def kinds(found) -> dict[str, derive.Observed]:
    return {o.kind: o for o in found}


def test_edit_ratio_and_the_draft_fate_it_gives():
    assert derive.edit_ratio(REPLY, "  " + REPLY.replace(" ", "\n ")) == 0.0
    greeted = derive.edit_ratio(REPLY * 3, "Hi Ana! " + REPLY * 3)  # a greeting on a 60-word reply
    assert derive.draft_fate(greeted) == "draft_sent_as_is"
    half = derive.edit_ratio(REPLY, REPLY[:50] + " and then write to us again if it still fails.")
    assert derive.draft_fate(half) == "draft_edited"
    assert derive.draft_fate(derive.edit_ratio(REPLY, "We refunded you, sorry for the trouble.")) == "draft_discarded"


@pytest.mark.parametrize("platform,rating,expected", [
    ("zendesk", "good", 1.0), ("zendesk", "bad", 0.0), ("zendesk", "offered", None), ("zendesk", "", None),
    ("intercom", "5", 1.0), ("intercom", "4", 1.0), ("intercom", "3", 0.0), ("intercom", "1", 0.0),
    ("intercom", "7", None), ("intercom", "", None)])
def test_satisfaction_on_either_helpdesk(platform, rating, expected):
    assert derive.satisfied(platform, rating) == expected


def test_a_customer_reply_after_the_bot_is_classified_and_recorded_once():
    snap = ticket(("customer", "7", True, "I can't log in"), ("bot", "b", True, REPLY),
                  ("customer", "7", True, "That didn't help, the link still says expired"),
                  ("customer", "7", True, "hello?"))
    found = kinds(derive.observe(snap, [SENT], Known(), NOW))
    assert set(found) == {"customer_replied", "not_helped"}  # the second message answers nobody's reply
    assert found["not_helped"].decision == SENT and found["customer_replied"].detail["follow_up"] == "not_helped"
    again = derive.observe(snap, [SENT], Known({o.key: NOW for o in found.values()}), NOW)
    assert again == []


def test_solve_reopen_solve_are_episodes_and_the_reopen_says_how_late():
    solved = derive.observe(ticket(("bot", "b", True, REPLY), status="solved"), [SENT], Known(), NOW)
    assert [(o.key, o.kind) for o in solved] == [("solved:0", "solved")]
    reopened = derive.observe(ticket(status="open"), [SENT], Known({"solved:0": NOW - 2 * 86400}), NOW)
    assert [(o.key, o.kind, o.value) for o in reopened] == [("reopened:0", "reopened", 2.0)]
    pending = derive.observe(ticket(status="pending"), [SENT], Known({"solved:0": NOW}), NOW)
    assert pending == []  # waiting on the customer is not a reopen
    again = derive.observe(ticket(status="solved"), [SENT], Known({"solved:0": 1, "reopened:0": 2}), NOW)
    assert [o.key for o in again] == ["solved:1"]


def test_draft_sent_as_is_edited_or_discarded_and_who_replied():
    as_is = kinds(derive.observe(ticket(("bot", "b", False, DRAFTED.text), ("agent", "a", True, REPLY)),
                                 [DRAFTED], Known(), NOW))
    assert as_is["draft_sent_as_is"].value == 0.0 and "human_replied" in as_is
    unused = kinds(derive.observe(ticket(("bot", "b", False, DRAFTED.text), status="solved"), [DRAFTED], Known(), NOW))
    assert unused["draft_discarded"].detail == {"reason": "solved without a reply from it"}


def test_category_corrections_and_csat_name_who_replied_last():
    snap = ticket(("bot", "b", True, REPLY), status="solved", rating="bad")
    found = kinds(derive.observe(snap, [SENT], Known(), NOW, category_value="bug_report"))
    assert found["category_changed"].detail == {"from": "login_2fa", "to": "bug_report"}
    assert (found["csat"].value, found["csat"].detail["by"], found["csat"].key) == (0.0, "bot", "csat:bad")
    assert "category_changed" not in kinds(derive.observe(snap, [SENT], Known(), NOW, category_value="login_2fa"))
    assert derive.observe(snap, [], Known(), NOW) == []  # Deskhand never wrote here


def decisions(*actions: str) -> list[dict]:
    return [{"id": i, "at": NOW - 30 * 86400 + i, "platform": "zendesk", "ticket_id": "42", "action": a,
             "category": "login_2fa", "reasons": ["confidence 0.41 below draft_at 0.5"]} for i, a in enumerate(actions)]


def outcome(kind: str, decision_id: int = 0, at: float = NOW - 20 * 86400, value=None, **detail) -> dict:
    return {"id": hash((kind, at)), "platform": "zendesk", "ticket_id": "42", "decision_id": decision_id,
            "kind": kind, "at": at, "value": value, "detail": detail}


@pytest.mark.parametrize("outcomes,state", [
    ([outcome("solved")], "resolved"),
    ([outcome("solved", at=NOW - 86400)], "pending_solved"),
    ([], "pending_open"),
    ([outcome("solved"), outcome("reopened", value=3.0)], "not_resolved"),
    ([outcome("solved"), outcome("reopened", value=30.0, at=NOW - 86400)], "pending_open"),
    ([outcome("not_helped"), outcome("solved")], "not_resolved"),
    ([outcome("human_replied"), outcome("solved")], "not_resolved")])
def test_autonomous_resolution_is_strict(outcomes, state):
    [result] = measures.tickets(decisions("send"), outcomes, NOW)
    assert result.state == state


def test_an_escalated_ticket_is_never_resolved_by_deskhand_and_reasons_group():
    [result] = measures.tickets(decisions("escalate"), [outcome("solved")], NOW)
    figures = measures.figures([result])
    assert result.state == "not_resolved" and figures["handoff"] == {"k": 1, "n": 1, "rate": 1.0}
    assert figures["handoff_reasons"] == [("confidence N below draft_at N", 1)]


def test_wilson_bounds():
    assert ladder.wilson(0, 0) == (0.0, 1.0)
    low, high = ladder.wilson(8, 10, z=1.96)
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943
    assert ladder.wilson(30, 30)[0] > ladder.TARGET > ladder.wilson(20, 20)[0]


def verdict(good: bool, i: int, action: str = "send", why: str = "solved", category: str = "login_2fa") -> dict:
    return {"category": category, "action": action, "at": NOW - 1000 + i, "decision_id": i, "ticket_id": str(i),
            "good": good, "why": why}


POLICY = Policy(default=CategoryPolicy(mode="draft", send_at=0.9, draft_at=0.5),
                categories=(("login_2fa", CategoryPolicy(mode="auto", send_at=0.85, draft_at=0.5)),))


def test_a_run_of_bad_outcomes_or_a_low_upper_bound_moves_an_auto_category_down():
    run = [verdict(True, i) for i in range(5)] + [verdict(False, 5 + i, why=w) for i, w in
                                                  enumerate(["reopened", "not_helped", "reopened"])]
    [step] = ladder.propose(POLICY, run, NOW)
    assert (step.direction, step.change) == ("down", {"mode": "draft"}) and "last 3" in step.why
    broken = run[:-1] + [verdict(False, 20, why="human_replied")]  # no run of 3 any more
    assert ladder.propose(POLICY, broken, NOW) == []
    poor = [verdict(i % 2 == 0, i, why="solved" if i % 2 == 0 else "human_replied") for i in range(12)]
    [step] = ladder.propose(POLICY, poor, NOW)
    assert step.direction == "down" and step.upper < ladder.TARGET


def test_enough_good_replies_propose_a_step_up():
    drafts = [verdict(True, i, action="draft", why="sent as is", category="billing") for i in range(30)]
    [step] = ladder.propose(POLICY, drafts, NOW)
    assert (step.category, step.direction, step.change, step.n) == ("billing", "up", {"mode": "auto"}, 30)
    assert ladder.propose(POLICY, drafts[:20], NOW) == []  # too few to clear the bound
    assert ladder.propose(POLICY, drafts, NOW + 90 * 86400) == []  # too old
    sends = [verdict(True, i) for i in range(40)]
    [up] = ladder.propose(POLICY, sends, NOW)
    assert up.change == {"send_at": 0.8}


def test_charts_show_the_sample_size_and_a_dash_for_nothing_measured():
    svg = charts.bars("Resolution", [("billing <b>", 0.5, 4), ("login_2fa", None, 0)])
    assert "50% <tspan" in svg and "n=4" in svg and "– <tspan" in svg and "n=0" in svg
    assert "<b>" not in svg and "billing &lt;b&gt;" in svg
    assert "no tickets measured yet" in charts.weekly("Per week", [])
