"""A Stripe stand-in: the slice of the API that `connectors/stripe_billing.py` uses, in memory.

Routes, with the shapes of the API version stripe-python 16 pins (tests/connector/fixtures/stripe/
SOURCES.md names the sources; a test holds this module's objects to those fixtures):
  GET  /v1/customers?email=            the email filter is exact, as Stripe's is case-sensitive
  GET  /v1/subscriptions?customer=&status=   no status leaves canceled ones out; "all" keeps them
  GET  /v1/invoices?customer=&expand[]=data.payments   `payments` appear only when expanded
  GET  /v1/charges?customer=&expand[]=data.refunds   `refunds` appear only when expanded
  GET  /v1/products?ids[]=
  GET  /v1/prices?product=&active=&type=&currency=&recurring[interval]=
  POST /v1/refunds                     charge, amount, reason, metadata[...]; see below
  POST /v1/invoices/create_preview     customer, subscription, subscription_details[items][0][id|price],
                                       [proration_behavior], [trial_end]: the next invoice after the change
  POST /v1/subscriptions/{id}          items[0][id], items[0][price], proration_behavior, trial_end
  POST /v1/invoices/{id}/send          an open or paid invoice: emailed again (here: recorded)
Lists are newest first, take `limit` (1-100, default 10) and report `has_more`. Any other
`expand` is a 400, as it is at Stripe; errors use Stripe's `{"error": {...}}` envelope.

Writes (refunds and subscription updates) follow Stripe's idempotency: a result is stored under its
Idempotency-Key and replayed (with `Idempotent-Replayed: true`) when the key comes back with the
same endpoint and parameters; anything else under a used key is a 400 `idempotency_error`. Failed
validations store nothing. A preview changes nothing and is no write.

`data` (what `sample_data` builds): `api_key` (anything else in `Authorization: Bearer` is a 401),
and lists of `customers`, `products`, `subscriptions`, `invoices` (with their `payments`),
`charges`, `refunds` and `prices` (those of the subscriptions are added when missing). Each write
that gets through validation, replays included, is appended to `app.config["writes"]` as {"method", "path", "body", "idempotency_key", "replayed"}; every request
first sleeps `latency_s`.
"""
from __future__ import annotations

import calendar
import copy
import random
import string
import threading
import time
from datetime import date, datetime, timedelta, timezone

from flask import Flask, jsonify, request

API_KEY = "sk_test_51BrightlineSandboxKey0000000000"
ACCOUNT = "acct_1OyPkQBrightLnSbx"
SEED = 20261115
TODAY = date(2026, 11, 15)  # the sample stream's day: nothing is billed after it
NO_RECORD_SHARE = 0.1  # end users who never reached Stripe
HISTORY = 12  # billing periods kept per subscription
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
PLANS = {  # per seat, in cents: monthly, or annual at the discounted rate
    "starter": ("Starter", {"month": 2000, "year": 16 * 12 * 100}),
    "growth": ("Growth", {"month": 4500, "year": 36 * 12 * 100}),
}
ENTERPRISE_SEAT_YEAR = 50000  # Enterprise is a custom annual price per organization; $500 a seat here
ENTERPRISE_MIN_SEATS = 25
# Customers the sample ticket stream talks about (sandbox/company/stream.jsonl), set up to match.
PINNED = {
    "mvarga@pioneerfreight.example": {"interval": "month", "seats": 23, "day": 1, "story": "charged_twice"},
    "hugo@pioneerfreight.example": {"interval": "month", "seats": 12},
    "liams@bluefinretail.example": {"interval": "year", "seats": 12, "start": date(2025, 11, 10)},
    "amara_obrien@kestrelfoods.example": {"interval": "month", "day": 10, "story": "payment_failed"},
    "tomas@crescentfinancial.example": {"seats": 40, "start": date(2025, 11, 12), "story": "twice_refunded"},
}
STORIES = ("cancel_at_period_end", "canceled", "partly_refunded", "disputed")  # one customer each
# The account at risk planted for the insights (sandbox/company/signals.jsonl holds its tickets): a
# downgrade (fewer seats, credited) on the date and a declined charge five days later. Applied after
# every customer is built, so the rest of the account is what it was without it.
AT_RISK = {"kortiz@harborviewhotels.example": date(2026, 11, 5)}  # Harborview Hotels
# The held-out one (signals_heldout.jsonl), given only to scripts/bench_insights.py, so nothing tuned
# on the sample company ever saw it.
AT_RISK_HELD_OUT = {"kenjih@halcyonhealth.example": date(2026, 11, 4)}  # Halcyon Health Partners
# A third, written after the held-out one had been looked at (signals_fresh.jsonl), for the benchmark only.
AT_RISK_FRESH = {"lucas_murphy@vertexrobotics.example": date(2026, 11, 6)}  # Vertex Robotics


def create_app(data: dict, latency_s: float = 0.0) -> Flask:
    app = Flask("stripe-sandbox")
    db = copy.deepcopy(data)
    db.setdefault("refunds", [])
    prices = {p["id"]: p for p in db.setdefault("prices", [])}
    for sub in db["subscriptions"]:
        for item in sub["items"]["data"]:
            prices.setdefault(item["price"]["id"], item["price"])
    db["prices"] = list(prices.values())
    stored: dict[str, tuple[str, dict, dict]] = {}  # idempotency key -> (path, params, result)
    lock = threading.Lock()
    app.config["writes"] = []

    @app.before_request
    def gate():
        if latency_s:
            time.sleep(latency_s)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given != db["api_key"]:
            shown = given[:8] + "*" * max(0, len(given) - 12) + given[-4:] if len(given) > 12 else given
            return _error(401, f"Invalid API Key provided: {shown}")
        return None

    @app.get("/v1/customers")
    def list_customers():
        email = request.args.get("email")
        return _page("/v1/customers", [c for c in db["customers"] if email is None or c["email"] == email])

    @app.get("/v1/subscriptions")
    def list_subscriptions():
        customer, status = request.args.get("customer"), request.args.get("status")
        found = [s for s in db["subscriptions"] if customer is None or s["customer"] == customer]
        if status is None:
            found = [s for s in found if s["status"] not in ("canceled", "incomplete_expired")]
        elif status != "all":
            found = [s for s in found if s["status"] == status]
        return _page("/v1/subscriptions", found)

    @app.get("/v1/invoices")
    def list_invoices():
        customer = request.args.get("customer")
        with_payments = "data.payments" in _array("expand")
        found = [i for i in db["invoices"] if customer is None or i["customer"] == customer]
        shown = [i if with_payments else {k: v for k, v in i.items() if k != "payments"} for i in found]
        return _page("/v1/invoices", shown, expandable=("data.payments",))

    @app.get("/v1/charges")
    def list_charges():
        customer = request.args.get("customer")
        with_refunds = "data.refunds" in _array("expand")
        found = [c for c in db["charges"] if customer is None or c["customer"] == customer]
        shown = [c if with_refunds else {k: v for k, v in c.items() if k != "refunds"} for c in found]
        return _page("/v1/charges", shown, expandable=("data.refunds",))

    @app.get("/v1/products")
    def list_products():
        ids = _array("ids")
        return _page("/v1/products", [p for p in db["products"] if not ids or p["id"] in ids])

    def idempotent(path: str, params: dict, problem, make):
        """Run a write once per Idempotency-Key, as Stripe does: the stored result for a repeat with the
        same endpoint and parameters, an `idempotency_error` for anything else under a used key."""
        key = request.headers.get("Idempotency-Key", "")
        with lock:
            if key in stored:
                first_path, first, result = stored[key]
                if (first_path, first) != (path, params):
                    return _error(400, "Keys for idempotent requests can only be used with the same "
                                  "parameters they were first used with. Try using a key other than "
                                  f"'{key}' if you meant to execute a different request.",
                                  kind="idempotency_error")
                app.config["writes"].append(_write(params, key, replayed=True, path=path))
                response = jsonify(result)
                response.headers["Idempotent-Replayed"] = "true"
                return response
            found = problem()
            if found is not None:
                return found
            result = make()
            if key:
                stored[key] = (path, params, result)
            app.config["writes"].append(_write(params, key, replayed=False, path=path))
        return jsonify(result)

    @app.post("/v1/refunds")
    def create_refund():
        params = request.form.to_dict()
        return idempotent("/v1/refunds", params, lambda: _refund_problem(db, params),
                          lambda: _refund(db, params, created=int(time.time())))

    @app.post("/v1/invoices/<iid>/send")
    def send_invoice(iid: str):
        params = request.form.to_dict()
        invoice = next((i for i in db["invoices"] if i["id"] == iid), None)

        def problem():
            if invoice is None:
                return _error(400, f"No such invoice: '{iid}'", code="resource_missing", param="invoice")
            if invoice["status"] not in ("open", "paid"):
                return _error(400, f"You can only send invoices that are open or paid; this one is {invoice['status']}.",
                              code="invoice_not_editable")
            return None
        return idempotent(f"/v1/invoices/{iid}/send", params, problem,
                          lambda: {k: v for k, v in invoice.items() if k != "payments"})

    @app.get("/v1/prices")
    def list_prices():
        args = request.args
        found = [p for p in db["prices"]
                 if args.get("product") in (None, p["product"]) and args.get("currency") in (None, p["currency"])
                 and args.get("type") in (None, p["type"])
                 and args.get("active") in (None, str(p["active"]).lower())
                 and args.get("recurring[interval]") in (None, (p["recurring"] or {}).get("interval"))]
        return _page("/v1/prices", found)

    @app.post("/v1/invoices/create_preview")
    def create_preview():
        params = request.form.to_dict()
        change = _price_change(db, params.get("subscription", ""), params, "subscription_details[")
        if isinstance(change, tuple):
            return change
        if params.get("customer", change["sub"]["customer"]) != change["sub"]["customer"]:
            return _error(400, "The subscription does not belong to this customer.", param="customer")
        return jsonify(_preview(db, change))

    @app.post("/v1/subscriptions/<sid>")
    def update_subscription(sid: str):
        params = request.form.to_dict()
        holder: dict = {}

        def problem():
            change = _price_change(db, sid, params, "")
            if isinstance(change, tuple):
                return change
            holder.update(change)
            return None
        return idempotent(f"/v1/subscriptions/{sid}", params, problem, lambda: _apply_change(holder))

    return app


def _page(url: str, objects: list[dict], expandable: tuple[str, ...] = ()):
    for field in _array("expand"):
        if field not in expandable:
            return _error(400, f"This property cannot be expanded ({field}).", param="expand")
    try:
        limit = int(request.args.get("limit", 10))
    except ValueError:
        return _error(400, f"Invalid integer: {request.args['limit']}", param="limit")
    if not 1 <= limit <= 100:
        return _error(400, "Invalid limit: must be between 1 and 100", param="limit")
    newest = sorted(objects, key=lambda o: o["created"], reverse=True)
    return jsonify({"object": "list", "data": newest[:limit], "has_more": len(newest) > limit, "url": url})


def _array(name: str) -> list[str]:
    """A form-encoded array, as the SDK sends it (`name[0]=…`) or as curl users do (`name[]=…`)."""
    return [v for k, vs in request.args.lists() if k.startswith(f"{name}[") for v in vs]


def _error(status: int, message: str, kind: str = "invalid_request_error", code: str = "", param: str = ""):
    error = {"message": message, "type": kind}
    if code:
        error.update(code=code, doc_url=f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}")
    if param:
        error["param"] = param
    return jsonify({"error": error}), status


def _refund_problem(db: dict, params: dict):
    """Stripe's answer to a refund it will not make, or None."""
    charge_id = params.get("charge", "")
    if not charge_id:
        return _error(400, "One of the following params should be provided for this request: "
                      "payment_intent or charge.", code="parameter_missing")
    charge = next((c for c in db["charges"] if c["id"] == charge_id), None)
    if charge is None:
        return _error(400, f"No such charge: '{charge_id}'", code="resource_missing", param="charge")
    if params.get("reason", "") not in ("",) + REFUND_REASONS:
        return _error(400, "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                      param="reason")
    left = charge["amount"] - charge["amount_refunded"]
    amount = params.get("amount", str(left))
    if not amount.isdigit():
        return _error(400, f"Invalid integer: {amount}", code="parameter_invalid_integer", param="amount")
    if charge["status"] != "succeeded":
        return _error(400, f"Charge {charge_id} has not succeeded and cannot be refunded.",
                      code="charge_not_refundable", param="charge")
    if left == 0:
        return _error(400, f"Charge {charge_id} has already been refunded.", code="charge_already_refunded")
    if int(amount) > left:
        return _error(400, f"Refund amount (${int(amount) / 100:,.2f}) is greater than unrefunded amount "
                      f"on charge (${left / 100:,.2f})", code="amount_too_large", param="amount")
    return None


def _refund(db: dict, params: dict, created: int) -> dict:
    """Make the refund: the charge shows it, and so does the refund list."""
    charge = next(c for c in db["charges"] if c["id"] == params["charge"])
    amount = int(params.get("amount", charge["amount"] - charge["amount_refunded"]))
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    metadata = {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")}
    refund = refund_object(_token(random.Random(f"{charge['id']}:{charge['amount_refunded']}"), 24, "re_3"),
                           charge, amount, created, params.get("reason") or None, metadata)
    _list_refund(charge, refund)
    db["refunds"].append(refund)
    return refund


def _list_refund(charge: dict, refund: dict) -> None:
    """The charge's own list of refunds shows it too, newest first."""
    charge["refunds"]["data"].insert(0, refund)
    charge["refunds"]["total_count"] += 1


def _write(params: dict, key: str, replayed: bool, path: str = "/v1/refunds") -> dict:
    return {"method": "POST", "path": path, "body": params, "idempotency_key": key, "replayed": replayed}


def _price_change(db: dict, sid: str, params: dict, prefix: str):
    """The subscription, item, new price and dates a price change names (`prefix`: where its fields sit,
    "subscription_details[" in a preview), or Stripe's error."""
    def field(name: str) -> str | None:
        if not prefix:
            return params.get(name)
        head, _, tail = name.partition("[")
        return params.get(f"{prefix}{head}]" + (f"[{tail}" if tail else ""))

    sub = next((s for s in db["subscriptions"] if s["id"] == sid), None)
    if sub is None:
        return _error(400, f"No such subscription: '{sid}'", code="resource_missing", param="subscription")
    item_id, price_id = field("items[0][id]"), field("items[0][price]")
    item = next((i for i in sub["items"]["data"] if i["id"] == item_id), None)
    if item is None:
        return _error(400, f"No such subscription item: '{item_id}'", code="resource_missing",
                      param="items[0][id]")
    price = next((p for p in db["prices"] if p["id"] == price_id), None)
    if price is None:
        return _error(400, f"No such price: '{price_id}'", code="resource_missing", param="items[0][price]")
    if price["currency"] != sub["currency"]:
        return _error(400, "The price's currency does not match the subscription's.", param="items[0][price]")
    behavior = field("proration_behavior") or "create_prorations"
    if behavior not in ("always_invoice", "create_prorations", "none"):
        return _error(400, f"Invalid proration_behavior: {behavior}", param="proration_behavior")
    trial_end = field("trial_end")
    if trial_end is not None and not (trial_end.isdigit() and int(trial_end) > time.time()):
        return _error(400, "Invalid timestamp: must be an integer Unix timestamp in the future.", param="trial_end")
    return {"sub": sub, "item": item, "price": price, "behavior": behavior,
            "trial_end": int(trial_end) if trial_end else None}


def _preview(db: dict, change: dict) -> dict:
    """The next invoice after the change: the new price for one period from where billing resumes.
    Without a trial it starts now; prorations (credit for the old price's unused time) are left out of
    this stand-in, which serves the `none` behaviour the connector asks for."""
    sub, item, price = change["sub"], change["item"], change["price"]
    start = change["trial_end"] or int(time.time())
    step = 1 if price["recurring"]["interval"] == "month" else 12
    end = _ts(_add_months(datetime.fromtimestamp(start, timezone.utc).date(), step))
    customer = next(c for c in db["customers"] if c["id"] == sub["customer"])
    product = next((p["name"] for p in db["products"] if p["id"] == price["product"]), price["product"])
    changed = {**sub, "items": {**sub["items"], "data": [{**item, "price": price}]}}
    amount = price["unit_amount"] * item["quantity"]
    iid = "upcoming_in_" + sub["id"][4:]
    preview = invoice_object(iid, None, customer, changed, product, amount, start, (start, end), "", False, "",
                             "subscription_cycle" if change["trial_end"] else "subscription_update")
    preview.update(status="draft", hosted_invoice_url=None, invoice_pdf=None, next_payment_attempt=start,
                   attempted=False, attempt_count=0, amount_paid=0, amount_remaining=amount,
                   status_transitions={"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
                                       "voided_at": None})
    preview.pop("payments", None)
    return preview


def _apply_change(change: dict) -> dict:
    """Put the new price on the item; a trial_end moves the billing cycle anchor there (Stripe: "The
    billing_cycle_anchor will be updated to the trial_end value"), so nothing is billed until it."""
    sub, item, price = change["sub"], change["item"], change["price"]
    now = int(time.time())
    item["price"] = price
    item["plan"] = {**item["plan"], "id": price["id"], "amount": price["unit_amount"],
                    "amount_decimal": price["unit_amount_decimal"], "interval": price["recurring"]["interval"],
                    "nickname": price["nickname"], "product": price["product"]}
    if change["trial_end"]:
        sub.update(status="trialing", trial_start=now, trial_end=change["trial_end"],
                   billing_cycle_anchor=change["trial_end"])
        item.update(current_period_start=now, current_period_end=change["trial_end"])
    return copy.deepcopy(sub)


# -- the objects, shaped as in tests/connector/fixtures/stripe ----------------------------------

def customer_object(cid: str, email: str, name: str, created: int, prefix: str, invoices: int,
                    metadata: dict, delinquent: bool = False, payment_method: str = "") -> dict:
    return {"id": cid, "object": "customer", "address": None, "balance": 0, "created": created,
            "currency": "usd", "default_source": None, "delinquent": delinquent, "description": None,
            "email": email, "invoice_prefix": prefix,
            "invoice_settings": {"custom_fields": None, "default_payment_method": payment_method or None,
                                 "footer": None, "rendering_options": None},
            "livemode": False, "metadata": metadata, "name": name, "next_invoice_sequence": invoices + 1,
            "phone": None, "preferred_locales": ["en-US"], "shipping": None, "tax_exempt": "none",
            "test_clock": None}


def product_object(pid: str, name: str, description: str, default_price: str | None,
                   created: int) -> dict:
    return {"id": pid, "object": "product", "active": True, "created": created,
            "default_price": default_price,
            "description": description, "images": [], "livemode": False, "marketing_features": [],
            "metadata": {}, "name": name, "package_dimensions": None, "shippable": None,
            "statement_descriptor": None, "tax_code": "txcd_10103001", "type": "service",
            "unit_label": "seat", "updated": created, "url": None}


def price_object(pid: str, product: str, nickname: str | None, unit: int, interval: str,
                 created: int) -> dict:
    return {"id": pid, "object": "price", "active": True, "billing_scheme": "per_unit", "created": created,
            "currency": "usd", "custom_unit_amount": None, "livemode": False, "lookup_key": None,
            "metadata": {}, "nickname": nickname, "product": product,
            "recurring": {"interval": interval, "interval_count": 1, "trial_period_days": None,
                          "usage_type": "licensed"},
            "tax_behavior": "unspecified", "tiers_mode": None, "transform_quantity": None,
            "type": "recurring", "unit_amount": unit, "unit_amount_decimal": str(unit)}


def subscription_object(sid: str, item_id: str, customer: str, price: dict, seats: int, created: int,
                        period: tuple[int, int], status: str, latest_invoice: str | None) -> dict:
    plan = {"id": price["id"], "object": "plan", "active": True, "amount": price["unit_amount"],
            "amount_decimal": price["unit_amount_decimal"], "billing_scheme": "per_unit",
            "created": price["created"], "currency": "usd", "interval": price["recurring"]["interval"],
            "interval_count": 1, "livemode": False, "metadata": {}, "nickname": price["nickname"],
            "product": price["product"], "tiers_mode": None, "transform_usage": None,
            "trial_period_days": None, "usage_type": "licensed"}
    item = {"id": item_id, "object": "subscription_item", "created": created + 1,
            "current_period_end": period[1], "current_period_start": period[0], "discounts": [],
            "metadata": {}, "plan": plan, "price": price, "quantity": seats, "subscription": sid,
            "tax_rates": []}
    return {"id": sid, "object": "subscription", "application": None, "application_fee_percent": None,
            "automatic_tax": {"enabled": False, "liability": None}, "billing_cycle_anchor": created,
            "cancel_at": None, "cancel_at_period_end": False, "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically", "created": created, "currency": "usd",
            "customer": customer, "days_until_due": None, "default_payment_method": None,
            "default_source": None, "default_tax_rates": [], "description": None, "discounts": [],
            "ended_at": None, "invoice_settings": {"issuer": {"type": "self"}},
            "items": {"object": "list", "data": [item], "has_more": False, "total_count": 1,
                      "url": f"/v1/subscription_items?subscription={sid}"},
            "latest_invoice": latest_invoice, "livemode": False, "metadata": {},
            "next_pending_invoice_item_invoice": None, "on_behalf_of": None, "pause_collection": None,
            "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                                 "save_default_payment_method": "off"},
            "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
            "schedule": None, "start_date": created, "status": status, "test_clock": None,
            "transfer_data": None, "trial_end": None,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": None}


def invoice_object(iid: str, number: str, customer: dict, subscription: dict, product_name: str, amount: int,
                   created: int, period: tuple[int, int], payment_intent: str, paid: bool, link: str,
                   reason: str = "subscription_cycle") -> dict:
    item = subscription["items"]["data"][0]
    price, seats = item["price"], item["quantity"]
    paid_amount, paid_at = (amount, created + 3600) if paid else (0, None)
    unit = f"${price['unit_amount'] / 100:,.2f} / {price['recurring']['interval']}"
    return {
        "id": iid, "object": "invoice", "account_country": "US", "account_name": "Brightline Analytics",
        "account_tax_ids": None, "amount_due": amount, "amount_overpaid": 0, "amount_paid": paid_amount,
        "amount_remaining": amount - paid_amount, "amount_shipping": 0, "application": None,
        "attempt_count": 1, "attempted": True, "auto_advance": not paid,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None, "provider": None,
                          "status": None},
        "automatically_finalizes_at": None, "billing_reason": reason,
        "collection_method": "charge_automatically", "created": created, "currency": "usd",
        "custom_fields": None, "customer": customer["id"], "customer_address": None,
        "customer_email": customer["email"], "customer_name": customer["name"], "customer_phone": None,
        "customer_shipping": None, "customer_tax_exempt": "none", "customer_tax_ids": [],
        "default_payment_method": None, "default_source": None, "default_tax_rates": [], "description": None,
        "discounts": [], "due_date": None, "effective_at": created, "ending_balance": 0, "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/{ACCOUNT}/test_{link}?s=ap",
        "invoice_pdf": f"https://pay.stripe.com/invoice/{ACCOUNT}/test_{link}/pdf?s=ap",
        "issuer": {"type": "self"}, "last_finalization_error": None, "latest_revision": None,
        "lines": {"object": "list", "data": [{
            "id": "il_" + iid[3:], "object": "line_item", "amount": amount, "currency": "usd",
            "description": f"{seats} × {product_name} (at {unit})",
            "discount_amounts": [], "discountable": True, "discounts": [], "invoice": iid, "livemode": False,
            "metadata": {},
            "parent": {"invoice_item_details": None,
                       "subscription_item_details": {"invoice_item": None, "proration": False,
                                                     "proration_details": {"credited_items": None},
                                                     "subscription": subscription["id"],
                                                     "subscription_item": item["id"]},
                       "type": "subscription_item_details"},
            "period": {"end": period[1], "start": period[0]}, "pretax_credit_amounts": [],
            "pricing": {"price_details": {"price": price["id"], "product": price["product"]},
                        "type": "price_details", "unit_amount_decimal": price["unit_amount_decimal"]},
            "quantity": seats, "taxes": []}],
            "has_more": False, "total_count": 1, "url": f"/v1/invoices/{iid}/lines"},
        "livemode": False, "metadata": {}, "next_payment_attempt": None if paid else created + 3 * 86400,
        "number": number, "on_behalf_of": None,
        "parent": {"quote_details": None,
                   "subscription_details": {"metadata": {}, "subscription": subscription["id"]},
                   "type": "subscription_details"},
        "payment_settings": {"default_mandate": None, "payment_method_options": None,
                             "payment_method_types": None},
        "payments": {"object": "list", "data": [{
            "id": "inpay_" + payment_intent[3:], "object": "invoice_payment",
            "amount_paid": paid_amount if paid else None, "amount_requested": amount, "created": created,
            "currency": "usd", "invoice": iid, "is_default": True, "livemode": False,
            "payment": {"type": "payment_intent", "payment_intent": payment_intent},
            "status": "paid" if paid else "open",
            "status_transitions": {"canceled_at": None, "paid_at": paid_at}}],
            "has_more": False, "total_count": 1, "url": f"/v1/invoice_payments?invoice={iid}"},
        "period_end": created, "period_start": created, "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": None, "rendering": None,
        "shipping_cost": None,
        "shipping_details": None, "starting_balance": 0, "statement_descriptor": None,
        "status": "paid" if paid else "open",
        "status_transitions": {"finalized_at": created + 60, "marked_uncollectible_at": None,
                               "paid_at": paid_at, "voided_at": None},
        "subtotal": amount, "subtotal_excluding_tax": amount, "test_clock": None, "total": amount,
        "total_discount_amounts": [], "total_excluding_tax": amount, "total_pretax_credit_amounts": [],
        "total_taxes": [], "webhooks_delivered_at": created + 5}


def charge_object(cid: str, customer: dict, amount: int, created: int, payment_intent: str,
                  payment_method: str, receipt: str, description: str, failure: str = "") -> dict:
    ok = not failure
    return {
        "id": cid, "object": "charge", "amount": amount, "amount_captured": amount if ok else 0,
        "amount_refunded": 0, "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": "txn_" + cid[3:] if ok else None,
        "billing_details": {"address": {"city": None, "country": "US", "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": customer["email"], "name": customer["name"], "phone": None},
        "calculated_statement_descriptor": "BRIGHTLINE ANALYTICS", "captured": ok, "created": created,
        "currency": "usd", "customer": customer["id"], "description": description, "disputed": False,
        "failure_balance_transaction": None, "failure_code": "card_declined" if failure else None,
        "failure_message": failure or None, "fraud_details": {}, "livemode": False, "metadata": {},
        "on_behalf_of": None,
        "outcome": ({"network_status": "approved_by_network", "reason": None, "risk_level": "normal",
                     "risk_score": 18, "seller_message": "Payment complete.", "type": "authorized"} if ok else
                    {"network_status": "declined_by_network", "reason": "generic_decline",
                     "risk_level": "normal", "risk_score": 21,
                     "seller_message": "The bank did not return any further details with this decline.",
                     "type": "issuer_declined"}),
        "paid": ok, "payment_intent": payment_intent, "payment_method": payment_method,
        "payment_method_details": {"card": {"brand": "visa", "checks": {"address_line1_check": None,
                                                                         "address_postal_code_check": None,
                                                                         "cvc_check": None},
                                            "country": "US", "exp_month": 8, "exp_year": 2028,
                                            "fingerprint": payment_method[-16:], "funding": "credit",
                                            "installments": None, "last4": "4242", "mandate": None,
                                            "network": "visa", "three_d_secure": None, "wallet": None},
                                   "type": "card"},
        "receipt_email": customer["email"], "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/invoices/{receipt}?s=ap" if ok else None,
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                    "url": f"/v1/charges/{cid}/refunds"},
        "review": None, "shipping": None, "source_transfer": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": "succeeded" if ok else "failed", "transfer_data": None, "transfer_group": None}


def refund_object(rid: str, charge: dict, amount: int, created: int, reason: str | None,
                  metadata: dict) -> dict:
    return {"id": rid, "object": "refund", "amount": amount, "balance_transaction": "txn_" + rid[3:],
            "charge": charge["id"], "created": created, "currency": charge["currency"],
            "destination_details": {"card": {"reference": None, "reference_status": "pending",
                                             "reference_type": "acquirer_reference_number", "type": "refund"},
                                    "type": "card"},
            "metadata": metadata, "payment_intent": charge["payment_intent"], "reason": reason,
            "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
            "transfer_reversal": None}


# -- sample data --------------------------------------------------------------------------------

def sample_data(account: dict, at_risk: dict | None = None) -> dict:
    """Brightline's Stripe account from the sample account: a customer for most end users
    (NO_RECORD_SHARE have none), each on their organization's plan with its last HISTORY periods
    billed; the customers the ticket stream names set up to match it (PINNED), and one customer
    for each of the other STORIES. The same account always gives the same data."""
    rng = random.Random(SEED)
    book = _Book(rng)
    orgs = {o["id"]: o for o in account["organizations"]}
    users = sorted((u for u in account["users"] if u.get("role") == "end-user"), key=lambda u: u["id"])
    unpinned = [u["email"] for u in users if u["email"] not in PINNED]
    absent = set(rng.sample(unpinned, round(len(users) * NO_RECORD_SHARE)))
    stories = dict(zip(rng.sample([e for e in unpinned if e not in absent], len(STORIES)), STORIES))
    for user in users:
        if user["email"] not in absent:
            book.add(user, orgs.get(user.get("organization_id")),
                     {"story": stories.get(user["email"], ""), **PINNED.get(user["email"], {})})
    for email, day in (AT_RISK if at_risk is None else at_risk).items():
        book.downgrade_and_decline(email, day)
    return {"api_key": API_KEY, "customers": book.customers, "products": list(book.products.values()),
            "prices": [*book.prices.values(), *book.custom_prices.values()],
            "subscriptions": book.subscriptions, "invoices": book.invoices, "charges": book.charges,
            "refunds": book.refunds}


class _Book:
    """Builds the account customer by customer, drawing ids and amounts from one seeded rng."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.customers, self.subscriptions, self.invoices, self.charges, self.refunds = [], [], [], [], []
        self.products, self.prices, self.custom_prices = {}, {}, {}
        since = _ts(date(2024, 1, 10))
        for tier, (name, units) in PLANS.items():
            product = product_object(self.id("prod_", 14), name, f"Brightline {name}, per seat.", None, since)
            for interval, unit in units.items():
                label = f"{name} ({'monthly' if interval == 'month' else 'annual'})"
                self.prices[tier, interval] = price_object(self.id("price_1", 23), product["id"], label,
                                                           unit, interval, since)
            product["default_price"] = self.prices[tier, "month"]["id"]
            self.products[tier] = product
        self.products["enterprise"] = product_object(
            self.id("prod_", 14), "Enterprise", "Brightline Enterprise: custom annual contract.", None, since)

    def id(self, prefix: str, length: int) -> str:
        return _token(self.rng, length, prefix)

    def add(self, user: dict, org: dict | None, how: dict) -> None:
        price, seats = self._plan(org, how)
        step = 1 if price["recurring"]["interval"] == "month" else 12
        start = how.get("start") or _day(max(user["created_at"], org["created_at"] if org else ""))
        start = min(start.replace(day=min(how.get("day", start.day), 28)), TODAY)
        starts = [s for s in (_add_months(start, k * step) for k in range(120)) if s <= TODAY]
        story = how.get("story", "")
        if story == "canceled" and len(starts) > 1:
            starts.pop()  # it ended where the next period would have begun
        kept = starts[-HISTORY:]
        end = _add_months(kept[-1], step)
        customer = customer_object(
            self.id("cus_", 14), user["email"], user["name"], _ts(start) - 3600,
            _token(self.rng, 8, alphabet="0123456789ABCDEF"), len(starts),
            {"zendesk_user_id": str(user["id"]), "organization": org["name"] if org else ""},
            delinquent=story == "payment_failed", payment_method=self.id("pm_1", 23))
        sub = subscription_object(self.id("sub_1", 23), self.id("si_", 14), customer["id"], price, seats,
                                  _ts(start), (_ts(kept[-1]), _ts(end)), "active", None)
        product = next(p["name"] for p in self.products.values() if p["id"] == price["product"])
        first_number = len(starts) - len(kept) + 1
        for n, begun in enumerate(kept):
            failed = story == "payment_failed" and begun == kept[-1]
            created, intent = _ts(begun), self.id("pi_3", 23)
            number = f"{customer['invoice_prefix']}-{first_number + n:04d}"
            invoice = invoice_object(
                self.id("in_1", 23), number, customer, sub, product, price["unit_amount"] * seats, created,
                (created, _ts(_add_months(begun, step))), intent, not failed, self.id("", 40),
                "subscription_create" if begun == start else "subscription_cycle")
            self.invoices.append(invoice)
            self.charges.append(charge_object(
                self.id("ch_3", 23), customer, invoice["amount_due"],
                created + 3600 + self.rng.randint(0, 600),
                intent, customer["invoice_settings"]["default_payment_method"], self.id("", 60),
                "Subscription creation" if begun == start else "Subscription update",
                failure="Your card was declined." if failed else ""))
        sub["latest_invoice"] = self.invoices[-1]["id"]
        self._tell(story, sub, self.charges[-1], step)
        self.customers.append(customer)
        self.subscriptions.append(sub)

    def _plan(self, org: dict | None, how: dict) -> tuple[dict, int]:
        fields = (org or {}).get("organization_fields") or {}
        tier, arr = fields.get("plan", "starter"), fields.get("arr")
        if tier == "enterprise":
            if org["id"] not in self.custom_prices:
                self.custom_prices[org["id"]] = price_object(
                    self.id("price_1", 23), self.products["enterprise"]["id"], None, ENTERPRISE_SEAT_YEAR,
                    "year", _ts(_day(org["created_at"])))
            return self.custom_prices[org["id"]], how.get("seats") or max(
                ENTERPRISE_MIN_SEATS, round(arr * 100 / ENTERPRISE_SEAT_YEAR))
        units = PLANS[tier][1]
        per_seat_year = {interval: unit * (12 if interval == "month" else 1)
                         for interval, unit in units.items()}
        fits = [i for i, cost in per_seat_year.items() if arr and arr * 100 % cost == 0]  # ARR in whole seats
        interval = how.get("interval") or self.rng.choice(fits or sorted(units))
        seats = how.get("seats") or (max(1, round(arr * 100 / per_seat_year[interval])) if arr
                                     else self.rng.randint(1, 3))
        return self.prices[tier, interval], seats

    def _tell(self, story: str, sub: dict, last: dict, step: int) -> None:
        """Give one customer's billing its story, after the ordinary history is in place."""
        item = sub["items"]["data"][0]
        if story == "payment_failed":
            sub["status"] = "past_due"
        elif story == "cancel_at_period_end":  # asked for two days into the period (Stripe's canceled_at)
            sub.update(cancel_at_period_end=True, cancel_at=item["current_period_end"],
                       canceled_at=min(item["current_period_start"] + 2 * 86400, _ts(TODAY)))
            sub["cancellation_details"]["reason"] = "cancellation_requested"
        elif story == "canceled":
            ended = item["current_period_end"]
            sub.update(status="canceled", canceled_at=ended, ended_at=ended)
            sub["cancellation_details"]["reason"] = "cancellation_requested"
        elif story in ("charged_twice", "twice_refunded"):  # a second payment for the same invoice
            again = copy.deepcopy(last)
            again.update(id=self.id("ch_3", 23), payment_intent=self.id("pi_3", 23),
                         created=last["created"] + 45, receipt_url=last["receipt_url"].replace("?", "2?"))
            again["refunds"]["url"] = f"/v1/charges/{again['id']}/refunds"
            self.charges.append(again)
            if story == "twice_refunded":
                self._refund(again, again["amount"], _ts(TODAY - timedelta(days=1)) + 58800, "duplicate")
        elif story == "partly_refunded":
            quarter = last["amount"] // 400 * 100  # in whole dollars
            self._refund(last, quarter, last["created"] + 5 * 86400, "requested_by_customer")
        elif story == "disputed":
            older = [c for c in self.charges if c["customer"] == sub["customer"]]
            older[max(0, len(older) - 3)]["disputed"] = True

    def downgrade_and_decline(self, email: str, day: date) -> None:
        """A third of the seats given up on `day` (a proration credit), then an add-on charge declined."""
        customer = next(c for c in self.customers if c["email"] == email)
        sub = next(s for s in self.subscriptions if s["customer"] == customer["id"])
        item = sub["items"]["data"][0]
        price, before = item["price"], item["quantity"]
        after = before - before // 3
        product = next(p["name"] for p in self.products.values() if p["id"] == price["product"])
        start, end = _ts(day), item["current_period_end"]
        credit = -round(price["unit_amount"] * (before - after) * (end - start) / (end - item["current_period_start"]))
        number = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
        update = invoice_object(self.id("in_1", 23), number, customer, sub, product, 0, start, (start, end),
                                self.id("pi_3", 23), True, self.id("", 40), "subscription_update")
        line = update["lines"]["data"][0]
        line.update(amount=credit, quantity=before - after,
                    description=f"Unused time on {before - after} × {product} after {day:%d %b %Y}")
        line["parent"]["subscription_item_details"]["proration"] = True
        item["quantity"] = after
        addon_day = day + timedelta(days=5)
        created, intent = _ts(addon_day), self.id("pi_3", 23)
        addon = invoice_object(self.id("in_1", 23), f"{customer['invoice_prefix']}-{customer['next_invoice_sequence'] + 1:04d}",
                               customer, sub, product, 250000, created, (created, created), intent, False,
                               self.id("", 40), "manual")
        addon["lines"]["data"][0]["description"] = "Premium support (annual add-on)"
        customer.update(next_invoice_sequence=customer["next_invoice_sequence"] + 2, delinquent=True)
        self.invoices += [update, addon]
        self.charges.append(charge_object(self.id("ch_3", 23), customer, 250000, created + 3600, intent,
                                          customer["invoice_settings"]["default_payment_method"], self.id("", 60),
                                          "Premium support (annual add-on)", failure="Your card was declined."))
        sub["latest_invoice"] = addon["id"]

    def _refund(self, charge: dict, amount: int, created: int, reason: str) -> None:
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        refund = refund_object(self.id("re_3", 23), charge, amount, created, reason, {})
        _list_refund(charge, refund)
        self.refunds.append(refund)


def _token(rng: random.Random, length: int, prefix: str = "",
           alphabet: str = string.ascii_letters + string.digits) -> str:
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def _day(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()


def _ts(day: date) -> int:
    return calendar.timegm(day.timetuple())


def _add_months(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    return day.replace(year=day.year + years, month=month + 1)  # days are kept at 28 or less
