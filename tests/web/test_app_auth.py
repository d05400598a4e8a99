"""Every way a call to the app API can fail authentication, over HTTP against the sandbox helpdesk
(the caller's role is read from Zendesk through zenpy, never from the token)."""
from __future__ import annotations

import requests

from .conftest import ADMIN, AGENT, END_USER, bearer, mint

TICKET = "/api/zendesk/tickets/2002"
ADMIN_PATH = "/api/zendesk/admin/policy"


def error(response: requests.Response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()["error"]


def test_no_token_is_refused(api):
    assert "missing token" in error(api.call("GET", TICKET, user=None), 401)
    assert "missing token" in error(api.call("GET", ADMIN_PATH, user=None), 401)


def test_a_malformed_header_or_token_is_refused(api):
    for header in ("Token abc", "Bearer", "Bearer  ", "Basic dXNlcjpwYXNz", f"Bearer {mint()} extra"):
        assert "malformed Authorization header" in error(
            api.call("GET", TICKET, user=None, headers={"Authorization": header}), 401), header
    assert "malformed token" in error(
        api.call("GET", TICKET, user=None, headers={"Authorization": "Bearer not.a.jwt"}), 401)


def test_a_token_signed_with_another_secret_is_refused(api):
    got = api.call("GET", TICKET, user=None, headers=bearer(AGENT, secret="someone-else's-secret-32-bytes-long"))
    assert error(got, 401) == "bad signature"


def test_an_expired_token_is_refused_after_the_leeway(api):
    stale = bearer(AGENT, lifetime=300, age=300 + 31)
    assert error(api.call("GET", TICKET, user=None, headers=stale), 401) == "token expired"
    within_leeway = bearer(AGENT, lifetime=300, age=300 + 10)
    assert api.call("GET", TICKET, user=None, headers=within_leeway).status_code == 404  # authenticated


def test_a_token_living_longer_than_an_hour_is_refused(api):
    long_lived = bearer(AGENT, lifetime=3601)
    assert "lifetime too long" in error(api.call("GET", TICKET, user=None, headers=long_lived), 401)


def test_a_token_for_another_account_is_refused(api):
    other = bearer(AGENT, iss="someone-else")
    assert "wrong issuer" in error(api.call("GET", TICKET, user=None, headers=other), 401)


def test_required_claims_and_the_algorithm_are_enforced(api):
    for claim in ("exp", "iat", "iss", "sub"):
        got = api.call("GET", TICKET, user=None, headers=bearer(AGENT, drop=(claim,)))
        assert f"'{claim}'" in error(got, 401), claim
    hs512 = bearer(AGENT, algorithm="HS512")
    assert "algorithm not allowed" in error(api.call("GET", TICKET, user=None, headers=hs512), 401)
    unsigned = {"Authorization": "Bearer " + mint(AGENT, secret=None, algorithm="none")}
    assert error(api.call("GET", TICKET, user=None, headers=unsigned), 401).startswith("token algorithm")
    not_a_user = bearer("admin")
    assert "Zendesk user id" in error(api.call("GET", TICKET, user=None, headers=not_a_user), 401)


def test_end_users_get_nothing(api):
    assert "agents and admins" in error(api.call("GET", TICKET, user=END_USER), 403)
    assert "agents and admins" in error(api.call("POST", "/api/zendesk/feedback", user=END_USER,
                                                      json={"ticket_id": "2002", "rating": "good"}), 403)
    assert "agents and admins" in error(api.call("GET", ADMIN_PATH, user=END_USER), 403)


def test_an_unknown_user_is_refused(api):
    assert "no user 999999" in error(api.call("GET", TICKET, user=999999), 403)


def test_agents_may_not_use_admin_endpoints(api):
    for method, path, body in (("GET", ADMIN_PATH, None), ("GET", "/api/zendesk/admin/status", None),
                               ("GET", "/api/zendesk/admin/decisions", None),
                               ("PUT", "/api/zendesk/admin/policy/billing", {"mode": "auto"}),
                               ("POST", "/api/zendesk/admin/policy/preview", {"category": "billing"})):
        assert "admins only" in error(api.call(method, path, user=AGENT, json=body), 403), path
    assert api.call("GET", TICKET, user=AGENT).status_code == 404  # the sidebar is theirs


def test_admins_get_in_and_their_role_is_looked_up_once_per_five_minutes(api):
    first = api.call("GET", ADMIN_PATH, user=ADMIN)
    assert first.status_code == 200 and "categories" in first.json()
    api.call("GET", "/api/zendesk/admin/status", user=ADMIN)
    lookups = [r for r in api.sb.requests if r["path"].removesuffix(".json").endswith(f"/users/{ADMIN}")]
    assert len(lookups) == 1


def test_the_role_comes_from_zendesk_not_from_the_token(api):
    forged = bearer(AGENT, role="admin", user={"role": "admin"})
    assert "admins only" in error(api.call("GET", ADMIN_PATH, user=None, headers=forged), 403)


def test_without_an_app_secret_everything_is_refused(api):
    from app.web.factory import create_app
    from tests.fakes.served import Served
    app = create_app(api.settings.with_overrides(zendesk_app_secret=""))
    with Served(app) as served:  # a token signed with an empty key cannot even be made; any will do
        got = requests.get(f"{served.base_url}{TICKET}", timeout=5,
                           headers=bearer(ADMIN, secret="anything-at-all-32-bytes-long-0000"))
    assert "set zendesk_app_secret" in error(got, 401)


def test_cors_preflight_is_answered_without_a_token_and_answers_carry_the_origin_header(api):
    pre = requests.options(f"{api.deskhand_url}{ADMIN_PATH}", timeout=5, headers={
        "Origin": "http://elsewhere.test", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert {"authorization", "content-type"} <= {h.strip().lower() for h in
                                                 pre.headers["Access-Control-Allow-Headers"].split(",")}
    assert "PUT" in pre.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in pre.headers  # the token is the guard, not a cookie
    refused = api.call("GET", TICKET, user=None)
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # so a browser can read the 401
