"""`deskhand gaps`: the questions the knowledge base could not answer, by topic (app/learning/gaps.py)."""
from __future__ import annotations

import json
import time

import click

from app.core.config import Settings


@click.command()
@click.option("--since", "since_text", default="30d", show_default=True, help="How far back: 30d, 2w, 12h.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.pass_obj
def gaps(settings: Settings, since_text: str, as_json: bool) -> None:
    """Which article to write next: unanswerable questions grouped by topic, with examples and counts."""
    from app.cli.sweep import parse_duration
    from app.learning.gaps import report
    from app.store.db import connect, migrate
    try:
        since = time.time() - parse_duration(since_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    db = connect(settings.db_path)
    try:
        migrate(db)
        found = report(db, since)
    finally:
        db.conn.close()
    if as_json:
        click.echo(json.dumps(found))
        return
    if not found["topics"]:
        click.echo(f"no knowledge gaps in the last {since_text}: every escalation had another reason")
        return
    click.echo(f"{found['tickets']} tickets in the last {since_text} had no article to answer them, "
               f"in {len(found['topics'])} topics (largest first):")
    for topic in found["topics"]:
        categories = ", ".join(f"{c} {n}" for c, n in topic["categories"].items())
        click.echo(f"\n  {topic['count']:>3}  {topic['name']}   ({categories})")
        for example in topic["examples"]:
            message = " ".join(example["message"].split())
            click.echo(f"       #{example['ticket_id']}: {message[:110]}{'…' if len(message) > 110 else ''}")
