"""One insights run: rising topics, accounts at risk and recurring errors over a window, from
tickets, accounts and whatever billing and CRM the team connected. The lookups are passed in
(callables), so this module does no I/O of its own."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from app.insights import churn, reading, recurring, topics
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


BASELINE_S = 56 * DAY_S


def ticket_signals(tickets: list[TicketRecord], vectors: np.ndarray, readings: list[reading.Reading],
                   ) -> dict[str, churn.TicketSignals]:
    """Frustration, repeats (`vectors`: the tickets', in order) and cancellation intent as the whole
    ticket reads (`readings`, from reading.read) of each ticket."""
    again = reading.repeats(tickets, vectors)
    return {t.id: churn.TicketSignals(
        r.frustration, r.leaving >= reading.LEAVING or None, tickets[again[i][0]].id if i in again else "", r.why,
        r.leaving_why) for i, (t, r) in enumerate(zip(tickets, readings))}


def intent_read(tickets: list[TicketRecord], signals: dict[str, churn.TicketSignals],
                detect: Callable[[str], tuple] | None = None) -> dict[str, churn.TicketSignals]:
    """The signals of the tickets whose intent to leave the whole-ticket reading did not see, read
    again by the sensitivity detector sentence by sentence (a line buried in a longer message),
    with the part that says it."""
    if detect is None:
        from app.reasoning.sensitivity import read_alone as detect
    out = {}
    for t in tickets:
        if signals[t.id].cancel_intent is None:
            found = next((f for f in detect(t.text) if f.flag == "churn"), None)
            out[t.id] = replace(signals[t.id], cancel_intent=found is not None, intent_why=found.why if found else "")
    return out


BASELINE_READ = 40  # an account's baseline tickets read sentence by sentence at most (27 ms each)
# Baseline tickets of all accounts read so for everyone's share (about 4 s): the share an account's
# own few are shrunk toward.
EVERYONE_READ = 150


def read_leaving(baseline: list[TicketRecord], leaving: list[bool], at_most: int,
                 detect: Callable[[str], tuple] | None = None) -> tuple[int, int]:
    """How many of an even sample of at most `at_most` baseline tickets speak of leaving when read
    as a window's tickets are once their account shows a sign (the whole-ticket reading, `leaving`,
    or sentence by sentence: more than the whole-ticket reading finds), and how many were read."""
    if detect is None:
        from app.reasoning.sensitivity import read_alone as detect
    step = max(1, -(-len(baseline) // at_most))
    picked = range(0, len(baseline), step)
    said = sum(leaving[i] or any(f.flag == "churn" for f in detect(baseline[i].text)) for i in picked)
    return said, len(picked)


def usual_intent(baseline: list[TicketRecord], leaving: list[bool], prior: float,
                 detect: Callable[[str], tuple] | None = None) -> float:
    """The share of an account's baseline tickets that speak of leaving, read as its window's are
    (read_leaving), shrunk toward `prior`: everyone's share, read the same way."""
    said, read = read_leaving(baseline, leaving, BASELINE_READ, detect)
    return (said + churn.PRIOR_TICKETS * prior) / (read + churn.PRIOR_TICKETS)


def usual_shares(tickets: list[TicketRecord], vectors: np.ndarray, readings: list[reading.Reading],
                 everything: list[TicketRecord] | None = None) -> dict[str, churn.Usual]:
    """Per account, the share of its baseline `tickets` that were frustrated, repeats and spoke of
    leaving, shrunk toward everyone's share (an account with few tickets says little).
    When `tickets` are a sample of the baseline and `everything` holds it all, the tone half of
    frustration (it needs no vector) is counted on all of them, the detector's half on the sample:
    a busy account's usual is then not at the mercy of which of its few angry tickets were kept.
    A repeat's earlier ticket may not be in a sample; the repeats are not scaled up for it: a
    question asked again tends to have been asked several times, so one of them is kept (on the
    benchmark's sampled baseline, the share so read matched the window's: 0.33 and 0.30)."""
    again = reading.repeats(tickets, vectors)
    split = everything is not None
    marks = [(t.account, r.frustration >= churn.FRUSTRATED and not (split and _tone(t) >= churn.FRUSTRATED),
              i in again, r.leaving >= reading.LEAVING) for i, (t, r) in enumerate(zip(tickets, readings)) if t.account]
    if not marks:
        return {}
    tone: dict[str, list[bool]] = {}
    for t in everything or []:
        if t.account:
            tone.setdefault(t.account, []).append(_tone(t) >= churn.FRUSTRATED)
    every = [x for v in tone.values() for x in v]
    overall = [sum(m[k] for m in marks) / len(marks) for k in (1, 2, 3)]
    found = {}
    for account in {m[0] for m in marks}:
        mine = [m for m in marks if m[0] == account]
        share = [(sum(m[k] for m in mine) + churn.PRIOR_TICKETS * overall[k - 1]) / (len(mine) + churn.PRIOR_TICKETS)
                 for k in (1, 2, 3)]
        if split and every:  # the detector's half (above, on the sample) plus the tone's, on all
            angry = tone.get(account, [])
            share[0] += (sum(angry) + churn.PRIOR_TICKETS * sum(every) / len(every)) / (len(angry) + churn.PRIOR_TICKETS)
        found[account] = churn.Usual(*share)
    return found


def _tone(ticket: TicketRecord) -> float:
    return sentiment.score(ticket.text)[1]


def analyse(tickets: list[TicketRecord], vectors: np.ndarray, accounts: dict[str, Account], now: float,
            since_s: float = 14 * DAY_S, *, examples: tuple[np.ndarray, np.ndarray],
            billing: Callable[[list[str]], list] | None = None, crm_plan: Callable[[str], str] | None = None,
            detect: Callable[[str], tuple] | None = None, detector=None,
            baseline_weight: float = 1.0, everything: list[TicketRecord] | None = None) -> Findings:
    """`billing(emails)`: the billing accounts of those requesters; `crm_plan(email)`: the plan the
    CRM gives that customer ("" if none). Either may raise: the run goes on without it, saying so.
    When the baseline in `tickets` is a sample, `baseline_weight` says how many each stands for and
    `everything` holds them all (the tone of each is read on all: it needs no vector).
    `detector`: the sensitivity detector whose reading of each ticket gives its frustration and intent;
    `detect(text)`: its findings sentence by sentence (both default to the packaged detector's; `detect`
    to its rules and regression alone, `sensitivity.read_alone`)."""
    start = now - since_s
    window = [i for i, t in enumerate(tickets) if start < t.created_at <= now]
    in_window = [tickets[i] for i in window]
    gaps = []
    errors = recurring.find(tickets, vectors, start, now, examples, baseline_weight=baseline_weight)
    # a recurring error rises too; it is shown once, as the error
    reported = {i for e in errors for i in e.tickets}
    tier_of = lambda t: accounts[t.account].plan if t.account in accounts else ""  # noqa: E731
    rising = [t for t in topics.rising(tickets, vectors, now, since_s, baseline_weight=baseline_weight,
                                       tier_of=tier_of)
              if sum(i in reported for i in t.tickets) * 2 < len(t.tickets)]
    named = {i for topic in rising for i in topic.tickets}
    plan_of = _plans([t for t in in_window if t.id in named], accounts, crm_plan, gaps)
    trends = tuple(Trend(topic, tuple(Counter(plan_of.get(i, "") or "unknown" for i in topic.tickets).most_common()))
                   for topic in rising)
    before = [i for i, t in enumerate(tickets) if start - BASELINE_S < t.created_at <= start]
    readings = reading.read([tickets[i] for i in window + before], vectors[window + before], detector)
    usual = usual_shares([tickets[i] for i in before], vectors[before], readings[len(window):],
                         [t for t in everything if start - BASELINE_S < t.created_at <= start] if everything else None)
    signals = ticket_signals(in_window, vectors[window], readings[:len(window)])
    by_account: dict[str, list[TicketRecord]] = {}
    for t in in_window:
        if t.account:
            by_account.setdefault(t.account, []).append(t)
    risks = []
    days = since_s / DAY_S
    everyone: float | None = None  # everyone's share of leaving, read once an account first needs it
    for account_id, mine in by_account.items():
        account = accounts.get(account_id) or Account(account_id, account_id)
        mood = usual.get(account_id, churn.Usual())
        first = churn.score(account, mine, signals, usual=mood, days=days)
        money = churn.BillingSignals()
        if billing is not None:
            try:
                money = churn.billing_signals(billing(sorted({t.requester for t in mine})), start, now)
            except Exception as exc:  # noqa: BLE001 - a failing connector is a gap, never a crash
                gaps.append(f"billing for {account.name}: {exc}")
        # a sign in the tickets or in billing: now each ticket is worth reading sentence by sentence
        # for an intent to leave (the detector costs ~27 ms a ticket, so not for every account)
        if first.score > 0 or money.failed_payments or money.downgrades:
            signals.update(intent_read(mine, signals, detect))
            if everyone is None:
                # the prior must be read as the window is: the whole-ticket reading alone finds far
                # fewer (on the sample company, 0.5 % of tickets against 9 %), and an account whose
                # few baseline tickets happened to hold none would then look surprising for the
                # background's ordinary cancellation questions
                said, read = read_leaving([tickets[i] for i in before],
                                          [r.leaving >= reading.LEAVING for r in readings[len(window):]],
                                          EVERYONE_READ, detect)
                everyone = said / read if read else 0.0
            theirs = [k for k, i in enumerate(before) if tickets[i].account == account_id]
            mood = replace(mood, intent=usual_intent(
                [tickets[before[k]] for k in theirs],
                [readings[len(window) + k].leaving >= reading.LEAVING for k in theirs], everyone, detect))
        risks.append(churn.score(account, mine, signals, money, mood, days))
    return Findings(now=now, since_s=since_s, tickets=len(in_window), trends=trends,
                    risks=tuple(churn.at_risk(risks)), errors=tuple(errors),
                    links={t.id: t.link for t in in_window if t.link}, gaps=tuple(gaps))


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
