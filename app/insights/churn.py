"""Churn risk per account: what the account's tickets and billing say over a window. Pure.

The score adds what support teams read as warning signs: frustrated tickets, tickets that repeat an
earlier one of the account, and tickets that speak of cancelling or leaving (each read in any
language, app/insights/reading.py), a failed payment, and a downgrade (seats given up, a plan
cancelled or set to end). A ticket sign counts only when the account shows more of it than its own
baseline predicts for as many tickets (some accounts always write angrily, some write twice about
everything: a change is the sign), and the less likely the count is by chance (Poisson), the more it
weighs. An account is at risk from AT_RISK; accounts are ranked by the ARR that risk weighs on
(score × ARR)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from app.insights.records import Account, TicketRecord, parse_time
from connectors.roles import BillingAccount

FRUSTRATED = 0.5  # a ticket's frustration from this on counts (0..1; see reading.read)
AT_RISK = 0.6
# The most each sign adds. Three frustrated tickets in two weeks from an account that seldom writes
# so is enough on its own (the example), and so are three that speak of leaving: an account
# asking about notice periods, a full export and its data after the contract is leaving, however
# politely it asks. A lone sign in the tickets is not enough.
WEIGHTS = {"frustrated": 0.6, "repeat": 0.2, "intent": 0.6, "failed_payment": 0.15, "downgrade": 0.2}
# The share of its weight a ticket sign adds, by how unlikely its count is for the account (p-value).
GRADES = ((0.001, 1.0), (0.01, 0.75), (0.05, 0.5))
PRIOR_TICKETS = 10  # an account's usual share is shrunk toward everyone's as if by this many tickets
# The fewest tickets with a sign any account is expected to send in a window: one in about three
# months is ordinary for anyone, so two frustrated tickets weigh half, three the whole (p < 0.001).
MIN_USUAL = 0.15


@dataclass(frozen=True)
class TicketSignals:
    frustration: float
    cancel_intent: bool | None  # None: not read (the account showed no other sign in its tickets)
    repeat_of: str = ""  # the earlier ticket of the account this one repeats
    why: str = ""  # what the frustration was read from
    intent_why: str = ""  # the part that speaks of leaving, and what it reads like

    @property
    def repeat(self) -> bool:
        return bool(self.repeat_of)


@dataclass(frozen=True)
class Usual:
    """The share of an account's tickets that carry each sign, over its baseline."""
    frustrated: float = 0.0
    repeat: float = 0.0
    intent: float = 0.0


@dataclass(frozen=True)
class BillingSignals:
    failed_payments: tuple[str, ...] = ()  # "2026-11-10: $2,500.00 — Your card was declined."
    downgrades: tuple[str, ...] = ()


@dataclass(frozen=True)
class Risk:
    account: str
    name: str
    plan: str
    arr: float
    score: float  # 0..1
    weighted: float  # score × ARR
    reasons: tuple[str, ...]
    tickets: tuple[str, ...]
    people: tuple[str, ...] = ()  # the requesters' emails

    @property
    def level(self) -> str:
        return "high" if self.score >= 0.75 else "medium" if self.score >= AT_RISK else "low"


def billing_signals(accounts: list[BillingAccount], start: float, end: float) -> BillingSignals:
    """Failed charges and downgrades dated inside (start, end] in the requesters' billing accounts."""
    failed, down = [], []

    def inside(stamp: str) -> bool:
        return bool(stamp) and start < parse_time(stamp) <= end
    for acct in accounts:
        for charge in acct.charges:
            if charge.status == "failed" and inside(charge.created):
                failed.append(f"{charge.created[:10]}: {_money(charge.amount, charge.currency)} — "
                              f"{charge.failure_message or 'declined'}")
        for invoice in acct.invoices:
            credits = [line for line in invoice.lines if line.proration and line.amount < 0]
            if credits and inside(invoice.created):
                down.append(f"{invoice.created[:10]}: {credits[0].description}")
        for sub in acct.subscriptions:
            if sub.canceled_at and inside(sub.canceled_at):
                what = "set to end at the period's end" if sub.cancel_at_period_end else "cancelled"
                down.append(f"{sub.canceled_at[:10]}: {sub.plan} {what}")
    return BillingSignals(tuple(sorted(set(failed))), tuple(sorted(set(down))))


def score(account: Account, tickets: list[TicketRecord], signals: dict[str, TicketSignals],
          billing: BillingSignals = BillingSignals(), usual: Usual = Usual(), days: float = 14) -> Risk:
    """The account's risk from its tickets in the window of `days` (with their signals), its billing,
    and the shares of its baseline tickets that carried each sign (`usual`)."""
    reasons, total = [], 0.0
    expected = {k: max(MIN_USUAL, getattr(usual, k) * len(tickets)) for k in ("frustrated", "repeat", "intent")}
    frustrated = [t for t in tickets if signals[t.id].frustration >= FRUSTRATED]
    add = _surprise(len(frustrated), expected["frustrated"])
    if add:
        total += WEIGHTS["frustrated"] * add
        reasons.append(f"{_count(len(frustrated), 'frustrated ticket')} in {days:g} days (usual for this account: "
                       f"{expected['frustrated']:.2f}): " + ", ".join(_cite(t, signals[t.id].why) for t in frustrated))
    again = [t for t in tickets if signals[t.id].repeat]
    add = _surprise(len(again), expected["repeat"])
    if add:
        total += WEIGHTS["repeat"] * add
        reasons.append(f"wrote again about the same thing ({len(again)}, usual {expected['repeat']:.2f}): "
                       + ", ".join(f"#{t.id} after #{signals[t.id].repeat_of}" for t in again))
    intent = [t for t in tickets if signals[t.id].cancel_intent is True]
    add = _surprise(len(intent), expected["intent"])
    if add:
        total += WEIGHTS["intent"] * add
        reasons.append(f"mentions cancelling or leaving ({len(intent)}, usual {expected['intent']:.2f}): "
                       + ", ".join(_cite(t, signals[t.id].intent_why) for t in intent))
    if billing.failed_payments:
        total += WEIGHTS["failed_payment"]
        reasons += [f"failed payment {f}" for f in billing.failed_payments]
    if billing.downgrades:
        total += WEIGHTS["downgrade"]
        reasons += [f"downgrade {d}" for d in billing.downgrades]
    total = round(min(1.0, total), 2)
    return Risk(account=account.id, name=account.name, plan=account.plan, arr=account.arr, score=total,
                weighted=round(total * account.arr, 2), reasons=tuple(reasons),
                tickets=tuple(t.id for t in sorted(tickets, key=lambda t: t.created_at)),
                people=tuple(sorted({t.requester for t in tickets if t.requester})))


def _surprise(count: int, expected: float) -> float:
    """The share of a sign's weight `count` earns when `expected` were usual: graded by the chance of
    seeing at least `count` (Poisson), 0 when it is ordinary."""
    if count == 0:
        return 0.0
    p = 1.0 - sum(math.exp(-expected) * expected ** k / math.factorial(k) for k in range(count))
    return next((share for limit, share in GRADES if p < limit), 0.0)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _cite(ticket: TicketRecord, why: str) -> str:
    return f"#{ticket.id}" + (f" ({why})" if why and why != "tone" else "")


def at_risk(risks: list[Risk], threshold: float = AT_RISK) -> list[Risk]:
    return sorted((r for r in risks if r.score >= threshold), key=lambda r: (-r.weighted, -r.score, r.account))


def property_value(risk: Risk) -> str:
    """What the CRM property holds: the score and the first reasons, short enough for a record view."""
    return f"{risk.score:.2f} ({risk.level}) — " + "; ".join(risk.reasons)[:400]


def _money(minor: int, currency: str) -> str:
    return f"{'$' if currency.lower() == 'usd' else currency.upper() + ' '}{minor / 100:,.2f}"

