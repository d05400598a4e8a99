"""The README stays true: its two commands, every setting, every command."""
import re
from pathlib import Path

from app.cli import main
from app.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
CI = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()


def test_readme_opens_with_the_demo_and_test_commands_and_ci_runs_the_test_one():
    first = README.split("```bash", 1)[1].split("```", 1)[0]
    assert "python3 scripts/bootstrap.py demo" in first
    assert "python3 scripts/bootstrap.py test" in first
    assert "python3 scripts/bootstrap.py test" in CI


def test_every_setting_is_documented_with_its_environment_variable_rule():
    for name in Settings.field_docs():
        assert f"| `{name}` |" in README, name
    assert "DESKHAND_" in README


def test_every_command_is_in_the_readme():
    names = set(main.commands)
    for name in names:
        assert re.search(rf"`deskhand {name}\b", README), name
