"""The worker's scheduler: jobs from the settings, one run at a time across processes, no second
run straight after a restart, and never a scheduler in the web app."""
from __future__ import annotations

import threading
import time

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from app.core.config import ConfigError, Settings, load_settings
from app.schedule import scheduler
from app.store.db import connect, migrate


@pytest.fixture
def db(tmp_path):
    db = connect(str(tmp_path / "d.db"))
    migrate(db)
    return db


def test_jobs_come_from_the_settings():
    specs = {s.name: s for s in scheduler.job_specs(Settings(sweep_minutes=20, kb_sync_minutes=60))}
    assert set(specs) == {"sweep", "kb_sync", "outcomes", "digest", "retrain"} and specs["outcomes"].interval_s == 6 * 3600
    assert "day_of_week='0'" in str(specs["retrain"].trigger)  # weekly, Sunday 03:00 UTC
    assert specs["sweep"].interval_s == 1200 and specs["kb_sync"].interval_s == 3600
    assert str(specs["digest"].trigger).startswith("cron[") and "hour='8'" in str(specs["digest"].trigger)
    cron = {s.name: s for s in scheduler.job_specs(Settings(sweep_minutes=0, sweep_cron="*/30 7-19 * * 1-5",
                                                            kb_sync_minutes=0, digest_cron="", retrain_cron="",
                                                            outcomes_sweep_minutes=0))}
    assert set(cron) == {"sweep"} and cron["sweep"].interval_s == 0 and "day_of_week='1-5'" in str(cron["sweep"].trigger)
    assert scheduler.job_specs(Settings(sweep_minutes=0, kb_sync_minutes=0, digest_cron="", retrain_cron="",
                                        outcomes_sweep_minutes=0)) == []
    intercom = scheduler.job_specs(Settings(helpdesk="intercom", sweep_minutes=15, kb_sync_minutes=0, digest_cron="",
                                            retrain_cron="", outcomes_sweep_minutes=0))
    assert [s.name for s in intercom] == ["sweep"]  # Intercom sweeps search waiting_since
    with pytest.raises(ConfigError, match="sweep_cron"):
        load_settings(environ={"DESKHAND_SWEEP_CRON": "every day"})


def test_two_holders_never_hold_one_job_and_a_lapsed_lease_is_taken_over(db):
    assert scheduler.acquire(db, "sweep", "host-a:1", lease_s=60, now=1000) == ""
    assert "host-a:1 is running it" in scheduler.acquire(db, "sweep", "host-b:2", lease_s=60, now=1030)
    assert scheduler.acquire(db, "sweep", "host-b:2", lease_s=60, now=1061) == ""  # a's lease ran out
    scheduler.release(db, "sweep", "host-a:1", "ok")  # a late release by the old holder changes nothing
    assert db["schedule"].get("sweep")["holder"] == "host-b:2"


def test_a_lease_left_by_a_dead_process_on_this_machine_is_not_waited_out(db):
    import socket
    import subprocess
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid names no live process now
    holder = f"{socket.gethostname()}:{gone.pid}"
    assert scheduler.acquire(db, "sweep", holder, lease_s=600) == ""
    assert scheduler.acquire(db, "sweep", "me:1", lease_s=600) == ""


def test_at_most_one_run_at_a_time_across_threads(tmp_path):
    path = str(tmp_path / "d.db")
    migrate(connect(path))  # as the worker's start does (prepare_database)
    running, peak, ran = [0], [0], []
    lock = threading.Lock()

    def body(name):
        try:
            with scheduler.exclusive(path, "sweep", name, lease_s=30):
                with lock:
                    running[0] += 1
                    peak[0] = max(peak[0], running[0])
                time.sleep(0.3)
                with lock:
                    running[0] -= 1
                ran.append(name)
        except scheduler.Busy:
            pass
    threads = [threading.Thread(target=body, args=(f"h:{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1 and len(ran) >= 1


def test_a_restarted_worker_waits_out_the_interval_instead_of_sweeping_again_at_once(tmp_path):
    settings = Settings(data_dir=str(tmp_path), sweep_minutes=30, kb_sync_minutes=0, digest_cron="", retrain_cron="",
                        outcomes_sweep_minutes=0)
    db = connect(settings.db_path)
    migrate(db)
    ran_at = time.time() - 600  # the last sweep started 10 minutes ago
    assert scheduler.acquire(db, "sweep", "old:1", lease_s=60, now=ran_at) == ""
    scheduler.release(db, "sweep", "old:1", "ok")
    sched = scheduler.start(settings, holder="new:2")
    try:
        [job] = sched.get_jobs()
        assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time == 900
        assert abs(job.next_run_time.timestamp() - (ran_at + 1800)) < 2
        # and a run fired early anyway (another worker's schedule) is refused by the gap
        job.func()
        assert db["schedule"].get("sweep")["last_started"] == pytest.approx(ran_at)
    finally:
        sched.shutdown(wait=False)


def test_the_scheduled_job_runs_under_the_lease_once_per_firing_and_records_its_outcome(tmp_path, monkeypatch):
    settings = Settings(data_dir=str(tmp_path), sweep_minutes=0, kb_sync_minutes=0, digest_cron="0 8 * * *",
                        retrain_cron="", outcomes_sweep_minutes=0)
    calls = []
    monkeypatch.setattr(scheduler, "DIGEST_HOOKS", [lambda s: calls.append(s.data_dir)])
    [spec] = scheduler.job_specs(settings)
    run = scheduler.guarded(settings, spec, "me:1")
    run()
    run()  # a second worker firing the same minute: refused by the 50 s gap of a cron job
    row = connect(settings.db_path)["schedule"].get("digest")
    assert calls == [str(tmp_path)] and row["last_status"] == "ok" and row["holder"] == ""
    other = Settings(data_dir=str(tmp_path / "other"), sweep_minutes=0, kb_sync_minutes=0)
    monkeypatch.setattr(scheduler, "DIGEST_HOOKS", [lambda s: 1 / 0])
    scheduler.guarded(other, spec, "me:1")()  # a failing run is logged, never raised into apscheduler
    row = connect(other.db_path)["schedule"].get("digest")
    assert row["last_status"] == "error" and row["holder"] == "" and row["lease_until"] == 0


def test_the_web_app_never_starts_a_scheduler(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(BackgroundScheduler, "start", lambda self, *a, **k: started.append(self))
    from app.web.factory import create_app
    app = create_app(Settings(data_dir=str(tmp_path), sweep_enabled=True, sweep_minutes=1))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert started == [] and not [t for t in threading.enumerate() if "APScheduler" in t.name]
    scheduler.start(Settings(data_dir=str(tmp_path)))  # the worker's call does start one
    assert len(started) == 1
