"""`deskhand serve` and `deskhand worker` refuse the sandbox's public secrets unless the helpdesk is
the local sandbox: a deployment that forgets a setting must not accept forged webhooks."""
from __future__ import annotations

import pytest

from app.core.config import (
    SANDBOX_SECRETS,
    Settings,
    is_loopback_url,
    load_settings,
    unsafe_defaults,
    unsafe_defaults_refusal,
)


def test_the_defaults_against_the_real_zendesk_are_unsafe():
    assert unsafe_defaults(Settings()) == ["zendesk_webhook_secrets", "zendesk_token"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8025", "http://localhost:8025/", "http://[::1]:8025",
                                 "https://LOCALHOST", "http://127.0.0.2:9"])
def test_the_local_sandbox_may_use_them(url):
    assert is_loopback_url(url)
    assert unsafe_defaults(Settings(zendesk_url=url)) == []
    assert unsafe_defaults(Settings(helpdesk="intercom", intercom_url=url, intercom_token="sandbox-intercom-token",
                                    intercom_client_secret="sandbox_intercom_client_secret")) == []


@pytest.mark.parametrize("url", ["", "https://brightline.zendesk.com", "http://10.0.0.5:8025", "http://0.0.0.0:8025",
                                 "http://127.0.0.1.evil.example", "http://localhost.evil.example", "not a url",
                                 "http://[::1"])
def test_anything_else_is_not_the_local_sandbox(url):
    assert not is_loopback_url(url)
    assert "zendesk_webhook_secrets" in unsafe_defaults(Settings(zendesk_url=url))


def test_own_values_are_safe_and_a_sandbox_value_in_a_rotation_list_is_not():
    own = Settings(zendesk_webhook_secrets="k3y-of-our-own", zendesk_token="t0ken-of-our-own")
    assert unsafe_defaults(own) == [] and unsafe_defaults_refusal(own) == ""
    rotating = own.with_overrides(zendesk_webhook_secrets="new-secret, sandbox-signing-secret")
    assert unsafe_defaults(rotating) == ["zendesk_webhook_secrets"]
    # an empty webhook secret accepts no webhook at all: safe (an Intercom deployment may leave it so)
    assert unsafe_defaults(own.with_overrides(zendesk_webhook_secrets="")) == []


def test_on_intercom_both_webhook_endpoints_count_and_the_zendesk_token_does_not():
    intercom = Settings(helpdesk="intercom", intercom_url="https://api.intercom.io", intercom_token="real")
    assert unsafe_defaults(intercom) == ["zendesk_webhook_secrets"]  # /webhooks/zendesk is served all the same
    copied = intercom.with_overrides(zendesk_webhook_secrets="", intercom_token="sandbox-intercom-token",
                                     intercom_client_secret="sandbox_intercom_client_secret")
    assert unsafe_defaults(copied) == ["intercom_client_secret", "intercom_token"]


def test_the_refusal_names_each_setting_and_its_variable_on_one_line():
    line = unsafe_defaults_refusal(Settings())
    assert line == ("refusing to start with the sandbox's public secrets against https://brightline.zendesk.com: "
                    "set zendesk_webhook_secrets (DESKHAND_ZENDESK_WEBHOOK_SECRETS) and zendesk_token "
                    "(DESKHAND_ZENDESK_TOKEN) to your own values (sandbox values are accepted only with a "
                    "helpdesk on localhost)")
    one = unsafe_defaults_refusal(load_settings(environ={"DESKHAND_ZENDESK_TOKEN": "real-token"}))
    assert "set zendesk_webhook_secrets (DESKHAND_ZENDESK_WEBHOOK_SECRETS) to your own values" in one
    assert "\n" not in line + one


def test_every_secret_the_sandbox_and_the_demo_publish_is_known():
    from app.cli.demo import SECRET
    from app.cli.main import sandbox
    from sandbox.intercom_sandbox import DEFAULT_CLIENT_SECRET, TOKEN
    from sandbox.webhooks import DEFAULT_SIGNING_SECRET
    cli_secret = next(p.default for p in sandbox.params if p.name == "secret")
    defaults = Settings()
    assert {defaults.zendesk_webhook_secrets, defaults.zendesk_token, cli_secret, SECRET, TOKEN,
            DEFAULT_CLIENT_SECRET, DEFAULT_SIGNING_SECRET} <= SANDBOX_SECRETS
