"""What a helpdesk plug-in provides: functions from settings and bytes, no Flask."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from app.core.config import Settings
from app.core.domain import TicketEvent

if TYPE_CHECKING:
    from app.backlog.sweeps import SweepReport
    from connectors.helpdesk import Helpdesk


@dataclass(frozen=True)
class Plugin:
    name: str  # the `helpdesk` setting, the webhook path (/webhooks/<name>) and the events' platform
    accepted_status: int  # what the platform expects back for a stored delivery
    ignored_as: str  # what a delivery Deskhand does not handle is counted by ("event_type", "topic")
    # raises intake.signatures.SignatureError unless the raw body is authentic (headers, clock: now)
    verify: Callable[[Settings, Mapping[str, str], bytes, Callable[[], float]], None]
    # the event, None for a well-formed one Deskhand does not handle; raises intake.parse.PayloadError
    parse: Callable[[bytes, Mapping[str, str]], TicketEvent | None]
    connect: Callable[[Settings], "Helpdesk"]  # the connector, on its own client
    # one backlog sweep: (settings, db, options_for(helpdesk), helpdesk or None, export or None, progress)
    # → SweepReport; it builds its own client when none is given (a scheduled sweep runs beside the worker)
    sweep: Callable[..., "SweepReport"]
    # the agent-side app's Flask blueprint as "module:attribute" under app/web, registered by the web
    # factory (the web layer imports it; nothing here imports Flask); "" for none
    agent_app: str = ""
    # the platform checks the webhook URL with a HEAD request before it sends anything (Intercom);
    # elsewhere a HEAD is answered like any other method the endpoint does not take
    head_check: bool = False
