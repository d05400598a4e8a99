"""Browser tests: the Zendesk app's own pages in Debian's headless Chromium (Playwright), with a
scripted ZAF client, against Deskhand's real web app and worker on the sandbox helpdesk.

One browser, one trained model and one stack per session; each test opens its own browser
context. Skipped, with the reason, where Playwright or Chromium is missing."""
from __future__ import annotations

from pathlib import Path

import pytest

from . import harness

# Tickets of the sample company's stream played before the tests (see sandbox/company/stream.jsonl):
DRAFTED = 2002      # billing: "Where can I download last month's invoice?" (policy: draft)
SENT = 2003         # login_2fa: "Password reset link expired" (policy: auto, send_at 0.85)
ESCALATED = 2021    # refund_request with a legal threat: escalated with a case file
REFUND = 2023       # charged twice: escalated, with a refund of the duplicate charge waiting for approval
NEXT_LOGIN = 2016   # login_2fa again, kept back for the admin test
SEEN = [2001, DRAFTED, SENT, 2005, 2017, ESCALATED, REFUND, 2024]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    reason = harness.missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = harness.launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def assets_url():
    server, url = harness.serve_app()
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def stack(browser, tmp_path_factory, trained_model):
    """Deskhand on the sandbox, with a few stream tickets already handled end to end."""
    running = harness.start_stack(tmp_path_factory.mktemp("deskhand") / "data", trained_model)
    running.play(SEEN)
    yield running
    running.close()


@pytest.fixture
def open_page(browser, assets_url, stack):
    pages = []

    def open_(page_name: str, user: dict = harness.AGENT, ticket_id: int | None = None, **kw):
        zaf = harness.open_app(browser, assets_url, page_name, deskhand_url=stack.deskhand_url,
                               secret=harness.APP_SECRET, user=user, subdomain=stack.settings.zendesk_subdomain,
                               ticket_id=ticket_id, **kw)
        pages.append(zaf)
        return zaf

    yield open_
    for zaf in pages:
        assert zaf.errors == [], zaf.errors  # no uncaught script error on any page
        zaf.page.context.close()
