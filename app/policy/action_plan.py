"""Which actions Deskhand may take, at what level, and which ones a ticket calls for. Pure.

Every action has a ceiling written here, in code. The policy names a level per category
(`auto`: done at once, safe and reversible; `approval`: a person says yes first; `never`) and
may lower an action below its ceiling, never raise it above: a policy that tries is an error
when it is loaded, and `level` caps it again in case one slipped through. Amounts and targets
come from the connected systems' records, never from ticket text, so nothing a customer writes
can raise a level or a cap.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.core.domain import Decision, Evidence, Ticket, Triage
from app.core.flags import UNTRUSTED, URGENT
from app.reasoning.diagnoses import Diagnosis, day, money
from connectors.roles import Invoice, Price, Subscription

LEVELS = ("never", "approval", "auto")  # in rising order of autonomy
CEILING = {
    "refund": "approval",  # money leaves: always a person's yes, within the caps below
    # the price of a subscription's item moves to the same product's price of another interval, same
    # seats, no proration; with the refund of the difference (within the refund caps) when there is one
    "subscription_change": "approval",
    # emails the customer their own invoice again, to the address the billing system holds; changes nothing
    "invoice_resend": "auto",
    "crm_update": "approval",  # changes a record the sales team relies on
    "crm_note": "auto",  # adds, never changes; deletable
    "bug_file": "auto",  # files a deduplicated issue or comments on the existing one
    "slack_alert": "auto",  # tells people; changes nothing
    "change_email": "never", "change_owner": "never", "reset_2fa": "never",  # identity: never from a ticket
}
# The connected system each action runs in (a field of gather.Systems): nothing is proposed for a
# system the team has not connected.
SYSTEM = {"refund": "billing", "subscription_change": "billing", "invoice_resend": "billing", "crm_update": "crm", "crm_note": "crm", "bug_file": "bugs", "slack_alert": "chat"}
# The levels a category gets when its policy entry names none.
DEFAULT_ACTIONS = {
    "": {"slack_alert": "auto"},
    "billing": {"refund": "approval", "subscription_change": "approval", "invoice_resend": "auto", "crm_note": "auto",
                "slack_alert": "auto"},
    "plan_change": {"refund": "approval", "subscription_change": "approval", "invoice_resend": "auto",
                    "crm_note": "auto", "slack_alert": "auto"},
    "refund_request": {"refund": "approval", "subscription_change": "approval", "invoice_resend": "auto",
                       "crm_note": "auto", "slack_alert": "auto"},
    "cancellation": {"crm_update": "approval", "crm_note": "auto", "slack_alert": "auto"},
    "bug_report": {"bug_file": "auto", "slack_alert": "auto"},
}
# What an approved CRM update writes: the churn-risk property the sales team's views filter on.
CHURN_PROPERTY, CHURN_VALUE = "deskhand_churn_risk", "high"
# Flags on which no action is proposed at all (app/core/flags.py).
UNTRUSTED_FLAGS = UNTRUSTED


@dataclass(frozen=True)
class Caps:
    refund_cap: int  # minor units, per refund
    refunds_per_customer_30d: int


@dataclass(frozen=True)
class Proposal:
    action: str
    params: dict
    summary: str
    level: str = "approval"


@dataclass(frozen=True)
class Quote:
    """What the billing system says a change of interval would be: the subscription as it is, the
    product's price at the new interval, and the next invoice after the change (its preview)."""
    subscription: Subscription
    price: Price
    preview: Invoice


def level(action: str, category: str | None, configured: dict | None = None) -> str:
    """The level an action has for a category: the policy's (else the default), capped by the ceiling."""
    table = configured if configured is not None else DEFAULT_ACTIONS.get(category or "", DEFAULT_ACTIONS[""])
    return min(table.get(action, "never"), CEILING.get(action, "never"), key=LEVELS.index)


def check_levels(levels: dict, where: str) -> list[str]:
    """What is wrong with a policy's action table (unknown action or level, above the ceiling)."""
    problems = []
    for action, wanted in levels.items():
        if action not in CEILING:
            problems.append(f"{where}: unknown action {action!r}; known: {', '.join(sorted(CEILING))}")
        elif wanted not in LEVELS:
            problems.append(f"{where}.{action} must be one of {', '.join(LEVELS)}, got {wanted!r}")
        elif LEVELS.index(wanted) > LEVELS.index(CEILING[action]):
            problems.append(f"{where}.{action} can be at most {CEILING[action]!r} (set in code), got {wanted!r}")
    return problems


def refund(category: str | None, evidence: Evidence, email: str, caps: Caps, refunds_30d: int,
           configured: dict | None = None) -> tuple[list[Proposal], list[str]]:
    """A refund of the newest refundable charge the billing system shows, within the caps;
    or why none is proposed."""
    if level("refund", category, configured) == "never":
        return [], []
    charges = [f for f in evidence.of("charge") if f.ref and f.amount > 0]
    if not charges:
        return [], ["no refundable charge found in billing"]
    newest = max(charges, key=lambda f: f.at)
    if refunds_30d >= caps.refunds_per_customer_30d:
        return [], [f"{email} already had {refunds_30d} refund(s) in 30 days (limit {caps.refunds_per_customer_30d})"]
    if newest.amount > caps.refund_cap:
        return [], [f"refund of {newest.amount / 100:.2f} {newest.currency.upper()} on {newest.ref} is above "
                    f"the cap of {caps.refund_cap / 100:.2f}; a person decides"]
    params = {"charge_id": newest.ref, "amount": newest.amount, "currency": newest.currency, "email": email}
    return [Proposal("refund", params, f"refund {newest.amount / 100:.2f} {newest.currency.upper()} "
                                       f"of charge {newest.ref} to {email}")], []


def fixes(category: str | None, diagnoses: list[Diagnosis], email: str, caps: Caps, refunds_30d: int,
          configured: dict | None = None, quotes: dict[str, Quote | str] | None = None,
          send_asked: bool = False) -> tuple[list[Proposal], list[str]]:
    """The bounded actions the diagnoses of the customer's account call for, and why any other fix is
    not proposed. At most one refund per reply (pending actions are kept per reply and action), alone or
    with a change of interval; an invoice is emailed again only when the customer asks for it to be sent
    (`send_asked`: else the reply's link to it is the answer). `quotes`: per subscription id, what the
    billing system says its change of interval would be, or why it could not say (I/O, by the caller)."""
    proposals, why = [], []
    refunds = lambda: [p for p in proposals if p.action == "refund" or p.params.get("refund_amount")]  # noqa: E731
    for d in diagnoses:
        fix = d.fix
        if fix is None:
            continue
        if fix.kind == "resend_invoice":
            lvl = level("invoice_resend", category, configured)
            if send_asked and lvl != "never":
                proposals.append(Proposal("invoice_resend", {"invoice_id": fix.target, "email": email},
                                          f"email invoice {fix.target} again to {email}", lvl))
            continue
        if fix.kind == "change_interval":
            change, reason = _interval_change(d, category, email, caps, refunds_30d, configured,
                                              (quotes or {}).get(fix.target), bool(refunds()))
            proposals += [change] if change else []
            why += [reason] if reason else []
            continue
        refused = _refund_refused(fix.amount, fix.currency, fix.charge_id, category, email, caps, refunds_30d,
                                  configured, bool(refunds()))
        if refused:
            why.append(f"{d.case}: {refused}")
        else:
            params = {"charge_id": fix.charge_id, "amount": fix.amount, "currency": fix.currency, "email": email}
            proposals.append(Proposal("refund", params, f"refund {fix.amount / 100:.2f} {fix.currency.upper()} of "
                                                        f"charge {fix.charge_id} to {email} ({d.case}: {fix.basis})"))
    return proposals, why


def _refund_refused(amount: int, currency: str, charge_id: str, category: str | None, email: str, caps: Caps,
                    refunds_30d: int, configured: dict | None, one_already: bool) -> str:
    """Why a refund of `amount` may not be proposed ("" when it may)."""
    if level("refund", category, configured) == "never":
        return "refunds are not Deskhand's to propose in this category"
    if one_already:
        return "a second refund in one reply is for a person"
    if refunds_30d >= caps.refunds_per_customer_30d:
        return f"{email} already had {refunds_30d} refund(s) in 30 days (limit {caps.refunds_per_customer_30d})"
    if amount > caps.refund_cap:
        return (f"a refund of {money(amount, currency)} on {charge_id} is above the cap "
                f"of {money(caps.refund_cap, currency)}; a person decides")
    return ""


def _interval_change(d: Diagnosis, category: str | None, email: str, caps: Caps, refunds_30d: int,
                     configured: dict | None, quote: Quote | str | None,
                     refund_already: bool) -> tuple[Proposal | None, str]:
    """A change of billing interval with its refund, as one proposal: the customer is told once, when
    both are done, and a person approves the pair knowing the amounts. Only the interval changes: the same
    product and currency, the same seats, nothing prorated (the refund is the difference)."""
    fix = d.fix
    wanted = (f"{d.case}: changing {fix.target} to {fix.interval}ly billing"
              + (f" with a refund of {money(fix.amount, fix.currency)} ({fix.basis})" if fix.amount else ""))
    if level("subscription_change", category, configured) == "never":
        return None, f"{wanted} is for a person"
    if not isinstance(quote, Quote):
        return None, f"{wanted} is for a person ({quote or 'the billing system gave no price for it'})"
    sub, price, preview = quote.subscription, quote.price, quote.preview
    if (price.product_id != sub.product_id or price.currency != sub.currency or price.interval != fix.interval
            or preview.amount_due != price.unit_amount * sub.seats):
        return None, (f"{wanted} is for a person (the billing system's price {price.id} or its preview of "
                      f"{money(preview.amount_due, preview.currency)} is not the same product and seats at the "
                      "new interval)")
    refund = fix.amount if fix.amount and fix.charge_id else 0
    refused = _refund_refused(refund, fix.currency, fix.charge_id, category, email, caps, refunds_30d, configured,
                              refund_already) if refund else ""
    if refused:
        return None, f"{wanted} is for a person: {refused}"
    params = {"subscription_id": sub.id, "item_id": sub.item_id, "price_id": price.id, "price_label": price.label,
              "interval": fix.interval, "starts": fix.starts, "seats": sub.seats, "amount": preview.amount_due,
              "currency": preview.currency, "email": email,
              **({"refund_charge_id": fix.charge_id, "refund_amount": refund} if refund else {})}
    summary = (f"change {sub.id} ({sub.plan}) to {price.label}: {money(preview.amount_due, preview.currency)} "
               f"a {fix.interval} for {sub.seats} seat(s) from {day(fix.starts)}, nothing prorated"
               + (f", and refund {money(refund, fix.currency)} of charge {fix.charge_id} ({fix.basis})"
                  if refund else "") + f" — {email}")
    return Proposal("subscription_change", params, summary), ""


def crm_update(category: str | None, triage: Triage, evidence: Evidence,
               configured: dict | None = None) -> list[Proposal]:
    """Mark the contact as a churn risk when the customer says they are leaving."""
    lvl = level("crm_update", category, configured)
    contact = next(iter(evidence.of("crm_contact")), None)
    if lvl == "never" or contact is None or not contact.ref:
        return []
    if "churn" not in triage.flags and category != "cancellation":
        return []
    return [Proposal("crm_update", {"contact_id": contact.ref, "property": CHURN_PROPERTY, "value": CHURN_VALUE},
                     f"set {CHURN_PROPERTY} = {CHURN_VALUE} on {contact.source} contact {contact.ref}", lvl)]


def crm_note(category: str | None, evidence: Evidence, summary: str, ticket_link: str,
             configured: dict | None = None) -> list[Proposal]:
    """A note on the CRM contact, so the account owner sees the ticket where they work."""
    lvl = level("crm_note", category, configured)
    contact = next(iter(evidence.of("crm_contact")), None)
    if lvl == "never" or contact is None or not contact.ref:
        return []
    body = f"Support ticket escalated by Deskhand: {summary}" + (f"\n{ticket_link}" if ticket_link else "")
    return [Proposal("crm_note", {"contact_id": contact.ref, "body": body},
                     f"note on {contact.source} contact {contact.ref}", lvl)]


def slack_alert(category: str | None, channel: str, text: str, configured: dict | None = None) -> list[Proposal]:
    lvl = level("slack_alert", category, configured)
    if lvl == "never" or not channel:
        return []
    return [Proposal("slack_alert", {"channel": channel, "text": text}, f"alert in {channel}", lvl)]


def alert_text(ticket: Ticket, triage: Triage, decision: Decision, evidence: Evidence, ticket_link: str,
               pending: tuple[str, ...]) -> str:
    """The Slack message for an escalation, in Slack's mrkdwn with the text escaped.

    Slack reads `&`, `<` and `>` as markup (`<!channel>` pings everyone, `<url|x>` is a link), so
    a customer's subject or name must be escaped before it goes in, or a ticket titled
    "<!channel> help" would ping the whole channel."""
    who = ticket.requester.name or ticket.requester.email or "a customer"
    head = f"<{ticket_link}|#{ticket.id}>" if ticket_link else f"#{ticket.id}"
    urgent = [f for f in triage.flags if f in URGENT]
    lines = [f":sos: URGENT ({', '.join(urgent)}): someone may be hurt"] if urgent else []
    lines += [f":rotating_light: Escalated {head} {slack_escape(ticket.subject or '(no subject)')} — "
              f"{slack_escape(who)}",
              f"{triage.category or 'unknown'} ({triage.confidence:.2f}): {slack_escape('; '.join(decision.reasons))}"]
    account = [f.text for f in evidence.of("plan", "arr", "owner")][:3]
    if account:
        lines.append(slack_escape(" · ".join(account)))
    lines += [f"Awaiting approval: {slack_escape(p)}" for p in pending]
    return "\n".join(lines)


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
