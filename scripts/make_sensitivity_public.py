#!/usr/bin/env python3
"""Write app/reasoning/sensitivity_data/public.jsonl: the public-data part of the sensitivity detector's examples.

A quarter of Banking77 and of Bitext (chosen by a hash of the text, so the same rows every time)
is the detector's pool; a second quarter is for looking at while tuning (`held_out(rows, "tune")`);
`bench_judgement.py` measures the flagged share of ordinary tickets on the last two quarters,
which nobody tunes on (`held_out(rows)`). From the pool: ordinary tickets (no flag), and, as English
examples of two flags, customers asking for an agent (Bitext contact_human_agent → human) and
closing their account (Bitext delete_account, Banking77 terminate_account → churn). Intents that
are sensitive in some businesses and routine in others (an unrecognised card payment at a bank,
say) are in neither part: `GREY` lists them, and the benchmark reports their flagged share apart.
Last, support emails as companies receive them (greetings, sign-offs, several sentences): the
sample company's past tickets its team answered (not its cancellations), never its new tickets,
which `deskhand eval` judges.

    python3 scripts/make_sensitivity_public.py [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import csv
import json
import zlib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "sensitivity_data" / "public.jsonl"
POSITIVE = {"bitext:contact_human_agent": "human", "bitext:delete_account": "churn",
            "banking77:terminate_account": "churn"}
GREY = {"banking77:compromised_card", "banking77:card_payment_not_recognised",
        "banking77:cash_withdrawal_not_recognised", "banking77:direct_debit_payment_not_recognised",
        "banking77:lost_or_stolen_card", "banking77:lost_or_stolen_phone", "bitext:contact_customer_service"}
PER_INTENT = {"banking77": 20, "bitext": 40}  # about all of Bitext's pool: its intents are wider
COMPANY_HISTORY = ROOT / "sandbox" / "company" / "history.jsonl"
COMPANY_PER_CATEGORY = 30


def quarter(text: str) -> int:
    return zlib.crc32(text.encode()) % 4


def in_pool(text: str) -> bool:
    return quarter(text) == 0


def held_out(rows: list[tuple[str, str]], part: str = "measure") -> list[tuple[str, str]]:
    """The ordinary rows outside the pool: the tuning quarter, or the two measured ones."""
    wanted = {1} if part == "tune" else {2, 3}
    return [(t, s) for t, s in rows if quarter(t) in wanted and s not in GREY and s not in POSITIVE]


def public_rows(data: Path) -> list[tuple[str, str]]:
    """(text, 'set:intent') for every Banking77 and Bitext row."""
    with open(data / "banking77" / "train.csv", encoding="utf-8") as fh:
        rows = [(r["text"], f"banking77:{r['category']}") for r in csv.DictReader(fh)]
    with open(data / "bitext-customer-support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv",
              encoding="utf-8") as fh:
        rows += [(r["instruction"], f"bitext:{r['intent']}") for r in csv.DictReader(fh)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    by_intent = defaultdict(list)
    for text, source in public_rows(Path(args.data)):
        if in_pool(text) and source not in GREY:
            by_intent[source].append(text)
    with open(OUT, "w", encoding="utf-8") as out:
        for source, texts in sorted(by_intent.items()):
            flags = [POSITIVE[source]] if source in POSITIVE else []
            for text in sorted(set(texts))[:PER_INTENT[source.split(':')[0]] * (3 if flags else 1)]:
                out.write(json.dumps({"text": text, "language": "en", "flags": flags, "source": source},
                                     ensure_ascii=False) + "\n")
        by_category = defaultdict(list)
        for line in COMPANY_HISTORY.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("expect") == "answer" and row.get("category") not in (None, "cancellation"):
                by_category[row["category"]].append(f"{row['subject']}\n{row['body']}")
        for category, texts in sorted(by_category.items()):
            for text in texts[:COMPANY_PER_CATEGORY]:
                out.write(json.dumps({"text": text, "language": "en", "flags": [], "source": f"company:{category}"},
                                     ensure_ascii=False) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
