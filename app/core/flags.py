"""The sensitivity flags: one vocabulary for triage, the LLM engine, decide and the actions. Pure.

A flag says a person must handle the ticket (DESIGN §7, promise 9). Every flag escalates; a flag
added here is detected (once the development set has examples of it), escalates and is offered
to the LLM engine, with nothing else to change.
"""
from __future__ import annotations

# name → what it means, as shown to agents and written in the README.
MEANING: dict[str, str] = {
    "legal": "a legal threat or action: a lawyer, a court, small claims, suing, a formal legal notice",
    "regulator": "a complaint to a regulator, consumer agency, ombudsman or trading standards, made or threatened",
    "press": "a journalist asking for comment, or a threat to go to the press or expose the company in public",
    "chargeback": "a payment disputed with the bank or card issuer, a chargeback, or a charge reported as fraud",
    "security": "an account taken over or a phishing victim: an unknown sign-in, email or password changed "
                "by someone else, stolen credentials",
    "scam": "a third-party scam or identity theft: someone posing as the company, an account opened in "
            "the customer's name",
    "crisis": "the customer may be in crisis or at risk of harming themselves",
    "violence": "a threat of violence, by the customer or against them (a threatening courier, say)",
    "safety": "a physical safety incident: an injury, a fire, smoke, a health emergency, a child hurt",
    "personal_data": "a request about personal data: access, export, deletion, GDPR / CCPA rights",
    "account_change": "a change of account ownership, admin rights or login email asked for in the ticket",
    "human": "the customer asks for a person, in any wording (shouting, one word, 'agent')",
    "churn": "the customer intends to cancel, close the account or leave for a competitor",
    "injection": "text aimed at the bot: instructions, role-play, fake system or internal notes",
}
FLAGS: tuple[str, ...] = tuple(MEANING)
# Escalated as urgent (helpdesk priority, an alert where chat is connected): someone may be hurt.
URGENT = frozenset({"crisis", "violence", "safety"})
# No action is proposed at all: the message tried to instruct Deskhand, or may come from someone
# who took the account over or is posing as its owner.
UNTRUSTED = frozenset({"injection", "security", "scam", "account_change"})
