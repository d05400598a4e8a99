"""Help Center, incremental exports and rate limiting, through zenpy over HTTP."""
from __future__ import annotations

import calendar
import time

import requests

from .conftest import BOT_EMAIL, zenpy_client

AUTH = (f"{BOT_EMAIL}/token", "x")


def test_help_center_articles_list_show_and_incremental(sb, zd):
    articles = list(zd.help_center.articles())
    assert [a.id for a in articles] == [500, 501, 502, 503]
    assert articles[0].title == "How to reset password" and articles[0].label_names == ["reset"]
    en = requests.get(f"{sb.url}/api/v2/help_center/en-us/articles.json",
                      params={"page[size]": 2}, auth=AUTH).json()
    assert [a["id"] for a in en["articles"]] == [500, 501] and en["meta"]["has_more"] is True
    rest = requests.get(en["links"]["next"], auth=AUTH).json()
    assert [a["id"] for a in rest["articles"]] == [502] and rest["meta"]["has_more"] is False
    assert zd.help_center.articles(id=501).title == "How to export data"
    de = requests.get(f"{sb.url}/api/v2/help_center/de/articles/503.json", auth=AUTH)
    assert de.json()["article"]["locale"] == "de"
    inc = requests.get(f"{sb.url}/api/v2/help_center/incremental/articles.json",
                       params={"start_time": 0}, auth=AUTH).json()
    assert inc["count"] == 4 and inc["next_page"] is None
    assert inc["end_time"] == calendar.timegm((2026, 1, 4, 8, 0, 0))
    assert [a.id for a in zd.help_center.articles.incremental(start_time=0)] == [500, 501, 502, 503]


def test_incremental_cursor_export_pages_to_end_of_stream(make_sandbox):
    sb = make_sandbox(export_lag_s=0)
    sb.generate(25)
    zd = zenpy_client()
    exported = [t.id for t in zd.tickets.incremental(start_time=0, per_page=10)]
    assert sorted(exported) == sorted(sb.tickets) and len(exported) == 28
    pages = [r for r in sb.requests if r["path"].startswith("/api/v2/incremental/tickets/cursor")]
    assert len(pages) == 3                                   # 10 + 10 + 8, then end_of_stream
    first = requests.get(f"{sb.url}/api/v2/incremental/tickets/cursor.json",
                         params={"start_time": 0, "per_page": 1000}, auth=AUTH).json()
    assert first["end_of_stream"] is True and first["after_url"].startswith(sb.url)
    # Resuming from the saved cursor yields only what changed since.
    sb.agent_reply(2, "late note", public=False)
    again = requests.get(first["after_url"], auth=AUTH).json()
    assert [t["id"] for t in again["tickets"]] == [2] and again["end_of_stream"] is True


def test_incremental_export_holds_back_fresh_changes(make_sandbox):
    sb = make_sandbox(export_lag_s=60)
    sb.generate(3)                                           # created now -> held back
    zd = zenpy_client()
    assert sorted(t.id for t in zd.tickets.incremental(start_time=0)) == [1, 2, 3]
    timed = requests.get(f"{sb.url}/api/v2/incremental/tickets.json",
                         params={"start_time": 0}, auth=AUTH).json()
    assert [t["id"] for t in timed["tickets"]] == [1, 2, 3]
    assert timed["end_of_stream"] is True and timed["count"] == 3
    assert timed["next_page"].startswith(sb.url) and timed["end_time"] > 0


def test_time_based_export_never_loops_on_equal_timestamps(make_sandbox):
    sb = make_sandbox(export_lag_s=0)
    sb.generate(12)
    seen, url, params = [], f"{sb.url}/api/v2/incremental/tickets.json", {"start_time": 0,
                                                                           "per_page": 5}
    for _ in range(10):
        page = requests.get(url, params=params, auth=AUTH).json()
        seen += [t["id"] for t in page["tickets"]]
        if page["end_of_stream"]:
            break
        url, params = page["next_page"], None
    assert sorted(seen) == sorted(sb.tickets)


def test_rate_limit_429_with_retry_after_and_headers(make_sandbox):
    sb = make_sandbox(rate_limit_per_minute=3, time_scale=1 / 60)      # a "minute" = 1 s
    url = f"{sb.url}/api/v2/tickets/1.json"
    statuses = [requests.get(url, auth=AUTH) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[0].headers["X-Rate-Limit"] == "3"
    assert [r.headers["X-Rate-Limit-Remaining"] for r in statuses[:3]] == ["2", "1", "0"]
    assert statuses[3].headers["Retry-After"] == "1"
    assert statuses[3].json()["error"] == "APIRateLimitExceeded"
    # zenpy honours Retry-After: sleeps, retries and succeeds.
    started = time.monotonic()
    assert zenpy_client().tickets(id=1).id == 1
    assert time.monotonic() - started < 3
    assert sb.calls()["GET /api/v2/tickets/{ticket_id}"] >= 5


def test_update_limit_only_counts_ticket_puts(make_sandbox):
    sb = make_sandbox(updates_per_minute=2, time_scale=1)
    sb.play([1001])
    codes = []
    for i in range(3):
        codes.append(requests.put(f"{sb.url}/api/v2/tickets/1001.json", auth=AUTH,
                                  json={"ticket": {"comment": {"body": f"n{i}",
                                                               "public": False}}}))
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert 50 <= int(codes[2].headers["Retry-After"]) <= 60
    assert requests.get(f"{sb.url}/api/v2/tickets/1001.json", auth=AUTH).status_code == 200
    assert len(sb.comments(1001)) == 3
