"""Claims check (DESIGN §1 step 6): every claim a public reply makes must have a source. Pure.

A *claim* is a sentence that states something the company could be held to: a money amount,
a percentage, a deadline, a price, a refund, a promise or a policy. Greetings, thanks and
procedural steps ("Go to Settings → Billing") are not claims.

A claim is *supported* when every value it states (amount, percentage, duration, date) appears
in a source — a Help Center passage or a tool fact — and, for refund / policy / promise claims,
one source also shares most of the claim's content words without saying the opposite.
Commitment language ("legally binding", "guarantee") is supported only when a source uses the
same words: the bot has no authority to make offers (Chevrolet 2023), and invented policies are
what the Air Canada (2024) and Cursor (2025) bots got wrong (reliability.md S9, S10).

Everything here is deliberately simple and explainable: an agent reading the draft note must be
able to see *why* a sentence was flagged. When in doubt we flag — a false flag costs a draft, a
missed one can cost a tribunal case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.checks.claim_values import (  # noqa: F401  (values_in, counts_in, number are part of this module's API)
    NUM,
    STOP,
    TENS,
    UNITS,
    URL,
    counts_in,
    number,
    source_values,
    unique,
    value_found,
    values_in,
    words_to_int,
)

KINDS = ("amount", "percentage", "refund", "deadline", "promise", "policy", "price")
# Kinds whose meaning lives in their words, not only in their numbers: for these one source must
# also say (most of) the same thing.
WORDY_KINDS = ("refund", "policy", "promise")
# Share of a claim's content words that one source must contain (tuned on tests/unit/test_claims.py:
# paraphrases of a passage score 0.7–1.0, invented rules that reuse a few of its nouns 0.3–0.5).
OVERLAP_MIN = 0.6


@dataclass(frozen=True)
class Claim:
    kind: str               # one of KINDS
    text: str               # the sentence that makes the claim
    values: tuple[str, ...] = ()  # normalised: "1035 USD", "15%", "14 days", "2026-12-01", "10 USD/month"
    trigger: str = ""       # the words that made it a claim, for the reason shown to agents


@dataclass(frozen=True)
class Source:
    id: str    # passage id / article id / tool fact source, echoed back in reports
    text: str
    kind: str = "passage"  # passage (Help Center) | fact (a tool's record about this customer)


@dataclass(frozen=True)
class Finding:
    claim: Claim
    status: str                     # supported | partial | unsupported
    source_id: str = ""             # supporting source; "a+b" when values come from several
    missing: tuple[str, ...] = ()   # values no source states
    reason: str = ""                # human-readable, for the draft / escalation note


@dataclass(frozen=True)
class ClaimsReport:
    findings: tuple[Finding, ...] = ()

    @property
    def supported(self) -> list[tuple[Claim, str]]:
        return [(f.claim, f.source_id) for f in self.findings if f.status == "supported"]

    @property
    def unsupported(self) -> list[Claim]:
        return [f.claim for f in self.findings if f.status == "unsupported"]

    @property
    def partially(self) -> list[tuple[Claim, tuple[str, ...]]]:
        return [(f.claim, f.missing) for f in self.findings if f.status == "partial"]

    @property
    def ok(self) -> bool:
        return all(f.status == "supported" for f in self.findings)

    @property
    def reasons(self) -> list[str]:
        """One line per flagged sentence (a sentence often holds several claims)."""
        by_sentence: dict[str, list[Finding]] = {}
        for f in self.findings:
            if f.status != "supported":
                by_sentence.setdefault(f.claim.text, []).append(f)
        lines = []
        for sentence, found in by_sentence.items():
            seen: list[str] = []
            for f in found:
                if f.reason not in seen:
                    seen.append(f.reason)
            kinds = ", ".join(dict.fromkeys(f.claim.kind for f in found))
            lines.append(f"“{_clip(sentence)}” ({kinds}): {'; '.join(seen)}")
        return lines


# ---------------------------------------------------------------- numbers and values

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(\[$€£])")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_STEP = re.compile(r"^(?:go to|click|tap|open|select|choose|navigate|sign in|log in|enter|type|press|"
                   r"scroll|find|visit|head to|under)\b", re.I)

_PROMISE = re.compile(
    r"\b(?:(?:we|i)\s*(?:will|shall|'ll|’ll)|(?:we|i)\s+(?:are|am)\s+going\s+to|guarantee\w*|legally binding"
    r"|binding (?:offer|agreement|contract|commitment)|(?:we|i)\s+promise"
    r"|(?:i|we)(?:'ve|’ve| have)\s+(?:already\s+)?(?:refunded|issued|credited|cancell?ed|processed|applied"
    r"|reimbursed|upgraded|downgraded|changed|reset|deleted|waived|extended|sent)"
    r"|(?:has|have) been (?:refunded|credited|issued|cancell?ed|processed|applied|waived|reimbursed))", re.I)
_DONE = re.compile(r"(?:'ve|’ve|\bhave|\bhas) (?:already |been )?\w+ed\b", re.I)
_COMMITMENT = re.compile(
    r"\b(?:legally binding|binding (?:offer|agreement|contract|commitment)|guarantee\w*|no takesies backsies)",
    re.I)
_REFUND = re.compile(r"\b(?:refund\w*|reimburs\w*|money[- ]back|prorat\w*|credit(?:s|ed)?(?![- ]card))\b", re.I)
_POLICY = re.compile(
    r"\b(?:(?:our|the|company) polic(?:y|ies)|polic(?:y|ies) (?:is|are|states?|says|allows?|requires?)"
    r"|per our|you(?:'re|’re| are) (?:not )?(?:entitled|eligible)|(?:not|in)eligible"
    r"|(?:is|are) not (?:allowed|permitted)|not allowed|prohibited|forbidden"
    rf"|only (?:a single|{NUM}) \w+(?: \w+)? (?:per|for each|each) \w+"
    r"|always|never|(?:can ?not|can't|cannot) be (?:refunded|transferred|combined|shared|used|changed|reversed)"
    r"|(?:is|are) (?:non-?refundable|non-?transferable)|(?:must|are required to|is required)"
    rf"|(?:limited to|a maximum of|at most|no more than|up to {NUM}))\b", re.I)

_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|won't|don't|doesn't|isn't|aren't|wasn't|weren't|shouldn't"
    r"|couldn't|without|unable|nor|non-?\w+|ineligible)\b|n't\b", re.I)
_CLAUSE_SPLIT = re.compile(r"[;:]|,?\s+\b(?:but|however|unless|except|although|whereas)\b|,\s+(?=after|before|otherwise)", re.I)



def _stem(word: str) -> str:
    """A crude, consistent stemmer: both sides pass through it, so consistency beats accuracy."""
    w = word.lower().strip("'’")
    if w in UNITS or w in TENS:
        return str(words_to_int(w))
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("able", "ing", "ed", "ly"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "0123456789":
        w = w[:-1]
    return w


def content_words(text: str) -> set[str]:
    tokens = re.findall(r"[a-z0-9]+(?:['’][a-z]+)?", URL.sub(" ", text.lower()).replace(",", ""))
    return {_stem(t) for t in tokens if t not in STOP and not _NEGATION.fullmatch(t) and len(t) > 1}


def overlap(claim_text: str, source_text: str) -> float:
    """Share of the claim's content words that the source also contains (0..1)."""
    words = content_words(claim_text)
    if not words:
        return 0.0
    return len(words & content_words(source_text)) / len(words)


def sentences(text: str) -> list[str]:
    out = []
    for line in URL.sub(" ", text).splitlines():
        line = _LIST_MARK.sub("", line).strip()
        out += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    return out


# ---------------------------------------------------------------- extract

def extract_claims(text: str) -> list[Claim]:
    claims: list[Claim] = []
    for sentence in sentences(text):
        found = values_in(sentence)
        every_value = tuple(v for vs in found.values() for v in vs)
        for kind in ("amount", "price", "percentage", "deadline"):
            if found[kind]:
                claims.append(Claim(kind, sentence, tuple(found[kind]), kind))
        # A procedural step or a question asserts nothing by its words alone; its numbers and
        # any commitment language still count.
        step = bool(_STEP.match(sentence)) or sentence.endswith("?")
        for kind, pattern in (("promise", _PROMISE), ("refund", _REFUND), ("policy", _POLICY)):
            m = pattern.search(sentence)
            if m and (not step or _COMMITMENT.search(sentence)):
                stated = every_value + (tuple(counts_in(sentence)) if kind == "policy" else ())
                claims.append(Claim(kind, sentence, stated, m.group(0)))
    return claims


# ---------------------------------------------------------------- check

def check_claims(claims: list[Claim], sources: list[Source]) -> ClaimsReport:
    prepared = [_Prepared(s, source_values(s.text), s.text.lower(),
                          [(source_values(x), content_words(x)) for x in sentences(s.text)])
                for s in sources]
    return ClaimsReport(tuple(_check(c, prepared) for c in claims))


@dataclass(frozen=True)
class _Prepared:
    source: Source
    values: set[str]
    low: str
    sentences: list[tuple[set[str], set[str]]]  # (values, content words) per sentence

    def __iter__(self):  # (source, values, lowercased text), as the checks below read it
        return iter((self.source, self.values, self.low))


# A value only counts where the source talks about the same thing: "valid for 7 days" in the
# export article does not support "invitations are valid for 7 days". The sentence of a
# multi-sentence source that states the value must share this share of the claim's words
# (numbers and units left out). Paraphrases of a passage score 0.33–1.0 on the sandbox help
# center, the same number in an unrelated sentence 0–0.25. A one-sentence source (a tool fact
# such as an invoice record) is about one thing and is taken whole.
CONTEXT_MIN = 0.3
_UNIT_WORDS = {_stem(w) for w in "minute minutes hour hours day days week weeks month months year years business "
                                 "working calendar percent usd eur gbp cad aud dollar dollars euro euros".split()}


def _stated_in(value: str, claim_words: set[str], prepared: _Prepared) -> bool:
    if not value_found(value, prepared.values):
        return False
    if len(prepared.sentences) <= 1 or not claim_words:
        return True
    need = min(2, len(claim_words))  # a short claim must share more than its verb
    return any(value_found(value, vals) and len(claim_words & words) >= need
               and len(claim_words & words) / len(claim_words) >= CONTEXT_MIN
               for vals, words in prepared.sentences)


def _check(claim: Claim, prepared: list[_Prepared]) -> Finding:
    claim_words = {w for w in content_words(claim.text)
                   if w not in _UNIT_WORDS and not any(ch.isdigit() for ch in w)}
    holders = {v: [p.source.id for p in prepared if _stated_in(v, claim_words, p)] for v in claim.values}
    missing = tuple(v for v, ids in holders.items() if not ids)
    kind_words = _KIND_WORDS[claim.kind]

    for phrase in dict.fromkeys(m.group(0).lower() for m in _COMMITMENT.finditer(claim.text)):
        if not any(phrase in low for _, _, low in prepared):
            return Finding(claim, "unsupported", missing=missing,
                           reason=f"commits to “{phrase}”, which no source says — Deskhand cannot make "
                                  f"offers or guarantees")

    wordy = claim.kind in WORDY_KINDS
    done = claim.kind == "promise" and bool(_DONE.search(claim.trigger))
    if done:  # only a tool's record can say that something was done to this account
        prepared = [p for p in prepared if p.source.kind == "fact"]
    best_id, best_score, best_text = "", 0.0, ""
    if wordy:
        for s, _, _ in prepared:
            score = overlap(claim.text, s.text)
            if score > best_score:
                best_id, best_score, best_text = s.id, score, s.text
    words_ok = not wordy or best_score >= OVERLAP_MIN

    if wordy and words_ok:
        clash = _contradiction(claim.text, best_text)
        if clash:
            return Finding(claim, "unsupported", best_id, missing,
                           f"says the opposite of {best_id}: “{_clip(clash)}”")

    if not missing and words_ok:
        return Finding(claim, "supported", "+".join(dict.fromkeys(
            i for i in [best_id, *_cover(holders).split("+")] if i)))

    found_some = len(missing) < len(claim.values) or (wordy and words_ok)
    if found_some:
        if missing:
            reason = f"no source states {', '.join(missing)}"
            if wordy and words_ok:
                reason += f" (the rest matches {best_id})"
        else:
            reason = (f"its figures appear in {_cover(holders)}, but no source states this {kind_words} "
                      f"(best match {best_score:.0%} of its words)")
        return Finding(claim, "partial", best_id or _cover(holders), missing, reason)

    if done:
        return Finding(claim, "unsupported", missing=missing,
                       reason="says an action was taken, but no tool fact records it")
    if wordy:
        detail = f"best match {best_id} covers {best_score:.0%} of its words" if best_id else "no source"
        return Finding(claim, "unsupported", missing=missing,
                       reason=f"no source states this {kind_words} ({detail})")
    return Finding(claim, "unsupported", missing=missing,
                   reason=f"no source states {', '.join(missing)}")


_KIND_WORDS = {"amount": "amount", "percentage": "percentage", "deadline": "deadline", "price": "price",
               "refund": "refund statement", "promise": "promise", "policy": "policy"}


def _cover(holders: dict[str, list[str]]) -> str:
    """Fewest sources (greedy) that state all the values, joined with '+'."""
    left, ids = {v for v, h in holders.items() if h}, []
    while left:
        counts: dict[str, int] = {}
        for v in left:
            for sid in holders[v]:
                counts[sid] = counts.get(sid, 0) + 1
        best = max(counts, key=lambda k: (counts[k], -list(counts).index(k)))
        ids.append(best)
        left = {v for v in left if best not in holders[v]}
    return "+".join(ids)


def _contradiction(claim_text: str, source_text: str) -> str:
    """The source clause that says the opposite of a claim clause, or ''.

    Works on clauses ("Refunds within 14 days; after that, refunds are not available" is two
    clauses) so a positive claim is compared with the positive part of the passage. A clause is
    negated if it holds a negation word; a claim clause and its best-matching source clause that
    differ in negation are a contradiction (the Air Canada pattern).
    """
    source_clauses = [c for s in sentences(source_text) for c in _CLAUSE_SPLIT.split(s) if c and c.strip()]
    for clause in (c for c in _CLAUSE_SPLIT.split(claim_text) if c and c.strip()):
        words = content_words(clause)
        if len(words) < 2:
            continue
        scored = [(len(words & content_words(sc)) / len(words), sc) for sc in source_clauses]
        score, best = max(scored, default=(0.0, ""), key=lambda t: t[0])
        if score >= OVERLAP_MIN and bool(_NEGATION.search(clause)) != bool(_NEGATION.search(best)):
            return best.strip()
    return ""


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
