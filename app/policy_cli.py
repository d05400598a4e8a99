"""`deskhand policy show | set | import | export`."""
from __future__ import annotations

import json

import click

from . import policy_store
from .config import Settings
from .db import connect, migrate
from .policy import parse_policy_text, policy_to_dict


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
    click.echo(f"{'category':<20} {'mode':<7} {'send_at':>7} {'draft_at':>8}  {'escalate_to':<24} gather")
    for name, entry in (("default", current.default), *current.categories):
        click.echo(f"{name:<20} {entry.mode:<7} {entry.send_at:>7.2f} {entry.draft_at:>8.2f}  "
                   f"{entry.escalate_to:<24} {','.join(entry.gather)}")


@policy.command("set")
@click.argument("category")
@click.option("--mode", type=click.Choice(["off", "shadow", "draft", "auto"]))
@click.option("--send-at", type=float)
@click.option("--draft-at", type=float)
@click.option("--escalate-to", help="Helpdesk group that receives escalations.")
@click.option("--gather", help="Lookups for the case file, comma-separated: history,billing,crm,bugs.")
@click.pass_obj
def set_(settings: Settings, category: str, mode, send_at, draft_at, escalate_to, gather) -> None:
    """Change one category ('default' for the fallback)."""
    values = {k: v for k, v in dict(mode=mode, send_at=send_at, draft_at=draft_at,
                                      escalate_to=escalate_to).items() if v is not None}
    if gather is not None:
        values["gather"] = [x.strip() for x in gather.split(",") if x.strip()]
    if not values:
        raise click.UsageError("give at least one of --mode, --send-at, --draft-at, --escalate-to, --gather")
    entry = policy_store.set_entry(_db(settings), category, values)
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
