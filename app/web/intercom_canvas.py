"""The Intercom inbox app: Deskhand in the conversation details panel, as a Canvas Kit app
(reference B4). Intercom POSTs to the Initialize URL when a teammate opens a conversation and to
the Submit URL when they click a button; each answer is a canvas.

    POST /intercom/canvas/initialize   triage, reasons, evidence, the draft, pending actions
    POST /intercom/canvas/submit       approve_<id> | insert_draft | rate_<rating> (+ input "comment")

Every request is verified first: `X-Body-Signature` = hex HMAC-SHA256 of the raw body with the
app's client secret (`intercom_client_secret`, several for rotation). A missing or wrong signature
is 401 and a body that is not the JSON Intercom sends is 400, each `{"error": "…"}`; Intercom shows
its own error in the panel, which is right for a request that did not come from it. A teammate's
mistake inside a good request (a comment too long, an action that cannot run) is shown in the
canvas instead, where they can read it.

The data is the Zendesk sidebar's (app/store/views.py ticket_view over the platform "intercom"
records); approving and rating go through the same app/pipeline/actions.py and app/store/feedback.py.

Insert draft. Canvas Kit cannot write into Intercom's reply composer (only Messenger apps can
open sheets, and `card_creation_options` inserts an app card, not text). So `insert_draft`
answers with the draft in a text area the teammate copies into the reply: nothing is written to
the conversation. Posting the draft as a note instead would add a write outside the reply ledger,
and a drafted conversation already has the proposal in Deskhand's note.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from app.core.strict import MAX_ROW_ID, BadInput, is_id, parse_int, parse_json, shown
from app.intake.signatures import SignatureError, verify_intercom_canvas
from app.pipeline import actions
from app.store import feedback, wakeup
from app.store import views as app_data
from app.store.feedback import FeedbackError
from app.web.deps import get_db, systems

bp = Blueprint("intercom_canvas", __name__, url_prefix="/intercom/canvas")
PLATFORM = "intercom"
RATE = {f"rate_{r}": r for r in feedback.RATINGS}
MAX_TEXT, MAX_EVIDENCE = 400, 15  # a canvas is at most 64 KB; long lists go to the conversation


def _error(status: int, message: str):
    return jsonify(error=message), status


@bp.before_request
def verify():
    settings = current_app.config["DESKHAND"]
    if not settings.intercom_secrets:
        return _error(401, "intercom_client_secret is not set: Canvas Kit requests cannot be verified")
    body = request.get_data(cache=True)  # the raw bytes are what Intercom signed
    try:
        verify_intercom_canvas(settings.intercom_secrets, request.headers.get("X-Body-Signature"), body)
    except SignatureError as exc:
        return _error(401, str(exc))
    data = parse_json(body, max_bytes=settings.max_body_bytes)  # BadInput: 400/413 from app/web/factory.py
    if not isinstance(data, dict):
        return _error(400, "body must be a JSON object")
    conversation = data.get("conversation")
    cid = conversation.get("id") if isinstance(conversation, dict) else None
    if not is_id(cid):
        return _error(400, "conversation.id is required (a conversation id): the app belongs in the "
                           "conversation details panel")
    # One app (one client secret) can be installed in several workspaces, whose conversation ids
    # may collide: when the workspace is configured, requests from any other one are refused.
    workspace = str(data.get("workspace_id") or "")
    if settings.intercom_workspace_id and workspace != settings.intercom_workspace_id:
        return _error(403, f"workspace {workspace or '(none)'} is not this Deskhand's "
                           f"({settings.intercom_workspace_id})")
    g.canvas_request, g.conversation_id = data, str(cid)


@bp.post("/initialize")
def initialize():
    return jsonify(canvas(g.conversation_id))


@bp.post("/submit")
def submit():
    data, cid = g.canvas_request, g.conversation_id
    component = data.get("component_id")
    if not isinstance(component, str) or not component:
        raise BadInput("component_id is required")
    inputs = data.get("input_values") or {}
    if not isinstance(inputs, dict):
        raise BadInput("input_values must be an object")
    if component == "insert_draft":
        return jsonify(canvas(cid, show_draft_box=True))
    if component.startswith("approve_"):
        return jsonify(canvas(cid, notice=_approve(cid, component.removeprefix("approve_"), _admin(data))))
    if component in RATE:
        return jsonify(canvas(cid, notice=_rate(cid, RATE[component], inputs.get("comment"), _admin(data))))
    raise BadInput(f"unknown component_id {shown(component)}: expected approve_<id>, insert_draft or "
                   f"{', '.join(RATE)}")


def _admin(data: dict) -> str:
    """The teammate who clicked: approvals and ratings are recorded under their Intercom id."""
    admin = data.get("admin")
    admin_id = admin.get("id") if isinstance(admin, dict) else None
    if isinstance(admin_id, bool) or not isinstance(admin_id, (str, int)) or not str(admin_id).strip():
        raise BadInput("admin.id is required to approve or rate")
    return str(admin_id).strip()


def _approve(cid: str, raw_id: str, admin_id: str) -> tuple[str, str]:
    try:
        action_id = parse_int(raw_id, "action id", 1, MAX_ROW_ID)
    except BadInput:
        raise BadInput(f"approve_ must be followed by an action id, got {shown(raw_id)}") from None
    db = get_db()
    row = actions.get(db, action_id)
    # the id comes from the canvas, which anyone holding a signed request could edit: an action
    # is approved only from its own conversation
    if row is None or row["platform"] != PLATFORM or str(row["ticket_id"]) != cid:
        return "error", f"No action {action_id} on this conversation."
    s = current_app.config["DESKHAND"]
    try:
        result = actions.approve(db, action_id, f"intercom:{admin_id}", systems(),
                                 actions.Caps(s.refund_cap, s.refunds_per_customer_30d))
    except actions.ActionError as exc:
        return "error", str(exc)
    wakeup.ring(s.data_dir)  # the customer's confirmation is a job: an idle worker writes it now
    return "muted", f"{row['action']} #{action_id}: {result}"


def _rate(cid: str, rating: str, comment, admin_id: str) -> tuple[str, str]:
    try:
        ticket_id, rating, comment = feedback.parse({"ticket_id": cid, "rating": rating,
                                                     "comment": "" if comment is None else comment})
    except FeedbackError as exc:
        return "error", str(exc)
    if feedback.store(get_db(), PLATFORM, ticket_id, admin_id, rating, comment) is None:
        return "error", "Deskhand has no decision on this conversation to rate."
    return "muted", f"Thanks — rated {rating.replace('_', ' ')}."


# -- the canvas -------------------------------------------------------------------------------------

def canvas(cid: str, notice: tuple[str, str] | None = None, show_draft_box: bool = False) -> dict:
    view = app_data.ticket_view(get_db(), PLATFORM, cid, "")  # the panel sits in the conversation: no link
    return {"canvas": {"content": {"components": components(view, notice, show_draft_box)}}}


def _text(text: str, style: str = "paragraph", **extra) -> dict:
    return {"type": "text", "text": text, "style": style, **extra}


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def components(view: dict | None, notice: tuple[str, str] | None = None, show_draft_box: bool = False) -> list[dict]:
    """Canvas Kit components for one conversation's view (app_data.ticket_view), pure."""
    out: list[dict] = []
    if notice:
        out += [_text(notice[1], notice[0], id="notice"), {"type": "divider"}]
    if view is None:
        return out + [_text("Deskhand has not handled this conversation.", "muted", id="no_record")]
    triage, decision = view["triage"] or {}, view["decision"]
    out.append(_text("Deskhand", "header"))
    if triage:
        line = f"**{triage.get('category') or 'unknown'}** · {float(triage.get('confidence') or 0):.0%} confident"
        extras = [f"sentiment {triage['sentiment']}" if triage.get("sentiment") is not None else "",
                  ", ".join(triage.get("flags") or [])]
        out.append(_text(line + "".join(f" · {e}" for e in extras if e), id="triage"))
    out.append(_text(f"**{decision['action']}**" + (f" ({decision['mode']})" if decision.get("mode") else ""),
                     id="decision"))
    if decision["reasons"]:
        out.append({"type": "list", "items": [
            {"type": "item", "id": f"reason_{n}", "title": _cut(r, 120), "disabled": True}
            for n, r in enumerate(decision["reasons"])]})
    if view["evidence"] or view["gaps"]:
        out += [{"type": "divider"}, _text("Evidence", "header")]
    if view["evidence"]:
        items = []
        for n, fact in enumerate(view["evidence"][:MAX_EVIDENCE]):
            item = {"type": "item", "id": f"evidence_{n}", "title": _cut(fact["source"] or "source", 60),
                    "subtitle": _cut(fact["text"], 200)}
            if (fact["link"] or "").startswith(("https://", "http://")):
                item["action"] = {"type": "url", "url": fact["link"]}
            items.append(item)
        out.append({"type": "list", "items": items})
        if len(view["evidence"]) > MAX_EVIDENCE:
            out.append(_text(f"{len(view['evidence']) - MAX_EVIDENCE} more in Deskhand's note.", "muted"))
    for gap in view["gaps"]:
        out.append(_text(_cut(f"Missing: {gap['source']} — {gap['reason']}"), "muted"))
    draft = view["draft"]
    if draft:
        out += [{"type": "divider"}, _text("Proposed reply", "header")]
        if show_draft_box:
            # Canvas Kit cannot write into the composer: the draft to copy, in a text area
            out += [{"type": "textarea", "id": "draft_text", "label": "Copy into your reply",
                     "value": draft["text"][:10000]}]
        else:
            # one text component per line: a component's text is one block, and the reply's
            # line breaks (greeting, steps, sign-off) are what make it readable
            lines = [line.strip() for line in draft["text"][:4000].splitlines() if line.strip()]
            out += [_text(_cut(line, 1000), id=f"draft_{n}") for n, line in enumerate(lines)]
        cited = [c for c in draft["citations"] if (c["url"] or "").startswith(("https://", "http://"))]
        if cited:
            out.append({"type": "list", "items": [
                {"type": "item", "id": f"cited_{n}", "title": _cut(c["title"], 80), "action": {"type": "url", "url": c["url"]}}
                for n, c in enumerate(cited)]})
        if not show_draft_box:
            out.append({"type": "button", "id": "insert_draft", "label": "Insert draft", "style": "secondary",
                        "action": {"type": "submit"}})
    if view["pending_actions"] or view["actions_taken"]:
        out += [{"type": "divider"}, _text("Actions", "header")]
    for a in view["pending_actions"]:
        out.append(_text(_cut(f"{a['action']}: {a['summary']}" + (f" — last try: {a['result']}" if a["result"] else ""))))
        out.append({"type": "button", "id": f"approve_{a['id']}", "label": f"Approve {a['action']}",
                    "style": "primary", "action": {"type": "submit"}})
    for a in view["actions_taken"]:
        out.append(_text(_cut(f"{a['action']} {a['status']}" + (f" by {a['by']}" if a["by"] else "")
                              + (f": {a['result']}" if a["result"] else "")), "muted"))
    out += [{"type": "divider"}, _text("Rate this decision", "header"),
            {"type": "input", "id": "comment", "label": "Comment (optional)", "placeholder": "What was wrong?"}]
    labels = {"good": "Good", "wrong_category": "Wrong category", "wrong_answer": "Wrong answer",
              "should_have_escalated": "Should have escalated"}
    out += [{"type": "button", "id": cid_, "label": labels[r], "style": "secondary", "action": {"type": "submit"}}
            for cid_, r in RATE.items()]
    return out
