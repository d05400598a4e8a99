"""Each helpdesk Deskhand can live in is a plug-in (`base.Plugin`): how its webhooks are verified and
read, how its connector is built, how its backlog is swept, and which agent-side app it has. The
webhook route, `build.build_helpdesk`, the sweeps (CLI and schedule) and the web factory all go
through HELPDESKS, so adding a third helpdesk is one module here and one line below, beside its API
client in connectors/ and, if it has an agent-side app, that blueprint in app/web/.
"""
from __future__ import annotations

from app.core.config import ConfigError
from app.helpdesks import intercom, zendesk
from app.helpdesks.base import Plugin

HELPDESKS: dict[str, Plugin] = {p.name: p for p in (zendesk.PLUGIN, intercom.PLUGIN)}


def plugin(name: str) -> Plugin:
    try:
        return HELPDESKS[name]
    except KeyError:
        raise ConfigError(f"helpdesk {name!r} is not one of {', '.join(HELPDESKS)}") from None
