"""The page the customer was on reaches Deskhand through zenpy over HTTP: the Web Widget's (or an
API caller's) page-URL ticket field, and the widget named in the ticket's channel."""
from zenpy.lib.api_objects import Comment, Ticket

from connectors.zendesk import ZendeskHelpdesk

from .conftest import BOT_EMAIL, zenpy_client


def helpdesk(sb) -> ZendeskHelpdesk:
    return ZendeskHelpdesk("acme", BOT_EMAIL, "any-token", base_url=sb.url, bot_user_id="100",
                           page_url_field_id="360002", category_field_id="360001")


def test_a_web_widget_ticket_brings_its_page_and_says_it_came_from_the_widget(sb):
    [created] = sb.play([1001])
    assert created["via"]["source"]["rel"] == "zendesk_widget"
    ticket = helpdesk(sb).snapshot(str(created["id"]), "201").ticket
    assert ticket.page_url == "https://app.acme.test/login"
    assert ticket.channel == "web/zendesk_widget"
    fields = dict(ticket.custom_fields)
    assert fields["360002"] == "https://app.acme.test/login" and fields["360001"] is None


def test_a_web_form_ticket_without_a_page_has_none(sb):
    [created] = sb.play([1002])
    ticket = helpdesk(sb).snapshot(str(created["id"])).ticket
    assert (ticket.page_url, ticket.channel) == ("", "web")


def test_a_ticket_created_through_the_api_with_the_field_set_carries_it(sb):
    audit = zenpy_client().tickets.create(Ticket(
        subject="Invoices", requester_id=201, comment=Comment(body="Where is my invoice?"),
        custom_fields=[{"id": 360002, "value": "  https://app.acme.test/settings/billing/invoices "}]))
    ticket = helpdesk(sb).snapshot(str(audit.ticket.id)).ticket
    assert ticket.page_url == "https://app.acme.test/settings/billing/invoices"
    assert ticket.channel == "api"


def test_a_helpdesk_without_a_page_field_reads_no_page(sb):
    [created] = sb.play([1001])
    plain = ZendeskHelpdesk("acme", BOT_EMAIL, "any-token", base_url=sb.url, bot_user_id="100")
    assert plain.snapshot(str(created["id"])).ticket.page_url == ""
