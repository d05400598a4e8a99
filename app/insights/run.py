"""One insights run, strung to I/O: read the tickets (the sample company's files or the helpdesk's
export), ask billing and the CRM what the analysis needs, analyse, and — when asked — file the
recurring errors, write the risk scores to the CRM and keep the report for the admin pages."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, replace

from app.insights import bug_sync, costs, records, risk_store
from app.insights.analyse import BASELINE_S, Findings, analyse
from app.insights.records import Account, InsightsError, TicketRecord
from app.insights.recurring import example_vectors
from app.insights.report import as_dict
from app.insights.vectors import embed
from app.outcomes import measures
from app.outcomes import store as outcome_store


@dataclass
class Run:
    findings: Findings
    report: dict
    filed: list
    crm: list


def helpdesk_tickets(export, helpdesk, start: float, bot_id: str = "") -> list[TicketRecord]:
    """Tickets created after `start`, from the helpdesk's incremental export (its first message is the
    ticket's description, so no comment is read); a ticket exported twice keeps its last copy."""
    found: dict[str, TicketRecord] = {}
    cursor = ""
    while True:
        page = export.ticket_page(start_time=None if cursor else int(start), cursor=cursor, include_users=True)
        for raw in page.tickets:
            created = records.parse_time(raw.get("created_at") or 0)
            requester = page.users.get(int(raw.get("requester_id") or 0)) or {}
            if created <= start or str(raw.get("requester_id")) == bot_id or not raw.get("description"):
                continue
            found[str(raw["id"])] = TicketRecord(
                id=str(raw["id"]), subject=str(raw.get("subject") or ""), body=str(raw["description"]),
                created_at=created, requester=str(requester.get("email") or "").lower(),
                account=str(raw.get("organization_id") or ""), link=helpdesk.ticket_link(str(raw["id"])))
        if page.end_of_stream or not page.tickets or not page.after_cursor:
            return sorted(found.values(), key=lambda t: t.created_at)
        cursor = page.after_cursor


MAX_BASELINE = 1500  # baseline tickets encoded at most: a rate needs a sample, not every ticket


def baseline_sample(baseline: list[TicketRecord], most: int = MAX_BASELINE) -> tuple[list[TicketRecord], float]:
    """An even, deterministic sample of the baseline (by a hash of each ticket's id, so the same
    tickets are kept run after run) and how many tickets each one kept stands for."""
    if len(baseline) <= most:
        return baseline, 1.0
    kept = sorted(baseline, key=lambda t: hashlib.sha256(t.id.encode()).digest())[:most]
    return sorted(kept, key=lambda t: t.created_at), len(baseline) / most


def crm_accounts(tickets: list[TicketRecord], known: dict[str, Account], crm) -> dict[str, Account]:
    """Each account's name, plan and ARR from the CRM (its company, through one of its requesters),
    falling back to what the helpdesk knows."""
    found = dict(known)
    if crm is None:
        return found
    asked = set()
    for t in tickets:
        if not t.account or t.account in asked or not t.requester:
            continue
        asked.add(t.account)
        record = crm.contact(t.requester)
        if record is not None and (record.arr or record.plan_tier):
            old = known.get(t.account) or Account(t.account, t.account)
            found[t.account] = Account(t.account, record.company or old.name, record.plan_tier or old.plan,
                                       float(record.arr if record.arr is not None else old.arr))
    return found


def run(db, systems, tickets: list[TicketRecord], accounts: dict[str, Account], now: float, since_s: float,
        *, platform: str = "", helpdesk=None, file_bugs: bool = False, crm_level: str = "never",
        resolution: dict[str, float] | None = None, keep: bool = True) -> Run:
    """Analyse; then, with a database: file/update bugs (with `file_bugs`, when Linear is connected),
    write the scores to the CRM (`crm_level` auto), keep the accounts at risk and the report."""
    if since_s <= 0:
        raise InsightsError("--since must be a positive number of days")
    start = now - since_s - BASELINE_S
    relevant = [t for t in tickets if start < t.created_at <= now]
    in_window = [t for t in relevant if t.created_at > now - since_s]
    sampled, weight = baseline_sample([t for t in relevant if t.created_at <= now - since_s])
    vectors = embed(in_window + sampled)
    try:
        accounts = crm_accounts(in_window, accounts, systems.crm)
        crm_gap = ""
    except Exception as exc:  # noqa: BLE001 - a failing CRM is a gap in the report, never a crash
        crm_gap = f"CRM accounts: {exc}"

    def billing(emails):
        return [a for a in (systems.billing.account(e) for e in emails) if a is not None]

    def crm_plan(email):
        record = systems.crm.contact(email)
        return record.plan_tier if record else ""
    findings = analyse(in_window + sampled, vectors, accounts, now, since_s, examples=example_vectors(),
                       billing=billing if systems.billing else None, crm_plan=crm_plan if systems.crm else None,
                       baseline_weight=weight, everything=relevant)
    if crm_gap:
        findings = replace(findings, gaps=findings.gaps + (crm_gap,))
    filed, crm = [], []
    plans = {a: acct.plan for a, acct in accounts.items()}
    if db is not None:
        if file_bugs and systems.bugs is not None and helpdesk is not None:
            filed = bug_sync.sync(db, list(findings.errors), systems.bugs, helpdesk, plans, findings.links, platform)
        if crm_level != "never" and systems.crm is not None:
            emails = {r.account: sorted({t.requester for t in in_window if t.account == r.account and t.requester})
                      for r in findings.risks}
            crm = risk_store.write_crm(db, list(findings.risks), systems.crm, emails, crm_level)
        if keep:
            risk_store.keep(db, list(findings.risks))
    issues = {e.key: bug_sync.issue_for(db, e) for e in findings.errors} if db is not None else {}
    cost_rows = []
    if db is not None:
        since = now - since_s
        if resolution is None:
            resolution = resolution_by_category(db, now, since_s)
        cost_rows = costs.per_category(costs.read_audit(db, since), costs.job_spans(db, since), resolution)
    report = as_dict(findings, cost_rows, issues)
    if db is not None and keep:
        db["insight_reports"].insert({"at": time.time(), "since_s": since_s, "report": json.dumps(report)})
    return Run(findings, report, filed, crm)


def resolution_by_category(db, now: float, since_s: float) -> dict[str, float]:
    """Each category's autonomous resolution over the window's settled tickets (app/outcomes: solved
    with no person's reply and not reopened within the window); a category with none settled is left
    out, and shows "—"."""
    figures = measures.performance(outcome_store.results(db, now, since_s / 86400))["categories"]
    return {c: f["resolution"]["rate"] for c, f in figures.items() if f["resolution"]["n"]}


def sample_now() -> float:
    """The sample company's "today": the end of its stream (the stand-ins bill nothing after it)."""
    return records.parse_time("2026-11-15T13:00:00Z")

