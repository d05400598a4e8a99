"""A write's status reaches Zendesk in the same PUT as its comment, through zenpy over HTTP."""
from connectors.types import TicketUpdate
from connectors.zendesk import ZendeskHelpdesk

from .conftest import BOT_EMAIL


def helpdesk(sb) -> ZendeskHelpdesk:
    return ZendeskHelpdesk("acme", BOT_EMAIL, "any-token", base_url=sb.url, bot_user_id="100")


def test_pending_then_solved_each_in_the_one_put_that_carries_the_comment(sb):
    [created] = sb.play([1001])
    tid, desk = created["id"], helpdesk(sb)
    before = len(sb.requests)
    desk.write(str(tid), TicketUpdate(body="Which browser?", public=True, add_tags=("deskhand_replied",),
                                      status="pending"))
    puts = [r for r in sb.requests[before:] if r["method"] == "PUT"]
    assert len(puts) == 1 and puts[0]["body"]["ticket"]["status"] == "pending"
    assert sb.ticket(tid)["status"] == "pending" and sb.comments(tid)[-1]["public"] is True
    desk.write(str(tid), TicketUpdate(body="Customer confirmed", public=False, status="solved"))
    assert sb.ticket(tid)["status"] == "solved" and sb.comments(tid)[-1]["public"] is False
    assert desk.snapshot(str(tid)).ticket.status == "solved"


def test_no_status_leaves_the_ticket_as_it_is(sb):
    [created] = sb.play([1001])
    tid = created["id"]
    helpdesk(sb).write(str(tid), TicketUpdate(body="note", public=False))
    assert sb.ticket(tid)["status"] == "open"  # Zendesk's own rule: an agent's comment opens a new ticket
    assert all("status" not in (r["body"] or {}).get("ticket", {}) for r in sb.requests if r["method"] == "PUT")
