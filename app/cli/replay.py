"""`deskhand replay`: what Deskhand would have done with solved tickets, next to what the team did."""
from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--since", metavar="DURATION", help="Solved tickets changed in this window, from the helpdesk (30d, 12h).")
@click.option("--file", "path", type=click.Path(dir_okay=False),
              help="A Zendesk ticket export (JSON, or one ticket a line) or our JSONL history format.")
@click.option("--category-field", default=None, help="Custom field id (Intercom: conversation attribute) holding the team's category (default: category_field_id).")
@click.option("--category-tag-prefix", default="", help="Or: the category is the tag after this prefix.")
@click.option("--escalated-tag", "escalated_tags", multiple=True, default=("escalated",), show_default=True,
              help="A tag your team puts on tickets it escalated (repeat for several).")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), help="Replay under this policy file instead of the one in force.")
@click.option("--auto", is_flag=True, help="Replay every category that is not off in auto mode, to see what would be sent.")
@click.option("--target-precision", default=0.95, show_default=True, type=click.FloatRange(0.5, 1.0),
              help="Precision the proposed send_at thresholds aim for.")
@click.option("--limit", default=0, type=click.IntRange(0), help="Replay at most this many tickets (0: all).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Also write a self-contained HTML report here.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object on the last line.")
@click.option("--include-trained", is_flag=True,
              help="Also replay tickets the model was trained on (their figures flatter it).")
@click.pass_obj
def replay(settings, since, path, category_field, category_tag_prefix, escalated_tags, policy_file, auto,
           target_precision, limit, html_file, as_json, include_trained) -> None:
    """Run the pipeline in shadow over solved tickets and compare with what the team did."""
    from app.cli.sweep import parse_duration
    from app.pipeline.think import Guardrails
    from app.replay.run import format_table, replay_policy, report, run, with_similarity
    from app.replay.source import Labels, ReplayError, load_file, load_helpdesk
    if bool(since) == bool(path):
        raise click.UsageError("give one of --since DURATION (from the helpdesk) or --file EXPORT")
    try:
        window = parse_duration(since) if since else 0
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    if html_file and not Path(html_file).resolve().parent.is_dir():
        raise click.BadParameter(f"the folder of {html_file} does not exist", param_hint="--html")
    labels = Labels(settings.category_field_id if category_field is None else category_field,
                    category_tag_prefix, tuple(escalated_tags))
    policy, engine = _engine_and_policy(settings, policy_file)
    try:
        if path:
            tickets, problems = load_file(path, labels)
            for problem in problems:
                click.echo(f"skipped {problem}", err=True)
            tickets = tickets[:limit] if limit else tickets
        elif settings.helpdesk == "intercom":
            from app.build import build_helpdesk
            from app.replay.source import load_intercom
            tickets, stats = load_intercom(build_helpdesk(settings), window, labels, limit=limit)
            click.echo(f"read {stats['read']} conversations closed in the last {since} ({stats['calls']} API calls):"
                       f" {len(tickets)} to replay, {stats['touched_by_deskhand']} already handled by Deskhand,"
                       f" {stats['not_solved']} without a customer message", err=True)
        else:
            from app.helpdesks.zendesk import build_export
            export, helpdesk = build_export(settings)
            tickets, stats = load_helpdesk(export, window, labels, str(helpdesk.bot_user_id()),
                                           settings.page_url_field_id, limit=limit)
            click.echo(f"read {stats['read']} tickets changed in the last {since} ({export.calls} API calls,"
                       f" {export.rate_limited} rate-limited): {len(tickets)} solved to replay, {stats['not_solved']}"
                       f" not solved, {stats['touched_by_deskhand']} already handled by Deskhand", err=True)
    except ReplayError as exc:
        raise click.ClickException(str(exc)) from None
    if not tickets:
        raise click.ClickException("no solved tickets to replay")
    tickets, trained_on = unseen(tickets, settings.data_dir, include_trained)
    rails = Guardrails(settings.canary_list, settings.link_hosts, settings.ai_label)
    chosen = replay_policy(policy, auto)
    from app.cli.progress import Progress
    progress = Progress(len(tickets), "replayed")  # stderr: a terminal sees one line, a log one every 10 s
    rows = run(engine, chosen, tickets, rails, progress=progress.update)
    progress.close()
    rows = with_similarity(rows)
    name = (policy_file or "in force") + (", every category in auto mode" if auto else "")
    result = report(rows, target_precision, name)
    result["model"] = engine.model_version
    result["trained_on"] = trained_on
    if html_file:
        from app.replay.report import render
        Path(html_file).write_text(render(result), encoding="utf-8")
        click.echo(f"report written to {html_file}", err=True)
    click.echo(json.dumps(result) if as_json else format_table(result))


def _engine_and_policy(settings, policy_file):
    """The engine the worker would use (its model, the synced knowledge base) and the policy."""
    from app.build import build_engine, prepare_database
    from app.policy import store as policy_store
    from app.policy.schema import parse_policy_text
    from app.schedule.kb_sync import sync_all
    from app.store.db import connect
    prepare_database(settings)
    for report in sync_all(settings, only_new=True):  # a knowledge base never synced: read it first
        if report.error:
            click.echo(f"knowledge from {report.source} FAILED: {report.error}", err=True)
    db = connect(settings.db_path)
    if policy_file:
        with open(policy_file, encoding="utf-8") as fh:
            policy = parse_policy_text(fh.read(), policy_file)
    else:
        policy = policy_store.load(db)
    from app.cli.progress import StepsLine
    line = StepsLine(f"training the classifier on {settings.history_file} (first run only)")
    engine = build_engine(settings, db, progress=line)
    line.close()
    return policy, engine


def unseen(tickets: list, data_dir: str, include_trained: bool) -> tuple[list, dict]:
    """Leave out the tickets the model trained on (their message is in its card): a model scores
    itself on what it learned from as nearly perfect, which says nothing about the next ticket."""
    from app.reasoning import model_card
    card = model_card.read(data_dir) or {}
    seen = set(card.get("seen", ()))
    trained = [t for t in tickets if model_card.text_digest(t.body) in seen]
    info = {"tickets": len(tickets), "in_training_history": len(trained), "left_out": 0 if include_trained else len(trained)}
    if not trained:
        return tickets, info
    if include_trained:
        click.echo(f"warning: {len(trained)} of {len(tickets)} tickets are in the model's training history; "
                   "their figures flatter it", err=True)
        return tickets, info
    rest = [t for t in tickets if model_card.text_digest(t.body) not in seen]
    if not rest:
        raise click.ClickException(f"all {len(tickets)} tickets are in the model's training history, so replaying them "
                                   "would only show what it memorised: replay newer tickets, or add --include-trained "
                                   "to see it anyway")
    click.echo(f"left out {len(trained)} of {len(tickets)} tickets the model was trained on; the report covers the "
               f"{len(rest)} it has not seen (--include-trained keeps them)", err=True)
    return rest, info
