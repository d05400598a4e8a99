"""`deskhand eval`'s per-category figures, kept where the admin views show them beside the policy
(measured precision, proposed thresholds). Written and read only here."""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def record(db: sqlite_utils.Database, result: dict, target_precision: float) -> None:
    db["eval_runs"].insert({"at": time.time(), "model": result.get("model", ""), "n": result["n"],
                            "accuracy": result.get("accuracy"), "target_precision": target_precision,
                            "per_category": json.dumps(result["per_category"])})


def latest(db: sqlite_utils.Database) -> dict | None:
    return next(db["eval_runs"].rows_where(order_by="id DESC", limit=1), None)
