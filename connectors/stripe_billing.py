"""Stripe billing through the official SDK (stripe-python). The only module that knows Stripe's API.

Each connector has its own `StripeClient`, so nothing goes through the SDK's module-level key.
The SDK's own retries are off (they cover 409 and 5xx on any method, never 429). Ours retry 429,
5xx, timeouts and connection errors, twice at most, wait as Retry-After says up to 5 s, and obey
Stripe's `Stripe-Should-Retry` header when it sends one.

Reads are four GETs per `account()`, five when a price has no nickname, in two round trips (three);
the customer found for an email is kept for CUSTOMER_TTL_S, so the next lookup of the same email is
three GETs in one round trip. Two quirks of the API
version the SDK pins shape them:
- Charges no longer name their invoice (removed in 2025-03-31.basil). The link comes from the
  invoices' `payments`, which are listed only when expanded.
- Expansions stop at four levels and `data.items.data.price.product` is five, so product names are
  read with one `GET /v1/products?ids[]=…` instead.
- Charges no longer list their refunds unless asked (since 2022-11-15): `data.refunds` is expanded,
  so a refund's date and status come with the charge and cost no call of their own. Stripe advises
  against the expansion for speed; on ten charges, nearly all without refunds, it adds little.

The writes, a refund and a change of a subscription's price, carry the caller's Idempotency-Key.
Stripe stores the first result under the key and replays it for any repeat, so the writes go through
the same retries as the reads.

A change of billing interval (`change_price`) swaps the first item's price with
`proration_behavior=none` and a `trial_end` at the date the customer has paid up to: Stripe moves the
billing cycle anchor to `trial_end`, so the new price is first billed then, and no proration credit is
added to the balance, since the difference is refunded to the card instead (app/reasoning/diagnoses.py).
`preview_price_change` asks `POST /v1/invoices/create_preview` for the same change, so the amounts
shown for approval are Stripe's own.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import stripe

from .errors import ConnectorError, NotFound, RateLimited, Unavailable, from_status
from .roles import BillingAccount, Charge, Invoice, InvoiceLine, Price, Refund, Subscription

TIMEOUT_S = 10
RETRIES = 2  # retries after the first attempt
BACKOFF_S = 0.5  # 0.5 s then 1 s when Stripe names no wait
RETRY_AFTER_CAP_S = 5.0
RECENT = 10  # invoices and charges per account, newest first
PRODUCT_NAME_TTL_S = 3600.0  # how long a product name read from Stripe is reused
# how long the customer found for an email is reused: a conversation's next message, or its case file,
# then reads the account in one round trip instead of two (a new customer with the same email shows
# after this long)
CUSTOMER_TTL_S = 600.0
DASHBOARD_URL = "https://dashboard.stripe.com/customers/{}"
MAX_IDEMPOTENCY_KEY = 255  # Stripe's limit
# Stripe's refund reasons we pass on as such. "fraudulent" is left out on purpose: it also puts the
# card and email on Radar block lists, which is not a support bot's call. Other text goes to metadata.
REFUND_REASONS = ("duplicate", "requested_by_customer")


class StripeBilling:
    name = "stripe"
    display_name = "Stripe"

    def __init__(self, api_key: str, base_url: str = "", timeout_s: float = TIMEOUT_S):
        self._api_key = api_key
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": base_url.rstrip("/")} if base_url else None,
            http_client=stripe.RequestsClient(timeout=timeout_s),
            max_network_retries=0,
        )
        self._sleep = time.sleep  # tests replace it to see the waits without taking them
        self._product_names_seen: dict[str, tuple[str, float]] = {}  # product id -> (name, when read)
        self._customers_seen: dict[str, tuple[object, float]] = {}  # email -> (customer, when read)

    # -- reads ---------------------------------------------------------------------------------

    def account(self, email: str) -> BillingAccount | None:
        """The newest customer with this email, its subscriptions and recent invoices and charges."""
        email = email.strip()
        if not email:  # an empty filter would list every customer
            return None
        v1 = self.client.v1
        customer = self._customer(email)
        if customer is None:
            return None
        # The three reads depend only on the customer: run them side by side, so a lookup costs two
        # round trips (three when a price needs its product's name), not five.
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="stripe") as pool:
            subs = pool.submit(lambda: self._call(lambda: v1.subscriptions.list(
                params={"customer": customer.id, "status": "all", "limit": RECENT})).data)
            invs = pool.submit(lambda: self._call(lambda: v1.invoices.list(
                params={"customer": customer.id, "limit": RECENT, "expand": ["data.payments"]})).data)
            chs = pool.submit(lambda: self._call(lambda: v1.charges.list(
                params={"customer": customer.id, "limit": RECENT, "expand": ["data.refunds"]})).data)
            subscriptions = subs.result()
            names = self._product_names(subscriptions)
            invoices, charges = invs.result(), chs.result()
        paid_by = {paid: inv.id for inv in invoices for paid in _paid_with(inv) if paid}
        return BillingAccount(
            customer_id=customer.id, email=customer.email or email, name=customer.name or "",
            subscriptions=tuple(_subscription(s, names) for s in _newest_first(subscriptions)),
            invoices=tuple(_invoice(i) for i in _newest_first(invoices)),
            charges=tuple(_charge(c, paid_by) for c in _newest_first(charges)),
            link=DASHBOARD_URL.format(customer.id))

    def _customer(self, email: str):
        """The newest customer with this email (read again after CUSTOMER_TTL_S); None when there is none,
        which is never kept, so a customer who signs up is found on their next message."""
        now = time.monotonic()
        seen = self._customers_seen.get(email)
        if seen is not None and now - seen[1] < CUSTOMER_TTL_S:
            return seen[0]
        customers = self._call(lambda: self.client.v1.customers.list(params={"email": email, "limit": RECENT})).data
        if not customers:
            return None
        customer = max(customers, key=lambda c: c.created)
        self._customers_seen[email] = (customer, now)
        return customer

    def _product_names(self, subscriptions) -> dict[str, str]:
        """Names of the products whose prices have no nickname, in one call (none if all have one).
        A product's name hardly ever changes, so names are kept for PRODUCT_NAME_TTL_S: a later
        lookup of a customer on the same plan costs no third round trip."""
        wanted = {_id(item.price.product) for s in subscriptions for item in s["items"].data
                  if not item.price.nickname}
        now = time.monotonic()
        known = {pid: name for pid, (name, at) in self._product_names_seen.items()
                 if pid in wanted and now - at < PRODUCT_NAME_TTL_S}
        ids = sorted(wanted - set(known))[:100]  # the most one page holds
        if ids:
            products = self._call(lambda: self.client.v1.products.list(params={"ids": ids, "limit": len(ids)}))
            for p in products.data:
                known[p.id] = p.name
                self._product_names_seen[p.id] = (p.name, now)
        return known

    # -- writes --------------------------------------------------------------------------------

    def refund(self, charge_id: str, amount: int, idempotency_key: str, reason: str = "") -> Refund:
        """Refund `amount` (minor units) of a charge. The key is what makes a retry safe, so there
        is no refund without one; reuse the key for the same refund, never for another."""
        if not idempotency_key.strip() or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise ValueError("a refund needs an idempotency key of 1-255 characters")
        if not charge_id.strip():
            raise ValueError("a refund needs a charge id")
        if amount <= 0:
            raise ValueError("a refund amount must be positive, in minor units")
        params: dict = {"charge": charge_id, "amount": amount}
        if reason in REFUND_REASONS:
            params["reason"] = reason
        elif reason:
            params["metadata"] = {"reason": reason[:500]}  # Stripe's limit for a metadata value
        return _refund(self._call(lambda: self.client.v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key})))

    def interval_price(self, product_id: str, interval: str, currency: str) -> Price | None:
        if not product_id:
            return None
        found = self._call(lambda: self.client.v1.prices.list(params={
            "product": product_id, "active": True, "type": "recurring", "currency": currency,
            "recurring": {"interval": interval}, "limit": 10})).data
        # one interval only (a price every 3 months is not "monthly"), the newest when several
        fits = [p for p in found if p.recurring and p.recurring.interval == interval
                and p.recurring.interval_count == 1 and p.unit_amount is not None]
        if not fits:
            return None
        p = max(fits, key=lambda p: p.created)
        return Price(id=p.id, product_id=_id(p.product), label=p.nickname or _id(p.product),
                     unit_amount=p.unit_amount, currency=p.currency, interval=interval)

    def preview_price_change(self, customer_id: str, subscription_id: str, item_id: str, price_id: str,
                             resume_at: str) -> Invoice:
        details = {"items": [{"id": item_id, "price": price_id}], "proration_behavior": "none",
                   "trial_end": _unix(resume_at)}
        return _invoice(self._call(lambda: self.client.v1.invoices.create_preview(params={
            "customer": customer_id, "subscription": subscription_id, "subscription_details": details})))

    def change_price(self, subscription_id: str, item_id: str, price_id: str, resume_at: str,
                     idempotency_key: str) -> Subscription:
        """The key makes a retry safe, so there is no change without one (as for a refund)."""
        if not idempotency_key.strip() or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise ValueError("a subscription change needs an idempotency key of 1-255 characters")
        if not (subscription_id.strip() and item_id.strip() and price_id.strip()):
            raise ValueError("a subscription change needs the subscription, its item and the new price")
        params = {"items": [{"id": item_id, "price": price_id}], "proration_behavior": "none",
                  "trial_end": _unix(resume_at)}
        return _subscription(self._call(lambda: self.client.v1.subscriptions.update(
            subscription_id, params=params, options={"idempotency_key": idempotency_key})), {})

    def send_invoice(self, invoice_id: str, idempotency_key: str) -> Invoice:
        """Email a finalized invoice to the customer again (`POST /v1/invoices/{id}/send`), to the address
        Stripe holds for them; the same key sends once."""
        if not idempotency_key.strip() or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise ValueError("sending an invoice needs an idempotency key of 1-255 characters")
        if not invoice_id.strip():
            raise ValueError("sending an invoice needs its id")
        return _invoice(self._call(lambda: self.client.v1.invoices.send_invoice(
            invoice_id, options={"idempotency_key": idempotency_key})))

    # -- transport -----------------------------------------------------------------------------

    def _call(self, fn):
        """Run one request, retrying what may be retried. Only reads, the preview and keyed writes come here."""
        for attempt in range(RETRIES + 1):
            try:
                return fn()
            except stripe.StripeError as exc:
                error = self._translate(exc)
                if attempt == RETRIES or not _should_retry(exc, error):
                    raise error from None
                wait = _retry_after(exc)
                self._sleep(min(BACKOFF_S * 2 ** attempt if wait is None else wait, RETRY_AFTER_CAP_S))
        raise AssertionError("unreachable")

    def _translate(self, exc: stripe.StripeError) -> ConnectorError:
        """One SDK failure as the connector error tree, with the API key scrubbed from the text."""
        status = exc.http_status or 0
        if isinstance(exc, stripe.APIConnectionError):  # timeouts, refused connections, DNS
            cause = exc.__cause__ or exc
            return Unavailable(self._scrub(f"stripe unreachable: {type(cause).__name__}: {cause}"[:300]))
        message = self._scrub(f"stripe {status}: {_describe(exc)}")
        if isinstance(exc, stripe.RateLimitError):  # also the old 400 with code rate_limit
            return RateLimited(message, _retry_after(exc) or 1.0)
        if 200 <= status < 300:
            return ConnectorError(f"stripe {status}: response was not a Stripe object")
        if _code(exc) == "resource_missing":  # e.g. refunding a charge that is not there
            return NotFound(message)
        if not status:
            return ConnectorError(message)
        return from_status(status, message, _retry_after(exc))

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "[api key]") if self._api_key else text


def _should_retry(exc: stripe.StripeError, error: ConnectorError) -> bool:
    advice = _header(exc, "stripe-should-retry")
    if advice in ("true", "false"):  # Stripe knows best, e.g. "false" when it replays a stored 500
        return advice == "true"
    return isinstance(error, (RateLimited, Unavailable))


def _retry_after(exc: stripe.StripeError) -> float | None:
    try:
        return max(0.0, float(_header(exc, "retry-after")))
    except ValueError:
        return None


def _header(exc: stripe.StripeError, name: str) -> str:
    return next((str(v).strip().lower() for k, v in (exc.headers or {}).items() if k.lower() == name), "")


def _code(exc: stripe.StripeError) -> str:
    return getattr(exc, "code", None) or getattr(exc.error, "code", None) or ""


def _describe(exc: stripe.StripeError) -> str:
    """Stripe's error as `code: message` (type when there is no code), shortened."""
    kind = _code(exc) or getattr(exc.error, "type", None) or "error"
    return f"{kind}: {exc.user_message or ''}"[:300]


def _subscription(sub, names: dict[str, str]) -> Subscription:
    items = sub["items"].data  # `sub.items` is the field too, but reads like dict.items
    plans = [item.price.nickname or names.get(_id(item.price.product), _id(item.price.product))
             for item in items]
    recurring = items[0].price.recurring if items else None
    return Subscription(
        id=sub.id, status=sub.status, plan=" + ".join(dict.fromkeys(plans)),
        amount=sum((item.price.unit_amount or 0) * (item.quantity or 0) for item in items),
        currency=sub.currency, interval=recurring.interval if recurring else "",
        seats=sum(item.quantity or 0 for item in items),
        # periods live on the items since 2025-03-31.basil; the subscription renews at the first
        current_period_end=_iso(min((item.current_period_end for item in items), default=None)),
        cancel_at_period_end=bool(sub.cancel_at_period_end), canceled_at=_iso(sub.canceled_at),
        item_id=items[0].id if items else "", price_id=items[0].price.id if items else "",
        product_id=_id(items[0].price.product) if items else "")


def _invoice(inv) -> Invoice:
    # since 2025-03-31.basil the subscription an invoice bills is named under `parent`
    billed = inv.parent.subscription_details if inv.parent else None
    return Invoice(id=inv.id, number=inv.number or "", status=inv.status or "",
                   amount_due=inv.amount_due, amount_paid=inv.amount_paid, currency=inv.currency,
                   created=_iso(inv.created), url=inv.hosted_invoice_url or "",
                   subscription_id=_id(billed.subscription) if billed else "",
                   billing_reason=inv.billing_reason or "", next_payment_attempt=_iso(inv.next_payment_attempt),
                   lines=tuple(_line(line) for line in (inv.lines.data if inv.lines else [])))


def _line(line) -> InvoiceLine:
    # a line comes from a subscription item or from an invoice item; either may be a proration
    parent = line.parent
    source = (parent.subscription_item_details or parent.invoice_item_details) if parent else None
    return InvoiceLine(description=line.description or "", amount=line.amount,
                       proration=bool(source and source.proration),
                       period_start=_iso(line.period.start), period_end=_iso(line.period.end))


def _charge(ch, paid_by: dict[str, str]) -> Charge:
    # an invoice payment names the PaymentIntent, or the charge itself when it has none
    invoice_id = paid_by.get(_id(ch.payment_intent) or ch.id, "")
    return Charge(id=ch.id, amount=ch.amount, amount_refunded=ch.amount_refunded, currency=ch.currency,
                  status=ch.status, created=_iso(ch.created), invoice_id=invoice_id,
                  failure_message=ch.failure_message or "", disputed=bool(ch.disputed),
                  url=ch.receipt_url or "", refunds=tuple(_refund(r) for r in _newest_first(_listed(ch, "refunds"))))


def _refund(refund) -> Refund:
    return Refund(id=refund.id, charge_id=_id(refund.charge), amount=refund.amount, currency=refund.currency,
                  status=refund.status or "", created=_iso(refund.created))


def _paid_with(inv) -> list[str]:
    """The PaymentIntent or charge ids of an invoice's payments."""
    return [_id(getattr(p.payment, "payment_intent", None) or getattr(p.payment, "charge", None))
            for p in _listed(inv, "payments")]


def _listed(obj, field: str) -> list:
    """A sub-list Stripe sends only when it is expanded (an invoice's payments, a charge's refunds)."""
    found = getattr(obj, field, None)
    return found.data if found else []


def _newest_first(objects) -> list:
    return sorted(objects, key=lambda o: o.created, reverse=True)


def _id(value) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value.id)


def _unix(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def _iso(unix) -> str:
    if unix is None:
        return ""
    return datetime.fromtimestamp(int(unix), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
