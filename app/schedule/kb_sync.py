"""Keep the knowledge store in step with its sources: on demand, on first start, and on a schedule.

The scheduled sync runs in the worker process only (never in the web app), in a background
thread, under app/scheduler.py's lease: one sync never overlaps the next, in one worker or two.
"""
from __future__ import annotations

import logging

from .config import Settings
from .db import connect, migrate
from .kb_store import SyncReport, sources, sync

log = logging.getLogger("deskhand.kb")


def sync_all(settings: Settings, helpdesk=None, full: bool = False, only_new: bool = False) -> list[SyncReport]:
    """Sync every configured source; `only_new`: just the ones never synced (first start)."""
    from .services import build_knowledge_sources
    db = connect(settings.db_path)
    try:
        migrate(db)
        synced = {row["source"] for row in sources(db) if row.get("synced_at")}
        return [sync(db, source, full=full) for source in build_knowledge_sources(settings, helpdesk)
                if not (only_new and source.name in synced)]
    finally:
        db.conn.close()


def start_schedule(settings: Settings, helpdesk=None):
    """A background scheduler syncing every `kb_sync_minutes` and nothing else; None when that
    is 0. The worker starts all its scheduled jobs through app/scheduler.py instead."""
    from .scheduler import start
    if settings.kb_sync_minutes <= 0:
        return None
    return start(settings.with_overrides(sweep_minutes=0, sweep_cron="", digest_cron=""), helpdesk)
