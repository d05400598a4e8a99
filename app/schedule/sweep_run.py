"""A backlog sweep built from the settings: its own helpdesk client (on Zendesk, the export reader
and its rate budget), the database.

Shared by `deskhand sweep` and the worker's scheduled job; the caller holds the sweep's lease
(app/schedule/scheduler.py) for a run that writes.
"""
from __future__ import annotations

from app.core.config import Settings
from app.schedule.sweeps import Sweep, SweepOptions, SweepReport
from app.store.db import connect, migrate
from connectors.zendesk_export import RateBudget, ZendeskExport


def build_export(settings: Settings, minute_s: float = 60.0):
    """The export reader, paced by `rate_limit_per_minute` and `export_rate_per_minute`, on a
    Zendesk client of its own (a scheduled sweep runs beside the worker's jobs, in another thread);
    and that client's helpdesk connector, for the bot's user id."""
    from app.build import build_helpdesk
    from app.core.config import ConfigError
    if getattr(settings, "helpdesk", "zendesk") != "zendesk":  # Intercom has no export: its search serves
        raise ConfigError(f"Zendesk's incremental export needs helpdesk = zendesk (helpdesk = {settings.helpdesk})")
    helpdesk = build_helpdesk(settings)
    export = ZendeskExport(helpdesk.client, RateBudget(settings.rate_limit_per_minute, minute_s),
                           RateBudget(settings.export_rate_per_minute, minute_s))
    return export, helpdesk


def run_sweep(settings: Settings, *, dry_run: bool | None = None, max_actions: int | None = None,
              progress=None, page_size: int = 1000, comments: str = "auto", export=None, helpdesk=None,
              reset_to_s: float | None = None) -> SweepReport:
    """One sweep. `dry_run` None: the `sweep_enabled` setting decides. `reset_to_s`: forget the
    saved position and start that many seconds back (a real run saves the new position)."""
    from app.schedule.sweeps import reset_position
    intercom = getattr(settings, "helpdesk", "zendesk") == "intercom"
    if intercom and helpdesk is None:
        from app.build import build_helpdesk
        helpdesk = build_helpdesk(settings)  # its own client: a scheduled sweep runs beside the worker
    elif export is None:
        export, helpdesk = build_export(settings)
    db = connect(settings.db_path)
    try:
        migrate(db)
        dry = (not settings.sweep_enabled) if dry_run is None else dry_run
        lookback = settings.sweep_lookback_days * 86400 if reset_to_s is None else reset_to_s
        if reset_to_s is not None and not dry and not intercom:
            reset_position(db)
        options = SweepOptions(
            bot_id=str(helpdesk.bot_user_id()), opt_out_tag=settings.opt_out_tag,
            waiting_s=settings.sweep_waiting_minutes * 60,
            max_actions=settings.sweep_max_actions if max_actions is None else max_actions,
            dry_run=dry, lookback_s=lookback, page_size=page_size, comments=comments,
            page_url_field_id=settings.page_url_field_id, fresh_start=reset_to_s is not None)
        if intercom:  # Intercom's search on waiting_since: no export, no position (app/schedule/sweep_intercom.py)
            from app.schedule.sweep_intercom import IntercomSweep
            return IntercomSweep(db, helpdesk, options).run()
        return Sweep(db, export, options, progress=progress).run()
    finally:
        db.conn.close()
