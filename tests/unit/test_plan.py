"""What a decision writes (app/pipeline/plan.py), planned without a database or a helpdesk. Pure."""
from app.checks.check import Checked
from app.core.domain import Decision, Draft, Evidence, Fact, Requester, Ticket, Triage
from app.pipeline.bug_report import BugFacts
from app.pipeline.plan import SOLVED_NOTE, before_writing, the_write
from app.pipeline.think import Thought
from connectors.types import ASKED_BUG_DETAILS, BUG_LINKED, URGENT_TAG

TICKET = Ticket("zendesk", "9", "Charts stuck loading", "open", Requester("5", "ana@acme.test", "Ana Ruiz"))
CRM = Evidence((Fact("crm", "account owner Maya Chen", "https://crm/1", kind="owner"),
                Fact("crm", "contact Ana Ruiz", "https://crm/1", kind="crm_contact", ref="c-1")))


def thought(action, flags=(), draft=None, bug=None, category="billing"):
    triage = Triage(category, 0.9, flags=flags)
    checked = Checked("Here is how to fix it.\n\n— Deskhand (AI)") if draft else None
    return Thought(triage, [], draft, checked, Decision(action, ("because",), escalate_to="Tier 2"), bug)


def write(t, evidence=Evidence(), done=None, pending=(), channel="#support"):
    return the_write(t, before_writing(t, ("billing", "crm")), TICKET, "help", evidence, done or {}, pending, [],
                     "https://desk/9", channel, None)


def test_a_sent_reply_is_the_checked_text_in_public_with_its_tags():
    w = write(thought("send", draft=Draft("Here is how to fix it.")))
    assert w.update == {"body": "Here is how to fix it.\n\n— Deskhand (AI)", "public": True,
                        "add_tags": ["deskhand_replied", "deskhand_billing"], "priority": "", "group_name": "",
                        "status": ""}
    assert w.case is None and w.after == []


def test_a_draft_is_an_internal_note_listing_what_awaits_approval():
    w = write(thought("draft", draft=Draft("Here is how to fix it.")), pending=("#4 refund $12.00",))
    assert w.update["public"] is False and "Awaiting approval: #4 refund $12.00" in w.update["body"]
    assert w.update["add_tags"] == ["deskhand_drafted", "deskhand_billing"]


def test_an_urgent_escalation_is_urgent_in_the_helpdesk_and_alerts_people():
    t = thought("escalate", flags=("crisis",))
    assert before_writing(t, ("billing", "crm")).gather == ("billing", "crm")
    w = write(t, CRM)
    assert w.update["priority"] == "urgent" and URGENT_TAG in w.update["add_tags"]
    assert w.update["group_name"] == "Tier 2" and w.update["public"] is False
    assert w.case is not None and w.update["body"] == w.case.text and "Ana Ruiz" in w.case.text
    assert [p.action for p in w.after] == ["slack_alert", "crm_note"]


def test_an_untrusted_message_alerts_people_but_writes_nothing_to_other_systems():
    t = thought("escalate", flags=("injection",))
    assert before_writing(t, ()).trusted is False
    w = write(t, CRM)
    assert [p.action for p in w.after] == ["slack_alert"] and w.update["priority"] == ""


def test_no_alert_without_a_channel():
    assert [p.action for p in write(thought("escalate"), CRM, channel="").after] == ["crm_note"]


def test_a_bug_is_filed_unless_the_reply_asks_for_its_details_first():
    bug = BugFacts(present=("steps",), missing=())
    filed = before_writing(thought("escalate", bug=bug, category="bug_report"), ())
    assert filed.files_bug and filed.gather == ()
    asking = thought("draft", draft=Draft("Which browser?", writer="clarify"), bug=bug, category="bug_report")
    before = before_writing(asking, ())
    assert before.asking and not before.files_bug and before.gather == ()
    assert ASKED_BUG_DETAILS in write(asking).update["add_tags"]
    drafted = thought("draft", draft=Draft("Known issue."), bug=bug, category="bug_report")
    assert before_writing(drafted, ()).gather == ("bugs",)
    linked = write(drafted, done={"bug_file": "linked ENG-4 https://linear/ENG-4"})
    assert BUG_LINKED in linked.update["add_tags"] and "Done: bug_file — linked ENG-4" in linked.update["body"]
    assert BUG_LINKED not in write(drafted, done={"bug_file": "failed: timeout"}).update["add_tags"]


def test_an_injection_never_files_a_bug():
    t = thought("escalate", flags=("injection",), bug=BugFacts(present=("steps",), missing=()), category="bug_report")
    assert before_writing(t, ()).files_bug is False


def test_a_question_sent_to_the_customer_leaves_the_ticket_pending_and_a_drafted_one_does_not():
    bug = BugFacts(present=("steps",), missing=("environment",))
    asking = lambda action: thought(action, draft=Draft("Which browser?", writer="clarify"), bug=bug,  # noqa: E731
                                    category="bug_report")
    assert write(asking("send")).update["status"] == "pending"
    assert write(asking("draft")).update["status"] == ""  # it has not gone out: nothing to wait for
    assert write(thought("send", draft=Draft("Here is how to fix it."))).update["status"] == ""
    assert write(thought("escalate")).update["status"] == ""


def test_a_confirmed_answer_is_one_internal_note_that_solves_the_ticket():
    t = thought("solve", bug=BugFacts(present=(), missing=("steps",)), category="bug_report")
    before = before_writing(t, ("billing", "crm"))
    assert not before.files_bug and before.gather == ()  # "thanks, it works" is no bug report
    w = write(t)
    assert w.update["status"] == "solved" and w.update["public"] is False
    assert w.update["body"].startswith(SOLVED_NOTE) and "because" in w.update["body"]
    # no category tag: the confirmation has none of its own, the answer's tag stays on the ticket
    assert w.update["add_tags"] == ["deskhand_solved"] and w.case is None and w.after == []
