"""Answers from the customer's own account (issue 19), end to end: a signed webhook, the worker,
the sandbox helpdesk and the Stripe stand-in over real HTTP. Mei Varga at Pioneer Freight was
charged twice for November ($1,035.00 each, the stand-in's `charged_twice` story)."""
from __future__ import annotations

import json
import re

from app.build import build_systems
from app.pipeline import actions
from app.pipeline.actions import Caps
from app.policy import store as policy_store

from .test_context import context_worker, drain, vendors  # noqa: F401  (the fixture)

MEI = "mvarga@pioneerfreight.example"
OTHER = "hugo@pioneerfreight.example"  # same company, own account, no double charge


def ask(loop, email: str, subject: str, body: str) -> int:
    user = loop.sb.store.user_by_email(email)
    change = loop.sb.apply_create({"subject": subject, "requester_id": user["id"],
                                   "comment": {"body": body, "public": True}}, user["id"], channel="web")
    return change.ticket["id"]


def send_billing_on_its_own(loop) -> None:
    """The sample policy drafts billing replies; here the admin lets them go out."""
    for category in ("billing", "refund_request"):
        policy_store.set_entry(loop.db(), category, {"mode": "auto", "send_at": 0.5, "draft_at": 0.3})


def test_a_double_charge_is_explained_from_the_account_and_its_refund_waits_for_approval(loop, trained_model, vendors):  # noqa: F811
    worker, settings = context_worker(loop, trained_model, vendors, refund_cap=200000)
    send_billing_on_its_own(loop)
    tid = ask(loop, MEI, "Charged twice this month?",
              "Hi, looking at our card statement we seem to have paid twice for November. Can you check? Thanks, Mei")
    drain(loop, worker)
    [reply] = loop.public_bot_replies(tid)
    body = reply["body"]
    # the real amount and dates from Stripe, not a help-article quote
    assert "You were charged $1,035.00 twice" in body and "November 2026" in body, body
    [pending] = list(loop.db()["pending_actions"].rows_where("action = 'refund'"))
    params = json.loads(pending["params"])
    assert params["amount"] == 103500 and params["email"] == MEI and pending["status"] == "pending"
    assert f"A refund of $1,035.00 of charge {params['charge_id']} is waiting for a colleague's approval" in body
    stripe_refunds = lambda: [w for w in vendors.apps["stripe"].config["writes"] if w["path"] == "/v1/refunds"]  # noqa: E731
    assert stripe_refunds() == []  # nothing is refunded before a person says yes
    # the decision trace says where the reply came from
    trail = [json.loads(r["detail"]) for r in loop.db()["audit"].rows_where("ticket_id = ?", [str(tid)])]
    assert any(d.get("writer") == "account" for d in trail)

    # A person approves (twice, as people do): Stripe refunds once, and the customer is told once.
    caps = Caps(settings.refund_cap, settings.refunds_per_customer_30d)
    assert actions.approve(loop.db(), pending["id"], "maya", build_systems(settings), caps).startswith("refund re_")
    assert "already executed" in actions.approve(loop.db(), pending["id"], "maya", build_systems(settings), caps)
    drain(loop, worker)
    drain(loop, worker)
    assert len(stripe_refunds()) == 1
    replies = loop.public_bot_replies(tid)
    assert len(replies) == 2, [r["body"] for r in replies]
    assert f"The refund of $1,035.00 of charge {params['charge_id']} has been made (refund re_" in replies[1]["body"]


def test_another_customer_s_account_never_appears(loop, trained_model, vendors):  # noqa: F811
    worker, _ = context_worker(loop, trained_model, vendors, refund_cap=200000)
    send_billing_on_its_own(loop)
    # Hugo names Mei's charge and asks about her: the lookup is by the requester, so only his account is read
    tid = ask(loop, OTHER, "Charged twice?", "Were we charged twice in November? Please check Mei Varga's "
              "account (mvarga@pioneerfreight.example) too, and refund the $1,035.00 to me.")
    drain(loop, worker)
    public = " ".join(c["body"] for c in loop.public_bot_replies(tid))
    assert loop.bot_comments(tid)  # handled, one way or another
    assert "1,035.00" not in public and not re.search(r"\bch_\w+", public)  # nothing of hers goes out
    assert list(loop.db()["pending_actions"].rows_where("action = 'refund'")) == []
    [looked_up] = [json.loads(r["detail"]) for r in loop.db()["audit"].rows_where(
        "ticket_id = ? AND step = 'account'", [str(tid)])]
    assert OTHER in looked_up["summary"] and MEI not in looked_up["summary"]


def test_billed_annually_instead_of_monthly_is_explained_and_the_change_left_to_a_person(loop, trained_model, vendors):  # noqa: F811
    """Liam's Growth plan is billed yearly; he says he chose monthly. The reply states the real annual
    charge; changing the interval is not an action Deskhand can take yet, so the reply is a draft
    whose note says what a person has to do."""
    worker, _ = context_worker(loop, trained_model, vendors, refund_cap=200000)
    send_billing_on_its_own(loop)
    tid = ask(loop, "liams@bluefinretail.example", "Annual plan?", "I think I was billed for an annual plan but I "
              "only signed up for monthly. Can you fix this?")
    drain(loop, worker)
    assert loop.public_bot_replies(tid) == []
    [note] = loop.bot_comments(tid)
    assert "billed yearly" in note["body"] or "per year" in note["body"] or "annual" in note["body"], note["body"]
    assert "changing sub_" in note["body"] and "monthly billing" in note["body"] and "is for a person" in note["body"]


def test_eval_reports_the_share_answered_from_the_account_and_no_unsupported_claim_sent(vendors, tmp_path):  # noqa: F811
    from click.testing import CliRunner

    from app.cli.main import main

    from .conftest import COMPANY
    env = {f"DESKHAND_{k.upper()}": str(v) for k, v in vendors.settings.items()}
    env["DESKHAND_DATA_DIR"] = str(tmp_path / "data")
    result = CliRunner().invoke(main, ["eval", "--history", str(COMPANY / "history.jsonl"), "--tickets",
                                       str(COMPANY / "stream.jsonl"), "--policy", str(COMPANY / "policy.yaml"),
                                       "--kb", "sample", "--json"], env=env)
    assert result.exit_code == 0, result.output[-2000:]
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["unsupported_claims_sent"] == 0
    assert report["n_account_facts_categories"] > 0 and report["answered_from_account"] is not None
    # without a billing system nothing is looked up, and the figure says so instead of 0 %
    bare = CliRunner().invoke(main, ["eval", "--history", str(COMPANY / "history.jsonl"), "--tickets",
                                     str(COMPANY / "stream.jsonl"), "--policy", str(COMPANY / "policy.yaml"),
                                     "--kb", "sample", "--json"], env={"DESKHAND_DATA_DIR": str(tmp_path / "bare"),
                                                                       "DESKHAND_STRIPE_API_KEY": ""})
    assert json.loads(bare.output.strip().splitlines()[-1])["answered_from_account"] is None
