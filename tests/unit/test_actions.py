"""Bounded actions: ceilings in code, caps on amounts and counts, one execution per approval."""
import pytest

from app import actions
from app.actions import ActionError, Caps, approve, level, propose, record
from app.db import connect, migrate
from app.domain import Evidence, Fact
from connectors.roles import Refund

CAPS = Caps(refund_cap=50000, refunds_per_customer_30d=1)
CHARGE = Fact("billing", "charge ch_9: $432.00", kind="charge", ref="ch_9", amount=43200, currency="usd",
              at="2026-11-10T00:00:00Z")
OLDER = Fact("billing", "charge ch_1: $432.00", kind="charge", ref="ch_1", amount=43200, currency="usd",
             at="2026-10-10T00:00:00Z")


class Billing:
    """Stands in for Stripe's idempotent refunds: the same key returns the same refund."""
    name = "stripe"

    def __init__(self):
        self.refunds = {}

    def refund(self, charge_id, amount, idempotency_key, reason=""):
        return self.refunds.setdefault(idempotency_key, Refund(f"re_{len(self.refunds) + 1}", charge_id, amount,
                                                               "usd", "succeeded"))


@pytest.fixture
def db(tmp_path):
    db = connect(str(tmp_path / "a.db"))
    migrate(db)
    return db


def test_the_policy_can_lower_a_level_never_raise_it_above_the_ceiling():
    assert level("refund", "refund_request") == "approval"
    assert level("refund", "refund_request", {"refund_request": {"refund": "auto"}}) == "approval"
    assert level("change_email", "account", {"account": {"change_email": "auto"}}) == "never"
    assert level("refund", "howto_reports") == "never"


def test_a_refund_is_proposed_for_the_newest_charge_from_billing_records_only():
    [p], why = propose("refund_request", Evidence((OLDER, CHARGE)), "ana@acme.test", CAPS, 0)
    assert p.params == {"charge_id": "ch_9", "amount": 43200, "currency": "usd", "email": "ana@acme.test"}
    assert why == []


@pytest.mark.parametrize("caps, done, reason", [
    (Caps(10000, 1), 0, "above the cap of 100.00"),
    (CAPS, 1, "already had 1 refund(s) in 30 days"),
])
def test_over_a_cap_nothing_is_proposed_and_the_reason_is_kept(caps, done, reason):
    proposals, why = propose("refund_request", Evidence((CHARGE,)), "ana@acme.test", caps, done)
    assert proposals == [] and reason in why[0]


def test_approving_twice_refunds_once_and_counts_against_the_customer(db):
    [p], _ = propose("refund_request", Evidence((CHARGE,)), "ana@acme.test", CAPS, 0)
    [action_id] = record(db, "zendesk", "9", "key-1", [p])
    assert record(db, "zendesk", "9", "key-1", [p]) == [action_id]  # a retried job proposes nothing new
    billing = Billing()
    assert approve(db, action_id, "maya", billing, CAPS).startswith("refund re_1: 432.00 USD succeeded")
    assert "already executed" in approve(db, action_id, "maya", billing, CAPS)
    assert len(billing.refunds) == 1
    assert actions.refunds_in_30d(db, "ana@acme.test") == 1
    [again], _ = propose("refund_request", Evidence((CHARGE,)), "ana@acme.test", Caps(50000, 2), 0)
    [second] = record(db, "zendesk", "10", "key-2", [again])
    with pytest.raises(ActionError, match="already had 1 refund"):
        approve(db, second, "maya", billing, CAPS)


def test_a_cap_lowered_after_the_proposal_still_stops_the_refund(db):
    [p], _ = propose("refund_request", Evidence((CHARGE,)), "ana@acme.test", CAPS, 0)
    [action_id] = record(db, "zendesk", "9", "key-1", [p])
    with pytest.raises(ActionError, match="above the cap"):
        approve(db, action_id, "maya", Billing(), Caps(10000, 1))
    with pytest.raises(ActionError, match="no action 999"):
        approve(db, 999, "maya", Billing(), CAPS)
