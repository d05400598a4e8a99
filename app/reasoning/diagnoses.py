"""Billing diagnoses: what the customer's own account shows for the common billing questions (issue 19).

One pure function per case, `(account, now) -> Diagnosis | None`, over a `BillingAccount` as the billing
connector returns it. Each returns None unless the account's facts show the case; the rule for each is
in its docstring. Nothing is guessed from what the customer wrote: the text is read only for what no
account holds (the billing interval the customer says they chose, and whether they ask for an invoice;
see `diagnose`).

A Diagnosis states the real dates and amounts in plain English, names the ids of the subscriptions,
invoices, charges and refunds it rests on (so a claims check can cite them), and proposes at most one
bounded fix. A fix is only a proposal: it is carried out through the approval gate and the hard caps in
code (DESIGN §7.5), never from here.

Times are the connector's ISO-8601 UTC strings, and dates are shown as UTC calendar days. `now` is such
a string; the cases that need no clock take it too, so that every case is called alike.
"""
from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from connectors.roles import BillingAccount, Charge, Invoice, InvoiceLine

DUPLICATE_WINDOW = timedelta(days=3)  # two equal payments closer than this are one bill paid twice
RECENT = timedelta(days=60)  # how long a plan change or a refund stays what a billing question is likely about
# Stripe's currencies whose minor unit is not a hundredth (https://docs.stripe.com/currencies)
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf",
                "xof", "xpf"}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}  # others are written with their code, which nobody misreads
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
INVOICE_STATE = {"paid": "paid", "open": "not paid yet", "uncollectible": "not paid", "void": "voided",
                 "draft": "not issued yet"}
REFUND_STATE = {"succeeded": "sent back to the card or account it came from", "pending": "still being processed",
                "requires_action": "waiting for details needed to send it", "failed": "the refund failed",
                "canceled": "the refund was canceled"}


@dataclass(frozen=True)
class Fix:
    """One bounded action that would set the case right, for a person (or a capped policy) to approve."""
    kind: str  # refund | change_interval | resend_invoice
    target: str  # what it acts on: the charge to refund, the subscription to change, the invoice to send again
    amount: int = 0  # minor units to refund: the refund itself, or the one that goes with a change of interval
    currency: str = ""
    charge_id: str = ""  # the charge `amount` is refunded from ("" when nothing is refunded)
    interval: str = ""  # change_interval: the new one
    basis: str = ""  # how `amount` was worked out, for the person who approves it
    starts: str = ""  # change_interval: when the new interval is first billed (the old one is paid up to then)


@dataclass(frozen=True)
class Diagnosis:
    case: str  # the name of the function below that found it, e.g. "charged_twice"
    explanation: str  # for the customer: what happened, with the real dates and amounts
    facts: tuple[str, ...]  # ids of the subscriptions, invoices, charges and refunds it rests on
    fix: Fix | None = None


# -- the cases ----------------------------------------------------------------------------------

def charged_twice(account: BillingAccount, now: str) -> Diagnosis | None:
    """Two successful charges of the same amount and currency less than DUPLICATE_WINDOW apart, neither
    disputed (a dispute is the bank's process and a person's case), that do not pay two different invoices
    (two invoices each paid once are two bills, not one bill paid twice). The newest such pair that still
    holds more than one payment. Fix: refund the later charge by what the pair paid beyond one payment,
    net of refunds already made, so the customer ends up paying exactly once."""
    paid = [c for c in account.charges if c.status == "succeeded" and not c.disputed]
    for i, later in enumerate(paid):
        for earlier in paid[i + 1:]:  # newest first, so each one further back is older
            if _at(later.created) - _at(earlier.created) >= DUPLICATE_WINDOW:
                break
            if not _same_payment(later, earlier):
                continue
            # at most what is left of the later charge, since what is left of the earlier is at most one payment
            excess = _left(later) + _left(earlier) - later.amount
            if excess > 0:
                return _charged_twice(account, earlier, later, excess)
    return None


def charged_after_cancel(account: BillingAccount, now: str) -> Diagnosis | None:
    """A successful charge for a renewal invoice (billing reason `subscription_cycle`) of a subscription,
    where the invoice was issued after the subscription's `canceled_at`: the moment it was canceled, or the
    moment a cancellation at the period end was asked for. Neither should be followed by a renewal. A charge
    for a change the customer made after asking (a proration) is not this case, nor is a retry of a bill
    issued before the cancellation. The newest such charge with something left to refund and no dispute.
    Fix: refund what is left of it."""
    cancelled = {s.id: s for s in account.subscriptions if s.canceled_at}
    invoices = {i.id: i for i in account.invoices}
    for charge in account.charges:
        invoice = invoices.get(charge.invoice_id)
        if invoice is None or charge.disputed or _left(charge) == 0:
            continue
        sub = cancelled.get(invoice.subscription_id)
        renewed_after = (sub is not None and invoice.billing_reason == "subscription_cycle"
                         and _at(invoice.created) > _at(sub.canceled_at))
        if renewed_after:
            cancelled_when = (f"{sub.plan} was canceled on {day(sub.canceled_at)}" if sub.status == "canceled" else
                              f"Cancelling {sub.plan} at the end of its billing period was requested on "
                              f"{day(sub.canceled_at)}")
            text = (f"{cancelled_when}, but renewal invoice {_name(invoice)} was issued on {day(invoice.created)} "
                    f"and {money(charge.amount, charge.currency)} was charged for it on {day(charge.created)}."
                    + _refunded_already(charge))
            return Diagnosis("charged_after_cancel", text, _ids(sub.id, invoice.id, charge.id), Fix(
                "refund", charge.id, _left(charge), charge.currency, charge.id,
                basis=f"the renewal charge, {money(charge.amount, charge.currency)}, less "
                      f"{money(charge.amount_refunded, charge.currency)} refunded already"))
    return None


def annual_instead_of_monthly(account: BillingAccount, now: str, stated: str | None) -> Diagnosis | None:
    """The customer says they chose monthly billing (`stated == "month"`, see `stated_interval`) and an active
    subscription of theirs is billed yearly (the newest such one). Fix: change it to monthly, with a refund
    from its newest annual payment (a charge for an invoice that started or renewed it, not for a plan
    change) of

        refund = what is left of that payment − months begun since it × ⌈payment ÷ 12⌉

    that is, the customer still pays, at a twelfth of the annual payment a month, for every month begun since
    they paid (at least the one they are in), and gets the rest back. The monthly list price is usually
    higher than a twelfth of the annual one but is not in the account; the basis says how the amount was
    reached, for the person who approves it. When the months begun cost all that is left, or no annual
    payment is on record, the fix is the change of interval with no refund. Monthly billing starts where
    what the customer keeps paying ends: the end of the last month begun (`Fix.starts`), or the end of the
    current period when no annual payment is on record."""
    if stated != "month":
        return None
    sub = next((s for s in account.subscriptions if s.status == "active" and s.interval == "year"), None)
    if sub is None:
        return None
    told = "You told us you chose monthly billing."
    payment = _annual_payment(account, sub.id)
    if payment is None:
        text = (f"{sub.plan} is billed yearly ({money(sub.amount, sub.currency)} a year); its current period ends "
                f"on {day(sub.current_period_end)}. {told}")
        return Diagnosis("annual_instead_of_monthly", text, _ids(sub.id), Fix(
            "change_interval", sub.id, interval="month", basis="no annual payment of this subscription on record",
            starts=sub.current_period_end))
    charge, invoice = payment
    cur = charge.currency
    month = math.ceil(charge.amount / 12)  # rounded up, so rounding never adds to the refund
    months = months_begun(charge.created, now)
    refund = max(_left(charge) - months * month, 0)
    begun = f"{months} month{'s' if months > 1 else ''} begun"
    refunded = (f", of which {money(charge.amount_refunded, cur)} has been refunded already,"
                if charge.amount_refunded else ",")
    text = (f"{sub.plan} is billed yearly: {money(charge.amount, cur)} was paid on {day(charge.created)}{refunded} "
            f"and its current period ends on {day(sub.current_period_end)}. {told} At {money(month, cur)} a month "
            f"(a twelfth of that payment), the {begun} since then cost {money(months * month, cur)}"
            + (f", and {money(refund, cur)} of what is left paid for months not yet begun." if refund else
               ", which covers all that is left of the payment."))
    basis = (f"{money(_left(charge), cur)} left of {money(charge.amount, cur)} paid on {day(charge.created)}, "
             f"less {begun} × {money(month, cur)} (a twelfth of the payment, rounded up) = {money(refund, cur)}")
    return Diagnosis("annual_instead_of_monthly", text, _ids(sub.id, invoice.id, charge.id), Fix(
        "change_interval", sub.id, refund, cur, charge.id if refund else "", interval="month", basis=basis,
        starts=months_later(charge.created, months)))


def proration(account: BillingAccount, now: str) -> Diagnosis | None:
    """The newest invoice issued within RECENT of now that has proration lines: part of a period charged or
    credited because the plan, seats or interval changed. Explains every line of it with its amount and
    period, and the invoice's total and state. No fix: the amounts follow from the change."""
    invoice = next((i for i in account.invoices if _within(i.created, now, RECENT)
                    and any(line.proration for line in i.lines)), None)
    if invoice is None:
        return None
    lines = "; ".join(_line(line, invoice.currency) for line in invoice.lines)
    text = (f"Invoice {_name(invoice)} of {day(invoice.created)}, for {money(invoice.amount_due, invoice.currency)} "
            f"({INVOICE_STATE.get(invoice.status, invoice.status)}), charges for part of a billing period because "
            f"the subscription changed: {lines}.")
    return Diagnosis("proration", text, _ids(invoice.subscription_id, invoice.id))


def failed_payment(account: BillingAccount, now: str) -> Diagnosis | None:
    """The newest charge failed, and the invoice it was for (when known) has been neither paid nor voided
    since. Explains the reason as the vendor words it and, when one is scheduled after now, the next
    automatic attempt (or that none is). No fix: paying, or changing the card, is the customer's to do;
    the invoice page, when there is one, is where."""
    charge = account.charges[0] if account.charges else None
    if charge is None or charge.status != "failed":
        return None
    invoice = next((i for i in account.invoices if i.id == charge.invoice_id), None)
    if invoice is not None and invoice.status in ("paid", "void"):
        return None
    text = (f"Your payment of {money(charge.amount, charge.currency)} on {day(charge.created)}"
            + (f" for invoice {_name(invoice)}" if invoice else "") + " failed"
            + (f": {charge.failure_message.rstrip('. ')}." if charge.failure_message else "."))
    if invoice is not None:
        # Stripe clears the date when it will try no more; a date already past says nothing either way
        if not invoice.next_payment_attempt:
            text += " No further automatic attempt is scheduled."
        elif _at(invoice.next_payment_attempt) > _at(now):
            text += f" The next automatic attempt is on {day(invoice.next_payment_attempt)}."
        if invoice.url:
            text += f" The invoice can be paid here: {invoice.url}"
    return Diagnosis("failed_payment", text, _ids(invoice.id if invoice else "", charge.id))


def refund_status(account: BillingAccount, now: str) -> Diagnosis | None:
    """The refunds issued within RECENT of now on the account's charges, newest charge first, each with its
    amount, date and state. A charge whose refunds the vendor did not list shows its refunded total only,
    dated (and judged recent) by the charge, the one date known. No fix."""
    found, ids = [], []
    for charge in account.charges:
        paid = f"your payment of {money(charge.amount, charge.currency)} on {day(charge.created)}"
        if charge.refunds:
            for refund in charge.refunds:
                if _within(refund.created or charge.created, now, RECENT):
                    issued = f", issued on {day(refund.created)}" if refund.created else ""
                    found.append(f"A refund of {money(refund.amount, refund.currency)} on {paid}{issued}: "
                                 f"{REFUND_STATE.get(refund.status, refund.status)}.")
                    ids += [charge.id, refund.id]
        elif charge.amount_refunded and _within(charge.created, now, RECENT):
            found.append(f"{money(charge.amount_refunded, charge.currency)} of {paid} has been refunded.")
            ids.append(charge.id)
    if not found:
        return None
    return Diagnosis("refund_status", " ".join(found), _ids(*ids))


def invoice_copy(account: BillingAccount, now: str, number: str = "") -> Diagnosis | None:
    """The invoice numbered `number` when that is one of the customer's, else their newest issued invoice
    (not a draft, not voided), with its hosted page when it has one. Fix: send it to them again."""
    issued = [i for i in account.invoices if i.status not in ("draft", "void")]
    invoice = next((i for i in issued if number and i.number == number), issued[0] if issued else None)
    if invoice is None:
        return None
    text = (f"Invoice {_name(invoice)} of {day(invoice.created)}, for "
            f"{money(invoice.amount_due, invoice.currency)} ({INVOICE_STATE.get(invoice.status, invoice.status)})"
            + (f", is here: {invoice.url}" if invoice.url else "."))
    return Diagnosis("invoice_copy", text, _ids(invoice.id), Fix("resend_invoice", invoice.id))


# -- reading the message ---------------------------------------------------------------------------

# Billing-interval words, in English and a few stems of the languages customers most often write in.
_MONTHLY = re.compile(r"\bmonthly\b|\bmonth[- ]to[- ]month\b|\b(?:per|each|every|a) month\b(?!\s+ago)"
                      r"|/\s?mo(?:nth)?\b|\bmensu|\bmonatlich|\bmaandelijks", re.I)
_YEARLY = re.compile(r"\bannual|\byearly\b|\b(?:per|each|every|a) year\b(?!\s+ago)|/\s?y(?:ea)?r\b"
                     r"|\banual|\bannuel|\bjährlich|\bjaarlijks", re.I)
# A wish to move to yearly billing ("could we switch to annual?", "go annual", "I'd like to pay yearly"): the
# customer names monthly billing as what they have, not as what they chose and did not get. A verb of moving in
# the present (not "you moved us to annual", a complaint), then "to"/"onto" a yearly word in the same sentence.
_TO_YEARLY = (r"(?:annual|yearly|year|anual|annuel|jährlich|jaarlijks)")
_WANTS_YEARLY = re.compile(
    r"\b(?:switch|switching|move|moving|change|changing|convert|converting|upgrade|upgrading|go|going|pasar|cambiar"
    r"|passer|wechseln)\b[^.?!]{0,40}?\b(?:to|onto|into|a|al|à|auf|zu)\s+(?:(?:an?|the|el|un|une|den)\s+)?"
    + _TO_YEARLY + r"|\bgo(?:ing)?\s+(?:annual|yearly)\b"
    r"|\b(?:like|want|wish|could|can|would)\b[^.?!]{0,30}\b(?:pay|paying|billed)\s+(?:once a year|annually|yearly|per year)",
    re.I)
# A word that hints at a case puts it first; it never makes a case (see `diagnose`).
HINTS = {
    "charged_twice": re.compile(r"twice|double|duplicate|two charges|charged 2", re.I),
    "charged_after_cancel": re.compile(r"cancel|annul|kündig", re.I),
    "annual_instead_of_monthly": _MONTHLY,
    "failed_payment": re.compile(r"declin|fail|bounced|rechaz|refus|abgelehnt", re.I),
    "proration": re.compile(r"prorat|upgrad|downgrad|seat|plan change|changed (?:my |our )?plan", re.I),
    "refund_status": re.compile(r"refund|money back|reembols|rembours|erstatt", re.I),
    "invoice_copy": re.compile(r"invoice|receipt|factura|facture|rechnung|fattura|recibo|reçu", re.I),
}


# Asking for the invoice to be sent (again): a verb of sending or a copy, in the sentence that names the invoice.
_INVOICE = r"(?:invoice|receipt|factura|facture|rechnung|fattura|recibo|reçu)"
_SEND = (r"(?:re-?send|send|sent|e-?mail|forward|mail|copy|envi|renvoy|schick|mand)")
_SEND_INVOICE = re.compile(rf"\b{_SEND}\w*\b[^.?!]{{0,40}}\b{_INVOICE}|\b{_INVOICE}\w*\b[^.?!]{{0,40}}\b{_SEND}", re.I)


def asks_to_send_invoice(message: str) -> bool:
    """The customer asks for an invoice to be sent to them (again), not only about one ("how do I add
    our VAT number to invoices?" does not ask for one)."""
    return bool(_SEND_INVOICE.search(message))


def stated_interval(message: str) -> str | None:
    """The billing interval the customer speaks of: "month", "year", or None when they name neither.
    Monthly wins when both appear, as in "billed annually but I chose monthly"; whether that complaint
    holds is for the facts to say (an annual subscription), not for this reading. A customer asking to
    move to yearly billing ("can we switch from monthly to annual?") speaks of "year": what they want."""
    if _WANTS_YEARLY.search(message):
        return "year"
    if _MONTHLY.search(message):
        return "month"
    return "year" if _YEARLY.search(message) else None


def diagnose(account: BillingAccount, message: str, now: str) -> list[Diagnosis]:
    """Every case the account shows, those the message hints at first.

    The facts decide. Charged twice, charged after cancelling, a failed payment, a recent proration and
    recent refunds are reported whatever the customer wrote: triage has already routed the ticket here,
    and a duplicate charge matters even when the customer asks about something else. The message is read
    for two things no account holds: the interval the customer says they chose (annual instead of monthly)
    and whether they want an invoice (a hint word, or the number of one of their invoices). Beyond that a
    hint word only orders the list: hinted cases first, the rest in the order below."""
    number = next((i.number for i in account.invoices if i.number and re.search(
        rf"(?<![\w-]){re.escape(i.number)}(?![\w-])", message, re.I)), "")
    hinted = {case for case, words in HINTS.items() if words.search(message)} | ({"invoice_copy"} if number else set())
    found = [charged_twice(account, now), charged_after_cancel(account, now), failed_payment(account, now),
             annual_instead_of_monthly(account, now, stated_interval(message)), proration(account, now),
             refund_status(account, now),
             invoice_copy(account, now, number) if "invoice_copy" in hinted else None]
    return sorted((d for d in found if d is not None), key=lambda d: d.case not in hinted)


# -- formatting and arithmetic ----------------------------------------------------------------------

def money(minor: int, currency: str) -> str:
    """'$1,035.00', '€20.00', '1,500 JPY': minor units as a customer reads them, and as the claims check
    reads them back (symbol for USD, EUR and GBP, the code otherwise, so no "$" is ever mistaken)."""
    code = currency.lower()
    places = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    value = f"{Decimal(minor).scaleb(-places):,.{places}f}"
    return f"{SYMBOLS[code]}{value}" if code in SYMBOLS else f"{value} {code.upper()}"


def day(iso: str) -> str:
    """'2026-11-04T09:30:00Z' → '4 November 2026', the UTC day, in words no locale reads differently."""
    at = _at(iso)
    return f"{at.day} {MONTHS[at.month - 1]} {at.year}"


def months_begun(start: str, now: str) -> int:
    """Calendar months begun from `start` to `now`, counting the one `start` opens: 1 until a month has
    passed, 2 until two have, and so on (1 when `now` is before `start`)."""
    a, b = _at(start), _at(now)
    whole = (b.year - a.year) * 12 + b.month - a.month - ((b.day, b.time()) < (a.day, a.time()))
    return max(whole, 0) + 1


def months_later(start: str, months: int) -> str:
    """`start` moved on by whole calendar months, as ISO-8601 UTC; a day the month lacks becomes its last
    (31 January + 1 month = 28 or 29 February), as billing periods do."""
    a = _at(start)
    years, month = divmod(a.month - 1 + months, 12)
    last = calendar.monthrange(a.year + years, month + 1)[1]
    return a.replace(year=a.year + years, month=month + 1, day=min(a.day, last)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _within(iso: str, now: str, span: timedelta) -> bool:
    return _at(now) - _at(iso) <= span


def _left(charge: Charge) -> int:
    """What can still be refunded: what was paid less what was refunded already."""
    return max(charge.amount - charge.amount_refunded, 0) if charge.status == "succeeded" else 0


def _same_payment(a: Charge, b: Charge) -> bool:
    """The same amount in the same currency, and not two different invoices each paid once."""
    different_bills = bool(a.invoice_id and b.invoice_id and a.invoice_id != b.invoice_id)
    return a.amount == b.amount and a.currency == b.currency and not different_bills


def _charged_twice(account: BillingAccount, earlier: Charge, later: Charge, excess: int) -> Diagnosis:
    cur = later.currency
    invoice = next((i for i in account.invoices if i.id in (earlier.invoice_id, later.invoice_id)), None)
    first, second = day(earlier.created), day(later.created)
    when = f"on {first}" if first == second else f"on {first} and again on {second}"
    refunded = earlier.amount_refunded + later.amount_refunded
    text = (f"You were charged {money(later.amount, cur)} twice"
            + (f" for invoice {_name(invoice)}" if invoice else "") + f", {when}."
            + (f" {money(refunded, cur)} of that has been refunded already; {money(excess, cur)} of the second "
               "payment has not." if refunded else " The second payment is a duplicate of the first."))
    basis = (f"2 × {money(later.amount, cur)} paid, less {money(refunded, cur)} refunded already, less the one "
             f"payment due = {money(excess, cur)}, from the later charge")
    return Diagnosis("charged_twice", text, _ids(invoice.id if invoice else "", earlier.id, later.id),
                     Fix("refund", later.id, excess, cur, later.id, basis=basis))


def _annual_payment(account: BillingAccount, subscription_id: str) -> tuple[Charge, Invoice] | None:
    """The newest successful charge for an invoice that started or renewed the subscription."""
    invoices = {i.id: i for i in account.invoices if i.subscription_id == subscription_id
                and i.billing_reason in ("subscription_create", "subscription_cycle")}
    return next(((c, invoices[c.invoice_id]) for c in account.charges
                 if c.status == "succeeded" and c.invoice_id in invoices), None)


def _line(line: InvoiceLine, currency: str) -> str:
    amount = (money(line.amount, currency) if line.amount >= 0 else
              f"a credit of {money(-line.amount, currency)}")
    period = (f" ({day(line.period_start)} to {day(line.period_end)})"
              if line.period_start and line.period_end and line.period_start != line.period_end else "")
    return f"{line.description}{period}: {amount}"


def _refunded_already(charge: Charge) -> str:
    if not charge.amount_refunded:
        return ""
    return f" {money(charge.amount_refunded, charge.currency)} of it has been refunded already."


def _name(invoice: Invoice) -> str:
    return invoice.number or invoice.id


def _ids(*ids: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i))
