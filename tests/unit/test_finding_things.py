"""What a support lead looks for on day one is one command or one page away: what awaits approval,
a ticket's whole trace, where the server's pages are, and quiet output unless asked."""
import logging

import pytest
from click.testing import CliRunner

from app.cli.main import VENDOR_LOGGERS, main
from app.core.config import Settings
from app.pipeline.actions import record
from app.policy.action_plan import Proposal
from app.store import audit
from app.store.db import connect, migrate
from app.web.factory import create_app

NOTE = "Deskhand escalated this ticket.\n" + "\n".join(f"line {i}: " + "detail " * 12 for i in range(40))


@pytest.fixture
def data(tmp_path):
    db = connect(str(tmp_path / "deskhand.db"))
    migrate(db)
    return tmp_path, db


def run(tmp_path, *args):
    result = CliRunner().invoke(main, list(args), env={"DESKHAND_DATA_DIR": str(tmp_path)})
    assert "Traceback" not in result.output
    return result


def test_approvals_lists_each_pending_action_with_its_id_amount_ticket_and_age(data):
    tmp_path, db = data
    assert run(tmp_path, "approvals").output.strip() == "nothing awaits approval"
    [refund, _] = record(db, "zendesk", "2003", "zendesk:2003:c1", [
        Proposal("refund", {"charge": "ch_1", "amount": 5000}, "refund 50.00 USD of ch_1"),
        Proposal("crm_note", {"contact_id": "c"}, "note on hubspot contact c", level="auto")])
    shown = run(tmp_path, "approvals").output
    assert f"#{refund:<5} refund 50.00 USD of ch_1  — zendesk ticket 2003, 0.0 h ago" in shown
    assert "crm_note" not in shown  # automatic actions need nobody
    assert '"summary": "refund 50.00 USD of ch_1"' in run(tmp_path, "approvals", "--json").output


def test_show_cuts_long_values_and_show_full_prints_them_whole(data):
    tmp_path, db = data
    audit.record(db, "act", platform="zendesk", ticket_id="2001", summary="escalate written", text=NOTE)
    short = run(tmp_path, "show", "2001").output
    assert "…" in short and "line 39" not in short
    full = run(tmp_path, "show", "2001", "--full").output
    assert "line 39: detail" in full and "…" not in full and len(full.splitlines()) > 40
    missing = run(tmp_path, "show", "9")
    assert missing.exit_code == 1 and "set DESKHAND_DATA_DIR" in missing.output


def test_the_root_address_leads_somewhere(tmp_path):
    off = create_app(Settings(data_dir=str(tmp_path))).test_client().get("/")
    assert off.status_code == 200 and off.get_json()["webhooks"] == ["/webhooks/zendesk", "/webhooks/intercom"]
    assert "admin_token" in off.get_json()["admin"]
    on = create_app(Settings(data_dir=str(tmp_path), admin_token="t" * 32)).test_client().get("/")
    assert on.status_code == 302 and on.headers["Location"].endswith("/admin")


def test_vendor_logs_are_quiet_unless_verbose(tmp_path):
    try:
        run(tmp_path, "policy", "show")
        assert all(logging.getLogger(n).level == logging.WARNING for n in VENDOR_LOGGERS)
        for name in VENDOR_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
        run(tmp_path, "--verbose", "policy", "show")
        assert logging.getLogger("stripe").level == logging.NOTSET
    finally:
        for name in VENDOR_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)


def test_a_busy_port_is_one_line_before_anything_starts(tmp_path):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for args in (["sandbox", "--port", port, "--webhook-url", ""], ["serve", "--port", port]):
            result = CliRunner().invoke(main, args, env={
                "DESKHAND_DATA_DIR": str(tmp_path), "DESKHAND_ZENDESK_URL": "http://127.0.0.1:9",
                "DESKHAND_ZENDESK_WEBHOOK_SECRETS": "own-secret-" * 3})
            assert result.exit_code == 1, result.output
            assert result.output.strip() == (f"Error: cannot listen on 127.0.0.1:{port} (Address already in use): "
                                             "stop what uses it or give --port")


def test_a_malformed_policy_file_is_one_line_naming_where(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("categories:\n  billing: {mode: auto\n  other: [\n")
    result = run(tmp_path, "policy", "import", str(bad))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert f"{bad} is not valid YAML: line 3, column 8" in result.output
    (tmp_path / "p.json").write_text('{"default": {"mode": }')
    assert "is not valid JSON: line 1, column 22" in run(tmp_path, "policy", "import", str(tmp_path / "p.json")).output
