"""`deskhand policy show | set | import | export` and `deskhand categories`."""
from __future__ import annotations

import json

import click

from app.core.config import Settings
from app.policy import store as policy_store
from app.policy.action_plan import DEFAULT_ACTIONS
from app.policy.schema import changes, check_categories, parse_policy_text, policy_to_dict
from app.reasoning import model_card
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
               f"{'gather':<26} {'solve':<5} actions")
    for name, entry in (("default", current.default), *current.categories):
        levels = effective_levels(entry, None if name == "default" else name)
        click.echo(f"{name:<20} {entry.mode:<7} {entry.send_at:>7.2f} {entry.draft_at:>8.2f}  "
                   f"{entry.escalate_to:<24} {','.join(entry.gather):<26} "
                   f"{'yes' if entry.solve_on_confirmation else 'no':<5} "
                   + (", ".join(f"{a}={lv}" for a, lv in sorted(levels.items())) or "-")
                   + ("" if entry.actions is not None else " (defaults)")
                   + ("; account facts" if entry.account_facts else "")
                   + (f"; holding reply{f' ({entry.holding_reply_hours} h)' if entry.holding_reply_hours else ''}"
                      if entry.holding_reply else ""))


@policy.command("set")
@click.argument("category")
@click.option("--mode", type=click.Choice(["off", "shadow", "draft", "auto"]))
@click.option("--send-at", type=float)
@click.option("--draft-at", type=float)
@click.option("--escalate-to", help="Helpdesk group that receives escalations.")
@click.option("--gather", help="Lookups for the case file, comma-separated: history,billing,crm,bugs.")
@click.option("--action", "action_levels", multiple=True, metavar="NAME=LEVEL",
              help="An action's level (auto, approval or never), e.g. --action refund=never; repeatable.")
@click.option("--account-facts/--no-account-facts", default=None,
              help="Answer from the requester's own billing account when the message asks about it.")
@click.option("--solve-on-confirmation/--no-solve-on-confirmation", default=None,
              help="Solve the ticket when the customer confirms Deskhand's answer helped.")
@click.option("--holding-reply/--no-holding-reply", default=None,
              help="On escalation, tell the customer in public that a person will reply.")
@click.option("--holding-reply-text", help="Your own words for it (plain text; '' for the default).")
@click.option("--holding-reply-hours", type=int, help="Hours the holding reply may promise (0: no time).")
@click.pass_obj
def set_(settings: Settings, category: str, mode, send_at, draft_at, escalate_to, gather, action_levels,
         account_facts, solve_on_confirmation, holding_reply, holding_reply_text, holding_reply_hours) -> None:
    """Change one category ('default' for the fallback)."""
    check_categories([category], model_card.categories(settings.data_dir))
    values = {k: v for k, v in dict(mode=mode, send_at=send_at, draft_at=draft_at, escalate_to=escalate_to,
                                      account_facts=account_facts, solve_on_confirmation=solve_on_confirmation,
                                      holding_reply=holding_reply, holding_reply_text=holding_reply_text,
                                      holding_reply_hours=holding_reply_hours).items() if v is not None}
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
        raise click.UsageError("give at least one of --mode, --send-at, --draft-at, --escalate-to, --gather, --action, "
                               "--account-facts, --solve-on-confirmation, --holding-reply, --holding-reply-text, "
                               "--holding-reply-hours")
    entry = policy_store.set_entry(db, category, values)
    click.echo(f"{category}: mode {entry.mode}, send_at {entry.send_at:.2f}, draft_at {entry.draft_at:.2f}"
               + (f", escalate_to {entry.escalate_to}" if entry.escalate_to else "")
               + (", answers from account facts" if entry.account_facts else "")
               + (", solves on confirmation" if entry.solve_on_confirmation else "")
               + (", holding reply on escalation" if entry.holding_reply else ""))


@policy.command("import")
@click.argument("path")
@click.option("--dry-run", is_flag=True, help="Show what would change and store nothing.")
@click.pass_obj
def import_(settings: Settings, path: str, dry_run: bool) -> None:
    """Replace the stored policy with a JSON or YAML file (shows what changes)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise click.ClickException(f"no policy file at {path}") from None
    new = parse_policy_text(text, path)
    check_categories([name for name, _ in new.categories], model_card.categories(settings.data_dir))
    db = _db(settings)
    lines = changes(policy_store.load(db), new)
    for line in lines or ["nothing changes"]:
        click.echo(f"  {line}")
    if dry_run:
        click.echo("dry run: nothing stored")
        return
    policy_store.replace_all(db, new)
    click.echo(f"policy imported from {path}: default + {len(new.categories)} categories")


@policy.command("export")
@click.pass_obj
def export(settings: Settings) -> None:
    """Print the stored policy as JSON (the import format)."""
    click.echo(json.dumps(policy_to_dict(policy_store.load(_db(settings))), indent=2))


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def categories(settings: Settings, as_json: bool) -> None:
    """The trained model's categories, with their training volumes and the mode in force for each."""
    card = model_card.read(settings.data_dir)
    if card is None:
        raise click.ClickException(f"no trained model in {model_card.models_dir(settings.data_dir)}: "
                                   "run `deskhand train --history FILE` (or start the worker) first")
    current = policy_store.load(_db(settings))
    rows = [(name, volume, current.for_category(name).mode, name in dict(current.categories))
            for name, volume in sorted(card["categories"].items(), key=lambda kv: (-kv[1], kv[0]))]
    if as_json:
        click.echo(json.dumps([{"category": n, "volume": v, "mode": m, "own_entry": o} for n, v, m, o in rows]))
        return
    click.echo(f"model {card['version']}: {len(rows)} categories from {card['n_train']} tickets")
    click.echo(f"{'category':<28} {'tickets':>7}  mode")
    for name, volume, mode, own in rows:
        click.echo(f"{name:<28} {volume:>7}  {mode}{'' if own else ' (default)'}")
