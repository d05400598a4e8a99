"""What a trained model knows, readable without loading it: its categories with how many training
tickets each had. Written beside the model by `classifier.save`; read wherever an admin names a
category (policy set/import, /admin, the Zendesk app, `deskhand categories`) so a typo is caught
before it silently falls back to the default policy. Pure apart from reading and writing the file."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path


def models_dir(data_dir: str) -> str:
    return str(Path(data_dir) / "models")


def text_digest(body: str) -> str:
    """A ticket's message, case and spacing aside, as a short digest: how replay and eval tell a
    ticket the model trained on from one it has never seen, whatever id an export gives it."""
    return hashlib.sha1(" ".join(body.lower().split()).encode()).hexdigest()[:16]


def write(folder: Path, version: str, volumes: dict[str, int], n_train: int, seen: list[str] = ()) -> None:
    """`seen`: the digests of the training tickets' messages."""
    (folder / f"triage-{version}.json").write_text(json.dumps(
        {"version": version, "n_train": n_train, "categories": volumes, "seen": sorted(seen)}), encoding="utf-8")


def read(data_dir: str) -> dict | None:
    """The current model's card ({"version", "n_train", "categories": {name: volume}}), None before any
    training. A model saved before cards existed is loaded once to read its categories."""
    folder = Path(models_dir(data_dir))
    pointer = folder / "current"
    if not pointer.exists():
        return None
    name = pointer.read_text().strip()
    card = folder / name.replace(".pkl", ".json")
    if card.exists():
        return json.loads(card.read_text(encoding="utf-8"))
    import pickle  # an older model, saved before cards: read it once (unpickling imports the classifier)
    with open(folder / name, "rb") as fh:
        model = pickle.load(fh)  # our own file, written by classifier.save
    return {"version": model.version, "n_train": model.n_train, "seen": model.info.get("seen", []),
            "categories": {c: model.info.get("volumes", {}).get(c, 0) for c in model.categories}}


def categories(data_dir: str) -> dict[str, int] | None:
    """The current model's categories with their training volumes; None before the first training."""
    card = read(data_dir)
    return None if card is None else card["categories"]
