"""The real zenpy client against the sandbox over HTTP: tickets, comments, updates."""
from __future__ import annotations

import time

import pytest
import requests
from zenpy.lib.api_objects import Comment, Ticket
from zenpy.lib.exception import APIException, RecordNotFoundException

from .conftest import BOT_EMAIL

AUTH = (f"{BOT_EMAIL}/token", "x")


def test_users_me_and_get_ticket(sb, zd):
    me = zd.users.me()
    assert (me.id, me.email, me.role) == (100, BOT_EMAIL, "agent")
    ticket = zd.tickets(id=1)
    assert ticket.subject == "Old question 1" and ticket.status == "solved"
    assert {"id": 360001, "value": "billing"} in ticket.custom_fields
    assert {"id": 360002, "value": "https://app.acme.test/billing"} in ticket.custom_fields
    assert ticket.tags == ["billing"] and ticket.via.channel == "web"
    assert ticket.url == f"{sb.url}/api/v2/tickets/1.json"
    with pytest.raises(RecordNotFoundException):
        zd.tickets(id=999999)


def test_ticket_sideloads_and_json_suffix_optional(sb):
    url = f"{sb.url}/api/v2/tickets/1"
    body = requests.get(url, params={"include": "users,organizations,groups"}, auth=AUTH).json()
    assert {u["id"] for u in body["users"]} >= {200} and body["organizations"][0]["id"] == 10
    assert requests.get(url + ".json", auth=AUTH).json()["ticket"]["id"] == 1
    missing = requests.get(f"{sb.url}/api/v2/tickets/424242.json", auth=AUTH)
    assert missing.status_code == 404
    assert missing.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_auth_required_and_end_users_cannot_write(sb):
    url = f"{sb.url}/api/v2/tickets/1.json"
    assert requests.get(url).status_code == 401
    assert requests.get(url).json() == {"error": "Couldn't authenticate you"}
    assert requests.get(url, auth=("nobody@x.test/token", "t")).status_code == 401
    assert requests.get(url, auth=("alice@acme.test", "password")).status_code == 200
    put = requests.put(url, json={"ticket": {"status": "open"}},
                       auth=("carl@customer.test/token", "t"))
    assert put.status_code == 403


def test_comments_with_user_sideload(sb, zd):
    comments = list(zd.tickets.comments(ticket=1))
    assert [c.body for c in comments] == ["Customer text 1", "Agent answer 1"]
    assert all(c.public for c in comments) and comments[0].author_id == 200
    raw = requests.get(f"{sb.url}/api/v2/tickets/1/comments.json", params={"include": "users"},
                       auth=AUTH).json()
    first = raw["comments"][0]
    assert first["type"] == "Comment" and first["plain_body"] == "Customer text 1"
    assert first["attachments"] == [] and "metadata" in first and "via" in first
    assert {u["id"] for u in raw["users"]} == {c["author_id"] for c in raw["comments"]}


def test_internal_note_and_default_public_with_tags(sb, zd):
    sb.play([1001])
    ticket = Ticket(id=1001)
    ticket.comment = Comment(body="Looks like a login issue.", public=False)
    ticket.additional_tags = ["bot_triaged"]
    ticket.custom_fields = [{"id": 360001, "value": "login"}]
    audit = zd.tickets.update(ticket)
    assert audit.ticket.id == 1001 and "bot_triaged" in audit.ticket.tags
    assert "web_form" in audit.ticket.tags                 # additional_tags keeps the rest
    assert audit.audit.author_id == 100
    assert any(e["type"] == "Comment" and e["public"] is False for e in audit.audit.events)
    reply = Ticket(id=1001)
    reply.comment = Comment(body="Here is how to reset it.")   # no `public` key sent
    zd.tickets.update(reply)
    comments = sb.comments(1001)
    assert [(c["body"], c["public"], c["author_id"]) for c in comments[1:]] == [
        ("Looks like a login issue.", False, 100), ("Here is how to reset it.", True, 100)]
    stored = sb.ticket(1001)
    assert stored["status"] == "open"                       # agent activity opens a new ticket
    assert {"id": 360001, "value": "login"} in stored["custom_fields"]
    put_bodies = [r["body"] for r in sb.requests if r["method"] == "PUT"]
    assert "public" not in put_bodies[1]["ticket"]["comment"]


def test_safe_update_conflict_raises_in_zenpy(sb, zd):
    sb.play([1001])
    stale = zd.tickets(id=1001).updated_at
    sb.customer_reply(1001, "Any news?")                    # somebody else changes the ticket
    ticket = Ticket(id=1001, safe_update=True, updated_stamp=stale)
    ticket.comment = Comment(body="Stale answer", public=True)
    with pytest.raises(APIException) as info:
        zd.tickets.update(ticket)
    assert info.value.response.status_code == 409
    assert info.value.response.json()["error"] == "UpdateConflict"
    assert [c["body"] for c in sb.comments(1001)][-1] == "Any news?"
    fresh = Ticket(id=1001, safe_update=True, updated_stamp=zd.tickets(id=1001).updated_at)
    fresh.comment = Comment(body="Fresh answer", public=True)
    assert zd.tickets.update(fresh).ticket.id == 1001


def test_updated_at_changes_on_every_write(sb):
    sb.play([1001])
    stamps = {sb.ticket(1001)["updated_at"]}
    for i in range(3):
        sb.agent_reply(1001, f"note {i}", public=False)
        stamps.add(sb.ticket(1001)["updated_at"])
    assert len(stamps) == 4


def test_closed_ticket_rejects_writes(sb, zd):
    sb.set_status(2, "closed")
    ticket = Ticket(id=2)
    ticket.comment = Comment(body="late", public=False)
    with pytest.raises(APIException) as info:
        zd.tickets.update(ticket)
    assert info.value.response.status_code == 422


def test_tags_endpoints(sb, zd):
    assert sorted(zd.tickets.add_tags(1, ["vip"])) == ["billing", "vip"]
    assert list(zd.tickets.set_tags(1, ["only"])) == ["only"]
    assert list(zd.tickets.delete_tags(1, ["only"])) == []
    assert requests.get(f"{sb.url}/api/v2/tickets/1/tags.json", auth=AUTH).json() == {"tags": []}


def test_requested_tickets_sorted_with_users(sb, zd):
    assert sorted(t.id for t in zd.users.requested(200)) == [1, 2, 3]
    raw = requests.get(f"{sb.url}/api/v2/users/200/tickets/requested.json", auth=AUTH,
                       params={"sort_by": "updated_at", "sort_order": "desc",
                               "include": "users"}).json()
    assert [t["id"] for t in raw["tickets"]] == [3, 2, 1]
    assert 200 in {u["id"] for u in raw["users"]}


def test_create_ticket_and_cursor_list(sb, zd):
    audit = zd.tickets.create(Ticket(subject="From API", requester_id=201,
                                     comment=Comment(body="Created by the bot")))
    new_id = audit.ticket.id
    assert new_id > 1002 and audit.ticket.via.channel == "api"
    assert sb.ticket(new_id)["description"] == "Created by the bot"
    sb.generate(5)
    first = requests.get(f"{sb.url}/api/v2/tickets.json", params={"page[size]": 4},
                         auth=AUTH).json()
    assert first["meta"]["has_more"] is True
    assert first["links"]["next"].startswith(sb.url + "/api/v2/tickets")
    ids = [t.id for t in zd.tickets(cursor_pagination=4)]
    assert ids == sorted(sb.tickets) and len(ids) == 9
    shown = requests.get(f"{sb.url}/api/v2/tickets/show_many.json", params={"ids": "1,3,77"},
                         auth=AUTH).json()
    assert [t["id"] for t in shown["tickets"]] == [1, 3]


def test_users_orgs_groups(sb, zd):
    assert zd.users(id=200).organization_id == 10
    assert {u.id for u in zd.users()} == {100, 101, 102, 200, 201}
    assert zd.organizations(id=10).name == "Customer Co"
    assert {g.name for g in zd.groups()} == {"Tier 2", "Support"}
    assert zd.groups(id=20).name == "Tier 2"


def test_request_log_and_call_counts(sb, zd):
    before = time.time()
    zd.tickets(id=1)
    zd.tickets(id=2)
    after = time.time()
    calls = sb.calls()
    assert calls["GET /api/v2/tickets/{ticket_id}"] == 2
    first, last = sb.requests[-2:]
    assert (last["method"], last["path"], last["status"]) == ("GET", "/api/v2/tickets/2.json", 200)
    assert before <= first["at"] < last["at"] <= after   # when each handler finished, in order
