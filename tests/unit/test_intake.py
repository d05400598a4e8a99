import json

import pytest

from app.intake.parse import TRIGGER_TEMPLATE, PayloadError, parse_zendesk


def event(kind, **extra):
    return json.dumps({"type": f"zen:event-type:{kind}", "id": "ev-1", "account_id": 1,
                       "subject": "zen:ticket:42", "detail": {"id": "42", "requester_id": "7", "status": "OPEN"},
                       **extra}).encode()


def test_ticket_created():
    e = parse_zendesk(event("ticket.created"), {})
    assert (e.kind, e.ticket_id, e.delivery_id, e.requester_id) == ("ticket.created", "42", "zendesk:ev-1", "7")


@pytest.mark.parametrize("staff,kind", [(False, "ticket.customer_replied"), (True, "ticket.agent_replied")])
def test_comment_added_by_customer_or_agent(staff, kind):
    body = event("ticket.comment_added", event={"comment": {"id": "900", "body": "hi", "is_public": True,
                                                            "author": {"id": "7", "is_staff": staff}}})
    e = parse_zendesk(body, {})
    assert (e.kind, e.comment_id, e.author_id) == (kind, "900", "7")


def test_unhandled_event_types_are_none_not_errors():
    assert parse_zendesk(event("ticket.priority_changed"), {}) is None
    assert parse_zendesk(json.dumps({"type": "zen:event-type:user.created", "id": "x"}).encode(), {}) is None


@pytest.mark.parametrize("body,message", [
    (b"{not json", "not valid JSON"), (b"\xff\xfe", "not valid JSON"), (b"[1, 2]", "JSON object"),
    (b'{"hello": 1}', "neither"), (json.dumps({"type": "zen:event-type:ticket.created"}).encode(), "missing"),
    (json.dumps({"deskhand_trigger": 1, "ticket_id": "{{ticket.id}}"}).encode(), "numeric ticket_id"),
    (b"[" * 100000 + b"]" * 100000, "JSON"),
])
def test_bad_bodies_say_what_is_wrong(body, message):
    with pytest.raises(PayloadError, match=message):
        parse_zendesk(body, {})


def test_trigger_form_dedupes_on_invocation_or_ticket_update():
    rendered = {**TRIGGER_TEMPLATE, "ticket_id": "42", "updated_at": "1700000000", "requester_id": "7"}
    body = json.dumps(rendered).encode()
    a = parse_zendesk(body, {})
    assert (a.kind, a.ticket_id, a.requester_id) == ("ticket.customer_replied", "42", "7")
    assert parse_zendesk(body, {}).delivery_id == a.delivery_id
    later = json.dumps({**rendered, "updated_at": "1700000099"}).encode()
    assert parse_zendesk(later, {}).delivery_id != a.delivery_id
    assert parse_zendesk(body, {"X-Zendesk-Webhook-Invocation-Id": "inv-9"}).delivery_id == "zendesk-trigger:inv-9"


@pytest.mark.parametrize("change,kind", [({"previous": "OPEN", "current": "SOLVED"}, "ticket.solved"),
                                         ({"previous": "SOLVED", "current": "OPEN"}, "ticket.reopened"),
                                         ({"previous": "NEW", "current": "OPEN"}, None)])
def test_status_changes_that_say_how_a_ticket_ended(change, kind):
    e = parse_zendesk(event("ticket.status_changed", event=change), {})
    assert (e.kind if e else None) == kind


def test_a_field_change_and_the_rating_trigger_are_outcome_events():
    field = parse_zendesk(event("ticket.custom_field_changed", event={"current": "bug_report", "previous": None,
                                                                     "custom_field": {"id": "360001"}}), {})
    assert (field.kind, field.ticket_id) == ("ticket.field_changed", "42")
    from app.intake.parse import RATING_TRIGGER_TEMPLATE
    body = json.dumps({**RATING_TRIGGER_TEMPLATE, "ticket_id": "42", "updated_at": "2026-12-01T10:00:00Z",
                       "requester_id": "7"}).encode()
    rated = parse_zendesk(body, {"X-Zendesk-Webhook-Invocation-Id": "inv-9"})
    assert (rated.kind, rated.ticket_id, rated.delivery_id) == ("ticket.rated", "42", "zendesk-trigger:inv-9")
