"""Settings: embedded defaults, then an optional TOML file, then DESKHAND_* variables.

Every setting is documented in the README; `Settings.field_docs()` lists them and a test
checks that the README names each one.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from app.core.errors import DeskhandError


class ConfigError(DeskhandError):
    pass


@dataclass(frozen=True)
class Settings:
    data_dir: str = field(default="var", metadata={"doc": "folder for the SQLite database and trained models"})
    zendesk_subdomain: str = field(default="brightline", metadata={"doc": "your Zendesk subdomain"})
    zendesk_email: str = field(default="deskhand-bot@brightline.example", metadata={"doc": "the bot agent's email"})
    zendesk_token: str = field(default="sandbox-token", metadata={"doc": "the bot agent's API token"})
    zendesk_url: str = field(default="", metadata={"doc": "override the API address, e.g. http://127.0.0.1:8025 for the sandbox"})
    zendesk_webhook_secrets: str = field(default="sandbox-signing-secret", metadata={"doc": "webhook signing secret(s), comma-separated to allow rotation"})
    bot_user_id: str = field(default="", metadata={"doc": "the bot's Zendesk user id (looked up with users/me when empty)"})
    category_field_id: str = field(default="360001", metadata={"doc": "Zendesk custom field holding the ticket category (history)"})
    page_url_field_id: str = field(default="360002", metadata={"doc": "Zendesk custom field holding the page the customer was on"})
    product_map: str = field(default="sample", metadata={"doc": "product map (YAML): URL patterns → product areas and their task steps; `sample` is the sample company's, empty for none"})
    opt_out_tag: str = field(default="deskhand_off", metadata={"doc": "tickets with this tag are never touched"})
    policy_file: str = field(default="", metadata={"doc": "policy file (JSON or YAML) seeded into the database on first start"})
    history_file: str = field(default="", metadata={"doc": "labelled history (JSONL) to train on when no model exists"})
    kb_sources: str = field(default="markdown:sample", metadata={"doc": "knowledge sources, comma-separated: markdown:FOLDER (markdown:sample is the sample company's), zendesk (Help Center), intercom (articles)"})
    kb_sync_minutes: int = field(default=60, metadata={"doc": "how often the worker syncs the knowledge sources (0: only `deskhand kb sync`)"})
    intercom_token: str = field(default="", metadata={"doc": "Intercom access token (for Intercom articles)"})
    intercom_url: str = field(default="", metadata={"doc": "override the Intercom API address, e.g. a local sandbox"})
    helpdesk: str = field(default="zendesk", metadata={"doc": "the helpdesk Deskhand works in: zendesk or intercom"})
    intercom_client_secret: str = field(default="", metadata={"doc": "the Intercom app's client secret(s), comma-separated for rotation: verify webhooks (X-Hub-Signature) and Canvas Kit requests (X-Body-Signature)"})
    intercom_admin_id: str = field(default="", metadata={"doc": "the Intercom admin Deskhand replies as (looked up with /me when empty)"})
    intercom_workspace_id: str = field(default="", metadata={"doc": "the Intercom workspace (app) id, for links to conversations in the inbox; when set, Canvas Kit requests from other workspaces are refused"})
    intercom_label_attributes: bool = field(default=False, metadata={"doc": "also keep Deskhand's labels (deskhand_action, deskhand_category, flags) as Intercom conversation attributes, for inbox views and reports: one more API request per write"})
    stripe_api_key: str = field(default="", metadata={"doc": "Stripe secret or restricted key (billing context and refunds); empty: not connected"})
    stripe_url: str = field(default="", metadata={"doc": "override the Stripe API address (a local stand-in)"})
    hubspot_token: str = field(default="", metadata={"doc": "HubSpot private-app token (CRM context); empty: not connected"})
    hubspot_url: str = field(default="", metadata={"doc": "override the HubSpot API address"})
    hubspot_portal_id: str = field(default="", metadata={"doc": "HubSpot portal id, for links to contact records"})
    linear_api_key: str = field(default="", metadata={"doc": "Linear API key (bug tracker context); empty: not connected"})
    linear_team_id: str = field(default="", metadata={"doc": "Linear team new issues are filed in"})
    linear_url: str = field(default="", metadata={"doc": "override the Linear GraphQL address"})
    slack_token: str = field(default="", metadata={"doc": "Slack bot token (escalation alerts); empty: not connected"})
    slack_url: str = field(default="", metadata={"doc": "override the Slack Web API address"})
    slack_channel: str = field(default="", metadata={"doc": "Slack channel for escalation alerts"})
    engine: str = field(default="offline", metadata={"doc": "reasoning engine: offline (no network) or llm"})
    llm_model: str = field(default="gpt-4o-mini", metadata={"doc": "LLM engine: model name"})
    llm_base_url: str = field(default="", metadata={"doc": "LLM engine: OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (empty: OpenAI)"})
    llm_api_key: str = field(default="", metadata={"doc": "LLM engine: API key (or OPENAI_API_KEY)"})
    llm_timeout_s: float = field(default=20.0, metadata={"doc": "LLM engine: per-call timeout, at most 30 s"})
    llm_retries: int = field(default=1, metadata={"doc": "LLM engine: retries after a timeout, 429 or 5xx"})
    llm_price_input: float = field(default=0.0, metadata={"doc": "LLM engine: USD per million input tokens, for cost records"})
    llm_price_output: float = field(default=0.0, metadata={"doc": "LLM engine: USD per million output tokens"})
    lease_s: int = field(default=60, metadata={"doc": "how long a worker holds a claimed job"})
    max_attempts: int = field(default=5, metadata={"doc": "tries before a job goes to the dead-letter table"})
    retry_base_s: float = field(default=2.0, metadata={"doc": "first retry delay; doubles on each try"})
    poll_s: float = field(default=0.2, metadata={"doc": "worker idle poll interval"})
    ai_label: str = field(default="— Deskhand, an automated assistant. Reply to this message to reach a person.",
                          metadata={"doc": "the AI-disclosure line added to every public reply"})
    allowed_link_hosts: str = field(default="", metadata={"doc": "hosts public replies may link to, comma-separated (Help Center hosts are always allowed)"})
    canaries: str = field(default="", metadata={"doc": "secret strings that must never appear in a public reply, comma-separated"})
    refund_cap: int = field(default=10000, metadata={"doc": "largest refund Deskhand may propose, in minor units (cents)"})
    refunds_per_customer_30d: int = field(default=1, metadata={"doc": "refunds one customer may get through Deskhand in 30 days"})
    max_body_bytes: int = field(default=1024 * 1024, metadata={"doc": "largest webhook body accepted"})
    zendesk_app_secret: str = field(default="", metadata={"doc": "the Zendesk app's secure `shared_secret`: signs the JWT on every /api/zendesk call (empty: the app API refuses all)"})
    admin_token: str = field(default="", metadata={"doc": "token that signs in to the /admin page (empty: /admin is disabled)"})
    session_secret: str = field(default="", metadata={"doc": "key signing the /admin session cookie (empty: derived from admin_token, the same in every process)"})
    metrics_token: str = field(default="", metadata={"doc": "bearer token a Prometheus scraper sends to GET /metrics (empty: /metrics is disabled)"})
    # backlog sweeps, the worker's schedule and the client-side rate budget (app/backlog/sweeps.py, app/schedule/scheduler.py)
    sweep_enabled: bool = field(default=False, metadata={"doc": "false: backlog sweeps only list what they would enqueue (dry run); true: they enqueue"})
    sweep_minutes: int = field(default=15, metadata={"doc": "how often the worker sweeps the backlog (0: use sweep_cron; both unset: no scheduled sweep)"})
    sweep_cron: str = field(default="", metadata={"doc": "crontab line (UTC) for the sweep instead of an interval, e.g. `*/30 7-19 * * 1-5`"})
    sweep_waiting_minutes: int = field(default=15, metadata={"doc": "a customer message unanswered this long (and unseen by Deskhand) is swept up"})
    sweep_max_actions: int = field(default=50, metadata={"doc": "tickets one sweep enqueues at most (0: no cap); the rest wait for the next run"})
    sweep_lookback_days: int = field(default=7, metadata={"doc": "how far back the first sweep (or `deskhand sweep --reset`) starts"})
    rate_limit_per_minute: int = field(default=160, metadata={"doc": "Zendesk API calls a minute that sweeps and replays may make: keep it below your plan's limit (Team 200, Professional 400, Enterprise 700)"})
    export_rate_per_minute: int = field(default=9, metadata={"doc": "incremental export calls a minute: a little below Zendesk's 10 (30 with High Volume), so timing jitter never draws a 429"})
    outcomes_sweep_minutes: int = field(default=360, metadata={"doc": "how often the worker reads back the tickets Deskhand acted on whose outcome is still open (solve, reopen, rating, category) for what no event announced (0: only `deskhand outcomes`)"})
    digest_cron: str = field(default="0 8 * * *", metadata={"doc": "crontab line (UTC) for the daily digest hook (empty: off)"})
    retrain_cron: str = field(default="0 3 * * 0", metadata={"doc": "crontab line (UTC) for retraining on the team's corrections; the new model becomes current only if at least as good on recent tickets (empty: off)"})

    @classmethod
    def field_docs(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("doc", "") for f in fields(cls)}

    @property
    def db_path(self) -> str:
        return str(Path(self.data_dir) / "deskhand.db")

    @property
    def canary_list(self) -> tuple[str, ...]:
        return tuple(c.strip() for c in self.canaries.split(",") if c.strip())

    @property
    def link_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.allowed_link_hosts.split(",") if h.strip())

    @property
    def webhook_secrets(self) -> list[str]:
        return [s.strip() for s in self.zendesk_webhook_secrets.split(",") if s.strip()]

    @property
    def intercom_secrets(self) -> list[str]:
        return [s.strip() for s in self.intercom_client_secret.split(",") if s.strip()]

    def with_overrides(self, **values) -> "Settings":
        return replace(self, **_coerce(values))


# Secrets and tokens published with the sandbox (the defaults above, the sandbox's and the demo's):
# anyone can sign a webhook with them, so they are only fit for a helpdesk on this machine.
SANDBOX_SECRETS = frozenset({
    "sandbox-signing-secret", "sandbox-token",                      # the defaults above, `deskhand sandbox`
    "sandbox_webhook_signing_secret",                               # sandbox/webhooks.py
    "sandbox-intercom-token", "sandbox_intercom_client_secret",     # sandbox/intercom_sandbox.py
    "demo-signing-secret",                                          # app/cli/demo.py
})


def env_name(setting: str) -> str:
    return f"DESKHAND_{setting.upper()}"


def is_loopback_url(url: str) -> bool:
    """True for an address on this machine: localhost, 127.0.0.1 (any 127.x) or ::1."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def helpdesk_url(settings: "Settings") -> str:
    """The address Deskhand talks to: the configured override, else the real helpdesk's."""
    if settings.helpdesk == "intercom":
        return settings.intercom_url or "https://api.intercom.io"
    return settings.zendesk_url or f"https://{settings.zendesk_subdomain}.zendesk.com"


def unsafe_defaults(settings: "Settings") -> list[str]:
    """The settings that still hold a sandbox secret or token while the helpdesk is not the local
    sandbox (`deskhand serve` and `deskhand worker` refuse to start then). Both webhook endpoints
    are always served, so both webhook secrets count whichever helpdesk is in use."""
    if is_loopback_url(helpdesk_url(settings)):
        return []
    def public(value: str) -> bool:
        return any(part.strip() in SANDBOX_SECRETS for part in value.split(","))
    checked = ["zendesk_webhook_secrets", "intercom_client_secret", "intercom_token"]
    if settings.helpdesk == "zendesk":
        checked.insert(1, "zendesk_token")
    return [name for name in checked if public(getattr(settings, name))]


def unsafe_defaults_refusal(settings: "Settings") -> str:
    """The one line `serve` and `worker` stop with, or '' when the settings are safe to start with."""
    unsafe = unsafe_defaults(settings)
    if not unsafe:
        return ""
    named = [f"{name} ({env_name(name)})" for name in unsafe]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return (f"refusing to start with the sandbox's public secrets against {helpdesk_url(settings)}: "
            f"set {listed} to your own values (sandbox values are accepted only with a helpdesk on localhost)")


def _check(settings: "Settings") -> "Settings":
    # `helpdesk` is checked against the plug-in registry (app/helpdesks), its one owner, by the CLI
    if settings.engine not in ("offline", "llm"):
        raise ConfigError(f"setting 'engine' must be offline or llm, got {settings.engine!r}")
    for name in ("sweep_cron", "digest_cron"):
        # the embedded defaults are known good: only a line someone wrote costs apscheduler's import
        if getattr(settings, name) and getattr(settings, name) != Settings.__dataclass_fields__[name].default:
            from apscheduler.triggers.cron import CronTrigger
            try:
                CronTrigger.from_crontab(getattr(settings, name), timezone="UTC")
            except ValueError as exc:
                raise ConfigError(f"setting {name!r} is not a crontab line "
                                  f"(minute hour day month weekday): {exc}") from None
    for name in ("sweep_minutes", "sweep_waiting_minutes", "sweep_max_actions", "sweep_lookback_days",
                 "rate_limit_per_minute", "export_rate_per_minute", "outcomes_sweep_minutes"):
        if getattr(settings, name) < 0:
            raise ConfigError(f"setting {name!r} must not be negative")
    return settings


def _coerce(values: dict) -> dict:
    types = {f.name: f.type for f in fields(Settings)}
    out = {}
    for name, value in values.items():
        if name not in types:
            raise ConfigError(f"unknown setting {name!r}")
        kind = types[name]
        try:
            out[name] = _bool(value) if kind == "bool" else int(value) if kind == "int" \
                else float(value) if kind == "float" else str(value)
        except (TypeError, ValueError):
            wanted = {"int": "a whole number", "float": "a number", "bool": "true or false"}.get(kind, "text")
            raise ConfigError(f"setting {name!r} must be {wanted}, got {value!r}") from None
    return out


def _bool(value) -> bool:
    """TOML gives a bool; an environment variable gives text."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ValueError(value)


def load_settings(config_file: str | None = None, environ: dict | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    settings = Settings()
    path = config_file or environ.get("DESKHAND_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                settings = settings.with_overrides(**tomllib.load(fh))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    env = {name: environ[env_name(name)] for name in Settings.field_docs() if env_name(name) in environ}
    return _check(settings.with_overrides(**env))
