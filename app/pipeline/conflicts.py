"""Where two connected systems disagree about the same customer (issue 18): billing's subscription
against the CRM's renewal date, tier and ARR. Pure: evidence in, one line per disagreement out, each
naming both systems and both values, so the person handling an escalation checks which is right
before replying.

Only like is compared with like, since a false alarm on every note would teach people to skip the
section. The CRM describes one contract, so billing is read only when exactly one subscription is
live; a monthly period's end is not a renewal date; names count as different only when they share no
word; and ARR is compared only when both figures are in the same currency.
"""
from __future__ import annotations

import re
from datetime import date

from app.core.domain import Evidence, Fact

ENDED = ("canceled", "incomplete_expired")  # subscriptions that no longer bill
PER_YEAR = {"month": 12, "year": 1}  # the billing intervals a yearly figure can be compared with
INTERVAL_WORDS = {"annual": "year", "annually": "year", "yearly": "year", "year": "year",
                  "monthly": "month", "month": "month"}
GENERIC_WORDS = {"plan", "tier", "subscription"}  # say nothing about which plan
RENEWAL_SLACK_DAYS = 1  # time zones and midnight cut-offs move a date by a day without a disagreement
ARR_TOLERANCE = 0.10  # discounts, proration and rounding stay inside it


def conflicts(evidence: Evidence) -> list[str]:
    live = [f for f in evidence.of("plan") if f.status not in ENDED]
    if len(live) != 1:  # nothing to compare, or several plans and no telling which one the CRM means
        return []
    checks = (("renewal", _renewal), ("tier", _tier), ("arr", _arr))
    return [line for kind, check in checks for crm in evidence.of(kind) if (line := check(live[0], crm))]


def _renewal(plan: Fact, renewal: Fact) -> str:
    if plan.interval != "year":  # a monthly subscription's period ends every month, whatever the contract says
        return ""
    ends, renews = _date(plan.at), _date(renewal.at)
    if ends is None or renews is None or abs((ends - renews).days) <= RENEWAL_SLACK_DAYS:
        return ""
    return f"renewal date: {plan.said_by} says {ends}; {renewal.said_by} says {renews}"


def _tier(plan: Fact, tier: Fact) -> str:
    tier_words, plan_words = _words(tier.value), _words(plan.value)
    named = {INTERVAL_WORDS[w] for w in tier_words if w in INTERVAL_WORDS}
    interval_differs = len(named) == 1 and plan.interval in PER_YEAR and plan.interval not in named
    tier_names, plan_names = _names(tier_words), _names(plan_words)
    # a shared word, or one a prefix of the other ("pro", "professional"), is a naming difference only
    name_differs = bool(tier_names and plan_names) and not any(
        a.startswith(b) or b.startswith(a) for a in tier_names for b in plan_names)
    if not (interval_differs or name_differs):
        return ""
    billed = f", billed per {plan.interval}" if plan.interval else ""
    return f"plan: {plan.said_by} says {plan.value}{billed}; {tier.said_by} says tier {tier.value}"


def _arr(plan: Fact, arr: Fact) -> str:
    # another currency would need an exchange rate, and the check's own number would be a guess
    if plan.interval not in PER_YEAR or not arr.currency or arr.currency.lower() != plan.currency.lower():
        return ""
    billed = plan.amount * PER_YEAR[plan.interval]
    if abs(arr.amount - billed) <= ARR_TOLERANCE * max(arr.amount, billed):
        return ""
    return (f"ARR: {arr.said_by} says {_money(arr.amount, arr.currency)}; {plan.said_by} bills "
            f"{_money(billed, plan.currency)} a year ({_money(plan.amount, plan.currency)}/{plan.interval})")


def _money(minor: int, currency: str) -> str:
    """With the ISO code, not a symbol: both sides of the comparison read the same way."""
    return f"{minor / 100:,.2f} {currency.upper()}"


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", name.lower())


def _names(words: list[str]) -> set[str]:
    """The words that name a plan: no interval, no "plan", no numbers ("Tier 2" is not comparable)."""
    return {w for w in words if w.isalpha() and w not in INTERVAL_WORDS and w not in GENERIC_WORDS}
