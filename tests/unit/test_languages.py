"""Replies in the customer's language: the offline reply's framing, the AI label, the decision for a
language without articles or phrases, and the claim check on a Spanish reply."""
from dataclasses import replace
from pathlib import Path

import pytest

from app.checks.check import check_reply, cited_sources
from app.core import phrases
from app.core.domain import CategoryPolicy, Citation, Draft, Requester, Ticket, Triage
from app.knowledge.search import KnowledgeIndex
from app.knowledge.store import index_of
from app.pipeline.think import Guardrails
from app.policy.decide import MIN_SOURCE_SCORE, decide
from app.reasoning import compose, prompts
from app.reasoning.engine import Engine
from connectors.markdown_kb import MarkdownFolder

SAMPLE = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "kb"
AUTO = CategoryPolicy("auto", 0.85, 0.5)


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return index_of(MarkdownFolder(SAMPLE))[0]


def ticket(name: str = "Lucía Fernández") -> Ticket:
    return Ticket("zendesk", "1", "Factura", "new", Requester("5", "lucia@cliente.test", name))


def spanish_reply(index, name="Lucía Fernández"):
    [match] = index.search("¿Dónde descargo la factura de octubre en PDF?", limit=1, language="es")
    return compose.reply(ticket(name), match, index)


def test_a_spanish_ticket_gets_the_spanish_article_framed_in_spanish(index):
    draft = spanish_reply(index)
    assert draft.language == "es" and draft.citations[0].title == "Descargar facturas y recibos"
    assert draft.text.startswith("Hola, Lucía:\n\nGracias por escribirnos. Esto debería ayudarte:")
    assert "Ve a Configuración → Facturación → Facturas." in draft.text
    assert draft.text.rstrip().endswith("La guía completa: Descargar facturas y recibos — "
                                        "https://brightline.zendesk.com/hc/es/articles/364000000103-descargar-"
                                        "facturas-y-recibos")
    assert "Hi " not in draft.text and "The full guide" not in draft.text
    assert spanish_reply(index, name="").text.startswith("Hola:\n\n")


def test_english_replies_read_as_before(index):
    [match] = index.search("where do I download my invoice pdf", limit=1)
    draft = compose.reply(ticket("Sam Lee"), match, index)
    assert draft.language == "en" and draft.text.startswith("Hi Sam,\n\nThanks for getting in touch. This should help:")
    assert compose.reply(ticket(""), match, index).text.startswith("Hi there,")


def test_no_phrases_for_the_language_means_no_reply(index):
    [match] = index.search("¿Dónde descargo la factura?", limit=1, language="es")
    korean = type(match)(type(match.passage)(**{**match.passage.__dict__, "language": "ko"}), match.score)
    assert phrases.phrases("ko") is None and compose.reply(ticket(), korean, index) is None


def test_the_default_ai_label_is_translated_and_an_admin_s_own_label_is_kept_as_written():
    assert Guardrails().label("en") == compose.AI_LABEL
    assert Guardrails().label("es") == phrases.PHRASES["es"].ai_label
    assert Guardrails().label("ko") == compose.AI_LABEL  # no translation: the default as it is
    own = Guardrails(ai_label="— Sent by Acme's assistant.")
    assert own.label("en") == own.label("es") == "— Sent by Acme's assistant."


def test_every_language_with_phrases_has_them_all():
    for language, words in phrases.PHRASES.items():
        assert all(words.__dict__.values()), language
        assert "{name}" in words.greeting and "{name}" not in words.greeting_anonymous
    assert set(phrases.PHRASES) >= {"en", "es", "fr", "de", "pt", "it", "nl"}


def tri(language: str, **kw) -> Triage:
    return Triage(**{"category": "billing", "confidence": 0.95, "language": language, **kw})


GOOD = Draft("Hola", (Citation("Descargar facturas", "https://h/x", "markdown:es/x#0"),), score=0.6, language="es")


def test_another_language_follows_the_policy_when_an_article_answers_it():
    assert decide(tri("es"), AUTO, GOOD).action == "send"
    assert decide(tri("es", confidence=0.7), AUTO, GOOD).action == "draft"
    assert decide(tri("es", confidence=0.3), AUTO, GOOD).action == "escalate"
    assert decide(tri("es", flags=("legal",)), AUTO, GOOD).action == "escalate"


def test_another_language_without_an_article_or_phrases_is_escalated_with_the_reason():
    none = decide(tri("fr"), AUTO, None)
    assert none.action == "escalate" and none.reasons == (
        "written in 'fr'; no knowledge-base article in that language answers it",)
    unwritable = decide(tri("ko"), AUTO, None)
    assert unwritable.action == "escalate" and "cannot write replies in that language" in unwritable.reasons[0]
    assert decide(tri("en"), AUTO, None).reasons == ("no knowledge-base passage supports a reply",)


def check(draft: Draft, index: KnowledgeIndex):
    return check_reply(draft.text, cited_sources(draft, index), internal_texts=[], canaries=[],
                       allowed_hosts=index.hosts(), ai_label=Guardrails().label(draft.language),
                       requester_email="lucia@cliente.test", prompt_texts=list(prompts.own_texts()))


def test_a_spanish_reply_from_a_spanish_passage_passes_the_check(index):
    draft = spanish_reply(index)
    checked = check(draft, index)
    assert checked.sendable, checked
    assert checked.text.rstrip().endswith(phrases.PHRASES["es"].ai_label)


@pytest.mark.parametrize("invented", [
    "Además, te hemos reembolsado 250 € por las molestias.",
    "Te devolveremos doscientos dólares esta semana.",
    pytest.param("Podemos volver a emitir facturas de los últimos 36 meses si lo solicitas.", marks=pytest.mark.xfail(
        strict=True, reason="known gap: outside English a changed number with no money or commitment word "
                            "(36 months for 12) is not caught; claims.py reads values in English only")),
])
def test_a_spanish_reply_with_an_invented_amount_or_promise_does_not_go(index, invented):
    draft = spanish_reply(index)
    tampered = Draft(draft.text.replace("Gracias por escribirnos.", f"Gracias por escribirnos. {invented}"),
                     draft.citations, draft.score, language="es")
    checked = check(tampered, index)
    assert not checked.sendable and checked.unsupported, checked
    assert decide(tri("es"), AUTO, tampered, checked=checked).action == "draft"


def test_searching_across_languages_finds_the_article_in_another_language(index):
    """No German article: within German nothing is found; across languages, the invoices article
    (English or its Spanish translation) comes first."""
    question = "Rechnungen herunterladen\nWo kann ich unsere Rechnungen als PDF herunterladen?"
    assert index.search(question, language="de") == []
    [best, *_] = index.search_across(question)
    assert best.passage.title in ("Download invoices and receipts", "Descargar facturas y recibos")
    assert best.score >= MIN_SOURCE_SCORE


def test_across_languages_the_same_floor_holds_because_an_unanswered_question_scores_higher(index):
    """Cross-language scores run lower, but a lower floor for them would let through questions no
    article answers (scripts/bench_cross_language.py): a Spanish question no article answers scores
    higher on a wrong English article than a Polish one on the right English article, both under the
    floor, and a reply written from the right one is not sent on its own."""
    [answered, *_] = index.search_across("Chcemy anulować subskrypcję. Czy będziemy mieli dostęp do końca "
                                         "opłaconego okresu?")
    [unanswered, *_] = index.search_across("¿Existe una aplicación para el móvil, para ver los dashboards en "
                                           "el iPhone?")
    assert answered.passage.title == "Cancel your subscription"
    assert unanswered.passage.language == answered.passage.language == "en"
    assert 0.25 < answered.score < unanswered.score - 0.01 < MIN_SOURCE_SCORE
    p = answered.passage
    draft = Draft("Przejdź do Ustawienia → Rozliczenia → Subskrypcja …", (Citation(p.title, p.url, p.id),),
                  answered.score, writer="llm", language="pl")
    decision = decide(tri("pl"), AUTO, draft)
    assert decision.action == "escalate" and decision.reasons == ("no knowledge-base passage supports a reply",)
    # the same reply from a match at the floor goes, as from an article in the customer's language
    assert decide(tri("pl"), AUTO, replace(draft, score=MIN_SOURCE_SCORE)).action == "send"


def test_the_offline_reply_quotes_only_an_article_in_the_customer_s_language(index):
    """It quotes the article's words, so an English article cannot answer a German customer."""
    matches = index.search_across("Wo kann ich unsere Rechnungen als PDF herunterladen?")
    english = [m for m in matches if m.passage.language == "en"]
    engine = Engine(model=None, knowledge=index)
    assert engine.reply(ticket(), "Wo …?", english, index, language="de") is None
    assert engine.reply(ticket(), "Where …?", english, index, language="en").language == "en"


def test_replies_can_be_written_in_every_language_triage_reads_and_the_framing_promises_nothing():
    """The twelve languages the sensitivity detector is measured on; the framing states no fact, so
    the claim check finds nothing in it."""
    for language in ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "tr", "ru", "ja", "zh"):
        words = phrases.phrases(language)
        assert words is not None, language
        framing = "\n".join([words.greeting.format(name="Ana"), words.intro, words.guide, words.read_more])
        assert check_reply(framing, [], internal_texts=[], canaries=[], allowed_hosts=set(),
                           ai_label=words.ai_label, requester_email="", prompt_texts=[]).unsupported == (), language
