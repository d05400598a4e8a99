"""Leak check for public replies (DESIGN §7.6, reliability.md S6). Pure.

Internal notes, the system prompt and secrets must never reach a public reply. Two tests, both
cheap and explainable:

- **canaries**: random marker strings planted in internal notes and the system prompt; if one
  shows up in a reply, the model copied hidden context out. Matched case-insensitively, and also
  with spacing and punctuation squeezed out ("D H - C A N A R Y"), so spelling it out does not
  slip past;
- **verbatim overlap**: a run of ≥ `min_overlap_tokens` consecutive words shared with an
  internal text. Eight words is long enough that stock phrases ("please let me know if you have
  any questions") rarely reach it by chance and short enough to catch a quoted sentence.

Shingles (tuples of n consecutive word tokens) in a set make the overlap test linear in the
length of the texts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_TOKEN = re.compile(r"\w+(?:['’]\w+)?")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
# Below this many letters/digits a squeezed canary could match ordinary text by chance.
MIN_SQUEEZED_CANARY = 8


def tokens(text: str) -> list[str]:
    return [t.replace("’", "'") for t in _TOKEN.findall(_INVISIBLE.sub("", text or "").lower())]


def shingles(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def find_leaks(reply: str, internal_texts: Sequence[str], canaries: Sequence[str],
               min_overlap_tokens: int = 8, allowed_texts: Iterable[str] = ()) -> list[str]:
    """Reasons the reply must not go out; empty when it may.

    `allowed_texts`: text that may legitimately appear in both, e.g. the AI label or a help-center
    passage that the system prompt also quotes; runs found in them are not leaks. Reasons name
    the canary / internal text by position, never by its content, so they are safe to log.
    """
    reasons: list[str] = []
    low = _INVISIBLE.sub("", reply or "").lower()
    squeezed = _squeeze(low)
    for i, canary in enumerate(canaries, 1):
        c = (canary or "").strip().lower()
        if not c:
            continue
        sq = _squeeze(c)
        if c in low or (len(sq) >= MIN_SQUEEZED_CANARY and sq in squeezed):
            reasons.append(f"the reply contains canary #{i}: hidden context was copied into it")

    n = max(1, int(min_overlap_tokens))
    words = tokens(reply)
    if len(words) < n:
        return reasons
    allowed: set[tuple[str, ...]] = set()
    for text in allowed_texts:
        allowed |= shingles(tokens(text), n)
    reply_shingles = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    for j, internal in enumerate(internal_texts, 1):
        grams = shingles(tokens(internal), n) - allowed
        hits = [i for i, g in enumerate(reply_shingles) if g in grams]
        if hits:
            run = _longest_run(hits) + n - 1
            reasons.append(f"the reply repeats {run} consecutive words of internal text #{j} "
                           f"(limit {n - 1})")
    return reasons


def _squeeze(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def _longest_run(positions: list[int]) -> int:
    """Longest streak of consecutive shingle positions (a run of k shingles = k + n - 1 words)."""
    best = cur = 1
    for a, b in zip(positions, positions[1:]):
        cur = cur + 1 if b == a + 1 else 1
        best = max(best, cur)
    return best


# Text that dresses itself as staff-only content: a customer must never read something that looks
# like an internal note, whoever wrote it (the model may have been told to).
_POSING = re.compile(
    r"\[\s*(?:internal|staff|agent|system|admin|note|interno|interne|intern|внутр\w*|内部)[^\]\n]{0,40}\]"
    r"|^\s*(?:internal note|internal|staff only|agent only|agents only|note interne|nota interna|interne notiz|"
    r"notatka wewnętrzna|interne notitie|iç not|внутренняя заметка|служебн\w+|内部メモ|内部备注|内部備註)\s*[:：-]"
    r"|\bescalat\w*\s*[:=]\s*(?:no|yes|false|true|none)\b|\b(?:note|message) from (?:tier ?\d|the support (?:lead|manager)|"
    r"your manager|management)\b|\b(?:do not|don't) (?:escalate|forward) (?:this|to)\b"
    r"|^\s*(?:WHAT DESKHAND TRIED|NEXT STEP|ACTIONS AWAITING APPROVAL|CASE FILE|CUSTOMER MOOD|EVIDENCE|"
    r"CONFLICTS BETWEEN SOURCES)\s*$"
    r"|\bDeskhand escalated this ticket\b", re.I | re.M)


def posing_as_internal(reply: str) -> list[str]:
    """Reasons the reply contains text posing as internal or staff content."""
    found = dict.fromkeys(m.group(0).strip()[:60] for m in _POSING.finditer(_INVISIBLE.sub("", reply or "")))
    return [f"the reply contains text posing as internal: “{f}”" for f in found]


# A support reply has no reason to talk about its own instructions; one that does is repeating
# them, perhaps in another language, where the word-for-word comparison cannot see it.
_SELF_TALK = re.compile(
    r"\b(?:system prompt|my (?:instructions|rules|guidelines|directives)|i (?:was|am|have been) "
    r"(?:told|instructed|programmed)|mis (?:instrucciones|reglas)|mes (?:instructions|consignes|règles)|"
    r"meine (?:anweisungen|regeln|instruktionen)|minhas (?:instruções|regras)|le mie (?:istruzioni|regole)|"
    r"mijn (?:instructies|regels)|moje (?:instrukcje|zasady)|talimatlarım|мои (?:инструкции|правила)|"
    r"системн\w+ (?:промпт|подсказк))"
    r"|(?:私の指示|システムプロンプト|我的指令|我的指示|系统提示)", re.I)


def talks_about_its_instructions(reply: str) -> list[str]:
    found = [m.group(0) for m in _SELF_TALK.finditer(_INVISIBLE.sub("", reply or "")) if m.group(0).strip()]
    return [f"the reply talks about its own instructions: “{f}”" for f in dict.fromkeys(found)]
