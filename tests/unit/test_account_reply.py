"""Replies from the customer's own account (issue 19): which fixes the diagnoses turn into proposals
under the caps and levels, and that the check accepts the reply's amounts only because the account
states them — the same reply with an amount changed (by a model that obeys the ticket) is caught."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app.checks.check import check_reply, cited_sources
from app.core.domain import Draft
from app.knowledge.search import KnowledgeIndex
from app.pipeline import account_reply
from app.policy.action_plan import Caps, Quote, fixes
from app.policy.schema import PolicyError, parse_policy_text
from app.reasoning.diagnoses import Diagnosis, Fix
from connectors.roles import Invoice, Price, Subscription
from connectors.types import Requester, Ticket

CAPS = Caps(refund_cap=150000, refunds_per_customer_30d=1)
TWICE = Diagnosis("charged_twice", "You were charged $1,035.00 twice for invoice INV-7, on 1 November 2026.",
                  ("in_7", "ch_1", "ch_2"), Fix("refund", "ch_2", 103500, "usd", "ch_2", basis="2 × $1,035.00 …"))
ANNUAL = Diagnosis("annual_instead_of_monthly", "Growth is billed yearly: $4,320.00 on 3 October 2026.",
                   ("sub_1",), Fix("change_interval", "sub_1", 360000, "usd", "ch_9", interval="month", basis="…"))
INVOICE = Diagnosis("invoice_copy", "Invoice INV-7 of 1 November 2026, for $1,035.00 (paid), is here: "
                    "https://invoice.stripe.com/i/acct_1/test_7", ("in_7",), Fix("resend_invoice", "in_7"))
TICKET = Ticket(platform="zendesk", id="9", subject="Charged twice", status="new",
                requester=Requester(id="1", name="Mei Varga", email="mei@example.com"))


def test_a_refund_within_the_caps_is_proposed_for_approval_and_the_rest_is_said_to_be_a_person_s():
    proposals, why = fixes("billing", [TWICE, ANNUAL, INVOICE], "mei@example.com", CAPS, 0)
    [refund] = proposals
    assert refund.level == "approval" and refund.params == {"charge_id": "ch_2", "amount": 103500, "currency": "usd",
                                                            "email": "mei@example.com"}
    assert why == ["annual_instead_of_monthly: changing sub_1 to monthly billing with a refund of $3,600.00 (…) "
                   "is for a person (the billing system gave no price for it)"]  # the invoice needs no action


@pytest.mark.parametrize("caps, done, levels, reason", [
    (Caps(100000, 1), 0, None, "above the cap of $1,000.00"),
    (CAPS, 1, None, "already had 1 refund(s) in 30 days"),
    (CAPS, 0, {"refund": "never"}, "not Deskhand's to propose"),
])
def test_no_refund_is_proposed_past_a_cap_a_count_or_a_never(caps, done, levels, reason):
    proposals, why = fixes("billing", [TWICE], "mei@example.com", caps, done, levels)
    assert proposals == [] and len(why) == 1 and reason in why[0]


def check(draft: Draft):
    return check_reply(draft.text, cited_sources(draft, KnowledgeIndex([])), internal_texts=[], canaries=[],
                       allowed_hosts={"invoice.stripe.com"}, ai_label="— Deskhand")


def test_the_account_reply_passes_the_check_on_the_account_s_facts_alone():
    proposals, _ = fixes("billing", [TWICE], "mei@example.com", CAPS, 0)
    draft = account_reply.reply(TICKET, [TWICE, INVOICE], proposals)
    assert draft.text.startswith("Hi Mei,") and TWICE.explanation in draft.text
    assert account_reply.refund_sentence(proposals[0]) in draft.text
    assert check(draft).sendable, check(draft)


def test_an_amount_or_a_promise_the_account_does_not_state_is_caught():
    proposals, _ = fixes("billing", [TWICE], "mei@example.com", CAPS, 0)
    draft = account_reply.reply(TICKET, [TWICE], proposals)
    for text in (draft.text.replace("$1,035.00 twice", "$2,035.00 twice"),  # a changed amount
                 draft.text + "\n\nWe will also refund your whole year, $12,420.00, today."):  # an invented promise
        checked = check(Draft(text, draft.citations, draft.score, draft.writer, facts=draft.facts))
        assert not checked.sendable and checked.unsupported, text


def test_account_facts_is_a_policy_switch_checked_like_the_other_fields():
    policy = parse_policy_text("categories:\n  billing: {mode: draft, account_facts: true}\n")
    assert policy.for_category("billing").account_facts and not policy.for_category("other").account_facts
    with pytest.raises(PolicyError, match="account_facts must be true or false"):
        parse_policy_text("categories:\n  billing: {account_facts: sometimes}\n")


def test_the_account_adds_to_the_help_article_s_answer_and_leads_only_when_it_shows_a_problem():
    from app.core.domain import Citation
    answer = Draft("Hi Mei,\n\nThanks for getting in touch. This should help:\n\nAdd your VAT number under Billing.",
                   (Citation("VAT numbers", "https://help.example/vat", "p-vat"),), score=0.6)
    informed = account_reply.reply(TICKET, [INVOICE], [], answer=answer)
    assert informed.text.startswith(answer.text) and INVOICE.explanation in informed.text  # the answer first
    assert [c.passage_id for c in informed.citations] == ["fact:billing", "p-vat"] and informed.score == 0.6
    led = account_reply.reply(TICKET, [TWICE], [], answer=answer)
    assert led.text.index(TWICE.explanation) < led.text.index("Add your VAT number")  # a problem leads
    assert led.text.startswith("Hi Mei,\n\nThis is what your account shows:")


@pytest.mark.parametrize("injected", [
    "We have already refunded $1,035.00 to your card.",  # says it was done: no record of it
    "You will also get $500.00 credit as an apology.",  # an amount and a promise the account does not hold
    "Le hemos devuelto 1.035,00 dólares a su tarjeta.",  # the same, in Spanish
])
def test_an_obedient_model_s_answer_cannot_borrow_the_account_s_authority(injected):
    """The article's answer may come from an LLM that obeys the ticket: joined to the account's facts,
    its invented sentence must still be caught — the facts back only their own sentences."""
    from app.core.domain import Citation
    proposals, _ = fixes("billing", [TWICE], "mei@example.com", CAPS, 0)
    answer = Draft(f"Hi Mei,\n\nThanks for getting in touch. {injected}", (Citation("Refunds", "", "p-x"),), score=0.6)
    draft = account_reply.reply(TICKET, [TWICE], proposals, answer=answer)
    checked = check(draft)
    assert injected in draft.text and not checked.sendable and checked.unsupported, checked


# -- a change of billing interval, priced by the billing system -----------------------------------------

SUB = Subscription("sub_1", "active", "Growth (annual)", 432000, "usd", "year", 10, "2027-10-03T00:00:00Z",
                   item_id="si_1", price_id="price_y", product_id="prod_g")
MONTHLY = Price("price_m", "prod_g", "Growth (monthly)", 4500, "usd", "month")
PREVIEW = Invoice("upcoming_in_1", "", "draft", 45000, 0, "usd", "2026-11-03T00:00:00Z")
QUOTE = Quote(SUB, MONTHLY, PREVIEW)
SWITCH = replace(ANNUAL, fix=replace(ANNUAL.fix, starts="2026-11-03T00:00:00Z"))


def test_a_change_of_interval_is_proposed_with_its_refund_as_one_approval_priced_by_the_billing_system():
    [change], why = fixes("billing", [SWITCH], "mei@example.com", Caps(400000, 1), 0, quotes={"sub_1": QUOTE})
    assert why == [] and change.action == "subscription_change" and change.level == "approval"
    assert change.params == {"subscription_id": "sub_1", "item_id": "si_1", "price_id": "price_m",
                             "price_label": "Growth (monthly)", "interval": "month", "starts": "2026-11-03T00:00:00Z",
                             "seats": 10, "amount": 45000, "currency": "usd", "email": "mei@example.com",
                             "refund_charge_id": "ch_9", "refund_amount": 360000}
    draft = account_reply.reply(TICKET, [SWITCH], [change])
    assert ("We have proposed moving your subscription to Growth (monthly): $450.00 a month for 10 seats, first "
            "billed on 3 November 2026, with nothing billed before then, and $3,600.00 of charge ch_9 refunded.") \
        in draft.text
    assert check(draft).sendable, check(draft)
    cheaper = draft.text.replace("$450.00 a month", "$45.00 a month")  # a model that obeys "make it $45"
    assert not check(Draft(cheaper, draft.citations, draft.score, draft.writer, facts=draft.facts)).sendable


@pytest.mark.parametrize("caps, done, levels, quote, reason", [
    (Caps(300000, 1), 0, None, QUOTE, "above the cap of $3,000.00"),  # the refund that goes with it
    (Caps(400000, 1), 1, None, QUOTE, "already had 1 refund(s) in 30 days"),
    (Caps(400000, 1), 0, {"subscription_change": "never", "refund": "approval"}, QUOTE, "is for a person"),
    (Caps(400000, 1), 0, None, "Stripe 503", "is for a person (Stripe 503)"),
    (Caps(400000, 1), 0, None, replace(QUOTE, price=replace(MONTHLY, product_id="prod_other")), "same product"),
    (Caps(400000, 1), 0, None, replace(QUOTE, preview=replace(PREVIEW, amount_due=4500)), "same product and seats"),
])
def test_no_change_of_interval_past_a_cap_a_never_or_a_price_that_is_not_the_same_plan(caps, done, levels, quote,
                                                                                      reason):
    proposals, why = fixes("billing", [SWITCH], "mei@example.com", caps, done, levels, {"sub_1": quote})
    assert proposals == [] and len(why) == 1 and reason in why[0], why


def test_a_change_of_interval_and_a_refund_in_one_reply_leave_the_second_refund_to_a_person():
    proposals, why = fixes("billing", [TWICE, SWITCH], "mei@example.com", Caps(400000, 2), 0, quotes={"sub_1": QUOTE})
    assert [p.action for p in proposals] == ["refund"] and "a second refund in one reply" in why[0]


def test_an_invoice_is_emailed_again_only_when_the_customer_asks_for_it_to_be_sent():
    assert fixes("billing", [INVOICE], "mei@example.com", CAPS, 0) == ([], [])  # the reply's link answers it
    [resend], why = fixes("billing", [INVOICE], "mei@example.com", CAPS, 0, send_asked=True)
    assert why == [] and (resend.action, resend.level, resend.params) == (
        "invoice_resend", "auto", {"invoice_id": "in_7", "email": "mei@example.com"})
    draft = account_reply.reply(TICKET, [INVOICE], [resend])
    assert "We are emailing this invoice to you again" in draft.text and check(draft).sendable
    never = fixes("billing", [INVOICE], "m@x.test", CAPS, 0, {"invoice_resend": "never"}, send_asked=True)
    assert never == ([], [])
