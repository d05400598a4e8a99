"""Sentiment and frustration from a small lexicon plus the signals support teams know:
repeated contact ("third time", "nobody answers"), shouting, piles of "!!" and "??", and
demands for urgency. Pure."""
from __future__ import annotations

import re

NEGATIVE = {
    "angry", "annoyed", "awful", "bad", "broken", "disappointed", "disappointing", "frustrated",
    "frustrating", "furious", "horrible", "incompetent", "joke", "pathetic", "ridiculous", "terrible",
    "unacceptable", "useless", "worst", "waste", "unhappy", "upset", "outrageous", "scam", "rip-off",
    "ripoff", "sick", "hate", "nightmare", "disgrace", "appalling", "shocking", "livid", "seriously",
}
POSITIVE = {
    "thanks", "thank", "great", "love", "awesome", "appreciate", "helpful", "excellent", "perfect",
    "happy", "glad", "wonderful", "amazing", "nice", "pleased",
}
REPEAT = [r"\b(second|third|fourth|fifth|\d+(st|nd|rd|th)) (time|ticket|email|request|attempt)\b",
          r"\b(two|three|four|five|several|many|\d+) times\b", r"\bagain\b",
          r"\bstill (not|no|isn'?t|doesn'?t|hasn'?t|can'?t|won'?t|broken|locked|waiting)\b",
          r"\bno ?(one|body) (has )?(replies|replied|responds|responded|answers|answered|got back)",
          r"\bwaiting (for|since)\b.*\b(days?|weeks?)\b", r"\balready (asked|told|explained|contacted|wrote)\b",
          r"\bre-?explain"]
URGENT = [r"\b(right )?now\b.*!|\bNOW\b", r"\bimmediately\b", r"\basap\b", r"\burgent(ly)?\b"]
# Capitals that are names, not shouting.
ACRONYMS = {"API", "PDF", "CSV", "SSO", "VAT", "SAML", "URL", "CEO", "CFO", "CTO", "GDPR", "HTTP", "HTTPS",
            "JSON", "USD", "EUR", "GBP", "SLA", "KPI", "KPIS", "CRM", "ERP", "SQL", "UTC", "FAQ", "IT", "HR",
            "ARR", "MRR", "EU", "US", "UK", "ID", "IDS", "XLSX", "OK", "CCPA", "DPA", "SSL", "DNS", "IP", "AWS"}
_REPEAT = [re.compile(p, re.IGNORECASE) for p in REPEAT]
_URGENT = [re.compile(p, re.IGNORECASE) for p in URGENT[1:]] + [re.compile(URGENT[0])]
_WORD = re.compile(r"[A-Za-z'-]+")


def score(text: str) -> tuple[float, float]:
    """Return (sentiment in -1..1, frustration in 0..1)."""
    raw_words = _WORD.findall(text)
    words = [w.lower() for w in raw_words]
    neg = sum(w in NEGATIVE for w in words)
    pos = sum(w in POSITIVE for w in words)
    sentiment = 0.0 if neg + pos == 0 else (pos - neg) / (pos + neg)
    shouting = sum(1 for w in raw_words if len(w) >= 3 and w.isupper() and w.upper() not in ACRONYMS)
    signals = [
        min(neg, 2) * 0.25,
        0.35 if any(p.search(text) for p in _REPEAT) else 0.0,
        0.25 if shouting else 0.0,
        0.2 if re.search(r"[!?]{2,}", text) else 0.0,
        0.15 if any(p.search(text) for p in _URGENT) else 0.0,
    ]
    return round(sentiment, 3), round(min(1.0, sum(signals)), 3)
