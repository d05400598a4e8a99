"""Group commit for the web process: one writer thread, many waiting requests.

Each webhook must be durably stored before it is acknowledged, but a transaction per
request makes eight threads queue on SQLite's write lock (whose busy handler sleeps in
steps of milliseconds). Here requests hand their small write to one thread, which runs
everything waiting — up to `max_batch` writes — in one transaction and then wakes each
request with its own result. A write that raises is rolled back alone (a savepoint each),
so it cannot sink the others in its batch.
"""
from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import Future
from typing import Callable, TypeVar

import sqlite_utils

from app.store.db import connect, transaction

T = TypeVar("T")


class GroupCommit:
    def __init__(self, db_path: str, max_batch: int = 64):
        self.db_path, self.max_batch = db_path, max_batch
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._pid = None  # the writer belongs to the process that started it (fork-safe)

    def run(self, fn: Callable[[sqlite_utils.Database], T], timeout_s: float = 10.0) -> T:
        """Run `fn(db)` in the next batch; return its result once the batch is committed."""
        self._ensure_writer()
        done: Future = Future()
        self._queue.put((fn, done))
        return done.result(timeout=timeout_s)

    def _ensure_writer(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.Queue()
                threading.Thread(target=self._write_forever, daemon=True, name="deskhand-group-commit").start()
                self._pid = os.getpid()

    def _write_forever(self) -> None:
        db = connect(self.db_path)
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(db, batch)

    @staticmethod
    def _commit(db: sqlite_utils.Database, batch: list) -> None:
        results = []
        try:
            with transaction(db):
                for fn, _ in batch:
                    db.execute("SAVEPOINT item")
                    try:
                        results.append((True, fn(db)))
                        db.execute("RELEASE item")
                    except Exception as exc:  # this write alone fails; its request gets the error
                        db.execute("ROLLBACK TO item")
                        db.execute("RELEASE item")
                        results.append((False, exc))
        except Exception as exc:  # the commit itself failed: nothing in the batch was stored
            results = [(False, exc)] * len(batch)
        for (ok, value), (_, done) in zip(results, batch):
            done.set_result(value) if ok else done.set_exception(value)
