"""Where billing and the CRM disagree about the same customer (issue 18). Pure."""
from dataclasses import replace

import pytest

from app.core.domain import Evidence, Fact
from app.pipeline.conflicts import conflicts

PLAN = Fact("billing", "plan Growth (annual): active, 5 seats, $1,200.00/year, renews 2027-03-01", kind="plan",
            at="2027-03-01T00:00:00Z", amount=120000, currency="usd", system="Stripe", value="Growth (annual)",
            interval="year", status="active")
RENEWAL = Fact("crm", "renewal 2027-03-01", kind="renewal", at="2027-03-01", system="HubSpot")
TIER = Fact("crm", "tier growth", kind="tier", system="HubSpot", value="growth")
ARR = Fact("crm", "ARR $1,200.00", kind="arr", amount=120000, currency="usd", system="HubSpot")


def found(*facts):
    return conflicts(Evidence(facts))


def test_sources_that_agree_have_no_conflict():
    assert found(PLAN, RENEWAL, TIER, ARR) == []
    # a day apart (time zones, midnight) and 10% apart (discounts, rounding) still agree
    assert found(PLAN, replace(RENEWAL, at="2027-02-28"), replace(ARR, amount=108000)) == []


def test_renewal_dates_more_than_a_day_apart_conflict():
    assert found(PLAN, replace(RENEWAL, at="2027-01-15")) == [
        "renewal date: Stripe says 2027-03-01; HubSpot says 2027-01-15"]


def test_a_monthly_periods_end_is_not_a_renewal_date():
    monthly = replace(PLAN, interval="month", amount=10000, at="2026-12-01T00:00:00Z")
    assert found(monthly, replace(RENEWAL, at="2027-01-15")) == []


def test_a_different_plan_conflicts():
    assert found(PLAN, replace(TIER, value="Enterprise")) == [
        "plan: Stripe says Growth (annual), billed per year; HubSpot says tier Enterprise"]


def test_a_different_billing_interval_conflicts():
    assert found(PLAN, replace(TIER, value="Growth monthly")) == [
        "plan: Stripe says Growth (annual), billed per year; HubSpot says tier Growth monthly"]


@pytest.mark.parametrize("tier", ["growth", "GROWTH-annual", "Growth plan", "Tier 2", "gro", "yearly"])
def test_naming_differences_are_not_conflicts(tier):
    """Case, separators, "plan", an abbreviation, a tier with no name (numbers) or only an interval."""
    assert found(PLAN, replace(TIER, value=tier)) == []


def test_an_arr_more_than_ten_percent_off_what_billing_charges_a_year_conflicts():
    monthly = replace(PLAN, interval="month", amount=120000)  # $1,200 a month: $14,400 a year
    assert found(monthly, replace(ARR, amount=1200000)) == [
        "ARR: HubSpot says 12,000.00 USD; Stripe bills 14,400.00 USD a year (1,200.00 USD/month)"]


def test_an_arr_in_another_or_no_currency_is_not_compared():
    assert found(PLAN, replace(ARR, amount=1200000, currency="eur")) == []
    assert found(PLAN, replace(ARR, amount=1200000, currency="")) == []


def test_a_missing_side_gives_nothing():
    assert found(RENEWAL, TIER, ARR) == []  # no billing
    assert found(PLAN) == []  # no CRM
    assert found(replace(PLAN, interval="", value="", amount=0), RENEWAL, TIER, ARR) == []  # a plan without values


def test_only_a_single_live_subscription_is_compared():
    old = replace(PLAN, value="Starter (monthly)", interval="month", status="canceled", at="2025-06-01T00:00:00Z")
    assert found(PLAN, old, RENEWAL, TIER) == []  # the canceled one is history, not a disagreement
    addon = replace(PLAN, value="Extra storage", at="2026-12-20T00:00:00Z")
    assert found(PLAN, addon, RENEWAL, TIER) == []  # two live: no telling which one the CRM describes


def test_facts_without_a_vendor_name_their_role():
    assert found(replace(PLAN, system=""), replace(RENEWAL, system="", at="2027-01-15")) == [
        "renewal date: billing says 2027-03-01; crm says 2027-01-15"]
