"""Category names are checked against the trained model wherever a policy is set: the CLI, a policy
file's import, /admin and the Zendesk app. A typo is refused with the closest name, never stored to
sit unused while its category quietly runs on the default."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import main
from app.core.domain import CategoryPolicy, Policy
from app.policy.schema import PolicyError, changes, check_categories
from app.reasoning import model_card

HISTORY = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "history.jsonl"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A data dir with a model trained by `deskhand train` on three of the sample company's categories."""
    folder = tmp_path_factory.mktemp("trained")
    rows = [line for line in HISTORY.read_text().splitlines()
            if json.loads(line).get("category") in ("billing", "bug_report", "login_2fa")][::4]
    (folder / "history.jsonl").write_text("\n".join(rows))
    result = CliRunner().invoke(main, ["train", "--history", str(folder / "history.jsonl")],
                                env={"DESKHAND_DATA_DIR": str(folder / "data")})
    assert result.exit_code == 0, result.output
    return folder / "data"


@pytest.fixture
def run(trained):
    def invoke(*args):
        result = CliRunner().invoke(main, list(args), env={"DESKHAND_DATA_DIR": str(trained)})
        assert "Traceback" not in result.output
        return result
    return invoke


def volumes(trained) -> dict:
    labels = [json.loads(line)["category"] for line in (trained.parent / "history.jsonl").read_text().splitlines()]
    return {c: labels.count(c) for c in set(labels)}


def test_training_writes_a_card_with_each_category_and_its_volume(trained):
    card = model_card.read(str(trained))
    assert card["categories"] == volumes(trained) and card["n_train"] == sum(volumes(trained).values()) == 75


def test_deskhand_categories_lists_them_with_volumes_and_modes(run, trained):
    assert run("policy", "set", "billing", "--mode", "auto").exit_code == 0
    shown = run("categories").output
    assert "3 categories from 75 tickets" in shown
    n = volumes(trained)
    assert any(line.split() == ["billing", str(n["billing"]), "auto"] for line in shown.splitlines())
    assert any(line.split() == ["login_2fa", str(n["login_2fa"]), "draft", "(default)"] for line in shown.splitlines())


def test_a_misspelt_category_is_refused_with_the_closest_name(run):
    refused = run("policy", "set", "bilingg", "--mode", "auto")
    assert refused.exit_code == 1 and "'bilingg' is not a category of the trained model; did you mean 'billing'?" \
        in refused.output
    assert "bilingg" not in run("policy", "export").output
    assert run("policy", "set", "default", "--mode", "draft").exit_code == 0  # the fallback is always there


def test_an_import_shows_what_changes_and_refuses_unknown_categories(run, tmp_path):
    assert run("policy", "set", "billing", "--mode", "auto", "--send-at", "0.8").exit_code == 0
    typo = tmp_path / "typo.yaml"
    typo.write_text("categories:\n  biling: {mode: auto}\n")
    refused = run("policy", "import", str(typo))
    assert refused.exit_code == 1 and "did you mean 'billing'" in refused.output
    assert json.loads(run("policy", "export").output)["categories"]["billing"]["mode"] == "auto"  # kept
    good = tmp_path / "good.yaml"
    good.write_text("categories:\n  login_2fa: {mode: auto, send_at: 0.95}\n")
    dry = run("policy", "import", str(good), "--dry-run")
    assert "billing: entry removed (falls back to default)" in dry.output
    assert "login_2fa: new entry (auto, send_at 0.95" in dry.output and "nothing stored" in dry.output
    assert "billing" in json.loads(run("policy", "export").output)["categories"]
    assert run("policy", "import", str(good)).exit_code == 0
    assert list(json.loads(run("policy", "export").output)["categories"]) == ["login_2fa"]


def test_a_missing_policy_file_is_one_line_and_exit_1(run, tmp_path):
    result = run("policy", "import", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 1 and result.output.strip() == f"Error: no policy file at {tmp_path / 'nowhere.yaml'}"


def test_before_any_training_nothing_can_be_checked_so_nothing_is_refused(tmp_path):
    assert model_card.read(str(tmp_path)) is None
    check_categories(["anything"], None)
    result = CliRunner().invoke(main, ["categories"], env={"DESKHAND_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1 and "no trained model" in result.output


def test_the_check_and_the_change_list_are_pure():
    with pytest.raises(PolicyError, match="did you mean 'refund_request'"):
        check_categories(["refund_requests"], {"refund_request": 3, "billing": 2})
    with pytest.raises(PolicyError, match=r"'zzz' is not a category of the trained model \(`deskhand"):
        check_categories(["zzz"], {"billing": 2})
    old = Policy(CategoryPolicy(), (("billing", CategoryPolicy(mode="auto")),))
    new = Policy(CategoryPolicy(mode="shadow"), (("billing", CategoryPolicy(mode="draft")),))
    assert changes(old, new) == ["default: mode 'draft' → 'shadow'", "billing: mode 'auto' → 'draft'"]
    assert changes(old, old) == []


def test_a_model_saved_before_cards_existed_is_read_once_for_its_categories(trained, tmp_path):
    import shutil
    old = tmp_path / "old"
    shutil.copytree(trained / "models", old / "models")
    for card in (old / "models").glob("*.json"):
        card.unlink()
    read = model_card.read(str(old))
    assert set(read["categories"]) == {"billing", "bug_report", "login_2fa"} and read["n_train"] == 75
