"""The thin orchestrator: the only place that strings the pure steps to I/O (DESIGN §1).

snapshot → guards → triage → gather → compose → decide → act → record. Every write is
planned in the ledger under its reply key first, so a retry after a crash re-reads
the ticket and either finds the marker tag (the write landed) or writes the same
update again (it did not).
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, replace

import sqlite_utils

from app.checks.check import check_reply
from app.checks.claims import Source
from app.checks.redaction import redact
from app.core.domain import Comment, Evidence, Fact, Ticket, TicketEvent
from app.pipeline import account_reply, actions, bug_report, guards, plan
from app.pipeline.gather import Gatherer, Gathering, Systems
from app.pipeline.think import Account, Guardrails, since_answer, think
from app.policy import action_plan, holding
from app.policy import store as policy_store
from app.reasoning import compose
from app.reasoning.engine import Engine
from app.store import audit, ledger, risks
from app.store.jobs import ACTIONABLE, DONE
from connectors.helpdesk import Helpdesk
from connectors.types import Snapshot, TicketUpdate


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
                 caps: action_plan.Caps = action_plan.Caps(10000, 1), alert_channel: str = ""):
        self.db, self.helpdesk, self.engine, self.caps = db, helpdesk, engine, caps
        self.alert_channel = alert_channel
        self.gatherer = gatherer or Gatherer(Systems())
        self.opt_out_tag = opt_out_tag
        self.rails = Guardrails(tuple(canaries), frozenset(allowed_hosts), ai_label)
        self.observe = None  # sees every snapshot the pipeline reads (the worker records outcomes from it)

    def run(self, job_id: int, event: TicketEvent) -> Outcome:
        log = lambda step, **detail: audit.record(  # noqa: E731
            self.db, step, platform=event.platform, ticket_id=event.ticket_id,
            job_id=job_id, delivery_id=event.delivery_id, **detail)
        if event.kind not in ACTIONABLE:
            return Outcome("skip", f"{event.kind} needs no reply")
        if event.kind == DONE:
            return self._tell_done(event, log)
        if guards.own_event(event, self.helpdesk.bot_user_id()):
            log("guards", summary="skip: the bot's own comment")
            return Outcome("skip", "the bot's own comment")

        _crash_point("before_snapshot")  # a message that kills its worker on every try (poison)
        snap = self.helpdesk.snapshot(event.ticket_id, event.requester_id)
        ticket = snap.ticket
        log("snapshot", summary=f"{event.kind}: ticket {ticket.status}, {len(ticket.comments)} comments",
            tags=list(ticket.tags), updated_at=ticket.updated_at)
        if self.observe is not None:
            self.observe(ticket)
        result = guards.check(ticket, event, self.opt_out_tag,
                              lambda c: ledger.marker_tag(ledger.reply_key(ticket.platform, ticket.id, c.id)))
        key = ledger.reply_key(ticket.platform, ticket.id, result.trigger.id) if result.trigger else ""
        row = ledger.get(self.db, key) if key else None
        if row and row["state"] == "done":
            log("guards", summary="skip: already handled", reply_key=key)
            self._hold(ticket.platform, ticket.id, result.trigger.id, log)  # planned with it, cut off by a crash
            return Outcome("skip", "this customer message was already handled")
        found = "" if not row else "marker" if row["marker"] in ticket.tags else \
            "text" if _planned_text_on_ticket(ticket, result.trigger, row["body"]) else ""
        if found:
            ledger.mark(self.db, key, "done", "found-on-ticket")
            log("recover", summary=f"the {row['action']} written before a crash is on the ticket "
                f"(found by its {found}); not writing again", reply_key=key, action=row["action"], found_by=found)
            self._run_auto(key, log)
            self._hold(ticket.platform, ticket.id, result.trigger.id, log)
            return Outcome(row["action"], "recovered after a crash")
        if result.skip and not _closing_is_planned(ticket, row):
            log("guards", summary=f"skip: {result.skip}")
            return Outcome("skip", result.skip)
        if row:  # planned or sending, and it did not land: write exactly what was planned
            log("resume", summary=f"re-sending the planned {row['action']}", reply_key=key)
            self._write(ticket, key, row["action"], json.loads(row["body"]), log)
            self._run_auto(key, log)
            self._hold(ticket.platform, ticket.id, result.trigger.id, log)
            return Outcome(row["action"], "resumed after a crash")
        return self._respond(snap, result.trigger, key, log)

    def _respond(self, snap: Snapshot, trigger: Comment, key: str, log) -> Outcome:
        ticket = snap.ticket
        subject = ticket.subject if len(ticket.customer_comments()) <= 1 else ""
        policy = policy_store.load(self.db)
        early: dict = {}  # the billing account, once read for the reply: the case file does not read it again
        # the case file's lookups, started as soon as the triage shows an escalation: they run while the
        # rest is thought (by plan, so a decision that comes out otherwise does not use them)
        gathering: dict[tuple[str, ...], Gathering] = {}

        def escalating(lookups: tuple[str, ...]) -> None:
            if lookups:
                gathering[lookups] = self._start_gather(snap, lookups, trigger.body, early)
        thought = think(self.engine, ticket, subject, trigger.body, policy,
                        since_answer(ticket, trigger, self._holding_of(ticket)), self.rails,
                        account=lambda: self._account(ticket, early, log), escalating=escalating)
        triage, draft, checked, decision = thought.triage, thought.draft, thought.checked, thought.decision
        # what was classified (secrets redacted): what a correction teaches the next model, and what
        # knowledge gaps are grouped by (app/learning)
        log("triage", summary=f"{triage.category} {triage.confidence:.2f}", **asdict(triage),
            model=self.engine.model_version, message=redact(f"{subject}\n{trigger.body}".strip())[0])
        if draft:
            log("compose", summary=f"{draft.writer} reply from {len(draft.citations)} passage(s)"
                + (f"; {draft.note}" if draft.note else ""), writer=draft.writer, note=draft.note,
                passages=[c.passage_id for c in draft.citations], score=draft.score,
                # what the store cannot name: an account's own page in the billing system
                cited={c.passage_id: {"title": c.title, "url": c.url} for c in draft.citations
                       if c.passage_id.startswith("fact:")},
                tokens=draft.tokens, cost_usd=draft.cost_usd, text=checked.text)
            log("check", summary="clean" if checked.sendable else "not sendable as written",
                blocked=list(checked.blocked), unsupported=list(checked.unsupported), removed=list(checked.removed))
        log("decide", summary=f"{decision.action}: {'; '.join(decision.reasons)}", action=decision.action,
            category=triage.category, confidence=triage.confidence, reasons=list(decision.reasons),
            mode=decision.mode, send_at=decision.send_at, draft_at=decision.draft_at,
            **({"follow_up": thought.follow_up.kind, "follow_up_said": thought.follow_up.said} if thought.follow_up else {}))
        outcome = Outcome(decision.action, "; ".join(decision.reasons), triage.category, triage.confidence)
        if decision.action == "skip":
            _cancel(gathering.values())
            return outcome
        entry = policy.for_category(triage.category)
        levels = entry.action_levels()
        before = plan.before_writing(thought, entry.gather)
        started = gathering.pop(before.gather, None)
        _cancel(gathering.values())
        evidence = Evidence()
        if before.gather:
            evidence = self._gathered(snap, started or self._start_gather(snap, before.gather, trigger.body, early))
            log("gather", summary=f"{len(evidence.facts)} facts, {len(evidence.gaps)} gaps in {evidence.elapsed_ms:.0f} ms"
                + (", begun while thinking" if started else ""), gaps=[asdict(g) for g in evidence.gaps],
                facts=[asdict(f) for f in evidence.facts], while_thinking=started is not None)
        # Actions that must run before the note is written (the bug tracker link goes in it), and
        # those that wait for a person; the alerts that quote the note are recorded after it.
        link = self.helpdesk.ticket_link(ticket.id)
        proposals, not_proposed = self._propose(triage, evidence, ticket, levels)
        # the fixes the account's diagnoses call for come first: they name the exact charge and amount
        proposals, not_proposed = list(thought.proposals) + proposals, list(thought.declined) + not_proposed
        if before.files_bug:
            proposals += bug_report.proposal(triage.category, ticket, trigger.body, thought.bug, evidence, link, levels)
        proposals = actions.connected(proposals, self.gatherer.systems)
        ids = actions.record(self.db, ticket.platform, ticket.id, key, proposals)
        # before the note or reply that states their result: the bug's link, the invoice emailed again
        done = self._run_auto(key, log, only=("bug_file", "invoice_resend"))
        if decision.action == "send" and done.get("invoice_resend", "").startswith(("failed", "uncertain")):
            decision = replace(decision, action="draft",
                               reasons=(f"the reply says the invoice is emailed again, but: {done['invoice_resend']}",))
            thought = replace(thought, decision=decision)
        pending = tuple(f"#{i} {p.summary} — approve with `deskhand approve {i}`"
                        for i, p in zip(ids, proposals) if p.level == "approval")
        write = plan.the_write(thought, before, ticket, trigger.body, evidence, done, pending, not_proposed,
                               link, self.alert_channel, levels)
        if write.case is not None:
            audit.record_case_file(self.db, ticket.platform, ticket.id, triage.category, write.case, evidence)
        if write.after:
            actions.record(self.db, ticket.platform, ticket.id, key, actions.connected(write.after, self.gatherer.systems))
        update = write.update
        ledger.plan(self.db, key, ticket.platform, ticket.id, trigger.id, decision.action, json.dumps(update))
        if decision.action == "escalate":  # planned before the note, so a crash after it still sends it
            self._plan_hold(ticket, trigger, entry, triage, log)
        self._write(ticket, key, decision.action, update, log)
        self._run_auto(key, log)
        self._hold(ticket.platform, ticket.id, trigger.id, log)
        return outcome

    def _plan_hold(self, ticket: Ticket, trigger: Comment, entry, triage, log) -> None:
        """Plan the category's holding reply under its own ledger key (never the reply's: the real answer
        a person or Deskhand writes later is another write), checked like any reply."""
        text, why_not = holding.text(entry, triage.flags, triage.language, ticket)
        if not text:
            if why_not:
                log("hold", summary=f"no holding reply: {why_not}")
            return
        checked = check_reply(text, holding.sources(entry, triage.language),
                              internal_texts=[c.body for c in ticket.comments if not c.public],
                              canaries=list(self.rails.canaries), allowed_hosts=set(self.rails.allowed_hosts),
                              ai_label=self.rails.label(triage.language), requester_email=ticket.requester.email)
        if not checked.sendable:
            log("hold", summary="no holding reply: it did not pass the check", blocked=list(checked.blocked),
                unsupported=list(checked.unsupported), removed=list(checked.removed))
            return
        update = {"body": checked.text, "public": True, "add_tags": [holding.TAG], "group_name": ""}
        key = ledger.reply_key(ticket.platform, ticket.id, trigger.id, kind="holding")
        ledger.plan(self.db, key, ticket.platform, ticket.id, trigger.id, "hold", json.dumps(update))

    def _hold(self, platform: str, ticket_id: str, trigger_id: str, log) -> None:
        """Send the holding reply planned for this message, once: found on the ticket by its marker after a
        crash, and not sent at all once a person has replied in public (it would say what is no longer so)."""
        key = ledger.reply_key(platform, ticket_id, trigger_id, kind="holding")
        row = ledger.get(self.db, key)
        if row is None or row["state"] == "done":
            return
        ticket = self.helpdesk.snapshot(ticket_id).ticket  # the note just written changed the ticket
        if row["marker"] in ticket.tags:
            ledger.mark(self.db, key, "done", "found-on-ticket")
            return
        if ticket.status in guards.CLOSED or any(c.role == "agent" and c.public for c in ticket.comments):
            ledger.mark(self.db, key, "done", "superseded")
            log("hold", summary=f"no holding reply: the ticket is {ticket.status} or a person has replied in public")
            return
        self._write(ticket, key, "hold", json.loads(row["body"]), log)

    def _holding_of(self, ticket: Ticket):
        """Whether a comment on `ticket` is one of Deskhand's holding replies (by its planned text)."""
        texts = {_normalised(json.loads(r["body"]).get("body", "")) for r in self.db.query(
            "SELECT body FROM ledger WHERE platform = ? AND ticket_id = ? AND action = 'hold'",
            [ticket.platform, ticket.id])}
        return lambda c: c.role == "bot" and _normalised(c.body) in texts

    def _propose(self, triage, evidence: Evidence, ticket: Ticket,
                 levels: dict | None) -> tuple[list[action_plan.Proposal], list[str]]:
        """Actions the records support; none at all for a message that tried to instruct the system
        or may come from someone who took the account over."""
        if action_plan.UNTRUSTED_FLAGS & set(triage.flags) or not evidence.facts:
            return [], []
        email = ticket.requester.email
        refunds, why = [], []
        if self.gatherer.systems.billing is not None:  # else "no refundable charge" would mislead
            refunds, why = action_plan.refund(triage.category, evidence, email, self.caps,
                                              actions.refunds_in_30d(self.db, email), levels)
        return refunds + action_plan.crm_update(triage.category, triage, evidence, levels), why

    def _tell_done(self, event: TicketEvent, log) -> Outcome:
        """Tell the customer an approved action has been carried out: one public reply, under its own
        ledger key, so a retried or duplicated job finds it written (by the key, or by its marker on
        the ticket after a crash) and never writes it twice."""
        row = actions.get(self.db, int(event.comment_id))
        if row is None or row["status"] != "executed":
            return Outcome("skip", f"action {event.comment_id} has not been carried out")
        key = ledger.reply_key(event.platform, event.ticket_id, f"action-{row['id']}", kind="done")
        planned = ledger.get(self.db, key)
        if planned and planned["state"] == "done":
            return Outcome("skip", f"the customer was told of action {row['id']} already")
        ticket = self.helpdesk.snapshot(event.ticket_id).ticket
        if planned and planned["marker"] in ticket.tags:
            ledger.mark(self.db, key, "done", "found-on-ticket")
            return Outcome("send", "recovered after a crash")
        text = account_reply.done_sentence(json.loads(row["params"]), row["result"], row["action"])
        first = (ticket.requester.name or "").split(" ")[0] or "there"
        checked = check_reply(f"Hi {first},\n\n{text}", [Source(f"action:{row['id']}", text, "fact")],
                              internal_texts=[c.body for c in ticket.comments if not c.public],
                              canaries=list(self.rails.canaries), allowed_hosts=set(self.rails.allowed_hosts),
                              ai_label=self.rails.ai_label, requester_email=ticket.requester.email)
        if not checked.sendable:  # our own sentence from the record: a failure here is a bug, not a draft
            raise RuntimeError(f"the confirmation of action {row['id']} did not pass the check: {checked}")
        update = {"body": checked.text, "public": True, "add_tags": ["deskhand_action_done"], "group_name": ""}
        ledger.plan(self.db, key, ticket.platform, ticket.id, f"action-{row['id']}", "send", json.dumps(update))
        self._write(ticket, key, "send", update, log)
        return Outcome("send", f"told the customer {row['action']} {row['id']} was carried out")

    def _account(self, ticket: Ticket, early: dict, log) -> Account:
        """The requester's billing account for a reply from it, and what deciding on a refund needs. An
        account read here is the case file's billing too, should the reply escalate after all (`early`)."""
        email = ticket.requester.email
        found, gap = self.gatherer.billing_account(email)
        if gap is None:
            early["billing"] = found
        log("account", summary=f"billing account of {email}: " + (gap.reason if gap else "found" if found else "none"),
            found=found is not None, gap=gap.reason if gap else "")
        def quote(subscription_id: str, interval: str, starts: str):
            found_quote = self.gatherer.interval_quote(found, subscription_id, interval, starts)
            log("quote", summary=f"{subscription_id} at {interval}ly billing from {starts[:10]}: "
                + (found_quote if isinstance(found_quote, str) else
                   f"{found_quote.price.id}, next invoice {found_quote.preview.amount_due} "
                   f"{found_quote.preview.currency.upper()}"))
            return found_quote
        return Account(found, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), self.caps,
                       actions.refunds_in_30d(self.db, email), quote)

    def _run_auto(self, key: str, log, only: tuple[str, ...] | None = None) -> dict[str, str]:
        """Run this reply's automatic actions once each; a failure is logged, never fatal."""
        done = actions.run_auto(self.db, key, self.gatherer.systems, self.caps, only)
        if done:
            log("actions", summary="; ".join(f"{a}: {r}" for a, r in done.items()), results=done)
        return done

    def _start_gather(self, snap: Snapshot, plan: tuple[str, ...], message: str, early: dict) -> Gathering:
        """Context for the case file, every system at once. A failing lookup is a gap, never a crash.
        `early`: the billing account, when it was read for the reply."""
        def history() -> list[Fact]:
            ticket, found = snap.ticket, snap.history
            if found is None:
                found = self.helpdesk.requester_history(ticket.requester.id, exclude=ticket.id)
            return [Fact("helpdesk", f"#{t.id} {t.subject} — {t.outcome or t.status}, {t.created_at[:10]}"
                         + (f", {t.category}" if t.category else ""), self.helpdesk.ticket_link(t.id),
                         at=t.created_at, kind="history", system=self.helpdesk.display_name) for t in found]
        return self.gatherer.start(snap.ticket, plan, message, history, billing=early.get("billing", False))

    def _gathered(self, snap: Snapshot, gathering: Gathering) -> Evidence:
        evidence = gathering.evidence()
        # the account's churn risk from the last insights run (app/insights), for the case file
        risk = risks.for_ticket(self.db, snap.ticket.id, snap.ticket.requester.email)
        return replace(evidence, facts=evidence.facts + (risks.as_fact(risk),)) if risk else evidence

    def _write(self, ticket: Ticket, key: str, action: str, update: dict, log) -> None:
        marker = ledger.marker_tag(key)
        ledger.mark(self.db, key, "sending")
        remote = self.helpdesk.write(ticket.id, TicketUpdate(
            body=update["body"], public=bool(update["public"]),
            add_tags=tuple(update["add_tags"]) + (marker,), group_name=update["group_name"],
            priority=update.get("priority", ""),  # plans written before priorities existed have none
            status=update.get("status", ""),  # nor statuses
            expected_updated_at=ticket.updated_at))
        _crash_point("after_remote_write")
        ledger.mark(self.db, key, "done", remote)
        status = f", ticket {update['status']}" if update.get("status") else ""
        log("act", action=action, summary=f"{action} written ({'public reply' if update['public'] else 'internal note'}"
            f"{status})", remote_id=remote, marker=marker, public=bool(update["public"]), text=update["body"],
            status=update.get("status", ""))


# Zero-width and invisible characters (the Intercom connector's marker alphabet, BOM): a platform
# that keeps part of a stripped marker must not make the text compare unequal.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060-\u2064\ufeff]")


def _normalised(text: str) -> str:
    return " ".join(_INVISIBLE.sub("", text or "").split())


def _closing_is_planned(ticket: Ticket, row: dict | None) -> bool:
    """The ticket is solved or closed because the planned write itself began to solve it and did
    not finish: Intercom closes the conversation before the note that is the write's commit point
    (connectors/intercom.py), so a crash between the two leaves it closed without the note. Only
    then may a write resume on a closed ticket (DESIGN §7.4: never unless asked to)."""
    return bool(row) and ticket.status in guards.CLOSED and json.loads(row["body"]).get("status") == "solved"


def _planned_text_on_ticket(ticket: Ticket, trigger: Comment | None, planned_json: str) -> bool:
    """The planned write is on the ticket even though its marker is not: a comment by the bot,
    after the trigger, with the planned visibility and the planned text (whitespace normalised,
    since a helpdesk may re-wrap or re-render what it stores). Needed because the marker can be
    lost on the way: on Intercom it rides as zero-width characters in the part body, which
    Intercom may strip. Only the bot's own comments after the trigger count, so an agent quoting
    the draft, or the bot's answer to an earlier message, is never taken for this write."""
    if trigger is None or trigger not in ticket.comments:
        return False
    planned = json.loads(planned_json)
    want = _normalised(planned.get("body", ""))
    later = ticket.comments[ticket.comments.index(trigger) + 1:]
    return bool(want) and any(
        c.role == "bot" and c.public == bool(planned.get("public")) and _normalised(c.body) == want
        and not (c.created_at and trigger.created_at and c.created_at < trigger.created_at)
        for c in later)


def _cancel(gatherings) -> None:
    for unused in gatherings:
        unused.cancel()


def _crash_point(name: str) -> None:
    """Fault injection for the crash-recovery tests: die here, without cleanup, when asked."""
    if os.environ.get("DESKHAND_CRASH_AT") == name:
        os._exit(75)
