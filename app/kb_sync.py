"""Keep the knowledge store in step with its sources: on demand, on first start, and on a schedule.

The scheduled sync runs in the worker process only (never in the web app), in a background
thread; apscheduler's `max_instances=1` keeps one sync from overlapping the next.
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
    """A background scheduler syncing every `kb_sync_minutes`; None when that is 0."""
    if settings.kb_sync_minutes <= 0:
        return None
    from apscheduler.schedulers.background import BackgroundScheduler

    def job() -> None:
        for report in sync_all(settings, helpdesk):
            if report.error:
                log.warning("knowledge sync of %s failed: %s", report.source, report.error)
            else:
                log.info("knowledge sync of %s: +%d ~%d -%d", report.source, report.added,
                         report.updated, report.removed)

    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(job, "interval", minutes=settings.kb_sync_minutes, id="kb_sync",
                      max_instances=1, coalesce=True)
    scheduler.start()
    return scheduler
