"""Sentiment and frustration from a small lexicon plus the signals support teams know:
repeated contact ("third time", "still"), shouting, and piles of exclamation marks. Pure."""
from __future__ import annotations

import re

NEGATIVE = {
    "angry", "annoyed", "awful", "bad", "broken", "disappointed", "disappointing", "frustrated",
    "frustrating", "furious", "horrible", "incompetent", "joke", "pathetic", "ridiculous", "terrible",
    "unacceptable", "useless", "worst", "waste", "unhappy", "upset", "outrageous", "scam", "rip-off",
    "ripoff", "fed", "sick", "hate", "nightmare", "disgrace", "appalling", "shocking", "livid",
}
POSITIVE = {
    "thanks", "thank", "great", "love", "awesome", "appreciate", "helpful", "excellent", "perfect",
    "happy", "glad", "wonderful", "amazing", "nice", "pleased",
}
REPEAT = [r"\b(second|third|fourth|fifth|\d+(st|nd|rd|th)) time\b", r"\bagain\b", r"\bstill (not|no|isn'?t|doesn'?t|hasn'?t|can'?t|won'?t)\b",
          r"\bno (one|body) (has )?(replied|responded|answered|got back)", r"\bweeks?\b.*\bwaiting\b",
          r"\bwaiting (for|since)\b", r"\balready (asked|told|explained|contacted|wrote)\b", r"\bnobody\b"]
_REPEAT = [re.compile(p, re.IGNORECASE) for p in REPEAT]
_WORD = re.compile(r"[a-zA-Z'-]+")


def score(text: str) -> tuple[float, float]:
    """Return (sentiment in -1..1, frustration in 0..1)."""
    words = [w.lower() for w in _WORD.findall(text)]
    neg = sum(w in NEGATIVE for w in words)
    pos = sum(w in POSITIVE for w in words)
    sentiment = 0.0 if neg + pos == 0 else (pos - neg) / (pos + neg)
    letters = [c for c in text if c.isalpha()]
    caps_words = sum(1 for w in _WORD.findall(text) if len(w) >= 3 and w.isupper())
    signals = [
        min(neg, 3) / 3 * 0.45,
        0.3 if any(p.search(text) for p in _REPEAT) else 0.0,
        0.2 if caps_words >= 2 or (letters and sum(c.isupper() for c in letters) / len(letters) > 0.5) else 0.0,
        0.15 if "!!" in text or text.count("!") >= 3 else 0.0,
    ]
    return round(sentiment, 3), round(min(1.0, sum(signals)), 3)
