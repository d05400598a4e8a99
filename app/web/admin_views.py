"""The admin views shared by the Zendesk app's nav_bar (JSON) and the /admin page (HTML):
the per-category policy with its measured figures, a change's preview, connector status, the
decision log. No Flask here: both front ends call these and render the result their own way."""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from app.core.config import Settings
from app.core.domain import CategoryPolicy
from app.policy import store as policy_store
from app.policy.preview import Past, preview
from app.policy.schema import PolicyError, check_categories, entry_from_dict
from app.store import eval_runs
from app.store import views as app_data

VOLUME_DAYS = 30
# how the category replies: answers from the account, solving on a confirmation, the holding reply
REPLY_FIELDS = ("account_facts", "solve_on_confirmation", "holding_reply", "holding_reply_text", "holding_reply_hours")
EDITABLE = ("mode", "send_at", "draft_at", "escalate_to", *REPLY_FIELDS)
PREVIEW_DEFAULT, PREVIEW_MAX, LOG_MAX = 50, 500, 500
_CATEGORY = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")


def entry_dict(entry: CategoryPolicy) -> dict:
    return {k: v for k, v in asdict(entry).items() if k in EDITABLE}


def latest_eval(db: sqlite_utils.Database) -> dict | None:
    return eval_runs.latest(db)


def policy_table(db: sqlite_utils.Database, now: float | None = None) -> dict:
    """Every category Deskhand has a policy entry, a recent decision or an eval figure for."""
    policy = policy_store.load(db)
    own = dict(policy.categories)
    since = (now or time.time()) - VOLUME_DAYS * 86400
    volume = dict(db.execute("SELECT json_extract(detail, '$.category'), count(*) FROM audit"
                             " WHERE step = 'decide' AND at >= ? GROUP BY 1", [since]).fetchall())
    run = latest_eval(db)
    measured = json.loads(run["per_category"]) if run else {}
    rows = []
    for category in sorted(set(own) | {c for c in volume if c} | set(measured)):
        figures = measured.get(category) or {}
        rows.append({"category": category, **entry_dict(policy.for_category(category)),
                     "own_entry": category in own, "volume": volume.get(category, 0),
                     "precision": figures.get("precision"), "recall": figures.get("recall"),
                     "proposed_send_at": figures.get("proposed_send_at"),
                     "proposed_draft_at": figures.get("proposed_draft_at")})
    return {"categories": rows, "default": entry_dict(policy.default),
            "eval_at": run["at"] if run else None, "eval_model": run["model"] if run else None}


def parse_change(body, category: str, known: dict | None = None) -> dict:
    """The fields an admin may change from the app, checked for shape (values by the policy);
    `known`: the trained model's categories, which the category must be one of."""
    if category != "default" and not _CATEGORY.fullmatch(category):
        raise PolicyError(f"{category!r} is not a category name (lower-case letters, digits, _ - .)")
    check_categories([category], known)
    if not isinstance(body, dict):
        raise PolicyError("body must be a JSON object")
    unknown = set(body) - set(EDITABLE)
    if unknown:
        raise PolicyError(f"unknown field(s) {sorted(unknown)}; editable here: {', '.join(EDITABLE)}")
    if not isinstance(body.get("escalate_to") or "", str):
        raise PolicyError("escalate_to must be text (a group or person to escalate to)")
    return dict(body)


def changed_entry(db: sqlite_utils.Database, category: str, values: dict) -> tuple[CategoryPolicy, CategoryPolicy]:
    """(the entry in force, the entry after the change); PolicyError when the change is invalid."""
    policy = policy_store.load(db)
    current = policy.default if category == "default" else policy.for_category(category)
    return current, entry_from_dict(values, current, f"policy.{category}")


def preview_change(db: sqlite_utils.Database, category: str, values: dict, n: int = PREVIEW_DEFAULT) -> dict:
    """What the change would have done to the category's last `n` decisions (for `default`: the
    last `n` in categories without their own entry)."""
    current, changed = changed_entry(db, category, values)
    own = set(dict(policy_store.load(db).categories))
    history = []
    for row in app_data.decisions(db, 10 * n if category == "default" else n,
                                  None if category == "default" else category):
        if category == "default" and row["detail"].get("category") in own:
            continue
        inputs = app_data.inputs_of(db, row)
        if "triage" in inputs:
            history.append(Past(row["ticket_id"], row["detail"], inputs["triage"], inputs.get("compose"),
                                inputs.get("check")))
        if len(history) >= n:
            break
    return {**preview(history, current, changed), "category": category,
            "current": entry_dict(current), "proposed": entry_dict(changed)}


def apply_change(db: sqlite_utils.Database, category: str, values: dict) -> dict:
    entry = policy_store.set_entry(db, category, values)
    return {"category": category, **entry_dict(entry)}


def decision_log(db: sqlite_utils.Database, limit: int, ticket_url) -> list[dict]:
    return [{"at": row["at"], "at_iso": iso(row["at"]), "ticket_id": row["ticket_id"],
             "ticket_url": ticket_url(row["ticket_id"]), "platform": row["platform"],
             "category": row["detail"].get("category"), "confidence": row["detail"].get("confidence"),
             "action": row["detail"].get("action"), "reasons": row["detail"].get("reasons") or [],
             "mode": row["detail"].get("mode")}
            for row in app_data.decisions(db, limit)]


def status(settings: Settings, db: sqlite_utils.Database, helpdesk) -> dict:
    queued = db.execute("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]
    return {"connectors": [helpdesk_status(settings, helpdesk), *systems_status(settings),
                           *knowledge_status(settings, db)],
            "queue": {"pending": queued, "dead_letters": db["dead_letters"].count},
            "model": model_version(settings)}


def helpdesk_status(settings: Settings, helpdesk) -> dict:
    """A live call (who the bot is signed in as): the one system every ticket needs."""
    system = settings.helpdesk
    try:
        return {"name": "helpdesk", "system": system, "connected": True, "detail": helpdesk.signed_in_as()}
    except Exception as exc:  # any failure is the answer here, not an error of this page
        return {"name": "helpdesk", "system": system, "connected": False,
                "detail": f"cannot reach {system.capitalize()}: {type(exc).__name__}: {str(exc)[:200]}"}


def systems_status(settings: Settings) -> list[dict]:
    """Context systems are connected when configured; they are not called from here (each call
    costs the vendor's rate limit and the admin page would wait on the slowest)."""
    plan = [("billing", "stripe", settings.stripe_api_key, "stripe_api_key", "key set"),
            ("crm", "hubspot", settings.hubspot_token, "hubspot_token", "token set"),
            ("bugs", "linear", settings.linear_api_key and settings.linear_team_id, "linear_api_key and linear_team_id",
             f"team {settings.linear_team_id}"),
            ("chat", "slack", settings.slack_token and settings.slack_channel, "slack_token and slack_channel",
             f"alerts to {settings.slack_channel}")]
    return [{"name": name, "system": system, "connected": bool(on),
             "detail": f"{what} (configured; not called from here)" if on else f"not connected: set {setting}"}
            for name, system, on, setting, what in plan]


def knowledge_status(settings: Settings, db: sqlite_utils.Database) -> list[dict]:
    rows = {r["source"]: r for r in db["kb_sources"].rows}
    kinds = [s.strip().partition(":")[0] for s in settings.kb_sources.split(",") if s.strip()]
    out = []
    for kind in dict.fromkeys(kinds + sorted(rows)):
        row = rows.get(kind)
        if row is None:
            detail, ok = "never synced: run `deskhand kb sync` or start the worker", False
        elif row.get("error"):
            detail, ok = f"last sync failed: {row['error'][:200]}", False
        else:
            detail, ok = f"{row.get('articles') or 0} articles, synced {iso(row.get('synced_at'))}", True
        if kind not in kinds:
            detail += " (no longer in kb_sources)"
        out.append({"name": f"knowledge:{kind}", "system": kind, "connected": ok, "detail": detail})
    return out


def model_version(settings: Settings) -> str | None:
    """The current model's version from its file name, without unpickling it."""
    from app.reasoning.engine import models_dir  # the engine module pulls in the classifier's libraries
    pointer = Path(models_dir(settings.data_dir)) / "current"
    if not pointer.exists():
        return None
    return pointer.read_text().strip().removeprefix("triage-").removesuffix(".pkl")


def iso(ts: float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
