"""The few words Deskhand writes around a quoted article, per language. Pure.

A reply quotes an article in the customer's language and frames it with these lines, so a
language is answered only when it has a row here (the others are escalated with that reason).
The framing states no fact, price or promise, so the claim check has nothing to ask of it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    name: str  # the language, as the LLM engine's prompt names it
    greeting: str  # with the customer's first name
    greeting_anonymous: str  # no name on the ticket
    intro: str
    guide: str  # before the article's title and link
    read_more: str  # before each link the LLM engine's reply adds
    ai_label: str  # the AI disclosure, when the admin kept the default one


PHRASES = {
    "en": Phrases(
        "English", "Hi {name},", "Hi there,",
        "Thanks for getting in touch. This should help:",
        "The full guide:", "Read more:",
        "— Deskhand, an automated assistant. Reply to this message to reach a person."),
    "es": Phrases(
        "Spanish (español)", "Hola, {name}:", "Hola:",
        "Gracias por escribirnos. Esto debería ayudarte:",
        "La guía completa:", "Más información:",
        "— Deskhand, un asistente automático. Responde a este mensaje para hablar con una persona."),
    "fr": Phrases(
        "French (français)", "Bonjour {name},", "Bonjour,",
        "Merci de nous avoir écrit. Ceci devrait vous aider :",
        "Le guide complet :", "En savoir plus :",
        "— Deskhand, un assistant automatique. Répondez à ce message pour joindre une personne."),
    "de": Phrases(
        "German (Deutsch)", "Hallo {name},", "Hallo,",
        "Danke für Ihre Nachricht. Das sollte helfen:",
        "Die vollständige Anleitung:", "Mehr dazu:",
        "— Deskhand, ein automatischer Assistent. Antworten Sie auf diese Nachricht, um einen Menschen zu "
        "erreichen."),
    "pt": Phrases(
        "Portuguese (português)", "Olá, {name},", "Olá,",
        "Obrigado pelo contato. Isto deve ajudar:",
        "O guia completo:", "Saiba mais:",
        "— Deskhand, um assistente automático. Responda a esta mensagem para falar com uma pessoa."),
    "it": Phrases(
        "Italian (italiano)", "Ciao {name},", "Ciao,",
        "Grazie per averci scritto. Questo dovrebbe aiutarti:",
        "La guida completa:", "Per saperne di più:",
        "— Deskhand, un assistente automatico. Rispondi a questo messaggio per parlare con una persona."),
    "nl": Phrases(
        "Dutch (Nederlands)", "Hallo {name},", "Hallo,",
        "Bedankt voor je bericht. Dit zou moeten helpen:",
        "De volledige handleiding:", "Meer lezen:",
        "— Deskhand, een geautomatiseerde assistent. Beantwoord dit bericht om een medewerker te bereiken."),
    "pl": Phrases(
        "Polish (polski)", "Dzień dobry, {name},", "Dzień dobry,",
        "Dziękujemy za wiadomość. To powinno pomóc:",
        "Pełny przewodnik:", "Więcej informacji:",
        "— Deskhand, automatyczny asystent. Odpowiedz na tę wiadomość, aby skontaktować się z człowiekiem."),
    "tr": Phrases(
        "Turkish (Türkçe)", "Merhaba {name},", "Merhaba,",
        "Bize yazdığınız için teşekkürler. Bu yardımcı olacaktır:",
        "Rehberin tamamı:", "Daha fazla bilgi:",
        "— Deskhand, otomatik bir asistan. Bir kişiye ulaşmak için bu mesajı yanıtlayın."),
    "ru": Phrases(
        "Russian (русский)", "Здравствуйте, {name}!", "Здравствуйте!",
        "Спасибо, что написали нам. Это должно помочь:",
        "Полное руководство:", "Подробнее:",
        "— Deskhand, автоматический помощник. Ответьте на это сообщение, чтобы связаться с человеком."),
    "ja": Phrases(
        "Japanese (日本語)", "{name} 様", "お客様",
        "お問い合わせありがとうございます。こちらをご覧ください：",
        "ガイド全文：", "詳しくはこちら：",
        "— Deskhand（自動アシスタント）。担当者とやり取りするには、このメッセージに返信してください。"),
    "zh": Phrases(
        "Chinese (中文)", "{name}，您好：", "您好：",
        "感谢您的来信。以下内容应该能帮到您：",
        "完整指南：", "了解更多：",
        "— Deskhand，自动助手。回复此消息即可联系人工客服。"),
}
DEFAULT_AI_LABEL = PHRASES["en"].ai_label


def phrases(language: str) -> Phrases | None:
    """The framing for replies in `language`; None when Deskhand cannot write in it."""
    return PHRASES.get(language)


def greeting(language: str, first_name: str) -> str:
    words = PHRASES[language]
    return words.greeting.format(name=first_name) if first_name else words.greeting_anonymous


def ai_label(configured: str, language: str) -> str:
    """The disclosure for a reply in `language`. An admin's own label is theirs — their brand, maybe
    their lawyers' words — and is never swapped for a translation; the default one is translated."""
    if configured != DEFAULT_AI_LABEL or language not in PHRASES:
        return configured
    return PHRASES[language].ai_label
