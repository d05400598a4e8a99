"""How long `deskhand` takes to answer commands that need no model (target: under 0.5 s each).

Each command runs as a fresh process, as a person or a script would start it; the figure is the
median of --runs (a busy machine's outliers say nothing about the command).

    .venv/bin/python scripts/bench_cli.py [--runs 7] [--json]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import emit_json  # noqa: E402

DESKHAND = Path(sys.executable).with_name("deskhand")
COMMANDS = [["--help"], ["policy", "--help"], ["kb", "--help"], ["replay", "--help"], ["sweep", "--help"],
            ["eval", "--help"], ["policy", "show"], ["kb", "status"], ["show", "1"]]
TARGET_S = 0.5


def seconds(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([str(DESKHAND), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "DESKHAND_DATA_DIR": data}
        seconds(["--help"], env)  # the first start also compiles bytecode: not what a user waits for after
        figures = {" ".join(c): statistics.median(seconds(c, env) for _ in range(args.runs)) for c in COMMANDS}
    print(f"deskhand start-up, median of {args.runs} runs (target < {TARGET_S} s), load average {os.getloadavg()[0]:.1f}")
    for command, s in figures.items():
        print(f"  deskhand {command:16} {s:.2f} s{'' if s < TARGET_S else '  OVER'}")
    slowest = max(figures.values())
    print(f"slowest {slowest:.2f} s: {'all under' if slowest < TARGET_S else 'NOT all under'} {TARGET_S} s")
    if args.json:
        emit_json({k: round(v, 3) for k, v in figures.items()})


if __name__ == "__main__":
    main()
