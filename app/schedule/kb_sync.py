"""Keep the knowledge store in step with its sources: on demand, on first start, and on a schedule.

The scheduled sync is one of app/schedule/scheduler.py's jobs (every `kb_sync_minutes`): it runs in
the worker process only (never in the web app), in a background thread, under the scheduler's
lease, so one sync never overlaps the next, in one worker or two.
"""
from __future__ import annotations

import logging

from app.core.config import Settings
from app.knowledge.store import SyncReport, sources, sync
from app.store.db import connect, migrate

log = logging.getLogger("deskhand.kb")


def sync_all(settings: Settings, helpdesk=None, full: bool = False, only_new: bool = False) -> list[SyncReport]:
    """Sync every configured source; `only_new`: just the ones never synced (first start)."""
    from app.build import build_knowledge_sources
    db = connect(settings.db_path)
    try:
        migrate(db)
        synced = {row["source"] for row in sources(db) if row.get("synced_at")}
        return [sync(db, source, full=full) for source in build_knowledge_sources(settings, helpdesk)
                if not (only_new and source.name in synced)]
    finally:
        db.conn.close()

