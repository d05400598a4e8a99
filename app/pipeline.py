"""The thin orchestrator: the only place that strings the pure steps to I/O (DESIGN §1).

snapshot → guards → triage → gather → compose → decide → act → record. Every write is
planned in the ledger under its reply key first, so a retry after a crash re-reads
the ticket and either finds the marker tag (the write landed) or writes the same
update again (it did not).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass

import sqlite_utils

from connectors.helpdesk import Helpdesk
from connectors.types import Snapshot, TicketUpdate

from . import actions, audit, compose, guards, ledger, policy_store
from .case_file import case_file
from .domain import Comment, Evidence, Fact, Ticket, TicketEvent
from .gather import Gatherer, Systems
from .engine import Engine
from .jobs import ACTIONABLE
from .respond import Guardrails, think

TAGS = {"send": "deskhand_replied", "draft": "deskhand_drafted", "escalate": "deskhand_escalated"}


@dataclass(frozen=True)
class Outcome:
    action: str
    reason: str
    category: str | None = None
    confidence: float | None = None


class Pipeline:
    def __init__(self, db: sqlite_utils.Database, helpdesk: Helpdesk, engine: Engine,
                 opt_out_tag: str, ai_label: str = compose.AI_LABEL, canaries: tuple[str, ...] = (),
                 allowed_hosts: frozenset[str] = frozenset(), gatherer: Gatherer | None = None,
                 caps: actions.Caps = actions.Caps(10000, 1)):
        self.db, self.helpdesk, self.engine, self.caps = db, helpdesk, engine, caps
        self.gatherer = gatherer or Gatherer(Systems())
        self.opt_out_tag = opt_out_tag
        self.rails = Guardrails(tuple(canaries), frozenset(allowed_hosts), ai_label)

    def run(self, job_id: int, event: TicketEvent) -> Outcome:
        log = lambda step, **detail: audit.record(  # noqa: E731
            self.db, step, platform=event.platform, ticket_id=event.ticket_id,
            job_id=job_id, delivery_id=event.delivery_id, **detail)
        if event.kind not in ACTIONABLE:
            return Outcome("skip", f"{event.kind} needs no reply")
        if guards.own_event(event, self.helpdesk.bot_user_id()):
            log("guards", summary="skip: the bot's own comment")
            return Outcome("skip", "the bot's own comment")

        snap = self.helpdesk.snapshot(event.ticket_id, event.requester_id)
        ticket = snap.ticket
        log("snapshot", summary=f"{event.kind}: ticket {ticket.status}, {len(ticket.comments)} comments",
            tags=list(ticket.tags), updated_at=ticket.updated_at)
        result = guards.check(ticket, event, self.opt_out_tag,
                              lambda c: ledger.marker_tag(ledger.reply_key(ticket.platform, ticket.id, c.id)))
        key = ledger.reply_key(ticket.platform, ticket.id, result.trigger.id) if result.trigger else ""
        row = ledger.get(self.db, key) if key else None
        if row and row["state"] == "done":
            log("guards", summary="skip: already handled", reply_key=key)
            return Outcome("skip", "this customer message was already handled")
        if row and row["marker"] in ticket.tags:
            ledger.mark(self.db, key, "done", "found-on-ticket")
            log("recover", summary=f"the {row['action']} written before a crash is on the ticket; not writing again",
                reply_key=key, action=row["action"])
            return Outcome(row["action"], "recovered after a crash")
        if result.skip:
            log("guards", summary=f"skip: {result.skip}")
            return Outcome("skip", result.skip)
        if row:  # planned or sending, and it did not land: write exactly what was planned
            log("resume", summary=f"re-sending the planned {row['action']}", reply_key=key)
            self._write(ticket, key, row["action"], json.loads(row["body"]), log)
            return Outcome(row["action"], "resumed after a crash")
        return self._respond(snap, result.trigger, key, log)

    def _respond(self, snap: Snapshot, trigger: Comment, key: str, log) -> Outcome:
        ticket = snap.ticket
        subject = ticket.subject if len(ticket.customer_comments()) <= 1 else ""
        earlier = ticket.comments[:ticket.comments.index(trigger)]
        policy = policy_store.load(self.db)
        thought = think(self.engine, ticket, subject, trigger.body, policy,
                        any(c.role == "bot" and c.public for c in earlier), self.rails)
        triage, draft, checked, decision = thought.triage, thought.draft, thought.checked, thought.decision
        log("triage", summary=f"{triage.category} {triage.confidence:.2f}", **asdict(triage),
            model=self.engine.model_version)
        if draft:
            log("compose", summary=f"{draft.writer} reply from {len(draft.citations)} passage(s)"
                + (f"; {draft.note}" if draft.note else ""), writer=draft.writer, note=draft.note,
                passages=[c.passage_id for c in draft.citations], score=draft.score,
                tokens=draft.tokens, cost_usd=draft.cost_usd)
            log("check", summary="clean" if checked.sendable else "not sendable as written",
                blocked=list(checked.blocked), unsupported=list(checked.unsupported), removed=list(checked.removed))
        log("decide", summary=f"{decision.action}: {'; '.join(decision.reasons)}", action=decision.action,
            category=triage.category, confidence=triage.confidence, reasons=list(decision.reasons),
            mode=decision.mode, send_at=decision.send_at, draft_at=decision.draft_at)
        outcome = Outcome(decision.action, "; ".join(decision.reasons), triage.category, triage.confidence)
        if decision.action == "skip":
            return outcome
        if decision.action == "send":
            body, public = checked.text, True
        elif decision.action == "draft":
            body, public = compose.draft_note(triage, decision, draft, checked), False
        else:
            evidence = self._gather(snap, policy.for_category(triage.category).gather, trigger.body)
            log("gather", summary=f"{len(evidence.facts)} facts, {len(evidence.gaps)} gaps in {evidence.elapsed_ms:.0f} ms",
                gaps=[asdict(g) for g in evidence.gaps], facts=[asdict(f) for f in evidence.facts])
            pending = self._propose(triage, evidence, ticket, key)
            case = case_file(triage, decision, evidence, thought.matches, ticket, trigger.body, checked, pending)
            self.db["case_files"].insert({
                "at": time.time(), "platform": ticket.platform, "ticket_id": ticket.id,
                "category": triage.category or "", "completeness": case.completeness,
                "missing": json.dumps(case.missing), "gaps": json.dumps([g.source for g in evidence.gaps]),
                "gather_ms": evidence.elapsed_ms})
            body, public = case.text, False
        update = {"body": body, "public": public,
                  "add_tags": [TAGS[decision.action], f"deskhand_{triage.category or 'unknown'}"],
                  "group_name": decision.escalate_to if decision.action == "escalate" else ""}
        ledger.plan(self.db, key, ticket.platform, ticket.id, trigger.id, decision.action, json.dumps(update))
        self._write(ticket, key, decision.action, update, log)
        return outcome

    def _propose(self, triage, evidence: Evidence, ticket: Ticket, key: str) -> tuple[str, ...]:
        """Actions the evidence supports, stored for approval; never for a message that tried to
        instruct the system or may come from someone who took the account over."""
        if {"injection", "security"} & set(triage.flags):
            return ()
        email = ticket.requester.email
        proposals, why = actions.propose(triage.category, evidence, email, self.caps,
                                         actions.refunds_in_30d(self.db, email))
        ids = actions.record(self.db, ticket.platform, ticket.id, key, proposals)
        return tuple(f"#{i} {p.summary} — approve with `deskhand approve {i}`" for i, p in zip(ids, proposals)) + \
            tuple(f"not proposed: {w}" for w in why)

    def _gather(self, snap: Snapshot, plan: tuple[str, ...], message: str) -> Evidence:
        """Context for the case file, every system at once. A failing lookup is a gap, never a crash."""
        def history() -> list[Fact]:
            ticket, found = snap.ticket, snap.history
            if found is None:
                found = self.helpdesk.requester_history(ticket.requester.id, exclude=ticket.id)
            return [Fact("helpdesk", f"#{t.id} {t.subject} — {t.status}, {t.created_at[:10]}"
                         + (f", {t.category}" if t.category else ""), at=t.created_at, kind="history")
                    for t in found]
        return self.gatherer.gather(snap.ticket, plan, message, history)

    def _write(self, ticket: Ticket, key: str, action: str, update: dict, log) -> None:
        marker = ledger.marker_tag(key)
        ledger.mark(self.db, key, "sending")
        remote = self.helpdesk.write(ticket.id, TicketUpdate(
            body=update["body"], public=bool(update["public"]),
            add_tags=tuple(update["add_tags"]) + (marker,), group_name=update["group_name"],
            expected_updated_at=ticket.updated_at))
        _crash_point("after_remote_write")
        ledger.mark(self.db, key, "done", remote)
        log("act", action=action, summary=f"{action} written ({'public reply' if update['public'] else 'internal note'})",
            remote_id=remote, marker=marker, public=bool(update["public"]), text=update["body"])


def _crash_point(name: str) -> None:
    """Fault injection for the crash-recovery tests: die here, without cleanup, when asked."""
    if os.environ.get("DESKHAND_CRASH_AT") == name:
        os._exit(75)
