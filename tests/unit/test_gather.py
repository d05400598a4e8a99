"""Gather: every lookup at once, each fact with its source, a failure or a slow system a gap."""
import time

import pytest

from app.core.domain import Fact, Requester, Ticket
from app.pipeline.gather import Gatherer, Systems, crm_facts, money
from connectors.errors import Unavailable
from connectors.roles import BillingAccount, Charge, CrmRecord, Issue, Subscription

TICKET = Ticket("zendesk", "1", "Charts not loading", "open", Requester("5", "ana@acme.test", "Ana"))


class SlowBilling:
    name, display_name = "stripe", "Stripe"

    def __init__(self, delay_s=0.1):
        self.delay_s, self.asked = delay_s, []

    def account(self, email):
        self.asked.append(email)
        time.sleep(self.delay_s)
        return BillingAccount("cus_1", email, "Acme", link="https://dash/cus_1",
                              subscriptions=(Subscription("sub_1", "active", "Growth", 43200, "usd", "year", 12,
                                                          "2027-03-01T00:00:00Z"),),
                              charges=(Charge("ch_2", 43200, 0, "usd", "failed", "2026-11-01T00:00:00Z",
                                              failure_message="card_declined"),))


class SlowCrm:
    name, display_name = "hubspot", "HubSpot"

    def __init__(self, delay_s=0.1):
        self.delay_s = delay_s

    def contact(self, email):
        time.sleep(self.delay_s)
        return CrmRecord("c1", email, "Ana", company="Acme", arr=5184.0, owner="Maya Chen", link="https://crm/c1")


class DownBugs:
    name, display_name = "linear", "Linear"

    def search(self, text, limit=5):
        raise Unavailable("linear unreachable: ConnectError")


class Bugs:
    name, display_name = "linear", "Linear"

    def search(self, text, limit=5):
        return [Issue("i1", "ENG-7", "Charts blank on Safari", "In Progress", "https://linear/ENG-7")]


def test_lookups_run_concurrently_and_keep_sources_and_links():
    gatherer = Gatherer(Systems(billing=SlowBilling(0.2), crm=SlowCrm(0.2), bugs=Bugs()))
    history = lambda: [Fact("helpdesk", "#3 Old — solved", kind="history")]  # noqa: E731
    evidence = gatherer.gather(TICKET, ("history", "billing", "crm", "bugs"), "charts blank", history)
    assert not evidence.gaps
    assert evidence.elapsed_ms < 380  # two 200 ms lookups side by side, not one after the other
    kinds = {f.kind for f in evidence.facts}
    assert {"history", "billing_customer", "plan", "failed_charge", "crm_contact", "arr", "owner", "issue"} <= kinds
    [charge] = evidence.of("failed_charge")
    assert "card_declined" in charge.text and charge.source == "billing"
    assert [f.source for f in evidence.facts][0] == "helpdesk"  # facts come back in plan order
    [issue] = evidence.of("issue")
    assert issue.link == "https://linear/ENG-7" and issue.source == "bugs"
    # who said it, by the vendor's name; the helpdesk's history names its own (the orchestrator's job)
    assert {f.source: f.said_by for f in evidence.facts if f.source != "helpdesk"} == {
        "billing": "Stripe", "crm": "HubSpot", "bugs": "Linear"}


def test_plan_and_crm_facts_carry_the_values_a_conflict_check_compares():
    gatherer = Gatherer(Systems(billing=SlowBilling(0.0), crm=SlowCrm(0.0)))
    evidence = gatherer.gather(TICKET, ("billing", "crm"), "x")
    [plan], [arr] = evidence.of("plan"), evidence.of("arr")
    assert (plan.value, plan.interval, plan.status, plan.amount, plan.currency, plan.at) == (
        "Growth", "year", "active", 43200, "usd", "2027-03-01T00:00:00Z")
    # HubSpot's ARR is a bare number: the note says so instead of lending it billing's currency
    assert arr.text == "ARR 5,184 (currency not recorded in HubSpot)" and (arr.amount, arr.currency) == (518400, "")


def test_a_crm_that_records_the_arrs_currency_shows_it():
    class Crm:
        name, display_name = "othercrm", "OtherCRM"

        def contact(self, email):
            return CrmRecord("c1", email, "Ana", arr=12000.0, arr_currency="eur")

    [_, arr] = crm_facts(Crm(), "ana@acme.test")
    assert arr.text == "ARR €12,000.00" and (arr.amount, arr.currency, arr.system) == (1200000, "eur", "OtherCRM")


def test_a_failing_or_slow_system_is_a_gap_and_the_rest_still_arrives():
    gatherer = Gatherer(Systems(billing=SlowBilling(1.0), crm=SlowCrm(0.0), bugs=DownBugs()), budget_s=0.3)
    evidence = gatherer.gather(TICKET, ("billing", "crm", "bugs"), "x")
    assert {g.source: g.reason for g in evidence.gaps} == {
        "billing": "no answer within 0.3 s", "bugs": "linear unreachable: ConnectError"}
    assert evidence.of("owner") and evidence.elapsed_ms < 600


def test_only_the_plan_and_connected_systems_are_asked():
    billing = SlowBilling(0.0)
    evidence = Gatherer(Systems(billing=billing)).gather(TICKET, ("crm", "bugs"), "x")
    assert evidence.facts == () and evidence.gaps == () and billing.asked == []


def test_money_reads_like_an_invoice():
    assert money(43200, "usd") == "$432.00" and money(99, "sek") == "0.99 SEK"


@pytest.mark.parametrize("status, tags, outcome", [
    ("solved", ("deskhand_replied", "deskhand_login_2fa"), "solved, answered by Deskhand"),
    ("open", ("deskhand_escalated",), "still open, escalated by Deskhand"),
    ("pending", ("deskhand_drafted",), "waiting on the customer, drafted by Deskhand"),
    ("closed", (), "solved"),
])
def test_a_past_tickets_outcome_reads_from_its_status_and_deskhands_tags(status, tags, outcome):
    from connectors.types import outcome_of
    assert outcome_of(status, tags) == outcome


def test_an_account_already_read_for_the_reply_is_not_read_again_for_the_case_file():
    billing = SlowBilling(0.0)
    gatherer = Gatherer(Systems(billing=billing, crm=SlowCrm(0.0)))
    read = billing.account(TICKET.requester.email)
    evidence = gatherer.gather(TICKET, ("billing", "crm"), "charts", billing=read)
    assert billing.asked == [TICKET.requester.email]  # only the reply's own read
    assert [f.kind for f in evidence.facts][:3] == ["billing_customer", "plan", "failed_charge"]
    none = gatherer.gather(TICKET, ("billing",), "charts", billing=None)  # read, and no customer there
    assert [f.kind for f in none.facts] == ["billing_none"] and len(billing.asked) == 1
    gatherer.gather(TICKET, ("billing",), "charts")  # not read yet: read now
    assert len(billing.asked) == 2
