"""SlackChat over real HTTP (slack_sdk -> urllib -> werkzeug on 127.0.0.1): slack_sdk does not use
requests, so `responses` cannot see it. Replies are Slack's documented shapes (fixtures/slack)."""
from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from flask import Flask, Response, request

from connectors.errors import AuthFailed, ConnectorError, NotFound, RateLimited, Unavailable
from connectors.slack_chat import SlackChat
from sandbox.vendors.slack import create_app, sample_data
from tests.fakes.served import Served as Server

TOKEN = "xoxb-test-123-secret"
FIXTURES = Path(__file__).parent / "fixtures" / "slack"
ACCOUNT = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "account.json"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def ok_reply() -> tuple[int, dict, str]:
    return 200, {"Content-Type": "application/json; charset=utf-8"}, fixture("chat_postMessage.json")


def error_reply(code: str, status: int = 200) -> tuple[int, dict, str]:
    return status, {"Content-Type": "application/json; charset=utf-8"}, fixture(f"error_{code}.json")


class Scripted(Server):
    """Answers every request with the same scripted reply and records what it was asked."""

    def __init__(self, status: int, headers: dict, body: str):
        self.requests: list[dict] = []
        app = Flask(__name__)

        @app.route("/<path:path>", methods=["GET", "POST"])
        def anything(path):
            self.requests.append({"method": request.method, "path": request.path,
                                  "headers": dict(request.headers), "body": request.get_data(as_text=True)})
            return Response(body, status=status, headers=headers)

        super().__init__(app)


class Silent:
    """A raw TCP server that reads each request, then hangs up (or stalls) without answering."""

    def __init__(self, stall_s: float = 0.0):
        self.connections = 0
        self._stall_s = stall_s
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                except OSError:
                    pass
                self._stop.wait(self._stall_s)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


# -- the call -----------------------------------------------------------------------------------

def test_post_sends_one_authenticated_call_and_returns_the_ts():
    with Scripted(*ok_reply()) as server:
        ts = SlackChat(TOKEN, base_url=server.base_url).post("#support-escalations", "Ticket #4821 needs billing")
    assert ts == "1503435956.000247"
    [call] = server.requests
    assert (call["method"], call["path"]) == ("POST", "/api/chat.postMessage")
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert call["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(call["body"]) == {"channel": "#support-escalations", "text": "Ticket #4821 needs billing",
                                        "unfurl_links": False, "unfurl_media": False}


def test_defaults_to_slack_com_with_explicit_timeout_and_no_sdk_retries():
    chat = SlackChat(TOKEN)
    assert chat.name == "slack"
    assert chat.client.base_url == "https://slack.com/api/"
    assert chat.client.timeout == 10
    assert chat.client.retry_handlers == []
    assert SlackChat(TOKEN, base_url="http://127.0.0.1:9/prefix/").client.base_url == "http://127.0.0.1:9/prefix/api/"


# -- failures: mapped, and never retried (chat.postMessage takes no idempotency key) -------------

@pytest.mark.parametrize("code,status", [("invalid_auth", 200), ("not_authed", 200), ("account_inactive", 200),
                                         ("invalid_auth", 401)])
def test_auth_errors_are_auth_failed_without_retry_or_token(code, status):
    with Scripted(*error_reply(code, status)) as server:
        with pytest.raises(AuthFailed) as caught:
            SlackChat(TOKEN, base_url=server.base_url).post("C1H9RESGL", "hello")
    assert len(server.requests) == 1
    assert code in str(caught.value)
    assert TOKEN not in str(caught.value) and "secret" not in str(caught.value)


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel"])
def test_missing_channel_is_not_found(code):
    with Scripted(*error_reply(code)) as server:
        with pytest.raises(NotFound, match=code):
            SlackChat(TOKEN, base_url=server.base_url).post("#nowhere", "hello")
    assert len(server.requests) == 1


def test_429_is_rate_limited_with_retry_after_and_not_retried():
    headers = {"Content-Type": "application/json; charset=utf-8", "Retry-After": "7"}
    with Scripted(429, headers, fixture("ratelimited_429.json")) as server:
        with pytest.raises(RateLimited) as caught:
            SlackChat(TOKEN, base_url=server.base_url).post("C1H9RESGL", "hello")
    assert len(server.requests) == 1
    assert caught.value.retry_after == 7.0


def test_per_channel_rate_limit_in_a_200_is_rate_limited():
    with Scripted(*error_reply("rate_limited")) as server:
        with pytest.raises(RateLimited) as caught:
            SlackChat(TOKEN, base_url=server.base_url).post("C1H9RESGL", "hello")
    assert len(server.requests) == 1
    assert caught.value.retry_after == 1.0


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_unavailable_and_the_write_is_not_retried(status):
    with Scripted(status, {"Content-Type": "text/html"}, fixture("server_error_503.html")) as server:
        with pytest.raises(Unavailable, match=str(status)):
            SlackChat(TOKEN, base_url=server.base_url).post("C1H9RESGL", "hello")
    assert len(server.requests) == 1


def test_fatal_error_in_a_200_is_unavailable_and_not_retried():
    with Scripted(*error_reply("fatal_error")) as server:
        with pytest.raises(Unavailable):
            SlackChat(TOKEN, base_url=server.base_url).post("C1H9RESGL", "hello")
    assert len(server.requests) == 1


def test_other_refusals_are_plain_connector_errors():
    with Scripted(*error_reply("is_archived")) as server:
        with pytest.raises(ConnectorError, match="is_archived") as caught:
            SlackChat(TOKEN, base_url=server.base_url).post("C1H9RESGL", "hello")
    assert type(caught.value) is ConnectorError


def test_connection_cut_after_sending_is_unavailable_and_not_retried():
    """The SDK's default ConnectionErrorRetryHandler would send this twice; a post may have landed."""
    with Silent() as server:
        with pytest.raises(Unavailable, match="may have been posted"):
            SlackChat(TOKEN, base_url=server.base_url, timeout_s=2).post("C1H9RESGL", "hello")
        time.sleep(0.2)  # give a (wrong) second attempt time to arrive
    assert server.connections == 1


def test_timeout_is_unavailable_and_not_retried():
    with Silent(stall_s=2) as server:
        started = time.monotonic()
        with pytest.raises(Unavailable, match="may have been posted"):
            SlackChat(TOKEN, base_url=server.base_url, timeout_s=0.3).post("C1H9RESGL", "hello")
        assert time.monotonic() - started < 1.5
    assert server.connections == 1


def test_refused_connection_is_unavailable():
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with pytest.raises(Unavailable, match="unreachable"):
        SlackChat(TOKEN, base_url=f"http://127.0.0.1:{port}").post("C1H9RESGL", "hello")


# -- the sandbox stand-in -----------------------------------------------------------------------

def account() -> dict:
    return json.loads(ACCOUNT.read_text(encoding="utf-8"))


def test_connector_against_the_sandbox_posts_to_the_escalation_channel():
    data = sample_data(account())
    app = create_app(data)
    escalations = next(c for c in data["channels"] if c["name"] == "support-escalations")
    with Server(app) as server:
        chat = SlackChat(data["token"], base_url=server.base_url)
        first = chat.post("#support-escalations", "Ticket #4821 (Northwind Logistics): refund over limit")
        second = chat.post(escalations["id"], "Ticket #4822: SSO outage")
        with pytest.raises(NotFound, match="not_in_channel"):
            chat.post("#general", "should not land")
        with pytest.raises(NotFound, match="channel_not_found"):
            chat.post("#no-such-channel", "should not land")
        with pytest.raises(AuthFailed, match="invalid_auth"):
            SlackChat("xoxb-wrong", base_url=server.base_url).post("#support-escalations", "no")
    assert float(second) > float(first) > 0
    writes = app.config["writes"]
    assert [(w["channel"], w["channel_name"], w["ts"]) for w in writes] == [
        (escalations["id"], "support-escalations", first), (escalations["id"], "support-escalations", second)]
    assert writes[0]["text"] == "Ticket #4821 (Northwind Logistics): refund over limit"
    assert writes[0]["args"]["unfurl_links"] is False


def test_sandbox_answers_in_the_fixture_shape_for_form_and_json_bodies():
    data = sample_data(account())
    client = create_app(data).test_client()
    auth = {"Authorization": f"Bearer {data['token']}"}
    by_form = client.post("/api/chat.postMessage", data={"channel": "support-escalations", "text": "hi"},
                          headers=auth).get_json()
    by_json = client.post("/api/chat.postMessage", json={"channel": "#billing-escalations", "text": "hi"},
                          headers=auth).get_json()
    token_arg = client.post("/api/chat.postMessage",
                            data={"token": data["token"], "channel": "eng-escalations", "text": "hi"}).get_json()
    expected = json.loads(fixture("chat_postMessage.json"))
    for answer in (by_form, by_json, token_arg):
        assert answer["ok"] is True
        assert answer.keys() == expected.keys() and answer["message"].keys() == expected["message"].keys()
        assert answer["ts"] == answer["message"]["ts"]
    assert client.post("/api/chat.postMessage", data={"channel": "general", "text": "hi"}).get_json() == \
        json.loads(fixture("error_not_authed.json"))
    assert client.post("/api/chat.postMessage", data={"channel": "support-legacy", "text": "hi"},
                       headers=auth).get_json() == json.loads(fixture("error_is_archived.json"))


def test_sample_data_is_deterministic_and_latency_is_applied():
    data = sample_data(account())
    assert data == sample_data(account())
    assert {"support-escalations", "general"} <= {c["name"] for c in data["channels"]}
    assert all(c["id"].startswith("C") and c["id"].isupper() for c in data["channels"])
    client = create_app(data, latency_s=0.05).test_client()
    started = time.monotonic()
    client.post("/api/chat.postMessage", data={"channel": "support-escalations", "text": "hi"})
    assert time.monotonic() - started >= 0.05
