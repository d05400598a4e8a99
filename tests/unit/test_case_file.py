"""The escalation case file and its completeness score. Pure."""
from app.checks.check import Checked
from app.core.domain import Decision, Evidence, Fact, Gap, Requester, Ticket, Triage
from app.knowledge.passages import Passage
from app.knowledge.search import Match
from app.pipeline.case_file import case_file

TICKET = Ticket("zendesk", "9", "Double charged - disputing with my bank", "open",
                Requester("5", "ana@acme.test", "Ana Ruiz"), page_url="https://app.example/settings/billing")
BILLING = (Fact("billing", "customer cus_1 (Acme)", "https://dash/cus_1", kind="billing_customer", system="Stripe"),
           Fact("billing", "plan Growth (annual): active, 12 seats, $432.00/year, renews 2027-03-01",
                "https://dash/cus_1", kind="plan", at="2027-03-01T00:00:00Z", amount=43200, currency="usd",
                system="Stripe", value="Growth (annual)", interval="year", status="active"),
           Fact("billing", "invoice INV-7 (in_7): paid, $432.00 due", "https://inv/7", kind="invoice",
                system="Stripe"),
           Fact("billing", "charge ch_9: $432.00 succeeded, DISPUTED", "https://rcpt/9", kind="charge", system="Stripe"))
CRM = (Fact("crm", "ARR 5,184 (currency not recorded in HubSpot)", "https://crm/1", kind="arr", amount=518400,
            system="HubSpot"),
       Fact("crm", "account owner Maya Chen", "https://crm/1", kind="owner", system="HubSpot"))
HISTORY = Fact("helpdesk", "#88 Invoice copy — solved", "https://desk/88", kind="history", system="Zendesk")


def render(evidence, flags=("chargeback",), checked=None, pending=()):
    triage = Triage("refund_request", 0.93, sentiment=-0.6, frustration=0.7, flags=flags)
    passage = Passage("md:refunds#0", "md:refunds", "Refund policy", "https://hc/refunds", "", "", "text")
    return case_file(triage, Decision("escalate", ("sensitive: chargeback",)), evidence, [Match(passage, 0.71)],
                     TICKET, "I was charged twice. Disputing it.", checked, pending)


def test_a_complete_billing_case_file_carries_customer_evidence_links_and_next_step():
    case = render(Evidence(BILLING + CRM + (HISTORY,)),
                  checked=Checked("x", unsupported=("refund in 3 days",)), pending=("refund $432.00 of ch_9",))
    assert case.completeness == 1.0 and case.missing == ()
    text = case.text
    for part in ("refund_request: Double charged - disputing with my bank", "Ana Ruiz <ana@acme.test>",
                 "plan Growth (annual)", "ARR 5,184", "account owner Maya Chen",
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


def section(text, title):
    """The lines of one section: after its title, up to the blank line that ends it."""
    lines = text.split("\n")
    start = lines.index(title) + 1
    return lines[start:lines.index("", start)]


def test_every_customer_and_evidence_line_names_its_source():
    renewal = Fact("crm", "renewal 2027-03-01", "https://crm/1", kind="renewal", at="2027-03-01", system="HubSpot")
    text = render(Evidence(BILLING + CRM + (renewal, HISTORY))).text
    assert section(text, "CUSTOMER")[1:] == [
        "- [Stripe] plan Growth (annual): active, 12 seats, $432.00/year, renews 2027-03-01",
        "- [HubSpot] ARR 5,184 (currency not recorded in HubSpot)",
        "- [HubSpot] account owner Maya Chen",
        "- [HubSpot] renewal 2027-03-01"]
    assert section(text, "EVIDENCE") == [
        "- [Stripe] customer cus_1 (Acme) https://dash/cus_1",
        "- [Stripe] invoice INV-7 (in_7): paid, $432.00 due https://inv/7",
        "- [Stripe] charge ch_9: $432.00 succeeded, DISPUTED https://rcpt/9",
        "- requester's tickets in the last 90 days: 1",
        "  - [Zendesk] #88 Invoice copy — solved https://desk/88"]
    # the sources agree: no conflict section, and the next step is the category's own
    assert "CONFLICTS BETWEEN SOURCES" not in text and section(text, "NEXT STEP") == [
        "- Check the disputed charge in billing before replying; do not refund twice."]


def test_sources_that_disagree_get_their_own_section_and_a_next_step():
    renewal = Fact("crm", "renewal 2027-01-15", "https://crm/1", kind="renewal", at="2027-01-15", system="HubSpot")
    text = render(Evidence(BILLING + CRM + (renewal,))).text
    assert section(text, "CONFLICTS BETWEEN SOURCES") == [
        "- renewal date: Stripe says 2027-03-01; HubSpot says 2027-01-15"]
    assert text.index("CONFLICTS BETWEEN SOURCES") < text.index("EVIDENCE")  # read beside the facts it is about
    assert section(text, "NEXT STEP") == [
        "- Check the disputed charge in billing before replying; do not refund twice.",
        "- The sources disagree (see CONFLICTS BETWEEN SOURCES): check which is right before replying."]
