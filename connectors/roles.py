"""The roles outside systems play for gathering context and taking bounded actions (DESIGN §5).

One Protocol per role, and the plain values each returns. Money is in minor units (cents) with
an ISO currency; times are ISO-8601 UTC strings. Every connector has explicit timeouts, raises
the typed errors in `errors.py`, retries only safe reads, and never retries a write unless the
vendor takes an idempotency key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# -- billing (Stripe) -------------------------------------------------------------------------

@dataclass(frozen=True)
class Subscription:
    id: str
    status: str  # active, past_due, canceled, trialing, …
    plan: str  # the price's nickname or product name, e.g. "Growth (annual)"
    amount: int  # per interval, minor units, all seats
    currency: str
    interval: str  # month | year
    seats: int
    current_period_end: str
    cancel_at_period_end: bool = False
    # when it was canceled; for a cancellation at the period end, when that was asked for ("" if never)
    canceled_at: str = ""
    # the first item, which a change of price acts on: its id, price and product ("" when unknown)
    item_id: str = ""
    price_id: str = ""
    product_id: str = ""


@dataclass(frozen=True)
class Price:
    """A recurring price of a product, as a change of billing interval needs it."""
    id: str
    product_id: str
    label: str  # its nickname, e.g. "Growth (monthly)", else the product's id
    unit_amount: int  # per seat and interval, minor units
    currency: str
    interval: str  # month | year


@dataclass(frozen=True)
class InvoiceLine:
    description: str  # the vendor's own words, e.g. "Remaining time on 2 × Growth after 04 Nov 2026"
    amount: int  # minor units, in the invoice's currency; negative for a credit
    proration: bool = False  # part of a period, charged or credited because the plan, seats or interval changed
    period_start: str = ""
    period_end: str = ""


@dataclass(frozen=True)
class Invoice:
    id: str
    number: str
    status: str  # paid, open, uncollectible, void, draft
    amount_due: int
    amount_paid: int
    currency: str
    created: str
    url: str = ""  # hosted invoice page
    subscription_id: str = ""  # the subscription it bills, if any
    billing_reason: str = ""  # subscription_create, subscription_cycle (a renewal), subscription_update, manual, …
    next_payment_attempt: str = ""  # when an unpaid invoice is charged again; "" when no attempt is scheduled
    lines: tuple[InvoiceLine, ...] = ()  # the first page of lines (ten at Stripe)


@dataclass(frozen=True)
class Refund:
    id: str
    charge_id: str
    amount: int
    currency: str
    status: str  # pending, requires_action, succeeded, failed, canceled
    created: str = ""


@dataclass(frozen=True)
class Charge:
    id: str
    amount: int
    amount_refunded: int
    currency: str
    status: str  # succeeded, failed, pending
    created: str
    invoice_id: str = ""
    failure_message: str = ""
    disputed: bool = False
    url: str = ""  # receipt
    refunds: tuple[Refund, ...] = ()  # newest first


@dataclass(frozen=True)
class BillingAccount:
    customer_id: str
    email: str
    name: str
    subscriptions: tuple[Subscription, ...] = ()
    invoices: tuple[Invoice, ...] = ()  # newest first
    charges: tuple[Charge, ...] = ()  # newest first
    link: str = ""  # the customer in the vendor's dashboard


class Billing(Protocol):
    name: str  # "stripe"
    display_name: str  # "Stripe": how the vendor is named to people

    def account(self, email: str) -> BillingAccount | None:
        """The customer with this email, with subscriptions, recent invoices and charges."""

    def refund(self, charge_id: str, amount: int, idempotency_key: str, reason: str = "") -> Refund:
        """Refund part or all of a charge; the same key never refunds twice."""

    def interval_price(self, product_id: str, interval: str, currency: str) -> Price | None:
        """The product's active recurring price billed every `interval` in `currency`, if it has one."""

    def preview_price_change(self, customer_id: str, subscription_id: str, item_id: str, price_id: str,
                             resume_at: str) -> Invoice:
        """The next invoice if the item moved to `price_id`, billed from `resume_at` with no proration."""

    def send_invoice(self, invoice_id: str, idempotency_key: str) -> Invoice:
        """Email the invoice to the customer again; the same key sends once."""

    def change_price(self, subscription_id: str, item_id: str, price_id: str, resume_at: str,
                     idempotency_key: str) -> Subscription:
        """Move the item to `price_id`, billed from `resume_at` with no proration; the same key changes once."""


# -- CRM (HubSpot) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CrmRecord:
    contact_id: str
    email: str
    name: str
    company_id: str = ""
    company: str = ""
    lifecycle_stage: str = ""
    plan_tier: str = ""
    arr: float | None = None  # annual recurring revenue
    arr_currency: str = ""  # its ISO code, "" when the CRM does not record one (HubSpot's `arr` is a bare number)
    owner: str = ""  # the account owner's name or email
    renewal_date: str = ""
    link: str = ""


class Crm(Protocol):
    name: str  # "hubspot"
    display_name: str  # "HubSpot"

    def contact(self, email: str) -> CrmRecord | None: ...

    def update_property(self, contact_id: str, name: str, value: str) -> None: ...

    def add_note(self, contact_id: str, body: str) -> str:
        """Attach a note to the contact; returns the note id."""


# -- bug tracker (Linear) ---------------------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    id: str
    identifier: str  # e.g. ENG-123
    title: str
    state: str  # the workflow state's name
    url: str
    created_at: str = ""
    priority: int = 0


class BugTracker(Protocol):
    name: str  # "linear"
    display_name: str  # "Linear"

    def search(self, text: str, limit: int = 5) -> list[Issue]:
        """Open issues matching the text, best first."""

    def create(self, title: str, description: str, labels: tuple[str, ...] = ()) -> Issue: ...

    def comment(self, issue_id: str, body: str) -> str: ...


# -- chat (Slack) -----------------------------------------------------------------------------

class Chat(Protocol):
    name: str  # "slack"

    def post(self, channel: str, text: str) -> str:
        """Post a message; returns its timestamp id."""
