"""Precision and recall of the follow-up rules (app/reasoning/follow_up.py) on the labelled set
tests/data/follow_ups.jsonl, one split at a time. The `held_out` split was set aside before the
rules were written; tune on `dev` only (--errors lists dev's mistakes, never held_out's).

    PYTHONPATH=. .venv/bin/python scripts/eval_follow_ups.py [--split dev|held_out|all] [--errors]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.reasoning.follow_up import NOT_HELPED, RESOLVED, classify  # noqa: E402

DATA = ROOT / "tests" / "data" / "follow_ups.jsonl"
LABEL = {"not_helped": NOT_HELPED, "resolved": RESOLVED, "other": "new"}


def rows(split: str) -> list[dict]:
    found = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in found if split == "all" or r["split"] == split]


def scores(examples: list[dict]) -> dict:
    """Per verdict that leads to an action (escalate, solve): precision, recall and counts."""
    pairs = [(LABEL[r["label"]], classify(r["text"]).kind) for r in examples]
    result = {"n": len(pairs), "accuracy": round(sum(a == b for a, b in pairs) / len(pairs), 3)}
    for kind in (NOT_HELPED, RESOLVED):
        tp = sum(a == b == kind for a, b in pairs)
        predicted, actual = sum(b == kind for _, b in pairs), sum(a == kind for a, _ in pairs)
        result[kind] = {"precision": round(tp / predicted, 3) if predicted else None,
                        "recall": round(tp / actual, 3) if actual else None,
                        "tp": tp, "predicted": predicted, "actual": actual}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "held_out", "all"))
    parser.add_argument("--errors", action="store_true", help="list the mistakes (dev only)")
    args = parser.parse_args()
    examples = rows(args.split)
    print(json.dumps(scores(examples), indent=2))
    if args.errors:
        if args.split != "dev":
            parser.error("--errors is for the dev split: held_out stays unread")
        for r in examples:
            got = classify(r["text"])
            if got.kind != LABEL[r["label"]]:
                print(f"{r['label']:>10} → {got.kind:<10} {r['text']!r}  [{got.said}]")


if __name__ == "__main__":
    main()
