"""Spanish tickets against the sample company: what triage and retrieval make of them.

Triage: the classifier trained on the sample company's (English) history reads the 18 Spanish
tickets of `tests/data/spanish/tickets.jsonl`; prints the detected language, category accuracy
and confidence. Retrieval: each ticket against the Spanish passages only (as search does for a
Spanish ticket), with the packaged English MiniLM and with the multilingual USE: whether the top
passage is the labelled article, and the top score of tickets no Spanish article answers (a score
at or above the 0.35 floor would propose a wrong article). Across languages: the labelled tickets
against the English originals of their articles (what the LLM engine may answer from).

    .venv/bin/python scripts/bench_language.py [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import SPANISH_ORIGINAL as ORIGINAL  # noqa: E402

from app.knowledge.embeddings import encoder, multilingual  # noqa: E402
from app.knowledge.passages import chunk  # noqa: E402
from app.policy.decide import MIN_SOURCE_SCORE  # noqa: E402
from app.reasoning.engine import train_model  # noqa: E402
from app.reasoning.training_data import load_jsonl  # noqa: E402
from app.reasoning.triage import triage  # noqa: E402
from connectors.markdown_kb import MarkdownFolder  # noqa: E402

COMPANY = ROOT / "sandbox" / "company"
TICKETS = ROOT / "tests" / "data" / "spanish" / "tickets.jsonl"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    tickets = [json.loads(line) for line in TICKETS.read_text(encoding="utf-8").splitlines() if line.strip()]
    history, _ = load_jsonl(str(COMPANY / "history.jsonl"))
    model = train_model(history)
    rows = []
    for t in tickets:
        tri = triage(t["subject"], t["body"], model)
        rows.append({"id": t["id"], "gold": t["category"], "category": tri.category, "confidence": tri.confidence,
                     "language": tri.language, "flags": list(tri.flags)})
        print(f"{t['id']}  {tri.language}  gold {t['category']:<17} got {str(tri.category):<17} "
              f"{tri.confidence:.3f}  {','.join(tri.flags)}")
    right = [r for r in rows if r["category"] == r["gold"]]
    summary = {"tickets": len(rows), "read_as_spanish": sum(r["language"] == "es" for r in rows),
               "category_accuracy": round(len(right) / len(rows), 3),
               "median_confidence": round(statistics.median(r["confidence"] for r in rows), 3),
               "median_confidence_right": round(statistics.median([r["confidence"] for r in right] or [0]), 3),
               "median_confidence_wrong": round(statistics.median(
                   [r["confidence"] for r in rows if r not in right] or [0]), 3)}
    print(json.dumps(summary))

    articles = [a for a in MarkdownFolder(COMPANY / "kb").changes().articles if a.language == "es"]
    passages = [p for a in articles for p in chunk(a, "markdown")]
    queries = [f"{t['subject']}\n{t['body']}" for t in tickets]
    for name, enc in (("minilm", encoder()), ("multilingual-use", multilingual())):
        scores = enc.encode(queries) @ enc.encode([p.embedded_text for p in passages]).T
        answerable = [(t, s) for t, s in zip(tickets, scores) if t["article"]]
        hits = sum(passages[int(s.argmax())].title == t["article"] for t, s in answerable)
        right_scores = [float(s.max()) for t, s in answerable]
        other = [float(s.max()) for t, s in zip(tickets, scores) if not t["article"]]
        result = {"encoder": name, "hit@1": f"{hits}/{len(answerable)}",
                  "median_top_score_answerable": round(statistics.median(right_scores), 3),
                  "min_top_score_answerable": round(min(right_scores), 3),
                  "median_top_score_unanswerable": round(statistics.median(other), 3),
                  "max_top_score_unanswerable": round(max(other), 3),
                  "unanswerable_at_or_above_floor": f"{sum(x >= MIN_SOURCE_SCORE for x in other)}/{len(other)}"}
        summary[name] = result
        print(json.dumps(result))
    # Across languages (what the LLM engine may do when no Spanish article answers): the same tickets
    # against the English articles on the multilingual encoder. The Spanish articles translate four
    # English ones; a ticket labelled with one should find its English original first.
    english = [a for a in MarkdownFolder(COMPANY / "kb").changes().articles if a.language == "en"]
    en_passages = [p for a in english for p in chunk(a, "markdown")]
    enc = multilingual()
    scores = enc.encode(queries) @ enc.encode([p.embedded_text for p in en_passages]).T
    labelled = [(t, s) for t, s in zip(tickets, scores) if t["article"] in ORIGINAL]
    top = [float(s.max()) for _, s in labelled]
    across = {"encoder": "multilingual-use, Spanish tickets against English articles",
              "hit@1": f"{sum(en_passages[int(s.argmax())].title == ORIGINAL[t['article']] for t, s in labelled)}"
                       f"/{len(labelled)}",
              "median_top_score": round(statistics.median(top), 3), "min_top_score": round(min(top), 3),
              "at_or_above_floor": f"{sum(x >= MIN_SOURCE_SCORE for x in top)}/{len(top)}"}
    summary["across_languages"] = across
    print(json.dumps(across))
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
