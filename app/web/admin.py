"""/admin: the same policy, status and decision log as the Zendesk app's nav_bar, as plain server-
rendered pages — for teams on Intercom only and for operators. No JavaScript.

Sign-in is the `admin_token` setting (compared in constant time); the session is Flask's signed
cookie, HttpOnly, SameSite=Strict, limited to /admin, Secure whenever the request came over HTTPS.
Every form carries a CSRF token that every POST must echo (403 otherwise). A policy change goes
through a confirmation page showing what it would have done to the category's recent tickets.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from app.core.config import Settings
from app.core.strict import BadInput, parse_id, parse_int, same_secret
from app.outcomes import ladder
from app.outcomes.measures import cell
from app.pipeline.actions import awaiting_approval
from app.policy.schema import MODES, PolicyError
from app.reasoning import model_card
from app.store import audit
from app.web import admin_views as admin_data
from app.web import performance_views
from app.web.deps import get_db, helpdesk

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
SESSION_HOURS = 12
PUBLIC = {"admin.login"}  # endpoints reachable without a session


class AdminSessions(SecureCookieSessionInterface):
    """Secure cookies over HTTPS, including behind a proxy that terminated TLS (asking for the
    Secure flag only makes the cookie stricter, so the forwarded header is safe to believe here)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def configure_sessions(app: Flask, settings: Settings) -> None:
    """Every process must sign cookies with the same key, or a second web worker would reject the
    first one's session. With no `session_secret`, the key is derived from `admin_token`, so it
    is shared by construction and rotating the token also signs everyone out."""
    if settings.session_secret:
        app.secret_key = settings.session_secret
    elif settings.admin_token:
        app.secret_key = hmac.new(settings.admin_token.encode(), b"deskhand /admin session v1",
                                  hashlib.sha256).hexdigest()
    app.session_interface = AdminSessions()
    app.config.update(SESSION_COOKIE_NAME="deskhand_admin", SESSION_COOKIE_PATH="/admin",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict")


def _settings() -> Settings:
    return current_app.config["DESKHAND"]


def _fingerprint(token: str) -> str:
    """Stored in the session: a token rotated while `session_secret` stays the same still ends it."""
    return hmac.new(token.encode(), b"deskhand /admin signed in", hashlib.sha256).hexdigest()[:32]


def _signed_in() -> bool:
    return (same_secret(str(session.get("admin", "")), _fingerprint(_settings().admin_token))
            and time.time() - float(session.get("since", 0)) < SESSION_HOURS * 3600)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.app_context_processor
def _template_helpers():
    return {"csrf_token": csrf_token}


def _page(template: str, code: int = 200, **values):
    values.setdefault("signed_in", _signed_in())
    return render_template(f"admin/{template}", modes=MODES, **values), code


@bp.before_request
def guard():
    if not _settings().admin_token:
        return Response("admin page disabled: set admin_token\n", 404, mimetype="text/plain")
    if request.method == "POST":
        sent = request.form.get("csrf", "")
        if not same_secret(sent, str(session.get("csrf", ""))):  # any text, compared as UTF-8 bytes
            return _page("message.html", 403, title="Form expired",
                         message="The form's security token did not match (CSRF check). Reload the page and try again.")
    if request.endpoint not in PUBLIC and not _signed_in():
        return redirect(url_for("admin.login"))


@bp.errorhandler(PolicyError)
def _bad_change(exc: PolicyError):
    return _page("message.html", 400, title="Not changed", message=str(exc))


@bp.errorhandler(BadInput)
def _bad_input(exc: BadInput):
    """app/web/factory.py answers BadInput with JSON; here the same status and message, as a page."""
    return _page("message.html", exc.status, title="Not understood", message=exc.message)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return _page("login.html")
    token = request.form.get("token", "")
    if not same_secret(token, _settings().admin_token):
        return _page("login.html", 401, error="That is not the admin token.")
    session.clear()  # a fresh session and CSRF token on every sign-in
    session.update(admin=_fingerprint(_settings().admin_token), since=time.time())
    return redirect(url_for("admin.policy"))


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("")
@bp.get("/")
def policy():
    return _page("policy.html", table=admin_data.policy_table(get_db()), iso=admin_data.iso)


def _form_change(category: str) -> tuple[dict, int]:
    """The fields the admin filled in (empty means unchanged) and how many tickets to replay."""
    values: dict = {}
    mode = request.form.get("mode", "").strip()
    if mode:
        values["mode"] = mode
    for name in ("send_at", "draft_at"):
        raw = request.form.get(name, "").strip()
        if raw:
            try:
                values[name] = float(raw)
            except ValueError:
                raise PolicyError(f"{name} must be a number from 0 to 1, got {raw!r}") from None
    try:
        n = parse_int(request.form.get("n", "").strip() or None, "n", 1, admin_data.PREVIEW_MAX,
                      admin_data.PREVIEW_DEFAULT)
    except BadInput:
        raise PolicyError(f"the number of tickets to replay must be 1 to {admin_data.PREVIEW_MAX}, "
                          f"got {request.form.get('n', '')[:40]!r}") from None
    return admin_data.parse_change(values, category, model_card.categories(_settings().data_dir)), n


@bp.post("/policy/<category>/preview")
def preview(category: str):
    values, n = _form_change(category)
    if not values:
        raise PolicyError("nothing to change: fill in a mode or a threshold")
    result = admin_data.preview_change(get_db(), category, values, n)
    return _page("confirm.html", preview=result, values=values, n=n)


@bp.post("/policy/<category>")
def apply(category: str):
    values, _ = _form_change(category)
    db = get_db()
    entry = admin_data.apply_change(db, category, values)
    audit.record(db, "policy", platform="admin", ticket_id="", by="admin-page",
                 summary=f"{category}: {values} (from /admin)", category=category, values=values)
    flash(f"{category}: now {entry['mode']}, send_at {entry['send_at']:g}, draft_at {entry['draft_at']:g}")
    return redirect(url_for("admin.policy"))


@bp.post("/policy/<category>/replies")
def replies(category: str):
    """How the category replies (account facts, solving on confirmation, the holding reply): applied at
    once, since replaying past decisions cannot show what these change; a value the policy refuses is
    shown on a page of its own (PolicyError), and nothing is kept."""
    form = request.form
    values = {name: form.get(name) == "on" for name in ("account_facts", "solve_on_confirmation", "holding_reply")}
    values["holding_reply_text"] = form.get("holding_reply_text", "")
    raw = form.get("holding_reply_hours", "").strip() or "0"
    try:
        values["holding_reply_hours"] = int(raw)
    except ValueError:
        raise PolicyError(f"holding_reply_hours must be a whole number of hours, got {raw[:40]!r}") from None
    values = admin_data.parse_change(values, category, model_card.categories(_settings().data_dir))
    db = get_db()
    entry = admin_data.apply_change(db, category, values)
    audit.record(db, "policy", platform="admin", ticket_id="", by="admin-page",
                 summary=f"{category}: {values} (from /admin)", category=category, values=values)
    on = lambda name: "on" if entry[name] else "off"  # noqa: E731
    hours = f" ({entry['holding_reply_hours']} h)" if entry["holding_reply"] and entry["holding_reply_hours"] else ""
    flash(f"{category}: account facts {on('account_facts')}, solve on confirmation {on('solve_on_confirmation')}, "
          f"holding reply {on('holding_reply')}{hours}")
    return redirect(url_for("admin.policy"))


@bp.get("/status")
def status():
    return _page("status.html", status=admin_data.status(_settings(), get_db(), helpdesk()))


@bp.get("/approvals")
def approvals():
    now = time.time()
    rows = [{**a, "waiting": _age(now - a["created_at"])} for a in awaiting_approval(get_db())]
    return _page("approvals.html", rows=rows, iso=admin_data.iso)


@bp.get("/tickets/<ticket_id>")
def trace(ticket_id: str):
    ticket_id = parse_id(ticket_id, "ticket id")
    rows = audit.trail(get_db(), ticket_id)
    return _page("trace.html", ticket_id=ticket_id, trace=audit.format_trail(rows, full=True) if rows else "",
                 ticket_url=helpdesk().ticket_link(ticket_id))


@bp.get("/performance")
def performance():
    days = parse_int(request.args.get("days") or None, "days", 1, performance_views.DAYS_MAX,
                     performance_views.DAYS_DEFAULT)
    return _page("performance.html", view=performance_views.page(get_db(), days), cell=cell)


@bp.post("/ladder/<category>")
def promote(category: str):
    """The one click that applies the ladder's proposal to move a category up."""
    try:
        step = ladder.promote(get_db(), category, "admin-page")
    except ladder.LadderError as exc:
        return _page("message.html", 409, title="Not changed", message=str(exc))
    flash(f"{category}: applied {step.change} ({step.why})")
    return redirect(url_for("admin.performance"))


def _age(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.0f} days"


@bp.get("/decisions")
def decisions():
    limit = parse_int(request.args.get("limit") or None, "limit", 1, admin_data.LOG_MAX, 50)
    return _page("decisions.html", rows=admin_data.decision_log(get_db(), limit, helpdesk().ticket_link),
                 iso=admin_data.iso)


# -- insights (docs/insights.md): the last stored run; computing one is the digest's or the CLI's job --

@bp.get("/insights")
def insights():
    from app.insights.report import html_body, latest
    report = latest(get_db())
    return _page("insights.html", body=html_body(report) if report else "")
