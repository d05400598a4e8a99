"""Long commands show progress: one line rewritten in place on a terminal, a plain line with the
count and the time left every few seconds in a log."""
import io

from app.cli.progress import Progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_in_a_log_a_line_comes_every_few_seconds_with_the_time_left():
    clock, log = Clock(), io.StringIO()
    progress = Progress(100, "replayed", log, every_s=10, clock=clock)
    for _ in range(40):
        clock.now += 0.5  # 2 tickets a second
        progress.update()
    progress.close()
    lines = log.getvalue().splitlines()
    assert lines == ["replayed: 20/100 (2.0/s, about 40 s left)", "replayed: 40/100 (2.0/s, about 30 s left)",
                     "replayed: 40/100 in 20 s"]


def test_on_a_terminal_one_line_is_rewritten_in_place():
    clock, term = Clock(), Terminal()
    progress = Progress(3, "tickets handled", term, clock=clock)
    for done in (1, 3):
        clock.now += 60
        progress.set(done)
    progress.close()
    out = term.getvalue()
    assert out.count("\n") == 1 and out.count("\r") == 3
    assert "\rtickets handled: 1/3 (0.0/s, about 2 min 00 s left)" in out
    assert out.endswith("\rtickets handled: 3/3 in 2 min 00 s\x1b[K\n")
