"""Processes that start together on a fresh database (serve and workers) all migrate it: none fails
with "table already exists", and every migration is applied once."""
from __future__ import annotations

import multiprocessing

from app.store.db import MIGRATIONS, connect, migrate


def _migrate(path: str, barrier) -> None:
    barrier.wait()  # all at once, as when a supervisor starts serve and the workers
    migrate(connect(path))


def test_processes_migrating_one_fresh_database_at_once_all_succeed(tmp_path):
    path = str(tmp_path / "deskhand.db")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    processes = [context.Process(target=_migrate, args=(path, barrier)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    applied = [row["name"] for row in connect(path)["_migrations"].rows]
    assert sorted(applied) == sorted(fn.__name__ for fn in MIGRATIONS)
