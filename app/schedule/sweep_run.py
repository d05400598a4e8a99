"""A backlog sweep built from the settings: the helpdesk's own sweep (app/helpdesks) on a client of
its own, and the database.

Shared by `deskhand sweep` and the worker's scheduled job; the caller holds the sweep's lease
(app/schedule/scheduler.py) for a run that writes.
"""
from __future__ import annotations

from app.backlog.sweeps import SweepOptions, SweepReport
from app.core.config import Settings
from app.helpdesks import plugin
from app.store.db import connect, migrate


def run_sweep(settings: Settings, *, dry_run: bool | None = None, max_actions: int | None = None,
              progress=None, page_size: int = 1000, comments: str = "auto", export=None, helpdesk=None,
              reset_to_s: float | None = None) -> SweepReport:
    """One sweep. `dry_run` None: the `sweep_enabled` setting decides. `reset_to_s`: forget the
    saved position and start that many seconds back (a real run saves the new position)."""
    db = connect(settings.db_path)
    try:
        migrate(db)
        dry = (not settings.sweep_enabled) if dry_run is None else dry_run
        lookback = settings.sweep_lookback_days * 86400 if reset_to_s is None else reset_to_s

        def options_for(helpdesk) -> SweepOptions:
            return SweepOptions(
                bot_id=str(helpdesk.bot_user_id()), opt_out_tag=settings.opt_out_tag,
                waiting_s=settings.sweep_waiting_minutes * 60,
                max_actions=settings.sweep_max_actions if max_actions is None else max_actions,
                dry_run=dry, lookback_s=lookback, page_size=page_size, comments=comments,
                page_url_field_id=settings.page_url_field_id, fresh_start=reset_to_s is not None)

        return plugin(settings.helpdesk).sweep(settings, db, options_for, helpdesk=helpdesk, export=export,
                                               progress=progress)
    finally:
        db.conn.close()
