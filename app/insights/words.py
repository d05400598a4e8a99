"""The words that name a group of tickets: frequent in the group, rare elsewhere (a class TF-IDF). Pure."""
from __future__ import annotations

import math
import re
from collections import Counter

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Words that say nothing about a topic, in the languages customers write to the sample company in.
STOP = set("""
the and for you your our are was were has have had not but this that with from what when where why how who
can could would should will just any all there their them they then than its it's into about been being
does did doing dont don't cant can't isn't won't same also more most some such very only other each
hello thanks thank please team regards best hey dear help need know want like get got see let able
still now today yesterday week month time again back one two three new use using used out via per
los las una uno para por con que del nos nuestro nuestra esta este pero como más hola gracias desde
der die das und für mit von auf ist nicht wir uns eine einer bitte seit kein keine statt danke
les des une pour avec est pas nous notre sur dans que qui bonjour merci
""".split())


def tokens(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOP]


def names_in(emails) -> set[str]:
    """The parts of the requesters' addresses that are names (first.last, first_last, first-last): the
    people who write a group of tickets sign them, and a name is not what the group is about."""
    found = set()
    for email in emails:
        parts = re.split(r"[._-]+", (email or "").split("@")[0].lower())
        if len(parts) > 1:
            found.update(p for p in parts if len(p) >= 3)
    return found


def typical_words(group: list[str], everything: list[str], n: int = 4, names: set[str] = frozenset()) -> list[str]:
    """The `n` words most typical of `group` (texts) against `everything` (texts, the group among them),
    leaving out `names` (names_in)."""
    df = Counter(w for text in everything for w in set(tokens(text)))
    tf = Counter(w for text in group for w in set(tokens(text)) if w not in names)
    total = max(1, len(everything))
    scored = sorted(tf, key=lambda w: (-(tf[w] / len(group)) * math.log(total / df[w]), w))
    return [w for w in scored if tf[w] >= max(2, len(group) // 5)][:n] or scored[:n]
