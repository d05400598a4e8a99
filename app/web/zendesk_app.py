"""The JSON API the Zendesk app (ticket sidebar, nav_bar) calls through Zendesk's request proxy.

Every request carries the proxy's JWT (app/web/zendesk_auth.py); the caller's role comes from Zendesk,
not from the token. End users get 403 everywhere, agents 403 on /admin/*. Every error is JSON
{"error": "..."}: 400 bad input, 401 authentication, 403 role, 404 unknown, 409 conflict. Ids,
numbers and bodies go through app/core/strict.py, whose BadInput app/web/factory.py answers (400 or 413).
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app.core.strict import MAX_ROW_ID, BadInput, parse_id, parse_int, parse_json
from app.learning.history import learn_from_feedback
from app.outcomes import ladder
from app.pipeline import actions
from app.policy.schema import PolicyError
from app.reasoning import model_card
from app.store import audit, feedback, risks, wakeup
from app.store import views as app_data
from app.store.feedback import FeedbackError
from app.web import admin_views as admin_data
from app.web import performance_views
from app.web import zendesk_auth as app_auth
from app.web.deps import get_db, helpdesk, systems
from app.web.zendesk_auth import AuthError
from connectors.errors import ConnectorError, NotFound

bp = Blueprint("zendesk_app", __name__, url_prefix="/api/zendesk")
PLATFORM = "zendesk"


def settings():
    return current_app.config["DESKHAND"]


@bp.before_request
def authenticate():
    if request.method == "OPTIONS":
        return Response(status=204)  # a CORS preflight carries no token; the headers come below
    caller = app_auth.verify(request.headers.get("Authorization"), settings().zendesk_app_secret,
                             settings().zendesk_subdomain)
    try:
        role = helpdesk().user_role(caller.user_id)
    except NotFound:
        raise AuthError(403, f"Zendesk has no user {caller.user_id}") from None
    app_auth.require_role(role, admin=request.path.startswith(f"{bp.url_prefix}/admin/"))
    g.caller = replace(caller, role=role)


@bp.after_request
def cors(response: Response) -> Response:
    # Zendesk's proxy calls us server to server and needs none of this; a page on another origin
    # (the browser tests, a local app server) does. Any origin may call: the signed token, not the
    # origin, is the guard, and no cookie is ever accepted here (so no Allow-Credentials).
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def _error(status: int, message: str):
    return jsonify(error=message), status


bp.register_error_handler(AuthError, lambda e: _error(e.status, e.message))
bp.register_error_handler(PolicyError, lambda e: _error(400, str(e)))
bp.register_error_handler(FeedbackError, lambda e: _error(400, str(e)))
bp.register_error_handler(actions.ActionError, lambda e: _error(409, str(e)))
bp.register_error_handler(ConnectorError, lambda e: _error(503, f"Zendesk could not be asked: {e}"))
bp.register_error_handler(HTTPException, lambda e: _error(e.code or 500, e.description or e.name))


def _body() -> dict:
    if not request.get_data(cache=True):
        raise BadInput("body must be JSON (Content-Type: application/json)")
    if not request.is_json:
        raise BadInput("body must be JSON: send Content-Type: application/json")
    data = parse_json(request.get_data(cache=True), max_bytes=settings().max_body_bytes)
    if not isinstance(data, dict):
        raise BadInput("body must be a JSON object")
    return data


# -- the ticket sidebar ---------------------------------------------------------------------------

@bp.get("/tickets/<ticket_id>")
def ticket(ticket_id: str):
    ticket_id = parse_id(ticket_id, "ticket id")
    view = app_data.ticket_view(get_db(), PLATFORM, ticket_id, helpdesk().ticket_link(ticket_id))
    if view is None:
        return _error(404, f"Deskhand has no record of ticket {ticket_id}")
    # what "wrong category" may name instead (the current model's categories)
    view["categories"] = sorted(model_card.categories(settings().data_dir) or [])
    return jsonify({**view, "account_risk": _account_risk(ticket_id)})


def _account_risk(ticket_id: str) -> dict | None:
    """The churn risk of the ticket's account from the last insights run (docs/insights.md)."""
    risk = risks.for_ticket(get_db(), ticket_id)
    return None if risk is None else {"name": risk["name"], "score": risk["score"], "level": risk["level"],
                                      "reasons": risk["reasons"], "plan": risk["plan"], "arr": risk["arr"]}


@bp.post("/actions/<action_id>/approve")
def approve(action_id: str):
    action_id = parse_int(action_id, "action id", 1, MAX_ROW_ID)
    db = get_db()
    row = actions.get(db, action_id)
    if row is None:
        return _error(404, f"no action {action_id}")
    if row["status"] == "executed":  # a second click; approve() would say so too, with 200
        return _error(409, f"action {action_id} is already {row['status']}"
                      + (f": {row['result']}" if row["result"] else ""))
    s = settings()
    result = actions.approve(db, action_id, g.caller.who, systems(),
                             actions.Caps(s.refund_cap, s.refunds_per_customer_30d))
    wakeup.ring(s.data_dir)  # the customer's confirmation is a job: an idle worker writes it now
    return jsonify(result=result)


@bp.post("/feedback")
def rate():
    body = _body()
    ticket_id, rating, comment = feedback.parse(body)
    category = feedback.parse_category(body, model_card.categories(settings().data_dir))
    db = get_db()
    new_id = feedback.store(db, PLATFORM, ticket_id, g.caller.user_id, rating, comment, category)
    if new_id is None:
        return _error(404, f"Deskhand has no record of ticket {ticket_id}")
    # the right category joins the training history, with the message Deskhand classified
    learned = bool(category) and learn_from_feedback(db, PLATFORM, ticket_id, category)
    return jsonify(id=new_id, learned=learned), 201


# -- the nav_bar (admins) ---------------------------------------------------------------------------

@bp.get("/admin/policy")
def policy():
    return jsonify(admin_data.policy_table(get_db()))


@bp.post("/admin/policy/preview")
def preview():
    body = _body()
    category = body.pop("category", None)
    if not isinstance(category, str) or not category:
        raise BadInput("category is required")
    n = parse_int(body.pop("n", None), "n", 1, admin_data.PREVIEW_MAX, admin_data.PREVIEW_DEFAULT)
    return jsonify(admin_data.preview_change(get_db(), category, admin_data.parse_change(
        body, category, model_card.categories(settings().data_dir)), n))


@bp.put("/admin/policy/<category>")
def set_policy(category: str):
    values = admin_data.parse_change(_body(), category, model_card.categories(settings().data_dir))
    db = get_db()
    entry = admin_data.apply_change(db, category, values)
    audit.record(db, "policy", platform="admin", ticket_id="", by=g.caller.who,
                 summary=f"{category}: {values} (from the Zendesk app)", category=category, values=values)
    return jsonify(entry)


@bp.get("/admin/status")
def status():
    return jsonify(admin_data.status(settings(), get_db(), helpdesk()))


@bp.get("/admin/decisions")
def decisions():
    limit = parse_int(request.args.get("limit"), "limit", 1, admin_data.LOG_MAX, 50)
    return jsonify(admin_data.decision_log(get_db(), limit, helpdesk().ticket_link))


@bp.get("/admin/performance")
def performance():
    days = parse_int(request.args.get("days"), "days", 1, performance_views.DAYS_MAX, performance_views.DAYS_DEFAULT)
    return jsonify(performance_views.page(get_db(), days))


@bp.post("/admin/ladder/<category>")
def promote(category: str):
    """Apply the autonomy ladder's proposal to move `category` up (409 when there is none)."""
    try:
        step = ladder.promote(get_db(), category, g.caller.who)
    except ladder.LadderError as exc:
        return _error(409, str(exc))
    return jsonify({"category": category, "change": step.change, "why": step.why})


# -- the nav_bar's insights (docs/insights.md) -------------------------------------------------------

@bp.get("/admin/insights")
def insights():
    from app.insights.report import latest
    return jsonify(report=latest(get_db()))
