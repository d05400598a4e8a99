"""Intercom: notifications signed with X-Hub-Signature (no timestamp: replays are stopped by the
delivery id), answered 200 well inside Intercom's 500 ms, the python-intercom connector, sweeps by
searching for waiting conversations, and the inbox app (app/web/intercom_canvas.py)."""
from __future__ import annotations

from app.core.config import Settings
from app.helpdesks.base import Plugin
from app.intake.parse import parse_intercom
from app.intake.signatures import verify_intercom_webhook


def verify(settings: Settings, headers, body: bytes, clock) -> None:
    verify_intercom_webhook(settings.intercom_secrets, headers.get("X-Hub-Signature"), body)


def connect(settings: Settings):
    from connectors.intercom import IntercomHelpdesk  # the SDK: imported when a connector is built
    return IntercomHelpdesk(settings.intercom_token, base_url=settings.intercom_url,
                            admin_id=settings.intercom_admin_id, workspace_id=settings.intercom_workspace_id,
                            label_attributes=settings.intercom_label_attributes)


def sweep(settings: Settings, db, options_for, helpdesk=None, export=None, progress=None):
    """Search for conversations whose customer waits (no export, no saved position)."""
    from app.backlog.intercom_search import IntercomSweep
    helpdesk = helpdesk or connect(settings)  # its own client: a scheduled sweep runs beside the worker
    return IntercomSweep(db, helpdesk, options_for(helpdesk), progress=progress).run()


PLUGIN = Plugin("intercom", 200, "topic", verify, lambda body, headers: parse_intercom(body), connect, sweep,
                agent_app="app.web.intercom_canvas:bp", head_check=True)
