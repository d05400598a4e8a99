"""What the sweep and its benchmark need from the sandbox: volume tickets in a spread of states,
the ticket event export with comments, and per-endpoint rate limits that can be measured."""
from __future__ import annotations

import requests

from connectors.zendesk_export import unix
from sandbox import Sandbox
from sandbox.seed import MIX

AUTH = ("deskhand-bot@brightline.example/token", "x")


def test_generated_volume_is_in_the_past_in_time_order_with_the_states_asked_for():
    sb = Sandbox.from_seed(export_lag_s=0)
    ids = sb.generate(100, age_s=2 * 3600, mix=True)
    tickets = [sb.ticket(i) for i in ids]
    assert [t["updated_at"] >= t["created_at"] for t in tickets] == [True] * 100
    assert [t["created_at"] for t in tickets] == sorted(t["created_at"] for t in tickets)
    statuses = {MIX[n % 10]: sb.ticket(i)["status"] for n, i in enumerate(ids)}
    assert statuses == {"waiting": "open", "agent_replied": "open", "bot_replied": "open", "pending": "pending",
                        "follow_up": "open", "solved": "solved"}
    follow_up = sb.comments(ids[8])
    assert [c["author_id"] for c in follow_up] == [tickets[8]["requester_id"], sb.bot_user_id,
                                                   tickets[8]["requester_id"]]
    assert sum("deskhand_off" in t["tags"] for t in tickets) == 5


def test_ticket_event_export_carries_comments_in_time_order_and_pages_without_repeats():
    sb = Sandbox.from_seed(export_lag_s=0).start()
    try:
        ids = set(sb.generate(30, age_s=3600, mix=True))
        start = int(min(unix(sb.ticket(i)["created_at"]) for i in ids))
        seen, url, params = [], f"{sb.url}/api/v2/incremental/ticket_events.json", {
            "start_time": start, "include": "comment_events", "per_page": 10}
        while True:
            page = requests.get(url, params=params, auth=AUTH).json()
            seen += page["ticket_events"]
            if page["end_of_stream"]:
                break
            url, params = page["next_page"], None
        mine = [e for e in seen if e["ticket_id"] in ids]
        assert len(mine) == sum(len(sb.comments(i)) for i in ids)
        assert len({e["child_events"][0]["id"] for e in seen}) == len(seen)  # no event twice
        child = mine[0]["child_events"][0]
        assert child["event_type"] == "Comment" and {"body", "public", "author_id"} <= set(child)
        assert [e["timestamp"] for e in seen] == sorted(e["timestamp"] for e in seen)
        first = requests.get(f"{sb.url}/api/v2/incremental/tickets/cursor.json",
                             params={"start_time": start, "include": "users", "per_page": 5}, auth=AUTH).json()
        requesters = {t["requester_id"] for t in first["tickets"]}
        assert requesters <= {u["id"] for u in first["users"]} and "include=users" in first["after_url"]
        bare = requests.get(f"{sb.url}/api/v2/incremental/ticket_events.json", params={"start_time": start},
                            auth=AUTH).json()["ticket_events"][0]["child_events"][0]
        assert "body" not in bare and bare["comment_present"] is True  # bodies only with the sideload
    finally:
        sb.stop()


def test_per_endpoint_limits_the_export_one_and_the_update_one_are_separate():
    sb = Sandbox.from_seed(rate_limit_per_minute=100, updates_per_minute=2, export_per_minute=2,
                           export_lag_s=0).start()
    try:
        export = f"{sb.url}/api/v2/incremental/tickets/cursor.json"
        codes = [requests.get(export, params={"start_time": 0, "per_page": 1}, auth=AUTH).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]
        assert requests.get(f"{sb.url}/api/v2/tickets/1.json", auth=AUTH).status_code == 200
        put = [requests.put(f"{sb.url}/api/v2/tickets/1.json", json={"ticket": {"priority": "high"}},
                            auth=AUTH) for _ in range(3)]
        assert [r.status_code for r in put] == [200, 200, 429] and int(put[2].headers["Retry-After"]) >= 1
        limited = [r for r in sb.requests if r["status"] == 429]
        assert len(limited) == 2 and all(r["retry_after"] >= 1 for r in limited)
    finally:
        sb.stop()
