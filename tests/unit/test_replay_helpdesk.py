"""`deskhand replay` end to end: solved tickets read from the sandbox helpdesk (or a file), the
worker's engine and policy in shadow, a report in JSON, a table and HTML — and nothing written."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import main
from app.reasoning import classifier
from app.reasoning.engine import models_dir, train_model
from app.reasoning.training_data import load_jsonl
from sandbox import Sandbox

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"


@pytest.fixture(scope="module")
def model():
    return train_model(load_jsonl(str(COMPANY / "history.jsonl"))[0][::2])  # half: quicker, enough


@pytest.fixture
def env(tmp_path, model, monkeypatch):
    data = tmp_path / "data"
    classifier.save(model, models_dir(str(data)))  # the worker's model, as `deskhand train` leaves it
    sb = Sandbox.from_seed(export_lag_s=0).start()
    for name, value in {"DATA_DIR": str(data), "ZENDESK_URL": sb.url, "BOT_USER_ID": str(sb.bot_user_id),
                        "POLICY_FILE": str(COMPANY / "policy.yaml"), "EXPORT_RATE_PER_MINUTE": "0",
                        "RATE_LIMIT_PER_MINUTE": "0"}.items():
        monkeypatch.setenv(f"DESKHAND_{name}", value)
    yield sb
    sb.stop()


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def test_replay_from_the_helpdesk_compares_with_the_team_and_writes_nothing(env, tmp_path):
    sb = env
    sb.generate(5, age_s=3600, mix=True)  # open tickets: not replayed
    html = tmp_path / "replay.html"
    # the sandbox's solved tickets are the history the model trained on: replayed only when asked
    unseen = json.loads(run("replay", "--since", "400d", "--limit", "60", "--auto", "--json").output.splitlines()[-1])
    trained = unseen["trained_on"]["in_training_history"]
    assert trained > 0 and unseen["trained_on"]["left_out"] == trained and unseen["n"] == 60 - trained
    result = run("replay", "--since", "400d", "--limit", "60", "--auto", "--json", "--html", str(html),
                 "--include-trained")
    assert result.exit_code == 0, result.output
    assert f"warning: {trained} of 60 tickets are in the model's training history" in result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["n"] == 60 and sum(report["actions"].values()) == 60
    # the sample team tags what it escalated, and every history ticket has an agent's reply
    assert report["humans"]["escalated"] > 0 and report["humans"]["replied"] > 0
    assert report["similarity"]["n"] > 0 and 0 < report["similarity"]["mean"] < 1
    assert report["accuracy"] > 0.8 and report["actions"].get("send", 0) > 0
    for row in report["per_category"].values():
        assert {"coverage", "precision", "sent", "drafted", "escalated", "proposed_send_at",
                "proposed_draft_at", "send_precision", "similarity"} <= set(row)
    assert {r["method"] for r in sb.requests} == {"GET"}  # read only
    paths = {r["path"].split("?")[0] for r in sb.requests}
    # comments came from the event export in bulk, not one read per ticket
    assert sum("/comments" in p for p in paths) < 10 and any("ticket_events" in p for p in paths)
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "What would have been sent" in page
    assert f"{trained} of 60 tickets are in the model's training history: their figures flatter it" in page
    assert f"A random sample of {len(report['examples'])} of the {report['sent_n']} replies" in page
    unplaced = 60 - sum(r["predicted"] for r in report["per_category"].values())
    assert f"<tr><td>(no category)</td><td>{unplaced}</td>" in page and "60 tickets: " in page
    table = run("replay", "--since", "400d", "--limit", "20")
    assert table.exit_code == 0 and "category" in table.output and "tickets replayed in shadow" in table.output
    assert "left out" in table.output and "withheld" in table.output  # 20 tickets: no threshold is proposed


def test_replay_from_a_file_and_bad_input_in_one_line(env, tmp_path):
    result = run("replay", "--file", str(COMPANY / "stream.jsonl"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["n"] == 40 and report["humans"]["escalated"] == 23
    assert report["policy"] == "in force" and report["actions"].get("send", 0) > 0  # the sample policy sends some
    for args, message in ((["replay"], "give one of --since"),
                          (["replay", "--since", "30d", "--file", "x.json"], "give one of --since"),
                          (["replay", "--since", "last week"], "not a duration"),
                          (["replay", "--file", str(tmp_path / "nope.json")], "cannot read"),
                          (["replay", "--file", str(COMPANY / "stream.jsonl"), "--html", "/no/such/dir/r.html"],
                           "does not exist"),
                          (["replay", "--file", str(COMPANY / "stream.jsonl"), "--target-precision", "2"],
                           "--target-precision")):
        bad = run(*args)
        assert bad.exit_code != 0 and message in bad.output, (args, bad.output)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("{broken\n")
    bad = run("replay", "--file", str(empty))
    assert bad.exit_code == 1 and "empty.jsonl:1" in bad.output and "no solved tickets to replay" in bad.output


def test_replay_from_intercom_reads_closed_conversations_and_writes_nothing(tmp_path, model, monkeypatch):
    from sandbox.intercom_sandbox import IntercomSandbox
    data = tmp_path / "data"
    classifier.save(model, models_dir(str(data)))
    sb = IntercomSandbox.from_seed().start()
    try:
        for name, value in {"DATA_DIR": str(data), "HELPDESK": "intercom", "INTERCOM_URL": sb.url,
                            "INTERCOM_TOKEN": sb.token, "POLICY_FILE": str(COMPANY / "policy.yaml")}.items():
            monkeypatch.setenv(f"DESKHAND_{name}", value)
        sb.play()
        for item in sb.stream[:30]:  # the team answered, labelled and closed these; the rest stay open
            cid = str(item["id"])
            sb.agent_reply(cid, f"Thanks for asking about {item['subject']} — here is what to do.")
            sb.store.tag(cid, sb.store.tag_named(f"cat_{item['category']}")["id"], sb.bot_user_id)
            if item.get("expect") == "escalate":
                sb.store.tag(cid, sb.store.tag_named("escalated")["id"], sb.bot_user_id)
            sb.set_status(cid, "closed")
        touched = str(sb.stream[0]["id"])  # Deskhand wrote here: not what people did
        sb.store.add_part(touched, "note", sb.store.admin_author(sb.bot_user_id), "Deskhand: draft")
        expected = sb.stream[1:30]
        requests_before = len(sb.requests)
        result = run("replay", "--since", "1d", "--category-tag-prefix", "cat_", "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output.strip().splitlines()[-1])
        assert report["n"] == 29 and sum(report["actions"].values()) == 29
        assert report["humans"]["escalated"] == sum(1 for i in expected if i.get("expect") == "escalate")
        assert report["humans"]["replied"] == 29 - report["humans"]["escalated"]
        assert report["accuracy"] > 0.7 and report["similarity"]["n"] > 0
        assert "read 30 conversations closed in the last 1d (31 API calls): 29 to replay, 1 already handled" \
            in result.output
        made = sb.requests[requests_before:]
        assert {(r["method"], r["path"] if r["method"] == "POST" else "") for r in made} <= {
            ("GET", ""), ("POST", "/conversations/search")}  # read only
    finally:
        sb.stop()
