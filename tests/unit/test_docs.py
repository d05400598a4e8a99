"""The README stays true: its two commands, every setting, every command."""
import re
from pathlib import Path

from app.cli.main import main
from app.core.config import Settings

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


def test_every_flag_is_in_the_readme_with_its_meaning_a_next_step_and_the_llm_prompt():
    from app.core.flags import MEANING, URGENT
    from app.pipeline.case_file import NEXT_STEP
    from app.reasoning import prompts
    for flag, meaning in MEANING.items():
        row = f"| `{flag}` | {meaning} | {'urgent' if flag in URGENT else ''} |"
        assert row in README, flag
        assert flag in NEXT_STEP, flag
    assert "$flags" in prompts.load("triage").system  # the LLM is offered the same vocabulary
