from app.core.domain import CategoryPolicy, Citation, Comment, Draft, Requester, Ticket, TicketEvent, Triage
from app.core.flags import FLAGS, URGENT
from app.pipeline.guards import check, own_event
from app.policy.decide import decide
from app.reasoning.follow_up import NEW, NOT_HELPED, RESOLVED, FollowUp


def ticket(*comments, status="open", tags=()):
    return Ticket(platform="zendesk", id="1", subject="s", status=status, requester=Requester("7"),
                  comments=tuple(comments), tags=tuple(tags))


CUSTOMER = Comment("c1", "7", "customer", True, "how do I share a dashboard?")
EVENT = TicketEvent("zendesk", "d1", "ticket.created", "1")
NO_MARK = lambda c: ""  # noqa: E731


def test_plain_customer_message_passes_and_is_the_trigger():
    result = check(ticket(CUSTOMER), EVENT, "deskhand_off", NO_MARK)
    assert (result.trigger, result.skip) == (CUSTOMER, "")


def test_each_guard_says_why():
    agent = Comment("c2", "50", "agent", True, "I'm on it")
    bot = Comment("c3", "99", "bot", True, "Here is how")
    note = Comment("c4", "50", "agent", False, "internal")
    cases = {
        "ticket is solved": ticket(CUSTOMER, status="solved"),
        "ticket is closed": ticket(CUSTOMER, status="closed"),
        "opt-out tag": ticket(CUSTOMER, tags=["deskhand_off"]),
        "human agent": ticket(CUSTOMER, agent),
        "already replied": ticket(CUSTOMER, bot),
        "no customer message": ticket(agent),
    }
    for expected, t in cases.items():
        assert expected in check(t, EVENT, "deskhand_off", NO_MARK).skip, expected
    # An internal note by an agent is not talking to the customer.
    assert check(ticket(CUSTOMER, note), EVENT, "deskhand_off", NO_MARK).skip == ""
    marks = lambda c: f"m-{c.id}"  # noqa: E731
    assert "already handled" in check(ticket(CUSTOMER, tags=["m-c1"]), EVENT, "x", marks).skip
    # The marker of an earlier, answered message does not silence a new one.
    follow_up = Comment("c9", "7", "customer", True, "that did not work")
    assert check(ticket(CUSTOMER, follow_up, tags=["m-c1"]), EVENT, "x", marks).skip == ""


def test_bot_comment_as_trigger_and_own_event():
    bot = Comment("c3", "99", "bot", True, "Here is how")
    event = TicketEvent("zendesk", "d2", "ticket.customer_replied", "1", comment_id="c3", author_id="99")
    assert own_event(event, "99") and not own_event(event, "98")
    assert "bot's own" in check(ticket(CUSTOMER, bot), event, "x", NO_MARK).skip


def test_older_message_defers_to_the_newer_one():
    newer = Comment("c5", "7", "customer", True, "also, my invoice")
    event = TicketEvent("zendesk", "d3", "ticket.customer_replied", "1", comment_id="c1")
    assert "newer customer message" in check(ticket(CUSTOMER, newer), event, "x", NO_MARK).skip


AUTO = CategoryPolicy("auto", 0.85, 0.5, "Tier 1")
GOOD = Draft("Hi", (Citation("Share a dashboard", "https://x/1", "1"),), score=0.4)


def tri(**kw):
    return Triage(**{"category": "howto_dashboards", "confidence": 0.95, **kw})


def test_confident_grounded_answer_in_auto_mode_is_sent():
    assert decide(tri(), AUTO, GOOD).action == "send"


def test_thresholds_choose_between_send_draft_and_escalate():
    assert decide(tri(confidence=0.86), AUTO, GOOD).action == "send"
    assert decide(tri(confidence=0.84), AUTO, GOOD).action == "draft"
    assert decide(tri(confidence=0.49), AUTO, GOOD).action == "escalate"
    assert decide(tri(), CategoryPolicy("draft", 0.85, 0.5), GOOD).action == "draft"


def test_sensitivity_frustration_and_grounding_beat_confidence():
    for flag in FLAGS:  # every flag of the vocabulary escalates, the urgent ones as urgent
        d = decide(tri(flags=(flag,)), AUTO, GOOD)
        assert d.action == "escalate" and flag in d.reasons[0]
        assert d.reasons[0].startswith("URGENT") == (flag in URGENT)
        assert d.escalate_to == "Tier 1"
    assert decide(tri(frustration=0.8), AUTO, GOOD).action == "escalate"
    assert decide(tri(), AUTO, None).action == "escalate"
    assert decide(tri(), AUTO, Draft("Hi", GOOD.citations, score=0.01)).action == "escalate"
    assert decide(tri(category=None), AUTO, GOOD).action == "escalate"
    several = decide(tri(issues=("howto_dashboards", "billing")), AUTO, GOOD)
    assert several.action == "escalate" and "howto_dashboards, billing" in several.reasons[0]


def test_a_new_confident_need_after_a_bot_reply_is_decided_like_any_message():
    assert decide(tri(), AUTO, GOOD, FollowUp(NEW)).action == "send"
    # an ambiguous one is not sent: below send_at it is a draft, below draft_at a person's
    assert decide(tri(confidence=0.7), AUTO, GOOD, FollowUp(NEW)).action == "draft"
    assert decide(tri(confidence=0.3), AUTO, GOOD, FollowUp(NEW)).action == "escalate"


def test_an_answer_that_did_not_help_goes_to_a_person_whatever_the_confidence():
    d = decide(tri(), AUTO, GOOD, FollowUp(NOT_HELPED, "still can't"))
    assert d.action == "escalate" and d.escalate_to == "Tier 1"
    assert "did not help" in d.reasons[0] and "still can't" in d.reasons[0]
    # in any language (replies are English-only, but this is a hand-over, not a reply)
    assert decide(tri(language="de"), AUTO, GOOD, FollowUp(NOT_HELPED)).action == "escalate"
    # flags keep their own reason
    assert "sensitive" in decide(tri(flags=("legal",)), AUTO, GOOD, FollowUp(NOT_HELPED)).reasons[0]


def test_a_confirmation_solves_only_where_the_policy_says_so():
    confirmed = FollowUp(RESOLVED, "that fixed it")
    solving = CategoryPolicy("auto", 0.85, 0.5, solve_on_confirmation=True)
    d = decide(tri(category=None, confidence=0.0), solving, None, confirmed)  # "thanks" has no category
    assert d.action == "solve" and "that fixed it" in d.reasons[0]
    left = decide(tri(), AUTO, GOOD, confirmed)
    assert left.action == "skip" and "solve_on_confirmation is off" in left.reasons[0]
    # a frustrated confirmation, a flag or a failed engine is judged as any message: a person reads it
    assert decide(tri(frustration=0.9), solving, GOOD, confirmed).action == "escalate"
    assert decide(tri(flags=("legal",)), solving, GOOD, confirmed).action == "escalate"
    assert decide(tri(error="boom"), solving, GOOD, confirmed).action == "escalate"
    # off and shadow still win
    assert decide(tri(), CategoryPolicy("off", solve_on_confirmation=True), GOOD, confirmed).action == "skip"
    shadow = decide(tri(), CategoryPolicy("shadow", solve_on_confirmation=True), GOOD, confirmed)
    assert shadow.action == "skip" and "would have chosen solve" in shadow.reasons[0]


def test_a_closed_ticket_still_names_its_trigger_so_a_landed_write_is_found():
    result = check(ticket(CUSTOMER, status="solved"), EVENT, "x", NO_MARK)
    assert result.trigger == CUSTOMER and "solved" in result.skip


def test_off_and_shadow_write_nothing_but_shadow_says_what_it_would_do():
    assert decide(tri(), CategoryPolicy("off"), GOOD).action == "skip"
    shadow = decide(tri(), CategoryPolicy("shadow", 0.85, 0.5), GOOD)
    assert shadow.action == "skip" and "would have chosen draft" in shadow.reasons[0]


def test_only_a_write_that_solves_the_ticket_itself_resumes_on_a_closed_one():
    import json

    from app.pipeline.orchestrator import _closing_is_planned
    closed = ticket(CUSTOMER, status="closed")  # Intercom: closed before the note, then a crash
    solving = {"body": json.dumps({"body": "Customer confirmed", "public": False, "status": "solved"})}
    assert _closing_is_planned(closed, solving)
    assert not _closing_is_planned(closed, {"body": json.dumps({"body": "note", "public": False})})  # older plans
    assert not _closing_is_planned(closed, None) and not _closing_is_planned(ticket(CUSTOMER), solving)


def test_what_escalates_whatever_the_reply_needs_no_account_read():
    from app.core.domain import CategoryPolicy, Triage
    from app.policy.decide import decide, escalates_whatever_the_reply
    entry = CategoryPolicy(mode="auto", send_at=0.8, draft_at=0.5)
    sure = [Triage("billing", 0.4), Triage("billing", 0.9, flags=("legal",)),
            Triage(None, 0.9), Triage("billing", 0.9, frustration=0.8)]
    for triage in sure:  # and decide agrees, with no reply at all
        assert escalates_whatever_the_reply(triage, entry) and decide(triage, entry, None).action == "escalate"
    assert not escalates_whatever_the_reply(Triage("billing", 0.6), entry)
    assert not escalates_whatever_the_reply(Triage("billing", 0.4), CategoryPolicy(mode="off"))
