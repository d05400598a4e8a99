"""Retrieval quality and speed of Deskhand's knowledge index on the Bitext support set.

Each distinct agent response in Bitext is an article (labelled with its intent); each customer
instruction is a query. A query is a hit at k when one of the top k articles has the query's
intent. Measures hit@1, hit@5 and MRR over the queries, and the time per query (embedding the
query and ranking every article; articles are embedded once, before timing, as a sync would).

    .venv/bin/python scripts/bench_retrieval.py [--queries 1000] [--intents N] [--answers N] [--json]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("DESKHAND_BENCH_DATA", ROOT.parent / "shared" / "data"))
BITEXT = DATA / "bitext-customer-support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"

from app.knowledge.passages import chunk  # noqa: E402
from app.knowledge.search import KnowledgeIndex  # noqa: E402

RANKED = 50  # MRR counts a right answer below this rank as 0 (it adds under 0.02 at most)
from connectors.types import Article  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=1000, help="queries sampled (seeded); 0 = all")
    parser.add_argument("--intents", type=int, default=0, help="only the first N intents (a short run)")
    parser.add_argument("--answers", type=int, default=0,
                        help="only each intent's first N distinct answers as articles (a short run)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not BITEXT.exists():
        parser.error(f"no Bitext data at {BITEXT}: set DESKHAND_BENCH_DATA to the folder holding it")
    with open(BITEXT, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    intents = sorted({r["intent"] for r in rows})[: args.intents or None]
    rows = [r for r in rows if r["intent"] in intents]
    answers, per_intent = {}, {}
    for r in rows:
        if r["response"] not in answers and per_intent.get(r["intent"], 0) < (args.answers or len(rows)):
            answers[r["response"]] = r["intent"]
            per_intent[r["intent"]] = per_intent.get(r["intent"], 0) + 1
    articles = [Article(id=str(i), title="", body_html=text, url=f"bitext:{i}", labels=(intent,))
                for i, (text, intent) in enumerate(answers.items())]
    started = time.perf_counter()
    passages = [p for a in articles for p in chunk(a, "bitext")]
    index = KnowledgeIndex(passages)
    print(f"{len(articles)} articles ({len(passages)} passages) from {len(intents)} intents embedded in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    queries = random.Random(0).sample(rows, min(args.queries, len(rows))) if args.queries else rows
    hits1 = hits5 = 0
    reciprocal, elapsed = 0.0, 0.0
    for r in queries:
        started = time.perf_counter()
        ranked = index.search(r["instruction"], limit=RANKED)
        elapsed += time.perf_counter() - started
        rank = next((i for i, m in enumerate(ranked, 1) if m.passage.labels[0] == r["intent"]), None)
        hits1 += rank == 1
        hits5 += rank is not None and rank <= 5
        reciprocal += 1 / rank if rank else 0.0
    n = len(queries)
    result = {"hit_at_1": round(hits1 / n, 4), "hit_at_5": round(hits5 / n, 4), "mrr": round(reciprocal / n, 4),
              "ms_per_query": round(elapsed * 1000 / n, 2), "queries": n, "articles": len(articles),
              "passages": len(passages)}
    print(f"hit@1 {result['hit_at_1']}  hit@5 {result['hit_at_5']}  MRR {result['mrr']}  "
          f"{result['ms_per_query']} ms/query over {n} queries (targets: hit@1 >= 0.93, <= 5 ms)")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
