"""Build the long-lived pieces from settings: the helpdesk connector, the context systems, the engine.

The engine and the connectors are imported where they are built: every `deskhand` command imports
this module, and `deskhand --help` must not wait for scikit-learn or a vendor SDK."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.core.config import ConfigError, Settings
from app.helpdesks import plugin
from app.knowledge.page_map import PageMapError, ProductMap
from app.knowledge.page_map import load as load_product_map
from app.pipeline.gather import Systems
from app.policy import store as policy_store
from app.policy.schema import parse_policy_text
from app.store.db import connect, migrate

if TYPE_CHECKING:
    from app.reasoning.engine import Engine
    from connectors.helpdesk import Helpdesk

CALIBRATOR_FILE = "llm-calibrator.json"
SAMPLE_KB = Path(__file__).resolve().parent.parent / "sandbox" / "company" / "kb"
SAMPLE_PRODUCT_MAP = SAMPLE_KB.parent / "product_map.yaml"


def build_helpdesk(settings: Settings) -> Helpdesk:
    """The connector of the helpdesk the settings name (app/helpdesks), on a client of its own."""
    return plugin(settings.helpdesk).connect(settings)


def build_knowledge_sources(settings: Settings, helpdesk: Helpdesk | None = None) -> list:
    """The `kb_sources` setting as KnowledgeBase connectors; a typo is a clear error."""
    found = []
    for spec in (s.strip() for s in settings.kb_sources.split(",") if s.strip()):
        kind, _, arg = spec.partition(":")
        if kind == "markdown" and arg:
            from connectors.markdown_kb import MarkdownFolder
            found.append(MarkdownFolder(SAMPLE_KB if arg == "sample" else arg))
        elif kind == "zendesk" and not arg:
            from connectors.zendesk_kb import ZendeskHelpCenter
            found.append(ZendeskHelpCenter((helpdesk or build_helpdesk(settings)).client))
        elif kind == "intercom" and not arg:
            from connectors.intercom_kb import IntercomArticles
            found.append(IntercomArticles(settings.intercom_token, base_url=settings.intercom_url))
        else:
            raise ConfigError(f"kb_sources: {spec!r} is not markdown:FOLDER, zendesk or intercom")
    names = [s.name for s in found]
    if len(names) != len(set(names)):
        raise ConfigError("kb_sources: each kind of source can be listed once")
    return found


def build_systems(settings: Settings) -> Systems:
    """The context connectors the settings name; a system without a key is not connected."""
    billing = crm = bugs = chat = None
    if settings.stripe_api_key:
        from connectors.stripe_billing import StripeBilling
        billing = StripeBilling(settings.stripe_api_key, base_url=settings.stripe_url)
    if settings.hubspot_token:
        from connectors.hubspot_crm import HubSpotCrm
        crm = HubSpotCrm(settings.hubspot_token, base_url=settings.hubspot_url, portal_id=settings.hubspot_portal_id)
    if settings.linear_api_key:
        from connectors.linear_bugs import LinearBugs
        bugs = LinearBugs(settings.linear_api_key, settings.linear_team_id, base_url=settings.linear_url)
    if settings.slack_token:
        from connectors.slack_chat import SlackChat
        chat = SlackChat(settings.slack_token, base_url=settings.slack_url)
    return Systems(billing=billing, crm=crm, bugs=bugs, chat=chat)


def build_engine(settings: Settings, db, progress=None) -> Engine:
    """The offline engine (wrapped by the LLM one when configured), serving the synced knowledge base.
    `progress(done, total)`: told how a first training advances."""
    from app.knowledge.store import LiveIndex
    from app.reasoning.engine import Engine, load_model
    product_map = build_product_map(settings)  # a broken map is reported before any training
    offline = Engine(load_model(settings.data_dir, settings.history_file, product_map, progress), LiveIndex(db), product_map)
    return with_llm(settings, offline) if settings.engine == "llm" else offline


def build_product_map(settings: Settings) -> ProductMap | None:
    """The `product_map` setting: a file, `sample` (the sample company's), or empty for none.
    A broken map stops the start with its file and entry named, never half-loads."""
    path = str(SAMPLE_PRODUCT_MAP) if settings.product_map == "sample" else settings.product_map
    if not path:
        return None
    try:
        return load_product_map(path)
    except PageMapError as exc:
        raise ConfigError(f"product_map: {exc}") from None


def with_llm(settings: Settings, offline: Engine):
    """The LLM engine around an offline one, with the calibrator `deskhand train` fitted, if any."""
    import os

    from app.reasoning.engine import models_dir
    from app.reasoning.llm_engine import Calibrator, LlmEngine, Prices
    from connectors.llm import ChatModel
    chat = ChatModel(settings.llm_model, base_url=settings.llm_base_url,
                     api_key=settings.llm_api_key or os.environ.get("OPENAI_API_KEY", ""),
                     timeout_s=settings.llm_timeout_s, max_retries=settings.llm_retries)
    return LlmEngine(offline, chat, Prices(settings.llm_price_input, settings.llm_price_output),
                     Calibrator.load(Path(models_dir(settings.data_dir)) / CALIBRATOR_FILE))


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
