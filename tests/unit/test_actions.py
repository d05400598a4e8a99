"""Bounded actions: ceilings in code, caps on amounts and counts, one execution per approval,
and at most one run of writes that take no idempotency key."""
import pytest

from app.core.domain import Decision, Evidence, Fact, Triage
from app.pipeline import actions
from app.pipeline.actions import ActionError, approve, record, run_auto
from app.pipeline.gather import Systems
from app.policy import action_plan
from app.policy.action_plan import Caps, Proposal, check_levels, level
from app.store.db import connect, migrate
from connectors.errors import Unavailable
from connectors.roles import Issue, Refund, Subscription
from connectors.types import Requester, Ticket

CAPS = Caps(refund_cap=50000, refunds_per_customer_30d=1)
CHARGE = Fact("billing", "charge ch_9: $432.00", kind="charge", ref="ch_9", amount=43200, currency="usd",
              at="2026-11-10T00:00:00Z")
OLDER = Fact("billing", "charge ch_1: $432.00", kind="charge", ref="ch_1", amount=43200, currency="usd",
             at="2026-10-10T00:00:00Z")
CONTACT = Fact("crm", "hubspot contact Ana at Acme", kind="crm_contact", ref="501")


class Billing:
    """Stands in for Stripe's idempotent refunds: the same key returns the same refund."""
    name = "stripe"

    def __init__(self):
        self.refunds = {}

    def refund(self, charge_id, amount, idempotency_key, reason=""):
        return self.refunds.setdefault(idempotency_key, Refund(f"re_{len(self.refunds) + 1}", charge_id, amount,
                                                               "usd", "succeeded"))


class PlanBilling(Billing):
    """Also changes prices, idempotently per key; fails the first `refund_failures` refunds."""

    def __init__(self, refund_failures=0):
        super().__init__()
        self.changes, self.refund_failures = {}, refund_failures

    def change_price(self, subscription_id, item_id, price_id, resume_at, idempotency_key):
        self.changes.setdefault(idempotency_key, (subscription_id, item_id, price_id, resume_at))
        return Subscription(subscription_id, "trialing", "Growth (monthly)", 45000, "usd", "month", 10, resume_at)

    def refund(self, charge_id, amount, idempotency_key, reason=""):
        if self.refund_failures:
            self.refund_failures -= 1
            raise Unavailable("stripe unreachable: ReadTimeout")
        return super().refund(charge_id, amount, idempotency_key, reason)


class InvoiceBilling(Billing):
    def __init__(self):
        super().__init__()
        self.sent = {}

    def send_invoice(self, invoice_id, idempotency_key):
        from connectors.roles import Invoice
        self.sent.setdefault(idempotency_key, invoice_id)
        return Invoice(invoice_id, "INV-7", "paid", 1000, 1000, "usd", "2026-11-01T00:00:00Z")


class Chat:
    """Records posts; fails the first `failures` of them as Slack being unreachable would."""
    name = "slack"

    def __init__(self, failures=0):
        self.posts, self.failures = [], failures

    def post(self, channel, text):
        if self.failures:
            self.failures -= 1
            raise Unavailable("slack unreachable: ConnectionRefusedError")
        self.posts.append((channel, text))
        return f"1700000000.{len(self.posts):06d}"


class Bugs:
    name = "linear"

    def __init__(self):
        self.created, self.comments = [], []

    def create(self, title, description, labels=()):
        self.created.append((title, description, labels))
        return Issue("uuid-9", "ENG-9", title, "Triage", "https://linear.app/acme/issue/ENG-9")

    def comment(self, issue_id, body):
        self.comments.append((issue_id, body))
        return "c1"


@pytest.fixture
def db(tmp_path):
    db = connect(str(tmp_path / "a.db"))
    migrate(db)
    return db


def test_the_policy_can_lower_a_level_never_raise_it_above_the_ceiling():
    assert level("refund", "refund_request") == "approval"
    assert level("refund", "refund_request", {"refund": "auto"}) == "approval"
    assert level("refund", "refund_request", {"refund": "never"}) == "never"
    assert level("change_email", "account", {"change_email": "auto"}) == "never"
    assert level("refund", "howto_reports") == "never"
    assert level("slack_alert", "howto_reports") == "auto"  # the default for every category


def test_a_policy_asking_for_more_than_the_ceiling_is_refused_with_the_reason():
    assert check_levels({"refund": "approval", "slack_alert": "never"}, "p") == []
    [above] = check_levels({"refund": "auto"}, "p.billing.actions")
    assert "p.billing.actions.refund can be at most 'approval'" in above
    assert "unknown action 'wire_money'" in check_levels({"wire_money": "auto"}, "p")[0]
    assert "must be one of never, approval, auto" in check_levels({"refund": "yes"}, "p")[0]


def test_a_refund_is_proposed_for_the_newest_charge_from_billing_records_only():
    [p], why = action_plan.refund("refund_request", Evidence((OLDER, CHARGE)), "ana@acme.test", CAPS, 0)
    assert p.params == {"charge_id": "ch_9", "amount": 43200, "currency": "usd", "email": "ana@acme.test"}
    assert p.level == "approval" and why == []


@pytest.mark.parametrize("caps, done, reason", [
    (Caps(10000, 1), 0, "above the cap of 100.00"),
    (CAPS, 1, "already had 1 refund(s) in 30 days"),
])
def test_over_a_cap_nothing_is_proposed_and_the_reason_is_kept(caps, done, reason):
    proposals, why = action_plan.refund("refund_request", Evidence((CHARGE,)), "ana@acme.test", caps, done)
    assert proposals == [] and reason in why[0]


def test_a_churn_flag_proposes_a_crm_update_for_approval_and_a_note_runs_on_its_own():
    churn = Triage("cancellation", 0.9, flags=("churn",))
    [update] = action_plan.crm_update("cancellation", churn, Evidence((CONTACT,)))
    assert update.level == "approval" and update.params == {
        "contact_id": "501", "property": "deskhand_churn_risk", "value": "high"}
    assert action_plan.crm_update("howto_reports", Triage("howto_reports", 0.9), Evidence((CONTACT,))) == []
    [note] = action_plan.crm_note("billing", Evidence((CONTACT,)), "#7 charged twice", "https://z/agent/tickets/7")
    assert note.level == "auto" and "charged twice\nhttps://z/agent/tickets/7" in note.params["body"]
    assert action_plan.crm_note("billing", Evidence(), "x", "") == []  # no contact found: nothing to note on


def test_slack_alerts_escape_what_the_customer_wrote():
    ticket = Ticket("zendesk", "7", "<!channel> you & me <https://evil|click>", "open",
                    Requester("1", "ana@acme.test", "Ana <admin>"))
    text = action_plan.alert_text(ticket, Triage("billing", 0.8), Decision("escalate", ("sensitive: legal",)),
                                  Evidence(), "https://z/agent/tickets/7", ("#3 refund 10.00 USD",))
    assert text.startswith(":rotating_light: Escalated <https://z/agent/tickets/7|#7> "
                           "&lt;!channel&gt; you &amp; me &lt;https://evil|click&gt; — Ana &lt;admin&gt;")
    assert "<!channel>" not in text and "Awaiting approval: #3 refund 10.00 USD" in text


def test_approving_twice_refunds_once_and_counts_against_the_customer(db):
    [p], _ = action_plan.refund("refund_request", Evidence((CHARGE,)), "ana@acme.test", CAPS, 0)
    [action_id] = record(db, "zendesk", "9", "key-1", [p])
    assert record(db, "zendesk", "9", "key-1", [p]) == [action_id]  # a retried job proposes nothing new
    systems = Systems(billing=Billing())
    assert approve(db, action_id, "maya", systems, CAPS).startswith("refund re_1: 432.00 USD succeeded")
    assert "already executed" in approve(db, action_id, "maya", systems, CAPS)
    assert len(systems.billing.refunds) == 1
    assert actions.refunds_in_30d(db, "ana@acme.test") == 1
    [again], _ = action_plan.refund("refund_request", Evidence((CHARGE,)), "ana@acme.test", Caps(50000, 2), 0)
    [second] = record(db, "zendesk", "10", "key-2", [again])
    with pytest.raises(ActionError, match="already had 1 refund"):
        approve(db, second, "maya", systems, CAPS)


def test_a_cap_lowered_after_the_proposal_still_stops_the_refund(db):
    [p], _ = action_plan.refund("refund_request", Evidence((CHARGE,)), "ana@acme.test", CAPS, 0)
    [action_id] = record(db, "zendesk", "9", "key-1", [p])
    with pytest.raises(ActionError, match="above the cap"):
        approve(db, action_id, "maya", Systems(billing=Billing()), Caps(10000, 1))
    with pytest.raises(ActionError, match="no action 999"):
        approve(db, 999, "maya", Systems(billing=Billing()), CAPS)
    with pytest.raises(ActionError, match="needs a connected system"):
        approve(db, action_id, "maya", Systems(), CAPS)


def test_auto_actions_run_once_and_a_failure_is_kept_to_approve_again(db):
    chat = Chat(failures=1)
    alert = Proposal("slack_alert", {"channel": "#support", "text": "escalated #7"}, "alert", "auto")
    [alert_id] = record(db, "zendesk", "7", "key-7", [alert])
    assert run_auto(db, "key-7", Systems(chat=chat), CAPS)["slack_alert"].startswith("failed: the slack_alert failed")
    assert actions.get(db, alert_id)["status"] == "failed" and chat.posts == []
    assert approve(db, alert_id, "maya", Systems(chat=chat), CAPS) == "posted in #support (1700000000.000001)"
    assert run_auto(db, "key-7", Systems(chat=chat), CAPS) == {"slack_alert": "executed: posted in #support "
                                                                               "(1700000000.000001)"}
    assert len(chat.posts) == 1


def test_a_post_cut_off_by_a_crash_is_not_sent_again_but_a_refund_is(db):
    alert = Proposal("slack_alert", {"channel": "#support", "text": "x"}, "alert", "auto")
    [p], _ = action_plan.refund("refund_request", Evidence((CHARGE,)), "ana@acme.test", CAPS, 0)
    alert_id, refund_id = record(db, "zendesk", "7", "key-7", [alert, p])
    db.execute("UPDATE pending_actions SET status = 'executing'")  # both were mid-call when the worker died
    chat = Chat()
    assert "cut off mid-call" in run_auto(db, "key-7", Systems(chat=chat), CAPS)["slack_alert"]
    assert chat.posts == [] and actions.get(db, alert_id)["status"] == "uncertain"
    with pytest.raises(ActionError, match="not run twice"):
        approve(db, alert_id, "maya", Systems(chat=chat), CAPS)
    # Stripe answers the same idempotency key with the same refund, so the refund is safe to finish
    assert approve(db, refund_id, "maya", Systems(billing=Billing()), CAPS).startswith("refund re_1")


def test_bug_filing_comments_on_a_duplicate_instead_of_filing_again(db):
    bugs = Bugs()
    new = Proposal("bug_file", {"title": "Export button does nothing", "description": "d", "labels": ["bug"]},
                   "file", "auto")
    dup = Proposal("bug_file", {"duplicate_of": {"id": "ENG-4", "identifier": "ENG-4",
                                                 "url": "https://linear.app/acme/issue/ENG-4"}, "comment": "again"},
                   "add", "auto")
    record(db, "zendesk", "1", "k1", [new])
    record(db, "zendesk", "2", "k2", [dup])
    assert run_auto(db, "k1", Systems(bugs=bugs), CAPS) == {
        "bug_file": "linked ENG-9 https://linear.app/acme/issue/ENG-9"}
    assert run_auto(db, "k2", Systems(bugs=bugs), CAPS) == {
        "bug_file": "added this report to ENG-4 https://linear.app/acme/issue/ENG-4"}
    assert bugs.created == [("Export button does nothing", "d", ("bug",))] and bugs.comments == [("ENG-4", "again")]


CHANGE = Proposal("subscription_change", {
    "subscription_id": "sub_1", "item_id": "si_1", "price_id": "price_m", "price_label": "Growth (monthly)",
    "interval": "month", "starts": "2026-12-10T00:00:00Z", "seats": 10, "amount": 45000, "currency": "usd",
    "email": "ana@acme.test", "refund_charge_id": "ch_9", "refund_amount": 40000}, "change sub_1 to monthly")


def test_a_change_of_interval_writes_each_of_its_two_calls_once_even_after_a_failure_between_them(db):
    [action_id] = record(db, "zendesk", "9", "key-1", [CHANGE])
    systems = Systems(billing=PlanBilling(refund_failures=1))
    with pytest.raises(ActionError, match="can be approved again"):  # the change went through, the refund not
        approve(db, action_id, "maya", systems, CAPS)
    result = approve(db, action_id, "maya", systems, CAPS)
    assert result == ("subscription sub_1 on Growth (monthly) (monthly), billed from 2026-12-10; "
                      "refund re_1: 400.00 USD succeeded")
    assert "already executed" in approve(db, action_id, "maya", systems, CAPS)
    # the second approval replayed the change under its key: one change, one refund, each with its own key
    assert list(systems.billing.changes) == ["deskhand-key-1-subscription"]
    assert list(systems.billing.refunds) == ["deskhand-key-1-subscription-refund"]
    assert actions.refunds_in_30d(db, "ana@acme.test") == 1  # its refund counts like any other
    [done] = list(db["jobs"].rows_where("delivery_id = ?", [f"action:{action_id}:done"]))  # the customer is told


def test_the_refund_cap_holds_for_the_refund_that_goes_with_a_change_of_interval(db):
    [action_id] = record(db, "zendesk", "9", "key-1", [CHANGE])
    systems = Systems(billing=PlanBilling())
    with pytest.raises(ActionError, match="above the cap"):
        approve(db, action_id, "maya", systems, Caps(30000, 1))
    assert systems.billing.changes == {} and systems.billing.refunds == {}  # neither half runs
    assert level("subscription_change", "billing", {"subscription_change": "auto"}) == "approval"
    assert check_levels({"subscription_change": "auto"}, "billing.actions")


def test_an_invoice_is_emailed_again_once_a_day_at_most_and_an_auto_one_adds_no_second_reply(db):
    resend = Proposal("invoice_resend", {"invoice_id": "in_7", "email": "ana@acme.test"}, "email in_7", "auto")
    [first] = record(db, "zendesk", "9", "key-1", [resend])
    billing = InvoiceBilling()
    assert run_auto(db, "key-1", Systems(billing=billing), CAPS) == {
        "invoice_resend": "invoice INV-7 emailed again to ana@acme.test"}
    assert billing.sent == {"deskhand-key-1-invoice": "in_7"}
    assert list(db["jobs"].rows) == []  # done before the reply that says so: no "done" reply after it
    [again] = record(db, "zendesk", "9", "key-2", [resend])  # asked again the same day
    assert "less than a day ago" in run_auto(db, "key-2", Systems(billing=billing), CAPS)["invoice_resend"]
    assert len(billing.sent) == 1 and actions.get(db, again)["status"] == "pending"  # refused, not run
