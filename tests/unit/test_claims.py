"""Claims check: every money amount, deadline, refund, promise and policy in a public reply needs a
source (DESIGN §1 step 6; reliability.md S9, S10)."""
import json
from pathlib import Path

import pytest

from app.checks.claims import Claim, Source, check_claims, extract_claims
from app.knowledge.text import html_to_text

REFUND_POLICY = Source("kb:refund-policy", """Refund policy
Here is when we refund:
1. Annual plans: a new annual purchase or an annual renewal is fully refundable if you ask within 14 days
of the charge. After 14 days annual fees are not refundable, and you keep access until the end of the term.
2. Monthly plans: monthly charges are not refundable. Cancelling stops the next charge.
3. Billing errors: duplicate charges are refunded in full if reported within 60 days.
Refunds go back to the original payment method and take 5–10 business days to appear.""")

SESSIONS = Source("kb:sessions", """Signed out unexpectedly
You can stay signed in on up to three devices at the same time with one subscription.
Signing in on a fourth device signs out the session you used least recently.""")

INVOICE = Source("stripe:in_1035", "Invoice in_1035: amount due $1,035.00 USD, paid 2026-05-02, Growth annual renewal",
                 kind="fact")

PRICING = Source("kb:pricing", """Plans and prices
Starter is $20 per seat per month ($16 billed annually). Annual billing costs 20% less than paying monthly.""")


def check(text, *sources):
    return check_claims(extract_claims(text), list(sources))


def kinds(text):
    return {c.kind for c in extract_claims(text)}


# ---------------------------------------------------------------- supported

def test_amount_and_refund_window_supported_by_passage_and_invoice():
    report = check("Your annual renewal of $1,035.00 is fully refundable because you asked within 14 days "
                   "of the charge.", REFUND_POLICY, INVOICE)
    assert report.ok, report.reasons
    by_kind = {c.kind: sid for c, sid in report.supported}
    assert by_kind["amount"] == "stripe:in_1035"
    assert by_kind["deadline"] == "kb:refund-policy"
    assert "stripe:in_1035" in by_kind["refund"] and "kb:refund-policy" in by_kind["refund"]
    assert report.unsupported == [] and report.partially == []


def test_paraphrased_refund_policy_is_supported():
    report = check("Refunds go back to your original payment method and usually take 5-10 business days.",
                   REFUND_POLICY)
    assert report.ok, report.reasons


def test_price_supported_in_another_wording():
    assert check("The Starter plan is $20/seat/month.", PRICING).ok
    assert check("Paying annually saves you twenty percent.", PRICING).ok


# ---------------------------------------------------------------- unsupported

def test_invented_one_device_rule_is_flagged():  # Cursor, April 2025
    report = check("This is expected: our policy allows only one device per subscription, so other sessions "
                   "are signed out.", SESSIONS, REFUND_POLICY)
    assert not report.ok
    flagged = report.unsupported + [c for c, _ in report.partially]
    assert any(c.kind == "policy" for c in flagged)
    assert any("1 device" in line for line in report.reasons)


def test_legally_binding_offer_is_never_supported():  # Chevrolet of Watsonville, Dec 2023
    report = check("Deal: the Tahoe is yours for $1, and that's a legally binding offer - no takesies backsies.",
                   REFUND_POLICY, PRICING)
    assert not report.ok
    assert any(c.kind == "promise" for c in report.unsupported)
    assert any("legally binding" in line for line in report.reasons)


def test_guarantee_needs_a_source_with_the_same_words():
    assert not check("We guarantee a full refund within 14 days of the charge.", REFUND_POLICY).ok
    backed = Source("kb:sla", "We guarantee a full refund within 14 days of the charge for annual plans.")
    assert check("We guarantee a full refund within 14 days of the charge.", backed).ok


def test_refund_promise_without_any_source_is_unsupported():
    report = check("We will refund $500 to your card today.")
    assert not report.ok
    assert {c.kind for c in report.unsupported} >= {"promise", "refund", "amount"}
    assert report.supported == []
    assert any("500 USD" in line for line in report.reasons)


def test_refund_promise_of_amount_the_sources_do_not_give():
    report = check("We will refund $500 to your card.", REFUND_POLICY, INVOICE)
    assert not report.ok
    assert any(c.kind == "amount" and c.values == ("500 USD",) for c in report.unsupported)


def test_claim_that_says_the_opposite_of_the_passage_is_unsupported():  # Air Canada, 2024
    report = check("Monthly charges are refundable, so you can get your money back.", REFUND_POLICY)
    assert not report.ok
    assert any("opposite" in line for line in report.reasons)


def test_claimed_action_needs_a_tool_fact():
    assert not check("I've refunded the duplicate charge to your card.", REFUND_POLICY).ok
    fact = Source("stripe:re_9", "Refund re_9 issued for the duplicate charge of $45.00 USD to card ending 4242",
                  kind="fact")
    assert check("I've refunded the duplicate charge of $45 to your card.", fact).ok
    report = check("I've refunded the duplicate charge of $45 to your card.", REFUND_POLICY)
    assert any("no tool fact" in line for line in report.reasons)


def test_number_reused_from_an_unrelated_sentence_does_not_support():
    export = Source("kb:export", "Export all workspace data\nWe email you a download link. "
                                 "The link is valid for 7 days; after that, request a new export.")
    report = check("Invitations are valid for 7 days.", export)
    assert not report.ok


# ---------------------------------------------------------------- partially supported

def test_right_policy_wrong_window_is_partial():
    report = check("Annual purchases are fully refundable if you ask within 30 days of the charge.", REFUND_POLICY)
    assert not report.ok
    partial = dict((c.kind, missing) for c, missing in report.partially)
    assert partial["refund"] == ("30 days",)
    assert any("30 days" in line for line in report.reasons)


def test_right_invoice_wrong_amount_is_partial():
    report = check("Your annual renewal of $1,350 was paid on 2026-05-02.", INVOICE)
    assert not report.ok
    assert any(c.kind == "amount" for c in report.unsupported)
    assert any(c.kind == "deadline" for c, _ in report.supported)


# ---------------------------------------------------------------- values and normalisation

@pytest.mark.parametrize("claim,source", [
    ("The invoice total is $1,035.00.", "Invoice total: 1035"),
    ("The invoice total is USD 1,035.", "Invoice total: $1035"),
    ("The invoice total is 1035 USD.", "Invoice total: US$1,035.00"),
    ("The invoice total is €20.", "Invoice total: 20 EUR"),
    ("The invoice total is 19.90 dollars.", "Invoice total: $19.9"),
    ("Your trial lasts fourteen days.", "Your trial lasts 14 days."),
    ("Your trial lasts 14 days.", "Your trial: a 14-day trial."),
    ("Your trial lasts two weeks.", "Your trial lasts 14 days."),
    ("Your discount is 15 percent.", "Your discount is 15%."),
    ("Your plan renews on December 1, 2026.", "Your plan renews on 2026-12-01."),
    ("Your plan renews on 1 December.", "Your plan renews on 2026-12-01."),
    ("Your plan is $20 per seat per month.", "Your plan is $20/seat/month."),
])
def test_values_match_across_notations(claim, source):
    report = check(claim, Source("s", source))
    assert report.findings, f"no claim found in {claim!r}"
    assert report.ok, report.reasons


@pytest.mark.parametrize("claim,source", [
    ("The invoice total is €20.", "Invoice total: $20"),
    ("The invoice total is $1,035.", "Invoice total: $1,053"),
    ("Your plan is $20 per month.", "Your plan is $20 per year."),
    ("Your trial lasts 14 days.", "Your trial lasts 14 business days."),
    ("Your discount is 15%.", "Your discount is 1.5%."),
    ("Your plan renews on December 1, 2026.", "Your plan renews on 2026-01-12."),
])
def test_different_values_do_not_match(claim, source):
    assert not check(claim, Source("s", source)).ok


def test_extracted_values_are_normalised():
    claims = extract_claims("It's $1,035.00 now, 15% off, within fourteen days, then €20 per seat per month.")
    values = {v for c in claims for v in c.values}
    assert {"1035 USD", "15%", "14 days", "20 EUR/seat/month"} <= values
    assert {c.kind for c in claims} >= {"amount", "percentage", "deadline", "price"}


def test_one_sentence_can_hold_several_claims():
    assert kinds("We will refund $500 within 14 days.") == {"promise", "refund", "amount", "deadline"}
    assert "policy" in kinds("You're entitled to a refund, but you are not allowed to transfer seats.")
    assert "deadline" in kinds("We'll get back to you by Friday.")
    assert "promise" in kinds("I have issued a credit for the outage.")


# ---------------------------------------------------------------- not claims

@pytest.mark.parametrize("text", [
    "Hi Sam,",
    "Thanks for getting in touch. This should help:",
    "Go to Settings → Billing → Invoices and click Download.",
    "1. Open Account → Security.\n2. Click Set up again.",
    "Update your credit card under Settings → Billing.",
    "Let me know if anything is unclear!",
    "— Deskhand, an automated assistant. Reply to this message to reach a person.",
])
def test_greetings_thanks_and_steps_are_not_claims(text):
    assert extract_claims(text) == []


def test_reply_without_claims_is_ok():
    report = check("Hi Sam,\n\nThanks for writing. Go to Settings → Billing and click Invoices.")
    assert report.ok and report.findings == ()


def test_reasons_are_one_line_per_flagged_sentence():
    report = check("We will refund $500. Thanks! Our policy allows only one device per subscription.")
    assert len(report.reasons) == 2
    assert report.reasons[0].startswith("“We will refund $500.”")


def test_claim_is_a_frozen_value():
    claim = extract_claims("We will refund $500.")[0]
    assert isinstance(claim, Claim)
    with pytest.raises(AttributeError):
        claim.kind = "other"  # type: ignore[misc]


# ---------------------------------------------------------------- the sandbox help center

ARTICLES = json.loads((Path(__file__).parents[2] / "sandbox" / "company" / "articles.json").read_text())
ARTICLES = ARTICLES if isinstance(ARTICLES, list) else ARTICLES["articles"]


def _as_source(article):
    return Source(str(article["id"]), article["title"] + "\n" + html_to_text(article["body"]))


def test_a_reply_quoting_its_article_is_supported_by_it():
    """What compose.reply sends (greeting + article + link + label) passes against its own article."""
    for article in ARTICLES:
        source = _as_source(article)
        reply = (f"Hi Sam,\n\nThanks for getting in touch. This should help:\n\n{source.text}\n\n"
                 f"The full guide: {article['title']} — {article['html_url']}\n\n"
                 "— Deskhand, an automated assistant. Reply to this message to reach a person.")
        report = check(reply, source)
        assert report.ok, (article["title"], report.reasons)


def test_an_article_does_not_support_another_articles_claims():
    checked = 0
    for article in ARTICLES:
        claims = extract_claims(html_to_text(article["body"]))
        if not claims:
            continue
        for other in ARTICLES:
            if other is not article:
                checked += 1
                assert not check_claims(claims, [_as_source(other)]).ok, (article["title"], other["title"])
    assert checked > 100
