"""Waking idle workers when a job is stored: a shortcut past the idle poll, never needed for correctness.

Each running worker binds a Unix datagram socket of its own in `<data dir>/wake/`; whoever stores a
job (the web process, once the delivery is committed) sends one tiny datagram to every socket there,
and a worker waiting for work wakes at once instead of at its next poll. A datagram is the whole
protocol: sending never blocks and never waits for an answer, so a web request cannot be slowed by a
slow, stuck or missing worker.

Nothing depends on it. A lost datagram, a worker that is gone, a data dir whose path is too long for
a socket address (about 100 bytes), or a platform without Unix datagram sockets all cost the same:
the job waits for the worker's next poll (`poll_s`), as it did before. Several workers each have
their own socket and all wake; the job queue's lease decides which one takes the job.
"""
from __future__ import annotations

import logging
import os
import secrets
import select
import socket
import threading
import time
from pathlib import Path

log = logging.getLogger("deskhand.wakeup")

FOLDER = "wake"
SUFFIX = ".sock"
STOP_CHECK_S = 0.5  # a long poll still notices a stop this often
_AVAILABLE = hasattr(socket, "AF_UNIX")


def folder(data_dir: str) -> Path:
    return Path(os.path.abspath(data_dir)) / FOLDER


def ring(data_dir: str) -> int:
    """Wake every worker listening on this data dir; the number reached. Never raises, never blocks.
    A socket nobody listens on any more (its worker was killed) is removed: its name, pid and random
    part together, is never bound again."""
    if not _AVAILABLE:
        return 0
    where = folder(data_dir)
    try:
        names = [n for n in os.listdir(where) if n.endswith(SUFFIX)]
    except OSError:  # no worker has listened here yet
        return 0
    reached = 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for name in names:
            path = str(where / name)
            try:
                sender.sendto(b"!", path)
                reached += 1
            except BlockingIOError:  # its queue is full of wake-ups already: it is awake
                reached += 1
            except (ConnectionRefusedError, FileNotFoundError):
                _remove(path)
            except OSError as exc:  # anything else: the poll picks the job up
                log.debug("could not wake the worker at %s: %s", path, exc)
    return reached


class Listener:
    """A worker's end: `wait` returns early when someone rings. Without a socket (see the module's
    notes) it waits the whole time, which is the idle poll."""

    def __init__(self, data_dir: str):
        self.path, self._sock = "", None
        if not _AVAILABLE:
            return
        where = folder(data_dir)
        path = str(where / f"{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            where.mkdir(parents=True, exist_ok=True)
            sock.bind(path)
        except OSError as exc:
            sock.close()
            log.info("no wake-ups for this worker (it polls every poll_s instead): %s", exc)
            return
        sock.setblocking(False)
        self.path, self._sock = path, sock

    def wait(self, timeout_s: float, stop: threading.Event) -> bool:
        """Up to `timeout_s`, until a ring or `stop`; True when rung. Every ring waiting is taken, so a
        burst of stored jobs wakes the worker once, and it drains the queue before it waits again."""
        if self._sock is None:
            stop.wait(timeout_s)
            return False
        deadline = time.monotonic() + timeout_s
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            readable, _, _ = select.select([self._sock], [], [], min(left, STOP_CHECK_S))
            if readable:
                self._drain()
                return True
        return False

    def _drain(self) -> None:
        try:
            while self._sock.recv(16):
                pass
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            _remove(self.path)

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
