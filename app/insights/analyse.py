"""One insights run: rising topics, accounts at risk and recurring errors over a window, from
tickets, accounts and whatever billing and CRM the team connected. The lookups are passed in
(callables), so this module does no I/O of its own."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from app.insights import churn, recurring, topics
from app.insights.records import Account, TicketRecord
from app.reasoning import sentiment

DAY_S = 86400


@dataclass(frozen=True)
class Trend:
    topic: topics.Topic
    plans: tuple[tuple[str, int], ...]  # (plan, tickets) among the topic's customers, most first


@dataclass(frozen=True)
class Findings:
    now: float
    since_s: float
    tickets: int  # in the window
    trends: tuple[Trend, ...]
    risks: tuple[churn.Risk, ...]  # at risk, highest ARR at stake first
    errors: tuple[recurring.RecurringError, ...]
    links: dict = field(default_factory=dict)  # ticket id -> its link in the helpdesk
    gaps: tuple[str, ...] = ()  # a lookup that failed, and what it left out


REPEAT_AT = 0.6  # cosine between two tickets of one person that makes the later one "about the same thing"
BASELINE_S = 56 * DAY_S


def ticket_signals(tickets: list[TicketRecord], vectors: np.ndarray,
                   flags: Callable[[str], tuple[str, ...]] | None = None,
                   usual: dict[str, float] | None = None) -> dict[str, churn.TicketSignals]:
    """Frustration, repeat contact (`vectors`: the tickets', in order) and cancellation intent
    (`flags`: the sensitivity detector's) of each ticket. Intent is read only for accounts whose
    tickets already show frustration beyond their `usual` or a repeat: a churn risk starts in the
    ticket stream, and the detector is the run's slowest step (27 ms a ticket)."""
    if flags is None:
        from app.reasoning.sensitivity import flags_for as flags
    order = sorted(range(len(tickets)), key=lambda i: tickets[i].created_at)
    seen: dict[str, list[int]] = {}
    repeat = set()
    for i in order:
        earlier = seen.setdefault(tickets[i].requester, [])
        if earlier and float((vectors[earlier] @ vectors[i]).max()) >= REPEAT_AT:
            repeat.add(i)
        earlier.append(i)
    frustration = [sentiment.score(t.text)[1] for t in tickets]
    angry: Counter = Counter(t.account for t, f in zip(tickets, frustration) if f >= churn.FRUSTRATED)
    usual = usual or {}
    read = {t.account for i, t in enumerate(tickets) if i in repeat} | {
        a for a, n in angry.items() if n - (usual.get(a, 0.0) + 2 * usual.get(a, 0.0) ** 0.5) >= 1}
    return {t.id: churn.TicketSignals(frustration[i], ("churn" in flags(t.text)) if t.account in read else None,
                                      i in repeat) for i, t in enumerate(tickets)}


def intent_read(tickets: list[TicketRecord], signals: dict[str, churn.TicketSignals],
                flags: Callable[[str], tuple[str, ...]] | None = None) -> dict[str, churn.TicketSignals]:
    """The signals of the tickets whose cancellation intent was not read yet, with it read."""
    if flags is None:
        from app.reasoning.sensitivity import flags_for as flags
    return {t.id: replace(signals[t.id], cancel_intent="churn" in flags(t.text))
            for t in tickets if signals[t.id].cancel_intent is None}


def analyse(tickets: list[TicketRecord], vectors: np.ndarray, accounts: dict[str, Account], now: float,
            since_s: float = 14 * DAY_S, *, examples: tuple[np.ndarray, np.ndarray],
            billing: Callable[[list[str]], list] | None = None, crm_plan: Callable[[str], str] | None = None,
            flags: Callable[[str], tuple[str, ...]] | None = None, baseline_weight: float = 1.0,
            everything: list[TicketRecord] | None = None) -> Findings:
    """`billing(emails)`: the billing accounts of those requesters; `crm_plan(email)`: the plan the
    CRM gives that customer ("" if none). Either may raise: the run goes on without it, saying so.
    When the baseline in `tickets` is a sample, `baseline_weight` says how many each stands for and
    `everything` holds them all (the usual frustration is counted on all: it needs no vector)."""
    start = now - since_s
    window = [i for i, t in enumerate(tickets) if start < t.created_at <= now]
    in_window = [tickets[i] for i in window]
    gaps = []
    errors = recurring.find(tickets, vectors, start, now, examples, baseline_weight=baseline_weight)
    # a recurring error rises too; it is shown once, as the error
    reported = {i for e in errors for i in e.tickets}
    rising = [t for t in topics.rising(tickets, vectors, now, since_s, baseline_weight=baseline_weight)
              if sum(i in reported for i in t.tickets) * 2 < len(t.tickets)]
    named = {i for topic in rising for i in topic.tickets}
    plan_of = _plans([t for t in in_window if t.id in named], accounts, crm_plan, gaps)
    trends = tuple(Trend(topic, tuple(Counter(plan_of.get(i, "") or "unknown" for i in topic.tickets).most_common()))
                   for topic in rising)
    usual = _usual_frustrated(everything or tickets, start - BASELINE_S, start, since_s / BASELINE_S)
    signals = ticket_signals(in_window, vectors[window], flags, usual)
    by_account: dict[str, list[TicketRecord]] = {}
    for t in in_window:
        if t.account:
            by_account.setdefault(t.account, []).append(t)
    risks = []
    for account_id, mine in by_account.items():
        account = accounts.get(account_id) or Account(account_id, account_id)
        first = churn.score(account, mine, signals, usual_frustrated=usual.get(account_id, 0.0))
        if first.score + churn.WEIGHTS["intent"] + churn.WEIGHTS["failed_payment"] + churn.WEIGHTS["downgrade"] \
                < churn.AT_RISK:
            risks.append(first)  # nothing left to learn could lift it to at risk: no lookup needed
            continue
        money = churn.BillingSignals()
        if billing is not None:
            try:
                money = churn.billing_signals(billing(sorted({t.requester for t in mine})), start, now)
            except Exception as exc:  # noqa: BLE001 - a failing connector is a gap, never a crash
                gaps.append(f"billing for {account.name}: {exc}")
        if money.failed_payments or money.downgrades:  # billing shows a sign: now the intent is worth reading
            signals.update(intent_read(mine, signals, flags))
        risks.append(churn.score(account, mine, signals, money, usual.get(account_id, 0.0)))
    return Findings(now=now, since_s=since_s, tickets=len(in_window), trends=trends,
                    risks=tuple(churn.at_risk(risks)), errors=tuple(errors),
                    links={t.id: t.link for t in in_window if t.link}, gaps=tuple(gaps))


def _usual_frustrated(tickets: list[TicketRecord], start: float, end: float, scale: float) -> dict[str, float]:
    """Per account, the frustrated tickets its baseline (start, end] predicts for one window."""
    counts: Counter = Counter(t.account for t in tickets if t.account and start < t.created_at <= end
                              and sentiment.score(t.text)[1] >= churn.FRUSTRATED)
    return {a: n * scale for a, n in counts.items()}


def _plans(tickets: list[TicketRecord], accounts: dict[str, Account], crm_plan, gaps: list) -> dict[str, str]:
    """Each ticket's plan: the CRM's where connected, else the helpdesk organization's."""
    found, asked = {}, {}
    for t in tickets:
        plan = ""
        if crm_plan is not None and t.requester and not gaps:
            if t.requester not in asked:
                try:
                    asked[t.requester] = crm_plan(t.requester)
                except Exception as exc:  # noqa: BLE001 - the CRM is context, never a reason to stop
                    gaps.append(f"CRM plans: {exc}")
                    asked[t.requester] = ""
            plan = asked[t.requester]
        found[t.id] = plan or (accounts[t.account].plan if t.account in accounts else "")
    return found
