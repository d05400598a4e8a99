"""Each helpdesk Deskhand can live in is a plug-in (`base.Plugin`): how its webhooks are verified and
read, and how its connector is built from the settings. Adding a third helpdesk is one module here
and one line in HELPDESKS (plus its connector in connectors/, its sweep branch in
app/schedule/sweep_run.py and, if it has one, its agent-side app in app/web/)."""
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
