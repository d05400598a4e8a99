"""`deskhand demo`: the sandbox, the web app and a worker on loopback, the sample stream
played through real signed webhooks, and a table of what Deskhand did."""
from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from werkzeug.serving import make_server

import app.cli.demo_outcomes as demo_outcomes
from app.build import build_engine, build_helpdesk, build_systems, prepare_database
from app.cli.progress import Progress, StepsLine
from app.core.config import Settings
from app.pipeline.actions import awaiting_approval
from app.pipeline.gather import Gatherer
from app.pipeline.worker import Worker, wait_for_idle
from app.reasoning import sensitivity
from app.schedule.kb_sync import sync_all
from app.store import audit
from app.store.db import connect
from app.web.factory import create_app

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"
SECRET = "demo-signing-secret"
# the sample company's own sites, which its articles link to
COMPANY_HOSTS = "app.brightline.example,developers.brightline.example,status.brightline.example"
DONE = {"send": "sent", "draft": "drafted", "escalate": "escalated", "solve": "solved"}


def run_demo(data_dir: str | None = None, echo=print, timeout_s: float = 45.0, helpdesk: str = "zendesk",
             progress_stream=None) -> dict:
    """`progress_stream`: where the "tickets handled" line goes (one line updated in place on a
    terminal); None for none."""
    from sandbox import Sandbox
    from sandbox.vendors.serve import start as serve_vendors

    # The table at the end is the demo's output; per-request and per-job logs would drown it.
    for name in ("werkzeug", "deskhand"):
        logging.getLogger(name).setLevel(logging.WARNING)
    kept = data_dir is not None
    with ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="deskhand-demo-"))
        if helpdesk == "intercom":  # the same company as an Intercom workspace (sandbox/intercom_sandbox.py)
            from sandbox.intercom_sandbox import IntercomSandbox
            sb = IntercomSandbox.from_seed(client_secret=SECRET)
        else:
            sb = Sandbox.from_seed(signing_secret=SECRET)
        sb.start()
        stack.callback(sb.stop)
        vendors = serve_vendors(json.loads((COMPANY / "account.json").read_text(encoding="utf-8")))
        stack.callback(vendors.stop)
        settings = Settings(data_dir=data_dir, zendesk_url=sb.url, zendesk_webhook_secrets=SECRET,
                            history_file=str(COMPANY / "history.jsonl"),
                            policy_file=str(COMPANY / "policy.yaml"), allowed_link_hosts=COMPANY_HOSTS,
                            **vendors.settings)
        if helpdesk == "intercom":
            settings = settings.with_overrides(helpdesk="intercom", intercom_url=sb.url, intercom_token=sb.token,
                                               intercom_client_secret=SECRET)
        prepare_database(settings)
        web = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
        threading.Thread(target=web.serve_forever, daemon=True, name="deskhand-web").start()
        stack.callback(web.server_close)
        stack.callback(web.shutdown)
        deskhand_url = f"http://127.0.0.1:{web.server_port}"
        sb.webhook_url = f"{deskhand_url}/webhooks/{helpdesk}"
        echo(f"sandbox {helpdesk.capitalize()} on {sb.url}; Deskhand on {deskhand_url}; data in {data_dir}")

        helpdesk = build_helpdesk(settings)
        for report in sync_all(settings, helpdesk):
            echo(f"knowledge from {report.source}: {report.added} articles, {report.passages} passages")
        echo("training the classifier on the sample company's solved tickets…")
        gatherer = Gatherer(build_systems(settings))
        stack.callback(gatherer.close)
        worker = Worker(settings, helpdesk, build_engine(settings, connect(settings.db_path)), name="demo-worker",
                        gatherer=gatherer)
        # on a fresh machine the detector trains (a minute or two) before the first ticket, not inside it,
        # where it used the whole wait and the demo ended with every ticket pending
        line = StepsLine("training the sensitivity detector (once per version)", progress_stream) \
            if progress_stream else None
        sensitivity.load_or_train(progress=line)
        if line:
            line.close()
        worker.warm_up()
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True, name="deskhand-worker")
        thread.start()
        stack.callback(thread.join, 10)
        stack.callback(stop.set)

        played = sb.play()
        ids = [str(t["id"]) for t in played]
        echo(f"played {len(ids)} new tickets through signed webhooks; working…")
        progress = Progress(len(ids), "tickets handled", progress_stream, every_s=5) if progress_stream else None
        _wait(sb, settings, ids, timeout_s, progress)
        rows = [_outcome(worker.db, tid) for tid in ids]
        _print_table(rows, echo)
        _print_context(worker.db, echo)
        done = demo_outcomes.follow_up(sb, helpdesk, rows, lambda: demo_outcomes.settle(sb, settings))
        demo_outcomes.report(worker.db, done, echo)
        totals = _totals(rows)
        echo("totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
        if kept:
            echo(f"every decision's trace: DESKHAND_DATA_DIR={data_dir} deskhand show {ids[0]}")
        else:
            echo("the demo's data was in a temporary folder and is gone; to look at the traces afterwards, run "
                 f"`deskhand demo --data-dir DIR`, then `DESKHAND_DATA_DIR=DIR deskhand show {ids[0]}`")
        return totals


def _wait(sb, settings: Settings, ids: list[str], timeout_s: float, progress: Progress | None) -> None:
    deadline = time.monotonic() + timeout_s
    db = connect(settings.db_path)
    while time.monotonic() < deadline:
        sb.flush_webhooks(timeout=1)
        done = sum(1 for tid in ids if _outcome(db, tid)["action"] != "pending")
        if progress:
            progress.set(done)
        if done == len(ids) and wait_for_idle(settings, 1):
            break
        time.sleep(0.1)
    if progress:
        progress.close()
    db.conn.close()


def _outcome(db, ticket_id: str) -> dict:
    """What happened to a ticket, read back from the audit trail."""
    row = {"ticket": ticket_id, "category": "", "confidence": None, "action": "pending", "reason": ""}
    for step in audit.trail(db, ticket_id):
        detail = step["detail"]
        if step["step"] == "decide":
            row.update(category=detail.get("category") or "-", confidence=detail.get("confidence"),
                       action=detail["action"] if detail["action"] == "skip" else "pending",
                       reason="; ".join(detail.get("reasons", [])))
        elif step["step"] == "act":
            row["action"] = DONE[detail["action"]]
        elif step["step"] == "recover":
            row["action"] = DONE.get(detail.get("action", ""), row["action"])
        elif step["step"] == "guards" and row["action"] == "pending" and not row["reason"]:
            row.update(action="skip", reason=detail.get("summary", ""))
        elif step["step"] == "error" and row["action"] == "pending":
            row.update(action="error" if "dead" in detail.get("summary", "") else "pending",
                       reason=detail.get("summary", ""))
    if row["action"] == "skip":
        row["action"] = "skipped"
    return row


def _print_table(rows: list[dict], echo) -> None:
    echo("")
    echo(f"{'ticket':>6}  {'category':<18} {'conf':>5}  {'action':<9} reason")
    for r in rows:
        conf = f"{r['confidence']:.2f}" if r["confidence"] is not None else "  -"
        reason = r["reason"] if len(r["reason"]) <= 70 else r["reason"][:69] + "…"
        echo(f"{r['ticket']:>6}  {r['category'] or '-':<18} {conf:>5}  {r['action']:<9} {reason}")
    echo("")


def _print_context(db, echo) -> None:
    """What the escalations carried: completeness, actions awaiting approval, one case file in full."""
    cases = list(db["case_files"].rows)
    if not cases:
        return
    mean = sum(c["completeness"] for c in cases) / len(cases)
    pending = awaiting_approval(db)
    echo(f"case files: {len(cases)}, mean completeness {mean:.0%}; actions awaiting approval: {len(pending)}"
         + "".join(f"\n  #{a['id']} {a['summary']} (ticket {a['ticket_id']}) — `deskhand approve {a['id']}`"
                   for a in pending))
    from_account = [row[0] for row in db.execute(
        "SELECT ticket_id FROM audit WHERE step = 'compose' AND json_extract(detail, '$.writer') = 'account' "
        "ORDER BY id").fetchall()]
    if from_account:  # replies stating the customer's own billing records (policy account_facts)
        echo("answered from the customer's billing account: " + ", ".join(f"#{t}" for t in dict.fromkeys(from_account))
             + f" (e.g. `deskhand show {from_account[0]} --full`)")
    taken = db.execute("SELECT action, status, count(*) FROM pending_actions WHERE level = 'auto' "
                       "GROUP BY action, status ORDER BY action, status").fetchall()
    if taken:
        echo("actions taken on their own: " + ", ".join(f"{action} {status} {n}" for action, status, n in taken))
    example = next((c for c in cases if c["category"] == "refund_request"), cases[0])
    note = next((s["detail"]["text"] for s in audit.trail(db, example["ticket_id"]) if s["step"] == "act"), "")
    echo(f"\nthe case file Deskhand left on ticket {example['ticket_id']}:\n")
    echo("\n".join("    " + line for line in note.splitlines()))
    echo("")


def _totals(rows: list[dict]) -> dict:
    count = lambda a: sum(1 for r in rows if r["action"] == a)  # noqa: E731
    return {"processed": sum(1 for r in rows if r["action"] != "pending"), "sent": count("sent"),
            "drafted": count("drafted"), "escalated": count("escalated"), "skipped": count("skipped"),
            "errors": count("error") + count("pending")}
