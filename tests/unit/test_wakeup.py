"""The wake-up between the web process and idle workers (app/store/wakeup.py): a shortcut that may be
lost at any point without anything breaking."""
from __future__ import annotations

import os
import socket
import threading

from app.store import wakeup

NEVER = threading.Event()


def test_a_ring_wakes_every_listener_once_however_many_rings_were_waiting(tmp_path):
    with wakeup.Listener(str(tmp_path)) as one, wakeup.Listener(str(tmp_path)) as two:
        assert one.path != two.path and os.path.dirname(one.path) == str(wakeup.folder(str(tmp_path)))
        assert wakeup.ring(str(tmp_path)) == 2
        assert wakeup.ring(str(tmp_path)) == 2
        assert one.wait(5, NEVER) and two.wait(5, NEVER)
        assert not one.wait(0.01, NEVER)  # both rings were taken by the first wait
    assert not os.listdir(wakeup.folder(str(tmp_path)))  # closed listeners leave nothing behind


def test_ringing_with_no_worker_reaches_nobody_and_does_not_fail(tmp_path):
    assert wakeup.ring(str(tmp_path)) == 0  # no worker ever listened here
    assert wakeup.ring(str(tmp_path / "missing")) == 0


def test_the_socket_of_a_killed_worker_is_removed_by_the_next_ring(tmp_path):
    where = wakeup.folder(str(tmp_path))
    where.mkdir(parents=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(where / f"999999-deadbeef{wakeup.SUFFIX}"))
    dead.close()  # as a worker killed without cleanup leaves it: the file, nobody listening
    with wakeup.Listener(str(tmp_path)) as alive:
        assert wakeup.ring(str(tmp_path)) == 1
        assert os.listdir(where) == [os.path.basename(alive.path)]
        assert alive.wait(5, NEVER)


def test_a_listener_that_cannot_bind_still_waits_like_the_poll(tmp_path):
    deep = tmp_path / ("d" * 120)  # longer than a Unix socket address may be
    listener = wakeup.Listener(str(deep))
    assert listener.path == ""
    stop = threading.Event()
    stop.set()
    assert listener.wait(30, stop) is False  # returns at once when stopped, never rung
    assert wakeup.ring(str(deep)) == 0
    listener.close()


def test_a_stop_ends_a_long_wait(tmp_path):
    stop = threading.Event()
    with wakeup.Listener(str(tmp_path)) as listener:
        threading.Timer(0.05, stop.set).start()
        assert listener.wait(30, stop) is False  # within STOP_CHECK_S of the stop, not 30 s
