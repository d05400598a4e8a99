"""Zendesk: signed webhooks (X-Zendesk-Webhook-Signature over timestamp + body), event-subscribed or
trigger bodies, and the zenpy connector."""
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


PLUGIN = Plugin("zendesk", 202, "event_type", verify, lambda body, headers: parse_zendesk(body, dict(headers)),
                connect)
