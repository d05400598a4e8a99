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
from decimal import Decimal, InvalidOperation

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

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_NUMWORD = (r"(?:(?:%s)(?:[- ](?:%s))?|%s)" % (
    "|".join(_TENS), "|".join(k for k in _UNITS if _UNITS[k] and _UNITS[k] < 10),
    "|".join(sorted(_UNITS, key=len, reverse=True))))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM = rf"(?:{_DIGITS}|{_NUMWORD})"

_SYMBOLS = {"US$": "USD", "C$": "CAD", "CA$": "CAD", "A$": "AUD", "AU$": "AUD", "$": "USD",
            "€": "EUR", "£": "GBP", "₹": "INR"}
_CODES = "USD|EUR|GBP|CAD|AUD|NZD|CHF|JPY|INR|SEK|NOK|DKK"
_CUR_WORDS = {"dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR"}
_SYM_RE = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_MONEY = re.compile(
    rf"(?:(?P<sym>{_SYM_RE})\s?(?P<n1>{_DIGITS})"
    rf"|\b(?P<code1>{_CODES})\s?(?P<n2>{_DIGITS})"
    rf"|(?<![\w.,])(?P<n3>{_DIGITS})\s?(?P<code2>{_CODES}|dollars?|euros?)\b)")
_PER = r"\s*,?\s*(?:/|\bper\b|\ba\b|\ban\b|\beach\b|\bevery\b)\s*"
_PRICE_TAIL = re.compile(
    rf"(?:{_PER}(?P<seat>user|seat|agent|member|licen[cs]e)s?\b)?"
    rf"(?:{_PER}(?P<period>month|mo|year|yr|annum|week|day)\b|\s+(?P<adv>monthly|annually|yearly|weekly|daily)\b)?")
_PERCENT = re.compile(rf"(?<![\w.])(?P<n>{_NUM})\s?(?:%|percent\b|per cent\b)", re.I)
_DURATION = re.compile(
    rf"(?<![\w.$€£])(?P<n>{_NUM})(?:\s?(?:-|–|to)\s?(?P<n2>{_NUM}))?[\s-]?"
    r"(?P<unit>(?:business|working|calendar)[\s-]days?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b",
    re.I)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_MONTH = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATES = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    # Month names are matched case-sensitively so the modal "may" is never a date.
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<y>\d{{4}}))?"),
]
_SLASH_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")  # ambiguous (US or EU?): compared literally
_RELATIVE = re.compile(
    r"\b(?:by|before|until|till|no later than|on|this|next)\s+(?:the\s+)?"
    r"(?P<when>monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|today"
    r"|end of (?:the )?(?:business )?(?:day|week|month))\b", re.I)
_BARE = re.compile(rf"(?<![\w.])({_DIGITS})(?![\w])")
# "only one device", "up to three seats": the count is what an invented rule usually gets wrong.
_COUNT = re.compile(rf"(?<![\w.$€£])(?P<n>{_NUM}|a single)\s+(?P<w>[a-z]+)\b", re.I)
_NOT_COUNTED = re.compile(r"(?:minute|min|hour|hr|day|week|month|year|business|working|calendar|percent|"
                          rf"per|dollar|euro|{_CODES.lower()})s?$")


def _words_to_int(word: str) -> int | None:
    parts = re.split(r"[- ]", word.lower())
    if len(parts) == 1:
        return _UNITS.get(parts[0], _TENS.get(parts[0]))
    if parts[0] in _TENS and parts[1] in _UNITS:
        return _TENS[parts[0]] + _UNITS[parts[1]]
    return None


def number(raw: str) -> str:
    """'1,035.00' → '1035', '19.90' → '19.9', 'fourteen' → '14'. Empty when not a number."""
    as_word = _words_to_int(raw)
    if as_word is not None:
        return str(as_word)
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _money_matches(text: str):
    """(span, '1035 USD', price value or '') for every money amount in `text`."""
    for m in _MONEY.finditer(text):
        n = m.group("n1") or m.group("n2") or m.group("n3")
        code = m.group("code1") or m.group("code2") or ""
        cur = _SYMBOLS.get(m.group("sym") or "", "") or _CUR_WORDS.get(code.lower(), code.upper())
        money = f"{number(n)} {cur}"
        tail = _PRICE_TAIL.match(text, m.end())
        period = tail.group("period") or tail.group("adv") or ""
        period = {"mo": "month", "yr": "year", "annum": "year", "monthly": "month", "annually": "year",
                  "yearly": "year", "weekly": "week", "daily": "day"}.get(period.lower(), period.lower())
        seat = "seat/" if tail.group("seat") else ""
        price = f"{money}/{seat}{period}" if (period or seat) else ""
        if seat and not period:
            price = f"{money}/seat"
        yield (m.start(), tail.end() if price else m.end()), money, price


def _durations(text: str) -> list[tuple[tuple[int, int], str]]:
    out = []
    for m in _DURATION.finditer(text):
        unit = m.group("unit").lower().replace("-", " ")
        if unit.startswith(("business", "working")):
            unit = "business day"
        elif unit.startswith("calendar"):
            unit = "day"
        unit = {"min": "minute", "mins": "minute", "hr": "hour", "hrs": "hour"}.get(unit, unit).rstrip("s")
        lo, hi = number(m.group("n")), number(m.group("n2") or "")
        if not lo:
            continue
        if unit == "week":  # "two weeks" and "14 days" are the same window
            unit, lo, hi = "day", str(int(lo) * 7), (str(int(hi) * 7) if hi else "")
        amount = f"{lo}-{hi}" if hi else lo
        plural = "" if amount == "1" else "s"
        out.append(((m.start(), m.end()), f"{amount} {unit}{plural}"))
    return out


def _dates(text: str) -> list[str]:
    out = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if "mon" in pattern.groupindex:
                month = next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(m.group("mon")[:3]))
            else:
                month = int(m.group("m"))
            day = int(m.group("d"))
            if not (1 <= month <= 12 and 1 <= day <= 31):
                continue
            year = m.group("y")
            out.append(f"{year}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}")
    out += [m.group(0) for m in _SLASH_DATE.finditer(text)]
    out += [m.group("when").lower() for m in _RELATIVE.finditer(text)]
    return out


def counts_in(text: str) -> list[str]:
    """'only one device' → '1 device'; 'three devices' → '3 device'."""
    out = []
    for m in _COUNT.finditer(_URL.sub(" ", text)):
        word = m.group("w").lower()
        if word in _STOP or _NOT_COUNTED.match(word) or _words_to_int(word) is not None:
            continue
        n = "1" if m.group("n").lower() == "a single" else number(m.group("n"))
        word = word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") and not word.endswith("ss") else word
        if n:
            out.append(f"{n} {word}")
    return _unique(out)


def _overlaps(span, spans) -> bool:
    return any(span[0] < b and a < span[1] for a, b in spans)


def values_in(text: str) -> dict[str, list[str]]:
    """The normalised values a piece of text states, by kind (amount, price, percentage, deadline)."""
    text = _URL.sub(" ", text)
    amounts, prices, money_spans = [], [], []
    for span, money, price in _money_matches(text):
        money_spans.append(span)
        (prices if price else amounts).append(price or money)
    percents = [f"{number(m.group('n'))}%" for m in _PERCENT.finditer(text)]
    deadlines = [v for span, v in _durations(text) if not _overlaps(span, money_spans)] + _dates(text)
    return {"amount": _unique(amounts), "price": _unique(prices), "percentage": _unique(percents),
            "deadline": _unique(deadlines)}


def _source_values(text: str) -> set[str]:
    """Everything a source could be quoted for, in the same normal form as claim values."""
    found = values_in(text)
    out = {v for vs in found.values() for v in vs}
    out |= {p.split("/")[0] for p in found["price"]}              # "$10/month" also states "$10"
    out |= {"--" + v[5:] for v in found["deadline"] if re.fullmatch(r"\d{4}-\d\d-\d\d", v)}
    out |= set(counts_in(text))
    # Bare numbers, not those inside a money amount: "$20" must not support "€20".
    out |= {"n:" + number(m.group(1)) for m in _BARE.finditer(_MONEY.sub(" ", _URL.sub(" ", text)))}
    return out


def _value_found(value: str, source_values: set[str]) -> bool:
    if value in source_values:
        return True
    money = re.fullmatch(r"([\d.]+) [A-Z]{3}", value)
    # A passage that says "1035" for an invoice of "$1,035.00" supports it; a different
    # currency symbol ("€20" vs "$20") does not.
    return bool(money) and f"n:{money.group(1)}" in source_values


# ---------------------------------------------------------------- sentences and words

_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
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
    rf"|only (?:a single|{_NUM}) \w+(?: \w+)? (?:per|for each|each) \w+"
    r"|always|never|(?:can ?not|can't|cannot) be (?:refunded|transferred|combined|shared|used|changed|reversed)"
    r"|(?:is|are) (?:non-?refundable|non-?transferable)|(?:must|are required to|is required)"
    rf"|(?:limited to|a maximum of|at most|no more than|up to {_NUM}))\b", re.I)

_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|won't|don't|doesn't|isn't|aren't|wasn't|weren't|shouldn't"
    r"|couldn't|without|unable|nor|non-?\w+|ineligible)\b|n't\b", re.I)
_CLAUSE_SPLIT = re.compile(r"[;:]|,?\s+\b(?:but|however|unless|except|although|whereas)\b|,\s+(?=after|before|otherwise)", re.I)

_STOP = set("""a an the and or of to in on at for from by with as is are was were be been being it its this that
these those there here you your yours we our us i me my he she they them their his her what which who whom when
where why how can could will would shall should may might must do does did done have has had having just also
so than then too very any all some each every per into about over under again further once only if about
please thanks thank hi hello dear there let know feel free get got via able policy policies team happy help
guide article full see read more link below above following""".split())


def _stem(word: str) -> str:
    """A crude, consistent stemmer: both sides pass through it, so consistency beats accuracy."""
    w = word.lower().strip("'’")
    if w in _UNITS or w in _TENS:
        return str(_words_to_int(w))
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
    tokens = re.findall(r"[a-z0-9]+(?:['’][a-z]+)?", _URL.sub(" ", text.lower()).replace(",", ""))
    return {_stem(t) for t in tokens if t not in _STOP and not _NEGATION.fullmatch(t) and len(t) > 1}


def overlap(claim_text: str, source_text: str) -> float:
    """Share of the claim's content words that the source also contains (0..1)."""
    words = content_words(claim_text)
    if not words:
        return 0.0
    return len(words & content_words(source_text)) / len(words)


def sentences(text: str) -> list[str]:
    out = []
    for line in _URL.sub(" ", text).splitlines():
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
    prepared = [_Prepared(s, _source_values(s.text), s.text.lower(),
                          [(_source_values(x), content_words(x)) for x in sentences(s.text)])
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
    if not _value_found(value, prepared.values):
        return False
    if len(prepared.sentences) <= 1 or not claim_words:
        return True
    need = min(2, len(claim_words))  # a short claim must share more than its verb
    return any(_value_found(value, vals) and len(claim_words & words) >= need
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


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
