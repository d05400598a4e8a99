"""`deskhand eval` on the sample company: the JSON report and its bad-input handling."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import main
from tests.fakes.openai_server import FakeOpenAI

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"
# what eval reports, on a model trained on the same history in each test: trained once (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("train_each_history_once")
ARGS = ["eval", "--history", str(COMPANY / "history.jsonl"), "--tickets", str(COMPANY / "stream.jsonl"),
        "--policy", str(COMPANY / "policy.yaml"), "--json"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """eval keeps its figures in the data dir's database: a temporary one, not the checkout's var/."""
    monkeypatch.setenv("DESKHAND_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_eval_json_report_has_every_figure_the_issue_names(data_dir):
    result = run(*ARGS)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    for key in ("n", "accuracy", "macro_f1", "ece", "coverage_at_precision", "oos_recall_at_precision",
                "escalation_recall", "escalation_precision", "actions", "per_category"):
        assert key in report, key
    assert set(report["coverage_at_precision"]) == {"0.95", "0.97", "0.99"}
    assert report["n"] == 40 and report["n_out_of_scope"] == 3
    assert sum(report["actions"].values()) == 40
    # Every ticket the team escalated is escalated here too (the permissive-policy test below shows
    # it is not the policy's doing), and nearly nothing the team answered is.
    assert report["escalation_recall"] == 1.0 and report["escalation_precision"] >= 0.9
    assert report["escalations_missed"] == []
    # kept for the admin views, in the configured data dir
    from app.store.db import connect
    [saved] = list(connect(str(data_dir / "deskhand.db"))["eval_runs"].rows)
    assert saved["n"] == 40 and json.loads(saved["per_category"]) == report["per_category"]
    row = report["per_category"]["login_2fa"]
    assert set(row) == {"volume", "predicted", "precision", "precision_ci", "recall", "proposed_send_at",
                        "proposed_draft_at", "proposal_sample", "proposal_precision_ci", "withheld"}
    # 40 tickets over 12 categories: no category has the sample a threshold needs, and each says so
    assert row["proposed_send_at"] is None and row["withheld"].endswith("a proposal needs 30")
    assert report["left_out_as_trained_on"] == 0


def test_a_permissive_policy_still_escalates_every_ticket_a_person_must_handle(tmp_path):
    """Every category `auto` with thresholds 0: only the detectors and checks stand between a ticket
    and a public reply, and each of the 23 tickets the team escalated still goes to a person."""
    policy = tmp_path / "permissive.yaml"
    policy.write_text("default:\n  mode: auto\n  send_at: 0\n  draft_at: 0\n", encoding="utf-8")
    args = [a if a != str(COMPANY / "policy.yaml") else str(policy) for a in ARGS]
    result = run(*args, "--kb", "sample")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["escalation_recall"] == 1.0, report["escalations_missed"]
    assert report["actions"].get("send", 0) >= 10  # and it still answers the plain questions


def test_eval_with_the_llm_engine_records_tokens_and_escalates_failures():
    with FakeOpenAI() as fake:
        fake.default = lambda body: ("text", "not json at all")
        result = run(*ARGS, "--engine", "llm", env={"DESKHAND_LLM_BASE_URL": fake.base_url,
                                                    "DESKHAND_LLM_RETRIES": "0"})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["actions"] == {"escalate": 40}
    assert report["llm_tokens"] == 40 * 150


def small_history(tmp_path, n=240):
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join((COMPANY / "history.jsonl").read_text().splitlines()[:n]) + "\n")
    return path


def test_malformed_lines_are_reported_or_fail_the_run_with_strict(tmp_path):
    bad = tmp_path / "t.jsonl"
    lines = (COMPANY / "stream.jsonl").read_text().splitlines()[:5]
    bad.write_text("\n".join(lines[:2] + ["{oops"] + lines[2:]) + "\n")
    args = ["eval", "--history", str(small_history(tmp_path)), "--tickets", str(bad)]
    lenient = run(*args)
    assert lenient.exit_code == 0 and "t.jsonl:3" in lenient.output
    strict = run(*args, "--strict")
    assert strict.exit_code == 1 and "t.jsonl:3" in strict.output and "Traceback" not in strict.output


def test_zendesk_export_with_category_field(tmp_path):
    tickets = [json.loads(line) for line in small_history(tmp_path).read_text().splitlines()]
    export = {"tickets": [{"id": t["id"], "subject": t["subject"], "description": t["body"], "tags": [],
                           "custom_fields": [{"id": 360001, "value": t["category"]}]} for t in tickets]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    result = run("eval", "--history", str(path), "--tickets", str(path), "--category-field", "360001", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    # all 240 are read; those the model trained on (the labelled ones) are left out of the figures
    assert report["n"] + report["left_out_as_trained_on"] == 240 and report["left_out_as_trained_on"] > 200
    assert f"left out {report['left_out_as_trained_on']} tickets of {path} that are also in {path}" in result.output


def test_eval_with_a_knowledge_base_reports_grounding_figures():
    result = run(*ARGS, "--kb", str(COMPANY / "kb"), env={"DESKHAND_ALLOWED_LINK_HOSTS": "app.brightline.example"})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["unsupported_claims_sent"] == 0
    assert report["n_with_gold_article"] == 16 and report["retrieval_hit_at_1"] >= 0.9
    assert report["answer_rate"] == round(report["actions"].get("send", 0) / 40, 4) > 0.1


def test_eval_kb_that_is_not_a_source_is_a_clear_error(tmp_path):
    result = run(*ARGS, "--kb", str(tmp_path / "missing"))
    assert result.exit_code != 0 and "is not a folder, 'sample', 'zendesk' or 'intercom'" in result.output
    result = run(*ARGS, "--kb", str(tmp_path))  # a folder with no articles in it
    assert result.exit_code != 0 and "holds no published articles" in result.output
    assert "Traceback" not in result.output
