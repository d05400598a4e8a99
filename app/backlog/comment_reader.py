"""Every comment of many tickets at once: from the ticket event export where that saves calls,
else one read per ticket. Shared by the backlog sweep and the history replay.

The event export returns comment events in time order, 1,000 to a call. A ticket's comments are
all there when the events were read from before the ticket was created up to its last update, so
only such tickets are taken from it; the rest (created long before the window, or when the event
pages would cost more calls than they save) are read one by one. Either way the caller gets the
ticket's complete comment list, so the decision made from it is the same.
"""
from __future__ import annotations

from connectors.zendesk_export import ZendeskExport, comments_from_events, unix

MIN_FOR_EVENTS = 4          # below this, reading the tickets one by one costs no more calls
REACH_S = 3 * 86400         # tickets created this long before the page's first update are read one by one
SAVING = 2                  # each event page read must spare at least this many per-ticket reads


class CommentReader:
    def __init__(self, export: ZendeskExport, mode: str = "auto"):
        if mode not in ("auto", "events", "per-ticket"):
            raise ValueError(f"comment reading must be auto, events or per-ticket, not {mode!r}")
        self.export, self.mode = export, mode
        self.event_pages = 0
        self.per_ticket = 0
        self._bulk: dict[str, list[dict]] = {}

    def prepare(self, tickets: list[dict]) -> None:
        """Read in bulk what can be, for these raw tickets (one export page's worth)."""
        self._bulk = {}
        if self.mode == "per-ticket" or not tickets:
            return
        first_update = min(unix(t.get("updated_at")) for t in tickets)
        wanted = {str(t["id"]): t for t in tickets if unix(t.get("created_at")) >= first_update - REACH_S}
        if len(wanted) < (1 if self.mode == "events" else MIN_FOR_EVENTS):
            return
        start = int(min(unix(t.get("created_at")) for t in wanted.values()))
        last_update = max(unix(t.get("updated_at")) for t in wanted.values())
        budget = len(wanted) if self.mode == "events" else max(1, len(wanted) // SAVING)
        found: dict[str, dict[str, dict]] = {}
        covered, next_page, pages = float("-inf"), "", 0
        while pages < budget:
            page = self.export.ticket_events(start, next_page)
            pages += 1
            for ticket_id, comments in comments_from_events(page.events).items():
                if ticket_id in wanted:
                    found.setdefault(ticket_id, {}).update({str(c["id"]): c for c in comments})
            if page.end_of_stream:
                covered = float("inf")
                break
            # every event before the page's last second is in; that second may go on (Zendesk
            # repeats it at the start of the next page: the comment ids above drop the repeats)
            covered = max(covered, page.end_time - 1)
            if covered >= last_update or not page.next_page or page.next_page == next_page:
                break
            next_page = page.next_page
        self.event_pages += pages
        for ticket_id, ticket in wanted.items():
            if unix(ticket.get("updated_at")) <= covered and found.get(ticket_id):
                self._bulk[ticket_id] = list(found[ticket_id].values())

    def comments(self, ticket_id) -> list[dict]:
        """The ticket's comments: from the bulk read when it had them all, else one call."""
        bulk = self._bulk.get(str(ticket_id))
        if bulk is not None:
            return bulk
        self.per_ticket += 1
        return self.export.comments(ticket_id)
