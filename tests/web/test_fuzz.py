"""Every HTTP endpoint under random input (DESIGN §7 promise 8): whatever arrives — random bytes,
JSON nested past any bound, 30-digit and Unicode-digit ids, lone surrogates, strange form fields
and headers — the answer is a 4xx (or a 2xx/3xx for good input) with a message, never a 5xx or a
traceback, and a request that is not authenticated never gets a 2xx from a protected route.

In-process (Flask's test client) against one app per module: both webhooks, the Zendesk app API,
the Intercom Canvas and /admin, unauthenticated and — signed like Zendesk and Intercom sign, with
tokens minted like Zendesk's proxy mints them, with an /admin session — authenticated. The
helpdesk is a stand-in (roles by user id), so nothing leaves the process.
DESKHAND_FUZZ_EXAMPLES raises the number of examples per test for a longer soak.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import os
import re
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.build import prepare_database
from app.core.config import Settings
from app.store import audit
from app.store.db import connect
from app.web.factory import create_app
from connectors.errors import NotFound
from tests.conftest import SECRET as ZENDESK_SECRET
from tests.conftest import zendesk_headers

from .conftest import ADMIN, ADMIN_TOKEN, AGENT, APP_SECRET, END_USER, SUBDOMAIN, mint

INTERCOM_SECRET = "fuzz-intercom-client-secret"
TICKET = "2002"  # has a decision (and an executed action) on both platforms
EXAMPLES = int(os.environ.get("DESKHAND_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- the app under test ---------------------------------------------------------------------------

class Helpdesk:
    """Roles by user id, links by ticket id, a bot that is signed in: all app_auth and /admin need."""
    ROLES = {str(ADMIN): "admin", str(AGENT): "agent", str(END_USER): "end-user"}

    class client:  # noqa: N801 - shaped like the Zendesk connector's zenpy client
        class users:  # noqa: N801
            @staticmethod
            def me():
                return type("Me", (), {"email": "bot@example.com", "name": "Deskhand"})()

    def user_role(self, user_id: str) -> str:
        int(user_id)  # as the Zendesk connector does, to ask Zendesk for the user
        if user_id not in self.ROLES:
            raise NotFound(f"no user {user_id}")
        return self.ROLES[user_id]

    def ticket_link(self, ticket_id: str) -> str:
        return f"https://{SUBDOMAIN}.zendesk.com/agent/tickets/{ticket_id}"


class Errors(logging.Handler):
    """The app logs every unexpected exception before answering 500: keep them for the report."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record):
        self.seen.append(self.format(record))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz") / "data"
    config = Settings(data_dir=str(data), zendesk_webhook_secrets=ZENDESK_SECRET,
                      intercom_client_secret=INTERCOM_SECRET, zendesk_subdomain=SUBDOMAIN,
                      zendesk_app_secret=APP_SECRET, admin_token=ADMIN_TOKEN)
    prepare_database(config)
    db = connect(config.db_path)
    for platform in ("zendesk", "intercom"):
        audit.record(db, "triage", platform=platform, ticket_id=TICKET, job_id=1, category="billing",
                     confidence=0.9, flags=[])
        audit.record(db, "decide", platform=platform, ticket_id=TICKET, job_id=1, category="billing",
                     confidence=0.9, action="escalate", reasons=["fuzz seed"], mode="draft")
        db["pending_actions"].insert({"platform": platform, "ticket_id": TICKET, "reply_key": f"{platform}:seed",
                                      "action": "slack_alert", "params": "{}", "summary": "seeded",
                                      "status": "executed", "created_at": time.time(), "decided_at": time.time(),
                                      "decided_by": "seed", "result": "done", "level": "auto"})
    db.conn.close()
    flask_app = create_app(config)
    flask_app.extensions["deskhand.helpdesk"] = Helpdesk()
    errors = Errors()
    flask_app.logger.addHandler(errors)
    flask_app.extensions["fuzz.errors"] = errors
    yield flask_app
    flask_app.logger.removeHandler(errors)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def admin_client(app):
    """A browser signed in to /admin; its CSRF token is kept on it."""
    browser = app.test_client()
    login = browser.get("/admin/login")
    csrf = csrf_of(login.get_data(as_text=True))
    got = browser.post("/admin/login", data={"csrf": csrf, "token": ADMIN_TOKEN})
    assert got.status_code == 302, got.get_data(as_text=True)
    browser.csrf = csrf_of(browser.get("/admin/").get_data(as_text=True))
    return browser


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def check(app, response, *, protected: bool = False, authenticated: bool = False, method: str = "GET"):
    """What every answer must be: under 500, no 2xx for a stranger on a protected route, a message."""
    errors = app.extensions["fuzz.errors"].seen
    body = response.get_data()
    assert response.status_code < 500, (response.status_code, body[:300], errors[-1:])
    assert b"Traceback" not in body and b'File "' not in body
    if protected and not authenticated and method != "OPTIONS":  # a preflight carries no token by design
        assert not 200 <= response.status_code < 300, (response.status_code, body[:300])
    if method in ("HEAD", "OPTIONS") or response.status_code in (204, 304):
        return
    if response.status_code >= 400:
        if response.mimetype == "application/json":
            payload = response.get_json()
            assert isinstance(payload, dict) and isinstance(payload.get("error"), str) and payload["error"]
        else:
            assert response.mimetype in ("text/plain", "text/html") and body.strip(), response.mimetype
    else:
        assert response.mimetype in ("application/json", "text/plain", "text/html"), response.mimetype


# -- strategies ---------------------------------------------------------------------------------------

WEIRD_IDS = ["", "²", "³", "٣", "١٢", "１２３", "𝟕", "⑦", "0", "00", "-1", "+1", " 1", "1 ", "1.0", "1e3",
             "0x1f", "1_000", "1" * 21, "9" * 30, "9" * 400, "18446744073709551616", "9223372036854775808",
             "4611686018427387905", TICKET, "1", "null", "true", "%00", "é", "../1", "２００２"]
SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
TEXT = st.one_of(st.text(max_size=24), st.sampled_from(WEIRD_IDS), SURROGATES,
                 st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), SURROGATES, st.text(max_size=5)))
NUMBERS = st.one_of(st.integers(min_value=-10**40, max_value=10**40), st.integers(0, 10),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.5, 1.5, -0.0, 1e308]))
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(TEXT, inner, max_size=4)), max_leaves=16)
IDS = st.one_of(st.sampled_from(WEIRD_IDS), st.integers(0, 10**40).map(str),
                st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),
                st.text(st.characters(exclude_categories=["Cs"]), max_size=12))

SPECIAL_BODIES = [
    b"", b"null", b"[]", b"{}", b'"x"', b"1", b"NaN", b'{"a": Infinity}', b'{"a": -Infinity}', b"1e999999",
    b'{"a": ' + b"9" * 5000 + b"}", b'"\\ud800"', b'{"\\udc00": 1}', b'{"a": "\\ud83d"}', b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00", b"\xc3\x28", b"\xed\xa0\x80", b'{"a": "\xed\xa0\x80"}', b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000, b"[" * 200000, b'"' + b"\\" * 1001, b"{" + b'"a":1,' * 2000 + b'"a":1}',
    json.dumps("x" * 100000).encode(),
]


def dump(value, ascii_only: bool) -> bytes:
    """JSON as a sender might write it: escapes for surrogates, or (not ASCII) their raw, invalid UTF-8."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _slots(doc):
    """(container, key) of every value in a document, for replacing one of them."""
    stack, out = [doc], []
    while stack:
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in pairs:
            out.append((node, key))
            stack.append(value)
    return out


@st.composite
def mutated(draw, template: dict):
    """A good payload with a few values replaced by random JSON (or deleted): reaches the parsers
    behind the first checks, where the interesting mistakes are."""
    doc = copy.deepcopy(template)
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(doc)
        if not slots:
            break
        node, key = draw(st.sampled_from(slots))
        if isinstance(node, dict) and draw(st.booleans()) and draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(JSON)
    return doc


@st.composite
def deep_in(draw, template: dict) -> bytes:
    """A good payload with one value replaced by an array or object nested far too deep."""
    n = draw(st.integers(20, 4000))
    deep = draw(st.sampled_from([b"[" * n + b"]" * n, b'{"a":' * n + b"0" + b"}" * n, b"[{" * n]))
    doc = copy.deepcopy(template)
    node, key = draw(st.sampled_from(_slots(doc)))
    node[key] = "@@DEEP@@"
    return dump(doc, True).replace(b'"@@DEEP@@"', deep, 1)


def bodies(*templates: dict):
    docs = st.one_of(*(mutated(t) for t in templates)) if templates else JSON
    return st.one_of(
        st.binary(max_size=600),
        st.sampled_from(SPECIAL_BODIES),
        st.builds(dump, JSON, st.booleans()),
        st.builds(dump, docs, st.booleans()),
        *(deep_in(t) for t in templates),
    )


HEADER_NAMES = ["Content-Type", "Authorization", "X-Hub-Signature", "X-Body-Signature", "X-Zendesk-Webhook-Signature",
                "X-Zendesk-Webhook-Signature-Timestamp", "X-Zendesk-Webhook-Invocation-Id", "X-Forwarded-Proto",
                "Cookie", "Accept", "Origin", "X-Custom"]
# header values arrive as Latin-1 text (WSGI); no line breaks or NUL (no client can send them)
HEADER_TEXT = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60),
    st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x",
                     "application/x-www-form-urlencoded", "Bearer", "Bearer x.y.z", "sha1=" + "0" * 40, "0" * 64,
                     "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-01-01T00:00:00",
                     "deskhand_admin=garbage", "deskhand_admin=eyJjc3JmIjoieCJ9.Zz.Zz", "https"]))
HEADERS = st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_TEXT, max_size=5)
FORM_NAMES = st.one_of(st.sampled_from(["csrf", "token", "mode", "send_at", "draft_at", "n", "escalate_to"]),
                       st.text(max_size=8))
FORM_VALUES = st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=30), st.sampled_from(WEIRD_IDS),
                        st.sampled_from(["auto", "draft", "shadow", "off", "0.5", "nan", "inf", "1e999", "٠.٥",
                                         "0.9", "-0", "1_0"]))
FORMS = st.dictionaries(FORM_NAMES, FORM_VALUES, max_size=6)
CATEGORIES = st.one_of(st.sampled_from(["billing", "default", "Bad Name", "billing\n", "a" * 65, "login_2fa"]),
                       st.text(st.characters(exclude_categories=["Cs"]), max_size=10))
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])


def path_id(value: str) -> str:
    return quote(value, safe="")


# -- payload templates (what the platforms really send) ------------------------------------------------

ZENDESK_EVENT = {"type": "zen:event-type:ticket.comment_added", "id": "ev-fuzz", "account_id": 1,
                 "subject": f"zen:ticket:{TICKET}", "time": "2026-11-21T10:00:00Z",
                 "detail": {"id": TICKET, "status": "OPEN", "requester_id": "7"},
                 "event": {"comment": {"id": "55", "author": {"id": "7", "is_staff": False}}}}
ZENDESK_TRIGGER = {"deskhand_trigger": 1, "ticket_id": TICKET, "updated_at": "1700000000", "requester_id": "7"}
INTERCOM_NOTIFICATION = {
    "type": "notification_event", "id": "notif_fuzz", "topic": "conversation.user.replied",
    "data": {"item": {"type": "conversation", "id": "215",
                      "source": {"id": "1", "author": {"type": "user", "id": "6650a1"}},
                      "contacts": {"contacts": [{"type": "contact", "id": "6650a1"}]},
                      "conversation_parts": {"conversation_parts": [
                          {"id": "77", "part_type": "comment", "author": {"type": "user", "id": "6650a1"}}]}}}}
CANVAS = {"workspace_id": "ws", "admin": {"type": "admin", "id": "42"}, "conversation": {"id": TICKET},
          "component_id": "approve_1", "input_values": {"comment": "fine"},
          "context": {"location": "conversation_details_panel"}}
FEEDBACK = {"ticket_id": TICKET, "rating": "good", "comment": "thanks"}
PREVIEW = {"category": "billing", "mode": "auto", "send_at": 0.9, "draft_at": 0.5, "n": 5}
POLICY = {"mode": "draft", "send_at": 0.9, "draft_at": 0.5, "escalate_to": "tier2"}


def intercom_signed(body: bytes) -> dict:
    return {"X-Hub-Signature": "sha1=" + hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest(),
            "Content-Type": "application/json"}


def canvas_signed(body: bytes) -> dict:
    return {"X-Body-Signature": hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def bearer(sub=ADMIN) -> dict:
    return {"Authorization": f"Bearer {mint(sub)}", "Content-Type": "application/json"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_jwt(claims: dict, algorithm: str = "HS256", secret: str = APP_SECRET) -> str:
    """A JWT signed with the app's secret whatever its claims hold (PyJWT's encoder checks some)."""
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[algorithm]
    signing = f"{b64url(json.dumps({'alg': algorithm, 'typ': 'JWT'}).encode())}.{b64url(dump(claims, True))}"
    return f"{signing}.{b64url(hmac.new(secret.encode(), signing.encode(), digest).digest())}"


# -- the causes of the 500s the tester found, one by one --------------------------------------------

def test_the_reported_cases_are_4xx_with_a_message(app, client, admin_client):
    cases = [
        # non-ASCII CSRF field, no login needed
        (client.post("/admin/login", data={"csrf": "é", "token": "x"}), 403),
        (admin_client.post("/admin/policy/billing", data={"csrf": "ß" + admin_client.csrf, "mode": "auto"}), 403),
        # a JWT sub of "²"
        (client.get(f"/api/zendesk/tickets/{TICKET}", headers=bearer("²")), 401),
        (client.get(f"/api/zendesk/tickets/{TICKET}", headers={"Authorization": "Bearer " + raw_jwt(
            {"sub": ADMIN, "iss": SUBDOMAIN, "iat": str(int(time.time())), "exp": int(time.time()) + 60})}), 401),
        (client.get(f"/api/zendesk/tickets/{TICKET}", headers={"Authorization": "Bearer " + raw_jwt(
            {"sub": ADMIN, "iss": [SUBDOMAIN], "iat": int(time.time()), "exp": int(time.time()) + 60})}), 401),
        # Unicode digits and 30-digit numbers as ids, limit and n
        (client.get(f"/api/zendesk/tickets/{path_id('²')}", headers=bearer()), 400),
        (client.post(f"/api/zendesk/actions/{'9' * 30}/approve", headers=bearer()), 400),
        (client.post(f"/api/zendesk/actions/{path_id('٣')}/approve", headers=bearer()), 400),
        (client.get("/api/zendesk/admin/decisions?limit=%C2%B2", headers=bearer()), 400),
        (client.post("/api/zendesk/admin/policy/preview", headers=bearer(), data=json.dumps(
            {"category": "billing", "n": "²"})), 400),
        (client.post("/api/zendesk/admin/policy/preview", headers=bearer(), data=json.dumps(
            {"category": "billing", "n": 10**30})), 400),
        (admin_client.get("/admin/decisions?limit=%C2%B2"), 400),
        (admin_client.post("/admin/policy/billing/preview", data={"csrf": admin_client.csrf, "mode": "auto",
                                                                  "n": "²"}), 400),
        # deeply nested JSON
        (client.put("/api/zendesk/admin/policy/billing", headers=bearer(), data=b"[" * 50000 + b"]" * 50000), 400),
        (client.post("/api/zendesk/feedback", headers=bearer(), data=b'{"a":' * 50000 + b"1" + b"}" * 50000), 400),
    ]
    deep = b"[" * 100000 + b"]" * 100000
    cases.append((client.post("/intercom/canvas/initialize", data=deep, headers=canvas_signed(deep)), 400))
    for component in ("approve_²", f"approve_{'1' * 30}", "approve_", "approve_-1"):
        body = json.dumps({**CANVAS, "component_id": component}).encode()
        cases.append((client.post("/intercom/canvas/submit", data=body, headers=canvas_signed(body)), 400))
    # a lone surrogate escaped in a signed webhook is repaired (U+FFFD) and the delivery kept, since a
    # refused one would be retried forever; bytes that are not UTF-8 at all are a 400
    for raw, status in ((b'{"type": "notification_event", "id": "n\\ud800", "topic": "conversation.user.created"}', 400),
                        (dump({**INTERCOM_NOTIFICATION, "id": "notif_\ud800"}, True), 200), (b"\xff\xfe\xfd", 400)):
        cases.append((client.post("/webhooks/intercom", data=raw, headers=intercom_signed(raw)), status))
    for raw, status in ((dump({**ZENDESK_EVENT, "id": "ev-\udfff"}, True), 202),
                        (dump({**ZENDESK_EVENT, "id": "ev-\udfff"}, False), 400)):
        cases.append((client.post("/webhooks/zendesk", data=raw, headers=zendesk_headers(raw)), status))
    # author as a string in an Intercom notification
    item = copy.deepcopy(INTERCOM_NOTIFICATION)
    item["data"]["item"]["conversation_parts"]["conversation_parts"][0]["author"] = "someone"
    item["id"] = "notif_author_string"
    raw = dump(item, True)
    cases.append((client.post("/webhooks/intercom", data=raw, headers=intercom_signed(raw)), 200))
    for response, status in cases:
        check(app, response, authenticated=True)
        assert response.status_code == status, (status, response.status_code, response.get_data()[:300])
        if response.status_code >= 400 and response.mimetype == "application/json":
            assert response.get_json()["error"]


def test_good_requests_still_work(app, client, admin_client):
    """The same routes with good input: the fuzzing below must not be passing by refusing everything."""
    assert client.get(f"/api/zendesk/tickets/{TICKET}", headers=bearer()).status_code == 200
    assert client.get("/api/zendesk/admin/decisions?limit=5", headers=bearer()).status_code == 200
    assert client.post("/api/zendesk/feedback", headers=bearer(), data=json.dumps(FEEDBACK)).status_code == 201
    got = client.post("/api/zendesk/admin/policy/preview", headers=bearer(), data=json.dumps(PREVIEW))
    assert got.status_code == 200, got.get_data()[:300]
    assert client.post("/api/zendesk/actions/1/approve", headers=bearer()).status_code == 409  # seeded as executed
    body = dump(CANVAS, True)
    assert client.post("/intercom/canvas/submit", data=body, headers=canvas_signed(body)).status_code == 200
    body = dump({**INTERCOM_NOTIFICATION, "id": "notif_good"}, True)
    assert client.post("/webhooks/intercom", data=body, headers=intercom_signed(body)).status_code == 200
    body = dump({**ZENDESK_EVENT, "id": "ev-good"}, True)
    assert client.post("/webhooks/zendesk", data=body, headers=zendesk_headers(body)).status_code == 202
    assert admin_client.get("/admin/decisions?limit=5").status_code == 200
    got = admin_client.post("/admin/policy/billing/preview", data={"csrf": admin_client.csrf, "mode": "auto", "n": "5"})
    assert got.status_code == 200, got.get_data(as_text=True)[:300]


# -- webhooks ---------------------------------------------------------------------------------------

@FUZZ
@given(body=bodies(ZENDESK_EVENT, ZENDESK_TRIGGER), headers=HEADERS)
@example(body=b'{"deskhand_trigger": 1, "ticket_id": "\\u00b2"}', headers={})
def test_zendesk_webhook_unsigned(app, client, body, headers):
    check(app, client.post("/webhooks/zendesk", data=body, headers=headers), protected=True)


@FUZZ
@given(body=bodies(ZENDESK_EVENT, ZENDESK_TRIGGER), invocation=st.none() | HEADER_TEXT)
@example(body=b'{"deskhand_trigger": 1, "ticket_id": "\\u00b2"}', invocation=None)
@example(body=dump({**ZENDESK_TRIGGER, "requester_id": "\ud800"}, True), invocation=None)
def test_zendesk_webhook_signed(app, client, body, invocation):
    headers = zendesk_headers(body)
    if invocation is not None:
        headers["X-Zendesk-Webhook-Invocation-Id"] = invocation
    response = client.post("/webhooks/zendesk", data=body, headers=headers)
    check(app, response, authenticated=True)
    assert response.status_code in (202, 400), response.get_data()[:300]


@FUZZ
@given(body=bodies(INTERCOM_NOTIFICATION), headers=HEADERS)
def test_intercom_webhook_unsigned(app, client, body, headers):
    check(app, client.post("/webhooks/intercom", data=body, headers=headers), protected=True)


@FUZZ
@given(body=bodies(INTERCOM_NOTIFICATION))
@example(body=b'{"type":"notification_event","id":"n1","topic":"conversation.user.replied","data":{"item":{"id":"1",'
              b'"contacts":{"contacts":{"0":1}},"conversation_parts":{"conversation_parts":[{"part_type":"comment",'
              b'"author":"x"}]}}}}')
def test_intercom_webhook_signed(app, client, body):
    response = client.post("/webhooks/intercom", data=body, headers=intercom_signed(body))
    check(app, response, authenticated=True)
    assert response.status_code in (200, 400), response.get_data()[:300]


# -- the Zendesk app API ------------------------------------------------------------------------------

def zendesk_app_requests(ids=IDS):
    """(method, path, query, body) over every route of the Zendesk app API."""
    return st.one_of(
        st.tuples(st.just("GET"), ids.map(lambda i: f"/api/zendesk/tickets/{path_id(i)}"), st.none(), st.none()),
        st.tuples(st.just("POST"), ids.map(lambda i: f"/api/zendesk/actions/{path_id(i)}/approve"), st.none(),
                  st.none() | bodies()),
        st.tuples(st.just("POST"), st.just("/api/zendesk/feedback"), st.none(), bodies(FEEDBACK)),
        st.tuples(st.just("GET"), st.just("/api/zendesk/admin/policy"), st.none(), st.none()),
        st.tuples(st.just("POST"), st.just("/api/zendesk/admin/policy/preview"), st.none(), bodies(PREVIEW)),
        st.tuples(st.just("PUT"), CATEGORIES.map(lambda c: f"/api/zendesk/admin/policy/{path_id(c)}"), st.none(),
                  bodies(POLICY)),
        st.tuples(st.just("GET"), st.just("/api/zendesk/admin/status"), st.none(), st.none()),
        st.tuples(st.just("GET"), st.just("/api/zendesk/admin/decisions"), st.none() | ids, st.none()),
    )


def claims():
    """Signed with the app's real secret, so the claims themselves are what is being tried."""
    anything = st.one_of(JSON, st.sampled_from(WEIRD_IDS))
    now = int(time.time())
    times = st.one_of(st.just(now), st.integers(-10**30, 10**30), st.just(str(now)), st.floats(), anything)
    return st.fixed_dictionaries({}, optional={
        "sub": st.one_of(st.sampled_from([ADMIN, str(ADMIN), AGENT, END_USER, 0, -1, 10**30]), IDS, anything),
        "iss": st.one_of(st.just(SUBDOMAIN), st.just([SUBDOMAIN]), anything),
        "iat": times, "exp": st.one_of(st.just(now + 300), times), "nbf": times, "aud": anything})


@FUZZ
@given(request=zendesk_app_requests(), headers=HEADERS, method=st.none() | METHODS)
def test_zendesk_app_unauthenticated(app, client, request, headers, method):
    verb, path, query, body = request
    verb = method or verb
    response = client.open(path, method=verb, query_string=None if query is None else {"limit": query},
                            data=body, headers=headers)
    check(app, response, protected=True, method=verb)
    if verb != "OPTIONS":
        # 308: a "%2F" in an id made "//", which the router merges before any check
        assert response.status_code in (401, 403, 404, 405, 413, 308), response.get_data()[:300]


@FUZZ
@given(request=zendesk_app_requests(), user=st.sampled_from([ADMIN, AGENT, END_USER]),
       content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", None]))
@example(request=("GET", "/api/zendesk/tickets/%C2%B2", None, None), user=ADMIN, content_type=None)
@example(request=("GET", "/api/zendesk/admin/decisions", "9" * 30, None), user=ADMIN, content_type=None)
@example(request=("POST", "/api/zendesk/admin/policy/preview", None, b'{"category": "billing", "n": "\\u0663"}'),
         user=ADMIN, content_type="application/json")
def test_zendesk_app_authenticated(app, client, request, user, content_type):
    verb, path, query, body = request
    headers = {"Authorization": f"Bearer {mint(user)}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.open(path, method=verb, query_string=None if query is None else {"limit": query},
                           data=body, headers=headers)
    check(app, response, authenticated=True, method=verb)
    if user == END_USER or (user == AGENT and "/admin/" in path):
        assert response.status_code in (403, 404, 405, 308)  # refused, or no such route to begin with


@FUZZ
@given(token_claims=claims(), algorithm=st.sampled_from(["HS256", "HS512"]))
@example(token_claims={"sub": "²", "iss": SUBDOMAIN, "iat": int(time.time()), "exp": int(time.time()) + 60},
         algorithm="HS256")
@example(token_claims={"sub": "1", "iss": [SUBDOMAIN], "iat": int(time.time()), "exp": int(time.time()) + 60},
         algorithm="HS256")
def test_zendesk_app_token_claims(app, client, token_claims, algorithm):
    token = raw_jwt(token_claims, algorithm)
    response = client.get(f"/api/zendesk/tickets/{TICKET}", headers={"Authorization": f"Bearer {token}"})
    check(app, response)
    good = (algorithm == "HS256" and token_claims.get("iss") == SUBDOMAIN
            and str(token_claims.get("sub")) in Helpdesk.ROLES and isinstance(token_claims.get("sub"), (int, str))
            and not isinstance(token_claims.get("sub"), bool))
    if not good:
        assert response.status_code in (401, 403), (token_claims, response.get_data()[:300])


@FUZZ
@given(header=st.one_of(HEADER_TEXT, st.builds(lambda t: f"Bearer {t}", HEADER_TEXT),
                        st.builds(lambda h: "Bearer " + b64url(h) + ".eyJzdWIiOiIxIn0.c2ln", st.sampled_from([
                            b'{"alg":"none"}', b'{"alg":"HS256","x":' + b"[" * 5000 + b"]" * 5000 + b"}",
                            b"[]", b"null", b'{"alg":[1]}', b'{"alg":"HS256","kid":"\\ud800"}', b"\xff"]))))
def test_zendesk_app_authorization_header(app, client, header):
    response = client.get(f"/api/zendesk/tickets/{TICKET}", headers={"Authorization": header})
    check(app, response, protected=True)
    assert response.status_code == 401


# -- the Intercom Canvas --------------------------------------------------------------------------------

@FUZZ
@given(body=bodies(CANVAS), headers=HEADERS, route=st.sampled_from(["initialize", "submit"]), method=METHODS)
def test_canvas_unsigned(app, client, body, headers, route, method):
    response = client.open(f"/intercom/canvas/{route}", method=method, data=body, headers=headers)
    check(app, response, protected=True, method=method)


@FUZZ
@given(body=bodies(CANVAS), route=st.sampled_from(["initialize", "submit"]),
       component=st.none() | IDS.map(lambda i: f"approve_{i}"))
@example(body=b"{}", route="submit", component="approve_²")
@example(body=b"{}", route="submit", component="approve_" + "9" * 30)
def test_canvas_signed(app, client, body, route, component):
    if component is not None:
        body = dump({**CANVAS, "component_id": component}, True)
    response = client.post(f"/intercom/canvas/{route}", data=body, headers=canvas_signed(body))
    check(app, response, authenticated=True)
    assert response.status_code in (200, 400, 413), response.get_data()[:300]


# -- /admin --------------------------------------------------------------------------------------------

ADMIN_ROUTES = st.one_of(
    st.tuples(st.sampled_from(["GET", "HEAD"]), st.sampled_from(["/admin", "/admin/", "/admin/status",
                                                                  "/admin/decisions"])),
    st.tuples(st.just("GET"), IDS.map(lambda i: f"/admin/decisions?limit={quote(i, safe='')}")),
    st.tuples(st.just("POST"), CATEGORIES.map(lambda c: f"/admin/policy/{path_id(c)}/preview")),
    st.tuples(st.just("POST"), CATEGORIES.map(lambda c: f"/admin/policy/{path_id(c)}")),
    st.tuples(st.just("POST"), st.sampled_from(["/admin/logout", "/admin/login"])),
)


@FUZZ
@given(route=ADMIN_ROUTES, form=FORMS, headers=HEADERS, raw=st.none() | st.binary(max_size=300))
@example(route=("POST", "/admin/login"), form={"csrf": "é", "token": "x"}, headers={}, raw=None)
@example(route=("POST", "/admin/policy/billing"), form={"csrf": "\u00ff" * 40}, headers={}, raw=None)
def test_admin_unauthenticated(app, route, form, headers, raw):
    client = app.test_client()  # a fresh browser: no session
    client.get("/admin/login")  # … but with the login form's CSRF token in its cookie, like a real one
    method, path = route
    if raw is not None:
        headers = {**headers, "Content-Type": headers.get("Content-Type", "application/x-www-form-urlencoded")}
    response = client.open(path, method=method, data=raw if raw is not None else form, headers=headers)
    check(app, response, protected=True, method=method)
    if method == "POST":
        # 403 (the CSRF check), 400/413 (a body werkzeug will not read), 308 ("//" merged by the
        # router), 404 (a category with a "/" is no route)
        assert response.status_code in (400, 403, 404, 413, 308), response.get_data()[:300]


@FUZZ
@given(route=ADMIN_ROUTES.filter(lambda r: r[1] != "/admin/logout"), form=FORMS, with_csrf=st.booleans())
@example(route=("POST", "/admin/policy/billing/preview"), form={"n": "²", "mode": "auto"}, with_csrf=True)
@example(route=("POST", "/admin/policy/billing/preview"), form={"n": "9" * 30, "mode": "auto"}, with_csrf=True)
@example(route=("GET", "/admin/decisions?limit=%D9%A3"), form={}, with_csrf=False)
def test_admin_signed_in(app, admin_client, route, form, with_csrf):
    method, path = route
    if with_csrf:
        form = {**form, "csrf": admin_client.csrf}
    response = admin_client.open(path, method=method, data=form if method == "POST" else None)
    check(app, response, authenticated=True, method=method)
    if method == "POST" and form.get("csrf") != admin_client.csrf:
        assert response.status_code in (403, 404, 308)  # no route, or "//" merged by the router, before any check
    if path == "/admin/login" and response.status_code == 302:  # a sign-in again renews the CSRF token
        admin_client.csrf = csrf_of(admin_client.get("/admin/").get_data(as_text=True))


# -- any method on any route -------------------------------------------------------------------------

ALL_PATHS = ["/healthz", "/webhooks/zendesk", "/webhooks/intercom", "/intercom/canvas/initialize",
             "/intercom/canvas/submit", f"/api/zendesk/tickets/{TICKET}", "/api/zendesk/actions/1/approve",
             "/api/zendesk/feedback", "/api/zendesk/admin/policy", "/api/zendesk/admin/policy/preview",
             "/api/zendesk/admin/policy/billing", "/api/zendesk/admin/status", "/api/zendesk/admin/decisions",
             "/admin", "/admin/", "/admin/login", "/admin/logout", "/admin/status", "/admin/decisions",
             "/admin/policy/billing", "/admin/policy/billing/preview", "/nowhere"]
PUBLIC = {"/healthz", "/admin/login", "/nowhere"}


@FUZZ
@given(path=st.sampled_from(ALL_PATHS), method=METHODS, body=st.none() | st.binary(max_size=200), headers=HEADERS)
def test_any_method_anywhere(app, client, path, method, body, headers):
    response = client.open(path, method=method, data=body, headers=headers)
    protected = path not in PUBLIC and not (path == "/webhooks/intercom" and method == "HEAD")
    check(app, response, protected=protected, method=method)
