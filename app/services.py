"""Build the long-lived pieces from settings: the helpdesk connector and the engine."""
from __future__ import annotations

from connectors.zendesk import ZendeskHelpdesk

from . import policy_store
from .config import Settings
from .db import connect, migrate
from .engine import Engine, load_model
from .policy import parse_policy_text


def build_helpdesk(settings: Settings) -> ZendeskHelpdesk:
    return ZendeskHelpdesk(subdomain=settings.zendesk_subdomain, email=settings.zendesk_email,
                           token=settings.zendesk_token, base_url=settings.zendesk_url,
                           bot_user_id=settings.bot_user_id,
                           page_url_field_id=settings.page_url_field_id,
                           category_field_id=settings.category_field_id)


def build_engine(settings: Settings, helpdesk: ZendeskHelpdesk) -> Engine:
    return Engine(load_model(settings.data_dir, settings.history_file), helpdesk.articles())


def prepare_database(settings: Settings) -> None:
    """Create or migrate the database and seed the policy from the policy file on first start."""
    db = connect(settings.db_path)
    try:
        migrate(db)
        if settings.policy_file:
            with open(settings.policy_file, encoding="utf-8") as fh:
                policy_store.seed_if_empty(db, parse_policy_text(fh.read(), settings.policy_file))
    finally:
        db.conn.close()
