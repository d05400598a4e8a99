"""A helpdesk is a plug-in (app/helpdesks): the webhook endpoint, the connector and the status line
come from its module and one line in the registry."""
import hashlib
import hmac
import json

import pytest

from app import helpdesks
from app.backlog.sweeps import SweepReport
from app.build import build_helpdesk
from app.core.config import ConfigError
from app.core.domain import TicketEvent
from app.helpdesks.base import Plugin
from app.intake.parse import PayloadError
from app.intake.signatures import SignatureError
from app.schedule.sweep_run import run_sweep
from app.store.db import connect
from app.web.factory import create_app


def made_up_plugin() -> Plugin:
    """A third helpdesk, as small as one can be: an HMAC header and a JSON body with the ticket id."""
    def verify(settings, headers, body, clock):
        expected = hmac.new(b"made-up-secret", body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Signature", "").encode(), expected.encode()):
            raise SignatureError("signature does not match")

    def parse(body, headers):
        data = json.loads(body)
        if "ticket" not in data:
            raise PayloadError("no ticket")
        return TicketEvent("madeup", f"madeup:{data['id']}", "ticket.customer_replied", str(data["ticket"]),
                           comment_id=str(data["id"]))

    def sweep(settings, db, options_for, helpdesk=None, export=None, progress=None):
        options = options_for(helpdesk or FakeDesk())
        return SweepReport(started_at=0.0, dry_run=options.dry_run, enqueued=["7"])

    return Plugin("madeup", 204, "kind", verify, parse, connect=lambda settings: "a connector", sweep=sweep)


class FakeDesk:
    def bot_user_id(self) -> str:
        return "1"


def test_a_third_helpdesk_is_one_plugin_and_one_registry_line(settings, monkeypatch):
    monkeypatch.setitem(helpdesks.HELPDESKS, "madeup", made_up_plugin())
    client = create_app(settings).test_client()
    body = json.dumps({"id": "e1", "ticket": 7}).encode()
    signed = {"X-Signature": hmac.new(b"made-up-secret", body, hashlib.sha256).hexdigest()}
    assert client.post("/webhooks/madeup", data=body, headers=signed).status_code == 204
    assert connect(settings.db_path)["inbox"].get("madeup:e1")["ticket_id"] == "7"
    assert client.post("/webhooks/madeup", data=body, headers={"X-Signature": "0" * 64}).status_code == 401
    unreadable = json.dumps({"id": "e2"}).encode()
    refused = client.post("/webhooks/madeup", data=unreadable,
                          headers={"X-Signature": hmac.new(b"made-up-secret", unreadable, hashlib.sha256).hexdigest()})
    assert refused.status_code == 400 and refused.get_json()["error"] == "no ticket"
    assert build_helpdesk(settings.with_overrides(helpdesk="madeup")) == "a connector"
    report = run_sweep(settings.with_overrides(helpdesk="madeup"), dry_run=True)  # the schedule's and the CLI's path
    assert report.enqueued == ["7"] and report.dry_run


def test_an_unknown_helpdesk_is_a_clear_404_and_a_clear_setting_error(settings):
    client = create_app(settings).test_client()
    response = client.post("/webhooks/freshdesk", data=b"{}")
    assert response.status_code == 404 and "/webhooks/zendesk, /webhooks/intercom" in response.get_json()["error"]
    assert client.head("/webhooks/freshdesk").status_code == 404 and client.head("/webhooks/intercom").status_code == 200
    # only a platform that checks its URL with HEAD gets a 200 for it (the fuzz test found Zendesk's)
    assert client.head("/webhooks/zendesk").status_code == 405
    with pytest.raises(ConfigError, match="'freshdesk' is not one of zendesk, intercom"):
        helpdesks.plugin("freshdesk")
    from click.testing import CliRunner

    from app.cli.main import main
    refused = CliRunner().invoke(main, ["policy", "show"], env={"DESKHAND_HELPDESK": "freshdesk",
                                                                "DESKHAND_DATA_DIR": str(settings.data_dir)})
    assert refused.exit_code == 1 and refused.output.strip() == \
        "Error: helpdesk 'freshdesk' is not one of zendesk, intercom"
