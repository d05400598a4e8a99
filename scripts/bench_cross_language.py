"""Cross-language retrieval: whether a match in another language earns a lower score floor.

When no article in a customer's language answers a ticket, the LLM engine may answer from one in
another language: `KnowledgeIndex.search_across` compares the ticket with every passage on the
multilingual encoder. Cross-language scores run lower than same-language ones, so a floor of their
own could answer more tickets; this measures whether one separates answerable questions from the
rest. It does not: cross-language matches stay held to MIN_SOURCE_SCORE (app/policy/decide.py).

The questions: `tests/data/knowledge/cross_language.jsonl`, per language about five that a named
article of the sample company answers (`*-aN`) and four that none does (`*-uN`: on-topic but not
covered, or off-topic), split before any score was seen: odd N tunes, even N tests; and
`cross_language_fresh.jsonl`, written after both halves had been seen and before it was scored.
A question is answered right at a floor when its top match is its article (or the article's Spanish
translation) and scores at or above the floor; it is a wrong answer when the top match is another
article at or above the floor; an unanswerable question passes when its top match does.

Rule: the lowest floor (0.01 steps, at most MIN_SOURCE_SCORE) at which no unanswerable question
passes and no more wrong answers pass than at MIN_SOURCE_SCORE (those a lower floor does not add;
the first rule, no wrong answer at all, cannot be met: on the tuning half a wrong article scores
0.36). Chosen on the tuning half and reported on the test half; then, both halves seen, chosen on
both and reported on the fresh set. Searched without a category, so the top match is the highest
score (the ticket's category only reorders, which can only lower the top score).

    .venv/bin/python scripts/bench_cross_language.py [--json] [--rows]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, SPANISH_ORIGINAL, emit_json  # noqa: E402

from app.knowledge.passages import chunk  # noqa: E402
from app.knowledge.search import KnowledgeIndex  # noqa: E402
from app.policy.decide import MIN_SOURCE_SCORE  # noqa: E402
from connectors.markdown_kb import MarkdownFolder  # noqa: E402

DATA = ROOT / "tests" / "data" / "knowledge"
KB = ROOT / "sandbox" / "company" / "kb"
FLOORS = [round(0.15 + 0.01 * i, 2) for i in range(21)]  # 0.15 … 0.35


def part(question: dict, fresh: bool) -> str:
    return "fresh" if fresh else "tune" if int(question["id"].rsplit("-", 1)[1][1:]) % 2 else "test"


def questions() -> list[tuple[dict, bool]]:
    return [(json.loads(line), fresh) for fresh, name in ((False, "cross_language.jsonl"),
                                                         (True, "cross_language_fresh.jsonl"))
            for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def top_matches(asked: list[tuple[dict, bool]]) -> list[dict]:
    index = KnowledgeIndex([p for a in MarkdownFolder(KB).changes().articles for p in chunk(a, "markdown")])
    rows = []
    for q, fresh in asked:
        [best, *_] = index.search_across(q["message"])
        title = SPANISH_ORIGINAL.get(best.passage.title, best.passage.title)
        rows.append({"id": q["id"], "part": part(q, fresh), "language": q["language"], "article": q["article"],
                     "top": best.passage.title, "score": best.score,
                     "right": q["article"] is not None and title == q["article"]})
    return rows


def at_floor(rows: list[dict], floor: float) -> dict:
    answerable = [r for r in rows if r["article"]]
    unanswerable = [r for r in rows if not r["article"]]
    return {"floor": floor,
            "answered_right": sum(r["right"] and r["score"] >= floor for r in answerable) / len(answerable),
            "wrong_answers": sum(not r["right"] and r["score"] >= floor for r in answerable),
            "unanswerable_passing": sum(r["score"] >= floor for r in unanswerable) / len(unanswerable),
            "answerable": len(answerable), "unanswerable": len(unanswerable)}


def choose(rows: list[dict]) -> float:
    """The lowest floor `rows` support: no unanswerable question passes it, and no wrong answer that the
    same-language floor stops."""
    stopped = at_floor(rows, MIN_SOURCE_SCORE)["wrong_answers"]
    return next((floor for floor in FLOORS if at_floor(rows, floor)["unanswerable_passing"] == 0
                 and at_floor(rows, floor)["wrong_answers"] <= stopped), MIN_SOURCE_SCORE)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--rows", action="store_true", help="print every question's top match")
    args = parser.parse_args(argv)
    rows = top_matches(questions())
    if args.rows:
        for r in rows:
            mark = "right" if r["right"] else ("wrong" if r["article"] else "none ")
            print(f"{r['id']:<6} {r['part']:<5}  {r['score']:.3f} {mark}  {r['top']}")
    parts = {name: [r for r in rows if r["part"] == name] for name in ("tune", "test", "fresh")}
    print(f"{'floor':>5}  " + "   ".join(f"{name:<5}: right / wrong / unanswerable passing" for name in parts))
    for floor in FLOORS:
        cells = []
        for part_rows in parts.values():
            x = at_floor(part_rows, floor)
            cells.append(f"{x['answered_right']:>4.0%} of {x['answerable']} / {x['wrong_answers']:>2} / "
                         f"{x['unanswerable_passing']:>4.0%} of {x['unanswerable']}")
        print(f"{floor:>5.2f}  " + "   ".join(cells))
    first = choose(parts["tune"])
    second = choose(parts["tune"] + parts["test"])
    figures = {"questions": len(rows), "languages": len({r["language"] for r in rows}),
               "hit_at_1": sum(r["right"] for r in rows if r["article"]) / sum(bool(r["article"]) for r in rows),
               "floor_on_tune": first, "floor_on_tune_and_test": second}
    for name, floor, measured in (("test", first, "tune"), ("fresh", second, "tune+test")):
        for at, value in (("floor", floor), ("same_language_floor", MIN_SOURCE_SCORE)):
            x = at_floor(parts[name], value)
            figures |= {f"{name}_at_{at}_answered_right": x["answered_right"],
                        f"{name}_at_{at}_wrong_answers": x["wrong_answers"],
                        f"{name}_at_{at}_unanswerable_passing": x["unanswerable_passing"]}
        x, same = at_floor(parts[name], floor), at_floor(parts[name], MIN_SOURCE_SCORE)
        print(f"chosen on {measured}: {floor:.2f}; {name} at it: {x['answered_right']:.0%} of {x['answerable']} answered "
              f"from the right article ({same['answered_right']:.0%} at {MIN_SOURCE_SCORE:.2f}), {x['wrong_answers']} from "
              f"a wrong one ({same['wrong_answers']}), {x['unanswerable_passing']:.0%} of {x['unanswerable']} "
              f"unanswerable passing ({same['unanswerable_passing']:.0%})")
    print(f"applied: cross-language matches are held to MIN_SOURCE_SCORE = {MIN_SOURCE_SCORE:.2f}")
    if args.json:
        emit_json(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
