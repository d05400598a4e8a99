"""`deskhand kb sync | status | search`: the knowledge base, for admins checking what Deskhand knows."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import click

from app.core.config import Settings
from app.store.db import connect, migrate


@click.group()
def kb() -> None:
    """The knowledge sources replies are built from."""


@kb.command("sync")
@click.option("--full", is_flag=True, help="Re-read every article (drops deleted ones on incremental sources).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@click.pass_obj
def sync_cmd(settings: Settings, full: bool, as_json: bool) -> None:
    """Pull new, changed and removed articles from every source in `kb_sources`."""
    from app.schedule.kb_sync import sync_all  # the stores and connectors: imported when used
    reports = sync_all(settings, full=full)
    for r in reports:
        if as_json:
            click.echo(json.dumps(asdict(r)))
        elif r.error:
            click.echo(f"{r.source}: FAILED: {r.error}")
        else:
            click.echo(f"{r.source}: {r.added} added, {r.updated} updated, {r.removed} removed, "
                       f"{r.unchanged} unchanged ({r.passages} passages embedded)")
        for problem in r.problems:
            click.echo(f"  skipped {problem}", err=True)
    failed = [r.source for r in reports if r.error]
    if failed:
        raise click.ClickException(f"could not sync {', '.join(failed)}; the other sources are up to date")


@kb.command("status")
@click.pass_obj
def status(settings: Settings) -> None:
    """What each source holds and when it last synced."""
    from app.knowledge.store import sources
    db = connect(settings.db_path)
    migrate(db)
    rows = sources(db)
    if not rows:
        click.echo("no knowledge synced yet: run `deskhand kb sync`")
    for row in rows:
        when = (datetime.fromtimestamp(row["synced_at"], timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
                if row.get("synced_at") else "never")
        passages = db.execute("SELECT count(*) FROM kb_passages WHERE article_key LIKE ?",
                              [f"{row['source']}:%"]).fetchone()[0]
        line = f"{row['source']:<10} {row.get('articles') or 0:>5} articles {passages:>6} passages  synced {when}"
        click.echo(line + (f"  last error: {row['error']}" if row.get("error") else ""))


@kb.command("search")
@click.argument("text")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.pass_obj
def search(settings: Settings, text: str, limit: int) -> None:
    """The passages Deskhand would answer TEXT from, with their scores and text."""
    from app.knowledge.store import load_index
    from app.policy.decide import MIN_SOURCE_SCORE
    from app.reasoning.triage import detect_language
    if not text.strip():
        raise click.ClickException("give the words to search for, e.g. `deskhand kb search \"change my plan\"`")
    db = connect(settings.db_path)
    migrate(db)
    index = load_index(db)
    if not index.passages:
        raise click.ClickException("the knowledge base is empty: run `deskhand kb sync`")
    language = detect_language(text)  # as triage reads a ticket: only articles in its language answer it
    matches = index.search(text, limit=limit, language=language)
    click.echo(f"Deskhand answers only from a passage scoring {MIN_SOURCE_SCORE:.2f} or more; below that it drafts "
               f"or escalates. Read as '{language}': only articles in that language are searched.")
    for m in matches:
        p = m.passage
        mark = "answerable" if m.score >= MIN_SOURCE_SCORE else "too weak"
        click.echo(f"\n{m.score:.3f} ({mark})  {p.id}  {p.title}" + (f" › {p.heading}" if p.heading else "")
                   + f"  {p.url}")
        body = " ".join(p.text.split())
        click.echo("    " + (body if len(body) <= 400 else body[:399] + "…"))
