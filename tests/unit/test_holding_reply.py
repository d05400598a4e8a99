"""The holding reply's words and when none is sent (app/policy/holding.py), and its policy fields."""
from __future__ import annotations

import pytest

from app.core.domain import CategoryPolicy
from app.policy import holding
from app.policy import store as policy_store
from app.policy.schema import PolicyError, parse_policy_text
from app.store.db import connect, migrate
from connectors.types import Requester, Ticket

ON = CategoryPolicy(mode="draft", holding_reply=True)
TICKET = Ticket(platform="zendesk", id="7", subject="Help", status="new",
                requester=Requester(id="1", name="Ana Lima", email="ana@example.com"))


def test_the_default_says_a_person_will_reply_and_promises_no_time():
    assert holding.text(ON, ("human",), "en", TICKET) == (
        "Hi Ana,\n\nThanks for your message. A person on our team will reply here.", "")
    assert holding.sources(ON, "en") == []
    timed = CategoryPolicy(mode="auto", holding_reply=True, holding_reply_hours=8)
    assert holding.text(timed, (), "es", TICKET)[0] == ("Hola, Ana:\n\nGracias por tu mensaje. Una persona de nuestro "
                                                       "equipo te responderá aquí. Puedes esperar una respuesta en "
                                                       "un plazo de 8 horas.")


@pytest.mark.parametrize("entry, flags, language, tags, why", [
    (CategoryPolicy(mode="draft"), (), "en", (), ""),  # off by default
    (CategoryPolicy(mode="shadow", holding_reply=True), (), "en", (), "shadow mode"),
    (ON, ("crisis",), "en", (), "flagged crisis"),
    (ON, ("security",), "en", (), "flagged security"),
    (ON, ("legal", "human"), "en", (), "flagged legal"),
    (ON, (), "en", (holding.TAG,), "already had a holding reply"),
    (ON, (), "ja", (), "no default holding reply in 'ja'"),
])
def test_none_is_sent_where_a_bot_s_message_is_wrong_or_was_sent_already(entry, flags, language, tags, why):
    ticket = Ticket(platform="zendesk", id="7", subject="x", status="new", requester=TICKET.requester, tags=tags)
    text, reason = holding.text(entry, flags, language, ticket)
    assert text == "" and why in reason


def test_an_admin_s_own_words_are_sent_as_written_in_any_language():
    own = CategoryPolicy(mode="draft", holding_reply=True, holding_reply_text="Merci ! Quelqu'un vous répondra ici.")
    assert holding.text(own, (), "ja", TICKET)[0] == "Hi Ana,\n\nMerci ! Quelqu'un vous répondra ici."


def test_the_fields_are_checked_stored_and_read_back(tmp_path):
    entry = parse_policy_text("categories:\n  billing: {holding_reply: true, holding_reply_hours: 4, "
                              "holding_reply_text: 'Thanks, Ana from billing will reply within 4 hours.'}\n"
                              ).for_category("billing")
    db = connect(str(tmp_path / "p.db"))
    migrate(db)
    stored = policy_store.set_entry(db, "billing", {"holding_reply": True, "holding_reply_hours": 4,
                                                    "holding_reply_text": entry.holding_reply_text})
    assert policy_store.load(db).for_category("billing") == stored and stored.holding_reply_hours == 4
    for bad, message in [("holding_reply_hours: 2.5", "whole number of hours"),
                         ("holding_reply_text: 'We will get back to you within 2 hours.'", "says what the policy"),
                         ("holding_reply_text: 'Your refund of $40.00 is on its way.'", "says what the policy"),
                         ("holding_reply_text: 'See https://status.example.com'", "without markup or links")]:
        with pytest.raises(PolicyError, match=message):
            parse_policy_text(f"categories:\n  billing: {{{bad}}}\n")
