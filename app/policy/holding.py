"""The holding reply: a short public message when a ticket is escalated to a person. Pure.

Off unless a category's policy has `holding_reply: true`. It says one true thing — a person on the
team will reply here — and a time only when the policy sets `holding_reply_hours`. An admin's own
`holding_reply_text` replaces the default words and is held to the same rule: the check reads it
against the hours sentence alone, so a text promising a time, a refund or anything else the policy
does not state is refused when the policy is saved (`problems`) and never sent.

Nothing of the ticket's text goes in (the greeting uses the requester's profile name, as every reply
does), and it is not sent where a bot's message is the wrong answer (`NOT_ON`).
"""
from __future__ import annotations

from app.checks.claims import Source
from app.core import phrases
from app.core.domain import CategoryPolicy, Ticket
from app.core.flags import UNTRUSTED, URGENT

TAG = "deskhand_holding"  # one holding reply per ticket: a later escalation of it sends none
# Flags on which no holding reply is sent:
# - someone may be hurt (URGENT): a canned line is the wrong answer; a person replies, urgently;
# - the message may not be the account owner's, or was aimed at the bot (UNTRUSTED): a person decides
#   what, if anything, to tell whoever wrote it;
# - a lawyer, a regulator or the press: anything written may be quoted, so only a person writes.
# "human" (the customer asks for a person) is not among them: "a person will reply" is the answer.
NOT_ON = URGENT | UNTRUSTED | {"legal", "regulator", "press"}
# The default words per language, and the sentence the policy's hours add; other languages get no
# default holding reply (an admin's own text is sent as written).
DEFAULT = {
    "en": ("Thanks for your message. A person on our team will reply here.",
           "You can expect a reply within {hours} hours."),
    "es": ("Gracias por tu mensaje. Una persona de nuestro equipo te responderá aquí.",
           "Puedes esperar una respuesta en un plazo de {hours} horas."),
    "fr": ("Merci pour votre message. Une personne de notre équipe vous répondra ici.",
           "Vous pouvez attendre une réponse d'ici {hours} heures."),
    "de": ("Danke für Ihre Nachricht. Eine Person aus unserem Team antwortet Ihnen hier.",
           "Sie können innerhalb von {hours} Stunden mit einer Antwort rechnen."),
}


def text(entry: CategoryPolicy, flags: tuple[str, ...], language: str, ticket: Ticket) -> tuple[str, str]:
    """(the holding reply before the check, "") or ("", why none is sent) for an escalated ticket."""
    if not entry.holding_reply:
        return "", ""
    if entry.mode not in ("draft", "auto"):
        return "", f"the category is in {entry.mode} mode: nothing is written in public"
    stopped = sorted(set(flags) & NOT_ON)
    if stopped:
        return "", f"flagged {', '.join(stopped)}: a person writes to the customer"
    if TAG in ticket.tags:
        return "", "the customer already had a holding reply on this ticket"
    lang = language if language in DEFAULT else "en"
    if not entry.holding_reply_text and language not in DEFAULT:
        return "", f"no default holding reply in {language!r}; set holding_reply_text to send one"
    body = entry.holding_reply_text or DEFAULT[lang][0]
    if entry.holding_reply_hours:
        body += " " + DEFAULT[lang][1].format(hours=entry.holding_reply_hours)
    first = (ticket.requester.name or "").split(" ")[0]
    greeting = phrases.greeting(lang if lang in phrases.PHRASES else "en", first)
    return f"{greeting}\n\n{body}", ""


def sources(entry: CategoryPolicy, language: str) -> list[Source]:
    """What a holding reply may state beyond the default words: the time the policy sets, nothing else."""
    if not entry.holding_reply_hours:
        return []
    lang = language if language in DEFAULT else "en"
    return [Source("policy:holding_reply_hours", DEFAULT[lang][1].format(hours=entry.holding_reply_hours), "fact")]


def problems(custom: str, hours: int) -> list[str]:
    """What the check finds in an admin's holding text: a promise, an amount, a date or a deadline the
    policy does not set. Run when the policy is saved, so the admin sees it then."""
    from app.checks.check import check_reply
    from app.core.domain import CategoryPolicy as Entry
    checked = check_reply(custom, sources(Entry(holding_reply_hours=hours), "en"), internal_texts=[], canaries=[],
                          allowed_hosts=set(), ai_label="")
    return [*checked.unsupported, *checked.blocked, *checked.removed]
