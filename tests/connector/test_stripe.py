"""StripeBilling on recorded Stripe responses (stripe-python -> requests -> `responses`, network
off), and against the Stripe sandbox on a real local port. Fixture shapes and their sources:
tests/connector/fixtures/stripe/SOURCES.md."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stripe

from connectors.errors import AuthFailed, ConnectorError, NotFound, RateLimited, Unavailable
from connectors.roles import BillingAccount, Charge, Invoice, InvoiceLine, Refund, Subscription
from connectors.stripe_billing import StripeBilling
from sandbox.vendors.stripe import API_KEY, create_app, sample_data
from tests.fakes.served import Served

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
ACCOUNT = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "account.json"
API = "https://api.stripe.com/v1"
KEY = "sk_test_51DeskhandConnectorTestKey00wxyz"
EMAIL = "dana.whitfield@kestrelfoods.example"
CUSTOMER = "cus_QxR7dW2kLm9PzA"
CHARGE = "ch_3SA0a2LkdIwHu7ix1Pa1dCh"
IDEMPOTENCY_KEY = "refund:ticket-2023:ch_3SA0a2LkdIwHu7ix1Pa1dCh"


def fixture(name: str):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def billing(base_url: str = "", key: str = KEY) -> tuple[StripeBilling, list[float]]:
    client = StripeBilling(key, base_url=base_url, timeout_s=5)
    sleeps: list[float] = []
    client._sleep = sleeps.append  # see the waits without taking them
    return client, sleeps



def add_account(api, customers: dict | None = None, subscriptions: dict | None = None, products=True):
    """The reads of one `account()`, answered from the fixtures unless given."""
    api.get(f"{API}/customers", json=customers or fixture("customers"))
    api.get(f"{API}/subscriptions", json=subscriptions or fixture("subscriptions"))
    api.get(f"{API}/invoices", json=fixture("invoices"))
    api.get(f"{API}/charges", json=fixture("charges"))
    if products:
        api.get(f"{API}/products", json=fixture("products"))


def calls(api) -> list[tuple[str, str, dict]]:
    """Each request as (method, path, params), params from the query or the form body."""
    found = []
    for call in api.calls:
        url = urlsplit(call.request.url)
        raw = url.query if call.request.method == "GET" else call.request.body or ""
        raw = raw.decode() if isinstance(raw, bytes) else raw
        params = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw).items()}
        found.append((call.request.method, url.path, params))
    return found


def header(api, name: str) -> list[str | None]:
    return [call.request.headers.get(name) for call in api.calls]


def error(api, method: str, path: str, status: int, body: str, times: int = 1, **headers):
    for _ in range(times):
        api.add(method, f"{API}/{path}", json=fixture(body), status=status, headers=headers)


# -- reads ---------------------------------------------------------------------------------------

DANA = BillingAccount(
    customer_id=CUSTOMER, email=EMAIL, name="Dana Whitfield",
    subscriptions=(
        Subscription(id="sub_1Q5fZnLkdIwHu7ixT0a2Bv8C", status="past_due", plan="Growth (annual)",
                     amount=2592000, currency="usd", interval="year", seats=60,
                     current_period_end="2027-10-01T00:00:00Z", item_id="si_QxR8aFh3KpL2mN",
                     price_id="price_1Q5fZ2LkdIwHu7ixGr0wAnnl", product_id="prod_QxR6GrowthXyZ1"),
        Subscription(id="sub_1OyPq3LkdIwHu7ixM0nthly1", status="canceled", plan="Growth", amount=202500,
                     currency="usd", interval="month", seats=45, current_period_end="2025-10-01T00:00:00Z",
                     canceled_at="2025-10-01T00:00:00Z", item_id="si_PoQ2vLx8RtY6wE",
                     price_id="price_1OyPp8LkdIwHu7ixGrMnthly", product_id="prod_QxR6GrowthXyZ1")),
    invoices=(
        Invoice(id="in_1SB2c4LkdIwHu7ixSeatAdd0", number="7C1E0B55-0007", status="open", amount_due=79200,
                amount_paid=0, currency="usd", created="2026-11-04T09:30:00Z",
                url=fixture("invoices")["data"][0]["hosted_invoice_url"],
                subscription_id="sub_1Q5fZnLkdIwHu7ixT0a2Bv8C", billing_reason="subscription_update",
                next_payment_attempt="2026-11-07T09:30:00Z",
                lines=(InvoiceLine("Remaining time on 2 × Growth after 04 Nov 2026", 79200, proration=True,
                                   period_start="2026-11-04T09:30:00Z", period_end="2027-10-01T00:00:00Z"),)),
        Invoice(id="in_1SA0a1LkdIwHu7ixRenew26", number="7C1E0B55-0006", status="paid", amount_due=2592000,
                amount_paid=2592000, currency="usd", created="2026-10-01T00:00:00Z",
                url=fixture("invoices")["data"][1]["hosted_invoice_url"],
                subscription_id="sub_1Q5fZnLkdIwHu7ixT0a2Bv8C", billing_reason="subscription_cycle",
                lines=(InvoiceLine("60 × Growth (at $432.00 / year)", 2592000, proration=False,
                                   period_start="2026-10-01T00:00:00Z", period_end="2027-10-01T00:00:00Z"),))),
    charges=(
        Charge(id="ch_3SB2c5LkdIwHu7ix0Fa1Ch1", amount=79200, amount_refunded=0, currency="usd",
               status="failed", created="2026-11-04T09:35:00Z", invoice_id="in_1SB2c4LkdIwHu7ixSeatAdd0",
               failure_message="Your card was declined."),
        Charge(id=CHARGE, amount=2592000, amount_refunded=0, currency="usd", status="succeeded",
               created="2026-10-01T00:05:00Z", invoice_id="in_1SA0a1LkdIwHu7ixRenew26",
               url=fixture("charges")["data"][1]["receipt_url"]),
        Charge(id="ch_3RkQw9LkdIwHu7ix0neOff0", amount=25000, amount_refunded=0, currency="usd",
               status="succeeded", created="2026-06-12T15:20:00Z", disputed=True,
               url=fixture("charges")["data"][2]["receipt_url"])),
    link=f"https://dashboard.stripe.com/customers/{CUSTOMER}")


def test_account_reads_customer_subscriptions_invoices_charges_and_product_names(api):
    add_account(api)
    client, sleeps = billing()

    assert client.account(f"  {EMAIL} ") == DANA
    made = calls(api)
    assert made[0] == ("GET", "/v1/customers", {"email": EMAIL, "limit": "10"})  # first: the rest need its id
    # then the three reads side by side (any order), and the product names after the subscriptions
    assert sorted(made[1:], key=str) == sorted([
        ("GET", "/v1/subscriptions", {"customer": CUSTOMER, "status": "all", "limit": "10"}),
        ("GET", "/v1/invoices", {"customer": CUSTOMER, "limit": "10", "expand[0]": "data.payments"}),
        ("GET", "/v1/charges", {"customer": CUSTOMER, "limit": "10", "expand[0]": "data.refunds"}),
        # the canceled subscription's price has no nickname: its product's name stands in
        ("GET", "/v1/products", {"ids[0]": "prod_QxR6GrowthXyZ1", "limit": "1"}),
    ], key=str)
    paths = [path for _, path, _ in made]
    assert paths.index("/v1/products") > paths.index("/v1/subscriptions")
    assert header(api, "Authorization") == [f"Bearer {KEY}"] * 5
    assert header(api, "Stripe-Version") == [stripe.api_version] * 5
    assert header(api, "Idempotency-Key") == [None] * 5  # reads carry no key
    assert sleeps == []


def test_no_product_lookup_when_every_price_has_a_nickname(api):
    subscriptions = fixture("subscriptions")
    subscriptions["data"][1]["items"]["data"][0]["price"]["nickname"] = "Growth (monthly)"
    add_account(api, subscriptions=subscriptions, products=False)

    account = billing()[0].account(EMAIL)
    assert [s.plan for s in account.subscriptions] == ["Growth (annual)", "Growth (monthly)"]
    assert sorted(path for _, path, _ in calls(api)) == ["/v1/charges", "/v1/customers", "/v1/invoices",
                                                         "/v1/subscriptions"]


def test_a_charges_refunds_are_read_newest_first_with_their_dates_and_status(api):
    charges = fixture("charges")
    older = dict(fixture("refund"), id="re_3SA0a2LkdIwHu7ix0Rfnd00", amount=10000, created=1793000000)
    pending = dict(fixture("refund"), status="pending")
    charges["data"][1].update(amount_refunded=53200,
                              refunds=dict(charges["data"][1]["refunds"], data=[older, pending], total_count=2))
    add_account(api)
    api.replace("GET", f"{API}/charges", json=charges)

    renewal = billing()[0].account(EMAIL).charges[1]
    assert (renewal.id, renewal.amount_refunded) == (CHARGE, 53200)
    assert renewal.refunds == (
        Refund(id="re_3SA0a2LkdIwHu7ix0Rfnd01", charge_id=CHARGE, amount=43200, currency="usd", status="pending",
               created="2026-11-05T09:30:00Z"),
        Refund(id="re_3SA0a2LkdIwHu7ix0Rfnd00", charge_id=CHARGE, amount=10000, currency="usd", status="succeeded",
               created="2026-10-26T07:33:20Z"))


def test_unknown_email_is_none_after_one_call(api):
    api.get(f"{API}/customers", json=fixture("customers_empty"))
    assert billing()[0].account("nobody@example.com") is None
    assert calls(api) == [("GET", "/v1/customers", {"email": "nobody@example.com", "limit": "10"})]


@pytest.mark.parametrize("email", ["", "   "])
def test_blank_email_is_none_without_a_call(api, email):
    # an empty email filter would list every customer in the account
    assert billing()[0].account(email) is None
    assert len(api.calls) == 0


def test_several_customers_with_the_email_the_newest_wins(api):
    newest = fixture("customers")["data"][0]
    older = dict(newest, id="cus_Old0dW2kLm9PzA", created=newest["created"] - 400 * 86400,
                 name="D. Whitfield")
    empty = {"object": "list", "data": [], "has_more": False, "url": "/v1/subscriptions"}
    add_account(api, customers={"object": "list", "data": [older, newest], "has_more": False,
                                "url": "/v1/customers"}, subscriptions=empty, products=False)

    account = billing()[0].account(EMAIL)
    assert (account.customer_id, account.name, account.subscriptions) == (CUSTOMER, "Dana Whitfield", ())
    assert {params.get("customer") for _, _, params in calls(api)[1:]} == {CUSTOMER}


def test_bad_key_fails_at_once_without_retry(api):
    error(api, "GET", "customers", 401, "error_401")
    client, sleeps = billing()
    with pytest.raises(AuthFailed) as caught:
        client.account(EMAIL)
    assert len(api.calls) == 1 and sleeps == []
    assert "401" in str(caught.value) and "Invalid API Key" in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_key_echoed_back_is_scrubbed_from_errors(api):
    api.get(f"{API}/customers", status=403,
            json={"error": {"message": f"The provided key '{KEY}' does not have access to customers.",
                            "type": "invalid_request_error"}})
    with pytest.raises(AuthFailed) as caught:
        billing()[0].account(EMAIL)
    assert KEY not in str(caught.value) and "[api key]" in str(caught.value)


def test_rate_limited_read_is_retried_honouring_retry_after(api):
    error(api, "GET", "customers", 429, "error_429", **{"Retry-After": "2"})
    api.get(f"{API}/customers", json=fixture("customers_empty"))
    client, sleeps = billing()
    assert client.account(EMAIL) is None
    assert len(api.calls) == 2 and sleeps == [2.0]


@pytest.mark.parametrize("retry_after, waits", [(None, [0.5, 1.0]), ("30", [5.0, 5.0])])
def test_rate_limited_read_gives_up_after_two_retries(api, retry_after, waits):
    headers = {"Retry-After": retry_after} if retry_after else {}
    error(api, "GET", "customers", 429, "error_429", times=3, **headers)
    client, sleeps = billing()
    with pytest.raises(RateLimited) as caught:
        client.account(EMAIL)
    assert len(api.calls) == 3
    assert sleeps == waits  # backoff, or Retry-After capped at 5 s
    assert caught.value.retry_after == (30.0 if retry_after else 1.0)  # the caller sees Stripe's own wait
    assert "rate_limit" in str(caught.value)


def test_server_error_on_a_read_is_retried_then_unavailable(api):
    error(api, "GET", "customers", 500, "error_500", times=3)
    client, sleeps = billing()
    with pytest.raises(Unavailable) as caught:
        client.account(EMAIL)
    assert len(api.calls) == 3 and sleeps == [0.5, 1.0]
    assert "stripe 500: api_error" in str(caught.value)


def test_server_error_on_a_read_recovers_on_retry(api):
    error(api, "GET", "customers", 503, "error_500")
    add_account(api)
    assert billing()[0].account(EMAIL) == DANA
    assert len(api.calls) == 6


def test_timeouts_on_a_read_are_retried_then_unavailable(api):
    for _ in range(3):
        api.get(f"{API}/customers", body=requests.exceptions.ReadTimeout("read timed out (read timeout=5)"))
    client, sleeps = billing()
    with pytest.raises(Unavailable) as caught:
        client.account(EMAIL)
    assert len(api.calls) == 3 and sleeps == [0.5, 1.0]
    assert "ReadTimeout" in str(caught.value)


def test_stripe_should_retry_false_is_obeyed(api):
    error(api, "GET", "customers", 500, "error_500", **{"Stripe-Should-Retry": "false"})
    client, sleeps = billing()
    with pytest.raises(Unavailable):
        client.account(EMAIL)
    assert len(api.calls) == 1 and sleeps == []


@pytest.mark.parametrize("status, error_type, attempts", [(502, Unavailable, 3), (200, ConnectorError, 1)])
def test_bodies_that_are_not_stripe_json(api, status, error_type, attempts):
    # a proxy's error page, or a captive portal answering 200
    for _ in range(attempts):
        api.get(f"{API}/customers", body="<html>Bad gateway</html>", status=status, content_type="text/html")
    with pytest.raises(error_type) as caught:
        billing()[0].account(EMAIL)
    assert type(caught.value) is error_type and len(api.calls) == attempts


# -- the refund ----------------------------------------------------------------------------------

def test_refund_posts_once_with_the_idempotency_key(api):
    api.post(f"{API}/refunds", json=fixture("refund"))
    client, sleeps = billing()

    refund = client.refund(CHARGE, 43200, IDEMPOTENCY_KEY, reason="requested_by_customer")
    assert refund == Refund(id="re_3SA0a2LkdIwHu7ix0Rfnd01", charge_id=CHARGE, amount=43200, currency="usd",
                            status="succeeded", created="2026-11-05T09:30:00Z")
    assert calls(api) == [("POST", "/v1/refunds",
                           {"charge": CHARGE, "amount": "43200", "reason": "requested_by_customer"})]
    assert header(api, "Idempotency-Key") == [IDEMPOTENCY_KEY]
    assert header(api, "Authorization") == [f"Bearer {KEY}"]
    assert sleeps == []


@pytest.mark.parametrize("reason", ["Charged twice for November (ticket 2023)", "fraudulent"])
def test_refund_reasons_stripe_does_not_take_from_a_bot_go_to_metadata(api, reason):
    # "fraudulent" would also block-list the card and email in Radar: not the bot's call
    api.post(f"{API}/refunds", json=fixture("refund"))
    billing()[0].refund(CHARGE, 43200, IDEMPOTENCY_KEY, reason=reason)
    assert calls(api)[0][2] == {"charge": CHARGE, "amount": "43200", "metadata[reason]": reason}


@pytest.mark.parametrize("charge_id, amount, key", [
    (CHARGE, 43200, ""), (CHARGE, 43200, "   "), (CHARGE, 43200, "k" * 256),
    (CHARGE, 0, IDEMPOTENCY_KEY), (CHARGE, -500, IDEMPOTENCY_KEY), ("", 43200, IDEMPOTENCY_KEY)])
def test_no_refund_goes_out_without_a_key_a_charge_and_a_positive_amount(api, charge_id, amount, key):
    with pytest.raises(ValueError):
        billing()[0].refund(charge_id, amount, key)
    assert len(api.calls) == 0


def test_refund_is_retried_on_server_error_with_the_same_key(api):
    error(api, "POST", "refunds", 500, "error_500")
    api.post(f"{API}/refunds", json=fixture("refund"))
    client, sleeps = billing()

    assert client.refund(CHARGE, 43200, IDEMPOTENCY_KEY).id == "re_3SA0a2LkdIwHu7ix0Rfnd01"
    assert header(api, "Idempotency-Key") == [IDEMPOTENCY_KEY] * 2
    assert calls(api)[0] == calls(api)[1]  # the same request, so Stripe replays rather than repeats
    assert sleeps == [0.5]


def test_refund_is_retried_after_a_timeout_with_the_same_key(api):
    api.post(f"{API}/refunds", body=requests.exceptions.ReadTimeout("read timed out (read timeout=5)"))
    api.post(f"{API}/refunds", json=fixture("refund"))
    assert billing()[0].refund(CHARGE, 43200, IDEMPOTENCY_KEY).status == "succeeded"
    assert header(api, "Idempotency-Key") == [IDEMPOTENCY_KEY] * 2


def test_refund_gives_up_after_two_retries(api):
    error(api, "POST", "refunds", 502, "error_500", times=3)
    client, sleeps = billing()
    with pytest.raises(Unavailable):
        client.refund(CHARGE, 43200, IDEMPOTENCY_KEY)
    assert header(api, "Idempotency-Key") == [IDEMPOTENCY_KEY] * 3 and sleeps == [0.5, 1.0]


def test_refund_of_a_missing_charge_is_not_found_without_retry(api):
    error(api, "POST", "refunds", 400, "error_resource_missing")
    client, sleeps = billing()
    with pytest.raises(NotFound) as caught:
        client.refund("ch_3Missing0000000000000", 43200, IDEMPOTENCY_KEY)
    assert len(api.calls) == 1 and sleeps == []
    assert "resource_missing" in str(caught.value)


def test_a_key_reused_for_another_refund_is_refused_without_retry(api):
    error(api, "POST", "refunds", 400, "error_idempotency")
    client, sleeps = billing()
    with pytest.raises(ConnectorError) as caught:
        client.refund(CHARGE, 1000, IDEMPOTENCY_KEY)
    assert type(caught.value) is ConnectorError and not caught.value.retryable
    assert "idempotency_error" in str(caught.value)
    assert len(api.calls) == 1 and sleeps == []


def test_refund_with_a_bad_key_fails_at_once(api):
    error(api, "POST", "refunds", 401, "error_401")
    with pytest.raises(AuthFailed):
        billing()[0].refund(CHARGE, 43200, IDEMPOTENCY_KEY)
    assert len(api.calls) == 1


# -- fixtures and sandbox hold the same shapes as the SDK -------------------------------------------

RESOURCES = {"customers": stripe.Customer, "subscriptions": stripe.Subscription, "invoices": stripe.Invoice,
             "charges": stripe.Charge, "products": stripe.Product}


def _fields(cls) -> set[str]:
    return {k for k in cls.__annotations__ if not k.startswith("_") and not k[0].isupper()}


def test_fixtures_use_only_fields_of_the_api_version_the_sdk_pins():
    """The SDK is generated from Stripe's OpenAPI description of the version it pins: a field it does
    not know (such as `Charge.invoice`, gone since 2025-03-31.basil) has no place in a fixture."""
    for name, cls in RESOURCES.items():
        for obj in fixture(name)["data"]:
            assert set(obj) <= _fields(cls), (name, set(obj) - _fields(cls))
    item = fixture("subscriptions")["data"][0]["items"]["data"][0]
    assert set(item) <= _fields(stripe.SubscriptionItem) and set(item["price"]) <= _fields(stripe.Price)
    assert set(fixture("invoices")["data"][0]["payments"]["data"][0]) <= _fields(stripe.InvoicePayment)
    assert set(fixture("refund")) <= _fields(stripe.Refund)
    assert "invoice" not in fixture("charges")["data"][0]


def _same_shape(sandbox, recorded, where: str) -> None:
    assert set(sandbox) == set(recorded), (where, set(sandbox) ^ set(recorded))
    for key, value in recorded.items():
        if key == "metadata":  # the account's own keys, not Stripe's
            continue
        if isinstance(value, dict) and isinstance(sandbox[key], dict):
            _same_shape(sandbox[key], value, f"{where}.{key}")
        elif isinstance(value, list) and value and isinstance(value[0], dict) and sandbox[key]:
            _same_shape(sandbox[key][0], value[0], f"{where}.{key}[0]")


@pytest.fixture(scope="module")
def brightline() -> dict:
    return sample_data(json.loads(ACCOUNT.read_text()))


def test_sandbox_objects_have_the_fixtures_shapes(brightline):
    for name in RESOURCES:
        _same_shape(brightline[name][0], fixture(name)["data"][0], name)
    _same_shape(brightline["refunds"][0], fixture("refund"), "refund")


def test_sample_data_is_deterministic_and_leaves_a_few_users_out(brightline):
    account = json.loads(ACCOUNT.read_text())
    assert sample_data(account) == brightline
    end_users = [u for u in account["users"] if u["role"] == "end-user"]
    assert 0.8 * len(end_users) < len(brightline["customers"]) < len(end_users)


# -- against the sandbox, over HTTP ----------------------------------------------------------------

class Server(Served):
    """The sandbox app on a real local port, in a thread."""

    def __init__(self, data: dict):
        super().__init__(create_app(data))


def test_sandbox_account_for_a_known_user(brightline):
    with Server(brightline) as server:
        client, _ = billing(server.base_url, API_KEY)
        hannah = client.account("hannah@kestrelfoods.example")  # Kestrel Foods, Growth, $32,400 a year
        tomas = client.account("tomas@crescentfinancial.example")  # Enterprise: a custom, unnamed price
        nobody = client.account("gabriel@orchardvine.example")  # one of the users Stripe never saw

    assert hannah.name == "Hannah Fischer" and hannah.link.endswith(hannah.customer_id)
    (plan,) = hannah.subscriptions
    assert (plan.plan, plan.status, plan.interval, plan.seats, plan.amount, plan.currency) == (
        "Growth (annual)", "active", "year", 75, 3240000, "usd")
    assert plan.current_period_end > "2026-11-15"
    assert [i.status for i in hannah.invoices] == ["paid"] * 3
    assert [i.created for i in hannah.invoices] == sorted((i.created for i in hannah.invoices), reverse=True)
    assert [c.invoice_id for c in hannah.charges] == [i.id for i in hannah.invoices]
    assert tomas.subscriptions[0].plan == "Enterprise"
    assert [(c.amount, c.amount_refunded, c.invoice_id != "") for c in tomas.charges[:2]] == [
        (2000000, 2000000, False), (2000000, 0, True)]  # the duplicate, refunded; the renewal
    (refund,) = tomas.charges[0].refunds
    assert (refund.amount, refund.status, refund.created) == (2000000, "succeeded", "2026-11-14T16:20:00Z")
    assert [line.proration for i in hannah.invoices for line in i.lines] == [False] * 3
    assert {i.subscription_id for i in hannah.invoices} == {plan.id} and plan.canceled_at == ""
    assert nobody is None


def test_sandbox_refund_is_made_once_per_key(brightline):
    with Server(brightline) as server:
        client, _ = billing(server.base_url, API_KEY)
        duplicate = client.account("mvarga@pioneerfreight.example").charges[0]  # charged twice, Nov 1
        first = client.refund(duplicate.id, duplicate.amount, "refund:2023:dup", "duplicate")
        again = client.refund(duplicate.id, duplicate.amount, "refund:2023:dup", "duplicate")
        with pytest.raises(ConnectorError, match="idempotency_error"):
            client.refund(duplicate.id, 100, "refund:2023:dup", "duplicate")
        with pytest.raises(ConnectorError, match="charge_already_refunded"):
            client.refund(duplicate.id, 100, "refund:2023:other", "duplicate")
        after = client.account("mvarga@pioneerfreight.example").charges[0]
        with pytest.raises(AuthFailed):
            billing(server.base_url, "sk_test_wrong")[0].account("mvarga@pioneerfreight.example")
        writes = server.app.config["writes"]

    assert duplicate.amount == 103500 and duplicate.invoice_id == ""
    assert first == again and first.amount == 103500 and first.status == "succeeded"
    assert (after.amount_refunded, after.id) == (103500, duplicate.id)
    assert duplicate.refunds == () and after.refunds == (first,)  # the charge lists the refund it now has
    assert [(w["idempotency_key"], w["replayed"]) for w in writes] == [("refund:2023:dup", False),
                                                                     ("refund:2023:dup", True)]
    assert writes[0]["body"] == {"charge": duplicate.id, "amount": "103500", "reason": "duplicate"}


def test_sandbox_refuses_expansions_it_does_not_serve(brightline):
    with Server(brightline) as server:
        reply = requests.get(f"{server.base_url}/v1/subscriptions",
                             params={"expand[0]": "data.items.data.price.product"},
                             headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5)
    assert reply.status_code == 400 and reply.json()["error"]["param"] == "expand"


def test_a_product_name_and_the_customer_are_read_once_and_reused_for_the_next_lookup(api, monkeypatch):
    add_account(api)
    client, _ = billing()
    first = client.account(EMAIL)
    for path in ("subscriptions", "invoices", "charges"):  # the next lookup: one round trip of three reads
        api.get(f"{API}/{path}", json=fixture(path))
    assert client.account(EMAIL) == first
    paths = [path for _, path, _ in calls(api)]
    assert paths.count("/v1/products") == 1 and paths.count("/v1/customers") == 1 and len(paths) == 8
    # once CUSTOMER_TTL_S has passed, the customer is looked up again (a newer one may have the email)
    import connectors.stripe_billing as stripe_billing
    monkeypatch.setattr(stripe_billing, "CUSTOMER_TTL_S", 0.0)
    add_account(api, products=False)
    assert client.account(EMAIL) == first
    assert [path for _, path, _ in calls(api)].count("/v1/customers") == 2


def test_an_email_with_no_customer_is_asked_again_next_time(api):
    api.get(f"{API}/customers", json=fixture("customers_empty"))
    client, _ = billing()
    assert client.account(EMAIL) is None and client.account(EMAIL) is None
    assert [path for _, path, _ in calls(api)] == ["/v1/customers", "/v1/customers"]


# -- a change of billing interval --------------------------------------------------------------------

SUB = "sub_1Q5fZnLkdIwHu7ixT0a2Bv8C"
ITEM = "si_QxR8aFh3KpL2mN"
MONTHLY = "price_1OyPp8LkdIwHu7ixGrMnthly"  # the fixtures' other Growth price, monthly
STARTS = "2026-12-01T00:00:00Z"


def test_the_interval_price_is_the_products_price_billed_every_one_interval(api):
    prices = [item["price"] for s in fixture("subscriptions")["data"] for item in s["items"]["data"]]
    quarterly = {**prices[1], "id": "price_quarterly", "created": prices[1]["created"] + 1,
                 "recurring": {**prices[1]["recurring"], "interval_count": 3}}
    api.get(f"{API}/prices", json={"object": "list", "data": [quarterly, *prices], "has_more": False,
                                   "url": "/v1/prices"})
    price = billing()[0].interval_price("prod_QxR6GrowthXyZ1", "month", "usd")
    assert (price.id, price.product_id, price.interval, price.unit_amount) == (
        MONTHLY, "prod_QxR6GrowthXyZ1", "month", prices[1]["unit_amount"])  # not the one every 3 months
    [(method, path, params)] = calls(api)
    assert (method, path) == ("GET", "/v1/prices") and params["product"] == "prod_QxR6GrowthXyZ1"
    assert params["recurring[interval]"] == "month" and params["active"] == "true"


def test_the_preview_asks_stripe_for_the_change_without_proration_billed_from_the_date(api):
    api.post(f"{API}/invoices/create_preview", json=fixture("invoices")["data"][0])
    preview = billing()[0].preview_price_change(CUSTOMER, SUB, ITEM, MONTHLY, STARTS)
    assert preview.amount_due == fixture("invoices")["data"][0]["amount_due"]
    assert calls(api) == [("POST", "/v1/invoices/create_preview", {
        "customer": CUSTOMER, "subscription": SUB, "subscription_details[items][0][id]": ITEM,
        "subscription_details[items][0][price]": MONTHLY, "subscription_details[proration_behavior]": "none",
        "subscription_details[trial_end]": "1796083200"})]


def test_a_price_change_posts_once_with_its_key_and_is_retried_with_the_same_key(api):
    error(api, "POST", f"subscriptions/{SUB}", 500, "error_500")
    api.post(f"{API}/subscriptions/{SUB}", json=fixture("subscriptions")["data"][0])
    client, sleeps = billing()
    sub = client.change_price(SUB, ITEM, MONTHLY, STARTS, "deskhand-k-subscription")
    assert sub.id == SUB and len(sleeps) == 1
    assert calls(api)[-1] == ("POST", f"/v1/subscriptions/{SUB}", {
        "items[0][id]": ITEM, "items[0][price]": MONTHLY, "proration_behavior": "none", "trial_end": "1796083200"})
    assert header(api, "Idempotency-Key") == ["deskhand-k-subscription"] * 2


@pytest.mark.parametrize("args", [(SUB, ITEM, MONTHLY, STARTS, ""), (SUB, "", MONTHLY, STARTS, "k"),
                                  (SUB, ITEM, " ", STARTS, "k")])
def test_no_price_change_goes_out_without_a_key_an_item_and_a_price(api, args):
    with pytest.raises(ValueError):
        billing()[0].change_price(*args)
    assert calls(api) == []


def test_sandbox_changes_a_price_once_per_key_and_previews_it(brightline):
    with Server(brightline) as server:
        client, _ = billing(server.base_url, API_KEY)
        liam = client.account("liams@bluefinretail.example")  # Growth, 12 seats, yearly
        [sub] = liam.subscriptions
        monthly = client.interval_price(sub.product_id, "month", "usd")
        preview = client.preview_price_change(liam.customer_id, sub.id, sub.item_id, monthly.id, "2030-01-10T00:00:00Z")
        first = client.change_price(sub.id, sub.item_id, monthly.id, "2030-01-10T00:00:00Z", "plan:1")
        again = client.change_price(sub.id, sub.item_id, monthly.id, "2030-01-10T00:00:00Z", "plan:1")
        with pytest.raises(ConnectorError, match="idempotency_error"):
            client.change_price(sub.id, sub.item_id, sub.price_id, "2030-01-10T00:00:00Z", "plan:1")
        with pytest.raises(ConnectorError, match="in the future"):  # a date already past is refused
            client.change_price(sub.id, sub.item_id, monthly.id, "2020-01-10T00:00:00Z", "plan:2")
        after = client.account("liams@bluefinretail.example").subscriptions[0]
        writes = server.app.config["writes"]

    assert (monthly.label, monthly.unit_amount, sub.interval) == ("Growth (monthly)", 4500, "year")
    assert (preview.amount_due, preview.created, preview.lines[0].period_end) == (
        12 * 4500, "2030-01-10T00:00:00Z", "2030-02-10T00:00:00Z")  # the first monthly bill, not now
    assert first == again and (after.interval, after.status, after.current_period_end) == (
        "month", "trialing", "2030-01-10T00:00:00Z")
    assert [(w["path"], w["idempotency_key"], w["replayed"]) for w in writes] == [
        (f"/v1/subscriptions/{sub.id}", "plan:1", False), (f"/v1/subscriptions/{sub.id}", "plan:1", True)]


def test_sandbox_emails_an_invoice_again_once_per_key(brightline):
    with Server(brightline) as server:
        client, _ = billing(server.base_url, API_KEY)
        [latest, *_] = client.account("hugo@pioneerfreight.example").invoices
        first = client.send_invoice(latest.id, "resend:1")
        again = client.send_invoice(latest.id, "resend:1")
        with pytest.raises(ConnectorError, match="resource_missing"):
            client.send_invoice("in_nothere", "resend:2")
        with pytest.raises(ValueError):
            client.send_invoice(latest.id, "")
        writes = server.app.config["writes"]
    assert first == again and first.id == latest.id and first.status == "paid"
    assert [(w["path"], w["replayed"]) for w in writes] == [(f"/v1/invoices/{latest.id}/send", False),
                                                          (f"/v1/invoices/{latest.id}/send", True)]
