"""`deskhand policy show | set | import | export`."""
from __future__ import annotations

import json

import click

from app.core.config import Settings
from app.policy import store as policy_store
from app.policy.action_plan import DEFAULT_ACTIONS
from app.policy.schema import parse_policy_text, policy_to_dict
from app.store.db import connect, migrate


def effective_levels(entry, category: str | None) -> dict:
    """The levels in force: the entry's own, else the code's defaults for the category."""
    if entry.actions is not None:
        return dict(entry.actions)
    return dict(DEFAULT_ACTIONS.get(category or "", DEFAULT_ACTIONS[""]))


def _db(settings: Settings):
    db = connect(settings.db_path)
    migrate(db)
    return db


@click.group()
def policy() -> None:
    """Per-category modes and thresholds."""


@policy.command("show")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(settings: Settings, as_json: bool) -> None:
    current = policy_store.load(_db(settings))
    if as_json:
        click.echo(json.dumps(policy_to_dict(current), indent=2))
        return
    click.echo(f"{'category':<20} {'mode':<7} {'send_at':>7} {'draft_at':>8}  {'escalate_to':<24} "
               f"{'gather':<26} actions")
    for name, entry in (("default", current.default), *current.categories):
        levels = effective_levels(entry, None if name == "default" else name)
        click.echo(f"{name:<20} {entry.mode:<7} {entry.send_at:>7.2f} {entry.draft_at:>8.2f}  "
                   f"{entry.escalate_to:<24} {','.join(entry.gather):<26} "
                   + (", ".join(f"{a}={lv}" for a, lv in sorted(levels.items())) or "-")
                   + ("" if entry.actions is not None else " (defaults)"))


@policy.command("set")
@click.argument("category")
@click.option("--mode", type=click.Choice(["off", "shadow", "draft", "auto"]))
@click.option("--send-at", type=float)
@click.option("--draft-at", type=float)
@click.option("--escalate-to", help="Helpdesk group that receives escalations.")
@click.option("--gather", help="Lookups for the case file, comma-separated: history,billing,crm,bugs.")
@click.option("--action", "action_levels", multiple=True, metavar="NAME=LEVEL",
              help="An action's level (auto, approval or never), e.g. --action refund=never; repeatable.")
@click.pass_obj
def set_(settings: Settings, category: str, mode, send_at, draft_at, escalate_to, gather, action_levels) -> None:
    """Change one category ('default' for the fallback)."""
    values = {k: v for k, v in dict(mode=mode, send_at=send_at, draft_at=draft_at,
                                      escalate_to=escalate_to).items() if v is not None}
    if gather is not None:
        values["gather"] = [x.strip() for x in gather.split(",") if x.strip()]
    db = _db(settings)
    if action_levels:
        current = policy_store.load(db)
        entry = current.default if category == "default" else current.for_category(category)
        levels = effective_levels(entry, None if category == "default" else category)
        for item in action_levels:
            name, sep, lvl = item.partition("=")
            if not sep:
                raise click.UsageError(f"--action {item!r}: write NAME=LEVEL, e.g. refund=approval")
            levels[name.strip()] = lvl.strip()
        values["actions"] = levels
    if not values:
        raise click.UsageError("give at least one of --mode, --send-at, --draft-at, --escalate-to, --gather, --action")
    entry = policy_store.set_entry(db, category, values)
    click.echo(f"{category}: mode {entry.mode}, send_at {entry.send_at:.2f}, draft_at {entry.draft_at:.2f}"
               + (f", escalate_to {entry.escalate_to}" if entry.escalate_to else ""))


@policy.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def import_(settings: Settings, path: str) -> None:
    """Replace the stored policy with a JSON or YAML file."""
    with open(path, encoding="utf-8") as fh:
        new = parse_policy_text(fh.read(), path)
    policy_store.replace_all(_db(settings), new)
    click.echo(f"policy imported from {path}: default + {len(new.categories)} categories")


@policy.command("export")
@click.pass_obj
def export(settings: Settings) -> None:
    """Print the stored policy as JSON (the import format)."""
    click.echo(json.dumps(policy_to_dict(policy_store.load(_db(settings))), indent=2))
