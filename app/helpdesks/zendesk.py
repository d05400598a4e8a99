"""Zendesk: signed webhooks (X-Zendesk-Webhook-Signature over timestamp + body), event-subscribed or
trigger bodies, the zenpy connector, sweeps over the incremental export, and the ticket sidebar and
nav_bar app (app/web/zendesk_app.py)."""
from __future__ import annotations

from app.core.config import Settings
from app.helpdesks.base import Plugin
from app.intake.parse import parse_zendesk
from app.intake.signatures import verify_zendesk


def verify(settings: Settings, headers, body: bytes, clock) -> None:
    verify_zendesk(settings.webhook_secrets, headers.get("X-Zendesk-Webhook-Signature"),
                   headers.get("X-Zendesk-Webhook-Signature-Timestamp"), body, clock=clock)


def connect(settings: Settings):
    from connectors.zendesk import ZendeskHelpdesk  # zenpy: imported when a connector is built
    return ZendeskHelpdesk(subdomain=settings.zendesk_subdomain, email=settings.zendesk_email,
                           token=settings.zendesk_token, base_url=settings.zendesk_url,
                           bot_user_id=settings.bot_user_id, page_url_field_id=settings.page_url_field_id,
                           category_field_id=settings.category_field_id)


def build_export(settings: Settings, minute_s: float = 60.0):
    """The export reader, paced by `rate_limit_per_minute` and `export_rate_per_minute`, on a Zendesk
    client of its own; and that client's connector, for the bot's user id."""
    from connectors.zendesk_export import RateBudget, ZendeskExport
    helpdesk = connect(settings)
    export = ZendeskExport(helpdesk.client, RateBudget(settings.rate_limit_per_minute, minute_s),
                           RateBudget(settings.export_rate_per_minute, minute_s))
    return export, helpdesk


def sweep(settings: Settings, db, options_for, helpdesk=None, export=None, progress=None):
    """Walk the incremental export from the saved position (from `lookback` back on a fresh start)."""
    from app.backlog.sweeps import Sweep, reset_position
    if export is None:
        export, helpdesk = build_export(settings)
    options = options_for(helpdesk)
    if options.fresh_start and not options.dry_run:
        reset_position(db)
    return Sweep(db, export, options, progress=progress).run()


PLUGIN = Plugin("zendesk", 202, "event_type", verify, lambda body, headers: parse_zendesk(body, dict(headers)),
                connect, sweep, agent_app="app.web.zendesk_app:bp")
