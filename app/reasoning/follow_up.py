"""What a customer's follow-up to Deskhand's public answer says about that answer. Pure.

Three verdicts: NOT_HELPED ("that didn't help", "still not working", "no, I already tried that"),
RESOLVED ("thanks, that fixed it", "all good now") and NEW (anything else: a new question, a
thank-you alone, details asked for). Rules, not a model: the phrases are few and the cost of a
mistake is lopsided. A missed dissatisfaction gets a second automated answer, and a false
resolution can close a ticket someone still needs, so RESOLVED is strict (a confirmation with no
further request), and an answer that is negated or doubted ("not sure it helped") counts as
NOT_HELPED. Covers the languages support teams meet most (English, Spanish, French, German,
Portuguese, Italian, Dutch, Swedish, Polish); tests/data/follow_ups.jsonl measures it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NOT_HELPED, RESOLVED, NEW = "not_helped", "resolved", "new"

# Text is compared lower-cased without accents ("ça" → "ca", "não" → "nao"); ł, ø and ß stay.
_NEGATOR = (r"(?:\b(?:not|no|never|cannot|nao|non|nicht|kein\w*|ne|pas|niet|geen|inte|ikke|nie|sin|sans|senza"
            r"|ohne|zonder|utan|(?:did|does|do|is|was|has|have|ca|wo)nt)\b|n't\b)")
# Verbs that say whether the answer worked, by language; negated, they say it did not.
_WORKED = (r"(?:help\w*|work\w*|fix\w*|solv\w*|resolv\w*|answer\w*|appl(?:y|ies)|ayud\w*|funcion\w*|solucion\w*"
           r"|sirv\w*|servi\w*|respond\w*|aid\w*|march\w*|fonctionn\w*|regl\w*|repond\w*|geholfen|hilft|helf\w*"
           r"|funktionier\w*|klapp\w*|beantwort\w*|ajud\w*|resolv\w*|aiut\w*|funzion\w*|risol\w*|rispond\w*"
           r"|hielp|geholpen|werkt|opgelost|hjalp\w*|fungerar|funkar|pomog\w*|dzial\w*)")
# Said outright that the answer failed, whatever the grammar around it.
_FAILED = re.compile(
    r"\bstill\b.{0,40}\b(?:not|n't|can't|cannot|won't|fail\w*|broken|same|having|stuck|get\w*|shows?|error|there"
    r"|happen\w*)\b|\balready (?:tried|did|done)\b|\bi did (?:exactly )?that\b|\btried (?:that|this|it) already\b"
    r"|\bsame (?:error|problem|issue|answer|thing|message)\b|\bpersist\w*|\buseless\b|\bnot (?:really )?(?:it|what i"
    r" (?:asked|meant|need\w*))\b|\bmy question was\b|\bnothing (?:changed|happen\w*)\b|\bnot sure (?:it|that|this)\b"
    r"|\bstuck\b|\bno luck\b"
    r"|\bsigue\w*\b|\bsigo\b|\bya lo (?:intente|probe|hice)\b|\bmismo (?:error|problema)\b|\btoujours\b"
    r"|\bdeja essaye\b|\bmeme (?:erreur|probleme)\b|\bimmer noch\b|\bnoch immer\b|\bschon (?:versucht|probiert)\b"
    r"|\bohne erfolg\b|\bgleiche\w* (?:fehler|problem)\b|\bja tentei\b|\bcontinua\b|\bmesmo (?:erro|problema)\b"
    r"|\bgia provato\b|\bancora\b|\bstesso (?:errore|problema)\b|\bnog steeds\b|\bal geprobeerd\b"
    r"|\bzonder resultaat\b|\bfortfarande\b|\bredan (?:provat|testat)\b|\bnadal\b|\bjuz probowal\w*\b")
# Said that it now works. Only counts in a clause with no negator outside the phrase itself.
_WORKS = re.compile(
    r"\b(?:that|it|this|which|you)(?:'s| has| have| really| totally| definitely)? (?:helped|worked|works|did it|did"
    r" the trick|fixed it|solved it|sorted it|sorted me)\b|\b(?:works|working|fixed|solved|resolved|sorted)"
    r"(?: (?:fine|again|out))?(?: now)?\b|\ball (?:good|sorted|set|fixed|working)\b|\bfigured it out\b|\bgot it"
    r" (?:working|sorted|fixed)\b|\bable to \w+(?: \w+)? again\b|\bexactly what i needed\b|\bno (?:problem|issue)s?"
    r" (?:anymore|any more)\b|\bnow it (?:does|works)\b|\bcan close\b"
    r"|\b(?:ya )?funciona\b|\blo soluciono\b|\bsolucionado\b|\bresuelto\b|\btodo bien\b|\bme (?:sirvio|ayudo)\b"
    r"|\bca (?:marche|fonctionne)\b|\bmarche maintenant\b|\bresolu\b|\bregle\b|\bc'est bon\b|\bm'a aide\b"
    r"|\bfunktioniert (?:es )?(?:jetzt|wieder)\b|\bjetzt funktioniert\b|\bhat (?:geholfen|funktioniert)\b|\bgelost\b|\bklappt\b"
    r"|\bresolveu\b|\bfuncionou\b|\bdeu certo\b|\bresolvido\b"
    r"|\bfunziona\b|\brisolto\b|\bha funzionato\b"
    r"|\bwerkt (?:nu|weer)\b|\bhet werkt\b|\bopgelost\b"
    r"|\bfungerar (?:nu|igen)\b|\bnu fungerar\b"
    r"|\b(?:juz )?dziala\b|\bpomoglo\b|\brozwiazane\b")
_NEGATED_WORKED = re.compile(rf"{_NEGATOR}(?:\W+\w+){{0,4}}?\W+{_WORKED}\b"
                             rf"|\b{_WORKED}\b(?:\W+\w+){{0,3}}?\W+(?:not|nicht|niet|inte|ikke|pas)\b")
_NEGATION = re.compile(_NEGATOR)
# Something more asked for: the confirmation does not close the conversation.
_ASKS = re.compile(r"[?¿]|\b(?:also|one more|another (?:question|thing)|can you|could you|would you|i'?d (?:also )?"
                   r"like|i (?:also )?(?:want|need)|please)\b|\b(?:tambien|aussi|auch|tambem|anche|ook|ocksa|rowniez)\b")
# The part after the last "but" is what the customer means ("it failed at first but now it works").
_CONTRAST = re.compile(r"\b(?:but|however|though|pero|mais|aber|maar|men|ale)\b")
_CLAUSE = re.compile(r"[,;.!?¿¡\n]+")


@dataclass(frozen=True)
class FollowUp:
    kind: str  # NOT_HELPED | RESOLVED | NEW
    said: str = ""  # the customer's words that decided it, for the reason agents read


def classify(text: str) -> FollowUp:
    """What the follow-up says about Deskhand's last answer."""
    plain = _plain(text)
    parts = _CONTRAST.split(plain)
    last = parts[-1] if len(parts) > 1 and parts[-1].strip(" ,.!?") else plain
    failed = _failed(last)
    if failed:
        return FollowUp(NOT_HELPED, failed)
    works = _works(last)
    if works and not _ASKS.search(plain):
        return FollowUp(RESOLVED, works)
    return FollowUp(NEW)


def _failed(text: str) -> str:
    found = _FAILED.search(text) or next(filter(None, map(_NEGATED_WORKED.search, _CLAUSE.split(text))), None)
    return found.group(0).strip() if found else ""


def _works(text: str) -> str:
    for clause in _CLAUSE.split(text):
        found = _WORKS.search(clause)
        if found and not _NEGATION.search(clause[:found.start()] + " " + clause[found.end():]):
            return found.group(0).strip()
    return ""


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
