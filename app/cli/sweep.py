"""`deskhand sweep`: one backlog sweep now, with a progress bar and a summary (or `--json`)."""
from __future__ import annotations

import json
import re

import click

from app.cli.progress import Progress

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """`30d`, `12h`, `90m`, `2w`, `45s` → seconds."""
    match = _DURATION.match(text or "")
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration like 30d, 12h or 90m")
    return float(match.group(1)) * _UNITS[match.group(2)]


class _Progress:
    """The sweep's progress line (app/cli/progress.py): tickets examined and how far through the
    span of time the sweep covers it is, opened with the first ticket. Intercom's search has no
    time order, so there only the count shows."""

    def __init__(self, enabled: bool):
        self.enabled, self.line, self.examined = enabled, None, 0

    def __call__(self, at: float | None, start: float, end: float) -> None:
        if not self.enabled:
            return
        if self.line is None:
            self.line = Progress(max(1, int(end - start)) if at is not None else 0, "sweeping", counts=self._counts)
        self.examined += 1
        self.line.set(max(0, min(int(at - start), self.line.total)) if at is not None else 0)

    def _counts(self, done: int, total: int) -> str:
        return f"{self.examined} examined" + (f", {100 * done // total}% of the way to now" if total else "")

    def close(self, caught_up: bool) -> None:
        if self.line is not None:
            if caught_up:  # the newest tickets may be hours old: the span still ends now
                self.line.done = self.line.total
            self.line.close()


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
    progress, report = _Progress(enabled=not as_json), None
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
        progress.close(caught_up=report is not None and report.stopped == "caught up")
    summary = report.summary()
    click.echo(json.dumps(summary) if as_json else describe(summary))
