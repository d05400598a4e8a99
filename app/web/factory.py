"""The Flask app: webhook intake, health, the Zendesk app's API and /admin. No scheduler lives
here, and webhook intake makes no remote call (the app API asks Zendesk for the caller's role)."""
from __future__ import annotations

import importlib

from flask import Flask, g, jsonify, redirect
from werkzeug.exceptions import HTTPException

from app.core.config import Settings, load_settings
from app.core.errors import DeskhandError
from app.helpdesks import HELPDESKS
from app.store import db as dbmod
from app.store.group_commit import GroupCommit
from app.store.jobs import queue_depth
from app.web.admin import bp as admin_bp
from app.web.admin import configure_sessions
from app.web.deps import get_db
from app.web.metrics import register as register_metrics
from app.web.webhooks import bp as webhooks_bp


def create_app(settings: Settings | None = None, clock=None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["DESKHAND"] = settings
    app.config["CLOCK"] = clock  # injectable for signature-window tests
    # Werkzeug refuses larger bodies with 413 before we read or verify anything.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes

    database = dbmod.connect(settings.db_path)
    dbmod.migrate(database)
    database.conn.close()
    # Webhook writes go through one writer thread per process (started on first use).
    app.extensions["deskhand.writer"] = GroupCommit(settings.db_path)

    app.register_blueprint(webhooks_bp)
    # the /admin pages (session cookie)
    app.register_blueprint(admin_bp)
    # each helpdesk's agent-side app (the Zendesk sidebar and nav_bar API, the Intercom canvas), as
    # its plug-in names it
    for helpdesk in HELPDESKS.values():
        if helpdesk.agent_app:
            module, _, attribute = helpdesk.agent_app.partition(":")
            app.register_blueprint(getattr(importlib.import_module(module), attribute))
    configure_sessions(app, settings)
    register_metrics(app)  # GET /metrics, for a scraper with the metrics_token

    @app.get("/")
    def index():
        """Where to go from here: the admin pages when they are switched on, else what this server answers."""
        if settings.admin_token:
            return redirect("/admin")
        return jsonify(service="deskhand", health="/healthz",
                       webhooks=[f"/webhooks/{name}" for name in HELPDESKS],
                       admin="off: set admin_token (DESKHAND_ADMIN_TOKEN) to open /admin")

    @app.get("/healthz")
    def health():
        return jsonify(status="ok", jobs=queue_depth(get_db()), counters=dbmod.counters(get_db()))

    @app.errorhandler(DeskhandError)
    def refused(exc: DeskhandError):
        # every refusal (strict.parse_* and the rest), from any endpoint: its status and its message
        return jsonify(error=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return jsonify(error=exc.name, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return jsonify(error="Internal Server Error", message="the error was logged"), 500

    @app.teardown_appcontext
    def close_db(_exc):
        database = g.pop("db", None)
        if database is not None:
            database.conn.close()

    return app
