"""The `deskhand` command: bad input is one line and a non-zero exit, never a traceback."""
import json
import re

import pytest
from click.testing import CliRunner

from app.cli.main import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKHAND_DATA_DIR", str(tmp_path / "data"))

    def invoke(*args):
        result = CliRunner().invoke(main, list(args))
        assert "Traceback" not in result.output
        return result
    return invoke


def test_policy_set_show_export_import_round_trip(run, tmp_path):
    assert run("policy", "set", "billing", "--mode", "auto", "--send-at", "0.85").exit_code == 0
    shown = run("policy", "show")
    assert "billing" in shown.output and "auto" in shown.output
    exported = run("policy", "export").output
    assert json.loads(exported)["categories"]["billing"] == {
        "mode": "auto", "send_at": 0.85, "draft_at": 0.5, "escalate_to": "",
        "gather": ["history", "billing", "crm", "bugs"], "account_facts": False, "solve_on_confirmation": False,
        "holding_reply": False, "holding_reply_text": "", "holding_reply_hours": 0}
    assert "answers from account facts" in run("policy", "set", "billing", "--account-facts").output
    assert json.loads(run("policy", "export").output)["categories"]["billing"]["account_facts"] is True
    assert "account facts" in run("policy", "show").output
    assert "solves on confirmation" in run("policy", "set", "billing", "--solve-on-confirmation").output
    assert json.loads(run("policy", "export").output)["categories"]["billing"]["solve_on_confirmation"] is True
    assert run("policy", "set", "billing", "--gather", "history,billing").exit_code == 0
    assert json.loads(run("policy", "export").output)["categories"]["billing"]["gather"] == ["history", "billing"]
    assert "must be a list of history, billing, crm, bugs" in run("policy", "set", "x", "--gather", "tarot").output
    # action levels start from the category's defaults in code; one change keeps the others
    assert "refund=approval" in run("policy", "show").output
    assert run("policy", "set", "billing", "--action", "refund=never").exit_code == 0
    assert json.loads(run("policy", "export").output)["categories"]["billing"]["actions"] == {
        "crm_note": "auto", "invoice_resend": "auto", "refund": "never", "slack_alert": "auto",
        "subscription_change": "approval"}
    refused = run("policy", "set", "billing", "--action", "refund=auto")
    assert refused.exit_code != 0 and "refund can be at most 'approval'" in refused.output
    assert "holding reply on escalation" in run("policy", "set", "billing", "--holding-reply",
                                                "--holding-reply-hours", "4").output
    assert "holding reply (4 h)" in run("policy", "show").output
    promised = run("policy", "set", "billing", "--holding-reply-text", "We will refund you today.")
    assert promised.exit_code != 0 and "says what the policy does not" in promised.output
    assert json.loads(run("policy", "export").output)["categories"]["billing"]["holding_reply_text"] == ""
    path = tmp_path / "p.yaml"
    path.write_text("default: {mode: shadow}\n")
    assert run("policy", "import", str(path)).exit_code == 0
    assert json.loads(run("policy", "show", "--json").output) == {
        "default": {"mode": "shadow", "send_at": 0.9, "draft_at": 0.5, "escalate_to": "",
                    "gather": ["history", "billing", "crm", "bugs"], "account_facts": False,
                    "solve_on_confirmation": False, "holding_reply": False, "holding_reply_text": "",
                    "holding_reply_hours": 0}, "categories": {}}


@pytest.mark.parametrize("args,message", [
    (["policy", "set", "billing", "--send-at", "0.3", "--draft-at", "0.6"], "draft_at"),
    (["policy", "set", "billing"], "give at least one"),
    (["policy", "set", "billing", "--mode", "yolo"], "Invalid value"),
    (["policy", "set", "billing", "--action", "refund"], "write NAME=LEVEL"),
    (["policy", "set", "billing", "--action", "teleport=auto"], "unknown action 'teleport'"),
    (["train", "--history", "/nonexistent/history.jsonl"], "cannot read"),
    (["show", "12345"], "no record of ticket 12345"),
])
def test_bad_input_is_explained_with_a_non_zero_exit(run, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output


def test_train_reports_malformed_lines_and_refuses_one_category(run, tmp_path):
    good = [{"id": i, "subject": "s", "body": f"text {i} about {c}", "category": c}
            for i, c in enumerate(["billing", "login_2fa"] * 5)]
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in good) + "\n{broken\n")
    result = run("train", "--history", str(path))
    assert result.exit_code == 0, result.output
    assert "h.jsonl:11" in result.output and "trained model" in result.output
    single = tmp_path / "one.jsonl"
    single.write_text(json.dumps({"id": 1, "body": "x", "category": "billing"}) + "\n")
    result = run("train", "--history", str(single))
    assert result.exit_code == 1 and "at least two categories" in result.output


def test_bad_setting_is_explained(run, monkeypatch):
    monkeypatch.setenv("DESKHAND_LEASE_S", "soon")
    result = run("policy", "show")
    assert result.exit_code == 1 and "lease_s" in result.output and "must be a whole number" in result.output


def test_missing_config_file_is_explained(run):
    result = run("--config", "/nope.toml", "policy", "show")
    assert result.exit_code == 1 and "cannot read config file" in result.output


def test_kb_sync_status_and_search(run, tmp_path, monkeypatch):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "invoices.md").write_text("# Download invoices\n\nGo to Settings → Billing → Invoices.\n")
    (kb / "broken.md").write_text("---\ntitle: [oops\n---\n")
    monkeypatch.setenv("DESKHAND_KB_SOURCES", f"markdown:{kb}")
    result = run("kb", "sync")
    assert result.exit_code == 0, result.output
    assert "markdown: 1 added, 0 updated, 0 removed, 0 unchanged (1 passages embedded)" in result.output
    assert "skipped" in result.output and "broken.md" in result.output
    assert "1 articles" in run("kb", "status").output
    found = run("kb", "search", "where are my invoices")
    assert found.exit_code == 0 and "markdown:invoices#0  Download invoices" in found.output
    assert "answers only from a passage scoring 0.35 or more" in found.output
    assert "Go to Settings → Billing → Invoices." in found.output  # the passage's own text
    assert re.search(r"\d\.\d{3} \((answerable|too weak)\)", found.output)
    empty = run("kb", "search", "  ")
    assert empty.exit_code == 1 and "give the words to search for" in empty.output
    synced = json.loads(run("kb", "sync", "--json").output.splitlines()[0])
    assert synced["unchanged"] == 1 and synced["error"] == ""


def test_kb_sync_failure_is_explained_and_exits_non_zero(run, tmp_path, monkeypatch):
    monkeypatch.setenv("DESKHAND_KB_SOURCES", f"markdown:{tmp_path / 'nowhere'}")
    result = run("kb", "sync")
    assert result.exit_code == 1 and "does not exist" in result.output and "could not sync markdown" in result.output
    monkeypatch.setenv("DESKHAND_KB_SOURCES", "wiki")
    result = run("kb", "sync")
    assert result.exit_code == 1 and "'wiki' is not markdown:FOLDER, zendesk or intercom" in result.output
    assert "last error" in run("kb", "status").output
    assert run("kb", "search", "x").exit_code == 1


def test_approve_explains_what_it_cannot_do(run):
    result = run("approve", "41")
    assert result.exit_code == 1 and "no action 41" in result.output
    assert run("approve", "x").exit_code == 2  # not a number: click's usage error


REFUSAL = ("Error: refusing to start with the sandbox's public secrets against https://brightline.zendesk.com: "
           "set zendesk_webhook_secrets (DESKHAND_ZENDESK_WEBHOOK_SECRETS) and zendesk_token (DESKHAND_ZENDESK_TOKEN)"
           " to your own values (sandbox values are accepted only with a helpdesk on localhost)")


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["worker", "--once"]])
def test_serve_and_worker_refuse_the_sandbox_secrets_against_a_real_helpdesk(run, tmp_path, command):
    result = run(*command)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [REFUSAL]
    assert not (tmp_path / "data").exists()  # refused before anything was touched


def fake_waitress(monkeypatch) -> list:
    """waitress's server, built as `serve` builds it but never listening: what it was given, then "ran"."""
    served = []

    class Server:
        def run(self):
            served.append("ran")

    monkeypatch.setattr("waitress.create_server", lambda app, **kw: served.append(kw) or Server())
    return served


def test_the_refusal_names_only_what_is_left_to_set(run, monkeypatch):
    monkeypatch.setenv("DESKHAND_HELPDESK", "intercom")
    monkeypatch.setenv("DESKHAND_INTERCOM_TOKEN", "sandbox-intercom-token")
    result = run("serve")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "against https://api.intercom.io: set zendesk_webhook_secrets (DESKHAND_ZENDESK_WEBHOOK_SECRETS) " \
           "and intercom_token (DESKHAND_INTERCOM_TOKEN) to your own values" in result.output
    monkeypatch.setenv("DESKHAND_ZENDESK_WEBHOOK_SECRETS", "")
    monkeypatch.setenv("DESKHAND_INTERCOM_TOKEN", "a-real-token")
    served = fake_waitress(monkeypatch)
    assert run("serve").exit_code == 0 and served


@pytest.mark.parametrize("url", ["http://127.0.0.1:8025", "http://localhost:8025", "http://[::1]:8025"])
def test_serve_and_worker_start_on_the_sandbox_defaults_against_the_local_sandbox(run, monkeypatch, url):
    monkeypatch.setenv("DESKHAND_ZENDESK_URL", url)
    monkeypatch.setenv("DESKHAND_KB_SOURCES", "")
    for name in ("ZENPY_FORCE_NETLOC", "ZENPY_FORCE_SCHEME"):  # the connector sets them; put them back after
        monkeypatch.setenv(name, "")
    served = fake_waitress(monkeypatch)
    result = run("serve", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert served == [{"host": "127.0.0.1", "port": 8123, "threads": 8, "ident": "deskhand"}, "ran"]
    assert "refusing" not in result.output
    worker = run("worker", "--once")  # past the check: stops later, for want of a trained model
    assert "refusing" not in worker.output and "no trained model yet" in worker.output
