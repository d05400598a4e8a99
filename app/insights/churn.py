"""Churn risk per account: what the account's tickets and billing say over a window. Pure.

The score adds what support teams read as warning signs, each capped so no single one decides:
more frustrated tickets than the account's own baseline predicts (the sentiment lexicon's
frustration, app/reasoning/sentiment.py: some accounts always write angrily, a change is the
sign), the same person writing again about the same thing, an intent to cancel or leave (the
sensitivity `churn` flag), a failed payment, and a downgrade (seats given up, a plan cancelled or
set to end). An account is at risk from AT_RISK; accounts are ranked by the ARR that risk weighs
on (score × ARR)."""
from __future__ import annotations

from dataclasses import dataclass

from app.insights.records import Account, TicketRecord, parse_time
from connectors.roles import BillingAccount

FRUSTRATED = 0.5  # a ticket's frustration from this on counts (0..1; see sentiment.score)
AT_RISK = 0.6
WEIGHTS = {"frustrated": 0.15, "frustrated_max": 0.45, "repeat": 0.1, "intent": 0.25, "failed_payment": 0.15,
           "downgrade": 0.2}


@dataclass(frozen=True)
class TicketSignals:
    frustration: float
    cancel_intent: bool | None  # None: not read (the account showed no other sign in its tickets)
    repeat: bool = False  # the same person wrote about the same thing earlier in the window


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
          billing: BillingSignals = BillingSignals(), usual_frustrated: float = 0.0) -> Risk:
    """The account's risk from its tickets in the window (with their signals) and its billing;
    `usual_frustrated`: how many frustrated tickets its baseline predicts for a window."""
    reasons, total = [], 0.0
    frustrated = [t for t in tickets if signals[t.id].frustration >= FRUSTRATED]
    # beyond what chance gives an account this angry anyway (a count is about as uncertain as its root)
    excess = len(frustrated) - (usual_frustrated + 2 * usual_frustrated ** 0.5)
    if excess >= 1:
        total += min(WEIGHTS["frustrated_max"], WEIGHTS["frustrated"] * int(excess))
        reasons.append(f"{len(frustrated)} frustrated ticket{'s' if len(frustrated) > 1 else ''} "
                       f"({', '.join('#' + t.id for t in frustrated)}; {usual_frustrated:.1f} usual)")
    again = [t for t in tickets if signals[t.id].repeat]
    if again:
        total += WEIGHTS["repeat"]
        reasons.append("wrote again about the same thing: " + ", ".join(f"#{t.id} ({t.requester})" for t in again))
    intent = [t for t in tickets if signals[t.id].cancel_intent is True]
    if intent:
        total += WEIGHTS["intent"]
        reasons.append(f"talks of cancelling or leaving ({', '.join('#' + t.id for t in intent)})")
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


def at_risk(risks: list[Risk], threshold: float = AT_RISK) -> list[Risk]:
    return sorted((r for r in risks if r.score >= threshold), key=lambda r: (-r.weighted, -r.score, r.account))


def property_value(risk: Risk) -> str:
    """What the CRM property holds: the score and the first reasons, short enough for a record view."""
    return f"{risk.score:.2f} ({risk.level}) — " + "; ".join(risk.reasons)[:400]


def _money(minor: int, currency: str) -> str:
    return f"{'$' if currency.lower() == 'usd' else currency.upper() + ' '}{minor / 100:,.2f}"

