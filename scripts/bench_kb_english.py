#!/usr/bin/env python3
"""English questions against the sample help center: does retrieval answer from the right article at
the score floor, and do questions no article answers stay under it?

`tests/data/knowledge/english_questions.jsonl`: 60 questions that one named article answers (28 of them
about something said only in the second half of it) and 40 that none does (25 on-topic but not covered,
15 off-topic), written from the articles alone before any score was seen. Each question is searched as
a ticket in English is (`KnowledgeIndex.search`, no category, so the top match is the highest score).
A question is answered right when its top passage belongs to its article and scores at or above the
floor, wrongly when another article's does; an unanswerable one passes when its top match does.

Printed for passages compared as windows (app/knowledge/search.py: a long passage also as runs of its
lines under its title, scored as its best window) and, with `--whole`, as one vector each (MiniLM reads
the first 128 tokens), at the floor MIN_SOURCE_SCORE and the floors around it.

    .venv/bin/python scripts/bench_kb_english.py [--whole] [--rows] [--json]
"""
from __future__ import annotations

import argparse
import json

from benchlib import ROOT, emit_json

from app.knowledge import search
from app.knowledge.passages import chunk
from app.policy.decide import MIN_SOURCE_SCORE
from connectors.markdown_kb import MarkdownFolder

QUESTIONS = ROOT / "tests" / "data" / "knowledge" / "english_questions.jsonl"
KB = ROOT / "sandbox" / "company" / "kb"
FLOORS = (0.30, 0.325, MIN_SOURCE_SCORE, 0.375, 0.40, 0.45)


def top_matches(whole: bool) -> list[dict]:
    passages = [p for a in MarkdownFolder(KB).changes().articles for p in chunk(a, "markdown") if p.language == "en"]
    # --whole: as before windows, one vector per passage (the text the encoder reads)
    vectors = list(search.encoder().encode([p.embedded_text for p in passages])) if whole else None
    index = search.KnowledgeIndex(passages, vectors)
    rows = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            best = index.search(q["message"], language="en", limit=1)[0]
            rows.append({"id": q["id"], "article": q["article"], "top": best.passage.title, "score": best.score,
                         "right": best.passage.title == q["article"]})
    return rows


def at_floor(rows: list[dict], floor: float) -> dict:
    answerable = [r for r in rows if r["article"]]
    unanswerable = [r for r in rows if not r["article"]]
    return {"floor": floor, "answerable": len(answerable), "unanswerable": len(unanswerable),
            "answered_right": round(sum(r["right"] and r["score"] >= floor for r in answerable) / len(answerable), 4),
            "wrong_answers": sum(not r["right"] and r["score"] >= floor for r in answerable),
            "unanswerable_passing": sum(r["score"] >= floor for r in unanswerable)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--whole", action="store_true", help="one vector per passage, as before windows")
    parser.add_argument("--rows", action="store_true", help="print every question's top match")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args(argv)
    rows = top_matches(args.whole)
    if args.rows:
        for r in rows:
            mark = "right" if r["right"] else ("wrong" if r["article"] else "none ")
            print(f"{r['id']:<7} {r['score']:.3f} {mark}  {r['top']}")
    answerable = [r for r in rows if r["article"]]
    hit = sum(r["right"] for r in answerable) / len(answerable)
    print(f"passages {'as one vector each' if args.whole else 'as windows'}; right article first for "
          f"{hit:.0%} of {len(answerable)} answerable questions")
    print(f"{'floor':>6}  right answers  wrong answers  unanswerable passing")
    table = [at_floor(rows, floor) for floor in FLOORS]
    for x in table:
        mark = "  ← the floor" if x["floor"] == MIN_SOURCE_SCORE else ""
        print(f"{x['floor']:>6.3f}  {x['answered_right']:>13.0%}  {x['wrong_answers']:>13}  "
              f"{x['unanswerable_passing']:>8} of {x['unanswerable']}{mark}")
    if args.json:
        emit_json({"windows": not args.whole, "hit_at_1": round(hit, 4), "floors": table})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
