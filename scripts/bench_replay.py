"""How long `deskhand replay` takes over the sample company's solved history (target: under 3
minutes on this machine), as a person runs it after the demo: a fresh process, the model trained
on that history on the first run, the knowledge base synced, every ticket replayed and the HTML
report written. The second run finds the model and the index made and shows the replay alone.

    .venv/bin/python scripts/bench_replay.py [--limit N] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import emit_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMPANY = ROOT / "sandbox" / "company"
DESKHAND = Path(sys.executable).with_name("deskhand")
TARGET_S = 180.0


def replay(env: dict, folder: str, limit: int) -> tuple[float, dict]:
    # the history is what the model trains on: --include-trained, or every ticket is left out
    args = [str(DESKHAND), "replay", "--file", str(COMPANY / "history.jsonl"), "--include-trained", "--json",
            "--html", str(Path(folder) / "report.html"), "--limit", str(limit)]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"replay failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="Replay at most this many tickets (0: all).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as folder:
        env = {**os.environ, "DESKHAND_DATA_DIR": folder, "DESKHAND_HISTORY_FILE": str(COMPANY / "history.jsonl"),
               "DESKHAND_KB_SOURCES": f"markdown:{COMPANY / 'kb'}", "DESKHAND_POLICY_FILE": str(COMPANY / "policy.yaml"),
               "DESKHAND_ALLOWED_LINK_HOSTS": "app.brightline.example,developers.brightline.example"}
        first_s, result = replay(env, folder, args.limit)
        again_s, _ = replay(env, folder, args.limit)
    tickets = result["n"]
    figures = {"tickets": tickets, "first_run_s": round(first_s, 1), "replay_only_s": round(again_s, 1),
               "tickets_per_s": round(tickets / again_s, 1), "target_s": TARGET_S,
               "under_target": first_s < TARGET_S, "load": round(os.getloadavg()[0], 1)}
    print(f"replay of {tickets} sample-company tickets (target < {TARGET_S:.0f} s), load average {figures['load']}")
    print(f"  first run (trains the model, syncs the knowledge base): {first_s:.1f} s")
    print(f"  second run (replay alone):                                {again_s:.1f} s ({figures['tickets_per_s']}/s)")
    print(f"{'under' if figures['under_target'] else 'NOT under'} {TARGET_S:.0f} s")
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()
