"""The case file's lookups start while the reply is still being thought, when the triage alone shows the
ticket goes to a person (app/policy/decide.py `escalates_before_the_reply`, app/pipeline/gather.py `start`)."""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import replace

from app.checks.check import Checked
from app.core.domain import CategoryPolicy, Citation, Draft, Triage
from app.pipeline.gather import Gatherer, Systems
from app.policy.decide import decide, escalates_before_the_reply
from app.reasoning.follow_up import NEW, NOT_HELPED, RESOLVED, FollowUp
from tests.unit.test_gather import TICKET, DownBugs, SlowBilling

GOOD = Draft("Hi", (Citation("Share a dashboard", "https://x/1", "1"),), score=0.9)
WEAK = Draft("Hi", GOOD.citations, score=0.01)
CLARIFY = Draft("Which browser?", writer="clarify", note="missing: browser")
CLEAN, BLOCKED = Checked("Hi"), Checked("Hi", blocked=("internal note text",))


def test_an_escalation_known_from_the_triage_is_what_decide_says_whatever_the_reply():
    triages = [Triage(category, confidence, flags=flags, frustration=frustration, issues=issues, error=error)
               for category, confidence, flags, frustration, issues, error in itertools.product(
                   ("billing", None), (0.95, 0.7, 0.3), ((), ("legal",)), (0.0, 0.8),
                   ((), ("billing", "bug_report")), ("", "engine down"))]
    policies = [CategoryPolicy(mode, 0.85, 0.5, solve_on_confirmation=solve)
                for mode in ("auto", "draft", "shadow", "off") for solve in (False, True)]
    verdicts = [None, FollowUp(NEW), FollowUp(NOT_HELPED, "no"), FollowUp(RESOLVED, "thanks")]
    early = 0
    for triage, policy, verdict, may_ask in itertools.product(triages, policies, verdicts, (True, False)):
        if not escalates_before_the_reply(triage, policy, verdict, may_ask):
            continue
        early += 1
        drafts = (None, GOOD, WEAK) + ((CLARIFY,) if may_ask else ())  # a question only for a bug report
        for draft, checked in itertools.product(drafts, (None, CLEAN, BLOCKED)):
            assert decide(triage, policy, draft, verdict, checked).action == "escalate", (triage, policy, verdict, draft)
    assert early > 100  # not a check that never fires


def test_no_early_lookups_where_nothing_is_written_or_the_reply_decides():
    flagged = Triage("billing", 0.95, flags=("legal",))
    assert escalates_before_the_reply(flagged, CategoryPolicy("draft"))
    assert not escalates_before_the_reply(flagged, CategoryPolicy("shadow"))  # shadow writes nothing
    assert not escalates_before_the_reply(flagged, CategoryPolicy("off"))
    assert not escalates_before_the_reply(Triage("billing", 0.95), CategoryPolicy("draft"))  # the reply decides
    # several requests escalate, unless the reply is a question for a bug's missing details
    several = Triage("bug_report", 0.95, issues=("bug_report", "billing"))
    assert not escalates_before_the_reply(several, CategoryPolicy("auto", 0.85, 0.5), may_ask=True)
    assert escalates_before_the_reply(several, CategoryPolicy("auto", 0.85, 0.5), may_ask=False)
    assert escalates_before_the_reply(replace(several, confidence=0.3), CategoryPolicy("auto", 0.85, 0.5))
    assert escalates_before_the_reply(Triage("billing", 0.95), CategoryPolicy("auto"), FollowUp(NOT_HELPED))
    confirmed = CategoryPolicy("auto", solve_on_confirmation=True)
    assert not escalates_before_the_reply(Triage(None, 0.0), confirmed, FollowUp(RESOLVED))  # solved instead


class HeldCrm:
    """A CRM that answers only when the test lets it, and says when it was asked."""
    name, display_name = "hubspot", "HubSpot"

    def __init__(self):
        self.asked, self.answer = threading.Event(), threading.Event()

    def contact(self, email):
        self.asked.set()
        assert self.answer.wait(10)
        from connectors.roles import CrmRecord
        return CrmRecord("c1", email, "Ana", company="Acme", owner="Maya Chen", link="https://crm/c1")


def test_started_lookups_run_while_the_caller_works_and_a_failing_one_is_still_a_gap():
    crm = HeldCrm()
    gatherer = Gatherer(Systems(billing=SlowBilling(0.0), crm=crm, bugs=DownBugs()))
    gathering = gatherer.start(TICKET, ("billing", "crm", "bugs"), "charts blank")
    assert crm.asked.wait(10)  # asked before anyone waits for the evidence: the caller is free meanwhile
    crm.answer.set()
    evidence = gathering.evidence()
    kinds = {f.kind for f in evidence.facts}
    assert {"billing_customer", "plan", "failed_charge", "crm_contact", "owner"} <= kinds  # both sources
    assert [(g.source, g.reason) for g in evidence.gaps] == [("bugs", "linear unreachable: ConnectError")]


def test_the_budget_counts_from_the_start_not_from_when_the_evidence_is_asked_for():
    crm = HeldCrm()
    gathering = Gatherer(Systems(crm=crm), budget_s=0.2).start(TICKET, ("crm",), "x")
    assert crm.asked.wait(10)
    gathering.started -= 1.0  # as if the caller had thought for a second meanwhile
    asked_at = time.monotonic()
    evidence = gathering.evidence()  # no more waiting: the budget is spent
    waited = time.monotonic() - asked_at
    crm.answer.set()
    assert [(g.source, g.reason) for g in evidence.gaps] == [("crm", "no answer within 0.2 s")]
    assert waited < 0.2 and evidence.elapsed_ms >= 1000
