"""Insights over the sample company: each planted signal is found from the tickets' text (the
planted labels never reach the analysis), noise raises nothing, and a recurring error makes exactly
one Linear issue however many tickets arrive and runs happen, with one note per linked ticket.
Real HTTP to the sandbox helpdesk and the vendor stand-ins."""
from __future__ import annotations

import json
import shutil

import pytest

from app.build import build_systems, prepare_database
from app.core.config import Settings
from app.helpdesks.zendesk import build_export
from app.insights import records
from app.insights.run import helpdesk_tickets, run, sample_now
from app.store.db import connect
from sandbox import Sandbox
from sandbox.seed import load_history
from sandbox.vendors import serve

COMPANY = records.COMPANY
DAY = 86400


def planted(kind: str) -> set[str]:
    return {str(r["id"]) for r in records.read_jsonl(COMPANY / "signals.jsonl") if r["plant"] == kind}


@pytest.fixture(scope="module")
def vendors():
    started = serve.start(json.loads((COMPANY / "account.json").read_text()))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def sample(vendors, tmp_path_factory):
    settings = Settings(data_dir=str(tmp_path_factory.mktemp("insights")), **vendors.settings)
    prepare_database(settings)
    tickets, accounts = records.load_company()
    db = connect(settings.db_path)
    result = run(db, build_systems(settings), tickets, accounts, sample_now(), 14 * DAY, crm_level="auto")
    return result, db, vendors


def test_the_planted_trend_is_found_with_its_tier(sample):
    result, _, _ = sample
    (trend,) = result.findings.trends
    found = set(trend.topic.tickets)
    assert len(found & planted("trend")) >= 8, trend
    assert len(found - planted("trend")) <= 2  # a real customer asking why the invoice went up may join it
    assert trend.plans[0][0] == "growth" and trend.plans[0][1] >= 8  # the tier, from HubSpot
    assert trend.topic.expected < 2 and trend.topic.count >= 3 * (trend.topic.expected + 1)
    assert {"growth", "price"} <= set(trend.topic.name.split(" · ")) or "seat" in trend.topic.name


def test_the_planted_account_at_risk_is_found_with_why(sample):
    result, db, vendors = sample
    names = [r.name for r in result.findings.risks]
    assert names == ["Harborview Hotels"], result.findings.risks
    (risk,) = result.findings.risks
    assert planted("churn") <= set(risk.tickets)
    why = " ".join(risk.reasons)
    assert "3 frustrated tickets" in why and "failed payment" in why and "downgrade" in why  # Stripe stand-in
    assert risk.arr == 141000 and risk.score >= 0.6
    # written to the CRM, with an audit entry per contact, once per value
    writes = [w for w in vendors.apps["hubspot"].config["writes"] if w["method"] == "PATCH"]
    assert writes and all(w["body"]["properties"]["deskhand_churn_score"].startswith(f"{risk.score:.2f}")
                          for w in writes)
    audited = [r for r in db["audit"].rows_where("step = 'insight'") if "deskhand_churn_score" in r["detail"]]
    assert len(audited) == len(writes)
    stored = db["insight_risks"].get(risk.account)
    assert stored["score"] == risk.score and json.loads(stored["reasons"]) == list(risk.reasons)


def test_the_planted_recurring_error_is_one_group_in_every_language(sample):
    result, _, _ = sample
    (error,) = result.findings.errors
    assert set(error.tickets) == planted("bug")  # English, Spanish, German; one without the code upper-cased
    assert error.codes[0] == "ERR_PDF_RENDER_TIMEOUT"
    # and it is not reported a second time as a rising topic
    assert not any(set(t.topic.tickets) & planted("bug") for t in result.findings.trends)


def test_noise_raises_nothing(sample):
    result, _, _ = sample
    f = result.findings
    flagged = {i for t in f.trends for i in t.topic.tickets} | {i for e in f.errors for i in e.tickets}
    flagged |= {i for r in f.risks for i in r.tickets}
    assert not flagged & planted("noise")
    # the one-off error code and the one angry ticket stay single tickets
    assert all("ERR_FONT_FALLBACK" not in e.codes for e in f.errors)
    assert "Maple Street Bakery" not in [r.name for r in f.risks]


def test_the_report_links_every_line_to_its_tickets(sample):
    result, _, _ = sample
    report = result.report
    for section in ("rising_topics", "accounts_at_risk", "recurring_errors"):
        assert report[section] and all(t["link"].startswith("https://brightline.zendesk.com/agent/tickets/")
                                       for line in report[section] for t in line["tickets"])
    assert report["resolution_note"].startswith("resolution: —")


# -- one Linear issue, however many tickets and runs ---------------------------------------------------

@pytest.fixture
def fresh_vendors():
    """Stand-ins of this test's own: Linear must start without the issue another test filed."""
    started = serve.start(json.loads((COMPANY / "account.json").read_text()))
    yield started
    started.stop()


@pytest.fixture
def helpdesk_with_signals(tmp_path, fresh_vendors):
    seed = tmp_path / "seed"
    seed.mkdir()
    shutil.copy(COMPANY / "account.json", seed / "account.json")
    shutil.copy(COMPANY / "signals.jsonl", seed / "history.jsonl")
    sb = Sandbox.from_seed(seed, export_lag_s=0).start()
    settings = Settings(data_dir=str(tmp_path / "data"), zendesk_url=sb.url, **fresh_vendors.settings)
    prepare_database(settings)
    try:
        yield sb, settings
    finally:
        sb.stop()


def _run(settings):
    export, helpdesk = build_export(settings)
    now = sample_now()
    tickets = helpdesk_tickets(export, helpdesk, now - 70 * DAY, helpdesk.bot_user_id())
    return run(connect(settings.db_path), build_systems(settings), tickets, {}, now, 14 * DAY,
               platform="zendesk", helpdesk=helpdesk, file_bugs=True)


def test_a_recurring_error_files_one_issue_and_keeps_its_count(helpdesk_with_signals, fresh_vendors):
    vendors = fresh_vendors
    sb, settings = helpdesk_with_signals
    writes = vendors.apps["linear"].config["writes"]
    bot = int(sb.bot_user_id)

    def notes(tid):
        return [c for c in sb.comments(int(tid)) if c["author_id"] == bot and not c["public"]]
    first = _run(settings)
    second = _run(settings)
    creates = [w for w in writes if w["operation"] == "issueCreate"]
    assert len(creates) == 1 and not [w for w in writes if w["operation"] == "commentCreate"]
    description = creates[0]["input"]["description"]
    assert "**Customer reports:** 8" in description and "**Affected plans:**" in description
    assert all(f"/agent/tickets/{t}" in description for t in planted("bug"))
    issue = first.report["recurring_errors"][0]["issue"]
    assert issue and second.report["recurring_errors"][0]["issue"] == issue
    assert all(len(notes(t)) == 1 and issue.split()[1] in notes(t)[0]["body"] for t in planted("bug"))
    # three more customers hit it, and two more runs happen
    more = [{"id": 3050 + n, "subject": subject, "body": body, "organization_id": org,
             "requester": {"id": uid, "email": email, "name": name}, "created_at": "2026-11-15T09:0%dZ" % n}
            for n, (subject, body, org, uid, email, name) in enumerate([
                ("PDF export", "Still ERR_PDF_RENDER_TIMEOUT on our board exports.", 362000000002, 361000000017,
                 "jamal.tanaka@kestrelfoods.example", "Jamal Tanaka"),
                ("Export", "exporting the sales dashboard to pdf: ERR_PDF_RENDER_TIMEOUT", 362000000013,
                 361000000062, "chloe_bennett@harborviewhotels.example", "Chloe Bennett"),
                ("Erreur PDF", "L'export PDF échoue : ERR_PDF_RENDER_TIMEOUT.", 362000000011, 361000000053,
                 "okim@vertexrobotics.example", "Omar Kim")])]
    load_history(sb.store, more)
    third = _run(settings)
    _run(settings)
    assert len([w for w in writes if w["operation"] == "issueCreate"]) == 1
    (comment,) = [w for w in writes if w["operation"] == "commentCreate"]
    assert "Now 11 customer reports" in comment["input"]["body"] and "(was 8)" in comment["input"]["body"]
    assert third.report["recurring_errors"][0]["count"] == 11
    assert all(len(notes(t)) == 1 for t in planted("bug") | {"3050", "3051", "3052"})


def test_the_daily_digest_goes_to_slack_with_every_line_linked(helpdesk_with_signals, fresh_vendors):
    vendors = fresh_vendors
    from app.insights.digest import daily
    from app.insights.report import latest
    sb, settings = helpdesk_with_signals
    posts = vendors.apps["slack"].config["writes"]
    before = len(posts)
    daily(settings, now=sample_now())
    (post,) = posts[before:]
    text = post["text"]
    assert "Rising: *growth" in text and "At risk: *Harborview Hotels*" in text
    assert "Recurring error: *ERR_PDF_RENDER_TIMEOUT" in text and "/agent/tickets/3040|#3040>" in text
    stored = latest(connect(settings.db_path))
    assert stored["recurring_errors"][0]["issue"] and stored["accounts_at_risk"][0]["name"] == "Harborview Hotels"


def test_a_crash_between_a_write_and_its_record_writes_nothing_twice(helpdesk_with_signals, fresh_vendors):
    vendors = fresh_vendors
    sb, settings = helpdesk_with_signals
    writes = vendors.apps["linear"].config["writes"]
    bot = int(sb.bot_user_id)
    _run(settings)
    db = connect(settings.db_path)
    # the issue was created but its row not moved on; a note was written but its ledger row not marked
    db.execute("UPDATE insight_errors SET state = 'planned'")
    db.execute("UPDATE ledger SET state = 'sending' WHERE ticket_id = '3041'")
    again = _run(settings)
    assert len([w for w in writes if w["operation"] == "issueCreate"]) == 1  # Linear's create found it by title
    assert again.report["recurring_errors"][0]["issue"]
    assert len([c for c in sb.comments(3041) if c["author_id"] == bot and not c["public"]]) == 1  # its marker
    (row,) = connect(settings.db_path)["ledger"].rows_where("ticket_id = ?", ["3041"])
    assert row["state"] == "done" and row["remote_id"] == "found-on-ticket"
