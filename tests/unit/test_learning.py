"""Learning from the team: corrected categories change the next model, which becomes current only
when a held-back slice of recent tickets says it is at least as good; a worse one stays a candidate.
Small made-up histories (a model trains in a second or two)."""
from __future__ import annotations

import itertools
import json
import random

import pytest

from app.learning import history, registry
from app.learning.retrain import retrain
from app.learning.scores import Scores, at_least_as_good, score
from app.reasoning import classifier
from app.reasoning.engine import models_dir, train_model
from app.reasoning.training_data import LabelledTicket
from app.store.db import connect, migrate

OPENERS = ["Hi,", "Hello team,", "Good morning.", "Hey there,", "Quick question:", "Urgent:", ""]
CLOSERS = ["Thanks!", "Cheers", "Thank you in advance.", "Regards, Sam", "", "Please help."]
TOPICS = {
    "billing": ["I was charged twice on my card this month", "where can I download last month's invoice",
                "our payment failed and the subscription is past due", "can you send a receipt for the March charge",
                "the invoice shows the wrong company address", "why did the price on my bill go up"],
    "login": ["I cannot log in, the password reset email never arrives", "my account is locked after too many attempts",
              "the two-factor code from my phone is rejected", "I forgot my password and the reset link expired",
              "sign-in keeps saying invalid password", "I lost my phone with the authenticator app"],
    "data_export": ["how do I export the table to a CSV file", "the Excel download of my chart is empty",
                    "I need a full export of all workspace data", "the export button downloads a broken file",
                    "can I schedule a CSV export every week", "export to Excel cuts off after 1000 rows"],
    "sso": ["SAML single sign-on with Okta fails with an invalid assertion", "our Azure AD SSO login returns error 403",
            "after setting up SAML the identity provider redirect loops", "Okta SSO says the certificate is not valid",
            "single sign-on stopped working after we rotated the IdP certificate",
            "users provisioned through SCIM cannot sign in with SAML"],
}


def texts(topic: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    combos = list(itertools.product(OPENERS, TOPICS[topic], CLOSERS))
    rng.shuffle(combos)
    return [" ".join(part for part in combo if part) for combo in combos[:n]]


@pytest.fixture
def data(tmp_path):
    """A data dir whose current model learned billing, login and data_export from a history file."""
    lines = [{"id": f"{c}-{i}", "subject": "", "body": t, "category": c}
             for c in ("billing", "login", "data_export") for i, t in enumerate(texts(c, 10, seed=1))]
    history_file = tmp_path / "history.jsonl"
    history_file.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    tickets = [LabelledTicket(id=line["id"], subject="", body=line["body"], category=line["category"]) for line in lines]
    classifier.save(train_model(tickets), models_dir(str(tmp_path / "data")))
    db = connect(str(tmp_path / "data" / "deskhand.db"))
    migrate(db)
    return tmp_path / "data", history_file, db


def teach(db, topic: str, label: str, n: int, seed: int, start: int, source: str = "category_changed") -> None:
    for i, text in enumerate(texts(topic, n, seed)):
        history.add_correction(db, "zendesk", str(start + i), text, label, source, at=1000.0 + start + i)


def test_corrections_make_a_better_model_that_is_promoted_and_followed_by_the_worker(data):
    data_dir, history_file, db = data
    folder = models_dir(str(data_dir))
    old = classifier.load_current(folder)
    follower = registry.Follower(folder)
    sso = "Okta SAML single sign-on fails with an invalid assertion after the certificate change"
    assert old.predict(sso)[0][0] != "sso"  # it never heard of SSO
    teach(db, "sso", "sso", 24, seed=2, start=100)  # agents moved these tickets to a new category

    result = retrain(db, str(data_dir), str(history_file))

    assert result.status == "promoted", result.message
    evaluation = result.evaluation
    assert evaluation["held_back"] == 6 and evaluation["trained_on"] == 30 + 18
    assert evaluation["candidate"]["accuracy"] > evaluation["incumbent"]["accuracy"]
    new = classifier.load_current(folder)
    assert new.version == result.version != old.version and "sso" in new.categories
    assert new.predict(sso)[0][0] == "sso"
    # the worker serves the promoted model from its next job on
    from app.knowledge.search import KnowledgeIndex
    from app.reasoning.engine import Engine
    engine = Engine(old, KnowledgeIndex([]))
    assert follower.refresh(engine) and engine.model.version == new.version
    assert not follower.refresh(engine)  # nothing new: nothing reloaded
    listed = {v.version: v.status for v in registry.versions(folder)}
    assert listed == {new.version: "current", old.version: "previous"}
    assert registry.rollback(folder, "test").version == old.version
    assert classifier.load_current(folder).version == old.version


def test_a_worse_candidate_is_kept_as_a_candidate_and_the_current_model_stays(data):
    data_dir, history_file, db = data
    folder = models_dir(str(data_dir))
    old = classifier.load_current(folder)
    # someone filed a run of sign-in tickets under billing; the recent ones were labelled right
    teach(db, "login", "billing", 24, seed=3, start=100)
    teach(db, "login", "login", 8, seed=4, start=200)

    result = retrain(db, str(data_dir), str(history_file))

    assert result.status == "kept_as_candidate", result.message
    assert "accuracy" in result.message and result.evaluation["promoted"] is False
    assert result.evaluation["candidate"]["accuracy"] < result.evaluation["incumbent"]["accuracy"]
    assert classifier.load_current(folder).version == old.version
    statuses = {v.version: v.status for v in registry.versions(folder)}
    assert statuses == {old.version: "current", result.version: "candidate"}
    # an admin may still promote it by hand (the first letters of a version are enough), and roll back
    assert registry.promote(folder, result.version[:17], "admin", "by hand").version == result.version
    assert registry.rollback(folder, "admin").version == old.version


def test_too_few_new_tickets_train_nothing(data):
    data_dir, history_file, db = data
    assert retrain(db, str(data_dir), str(history_file)).status == "nothing_to_learn"
    teach(db, "sso", "sso", 4, seed=5, start=100)
    assert retrain(db, str(data_dir), str(history_file)).status == "too_few_to_judge"
    assert len(registry.versions(models_dir(str(data_dir)))) == 1


def test_a_correction_needs_a_message_a_category_and_a_known_source(data):
    _, _, db = data
    for bad in [("", "sso", "feedback"), ("text", " ", "feedback"), ("text", "sso", "guess")]:
        with pytest.raises(history.CorrectionError):
            history.add_correction(db, "zendesk", "1", *bad)
    history.add_correction(db, "zendesk", "1", "SSO broken", "login", "solved", at=1.0)
    history.add_correction(db, "zendesk", "1", "SSO broken", "sso", "category_changed", at=2.0)
    assert [(t.category, t.source) for t in history.taught(db)] == [("sso", "category_changed")]


def test_scores_reward_accuracy_coverage_and_calibration():
    sure_and_right = score([0.99, 0.98, 0.97, 0.6], [True, True, True, False])
    assert sure_and_right.accuracy == 0.75 and sure_and_right.coverage == 0.75
    overconfident = score([0.99, 0.99, 0.99, 0.99], [True, True, True, False])
    assert overconfident.brier > sure_and_right.brier and overconfident.ece > sure_and_right.ece
    assert at_least_as_good(sure_and_right, sure_and_right)[0]
    worse = Scores(4, 0.5, 0.5, 0.3, 0.2)
    ok, why = at_least_as_good(worse, sure_and_right)
    assert not ok and "accuracy" in why and "coverage" in why and "Brier" in why


def test_the_scheduled_retrain_runs_under_its_lease_and_promotes(data):
    from app.core.config import Settings
    from app.schedule import scheduler
    data_dir, history_file, db = data
    old = classifier.load_current(models_dir(str(data_dir)))
    teach(db, "sso", "sso", 24, seed=2, start=100)
    settings = Settings(data_dir=str(data_dir), history_file=str(history_file), sweep_minutes=0, kb_sync_minutes=0,
                        digest_cron="", retrain_cron="0 3 * * 0", outcomes_sweep_minutes=0)
    [spec] = scheduler.job_specs(settings)
    scheduler.guarded(settings, spec, "me:1")()
    assert db["schedule"].get("retrain")["last_status"] == "ok"
    assert classifier.load_current(models_dir(str(data_dir))).version != old.version


def test_deskhand_model_commands(data):
    from click.testing import CliRunner

    from app.cli.main import main
    data_dir, history_file, db = data
    env = {"DESKHAND_DATA_DIR": str(data_dir), "DESKHAND_HISTORY_FILE": str(history_file)}
    run = lambda *args: CliRunner().invoke(main, ["model", *args], env=env)  # noqa: E731
    old = classifier.load_current(models_dir(str(data_dir))).version
    assert run("rollback").exit_code == 1 and "nothing to roll back to" in run("rollback").output
    missing = run("promote", "20990101")
    assert missing.exit_code == 1 and "no model version '20990101'" in missing.output
    assert "too few" not in run("retrain").output and "taught nothing" in run("retrain").output
    teach(db, "sso", "sso", 24, seed=2, start=100)
    retrained = run("retrain")
    assert retrained.exit_code == 0 and "is current: at least as good" in retrained.output
    listed = run("list").output.splitlines()
    assert listed[0].split()[1] == "current" and "held-back 6: accuracy 100% (was 0%)" in listed[0]
    assert listed[1].split()[:2] == [old, "previous"]
    assert json.loads(run("list", "--json").output.splitlines()[0])["status"] == "current"
    assert run("rollback").output.strip() == f"model {old} is current again"
    assert run("promote", listed[0].split()[0]).output.startswith(f"model {listed[0].split()[0]} is current")


def test_outcomes_join_the_history_only_where_a_person_decided_the_category(tmp_path):
    from app.store import audit
    db = connect(str(tmp_path / "deskhand.db"))
    migrate(db)

    def ticket(tid: str, message: str, *outcomes: tuple) -> None:
        audit.record(db, "triage", platform="zendesk", ticket_id=tid, category="billing", message=message)
        for n, (kind, at, detail) in enumerate(outcomes):
            db["outcomes"].insert({"at": at, "platform": "zendesk", "ticket_id": tid, "key": f"{kind}{n}",
                                   "decision_id": 1, "category": "billing", "action": "send", "kind": kind,
                                   "value": None, "detail": json.dumps(detail)})
    ticket("1", "SAML login fails", ("category_changed", 10.0, {"from": "billing", "to": "sso"}), ("solved", 11.0, {}))
    ticket("2", "Refund my second charge", ("human_replied", 10.0, {}), ("solved", 12.0, {}))
    ticket("3", "Where is my invoice?", ("solved", 10.0, {}))  # Deskhand answered and closed it alone
    ticket("4", "Export is empty", ("human_replied", 10.0, {}), ("solved", 30.0, {}))
    history.add_correction(db, "zendesk", "4", "Export is empty", "data_export", "feedback", at=20.0)
    ticket("5", "", ("category_changed", 10.0, {"from": "billing", "to": "login"}))  # no message recorded
    assert history.learn_from_outcomes(db) == 2
    taught = {t.ticket_id: (t.category, t.source, t.at) for t in history.taught(db)}
    assert taught == {"1": ("sso", "category_changed", 10.0), "2": ("billing", "solved", 12.0),
                      "4": ("data_export", "feedback", 20.0)}  # a later solve does not undo a person's category
    assert history.learn_from_outcomes(db) == 0  # read again: nothing new
