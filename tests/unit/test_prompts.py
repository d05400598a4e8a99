"""Prompt templates: none missing, none unused, each declares exactly the variables it uses."""
import re

import pytest

from app.reasoning import prompts


def test_every_template_is_used_and_every_used_template_exists():
    on_disk = {p.stem for p in prompts.PROMPTS_DIR.glob("*.md")}
    assert on_disk == prompts.USED


@pytest.mark.parametrize("name", sorted(prompts.USED))
def test_declared_variables_are_exactly_the_ones_in_the_text(name):
    prompt = prompts.load(name)
    used = set(re.findall(r"\$([a-z_]+)", prompt.system + prompt.user))
    assert used == set(prompt.variables)
    with pytest.raises(prompts.PromptError):
        prompt.render()


def test_a_missing_template_is_a_clear_error():
    with pytest.raises(prompts.PromptError, match="missing"):
        prompts.load("no_such_prompt")
