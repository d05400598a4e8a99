"""What every endpoint takes from the running app: the request's database connection, the webhook
writer, the helpdesk connector and the context systems. The blueprints import these, never the
factory, so the factory can import the blueprints without a circle."""
from __future__ import annotations

import threading

from flask import current_app, g

from app.store import db as dbmod
from app.store.group_commit import GroupCommit


def writer() -> GroupCommit:
    return current_app.extensions["deskhand.writer"]


def get_db():
    """A read connection for this request (sqlite3 connections must not cross threads)."""
    if "db" not in g:
        g.db = dbmod.connect(current_app.config["DESKHAND"].db_path)
    return g.db


_lock = threading.Lock()


def helpdesk():
    """The helpdesk connector the app API uses (caller roles, ticket links), built on first use;
    tests may put their own in app.extensions["deskhand.helpdesk"]."""
    with _lock:
        if "deskhand.helpdesk" not in current_app.extensions:
            from app.build import build_helpdesk
            current_app.extensions["deskhand.helpdesk"] = build_helpdesk(current_app.config["DESKHAND"])
    return current_app.extensions["deskhand.helpdesk"]


def systems():
    """The context systems approved actions run against (Stripe, HubSpot, Linear, Slack)."""
    with _lock:
        if "deskhand.systems" not in current_app.extensions:
            from app.build import build_systems
            current_app.extensions["deskhand.systems"] = build_systems(current_app.config["DESKHAND"])
    return current_app.extensions["deskhand.systems"]
