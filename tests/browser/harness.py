"""What the browser tests and scripts/screenshots.py share: Debian's Chromium driven by Playwright,
the app's assets served from manifest/, a scripted ZAF client in place of Zendesk's SDK, and
Deskhand's real stack (sandbox helpdesk, web app, worker) behind it.

Nothing here downloads a browser: Playwright launches /usr/bin/chromium (or DESKHAND_CHROMIUM).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "manifest"
COMPANY = ROOT / "sandbox" / "company"
STANDIN = Path(__file__).with_name("zaf_standin.js")
SDK_URL = "https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js"
CHROMIUM = os.environ.get("DESKHAND_CHROMIUM", "/usr/bin/chromium")
# As this machine's notes prescribe: no GPU, no sandbox (root), and no background traffic.
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
APP_SECRET = "browser-test-app-secret-0123456789abcdef"
WEBHOOK_SECRET = "browser-webhook-secret"
ADMIN = {"id": 361000000002, "name": "Rachel Torres", "role": "admin"}
AGENT = {"id": 361000000003, "name": "Ahmed Siddiqui", "role": "agent"}


def missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (f"no Chromium at {CHROMIUM}: as root, `python3 scripts/bootstrap.py test` installs Debian's "
                "chromium (or set DESKHAND_CHROMIUM)")
    return None


def launch(playwright):
    """One headless Chromium; Playwright gives it a fresh, empty profile of its own."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)


# ---- the app's files -------------------------------------------------------------------------------

class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def serve_app(folder: Path = APP):
    """Serve the app folder on loopback, as Zendesk serves an uploaded app's assets."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


# ---- the stand-in ZAF client -----------------------------------------------------------------------

def minter(secret: str):
    """What the Zendesk proxy does with `jwt` on a secure request: fill {{setting.shared_secret}}
    with the secure setting and sign the claims the app asked for (HS256, exp = now + expiry)."""
    import jwt

    minted: list[dict] = []

    def mint(options: dict) -> str:
        assert options.get("secret_key") == "{{setting.shared_secret}}", options
        assert options.get("algorithm") == "HS256", options
        now = int(time.time())
        claims = {**(options.get("claims") or {}), "iat": now, "exp": now + int(options.get("expiry") or 300)}
        minted.append(claims)
        return jwt.encode(claims, secret, algorithm="HS256")

    mint.minted = minted
    return mint


@dataclass
class ZafPage:
    """A page of the app loaded with the stand-in client, and what the stand-in recorded."""
    page: object
    minted: list = field(default_factory=list)

    def calls(self, kind: str) -> list:
        return self.page.evaluate(f"window.__zaf.{kind}")

    def invoked(self, name: str) -> list:
        return [c["args"] for c in self.calls("invoke") if c["name"] == name]


def open_app(browser, assets_url: str, page_name: str, *, deskhand_url: str, secret: str, user: dict,
             subdomain: str = "brightline", ticket_id: int | None = None, viewport=None,
             origin_blocker: bool = True) -> ZafPage:
    """Open manifest/assets/<page_name> in a new browser context, with the SDK URL answered by the
    stand-in, configured as Zendesk would for this location, user and (for the sidebar) ticket."""
    location = "ticket_sidebar" if ticket_id is not None else "nav_bar"
    context = browser.new_context(viewport=viewport or {"width": 360 if ticket_id else 1200, "height": 900})
    mint = minter(secret)
    context.expose_function("deskhandMintJwt", mint)
    config = {
        "context": {"product": "support", "location": location, "account": {"subdomain": subdomain},
                    "instanceGuid": "00000000-0000-4000-8000-00000000d35c", "ticketId": ticket_id},
        "metadata": {"appId": 0, "installationId": 1, "name": "Deskhand", "version": "1.0.0", "plan": {},
                     "settings": {"title": "Deskhand", "deskhand_url": deskhand_url}},  # secure settings never reach JS
        "data": {"currentUser": {**user, "locale": "en-US"},
                 **({"ticket.id": ticket_id} if ticket_id is not None else {})},
    }
    context.add_init_script(f"window.__zafStandIn = {json.dumps(config)};")
    standin = STANDIN.read_text()
    context.route(SDK_URL, lambda route: route.fulfill(status=200, content_type="application/javascript", body=standin))
    if origin_blocker:  # nothing but loopback: a page that reaches further out fails the test
        context.route(lambda url: not url.startswith(("http://127.0.0.1", SDK_URL)), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{assets_url}/assets/{page_name}")
    zaf = ZafPage(page, mint.minted)
    zaf.errors = errors
    return zaf


# ---- Deskhand's stack ------------------------------------------------------------------------------

def train_model():
    from app.reasoning import classifier
    from app.reasoning.training_data import load_jsonl, training_set
    texts, labels = training_set(load_jsonl(str(COMPANY / "history.jsonl"))[0])
    return classifier.train(texts, labels)


@dataclass
class Stack:
    sb: object
    settings: object
    worker: object
    deskhand_url: str
    _web: object
    _thread: threading.Thread
    _vendors: object = None

    def play(self, ticket_ids: list[int]) -> None:
        self.sb.play(ticket_ids)
        self.drain()

    def drain(self, rounds: int = 3) -> None:
        for _ in range(rounds):
            assert self.sb.flush_webhooks(10)
            while self.worker.run_once():
                pass

    def db(self):
        from app.store.db import connect
        return connect(self.settings.db_path)

    def close(self) -> None:
        self._web.shutdown()
        self._web.server_close()
        self.sb.stop()
        if self._vendors is not None:
            self._vendors.stop()
        self._thread.join(5)


def start_stack(data_dir: Path, model, app_secret: str = APP_SECRET) -> Stack:
    """The sandbox helpdesk with the sample company's Stripe, HubSpot, Linear and Slack stand-ins,
    Deskhand's web app on loopback and a worker, the sample company's policy, Help Center
    knowledge synced through zenpy: what `deskhand demo` runs."""
    from werkzeug.serving import make_server

    from app.build import build_helpdesk, build_systems, prepare_database
    from app.core.config import Settings
    from app.knowledge import store as kb_store
    from app.knowledge.store import LiveIndex
    from app.pipeline.gather import Gatherer
    from app.pipeline.worker import Worker
    from app.reasoning import classifier
    from app.reasoning.engine import Engine, models_dir
    from app.store.db import connect
    from app.web.factory import create_app
    from connectors.zendesk_kb import ZendeskHelpCenter
    from sandbox import Sandbox
    from sandbox.vendors import serve

    sb = Sandbox.from_seed(signing_secret=WEBHOOK_SECRET).start()
    vendors = serve.start(json.loads((COMPANY / "account.json").read_text(encoding="utf-8")))
    settings = Settings(data_dir=str(data_dir), zendesk_url=sb.url, zendesk_webhook_secrets=WEBHOOK_SECRET,
                        policy_file=str(COMPANY / "policy.yaml"), zendesk_app_secret=app_secret,
                        allowed_link_hosts="app.brightline.example,developers.brightline.example",
                        refund_cap=200000,  # $2,000: the double charge of ticket 2023 becomes a refund to approve
                        lease_s=2, retry_base_s=0.01, max_attempts=3).with_overrides(**vendors.settings)
    prepare_database(settings)
    classifier.save(model, models_dir(settings.data_dir))
    web = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{web.server_port}"
    sb.webhook_url = f"{url}/webhooks/zendesk"
    helpdesk = build_helpdesk(settings)
    report = kb_store.sync(connect(settings.db_path), ZendeskHelpCenter(helpdesk.client))
    assert not report.error, report
    engine = Engine(model, LiveIndex(connect(settings.db_path)))
    worker = Worker(settings, helpdesk, engine, name="browser", gatherer=Gatherer(build_systems(settings)))
    return Stack(sb, settings, worker, url, web, thread, vendors)


def clean(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
