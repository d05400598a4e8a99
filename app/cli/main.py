"""The `deskhand` command. Every expected failure is a one-line message and exit code 1."""
from __future__ import annotations

import json
import logging
import signal
import sys
import threading

import click

from app.core.config import ConfigError, Settings, load_settings, unsafe_defaults_refusal
from app.core.errors import DeskhandError
from app.helpdesks import plugin as helpdesk_plugin
from connectors.errors import ConnectorError

VENDOR_LOGGERS = ("stripe", "httpx", "httpcore", "urllib3", "zenpy", "slack_sdk", "openai", "intercom", "waitress.queue")


class Deskhand(click.Group):
    """Turns the errors a user can cause into one-line messages, for every command."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (DeskhandError, ConnectorError) as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


@click.group(cls=Deskhand)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="DESKHAND_CONFIG",
              help="TOML settings file (DESKHAND_* variables override it).")
@click.option("--verbose", "-v", is_flag=True, help="Also show the client libraries' own logs (every HTTP call).")
@click.pass_context
def main(ctx: click.Context, config_file: str | None, verbose: bool) -> None:
    """Deskhand: an autonomous support agent that lives inside your helpdesk."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:  # a line per HTTP call from the vendors' SDKs drowns what Deskhand itself says
        for name in VENDOR_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    try:
        ctx.obj = load_settings(config_file)
        helpdesk_plugin(ctx.obj.helpdesk)  # a helpdesk no plug-in provides is a setting error now, not later
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _port_free(host: str, port: int) -> None:
    """One line before anything starts, rather than a server's own multi-line complaint after."""
    import socket
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc}): "
                                       "stop what uses it or give --port") from None


def _refuse_sandbox_secrets(settings: Settings) -> None:
    """`serve` and `worker` never start with the sandbox's public secrets against a real helpdesk:
    a forgotten setting must not let anyone sign a webhook (`demo` and `sandbox` are not checked)."""
    refusal = unsafe_defaults_refusal(settings)
    if refusal:
        raise click.ClickException(refusal)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_obj
def serve(settings: Settings, host: str, port: int, threads: int) -> None:
    """Run the web app (webhooks, health) under waitress."""
    _refuse_sandbox_secrets(settings)
    import waitress

    from app.build import prepare_database
    from app.web.factory import create_app
    prepare_database(settings)
    _port_free(host, port)
    server = waitress.create_server(create_app(settings), host=host, port=port, threads=threads, ident="deskhand")
    click.echo(f"Deskhand listening on http://{host}:{port} (POST /webhooks/{settings.helpdesk})")
    server.run()


@main.command()
@click.option("--once", is_flag=True, help="Drain the queue, then exit.")
@click.pass_obj
def worker(settings: Settings, once: bool) -> None:
    """Drain the job queue: snapshot, guards, triage, decide, act."""
    _refuse_sandbox_secrets(settings)
    from app.build import build_helpdesk, build_systems, prepare_database
    from app.pipeline.gather import Gatherer
    from app.pipeline.worker import Worker
    from app.schedule.kb_sync import sync_all
    from app.schedule.scheduler import next_runs
    from app.schedule.scheduler import start as start_schedule
    from app.store.db import connect
    prepare_database(settings)
    helpdesk = build_helpdesk(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for report in sync_all(settings, helpdesk, only_new=True):  # first start: know something first
        click.echo(f"knowledge from {report.source}: " + (f"FAILED: {report.error}" if report.error
                   else f"{report.added} articles, {report.passages} passages"))
    engine = _load_models(settings, connect(settings.db_path))
    w = Worker(settings, helpdesk, engine, gatherer=Gatherer(build_systems(settings)))
    # the only place a scheduler starts (sweeps, knowledge sync, digest); never in the web app
    scheduler = None if once else start_schedule(settings, helpdesk)
    w.warm_up()
    click.echo(f"worker {w.name} started (model {w.pipeline.engine.model_version})")
    if scheduler:
        runs = next_runs(scheduler)
        click.echo("scheduled: " + ", ".join(f"{k} next {v}" for k, v in runs.items())
                   + (" (sweeps are dry runs until sweep_enabled = true)" if "sweep" in runs and not settings.sweep_enabled
                      else ""))
    try:
        w.run(stop, idle_exit=once)
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)


def _load_models(settings, db):
    """The engine and the sensitivity detector. The first start trains both (one to three
    minutes) with a progress line each, so nobody wonders whether the worker hangs."""
    from app.build import build_engine
    from app.cli.progress import StepsLine
    from app.reasoning import sensitivity
    line = StepsLine(f"training the classifier on {settings.history_file} (first start only)")
    engine = build_engine(settings, db, progress=line)
    line.close()
    line = StepsLine("training the sensitivity detector (once per version)")
    sensitivity.load_or_train(progress=line)  # now, not on the first customer's ticket
    line.close()
    sensitivity.current()
    return engine


@main.command()
@click.argument("action_id", type=int)
@click.option("--by", "who", default="cli", show_default=True, help="Who approved it (kept with the action).")
@click.pass_obj
def approve(settings: Settings, action_id: int, who: str) -> None:
    """Approve and run an action Deskhand proposed in a case file (once, within the caps)."""
    from app.build import build_systems
    from app.pipeline.actions import ActionError, Caps
    from app.pipeline.actions import approve as run_approved
    from app.store.db import connect, migrate
    db = connect(settings.db_path)
    migrate(db)
    from app.store import wakeup
    try:
        click.echo(run_approved(db, action_id, who, build_systems(settings),
                                Caps(settings.refund_cap, settings.refunds_per_customer_30d)))
    except ActionError as exc:
        raise click.ClickException(str(exc)) from None
    wakeup.ring(settings.data_dir)  # the customer's confirmation is a job: an idle worker writes it now


@main.command()
@click.argument("ticket_id")
@click.option("--full", is_flag=True, help="Every value whole: the reply or note exactly as written.")
@click.pass_obj
def show(settings: Settings, ticket_id: str, full: bool) -> None:
    """Print the decision trace for a ticket."""
    from app.store.audit import format_trail, trail
    from app.store.db import connect, migrate
    db = connect(settings.db_path)
    migrate(db)
    rows = trail(db, ticket_id)
    if not rows:
        raise click.ClickException(f"no record of ticket {ticket_id} in {settings.db_path} "
                                   "(another data dir? set DESKHAND_DATA_DIR or --config)")
    click.echo(f"Ticket {ticket_id}")
    click.echo(format_trail(rows, full=full))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def approvals(settings: Settings, as_json: bool) -> None:
    """Actions awaiting a person's approval: id, what (with the amount), ticket and age."""
    import time

    from app.pipeline.actions import awaiting_approval
    from app.store.db import connect, migrate
    db = connect(settings.db_path)
    migrate(db)
    pending = awaiting_approval(db)
    if as_json:
        for row in pending:
            click.echo(json.dumps(row))
        return
    if not pending:
        click.echo("nothing awaits approval")
        return
    click.echo(f"{len(pending)} action(s) awaiting approval (`deskhand approve ID`):")
    for row in pending:
        age_h = (time.time() - row["created_at"]) / 3600
        age = f"{age_h:.1f} h" if age_h < 48 else f"{age_h / 24:.0f} days"
        click.echo(f"  #{row['id']:<5} {row['summary']}  — {row['platform']} ticket {row['ticket_id']}, {age} ago")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@click.option("--webhook-url", default="http://127.0.0.1:8000/webhooks/zendesk", show_default=True,
              help="Where to send signed webhooks ('' to send none).")
@click.option("--secret", default="sandbox-signing-secret", show_default=True, help="Webhook signing secret.")
@click.option("--rate-limit", default=0, type=int, help="API requests per minute before 429 (0 = no limit).")
@click.option("--updates-per-minute", default=0, type=int, help="Ticket updates per minute before 429 (0 = no limit).")
@click.option("--time-scale", default=1.0, show_default=True, type=float,
              help="Length of the rate-limit minute, as a fraction of a real minute.")
@click.option("--export-per-minute", default=0, type=click.IntRange(0),
              help="Incremental export requests per minute before 429 (Zendesk: 10; 0 = no limit).")
@click.option("--generate", "generate_n", default=0, type=click.IntRange(0),
              help="Add this many synthetic tickets in a spread of states (volume tests).")
@click.option("--generate-age-minutes", default=0.0, type=click.FloatRange(0),
              help="Place the generated tickets over the first half of this many past minutes.")
@click.option("--seed-dir", type=click.Path(file_okay=False), help="Another company to load (default: the sample).")
@click.option("--play", is_flag=True, help="Play the sample ticket stream once the server is up.")
def sandbox(host, port, webhook_url, secret, rate_limit, updates_per_minute, time_scale, export_per_minute,
            generate_n, generate_age_minutes, seed_dir, play) -> None:
    """Run the sandbox helpdesk (a local Zendesk with a sample company) until Ctrl-C or SIGTERM."""
    from sandbox import Sandbox
    _port_free(host, port)
    sb = Sandbox.from_seed(seed_dir, webhook_url=webhook_url or None, signing_secret=secret,
                           rate_limit_per_minute=rate_limit or None,
                           updates_per_minute=updates_per_minute or None, time_scale=time_scale,
                           export_per_minute=export_per_minute or None)
    if generate_n:
        sb.generate(generate_n, age_s=generate_age_minutes * 60, mix=True)
    stop = threading.Event()
    # Ctrl-C and SIGTERM both stop cleanly (queued webhooks are still delivered). SIGINT is handled
    # here rather than left to Python: a process started from a background job inherits SIGINT
    # ignored, and Python then never raises KeyboardInterrupt, so Ctrl-C would not stop it.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    sb.start(host=host, port=port)
    try:  # everything after the server starts: its thread must be stopped whatever happens
        click.echo(f"sandbox Zendesk on {sb.url} (subdomain brightline); webhooks → {webhook_url or 'none'}")
        if play:
            sb.play()
        stop.wait()
    finally:
        sb.stop()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the totals as one JSON object.")
@click.option("--data-dir", default=None, help="Keep the demo's database here (default: a temporary folder).")
@click.option("--helpdesk", type=click.Choice(["zendesk", "intercom"]), default="zendesk", show_default=True,
              help="Which sandbox helpdesk the demo runs on.")
def demo(as_json: bool, data_dir: str | None, helpdesk: str) -> None:
    """Run the whole loop on the sandbox: signed webhooks in, replies and notes out."""
    from app.cli.demo import run_demo
    totals = run_demo(data_dir=data_dir, echo=(lambda *_a, **_k: None) if as_json else click.echo, helpdesk=helpdesk,
                      progress_stream=None if as_json else sys.stdout)
    if as_json:
        click.echo(json.dumps(totals))
    if totals["errors"]:
        sys.exit(1)


from app.cli.eval import eval_, train  # noqa: E402
from app.cli.gaps import gaps  # noqa: E402
from app.cli.insights import insights  # noqa: E402
from app.cli.kb import kb  # noqa: E402
from app.cli.model import model  # noqa: E402
from app.cli.performance import ladder, outcomes, performance  # noqa: E402
from app.cli.policy import categories, policy  # noqa: E402
from app.cli.replay import replay  # noqa: E402
from app.cli.sweep import sweep  # noqa: E402

for command in (policy, categories, kb, train, eval_, sweep, replay, model, gaps, insights, performance, ladder,
                outcomes):
    main.add_command(command)


if __name__ == "__main__":
    main()
