"""`deskhand eval`: the full decision pipeline in shadow over labelled tickets. Pure.

Nothing here talks to a helpdesk: each ticket goes through triage, compose and decide
exactly as the worker would run them, and the result is compared with the gold labels.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from app.checks.check import cited_sources
from app.checks.claims import check_claims, extract_claims
from app.core.domain import Citation, Draft, Policy, Requester, Ticket
from app.pipeline.think import Guardrails, think
from app.policy.decide import decide
from app.reasoning.engine import Engine
from app.reasoning.llm_engine import LlmEngine
from app.reasoning.training_data import LabelledTicket
from app.replay.metrics import (
    Prediction,
    accuracy,
    at_oos_recall,
    ece,
    macro_f1,
    precision_table,
    threshold_for_precision,
    wilson,
)

# A draft is read by an agent before it goes out, so it may be proposed at a looser precision.
DRAFT_PRECISION = 0.8
MIN_SAMPLE = 30  # tickets a category needs before a threshold is proposed for it


@dataclass(frozen=True)
class Row:
    ticket: LabelledTicket
    predicted: str
    confidence: float
    action: str
    reasons: tuple[str, ...]
    tokens: int = 0
    cost_usd: float = 0.0
    top_article: str = ""  # the best passage's article key (source:id) and URL, with --kb
    top_url: str = ""
    unsupported_sent: int = 0  # claims no cited passage backs, in a reply that would have gone out
    account_facts: bool = False  # the predicted category's policy answers from the customer's account
    from_account: bool = False  # and the reply came from it


def shadow_run(engine: Engine | LlmEngine, policy: Policy, tickets: list[LabelledTicket], use_kb: bool,
               rails: Guardrails = Guardrails(), on_ticket=None, account=None) -> list[Row]:
    """`on_ticket()`: told after each ticket, for a progress line. `account(ticket)`: the requester's
    billing account (think.Account), when a billing system is connected; reads only."""
    rows = []
    for t in tickets:
        rows.append(_with_kb(engine, policy, t, rails, account) if use_kb else _triage_only(engine, policy, t))
        if on_ticket:
            on_ticket()
    return rows


def _with_kb(engine: Engine | LlmEngine, policy: Policy, t: LabelledTicket, rails: Guardrails, account=None) -> Row:
    """The whole decision as the worker takes it: triage, retrieval, compose, check, decide."""
    snapshot = Ticket(platform="eval", id=t.id, subject=t.subject, status="new",
                      requester=Requester(id="", name=t.requester.get("name", ""),
                                          email=t.requester.get("email", "")), page_url=t.page_url)
    thought = think(engine, snapshot, t.subject, t.body, policy, rails=rails,
                    account=(lambda: account(t)) if account else None)
    triage, decision = thought.triage, thought.decision
    top = thought.matches[0].passage if thought.matches else None
    sent_claims = 0
    if decision.action == "send":  # re-check the text exactly as it would have been sent
        sources = cited_sources(thought.draft, engine.knowledge)
        sent_claims = len(check_claims(extract_claims(thought.checked.text), sources).reasons)
    tokens = triage.tokens + (thought.draft.tokens if thought.draft else 0)
    cost = triage.cost_usd + (thought.draft.cost_usd if thought.draft else 0.0)
    return Row(t, triage.category or "", triage.confidence, decision.action, decision.reasons,
               tokens, cost, top.article_key if top else "", top.url if top else "", sent_claims,
               policy.for_category(triage.category).account_facts,
               thought.draft is not None and thought.draft.writer == "account")


def _triage_only(engine: Engine | LlmEngine, policy: Policy, t: LabelledTicket) -> Row:
    """No knowledge base given: judge triage and policy alone, as if a grounded reply existed."""
    triage = engine.triage(t.subject, t.body, t.page_url)
    draft = Draft("(no knowledge base in this evaluation)", (Citation("-", "-"),), score=1.0)
    decision = decide(triage, policy.for_category(triage.category), draft)
    return Row(t, triage.category or "", triage.confidence, decision.action, decision.reasons,
               triage.tokens, triage.cost_usd)


def knowledge_report(rows: list[Row]) -> dict:
    """What `--kb` adds: claims sent without support (must be 0), answer rate, retrieval hit@1."""
    gold = [r for r in rows if r.ticket.articles]
    hits = sum(_same_article(r, r.ticket.articles) for r in gold)
    eligible = [r for r in rows if r.account_facts]
    return {
        "unsupported_claims_sent": sum(r.unsupported_sent for r in rows),
        "answer_rate": round(sum(r.action == "send" for r in rows) / len(rows), 4) if rows else None,
        "draft_rate": round(sum(r.action == "draft" for r in rows) / len(rows), 4) if rows else None,
        "retrieval_hit_at_1": round(hits / len(gold), 4) if gold else None,
        "n_with_gold_article": len(gold),
        # of the tickets whose category answers from the customer's account, those sent or drafted from it
        # (None: no category does; eval sets it to None too when no billing system is connected)
        "answered_from_account": (round(sum(r.from_account and r.action in ("send", "draft") for r in eligible)
                                        / len(eligible), 4) if eligible else None),
        "n_account_facts_categories": len(eligible),
    }


def _same_article(row: Row, gold: tuple[str, ...]) -> bool:
    """Gold may name an article by its id, its source-qualified key, or its URL."""
    article_id = row.top_article.partition(":")[2]
    return any(g in (row.top_article, article_id) or (row.top_url and g == row.top_url) for g in gold)


_FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")


def report(rows: list[Row], target_precision: float) -> dict:
    preds = [Prediction(r.ticket.category, r.predicted, r.confidence) for r in rows]
    table = precision_table(preds)
    expected = [r for r in rows if r.ticket.expect]
    escalated = [r for r in expected if r.action == "escalate"]
    should = [r for r in expected if r.ticket.expect == "escalate"]
    hits = sum(r.ticket.expect == "escalate" for r in escalated)
    return {
        "n": len(rows),
        "n_in_scope": sum(1 for r in rows if r.ticket.category),
        "n_out_of_scope": sum(1 for r in rows if not r.ticket.category),
        "accuracy": accuracy(preds),
        "macro_f1": macro_f1(preds),
        "ece": ece(preds),
        "coverage_at_precision": {k: v["coverage"] for k, v in table.items()},
        "threshold_at_precision": {k: v["threshold"] for k, v in table.items()},
        "oos_recall_at_precision": {k: v["oos_recall"] for k, v in table.items()},
        "at_oos_recall_0.95": at_oos_recall(preds, 0.95),
        "escalation_recall": round(hits / len(should), 4) if should else None,
        "escalation_precision": round(hits / len(escalated), 4) if escalated else None,
        # what a person had to handle and Deskhand would not have given them: the first thing to read
        "escalations_missed": [{"id": r.ticket.id, "action": r.action, "reasons": list(r.reasons)}
                               for r in should if r.action != "escalate"],
        "actions": dict(Counter(r.action for r in rows)),
        # why replies were not sent: the first thing to read when these counts differ from a live
        # run's (a link host the install allows and this run's settings do not, say)
        "held_back": dict(Counter(_kind_of(reason) for r in rows if r.action != "send"
                                  for reason in r.reasons).most_common()),
        "per_category": per_category(preds, target_precision),
    }


def _kind_of(reason: str) -> str:
    """A decision's reason without its figures, so that reasons of one kind count together."""
    return _FIGURE.sub("…", reason)


def per_category(preds: list[Prediction], target: float) -> dict:
    out = {}
    for category in sorted({p.gold for p in preds if p.gold} | {p.predicted for p in preds if p.predicted}):
        mine = [p for p in preds if p.predicted == category]
        gold = sum(p.gold == category for p in preds)
        right = sum(p.correct for p in mine)
        send_at = threshold_for_precision(mine, target)
        draft_at = threshold_for_precision(mine, DRAFT_PRECISION)
        answered = [p for p in mine if send_at is not None and p.confidence >= send_at]
        enough = len(mine) >= MIN_SAMPLE
        out[category] = {
            "volume": gold, "predicted": len(mine),
            "precision": round(right / len(mine), 4) if mine else None,
            "precision_ci": wilson(right, len(mine)),
            "recall": round(right / gold, 4) if gold else None,
            # a threshold fitted to a handful of tickets is noise: proposed only from MIN_SAMPLE up,
            # with how many tickets it rests on and the interval of its precision
            "proposed_send_at": None if send_at is None or not enough else round(send_at, 4),
            "proposed_draft_at": None if draft_at is None or not enough else round(min(draft_at, send_at or 1.0), 4),
            "proposal_sample": len(answered),
            "proposal_precision_ci": wilson(sum(p.correct for p in answered), len(answered)),
            "withheld": "" if enough else f"only {len(mine)} tickets; a proposal needs {MIN_SAMPLE}",
        }
    return out


def format_report(result: dict, target: float) -> str:
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    lines = [
        f"tickets {result['n']} (in scope {result['n_in_scope']}, out of scope {result['n_out_of_scope']})",
        f"accuracy {pct(result['accuracy'])}   macro-F1 {pct(result['macro_f1'])}   ECE {result['ece']}",
        "",
        "precision  threshold  coverage  out-of-scope refused",
    ]
    for key in result["coverage_at_precision"]:
        t = result["threshold_at_precision"][key]
        lines.append(f"{pct(float(key)):>9}  {'-' if t is None else f'{t:.3f}':>9}  "
                     f"{pct(result['coverage_at_precision'][key]):>8}  {pct(result['oos_recall_at_precision'][key]):>20}")
    oos = result.get("at_oos_recall_0.95")
    if oos:
        lines.append(f"refusing 95% of out-of-scope: threshold {oos['threshold']:.3f}, precision "
                     f"{pct(oos['precision'])}, coverage {pct(oos['coverage'])}")
    if "unsupported_claims_sent" in result:
        lines += ["", f"knowledge base: answer rate {pct(result['answer_rate'])} (drafted {pct(result['draft_rate'])}), "
                      f"unsupported claims sent {result['unsupported_claims_sent']}, retrieval hit@1 "
                      f"{pct(result['retrieval_hit_at_1'])} over {result['n_with_gold_article']} tickets with a gold article"]
        if result.get("n_account_facts_categories"):
            lines.append(f"answered from the customer's account: {pct(result['answered_from_account'])} of the "
                         f"{result['n_account_facts_categories']} tickets in categories with account_facts"
                         + (" (no billing system connected)" if result["answered_from_account"] is None else ""))
    lines += ["", f"escalation recall {pct(result['escalation_recall'])}   "
                  f"precision {pct(result['escalation_precision'])}",
              *[f"  not escalated: #{m['id']} ({m['action']}: {'; '.join(m['reasons'])})"
                for m in result.get("escalations_missed", [])],
              "actions: " + ", ".join(f"{k} {v}" for k, v in sorted(result["actions"].items()))
              + ("" if "unsupported_claims_sent" in result else
                 " (triage and policy alone: pass --kb to compose and check replies as the worker does)"),
              *[f"  not sent because {reason}: {n}" for reason, n in result.get("held_back", {}).items()],
              "",
              f"{'category':<20} {'volume':>6} {'precision':>9} {'recall':>7}  "
              f"send_at@{pct(target)}  draft_at@{pct(DRAFT_PRECISION)}  rests on"]
    for cat, row in result["per_category"].items():
        lines.append(f"{cat:<20} {row['volume']:>6} {pct(row['precision']):>9} {pct(row['recall']):>7}  "
                     + proposal_text(row, 13, 12))
    return "\n".join(lines)


def proposal_text(row: dict, send_width: int, draft_width: int) -> str:
    """The proposed thresholds with what they rest on: the tickets above send_at and the 95 % interval
    of their precision, or why none is proposed."""
    if row.get("withheld"):
        return f"{'withheld':>{send_width}}  {'':>{draft_width}}  {row['withheld']}"
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    ci = row.get("proposal_precision_ci")
    rests = f"{row['proposal_sample']} tickets, precision {ci[0]:.0%}–{ci[1]:.0%}" if ci else ""
    return f"{fmt(row['proposed_send_at']):>{send_width}}  {fmt(row['proposed_draft_at']):>{draft_width}}  {rests}"

