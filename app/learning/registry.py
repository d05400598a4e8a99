"""The model registry: versioned model folders under the data dir, one of them current.

    <data_dir>/models/
        current                      the file the worker loads (unchanged contract: classifier.load_current)
        versions/<version>/          triage-<version>.pkl, its card (.json), evaluation.json
        promotions.jsonl             every promotion and rollback: version, when, by whom, why
        triage-<version>.pkl         models `deskhand train` saved before (listed and promotable too)

Promoting rewrites `current` atomically; a running worker sees it before its next job (Follower).
Rolling back promotes the version that was current before the current one.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import DeskhandError
from app.reasoning import model_card

log = logging.getLogger("deskhand.models")
VERSIONS = "versions"
LOG = "promotions.jsonl"


class RegistryError(DeskhandError):
    pass


@dataclass(frozen=True)
class Version:
    version: str
    path: str  # relative to the models folder, as `current` names it
    trained_at: float
    n_train: int
    status: str  # current | candidate | previous | trained
    evaluation: dict


def save_candidate(models_dir: str, model, evaluation: dict) -> str:
    """Keep a trained model as a version, not current; its path relative to `models_dir`."""
    folder = Path(models_dir) / VERSIONS / model.version
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"triage-{model.version}.pkl", "wb") as fh:
        pickle.dump(model, fh)
    model_card.write(folder, model.version, model.info.get("volumes", {}), model.n_train, model.info.get("seen", []))
    (folder / "evaluation.json").write_text(json.dumps(evaluation, indent=1), encoding="utf-8")
    return f"{VERSIONS}/{model.version}/triage-{model.version}.pkl"


def current_path(models_dir: str) -> str:
    pointer = Path(models_dir) / "current"
    return pointer.read_text().strip() if pointer.exists() else ""


def promotions(models_dir: str) -> list[dict]:
    log = Path(models_dir) / LOG
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def versions(models_dir: str) -> list[Version]:
    """Every stored version, newest first."""
    base, current = Path(models_dir), current_path(models_dir)
    promoted = {entry["version"] for entry in promotions(models_dir)}
    found = [(p.relative_to(base).as_posix(), p) for p in base.glob("triage-*.pkl")]
    found += [(p.relative_to(base).as_posix(), p) for p in base.glob(f"{VERSIONS}/*/triage-*.pkl")]
    out = []
    for rel, path in found:
        version = path.stem.removeprefix("triage-")
        card_file = path.with_suffix(".json")
        card = json.loads(card_file.read_text(encoding="utf-8")) if card_file.exists() else {}
        evaluation_file = path.parent / "evaluation.json" if path.parent != base else None
        evaluation = json.loads(evaluation_file.read_text(encoding="utf-8")) if evaluation_file and evaluation_file.exists() else {}
        status = ("current" if rel == current else "previous" if version in promoted
                  else "candidate" if evaluation else "trained")
        out.append(Version(version, rel, path.stat().st_mtime, int(card.get("n_train", 0)), status, evaluation))
    return sorted(out, key=lambda v: (v.trained_at, v.version), reverse=True)


def find(models_dir: str, version: str) -> Version:
    matches = [v for v in versions(models_dir) if v.version == version or v.version.startswith(version)]
    if not matches:
        raise RegistryError(f"no model version {version!r}: `deskhand model list` shows them")
    if len({v.version for v in matches}) > 1:
        raise RegistryError(f"{version!r} names {len(matches)} versions: give more of it")
    return matches[0]


def promote(models_dir: str, version: str, by: str, why: str) -> Version:
    """Make `version` current. The version current before is logged first when it never was, so
    that a rollback can return to it."""
    chosen = find(models_dir, version)
    base, log = Path(models_dir), promotions(models_dir)
    before = current_path(models_dir)
    if before and not any(entry["path"] == before for entry in log):
        _log(base, {"version": Path(before).stem.removeprefix("triage-"), "path": before, "at": time.time(),
                    "by": "deskhand train", "why": "current before the first promotion"})
    tmp = base / "current.tmp"
    tmp.write_text(chosen.path)
    os.replace(tmp, base / "current")  # a worker reading `current` sees the old name or the new one, whole
    _log(base, {"version": chosen.version, "path": chosen.path, "at": time.time(), "by": by, "why": why})
    return chosen


def rollback(models_dir: str, by: str) -> Version:
    """Promote the version that was current before the current one."""
    current = current_path(models_dir)
    earlier = [entry for entry in promotions(models_dir) if entry["path"] != current]
    if not current or not earlier:
        raise RegistryError("nothing to roll back to: no earlier version was ever current")
    return promote(models_dir, earlier[-1]["version"], by, f"rollback from {Path(current).stem.removeprefix('triage-')}")


def _log(base: Path, entry: dict) -> None:
    with open(base / LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


class Follower:
    """Keeps an engine on the current model: checked before each job (one small file read), the
    new model loaded only when `current` names another file."""

    def __init__(self, models_dir: str):
        self.models_dir = models_dir
        self.seen = current_path(models_dir)

    def refresh(self, engine) -> bool:
        """True when the engine now serves a newly promoted model."""
        now = current_path(self.models_dir)
        offline = getattr(engine, "offline", engine)  # the LLM engine wraps the offline one
        if now == self.seen or not now or not hasattr(offline, "model"):
            return False
        from app.reasoning.classifier import load_current
        self.seen = now
        try:
            offline.model = load_current(self.models_dir)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
            log.error("models/current names %s, which cannot be loaded (%s): still serving %s", now, exc,
                      offline.model.version)
            return False
        return True
