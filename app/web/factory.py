"""The Flask app: webhook intake, health, the Zendesk app's API and /admin. No scheduler lives
here, and webhook intake makes no remote call (the app API asks Zendesk for the caller's role)."""
from __future__ import annotations

import threading

from flask import Flask, g, jsonify
from werkzeug.exceptions import HTTPException

from . import db as dbmod
from .config import Settings, load_settings
from .group_commit import GroupCommit
from .strict import BadInput


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

    from .webhooks import bp as webhooks_bp
    app.register_blueprint(webhooks_bp)
    # the Zendesk app's JSON API (token per request) and the /admin page (session cookie)
    from .admin_page import bp as admin_bp
    from .admin_page import configure_sessions
    from .zendesk_app_api import bp as zendesk_app_bp
    app.register_blueprint(zendesk_app_bp)
    app.register_blueprint(admin_bp)
    # the Intercom inbox app (Canvas Kit; X-Body-Signature per request)
    from .intercom_canvas import bp as intercom_canvas_bp
    app.register_blueprint(intercom_canvas_bp)
    configure_sessions(app, settings)

    @app.get("/healthz")
    def health():
        from .jobs import queue_depth
        return jsonify(status="ok", jobs=queue_depth(get_db()), counters=dbmod.counters(get_db()))

    @app.errorhandler(BadInput)
    def bad_input(exc: BadInput):
        # every strict.parse_* refusal, from any endpoint: the status it carries and its message
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


def writer() -> GroupCommit:
    from flask import current_app
    return current_app.extensions["deskhand.writer"]


def get_db():
    """A read connection for this request (sqlite3 connections must not cross threads)."""
    from flask import current_app
    if "db" not in g:
        g.db = dbmod.connect(current_app.config["DESKHAND"].db_path)
    return g.db


_lock = threading.Lock()


def helpdesk():
    """The helpdesk connector the app API uses (caller roles, ticket links), built on first use;
    tests may put their own in app.extensions["deskhand.helpdesk"]."""
    from flask import current_app
    with _lock:
        if "deskhand.helpdesk" not in current_app.extensions:
            from .services import build_helpdesk
            current_app.extensions["deskhand.helpdesk"] = build_helpdesk(current_app.config["DESKHAND"])
    return current_app.extensions["deskhand.helpdesk"]


def systems():
    """The context systems approved actions run against (Stripe, HubSpot, Linear, Slack)."""
    from flask import current_app
    with _lock:
        if "deskhand.systems" not in current_app.extensions:
            from .services import build_systems
            current_app.extensions["deskhand.systems"] = build_systems(current_app.config["DESKHAND"])
    return current_app.extensions["deskhand.systems"]
