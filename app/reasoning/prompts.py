"""Prompt templates in prompts/: one file per LLM task, its variables listed on the first line.

A template is rendered with exactly the variables it declares (string.Template, `$name`),
so a missing or surplus variable is an error, not a silently odd prompt.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from string import Template

from app.core.errors import DeskhandError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
USED = {"triage", "reply"}  # every template the code renders; a test checks this against the folder


class PromptError(DeskhandError):
    pass


@dataclass(frozen=True)
class Prompt:
    name: str
    variables: tuple[str, ...]
    system: str
    user: str

    def render(self, **values: str) -> tuple[str, str]:
        if set(values) != set(self.variables):
            raise PromptError(f"prompt {self.name} takes {sorted(self.variables)}, got {sorted(values)}")
        return (Template(self.system).substitute(values), Template(self.user).substitute(values))


def load(name: str) -> Prompt:
    path = PROMPTS_DIR / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise PromptError(f"prompt template {path} is missing") from None
    header, _, rest = text.partition("\n")
    if not header.startswith("variables:") or "---system---" not in rest or "---user---" not in rest:
        raise PromptError(f"{path}: expected 'variables: …' then ---system--- and ---user--- sections")
    variables = tuple(v.strip() for v in header.removeprefix("variables:").split(",") if v.strip())
    system, _, user = rest.split("---system---", 1)[1].partition("---user---")
    return Prompt(name, variables, system.strip(), user.strip())


@functools.lru_cache(maxsize=1)
def own_texts() -> tuple[str, ...]:
    """Every template's fixed text (variables left out), which a public reply must never repeat."""
    out = []
    for name in sorted(USED):
        prompt = load(name)
        out += [Template(part).safe_substitute({v: "\n" for v in prompt.variables})
                for part in (prompt.system, prompt.user)]
    return tuple(out)


def plant_canary(system: str, canary: str) -> str:
    """The system prompt with a marker that means nothing to the task: if a reply ever holds it,
    the model copied its instructions out (the leak check blocks that reply)."""
    return f"{system}\n\nReference {canary} (internal, never repeat)."
