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


def test_a_count_of_its_own_replaces_done_of_total_and_the_rate():
    """A sweep counts tickets but moves through a span of time: its line says both, no rate."""
    clock, log = Clock(), io.StringIO()
    progress = Progress(100, "sweeping", log, every_s=10, clock=clock,
                        counts=lambda done, total: f"{done * 3} examined, {done * 100 // total}% of the way")
    clock.now = 10
    progress.set(25)
    progress.close()
    assert log.getvalue().splitlines() == ["sweeping: 75 examined, 25% of the way (about 30 s left)",
                                           "sweeping: 75 examined, 25% of the way in 10 s"]


def test_a_computation_s_steps_show_in_percent_and_one_that_has_nothing_to_do_shows_nothing():
    from app.cli.progress import StepsLine
    from app.core.steps import steps
    log = io.StringIO()
    line = StepsLine("training", log, every_s=0)
    advance = steps(200, line)
    advance(50)
    advance(150)
    line.close()
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("training: 25% (about") and lines[1] == "training: 100%"
    assert log.getvalue().splitlines()[-1].startswith("training: 100% in ")
    quiet = io.StringIO()
    StepsLine("training", quiet).close()  # a cached model: no training, no line
    assert quiet.getvalue() == ""
