"""Per-category autonomy (DESIGN §3): parse and check the policy file. Pure.

The file is JSON or YAML:
    {"default": {"mode": "draft", "send_at": 0.9, "draft_at": 0.5},
     "categories": {"billing": {"mode": "auto", "send_at": 0.85, "draft_at": 0.5,
                                "escalate_to": "Billing & Accounts", "solve_on_confirmation": true}}}
A category missing from it uses `default`; a field missing from an entry takes the
default's value.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import asdict, replace

import yaml

from app.core.domain import CategoryPolicy, Policy
from app.core.errors import DeskhandError
from app.policy import holding
from app.policy.action_plan import check_levels

MODES = ("off", "shadow", "draft", "auto")
FIELDS = ("mode", "send_at", "draft_at", "escalate_to", "gather", "actions", "account_facts",
          "solve_on_confirmation", "holding_reply", "holding_reply_text", "holding_reply_hours")
HOLDING_TEXT_MAX = 600  # a holding reply is a line or two; a longer one is a reply, which is checked as one
HOLDING_HOURS_MAX = 24 * 14
LOOKUPS = ("history", "billing", "crm", "bugs")
# Conservative embedded defaults: nothing is sent until an admin says so.
DEFAULT_POLICY = Policy(default=CategoryPolicy(mode="draft", send_at=0.9, draft_at=0.5))


class PolicyError(DeskhandError, ValueError):
    pass


def parse_policy_text(text: str, name: str = "policy") -> Policy:
    try:
        data = yaml.safe_load(text) if not text.lstrip().startswith("{") else json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{name} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except yaml.YAMLError as exc:  # the parser's own message runs over several lines: one is enough
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise PolicyError(f"{name} is not valid YAML: {where}{getattr(exc, 'problem', None) or exc}") from None
    return policy_from_dict(data, name)


def policy_from_dict(data, name: str = "policy") -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(f"{name} must be an object with 'default' and/or 'categories'")
    unknown = set(data) - {"default", "categories"}
    if unknown:
        raise PolicyError(f"{name}: unknown key(s) {sorted(unknown)}; expected 'default' and 'categories'")
    default = entry_from_dict(data.get("default") or {}, DEFAULT_POLICY.default, f"{name}.default")
    categories = data.get("categories") or {}
    if not isinstance(categories, dict):
        raise PolicyError(f"{name}.categories must be an object keyed by category")
    return Policy(default=default, categories=tuple(
        (str(cat), entry_from_dict(entry, default, f"{name}.categories.{cat}"))
        for cat, entry in sorted(categories.items())))


def entry_from_dict(entry, base: CategoryPolicy, where: str) -> CategoryPolicy:
    if not isinstance(entry, dict):
        raise PolicyError(f"{where} must be an object")
    unknown = set(entry) - set(FIELDS)
    if unknown:
        raise PolicyError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {', '.join(FIELDS)}")
    values = {}
    if "mode" in entry:
        if entry["mode"] not in MODES:
            raise PolicyError(f"{where}.mode must be one of {', '.join(MODES)}, got {entry['mode']!r}")
        values["mode"] = entry["mode"]
    for key in ("send_at", "draft_at"):
        if key in entry:
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise PolicyError(f"{where}.{key} must be a number from 0 to 1, got {value!r}")
            values[key] = float(value)
    if "escalate_to" in entry:
        values["escalate_to"] = str(entry["escalate_to"] or "")
    if "gather" in entry:
        plan = entry["gather"]
        if not isinstance(plan, list) or any(x not in LOOKUPS for x in plan):
            raise PolicyError(f"{where}.gather must be a list of {', '.join(LOOKUPS)}, got {plan!r}")
        values["gather"] = tuple(dict.fromkeys(plan))
    if "actions" in entry:
        values["actions"] = _actions(entry["actions"], where)
    if "account_facts" in entry:
        if not isinstance(entry["account_facts"], bool):
            raise PolicyError(f"{where}.account_facts must be true or false, got {entry['account_facts']!r}")
        values["account_facts"] = entry["account_facts"]
    if "solve_on_confirmation" in entry:
        if not isinstance(entry["solve_on_confirmation"], bool):  # "no" in YAML is False, "false" in JSON a string
            raise PolicyError(f"{where}.solve_on_confirmation must be true or false, "
                              f"got {entry['solve_on_confirmation']!r}")
        values["solve_on_confirmation"] = entry["solve_on_confirmation"]
    if "holding_reply" in entry:
        if not isinstance(entry["holding_reply"], bool):
            raise PolicyError(f"{where}.holding_reply must be true or false, got {entry['holding_reply']!r}")
        values["holding_reply"] = entry["holding_reply"]
    if "holding_reply_text" in entry:
        text = entry["holding_reply_text"]
        if text is not None and not isinstance(text, str):
            raise PolicyError(f"{where}.holding_reply_text must be text, got {text!r}")
        text = (text or "").strip()
        if len(text) > HOLDING_TEXT_MAX:
            raise PolicyError(f"{where}.holding_reply_text is {len(text)} characters; at most {HOLDING_TEXT_MAX}")
        if "<" in text or "http" in text.lower():
            raise PolicyError(f"{where}.holding_reply_text must be plain text without markup or links")
        values["holding_reply_text"] = text
    if "holding_reply_hours" in entry:
        hours = entry["holding_reply_hours"]
        if hours is None:
            hours = 0
        if isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= HOLDING_HOURS_MAX:
            raise PolicyError(f"{where}.holding_reply_hours must be a whole number of hours from 0 (no time "
                              f"promised) to {HOLDING_HOURS_MAX}, got {hours!r}")
        values["holding_reply_hours"] = hours
    result = replace(base, **values)
    if result.holding_reply_text and ("holding_reply_text" in entry or "holding_reply_hours" in entry):
        found = holding.problems(result.holding_reply_text, result.holding_reply_hours)
        if found:
            raise PolicyError(f"{where}.holding_reply_text says what the policy does not: {'; '.join(found)} "
                              "(a time is promised only with holding_reply_hours)")
    if result.draft_at > result.send_at:
        raise PolicyError(f"{where}: draft_at ({result.draft_at}) must not be above send_at ({result.send_at})")
    return result


def _actions(table, where: str) -> tuple[tuple[str, str], ...] | None:
    """An entry's action levels, checked against the ceilings in code; null means the defaults."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise PolicyError(f"{where}.actions must be an object like {{refund: approval, slack_alert: auto}}")
    problems = check_levels({str(k): v for k, v in table.items()}, f"{where}.actions")
    if problems:
        raise PolicyError("; ".join(problems))
    return tuple(sorted((str(k), str(v)) for k, v in table.items()))


def policy_to_dict(policy: Policy) -> dict:
    def as_dict(entry: CategoryPolicy) -> dict:
        data = {**asdict(entry), "gather": list(entry.gather), "actions": entry.action_levels()}
        if data["actions"] is None:  # the category's defaults in code: nothing to write down
            del data["actions"]
        return data

    return {"default": as_dict(policy.default),
            "categories": {cat: as_dict(entry) for cat, entry in policy.categories}}


def check_categories(names, known: dict | None) -> None:
    """Refuse category names the trained model does not have (`known`: its categories; None before
    any training, when nothing can be checked), suggesting the closest: a misspelt entry would
    otherwise be stored and never used, its category quietly running on the default."""
    if known is None:
        return
    for name in names:
        if name != "default" and name not in known:
            close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise PolicyError(f"{name!r} is not a category of the trained model{hint} "
                              f"(`deskhand categories` lists them)")


def changes(old: Policy, new: Policy) -> list[str]:
    """What replacing `old` with `new` changes, one line per entry added, removed or changed."""
    before, after = dict(old.categories), dict(new.categories)
    lines = [] if old.default == new.default else [f"default: {_diff(old.default, new.default)}"]
    for name in sorted(set(before) | set(after)):
        if name not in after:
            lines.append(f"{name}: entry removed (falls back to default)")
        elif name not in before:
            lines.append(f"{name}: new entry ({after[name].mode}, send_at {after[name].send_at:.2f}, "
                         f"draft_at {after[name].draft_at:.2f})")
        elif before[name] != after[name]:
            lines.append(f"{name}: {_diff(before[name], after[name])}")
    return lines


def _diff(a: CategoryPolicy, b: CategoryPolicy) -> str:
    x, y = asdict(a), asdict(b)
    return ", ".join(f"{k} {x[k]!r} → {y[k]!r}" for k in x if x[k] != y[k])
