"""An idle worker is woken by the web process when a job is stored (app/store/wakeup.py), and the idle
poll still picks a job up when the wake-up is lost."""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

from app.pipeline.worker import Worker
from app.store import wakeup
from tests.scenario.conftest import open_loop

SEND = 2003  # stream ticket: login how-to, answered in public


class Watched(Worker):
    """A worker that says when it has found nothing to do (and so is waiting for work)."""
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.idle = threading.Event()

    def run_once(self) -> bool:
        worked = super().run_once()
        if not worked:
            self.idle.set()
        return worked


def watched(loop, name: str) -> Watched:
    return Watched(loop.settings, loop.worker.helpdesk, loop.worker.pipeline.engine, name=name)


@contextmanager
def running(*workers: Worker):
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    try:
        yield
    finally:
        stop.set()
        wakeup.ring(workers[0].settings.data_dir)  # no need to wait out the slice of a long poll
        for t in threads:
            t.join(10)
        assert not any(t.is_alive() for t in threads)


def sockets(data_dir: str) -> list[str]:
    where = wakeup.folder(data_dir)
    return sorted(os.listdir(where)) if where.exists() else []


def until(condition, timeout_s: float) -> float:
    """Seconds until `condition()` held (fails after `timeout_s`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, "timed out"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_stored_webhook_wakes_one_of_two_idle_workers_long_before_their_poll(tmp_path, trained_model):
    with open_loop(tmp_path, trained_model, poll_s=30.0) as loop:
        workers = watched(loop, "w1"), watched(loop, "w2")
        with running(*workers):
            until(lambda: all(w.idle.is_set() for w in workers), 10)  # both in their 30 s wait
            assert len(sockets(loop.settings.data_dir)) == 2  # each listening on its own socket
            loop.sb.play([SEND])  # the sandbox sends the signed webhook; the web app stores it and rings
            took = until(lambda: loop.public_bot_replies(SEND), 20)
        assert took < 10  # a poll would have taken 30 s
        assert len(loop.public_bot_replies(SEND)) == 1  # both woke, one took the job
        assert sockets(loop.settings.data_dir) == []  # a stopped worker removes its socket


def test_a_lost_wake_up_still_gets_the_job_done_by_the_poll(tmp_path, trained_model):
    with open_loop(tmp_path, trained_model, poll_s=0.5) as loop:
        worker = watched(loop, "w1")
        with running(worker):
            until(worker.idle.is_set, 10)
            [name] = sockets(loop.settings.data_dir)
            os.unlink(wakeup.folder(loop.settings.data_dir) / name)  # nobody can ring this worker now
            loop.sb.play([SEND])
            assert loop.sb.flush_webhooks(10)
            assert wakeup.ring(loop.settings.data_dir) == 0
            until(lambda: loop.public_bot_replies(SEND), 20)
        assert len(loop.public_bot_replies(SEND)) == 1
