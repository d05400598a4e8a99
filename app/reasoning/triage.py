"""Triage: category with confidence, sentiment, sensitivity flags, several issues. Pure.

The model is passed in; this module only combines its output with the rules.
"""
from __future__ import annotations

import functools
import re
from typing import Protocol

from app.core.domain import Triage
from app.knowledge.page_map import Page, with_page
from app.reasoning import sensitivity, sentiment
from app.reasoning.classifier import OUT_OF_SCOPE

# A second request inside one message is only counted when the model is this sure of it,
# so that one long message about one thing is not split into several.
ISSUE_CONFIDENCE = 0.6
_SEGMENT = re.compile(r"(?<=[.!?])\s+|\n+|\b(?:also|and also|another thing|separately|plus)\b[,:]?", re.IGNORECASE)


class Classifier(Protocol):
    def predict_parts(self, text: str, spans: list[tuple[int, int]], max_tokens: int = ...,
                      language: str = ...) -> list[list[tuple[str, float]]]: ...


def triage(subject: str, body: str, model: Classifier, page: Page | None = None,
           page_feature: bool = False) -> Triage:
    """`page`: where the customer was, when the product map knows it; it is recorded, and with
    `page_feature` (the model was trained that way) its area is part of the classifier's text."""
    body = body.strip()
    text = f"{subject}\n{body}".strip()
    asked = with_page(text, page) if page_feature else text
    at = asked.rfind(body)  # the body's place in what the classifier reads (after the subject)
    spans = [(at + a, at + b) for a, b in segments(body)]
    if len(spans) < 2:  # one request at most: no need to classify its parts
        spans = []
    language = detect_language(text)
    # sensitivity first: the classifier of another language then finds most of its texts already read
    found = sensitivity.detect(text)
    ranked, *parts = model.predict_parts(asked, spans, language=language)  # one encoder run: text and parts
    category, confidence = ranked[0]
    if category == OUT_OF_SCOPE:  # the model recognises this as not ours to answer
        category, confidence = None, 0.0
    mood, frustration = sentiment.score(body)
    return Triage(category=category, confidence=round(confidence, 4),
                  alternatives=tuple((c, round(p, 4)) for c, p in ranked[1:4] if c != OUT_OF_SCOPE),
                  sentiment=mood, frustration=frustration, language=language,
                  flags=tuple(f.flag for f in found), flag_reasons=tuple(map(str, found)),
                  issues=separate_issues(category, parts),
                  **page_fields(page))


def segments(body: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or clause of at least four words: the parts that may each ask
    for something."""
    found, start = [], 0
    for cut in [*_SEGMENT.finditer(body), None]:
        end = cut.start() if cut else len(body)
        if len(body[start:end].split()) >= 4:
            found.append((start, end))
        start = cut.end() if cut else end
    return found


def page_fields(page: Page | None) -> dict:
    """The Triage fields that say where the customer was (empty when unknown)."""
    if page is None:
        return {}
    return {"page_url": page.url, "page_area": page.area.id, "page_area_name": page.area.name}


def separate_issues(main: str | None, parts: list[list[tuple[str, float]]]) -> tuple[str, ...]:
    """The distinct categories asked about in one message, main one first (only if several)."""
    found = [main] if main else []
    for ranked in parts:
        label, p = ranked[0]
        if p >= ISSUE_CONFIDENCE and label not in found and label != OUT_OF_SCOPE:
            found.append(label)
    return tuple(found) if len(found) > 1 else ()


# The languages support teams meet most. Choosing among these rather than langid's 97 keeps a
# short English message from being read as a rare language (Bitext: 5 of 4,514 vs 163).
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "sv", "da", "no", "fi", "cs", "ro", "hu", "el",
             "tr", "ru", "uk", "ar", "he", "hi", "id", "vi", "th", "ja", "zh", "ko")
# Below this probability the message is too short or mixed to tell, and is taken as English.
LANGUAGE_SURE = 0.5


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)  # 0.4 s, once
    identifier.set_languages(list(LANGUAGES))
    return identifier


def warm_up() -> None:
    """Load what triage loads on first use: langid's model, the sensitivity detector and its multilingual
    encoder (1 to 2 s together), so that a worker's first ticket does not wait for them."""
    detect_language("warm up")
    sensitivity.detect("warm up")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the message's language (langid.py's model), English when unsure."""
    language, probability = _identifier().classify(text)
    return language if probability >= LANGUAGE_SURE else "en"
