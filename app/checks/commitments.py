"""What a reply commits the company to, in any of triage's languages, and whether a source states
it. Pure.

`claims.py` reads English claims finely (values, deadlines, policies, contradictions). This is the
coarse net under it that trusts no writer: a sentence with a money amount (digits, words, slang or
another script: "$5,000", "five thousand dollars", "300 bucks", "5000 долларов", "五千美元"), a
percentage, or a commitment word (free, lifetime, unlimited, guarantee, refund, upgrade, "you
will", "has been changed", in twelve languages) is *supported* only when ONE sentence of a cited
source or account fact contains every such word and number of it and most of its other words.
Words shared with a passage that the attacker's own words pulled into retrieval are not enough:
the passage must say the same commitment.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from app.checks.addresses import URL
from app.core.phrases import PHRASES

# Lower case. A trailing "-" marks a stem (any word starting with it); other single words match
# whole words; phrases, symbols and Chinese or Japanese words match anywhere.
MONEY = ("$", "€", "£", "¥", "₽", "₺", "₹", "₩", "usd", "eur", "gbp", "dollar-", "dólar-", "euro-", "pound-",
         "buck-", "quid", "grand", "cents", "yen", "yuan", "rmb", "chf", "franc-", "peso-", "reais", "zł", "zloty",
         "złot-", "pln", "lira-", "lirası", "tl", "sek", "nok", "dkk", "руб-", "долл-", "бакс-", "евро", "фунт-", "円",
         "元", "美元", "欧元", "块钱")
COMMITMENT = (
    # en
    "free", "no cost", "no charge", "complimentary", "lifetime", "for life", "forever", "unlimited", "guarantee-",
    "price match", "price-match", "refund-", "reimburs-", "compensat-", "credited", "waive-", "discount-",
    "upgrade-", "approved", "you will", "we will", "i will", "has been", "have been", "is now",
    # es / pt
    "gratis", "gratuit-", "sin costo", "sin coste", "sin cargo", "de por vida", "ilimitad-", "garant-",
    "reembols-", "devoluci-", "devolver-", "devolvemos", "descuento-", "desconto-", "aprobad-", "aprovad-",
    "recibirá", "recibirás",
    "receberá", "ha sido", "han sido", "foi", "foram", "vitalíci-",
    # fr / it
    "sans frais", "à vie", "illimit-", "rembours-", "remise", "réduction", "approuv-", "vous recevrez",
    "a été", "ont été", "a vita", "rimbors-", "scont-", "approvat-", "riceverà", "riceverai", "è stato",
    "è stata", "sono stati",
    # de / nl
    "kostenlos", "lebenslang-", "unbegrenzt-", "erstatt-", "rückerstatt-", "rabatt-", "gutschrift-", "genehmig-",
    "sie erhalten", "wurde", "wurden", "kosteloos", "levenslang-", "onbeperkt-", "terugbetal-", "korting-",
    "goedgekeurd", "u ontvangt", "is gewijzigd", "zijn gewijzigd",
    # pl / tr / ru
    "darmow-", "bezpłatn-", "dożywotn-", "nieograniczon-", "gwarant-", "zwrot-", "rabat-", "zniżk-", "zatwierdz-",
    "otrzyma-", "został-", "ücretsiz", "bedava", "ömür boyu", "sınırsız", "iade-", "indirim-", "onaylan-",
    "alacaksınız", "бесплатн-", "пожизненн-", "безлимит-", "неограничен-", "гарант-", "возврат-", "вернём",
    "вернем", "скидк-", "компенсац-", "одобрен-", "вы получите", "был", "была", "было", "были",
    # ja / zh
    "無料", "永久", "無制限", "保証", "返金", "割引", "アップグレード", "承認", "しました",
    "免费", "终身", "无限", "保证", "退款", "折扣", "升级", "批准", "赔偿", "已经", "已为您",
    # "forever" and "we will" in each language (the future tense itself: _FUTURE)
    "para siempre", "para sempre", "pour toujours", "à jamais", "per sempre", "für immer", "wir werden",
    "werden wir", "voor altijd", "we zullen", "wij zullen", "zullen we", "u zult", "je zult", "na zawsze",
    "będziemy", "навсегда", "мы будем", "sonsuza", "永遠", "ずっと", "永远", "我们将", "您将", "将会",
)
# A promise in the future tense: "nous conserverons", "conservaremos", "conserveremo", "saklayacağız".
_FUTURE = re.compile(r"\bnous \w+rons\b|\bvous \w+(?<!ér|ar|nt)rez\b|\b\w+[aei]remos\b|\b\w+[ei]remo\b|"
                     r"\b\w+(?:eceğiz|acağız|eceksiniz|acaksınız)\b")
_NOT_FUTURE = {"queremos", "quisieremos"}  # present tense of querer / querer's subjunctive
# "I've switched off SSO", "we have updated your email", "I just moved your seats": a reply that
# says it did something to the account. Only a record of the action can back that.
_DONE = re.compile(r"\b(?:i|we)(?: have| had|'ve|’ve)? (?:just |already |now |also )?(?:\w+ed|sent|made|set|put|"
                   r"gave|given|done|taken|moved|removed|turned \w+|switched \w+)\b(?! to\b| you\b)")
_NOT_DONE = {"need", "feed", "speed", "seed", "exceed", "proceed", "succeed", "indeed", "bed"}
NUMBER_WORDS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "thirty", "forty",
    "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million",
    "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "cien", "mil", "millón",
    "veinte", "treinta", "cuarenta", "cincuenta", "ciento", "doscientos", "trescientos", "quinientos",
    "deux", "trois", "quatre", "cinq", "sept", "huit", "neuf", "dix", "cent", "mille",
    "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "hundert", "tausend",
    "dois", "três", "quatro", "oito", "nove", "dez", "cem", "due", "tre", "cinque", "sei", "sette", "otto",
    "dieci", "cento", "mila", "один", "два", "три", "пять", "десять", "сто", "тысяч", "миллион",
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "百", "千", "万")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"\w+", re.U)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")
# The line code adds under a reply to link the cited article ("Read more: <title> — <url>", in the
# reply's language): its title is the source's own first line, its URL is the address check's business.
_LABELS = sorted({re.escape(label.rstrip(" :：").lower()) for p in PHRASES.values() for label in (p.guide, p.read_more)},
                 key=len, reverse=True)
_LINK_LABEL = re.compile(rf"^\s*(?:{'|'.join(_LABELS)})\s*[:：]\s*", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_CONTRACTIONS = {"you'll": "you will", "we'll": "we will", "i'll": "i will", "you’ll": "you will",
                 "we’ll": "we will", "i’ll": "i will", "won't": "will not", "won’t": "will not"}
# Share of a committing sentence's other words that the supporting source sentence must contain.
WORDS_MIN = 0.7


@dataclass(frozen=True)
class Commitment:
    sentence: str
    triggers: tuple[str, ...]  # the money and commitment words found
    numbers: tuple[str, ...]


def normalise(text: str) -> str:
    text = _LINK_LABEL.sub("", URL.sub(" ", unicodedata.normalize("NFKC", text or ""))).lower().strip(" —-")
    for short, long in _CONTRACTIONS.items():
        text = text.replace(short, long)
    return " ".join(text.split())


# The terms sorted by how they match, once: a reply's check reads every sentence of every cited
# passage, and trying each term on each sentence was half of a replay's time.
_TERMS = MONEY + COMMITMENT
_STEMS = frozenset(t[:-1] for t in _TERMS if t.endswith("-"))
_LONGEST_STEM = max(map(len, _STEMS))
_WHOLE = frozenset(t for t in _TERMS if not t.endswith("-") and " " not in t and t.isalpha() and not _CJK.search(t))
_ANYWHERE = tuple(t for t in _TERMS if not t.endswith("-") and t not in _WHOLE)
_NUMBER_WORDS = frozenset(NUMBER_WORDS)


def _triggers(low: str) -> tuple[str, ...]:
    words = set(_WORD.findall(low))
    hits = {t for t in _ANYWHERE if t in low} | (words & _WHOLE)
    hits |= {w[:k] + "-" for w in words for k in range(1, min(len(w), _LONGEST_STEM) + 1) if w[:k] in _STEMS}
    found = [t.rstrip("-") for t in _TERMS if t in hits]  # in the lists' order, for a stable reason text
    found += [w for w in words if w in _NUMBER_WORDS]
    found += [f"done: {m.group(0)}" for m in _DONE.finditer(low)
              if m.group(0).rsplit(" ", 1)[-1] not in _NOT_DONE]
    found += [f"will: {m.group(0)}" for m in _FUTURE.finditer(low) if m.group(0) not in _NOT_FUTURE]
    found += [ch for ch in low if ch in _NUMBER_WORDS]  # CJK numerals
    if "%" in low:
        found.append("%")
    return tuple(dict.fromkeys(found))


def find(text: str) -> list[Commitment]:
    """The sentences of a reply that state an amount, a percentage or a commitment."""
    out = []
    for raw in _SENTENCE.split(text or ""):
        low = normalise(raw)
        if not low:
            continue
        numbers = tuple(n.replace(",", "") for n in _NUMBER.findall(low))
        triggers = _triggers(low)
        if triggers:
            out.append(Commitment(raw.strip(), triggers, numbers))
    return out


def supported(commitment: Commitment, sources: list[str]) -> bool:
    """One source sentence holds every trigger and number of the commitment and most of its words."""
    words = _content(normalise(commitment.sentence)) - set(commitment.triggers)
    for source in sources:
        for raw in _SENTENCE.split(source or ""):
            read = _source_sentence(raw)
            if read is None:
                continue
            numbers, triggers, content = read
            if not set(commitment.numbers) <= numbers:
                continue
            if not all(t in triggers for t in commitment.triggers):
                continue
            if not words or len(words & content) / len(words) >= WORDS_MIN:
                return True
    return False


@functools.lru_cache(maxsize=8192)
def _source_sentence(raw: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]] | None:
    """A source sentence's numbers, triggers and content words. Kept: the same passages are cited
    by reply after reply."""
    low = normalise(raw)
    if not low:
        return None
    return (frozenset(n.replace(",", "") for n in _NUMBER.findall(low)), frozenset(_triggers(low)),
            frozenset(_content(low)))


def _content(low: str) -> set[str]:
    """Words of three letters or more; in Chinese and Japanese, character pairs."""
    if _CJK.search(low):
        chars = [c for c in low if _CJK.match(c)]
        return {a + b for a, b in zip(chars, chars[1:])} | {w for w in _WORD.findall(low) if len(w) > 2 and w.isascii()}
    return {w for w in _WORD.findall(low) if len(w) > 2 and not w.isdigit()}


def unsupported(text: str, sources: list[str]) -> list[str]:
    """A reason per committing sentence no source states, for the draft note and the trace."""
    return [f"“{c.sentence[:120]}” commits to {', '.join(c.triggers[:4])}, which no cited source states"
            for c in find(text) if not supported(c, sources)]
