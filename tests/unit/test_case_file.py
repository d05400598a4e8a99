"""The escalation case file and its completeness score. Pure."""
from app.checks.check import Checked
from app.core.domain import Decision, Evidence, Fact, Gap, Requester, Ticket, Triage
from app.knowledge.passages import Passage
from app.knowledge.search import Match
from app.pipeline.case_file import case_file

TICKET = Ticket("zendesk", "9", "Double charged - disputing with my bank", "open",
                Requester("5", "ana@acme.test", "Ana Ruiz"), page_url="https://app.example/settings/billing")
BILLING = (Fact("billing", "stripe customer cus_1 (Acme)", "https://dash/cus_1", kind="billing_customer"),
           Fact("billing", "plan Growth (annual): active, 12 seats", "https://dash/cus_1", kind="plan"),
           Fact("billing", "invoice INV-7 (in_7): paid, $432.00 due", "https://inv/7", kind="invoice"),
           Fact("billing", "charge ch_9: $432.00 succeeded, DISPUTED", "https://rcpt/9", kind="charge"))
CRM = (Fact("crm", "ARR 5,184", "https://crm/1", kind="arr"),
       Fact("crm", "account owner Maya Chen", "https://crm/1", kind="owner"))


def render(evidence, flags=("chargeback",), checked=None, pending=()):
    triage = Triage("refund_request", 0.93, sentiment=-0.6, frustration=0.7, flags=flags)
    passage = Passage("md:refunds#0", "md:refunds", "Refund policy", "https://hc/refunds", "", "", "text")
    return case_file(triage, Decision("escalate", ("sensitive: chargeback",)), evidence, [Match(passage, 0.71)],
                     TICKET, "I was charged twice. Disputing it.", checked, pending)


def test_a_complete_billing_case_file_carries_customer_evidence_links_and_next_step():
    case = render(Evidence(BILLING + CRM + (Fact("helpdesk", "#88 Invoice copy — solved", kind="history"),)),
                  checked=Checked("x", unsupported=("refund in 3 days",)), pending=("refund $432.00 of ch_9",))
    assert case.completeness == 1.0 and case.missing == ()
    text = case.text
    for part in ("refund_request: Double charged - disputing with my bank", "Ana Ruiz <ana@acme.test>",
                 "Plan: plan Growth (annual)", "ARR 5,184", "account owner Maya Chen",
                 "charge ch_9: $432.00 succeeded, DISPUTED https://rcpt/9", "invoice INV-7 (in_7)",
                 "#88 Invoice copy", "stopped because: sensitive: chargeback", "[md:refunds#0] (0.71)",
                 "unsupported claim: refund in 3 days", "frustration 0.70",
                 "Check the disputed charge in billing", "ACTIONS AWAITING APPROVAL", "refund $432.00 of ch_9",
                 "Case file completeness 100%"):
        assert part in text, part


def test_missing_facts_lower_the_score_and_gaps_are_named():
    case = render(Evidence(BILLING[:2], gaps=(Gap("crm", "hubspot timed out"),)))
    assert case.missing == ("invoice", "charge", "owner", "arr") and case.completeness == 0.2
    assert "could not check: crm (hubspot timed out)" in case.text
    assert "missing: invoice, charge, owner, arr" in case.text
