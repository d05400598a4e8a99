"""`deskhand model list | promote VERSION | rollback | retrain`: the model registry (app/learning)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from app.core.config import Settings


@click.group()
def model() -> None:
    """The classifier's versions: which is current, candidates from retraining, rollback."""


def _dir(settings: Settings) -> str:
    from app.reasoning.model_card import models_dir
    return models_dir(settings.data_dir)


@model.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per version.")
@click.pass_obj
def list_(settings: Settings, as_json: bool) -> None:
    """Every stored version, newest first, with how it did on its held-back slice."""
    from app.learning.registry import versions
    found = versions(_dir(settings))
    if not found:
        raise click.ClickException("no model yet: run `deskhand train --history FILE` or start the worker")
    for v in found:
        if as_json:
            click.echo(json.dumps({"version": v.version, "status": v.status, "n_train": v.n_train,
                                   "trained_at": v.trained_at, "evaluation": v.evaluation}))
            continue
        when = datetime.fromtimestamp(v.trained_at, timezone.utc).strftime("%Y-%m-%d %H:%M")
        line = f"{v.version:<32} {v.status:<9} {when}  {v.n_train} tickets"
        e = v.evaluation
        if e.get("candidate"):
            c, i = e["candidate"], e.get("incumbent") or {}
            line += (f"  held-back {e['held_back']}: accuracy {c['accuracy']:.0%}"
                     + (f" (was {i['accuracy']:.0%})" if i else "") + f", Brier {c['brier']:.3f}")
        click.echo(line)


@model.command()
@click.argument("version")
@click.option("--by", "who", default="cli", show_default=True, help="Who promoted it (kept in the log).")
@click.pass_obj
def promote(settings: Settings, version: str, who: str) -> None:
    """Make VERSION (or its first characters) the current model; the worker serves it from its next job."""
    from app.learning.registry import promote as make_current
    chosen = make_current(_dir(settings), version, who, "promoted by hand")
    click.echo(f"model {chosen.version} is current")


@model.command()
@click.option("--by", "who", default="cli", show_default=True, help="Who rolled back (kept in the log).")
@click.pass_obj
def rollback(settings: Settings, who: str) -> None:
    """Make the version that was current before the current one current again."""
    from app.learning.registry import rollback as back
    click.echo(f"model {back(_dir(settings), who).version} is current again")


@model.command()
@click.pass_obj
def retrain(settings: Settings) -> None:
    """Retrain now on the history file plus what the team taught; promote only if at least as good."""
    from app.build import build_product_map
    from app.learning.retrain import retrain as run
    from app.store.db import connect, migrate
    db = connect(settings.db_path)
    try:
        migrate(db)
        result = run(db, settings.data_dir, settings.history_file, build_product_map(settings), by="cli")
    finally:
        db.conn.close()
    click.echo(result.message)
