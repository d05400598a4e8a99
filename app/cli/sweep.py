"""`deskhand sweep`: one backlog sweep now, with a progress bar and a summary (or `--json`)."""
from __future__ import annotations

import json
import re
import sys

import click

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """`30d`, `12h`, `90m`, `2w`, `45s` → seconds."""
    match = _DURATION.match(text or "")
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration like 30d, 12h or 90m")
    return float(match.group(1)) * _UNITS[match.group(2)]


class _Progress:
    """A click progress bar over the time span the sweep covers, on stderr, opened on first use."""

    def __init__(self, enabled: bool):
        self.enabled, self.bar, self.done = enabled, None, 0

    def __call__(self, at: float, start: float, end: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(1, int(end - start)), label="sweeping", file=sys.stderr,
                                         show_eta=True, width=30)
            self.bar.__enter__()
        position = max(0, min(int(at - start), self.bar.length))
        if position > self.done:
            self.bar.update(position - self.done)
            self.done = position

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command()
@click.option("--dry-run/--apply", "dry_run", default=None,
              help="List what would be enqueued and write nothing / enqueue (default: the sweep_enabled setting).")
@click.option("--max-actions", type=click.IntRange(0), help="Tickets to enqueue at most (default: sweep_max_actions; 0: no cap).")
@click.option("--since", metavar="DURATION",
              help="Start this far back (30d, 12h, 90m) instead of from the saved position; --apply saves the new one.")
@click.option("--comments", type=click.Choice(["auto", "events", "per-ticket"]), default="auto", show_default=True,
              help="Read comments from the ticket event export where that saves calls, or one ticket at a time.")
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, show_default=True,
              help="Tickets per export page (the position is saved after each page).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on the last line.")
@click.pass_obj
def sweep(settings, dry_run, max_actions, since, comments, page_size, as_json) -> None:
    """Find open tickets whose customer is waiting and that Deskhand never handled; enqueue them."""
    from app.backlog.sweeps import describe
    from app.build import prepare_database
    from app.schedule.scheduler import Busy, exclusive, holder_name
    from app.schedule.sweep_run import run_sweep
    try:
        reset = parse_duration(since) if since else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    prepare_database(settings)
    dry = (not settings.sweep_enabled) if dry_run is None else dry_run
    progress = _Progress(enabled=not as_json)
    try:
        def once():
            return run_sweep(settings, dry_run=dry, max_actions=max_actions, progress=progress,
                             page_size=page_size, comments=comments, reset_to_s=reset)
        if dry:
            report = once()  # reads only: may run beside a real sweep
        else:
            with exclusive(settings.db_path, "sweep", holder_name()):
                report = once()
    except Busy as exc:
        raise click.ClickException(f"a sweep is already running: {exc}") from None
    finally:
        progress.close()
    summary = report.summary()
    click.echo(json.dumps(summary) if as_json else describe(summary))
