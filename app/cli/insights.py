"""`deskhand insights`: rising topics, accounts at risk, recurring errors, cost and resolution."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from app.cli.sweep import parse_duration


@click.command()
@click.option("--since", default="14d", show_default=True, metavar="DURATION",
              help="The window to look at (14d, 2w, 36h); the 8 weeks before it are the baseline.")
@click.option("--sample", is_flag=True,
              help="Read the sample company's tickets (sandbox/company, planted signals included) instead of the helpdesk's.")
@click.option("--file-bugs", is_flag=True,
              help="File each recurring error as one Linear issue (or update it) and note its link on the tickets.")
@click.option("--crm-level", type=click.Choice(["never", "auto"]), default="never", show_default=True,
              help="auto: write each account's churn score to the CRM (property deskhand_churn_score).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True), help="Also write the report as an HTML page.")
@click.pass_obj
def insights(settings, since, sample, file_bugs, crm_level, as_json, html_file) -> None:
    """What the ticket stream shows: rising topics, accounts at risk, recurring errors, cost per ticket."""
    try:
        since_s = parse_duration(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    if sample and file_bugs:
        raise click.UsageError("--file-bugs writes notes on the helpdesk's tickets: use it without --sample")
    if html_file and Path(html_file).parent and not Path(html_file).parent.exists():
        raise click.BadParameter(f"folder {Path(html_file).parent} does not exist", param_hint="--html")
    from app.build import build_systems, prepare_database
    from app.insights import records
    from app.insights.report import as_html, as_text
    from app.insights.run import helpdesk_tickets, run, sample_now
    from app.store.db import connect
    prepare_database(settings)
    db = connect(settings.db_path)
    systems = build_systems(settings)
    helpdesk, platform = None, settings.helpdesk
    if sample:
        now = sample_now()
        tickets, accounts = records.load_company()
    else:
        if settings.helpdesk != "zendesk":
            raise click.ClickException("insights read the helpdesk's history through Zendesk's ticket export; "
                                       "on Intercom, use --sample to try them")
        from app.helpdesks.zendesk import build_export
        from app.insights.analyse import BASELINE_S
        now = time.time()
        export, helpdesk = build_export(settings)
        tickets = helpdesk_tickets(export, helpdesk, now - since_s - BASELINE_S, helpdesk.bot_user_id())
        accounts = {}
    # the sample company's tickets are not this helpdesk's: kept, their ids would name its tickets
    result = run(db, systems, tickets, accounts, now, since_s, platform=platform, helpdesk=helpdesk,
                 file_bugs=file_bugs, crm_level=crm_level, keep=not sample)
    if html_file:
        Path(html_file).write_text(as_html(result.report), encoding="utf-8")
    click.echo(json.dumps(result.report, ensure_ascii=False) if as_json else as_text(result.report))
