"""One SQLite file through sqlite-utils: WAL, a busy timeout, migrations as functions.

Connections are opened in autocommit mode and `transaction()` issues BEGIN IMMEDIATE,
so a multi-statement change (claiming a job, moving a ledger row) takes the write
lock up front and two workers can never interleave inside it.
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    import sqlite_utils

MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = []


def migration(fn):
    MIGRATIONS.append(fn)
    return fn


def connect(path: str) -> sqlite_utils.Database:
    import sqlite_utils  # here, not above: every command imports this module, few open a database
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed row
    db = sqlite_utils.Database(conn)
    if path != ":memory:":
        db.enable_wal()
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def migrate(db: sqlite_utils.Database) -> None:
    """Apply the migrations this database lacks. Processes starting together (serve and workers on a
    fresh database) may race here: each migration is re-checked inside its write transaction, so the
    second process finds it applied and skips it instead of creating a table twice."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at FLOAT)")
    done = {row["name"] for row in db["_migrations"].rows}
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with transaction(db):
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", [fn.__name__]).fetchone():
                continue  # another process applied it while this one waited for the write lock
            fn(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [fn.__name__, time.time()])


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["inbox"].create({
        "delivery_id": str, "platform": str, "kind": str, "ticket_id": str,
        "received_at": float, "payload": str,
    }, pk="delivery_id")
    db["jobs"].create({
        "id": int, "delivery_id": str, "platform": str, "kind": str, "ticket_id": str,
        "comment_id": str, "author_id": str, "requester_id": str,
        "status": str, "attempts": int, "run_at": float, "lease_until": float,
        "owner": str, "last_error": str, "created_at": float, "updated_at": float,
    }, pk="id")
    db["jobs"].create_index(["delivery_id"], unique=True)
    db["jobs"].create_index(["status", "run_at"])
    db["jobs"].create_index(["platform", "ticket_id", "status"])
    db["dead_letters"].create({
        "job_id": int, "delivery_id": str, "platform": str, "ticket_id": str,
        "reason": str, "attempts": int, "at": float,
    }, pk="job_id")
    db["ledger"].create({
        "reply_key": str, "platform": str, "ticket_id": str, "comment_id": str,
        "action": str, "marker": str, "body": str, "state": str, "remote_id": str,
        "created_at": float, "updated_at": float,
    }, pk="reply_key")
    db["audit"].create({
        "id": int, "at": float, "job_id": int, "delivery_id": str, "platform": str,
        "ticket_id": str, "step": str, "detail": str,
    }, pk="id")
    db["audit"].create_index(["platform", "ticket_id"])
    # Append-only: the audit trail is evidence, so the database itself refuses edits.
    db.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
               "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END")
    db.execute("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
               "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END")
    db["policy"].create({
        "category": str, "mode": str, "send_at": float, "draft_at": float,
        "escalate_to": str, "updated_at": float,
    }, pk="category")
    db["counters"].create({"name": str, "value": int}, pk="name")
    db["settings_kv"].create({"key": str, "value": str}, pk="key")


def bump_counter(db: sqlite_utils.Database, name: str, by: int = 1) -> None:
    db.execute("INSERT INTO counters (name, value) VALUES (?, ?) "
               "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value", [name, by])


def counters(db: sqlite_utils.Database) -> dict[str, int]:
    return {row["name"]: row["value"] for row in db["counters"].rows}


@migration
def m002_knowledge(db: sqlite_utils.Database) -> None:
    db["kb_articles"].create({
        "key": str, "source": str, "article_id": str, "title": str, "url": str,
        "updated_at": str, "labels": str, "digest": str, "synced_at": float,
    }, pk="key")
    db["kb_passages"].create({
        "id": str, "article_key": str, "position": int, "title": str, "url": str,
        "updated_at": str, "heading": str, "text": str, "labels": str, "vector": bytes,
    }, pk="id")
    db["kb_passages"].create_index(["article_key"])
    db["kb_sources"].create({
        "source": str, "cursor": str, "synced_at": float, "articles": int, "error": str,
    }, pk="source")


@migration
def m003_gather_plan(db: sqlite_utils.Database) -> None:
    db["policy"].add_column("gather", str)  # JSON list; NULL = every lookup
    db["case_files"].create({
        "id": int, "at": float, "platform": str, "ticket_id": str, "category": str,
        "completeness": float, "missing": str, "gaps": str, "gather_ms": float,
    }, pk="id")


@migration
def m004_pending_actions(db: sqlite_utils.Database) -> None:
    db["pending_actions"].create({
        "id": int, "platform": str, "ticket_id": str, "reply_key": str, "action": str, "params": str,
        "summary": str, "status": str, "created_at": float, "decided_at": float, "decided_by": str, "result": str,
    }, pk="id")
    db["pending_actions"].create_index(["reply_key", "action"], unique=True)


@migration
def m005_action_levels(db: sqlite_utils.Database) -> None:
    # auto actions (alerts, notes, bug filing) are kept beside the ones awaiting approval, so a
    # retried job finds what already ran
    db["pending_actions"].add_column("level", str, not_null_default="approval")
    db["policy"].add_column("actions", str)  # JSON object action -> level; NULL = the category's defaults


@migration
def m006_app_backend(db: sqlite_utils.Database) -> None:
    # every click in the Zendesk app's sidebar, with the decision it rates, for the learning loop
    db["feedback"].create({
        "id": int, "at": float, "platform": str, "ticket_id": str, "user_id": str, "rating": str,
        "comment": str, "category": str, "confidence": float, "action": str,
    }, pk="id")
    db["feedback"].create_index(["platform", "ticket_id"])
    # `deskhand eval` keeps its per-category table, so the admin page can show measured precision
    db["eval_runs"].create({
        "id": int, "at": float, "model": str, "n": int, "accuracy": float, "target_precision": float,
        "per_category": str,  # JSON: category -> {volume, precision, recall, proposed_send_at, …}
    }, pk="id")
    # the admin views read decisions across tickets (recent log, 30-day volume)
    db["audit"].create_index(["step", "at"])


@migration
def m007_sweeps_and_schedule(db: sqlite_utils.Database) -> None:
    # the backlog sweep's export position per helpdesk, saved only after a page's tickets are
    # enqueued, so a killed sweep re-reads at most one page
    db["sweep_state"].create({"platform": str, "position": str, "updated_at": float}, pk="platform")
    # each ticket version the sweep examined (updated_at) and what it found: a re-read page or a
    # restart after a kill costs no second comment read, and nothing is enqueued twice
    db["sweep_seen"].create({"platform": str, "ticket_id": str, "updated_at": str, "outcome": str,
                             "at": float}, pk=("platform", "ticket_id"))
    db["sweep_runs"].create({"id": int, "started_at": float, "finished_at": float, "dry_run": int,
                             "summary": str}, pk="id")
    # one row per scheduled job: who holds it (a lease, so two workers never run it at once) and
    # when it last started, so a restarted worker does not run it again straight away
    db["schedule"].create({"name": str, "holder": str, "lease_until": float, "last_started": float,
                           "last_finished": float, "last_status": str}, pk="name")


@migration
def m008_failure_notes(db: sqlite_utils.Database) -> None:
    # Every job set aside owes its ticket an internal note (DESIGN §7.7), whichever way it died:
    # `note` is `owed` from the moment it is buried (in the same transaction), `done` once the
    # note is on the ticket, `failed` when the helpdesk refused it `max_attempts` times. A worker
    # holds an owed note with a lease (note_owner, note_until) while it writes it, so two workers
    # never write it together. Rows buried before this column existed keep '' (not owed).
    db["dead_letters"].add_column("note", str, not_null_default="")
    db["dead_letters"].add_column("note_owner", str, not_null_default="")
    db["dead_letters"].add_column("note_until", float, not_null_default=0)
    db["dead_letters"].add_column("note_tries", int, not_null_default=0)
    db["dead_letters"].create_index(["note", "note_until"])


@migration
def m009_knowledge_languages(db: sqlite_utils.Database) -> None:
    # Replies quote only articles in the customer's language. Everything synced before this was
    # read as English, as replies then were; a source moved into a locale folder (kb/es/) changes
    # its articles' digest, so the next sync rewrites them with their language.
    db["kb_articles"].add_column("language", str, not_null_default="en")
    db["kb_passages"].add_column("language", str, not_null_default="en")


@migration
def m010_account_facts(db: sqlite_utils.Database) -> None:
    # per category: answer from the requester's billing account when the message asks about it
    db["policy"].add_column("account_facts", int, not_null_default=0)


@migration
def m011_solve_on_confirmation(db: sqlite_utils.Database) -> None:
    # 1: a customer's "thanks, that fixed it" after Deskhand's answer solves the ticket; entries
    # stored before this column existed keep 0 (a person solves it, as before)
    db["policy"].add_column("solve_on_confirmation", int, not_null_default=0)


@migration
def m012_holding_reply(db: sqlite_utils.Database) -> None:
    # per category: a short public reply when a ticket is escalated (off by default), its own text
    # ("" = the default text) and the hours it may promise (0 = no promise of timing)
    db["policy"].add_column("holding_reply", int, not_null_default=0)
    db["policy"].add_column("holding_reply_text", str, not_null_default="")
    db["policy"].add_column("holding_reply_hours", int, not_null_default=0)


@migration
def m013_outcomes(db: sqlite_utils.Database) -> None:
    # What happened after each decision (app/outcomes/): one row per observed outcome. `key` names
    # the thing observed (a comment id, a solve episode, a rating value), unique per ticket, so an
    # event delivered twice, or a sweep re-reading the ticket, records nothing twice.
    db["outcomes"].create({
        "id": int, "at": float, "platform": str, "ticket_id": str, "key": str,
        "decision_id": int,  # the audit row of the decision it is about (step 'decide')
        "category": str, "action": str, "kind": str, "value": float, "detail": str,
    }, pk="id")
    db["outcomes"].create_index(["platform", "ticket_id", "key"], unique=True)
    db["outcomes"].create_index(["kind", "at"])
    db["outcomes"].create_index(["category", "at"])


@migration
def m014_learning(db: sqlite_utils.Database) -> None:
    # What the team taught Deskhand since its model was trained: a ticket's message with the category
    # a person gave it (an agent's correction, a solved ticket's final category, sidebar feedback).
    # One row per ticket: the newest word on it wins (a correction after the solve replaces it).
    db["training_history"].create({
        "platform": str, "ticket_id": str, "text": str, "category": str, "source": str, "at": float,
    }, pk=("platform", "ticket_id"))
    db["training_history"].create_index(["at"])
    # the sidebar's "wrong category" may name the right one
    db["feedback"].add_column("corrected_category", str, not_null_default="")
    # /metrics reads finished jobs' latency incrementally, newest first
    db["jobs"].create_index(["status", "updated_at"])


@migration
def m015_insights(db: sqlite_utils.Database) -> None:
    # one row per recurring error Deskhand filed: the Linear issue, the count it last reported and
    # the tickets it holds, so any number of runs keeps to one issue and comments only on news.
    # `state` is `planned` from before the create call until the issue is known (a crash between
    # them re-finds the issue by its stored title, which Linear's create dedupes on).
    db["insight_errors"].create({
        "key": str, "title": str, "codes": str, "state": str, "issue_id": str, "identifier": str, "url": str,
        "reported": int, "tickets": str, "first_seen": float, "last_seen": float, "created_at": float,
        "updated_at": float}, pk="key")
    # each account's latest churn risk, for the case file and the sidebar; `crm_value` is what was
    # last written to the CRM, so an unchanged score is not written again
    db["insight_risks"].create({
        "account": str, "name": str, "plan": str, "arr": float, "score": float, "level": str,
        "reasons": str, "tickets": str, "people": str, "at": float, "crm_value": str}, pk="account")
    # each run's report (JSON), for the /admin page, the nav_bar app and the Slack digest
    db["insight_reports"].create({"id": int, "at": float, "since_s": float, "report": str}, pk="id")


@migration
def m016_passage_windows(db: sqlite_utils.Database) -> None:
    # English passages are now embedded as windows as well as whole (app/knowledge/search.py): the
    # next sync of every source lists and embeds every article again (an emptied digest never
    # matches, an emptied cursor asks for everything). Until then each passage keeps its one vector.
    db.execute("UPDATE kb_articles SET digest = ''")
    db.execute("UPDATE kb_sources SET cursor = ''")
