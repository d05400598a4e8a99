"""The values a sentence states — money, percentages, durations, dates, counts — normalised
so that "$1,035.00", "1035 USD" and "USD 1,035" compare equal. Pure; used by the claims check."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_NUMWORD = (r"(?:(?:%s)(?:[- ](?:%s))?|%s)" % (
    "|".join(TENS), "|".join(k for k in UNITS if UNITS[k] and UNITS[k] < 10),
    "|".join(sorted(UNITS, key=len, reverse=True))))
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)  # never read as values
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUM = rf"(?:{_DIGITS}|{_NUMWORD})"

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
_PERCENT = re.compile(rf"(?<![\w.])(?P<n>{NUM})\s?(?:%|percent\b|per cent\b)", re.I)
_DURATION = re.compile(
    rf"(?<![\w.$€£])(?P<n>{NUM})(?:\s?(?:-|–|to)\s?(?P<n2>{NUM}))?[\s-]?"
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
_COUNT = re.compile(rf"(?<![\w.$€£])(?P<n>{NUM}|a single)\s+(?P<w>[a-z]+)\b", re.I)
_NOT_COUNTED = re.compile(r"(?:minute|min|hour|hr|day|week|month|year|business|working|calendar|percent|"
                          rf"per|dollar|euro|{_CODES.lower()})s?$")


def words_to_int(word: str) -> int | None:
    parts = re.split(r"[- ]", word.lower())
    if len(parts) == 1:
        return UNITS.get(parts[0], TENS.get(parts[0]))
    if parts[0] in TENS and parts[1] in UNITS:
        return TENS[parts[0]] + UNITS[parts[1]]
    return None


def number(raw: str) -> str:
    """'1,035.00' → '1035', '19.90' → '19.9', 'fourteen' → '14'. Empty when not a number."""
    as_word = words_to_int(raw)
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
    for m in _COUNT.finditer(URL.sub(" ", text)):
        word = m.group("w").lower()
        if word in STOP or _NOT_COUNTED.match(word) or words_to_int(word) is not None:
            continue
        n = "1" if m.group("n").lower() == "a single" else number(m.group("n"))
        word = word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") and not word.endswith("ss") else word
        if n:
            out.append(f"{n} {word}")
    return unique(out)


def _overlaps(span, spans) -> bool:
    return any(span[0] < b and a < span[1] for a, b in spans)


def values_in(text: str) -> dict[str, list[str]]:
    """The normalised values a piece of text states, by kind (amount, price, percentage, deadline)."""
    text = URL.sub(" ", text)
    amounts, prices, money_spans = [], [], []
    for span, money, price in _money_matches(text):
        money_spans.append(span)
        (prices if price else amounts).append(price or money)
    percents = [f"{number(m.group('n'))}%" for m in _PERCENT.finditer(text)]
    deadlines = [v for span, v in _durations(text) if not _overlaps(span, money_spans)] + _dates(text)
    return {"amount": unique(amounts), "price": unique(prices), "percentage": unique(percents),
            "deadline": unique(deadlines)}


def source_values(text: str) -> set[str]:
    """Everything a source could be quoted for, in the same normal form as claim values."""
    found = values_in(text)
    out = {v for vs in found.values() for v in vs}
    out |= {p.split("/")[0] for p in found["price"]}              # "$10/month" also states "$10"
    out |= {"--" + v[5:] for v in found["deadline"] if re.fullmatch(r"\d{4}-\d\d-\d\d", v)}
    out |= set(counts_in(text))
    # Bare numbers, not those inside a money amount: "$20" must not support "€20".
    out |= {"n:" + number(m.group(1)) for m in _BARE.finditer(_MONEY.sub(" ", URL.sub(" ", text)))}
    return out


def value_found(value: str, source_values: set[str]) -> bool:
    if value in source_values:
        return True
    money = re.fullmatch(r"([\d.]+) [A-Z]{3}", value)
    # A passage that says "1035" for an invoice of "$1,035.00" supports it; a different
    # currency symbol ("€20" vs "$20") does not.
    return bool(money) and f"n:{money.group(1)}" in source_values


# ---------------------------------------------------------------- sentences and words


STOP = set("""a an the and or of to in on at for from by with as is are was were be been being it its this that
these those there here you your yours we our us i me my he she they them their his her what which who whom when
where why how can could will would shall should may might must do does did done have has had having just also
so than then too very any all some each every per into about over under again further once only if about
please thanks thank hi hello dear there let know feel free get got via able policy policies team happy help
guide article full see read more link below above following""".split())


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
