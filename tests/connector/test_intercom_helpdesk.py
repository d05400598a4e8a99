"""IntercomHelpdesk against the Intercom sandbox over real HTTP (python-intercom -> httpx ->
werkzeug), and every request it sent and every response it got held against Intercom's OpenAPI
2.16 description."""
from __future__ import annotations

import copy
import re
from functools import lru_cache

import pytest

from connectors.errors import ConnectorError, NotFound, Unavailable
from connectors.intercom import IntercomHelpdesk, hide, reveal
from connectors.types import TicketUpdate
from sandbox.intercom_sandbox import TOKEN, IntercomSandbox

from .test_intercom_kb import _spec, _to_json_schema

SEND, ESCALATE = 2003, 2021


@pytest.fixture
def sb():
    sandbox = IntercomSandbox.from_seed().start()
    yield sandbox
    sandbox.stop()


def helpdesk(sb) -> IntercomHelpdesk:
    desk = IntercomHelpdesk(TOKEN, base_url=sb.url, timeout_s=5)
    desk.articles._sleep = lambda s: None
    return desk


def test_tags_round_trip_as_invisible_text():
    hidden = hide(["deskhand_0f1e2d3c4b5a", "deskhand_refund_request"])
    assert hidden.strip("\u200b\u200c\u200d\u2060\u2063") == ""  # only zero-width characters
    assert reveal("Hello" + hidden) == ("Hello", ["deskhand_0f1e2d3c4b5a", "deskhand_refund_request"])
    assert reveal("no marker") == ("no marker", [])
    assert reveal("Hi" + hidden[:-1]) == ("Hi", ["deskhand_0f1e2d3c4b5a"])  # a cut-off tag is dropped


def test_snapshot_reads_the_conversation_its_customer_and_page(sb):
    sb.play([SEND])
    desk = helpdesk(sb)
    ticket = desk.snapshot(str(SEND)).ticket
    assert desk.bot_user_id() == sb.bot_user_id  # from GET /me
    assert ticket.platform == "intercom" and ticket.status == "open"
    [first] = ticket.comments
    assert first.role == "customer" and first.public and "password" in first.body.lower()
    assert ticket.requester.email.endswith(".example") and ticket.requester.id == first.author_id
    stream = next(s for s in sb.stream if s["id"] == SEND)
    assert ticket.page_url == (stream.get("page_url") or "") and ticket.subject == stream["subject"]


ESCALATION = TicketUpdate(body="Deskhand: case file", public=False, group_name="Billing & Accounts",
                          add_tags=("deskhand_escalated", "deskhand_refund_request", "deskhand_bug_linked",
                                    "deskhand_00112233aabb"))


def test_write_assigns_then_notes_with_the_tags_inside_and_reads_them_back(sb):
    sb.play([ESCALATE])
    desk = helpdesk(sb)
    before = len(sb.requests)
    remote = desk.write(str(ESCALATE), ESCALATION)
    [note] = sb.bot_parts(ESCALATE)
    assert note["part_type"] == "note" and note["id"] == remote
    assert note["body"].startswith("Deskhand: case file") and note["body"] != "Deskhand: case file"
    conv = sb.conversation(ESCALATE)
    assert conv["tags"]["tags"] == [] and conv["custom_attributes"] == {}  # no request per label
    team = next(t for t in sb.store.teams.values() if t["name"] == "Billing & Accounts")
    assert str(conv["team_assignee_id"]) == team["id"]
    assert [(r["method"], r["rule"]) for r in sb.requests[before:] if r["path"] not in ("/me", "/teams")] == [
        ("POST", "/conversations/<cid>/parts"), ("POST", "/conversations/<cid>/reply")]
    ticket = desk.snapshot(str(ESCALATE)).ticket
    assert set(ESCALATION.add_tags) <= set(ticket.tags)
    bot = [c for c in ticket.comments if c.role == "bot"]
    assert bot[0].body == "Deskhand: case file" and bot[0].public is False

    desk.write(str(ESCALATE), TicketUpdate(body="Hello!", public=True, add_tags=("deskhand_replied",)))
    assert sb.bot_parts(ESCALATE)[-1]["part_type"] == "comment"
    assert {"deskhand_replied", "deskhand_escalated"} <= set(desk.snapshot(str(ESCALATE)).ticket.tags)  # they add up, as tags do


def test_label_attributes_are_created_once_and_written_in_one_put(sb):
    sb.play([ESCALATE])
    desk = IntercomHelpdesk(TOKEN, base_url=sb.url, timeout_s=5, label_attributes=True)
    desk.write(str(ESCALATE), ESCALATION)
    assert sb.conversation(ESCALATE)["custom_attributes"] == {
        "deskhand_action": "escalated", "deskhand_category": "refund_request", "deskhand_bug_linked": "yes"}
    assert {"deskhand_action", "deskhand_category", "deskhand_bug_linked"} <= set(sb.store.attributes)
    assert sb.app.extensions["intercom_sandbox"].count(f"/conversations/{ESCALATE}") == 1  # one PUT
    desk.write(str(ESCALATE), TicketUpdate(body="Hello!", public=True, add_tags=("deskhand_replied",)))
    assert sb.conversation(ESCALATE)["custom_attributes"]["deskhand_action"] == "replied"
    creations = [r for r in sb.requests if r["path"] == "/conversations/attributes" and r["method"] == "POST"]
    assert len(creations) == 3  # each attribute created once, then known
    other = IntercomHelpdesk(TOKEN, base_url=sb.url, timeout_s=5, label_attributes=True)
    other.write(str(ESCALATE), ESCALATION)  # a new process lists them and creates none
    assert len([r for r in sb.requests if r["path"] == "/conversations/attributes" and r["method"] == "POST"]) == 3
    sb.store.conversations[str(ESCALATE)]["tags"] = []
    assert "deskhand_escalated" in other.snapshot(str(ESCALATE)).ticket.tags


def test_a_write_after_a_snapshot_repeats_no_label_or_assignment_already_there(sb):
    sb.play([ESCALATE])
    desk = IntercomHelpdesk(TOKEN, base_url=sb.url, timeout_s=5, label_attributes=True)
    desk.snapshot(str(ESCALATE))
    desk.write(str(ESCALATE), ESCALATION)
    before = len(sb.requests)
    desk.snapshot(str(ESCALATE))
    desk.write(str(ESCALATE), ESCALATION)
    assert [(r["method"], r["rule"]) for r in sb.requests[before:]] == [
        ("GET", "/conversations/<cid>"), ("POST", "/conversations/<cid>/reply")]
    sb.store.conversations[str(ESCALATE)]["custom_attributes"]["deskhand_category"] = "billing"  # a teammate's edit
    sb.store.conversations[str(ESCALATE)]["team_assignee_id"] = None
    desk.snapshot(str(ESCALATE))
    desk.write(str(ESCALATE), ESCALATION)
    conv = sb.conversation(ESCALATE)
    assert conv["custom_attributes"]["deskhand_category"] == "refund_request" and conv.get("team_assignee_id")


def test_pending_snoozes_and_solved_closes_before_the_reply_and_not_twice(sb):
    import time
    sb.play([SEND])
    desk = helpdesk(sb)
    desk.snapshot(str(SEND))
    before = len(sb.requests)
    desk.write(str(SEND), TicketUpdate(body="Which browser?", public=True, status="pending"))
    conv = sb.conversation(SEND)
    assert conv["state"] == "snoozed" and conv["snoozed_until"] > time.time() + 6 * 86400
    assert [(r["rule"], (r["body"] or {}).get("message_type")) for r in sb.requests[before:]
            if r["method"] == "POST"] == [("/conversations/<cid>/parts", "snoozed"),
                                          ("/conversations/<cid>/reply", "comment")]
    assert desk.snapshot(str(SEND)).ticket.status == "snoozed"
    desk.write(str(SEND), TicketUpdate(body="again", public=True, status="pending"))  # resumed: snoozed already
    assert [p["part_type"] for p in sb.conversation(SEND)["conversation_parts"]["conversation_parts"]].count(
        "snoozed") == 1
    desk.write(str(SEND), TicketUpdate(body="Customer confirmed", public=False, status="solved"))
    assert sb.conversation(SEND)["state"] == "closed" and sb.bot_parts(SEND)[-1]["part_type"] == "note"
    assert desk.snapshot(str(SEND)).ticket.status == "closed"  # what the guards read as closed
    with pytest.raises(ConnectorError, match="no conversation state"):
        desk.write(str(SEND), TicketUpdate(body="x", public=False, status="hold"))


def test_an_unknown_attribute_is_refused_as_intercom_does(sb):
    sb.play([SEND])
    state = sb.app.extensions["intercom_sandbox"]
    import requests
    answer = requests.put(f"{sb.url}/conversations/{SEND}", json={"custom_attributes": {"nope": "x"}},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert answer.status_code == 400 and "does not exist" in answer.json()["errors"][0]["message"]
    assert sb.conversation(SEND)["custom_attributes"] == {} and state.count(f"/conversations/{SEND}") == 1


def test_a_marker_in_a_customers_message_does_not_count(sb):
    sb.play([SEND])
    sb.customer_reply(SEND, "copy-paste" + hide("deskhand_00112233aabb"))
    assert "deskhand_00112233aabb" not in helpdesk(sb).snapshot(str(SEND)).ticket.tags


def test_operators_scripted_message_is_no_person_but_fins_answer_is(sb):
    from app.core.domain import TicketEvent
    from app.pipeline import guards
    sb.play([SEND])
    sb.operator_message(SEND, "The team typically replies in a few hours.")
    desk = helpdesk(sb)
    event = TicketEvent(platform="intercom", delivery_id="d", kind="conversation.user.created", ticket_id=str(SEND))
    ticket = desk.snapshot(str(SEND)).ticket
    assert [c.role for c in ticket.comments] == ["customer", "automation"]
    assert guards.check(ticket, event, "deskhand_off", lambda c: "m").skip == ""  # Deskhand still answers
    sb.operator_message(SEND, "Here is how to reset your password: ...", ai_agent=True)
    ticket = desk.snapshot(str(SEND)).ticket
    assert ticket.comments[-1].role == "agent"
    assert guards.check(ticket, event, "deskhand_off", lambda c: "m").skip == \
        "a human agent is already talking to the customer"


def test_history_contact_and_companies(sb):
    sb.play([SEND, 2001])
    desk = helpdesk(sb)
    ticket = desk.snapshot(str(SEND)).ticket
    history = desk.requester_history(ticket.requester.id, exclude=str(SEND))
    assert all(h.id != str(SEND) for h in history)
    contact = desk.contact(ticket.requester.id)
    assert contact["email"] == ticket.requester.email
    assert isinstance(desk.companies(ticket.requester.id), list)


def test_reads_retry_a_5xx_and_writes_do_not(sb):
    sb.play([SEND])
    desk = helpdesk(sb)
    desk.bot_user_id()
    state = sb.app.extensions["intercom_sandbox"]
    state.fail_next(1, status=503)
    assert desk.snapshot(str(SEND)).ticket.id == str(SEND)
    state.fail_next(1, status=503)
    with pytest.raises(Unavailable):
        desk.write(str(SEND), TicketUpdate(body="x", public=False))
    assert sb.bot_parts(SEND) == []
    with pytest.raises(NotFound):
        desk.snapshot("999999")


# -- every exchange against the spec --------------------------------------------------------------

def _operation(method: str, rule: str) -> dict:
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
    paths = _spec()["paths"]
    found = paths.get(path) or next(op for p, op in paths.items()
                                    if re.sub(r"\{\w+\}", "{}", p) == re.sub(r"\{\w+\}", "{}", path))
    return found[method.lower()]


@lru_cache(maxsize=None)
def _components():
    return _to_json_schema(copy.deepcopy(_spec()["components"]))


def _errors(schema: dict, instance) -> list[str]:
    import jsonschema
    full = {"$schema": "https://json-schema.org/draft/2020-12/schema", **_to_json_schema(copy.deepcopy(schema)),
            "components": _components()}
    return [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft202012Validator(full).iter_errors(instance)]


def test_every_request_and_response_matches_the_spec(sb):
    sb.play([SEND, ESCALATE])
    desk = helpdesk(sb)
    desk.snapshot(str(SEND))
    desk.write(str(ESCALATE), ESCALATION)
    labelled = IntercomHelpdesk(TOKEN, base_url=sb.url, timeout_s=5, label_attributes=True)
    labelled.write(str(ESCALATE), ESCALATION)
    desk.write(str(SEND), TicketUpdate(body="reply", public=True, add_tags=("deskhand_replied",), status="pending"))
    desk.write(str(ESCALATE), TicketUpdate(body="solved", public=False, status="solved"))
    ticket = desk.snapshot(str(SEND)).ticket
    desk.requester_history(ticket.requester.id)
    desk.waiting(waited_before=2_000_000_000, since=0, per_page=1)  # the sweep's search, paged
    desk.contact(ticket.requester.id)
    desk.companies(ticket.requester.id)
    desk.articles.changes()
    checked = set()
    for r in sb.requests:
        operation = _operation(r["method"], r["rule"])
        if r["body"] is not None:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert not _errors(schema, r["body"]), (r["rule"], _errors(schema, r["body"]))
        content = operation["responses"][str(r["status"])]["content"]
        schema = next(iter(content.values()))["schema"]
        assert not _errors(schema, r["response"]), (r["method"], r["rule"], _errors(schema, r["response"])[:5])
        checked.add((r["method"], r["rule"]))
    assert {("GET", "/me"), ("GET", "/conversations/<cid>"), ("POST", "/conversations/<cid>/reply"),
            ("POST", "/conversations/<cid>/parts"), ("PUT", "/conversations/<cid>"),
            ("GET", "/conversations/attributes"), ("POST", "/conversations/attributes"),
            ("GET", "/teams"), ("POST", "/conversations/search"), ("GET", "/contacts/<contact_id>"),
            ("GET", "/contacts/<contact_id>/companies"), ("GET", "/articles")} <= checked


def test_the_spec_check_is_not_vacuous(sb):
    schema = _operation("POST", "/conversations/<cid>/reply")["requestBody"]["content"]["application/json"]["schema"]
    assert _errors(schema, {"message_type": "comment", "type": "admin", "admin_id": "1", "body": "x"}) == []
    assert _errors(schema, {"message_type": "shout", "type": "admin", "admin_id": "1", "body": "x"})
