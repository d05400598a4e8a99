"""`deskhand demo`, the README's first command, as a new user runs it: the whole loop on the sandbox,
a table of what Deskhand did, the approvals it waits for with their ids, no vendor log noise, and
its traces where `deskhand show` finds them afterwards."""
from __future__ import annotations

import logging
import re

from click.testing import CliRunner

from app.cli.main import VENDOR_LOGGERS, main
from app.reasoning import classifier
from app.reasoning.engine import models_dir


def test_the_demo_runs_the_loop_quietly_and_leaves_its_traces_where_show_finds_them(tmp_path, trained_model, caplog):
    data = tmp_path / "demo"
    classifier.save(trained_model, models_dir(str(data)))  # the session's model: the demo's training is not under test
    caplog.set_level(logging.INFO)
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    out = result.output
    totals = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+)", out.strip().splitlines()[-2]))
    assert totals["processed"] == 40 and totals["errors"] == 0, out[-2000:]
    assert totals["sent"] and totals["drafted"] and totals["escalated"]
    # one row per played ticket, each with what happened
    rows = [line for line in out.splitlines() if re.match(r"\s+20\d\d  ", line)]
    assert len(rows) == 40 and all(re.search(r"\b(sent|drafted|escalated|skipped)\b", r) for r in rows)
    # the actions waiting for a person, each with the command that approves it
    pending = re.search(r"actions awaiting approval: (\d+)", out)
    assert pending and int(pending.group(1)) >= 1
    assert len(re.findall(r"`deskhand approve \d+`", out)) == int(pending.group(1))
    # replies from the customer's own billing account are named (2002 asks for last month's invoice)
    assert re.search(r"answered from the customer's billing account: #\d+", out)
    # the team's follow-ups came back as events and were recorded; the run ends with real figures
    recorded = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+)", re.search(r"outcomes recorded: (.*)", out).group(1)))
    assert recorded["solved"] >= 5 and recorded["reopened"] == 1 and recorded["not_helped"] == 1, out[-3000:]
    assert recorded["draft_sent_as_is"] == 1 and recorded["draft_edited"] == 1 and recorded["category_changed"] == 1
    assert recorded["csat"] >= 3
    resolution = re.search(r"autonomous resolution: (\d+)% n=(\d+) settled tickets; so far (\d+)% n=(\d+) "
                           r"counting the (\d+) solved inside the 7-day reopen window", out)
    assert resolution, out[-3000:]
    so_far, n, pending = int(resolution.group(3)), int(resolution.group(4)), int(resolution.group(5))
    assert pending >= 5 and n >= pending and so_far == round(100 * pending / n)  # nothing settled yet: all pending
    assert re.search(r"ladder: no proposals|: move (up|down) ", out)
    assert re.search(r"settled replies so far .*login_2fa \d+/30", out)
    # the vendors' per-request logging is kept out (the demo printed ~170 `INFO stripe` lines once)
    noisy = [r for r in caplog.records if r.levelno < logging.WARNING and r.name.split(".")[0] in VENDOR_LOGGERS]
    assert not noisy, [f"{r.name}: {r.getMessage()}" for r in noisy[:5]]
    # where to look next, and it works
    hint = re.search(r"DESKHAND_DATA_DIR=(\S+) deskhand show (\d+)", out)
    assert hint and hint.group(1) == str(data)
    shown = CliRunner().invoke(main, ["show", hint.group(2)], env={"DESKHAND_DATA_DIR": str(data)})
    assert shown.exit_code == 0 and "decide" in shown.output, shown.output
