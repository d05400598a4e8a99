"""Throughput ceiling: the highest event rate one `deskhand serve` and N `deskhand worker`
processes sustain while the p95 latency from webhook arrival to the helpdesk write stays < 2 s.

How: for each worker count (default 1, 2, 4), a fresh temporary data dir and a fresh set of real
processes on loopback — `deskhand sandbox` (the local Zendesk), `deskhand serve` (receives the
sandbox's signed webhooks over HTTP) and N `deskhand worker` — configured through DESKHAND_*
variables as an operator would. Then rising steps: at each rate, `--seconds` of customer
replies, each on its own open ticket (made beforehand with the sandbox's `generate`, which sends
no webhook), sent open-loop through the sandbox's control API (`/_sandbox/customer_reply`), so
each becomes a real `ticket.comment_added` webhook and a job. The bodies are the sample company's
real customer questions, so the mix of sends, drafts and escalations is the usual one.

What is measured, all from records the two sides keep themselves (nothing is patched):
- arrival: Deskhand's `inbox.received_at`, stamped when the web app stored the delivery;
- write: the sandbox's request log `at` for the worker's `PUT /api/v2/tickets/{id}` (stamped when
  the handler finished, i.e. the reply or note is on the ticket). One event per ticket, so the
  first successful PUT on that ticket after the arrival is that event's write.
- latency = write - arrival; also `e2e` = write - the moment the bench asked for the customer reply
  (adds the sandbox's one webhook thread and the web app's ack).
An event whose job has not finished within `--drain` seconds after the step counts as infinitely
late; `skip` counts events handled with no write (a guard said so), left out of the latency. A
step passes when every event was handled and p95 < `--target-p95`; the first failing rate ends
that worker count (higher rates only queue more).

Not timed: the classifier is trained once beforehand (cached in the temp dir by the inputs' hash,
so reruns skip its ~40 s), and warm-up bursts run until every worker has finished a job (a first
job loads models lazily; the first ever on a machine trains the sensitivity detector). Scheduled
work (sweeps, knowledge re-sync, digest) is switched off so it does not land inside one step and
not another. cpu% columns: CPU time of the sandbox, the web app and all workers over the step, in
% of one core (from /proc), to see what saturates.

    .venv/bin/python scripts/bench_throughput.py [--rates 2,4,6,8,10,12,16,20,24,32] [--seconds 20] [--workers 1,2,4]
                                                 [--target-p95 2] [--drain 60] [--quick] [--json]
    --quick: one worker, rates 2 and 4, 4 s steps (about 25 s once the model is cached)
    BENCH_KEEP=1 keeps each run's data dir and process logs
"""
from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import requests
from benchlib import ROOT, emit_json, percentile

COMPANY = ROOT / "sandbox" / "company"
# the command beside this interpreter (the virtualenv's), else the one on PATH
DESKHAND = next((p for p in (str(Path(sys.executable).parent / "deskhand"), shutil.which("deskhand"))
                 if p and os.path.exists(p)), "deskhand")
SECRET = "bench-throughput-secret"  # our own, so serve/worker need no sandbox-secret exemption
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """Child side, Linux: get SIGTERM if this bench dies, even by SIGKILL, so nothing is orphaned."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def trained_models() -> Path:
    """A models folder trained once on the sample history, outside any timing. Cached under the
    temp dir by a hash of everything that shapes the model (history, product map, app code), so a
    rerun skips the ~40 s of training but a code change retrains."""
    digest = hashlib.sha256()
    for path in [COMPANY / "history.jsonl", COMPANY / "product_map.yaml", *sorted((ROOT / "app").rglob("*.py"))]:
        digest.update(path.read_bytes())
    cache = Path(tempfile.gettempdir()) / f"deskhand-bench-models-{digest.hexdigest()[:16]}"
    if not (cache / "models" / "current").exists():
        print("training the classifier once (not timed)…", flush=True)
        started = time.monotonic()
        work = Path(tempfile.mkdtemp(prefix="deskhand-bench-train-"))
        subprocess.run([DESKHAND, "train", "--history", str(COMPANY / "history.jsonl")], check=True,
                       env={**os.environ, "DESKHAND_DATA_DIR": str(work)}, stdout=subprocess.DEVNULL)
        shutil.rmtree(cache, ignore_errors=True)
        work.rename(cache)  # whole, or not at all: a killed run leaves no half-written cache
        print(f"  trained in {time.monotonic() - started:.0f} s", flush=True)
    return cache / "models"


class Stack:
    """Sandbox + web app + N workers as subprocesses in a fresh data dir; `close()` always stops them."""

    def __init__(self, workers: int, models: Path):
        self.dir = Path(tempfile.mkdtemp(prefix=f"deskhand-bench-throughput-{workers}w-"))
        shutil.copytree(models, self.dir / "models")  # the trained model, as a deploy ships it
        self.procs: dict[str, subprocess.Popen] = {}
        sb_port, web_port = free_port(), free_port()
        self.sandbox = f"http://127.0.0.1:{sb_port}"
        self.web = f"http://127.0.0.1:{web_port}"
        self.db_path = str(self.dir / "deskhand.db")
        self.env = {**os.environ, "DESKHAND_DATA_DIR": str(self.dir), "DESKHAND_ZENDESK_URL": self.sandbox,
                    "DESKHAND_ZENDESK_WEBHOOK_SECRETS": SECRET,
                    "DESKHAND_POLICY_FILE": str(COMPANY / "policy.yaml"),
                    "DESKHAND_ALLOWED_LINK_HOSTS": "app.brightline.example,developers.brightline.example,"
                                                   "status.brightline.example",
                    # periodic work would land inside some step and not others
                    "DESKHAND_SWEEP_MINUTES": "0", "DESKHAND_SWEEP_CRON": "", "DESKHAND_KB_SYNC_MINUTES": "0",
                    "DESKHAND_DIGEST_CRON": ""}
        self.env.pop("DESKHAND_CONFIG", None)
        try:
            self._start("sandbox", "sandbox", "--port", str(sb_port), "--secret", SECRET,
                        "--webhook-url", f"{self.web}/webhooks/zendesk")
            self._wait_http(f"{self.sandbox}/_sandbox/stats", "sandbox")
            # the web app migrates the new database; workers start after it, because processes
            # migrating one fresh database at the same moment can collide (see docs/scaling.md)
            self._start("web", "serve", "--port", str(web_port))
            self._wait_http(f"{self.web}/healthz", "web")
            for i in range(workers):
                self._start(f"worker{i + 1}", "worker")
            for i in range(workers):  # ready once it has synced the knowledge base and loaded the model
                self._wait_log(f"worker{i + 1}", "started (model")
        except BaseException:
            self.close()
            raise

    def _start(self, name: str, *args: str) -> None:
        log = open(self.dir / f"{name}.log", "wb")
        self.procs[name] = subprocess.Popen([DESKHAND, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True,  # Ctrl-C is ours
                                            preexec_fn=die_with_parent)
        log.close()

    def _check_alive(self, name: str) -> None:
        if self.procs[name].poll() is not None:
            tail = (self.dir / f"{name}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with {self.procs[name].returncode}:\n{tail}")

    def _wait_http(self, url: str, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                if requests.get(url, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer {url} within {timeout:g} s")

    def _wait_log(self, name: str, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive(name)
            if text in (self.dir / f"{name}.log").read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready within {timeout:g} s")

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far: sandbox, web, workers (summed)."""
        out = {"sandbox": 0.0, "web": 0.0, "workers": 0.0}
        for name, proc in self.procs.items():
            out["workers" if name.startswith("worker") else name] += cpu_seconds(proc.pid)
        return out

    def close(self) -> None:
        """SIGTERM everything we started (the worker finishes its job, the sandbox flushes), then
        SIGKILL what is still there after 10 s; keep the logs only if asked."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if os.environ.get("BENCH_KEEP"):
            print(f"  (kept {self.dir})")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def query(db_path: str, sql: str, args=()) -> list[dict]:
    """Read Deskhand's SQLite alongside its writers (WAL)."""
    with closing(sqlite3.connect(db_path, timeout=30)) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, args)]


class Driver:
    """Sends customer replies through the sandbox's control API and reads back what happened."""

    def __init__(self, stack: Stack):
        self.stack, self.http = stack, requests.Session()
        with open(COMPANY / "history.jsonl", encoding="utf-8") as fh:  # real customer questions
            self.bodies = [row["body"] for row in map(json.loads, fh)]
        self.used = 0

    def control(self, route: str, body: dict) -> dict:
        resp = self.http.post(f"{self.stack.sandbox}/_sandbox/{route}", json=body, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def tickets(self, n: int) -> list[int]:
        """`n` new open tickets, each with one customer message; `generate` sends no webhook."""
        return self.control("generate", {"n": n})["ticket_ids"]

    def send(self, rate: float, tickets: list[int]) -> list[dict]:
        """A customer reply on each ticket at `rate`/s, open-loop (a late send goes at once, never skipped)."""
        events, start = [], time.monotonic()
        for i, tid in enumerate(tickets):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            body = self.bodies[self.used % len(self.bodies)]
            self.used += 1
            sent = time.time()  # wall clock: compared with the other processes' time.time() stamps
            comment = self.control("customer_reply", {"ticket_id": tid, "body": body})["comment"]
            events.append({"ticket_id": str(tid), "comment_id": str(comment["id"]), "sent": sent})
        return events

    def wait_done(self, events: list[dict], timeout: float) -> list[dict]:
        """Each event's job row (joined with its inbox arrival), once all are finished or time is up."""
        wanted = {(e["ticket_id"], e["comment_id"]) for e in events}
        deadline = time.monotonic() + timeout
        while True:
            since = min(e["sent"] for e in events) - 1
            rows = query(self.stack.db_path,
                         "SELECT j.ticket_id, j.comment_id, j.status, j.updated_at, i.received_at FROM jobs j"
                         " JOIN inbox i ON i.delivery_id = j.delivery_id WHERE j.created_at >= ?", [since])
            found = {(r["ticket_id"], r["comment_id"]): r for r in rows if (r["ticket_id"], r["comment_id"]) in wanted}
            if sum(r["status"] in ("done", "dead") for r in found.values()) == len(wanted) \
                    or time.monotonic() > deadline:
                return [found.get((e["ticket_id"], e["comment_id"])) for e in events]
            time.sleep(0.25)

    def warm_up(self, workers: int, timeout: float = 900) -> None:
        """Bursts of events until every worker has finished one. A worker's first job loads its
        models lazily — and on a machine without the sensitivity detector's cache, trains it (a
        minute or more on a busy 2-core box): start-up cost, not throughput. The jobs' `owner`
        column says which workers have run one."""
        started, deadline = time.monotonic(), time.monotonic() + timeout
        while True:
            jobs = self.wait_done(self.send(50, self.tickets(2 * workers)), max(1.0, deadline - time.monotonic()))
            owners = query(self.stack.db_path, "SELECT COUNT(DISTINCT owner) AS n FROM jobs WHERE status = 'done'")
            if all(j and j["status"] == "done" for j in jobs) and owners[0]["n"] >= workers:
                print(f"  warm-up for {workers} worker(s): {time.monotonic() - started:.0f} s, not counted",
                      file=sys.stderr, flush=True)
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"warm-up: not every worker finished a job within {timeout:g} s"
                                   f" (logs: BENCH_KEEP=1 keeps {self.stack.dir})")

    def writes(self, since: float) -> dict[str, list[dict]]:
        """Successful ticket PUTs logged by the sandbox since `since`, by ticket id."""
        log = self.http.get(f"{self.stack.sandbox}/_sandbox/requests", timeout=60).json()["requests"]
        out: dict[str, list[dict]] = {}
        for r in log:
            parts = r["path"].removesuffix(".json").split("/")  # /api/v2/tickets/{id}
            if r["method"] == "PUT" and len(parts) == 5 and parts[3] == "tickets" and r["status"] < 300 \
                    and r["at"] >= since:
                out.setdefault(parts[4], []).append(r)
        return out


def step(driver: Driver, workers: int, rate: float, seconds: float, drain: float, target: float) -> dict:
    n = max(2, round(rate * seconds))
    tickets = driver.tickets(n)
    cpu0, t0 = driver.stack.cpu(), time.monotonic()
    events = driver.send(rate, tickets)
    sent_for = max(1e-9, events[-1]["sent"] - events[0]["sent"])
    jobs = driver.wait_done(events, drain)
    cpu1, elapsed = driver.stack.cpu(), time.monotonic() - t0
    puts = driver.writes(events[0]["sent"])
    lat, e2e, unhandled, no_write, public = [], [], 0, 0, 0
    for ev, job in zip(events, jobs):
        if job is None or job["status"] != "done":
            unhandled += 1  # never stored, still queued/running, or dead: as late as can be
            lat.append(float("inf"))
            e2e.append(float("inf"))
            continue
        put = next((p for p in puts.get(ev["ticket_id"], ()) if p["at"] >= job["received_at"]), None)
        if put is None:
            no_write += 1  # handled with no write (a guard's skip): no landing to time
            continue
        public += bool(((put.get("body") or {}).get("ticket", {}).get("comment") or {}).get("public"))
        lat.append(put["at"] - job["received_at"])
        e2e.append(put["at"] - ev["sent"])
    arrivals = sorted(j["received_at"] for j in jobs if j)
    p95 = percentile(lat, 95)
    return {"workers": workers, "rate": rate, "events": n, "sent_per_s": (n - 1) / sent_for,
            "arrived_per_s": (len(arrivals) - 1) / max(1e-9, arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0,
            "writes": len(lat) - unhandled, "public": public, "no_write": no_write, "unhandled": unhandled,
            "p50_ms": 1000 * percentile(lat, 50), "p95_ms": 1000 * p95, "max_ms": 1000 * max(lat, default=0.0),
            "p95_e2e_ms": 1000 * percentile(e2e, 95),
            **{f"cpu_{k}": 100 * (cpu1[k] - cpu0[k]) / elapsed for k in cpu0},
            "ok": unhandled == 0 and p95 < target}


def fmt_ms(v: float) -> str:
    return "inf" if v == float("inf") else "-" if v != v else f"{v:.0f}"


def print_row(r: dict) -> None:
    print(f"{r['workers']:>7} {r['rate']:>6g} {r['sent_per_s']:>7.1f} {r['arrived_per_s']:>7.1f} {r['events']:>6}"
          f" {r['writes']:>6} {r['public']:>6} {r['no_write']:>5} {r['unhandled']:>5}"
          f" {fmt_ms(r['p50_ms']):>7} {fmt_ms(r['p95_ms']):>7} {fmt_ms(r['max_ms']):>7} {fmt_ms(r['p95_e2e_ms']):>7}"
          f"   {r['cpu_sandbox']:>3.0f}/{r['cpu_web']:>3.0f}/{r['cpu_workers']:>3.0f}  {'yes' if r['ok'] else 'NO'}",
          flush=True)


HEADER = (f"{'workers':>7} {'rate/s':>6} {'sent/s':>7} {'arriv/s':>7} {'events':>6} {'writes':>6} {'public':>6}"
          f" {'skip':>5} {'unhnd':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'e2e p95':>7}   cpu% sb/web/wk  ok")


def interrupt(*_) -> None:
    """SIGTERM behaves like Ctrl-C: unwind through the `finally` that stops the children."""
    raise KeyboardInterrupt


def finite(v):
    """For JSON: inf (an unhandled event) and NaN (no sample) as null, which JSON allows; 3 decimals."""
    if not isinstance(v, float):
        return v
    return None if v != v or v in (float("inf"), float("-inf")) else round(v, 3)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rates", default="2,4,6,8,10,12,16,20,24,32", help="events/s per step, rising (comma-separated)")
    ap.add_argument("--seconds", type=float, default=20, help="length of each step's sending, seconds")
    ap.add_argument("--workers", default="1,2,4", help="worker process counts to try (comma-separated)")
    ap.add_argument("--target-p95", type=float, default=2.0, help="p95 arrival-to-write bound, seconds")
    ap.add_argument("--drain", type=float, default=60, help="seconds to wait after a step for its jobs to finish")
    ap.add_argument("--quick", action="store_true", help="short form: 1 worker, rates 2 and 4, 4 s steps")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args(argv)
    if args.quick:
        args.rates, args.seconds, args.workers, args.drain = "2,4", 4, "1", 20
    try:
        rates = sorted(float(x) for x in args.rates.split(","))
        counts = [int(x) for x in args.workers.split(",")]
        if min(rates) <= 0 or min(counts) < 1 or args.seconds <= 0:
            raise ValueError
    except ValueError:
        ap.error("--rates must be positive numbers, --workers whole numbers >= 1, --seconds > 0")
    if not os.path.exists(DESKHAND):
        ap.error("no `deskhand` command beside this Python or on PATH: run it with .venv/bin/python")
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C even if started with SIGINT ignored (`&`)

    results: list[dict] = []
    stack = None
    try:
        models = trained_models()
        # other work on the machine skews every figure: say how busy it was
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run; target p95 <"
              f" {args.target_p95:g} s from webhook arrival to the write; {args.seconds:g} s per step", flush=True)
        print(HEADER, flush=True)
        for count in counts:
            stack = Stack(count, models)
            driver = Driver(stack)
            driver.warm_up(count)
            for rate in rates:
                results.append(step(driver, count, rate, args.seconds, args.drain, args.target_p95))
                print_row(results[-1])
                if not results[-1]["ok"]:
                    break  # higher rates would only queue more
            stack.close()
            stack = None
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the processes", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.CalledProcessError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)  # a process that would not start, or the sandbox gone
        return 1
    finally:
        if stack is not None:
            stack.close()

    ceilings, words = {}, []
    for count in counts:
        tried = [r for r in results if r["workers"] == count]
        ceilings[count] = max((r["rate"] for r in tried if r["ok"]), default=0.0)
        # every rate passed: the ceiling is above what was tried; none passed: below the lowest
        said = (f">= {ceilings[count]:g}" if all(r["ok"] for r in tried) else f"{ceilings[count]:g}"
                if ceilings[count] else f"< {rates[0]:g}")
        words.append(f"{count} worker{'s' if count > 1 else ''} {said} events/s")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"ceiling (p95 < {args.target_p95:g} s, all handled): " + ", ".join(words)
          + f" — one serve; sandbox and bench on the same {os.cpu_count()} cores")
    if args.json:
        emit_json({"ceiling_events_per_s": {str(c): t for c, t in ceilings.items()},
                   "target_p95_s": args.target_p95,
                   "steps": [{k: finite(v) for k, v in r.items()} for r in results]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
