"""The Zendesk app backend over real HTTP: Deskhand's web app and worker against the sandbox
helpdesk (as in tests/scenario), with the app secret and the admin token set. Tokens are minted
here the way Zendesk's request proxy mints them (HS256 over sub/iss/iat/exp)."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import jwt
import pytest
import requests
from werkzeug.serving import make_server

from app.build import build_helpdesk, build_systems, prepare_database
from app.core.config import Settings
from app.pipeline.gather import Gatherer
from app.pipeline.worker import Worker
from app.reasoning import classifier
from app.reasoning.engine import Engine, models_dir
from app.web.factory import create_app
from sandbox import Sandbox
from sandbox.vendors import serve
from tests.scenario.conftest import COMPANY, Loop, help_center_knowledge

SECRET = "web-scenario-webhook-secret"
APP_SECRET = "app-shared-secret-long-enough-for-hs256-and-hs512-0123456789abcdef"
ADMIN_TOKEN = "admin-token-for-tests-0123456789"
SUBDOMAIN = "brightline"
ADMIN, AGENT, END_USER = 361000000002, 361000000003, 361000000011  # the sample company's users


def mint(sub=AGENT, secret: str = APP_SECRET, iss: str = SUBDOMAIN, lifetime: int = 300, age: int = 0,
         algorithm: str = "HS256", drop: tuple[str, ...] = (), **extra) -> str:
    now = int(time.time()) - age
    claims = {"sub": sub, "iss": iss, "iat": now, "exp": now + lifetime, **extra}
    for name in drop:
        claims.pop(name)
    return jwt.encode(claims, secret, algorithm=algorithm)


def bearer(sub=AGENT, **kwargs) -> dict:
    return {"Authorization": f"Bearer {mint(sub, **kwargs)}"}


@dataclass
class App(Loop):
    """The scenario loop plus calls to the app API as a given Zendesk user."""

    def call(self, method: str, path: str, user=AGENT, **kwargs) -> requests.Response:
        headers = {**(bearer(user) if user is not None else {}), **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.deskhand_url}{path}", headers=headers, timeout=10, **kwargs)

    def process(self, *ticket_ids: int) -> None:
        self.sb.play(list(ticket_ids))
        self.drain()


def web_settings(data_dir: str, sandbox_url: str, **overrides) -> Settings:
    return Settings(data_dir=data_dir, zendesk_url=sandbox_url, zendesk_webhook_secrets=SECRET,
                    policy_file=str(COMPANY / "policy.yaml"), lease_s=2, retry_base_s=0.01, max_attempts=3,
                    zendesk_subdomain=SUBDOMAIN, zendesk_app_secret=APP_SECRET, admin_token=ADMIN_TOKEN,
                    **overrides)


class Web:
    """Deskhand's web app on a loopback port, as `deskhand serve` runs it."""

    def __init__(self, settings: Settings):
        prepare_database(settings)
        self._server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The web app and the sandbox helpdesk only (no worker): enough for authentication."""
    sb = Sandbox.from_seed(signing_secret=SECRET).start()
    settings = web_settings(str(tmp_path_factory.mktemp("api") / "data"), sb.url)
    web = Web(settings)
    yield App(sb, settings, None, web.url)
    web.stop()
    sb.stop()


@contextmanager
def running_loop(data_dir: str, trained_model, **overrides):  # noqa: F811
    """Sandbox, web app and a worker, as in tests/scenario; `overrides` reach both processes' settings
    (e.g. the vendor stand-ins' addresses)."""
    sb = Sandbox.from_seed(signing_secret=SECRET).start()
    settings = web_settings(data_dir, sb.url, **overrides)
    web = Web(settings)
    classifier.save(trained_model, models_dir(settings.data_dir))
    sb.webhook_url = f"{web.url}/webhooks/zendesk"
    helpdesk = build_helpdesk(settings)
    engine = Engine(trained_model, help_center_knowledge(settings, helpdesk))
    try:
        yield App(sb, settings, Worker(settings, helpdesk, engine, name="w-web",
                                       gatherer=Gatherer(build_systems(settings))), web.url)
    finally:
        web.stop()
        sb.stop()


@pytest.fixture
def app_loop(tmp_path, trained_model):  # noqa: F811
    with running_loop(str(tmp_path / "data"), trained_model) as loop:
        yield loop


@pytest.fixture
def vendor_loop(tmp_path, trained_model):  # noqa: F811
    """The loop with the Stripe, HubSpot, Linear and Slack stand-ins connected, refunds up to $2,000."""
    vendors = serve.start(json.loads((COMPANY / "account.json").read_text(encoding="utf-8")))
    try:
        with running_loop(str(tmp_path / "data"), trained_model, refund_cap=200000, **vendors.settings) as loop:
            loop.vendors = vendors
            yield loop
    finally:
        vendors.stop()
