"""LinearBugs on recorded GraphQL answers (responses; nothing else reaches the network), and
against the Linear stand-in (sandbox/vendors/linear.py) on a real local port."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
import requests
import responses

from connectors import linear_bugs as c
from connectors.errors import AuthFailed, ConnectorError, NotFound, RateLimited, Unavailable
from connectors.linear_bugs import LinearBugs
from connectors.roles import Issue
from sandbox.vendors.linear import SANDBOX_KEY, create_app, sample_data
from tests.fakes.served import Served

FIXTURES = Path(__file__).parent / "fixtures" / "linear"
ACCOUNT = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "account.json"
URL = "https://api.linear.app/graphql"
KEY = "lin_api_test_0123456789abcdef"
TEAM = "9d3b7c1e-2f4a-4e8d-b0c6-5a7e9f1d3b24"
OPEN_FILTER = {"team": {"id": {"eq": TEAM}}, "state": {"type": {"nin": ["completed", "canceled"]}}}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())



@pytest.fixture
def bugs():
    connector = LinearBugs(api_key=KEY, team_id=TEAM, timeout_s=5)
    connector.sleeps = []
    connector._sleep = connector.sleeps.append  # see the waits without taking them
    return connector


def answer(api, name_or_body, status: int = 200, headers: dict | None = None):
    body = fixture(name_or_body) if isinstance(name_or_body, str) else name_or_body
    api.add(responses.POST, URL, json=body, status=status, headers=headers or {})


def sent(api, i: int) -> dict:
    """The i-th request: checked to be a POST to /graphql with the key, returned as its JSON."""
    request = api.calls[i].request
    assert request.method == "POST" and request.url == URL
    assert request.headers["Authorization"] == KEY
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.body)


# -- search ---------------------------------------------------------------------------------------

def test_search_asks_for_open_issues_of_the_team_and_maps_them(api, bugs):
    answer(api, "search_issues")
    found = bugs.search("charts not loading", limit=5)

    body = sent(api, 0)
    assert body["operationName"] == "DeskhandSearchIssues"
    assert body["query"].startswith("query DeskhandSearchIssues(") and "searchIssues(" in body["query"]
    assert body["variables"] == {"term": "charts not loading", "first": 5, "filter": OPEN_FILTER}
    assert found == [
        Issue(id="3f9d6c2e-8a41-4b7e-9f15-2c6d0e8b7a13", identifier="ENG-412",
              title="Dashboard charts stuck on loading spinner", state="In Progress",
              url="https://linear.app/brightline/issue/ENG-412/dashboard-charts-stuck-on-loading-spinner",
              created_at="2026-11-05T16:57:12Z", priority=1),
        Issue(id="a0c27e51-64b9-4d3f-8e2a-7b95f1c4d806", identifier="ENG-407",
              title="Dark mode makes chart axis labels unreadable", state="Backlog",
              url="https://linear.app/brightline/issue/ENG-407/dark-mode-makes-chart-axis-labels-unreadable",
              created_at="2026-10-07T10:54:03Z", priority=0),
    ]
    assert bugs.sleeps == []


def test_nothing_found_is_an_empty_list(api, bugs):
    answer(api, "search_issues_empty")
    assert bugs.search("quantum flux capacitor") == []
    assert len(api.calls) == 1


def test_blank_text_or_no_room_asks_nothing(api, bugs):
    assert bugs.search("   ") == []
    assert bugs.search("charts", limit=0) == []
    assert len(api.calls) == 0


def test_limit_is_capped_at_one_page(api, bugs):
    answer(api, "search_issues_empty")
    bugs.search("charts", limit=500)
    assert sent(api, 0)["variables"]["first"] == 50


# -- create ---------------------------------------------------------------------------------------

def test_create_returns_the_open_issue_with_the_same_title_instead_of_creating(api, bugs):
    answer(api, "search_issues")
    issue = bugs.create("  dashboard charts: stuck on LOADING spinner! ", "Customer says it spins.",
                        labels=("Bug",))

    assert issue.identifier == "ENG-412" and issue.state == "In Progress"
    assert len(api.calls) == 1  # the duplicate check only: no label lookup, no mutation
    assert sent(api, 0)["variables"] == {"term": "dashboard charts: stuck on LOADING spinner!",
                                         "first": 10, "filter": OPEN_FILTER}


def test_create_looks_up_labels_then_creates_in_the_team(api, bugs, caplog):
    answer(api, "search_issues")  # similar issues, none with this title
    answer(api, "issue_labels")
    answer(api, "issue_create")
    with caplog.at_level(logging.WARNING, logger="deskhand.linear"):
        issue = bugs.create("Weekly Sales dashboard widgets time out", "Reported in ticket 2017.",
                            labels=("bug", "Dashboards", "from-support"))

    assert [sent(api, i)["operationName"] for i in range(3)] == [
        "DeskhandSearchIssues", "DeskhandIssueLabels", "DeskhandCreateIssue"]
    assert sent(api, 1)["variables"] == {"first": 50, "filter": {"or": [
        {"name": {"eqIgnoreCase": "bug"}}, {"name": {"eqIgnoreCase": "Dashboards"}},
        {"name": {"eqIgnoreCase": "from-support"}}]}}
    create = sent(api, 2)
    assert create["query"].startswith("mutation DeskhandCreateIssue(")
    assert "issueCreate(" in create["query"]
    # the workspace "Bug" and this team's "Dashboards", not the other team's; the unknown label dropped
    assert create["variables"] == {"input": {
        "teamId": TEAM, "title": "Weekly Sales dashboard widgets time out",
        "description": "Reported in ticket 2017.",
        "labelIds": ["5b2e8f0d-1c7a-4e93-b6d4-0f8a2c9e7b31", "c8e4a1f7-9d02-4b6c-a35e-6e1b7d0f2c98"]}}
    assert "from-support" in caplog.text
    assert issue == Issue(id="d7a41c6e-0b5f-4e28-9c73-8f2e1a6b4d95", identifier="ENG-431",
                          title="Weekly Sales dashboard widgets time out", state="Triage",
                          url="https://linear.app/brightline/issue/ENG-431/"
                              "weekly-sales-dashboard-widgets-time-out",
                          created_at="2026-11-21T10:02:47Z", priority=0)


def test_create_without_labels_sends_no_label_lookup(api, bugs):
    answer(api, "search_issues_empty")
    answer(api, "issue_create")
    bugs.create("Weekly Sales dashboard widgets time out", "Details.")
    assert [sent(api, i)["operationName"] for i in range(2)] == [
        "DeskhandSearchIssues", "DeskhandCreateIssue"]
    assert "labelIds" not in sent(api, 1)["variables"]["input"]


def test_create_needs_a_title(api, bugs):
    with pytest.raises(ValueError):
        bugs.create(" ?! ", "no title")
    assert len(api.calls) == 0


def test_create_answered_without_success_is_an_error(api, bugs):
    answer(api, "search_issues_empty")
    answer(api, {"data": {"issueCreate": {"success": False, "issue": None}}})
    with pytest.raises(ConnectorError):
        bugs.create("Weekly Sales dashboard widgets time out", "Details.")


# -- comment --------------------------------------------------------------------------------------

def test_comment_returns_the_comment_id(api, bugs):
    answer(api, "comment_create")
    comment_id = bugs.comment("ENG-412", "Another customer (Northwind Logistics) hit this.")
    body = sent(api, 0)
    assert body["operationName"] == "DeskhandCreateComment" and "commentCreate(" in body["query"]
    assert body["variables"] == {"input": {"issueId": "ENG-412",
                                           "body": "Another customer (Northwind Logistics) hit this."}}
    assert comment_id == "8c5f2b0a-3e9d-4a71-b6c8-2d4e7f1a9b36"


@pytest.mark.parametrize("status", [200, 400])
def test_comment_on_a_missing_issue_is_not_found(api, bugs, status):
    answer(api, "error_entity_not_found", status=status)
    with pytest.raises(NotFound) as caught:
        bugs.comment("ENG-9999", "hello")
    assert "INPUT_ERROR" in str(caught.value)
    assert len(api.calls) == 1


# -- failures -------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [401, 400, 200])
def test_rejected_key_fails_at_once_without_retry(api, bugs, status):
    answer(api, "error_authentication", status=status)
    with pytest.raises(AuthFailed) as caught:
        bugs.search("charts")
    assert len(api.calls) == 1 and bugs.sleeps == []
    assert "AUTHENTICATION_ERROR" in str(caught.value) and KEY not in str(caught.value)


def test_bare_401_is_auth_failed(api, bugs):
    api.add(responses.POST, URL, body="Unauthorized", status=401)
    with pytest.raises(AuthFailed):
        bugs.search("charts")
    assert len(api.calls) == 1


def test_an_error_echoing_the_key_does_not_leak_it(api, bugs):
    answer(api, {"errors": [{"message": f"Authentication required, not authenticated: {KEY}",
                             "extensions": {"code": "AUTHENTICATION_ERROR"}}]}, status=400)
    with pytest.raises(AuthFailed) as caught:
        bugs.search("charts")
    assert KEY not in str(caught.value) and "[api key]" in str(caught.value)


def test_rate_limited_read_is_retried_honouring_retry_after(api, bugs):
    answer(api, "error_ratelimited", status=429, headers={"Retry-After": "2"})
    answer(api, "search_issues")
    found = bugs.search("charts")
    assert len(api.calls) == 2 and len(found) == 2
    assert bugs.sleeps == [2.0]


def test_ratelimited_code_in_a_400_waits_for_the_reset_header(api, bugs):
    reset_ms = int((time.time() + 3) * 1000)
    answer(api, "error_ratelimited", status=400, headers={"X-RateLimit-Requests-Reset": str(reset_ms)})
    answer(api, "search_issues")
    bugs.search("charts")
    assert len(api.calls) == 2
    assert len(bugs.sleeps) == 1 and 1.5 < bugs.sleeps[0] <= 3.0


def test_rate_limited_read_gives_up_after_two_retries(api, bugs):
    for _ in range(3):
        answer(api, "error_ratelimited", status=429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        bugs.search("charts")
    assert len(api.calls) == 3
    assert bugs.sleeps == [5.0, 5.0]  # Retry-After capped inside a call
    assert caught.value.retry_after == 30.0  # the caller still learns the real wait


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_on_a_read_is_retried_then_unavailable(api, bugs, status):
    for _ in range(3):
        api.add(responses.POST, URL, body="<html>Bad gateway</html>", status=status)
    with pytest.raises(Unavailable):
        bugs.search("charts")
    assert len(api.calls) == 3 and bugs.sleeps == [0.5, 1.0]


def test_server_error_once_then_the_read_succeeds(api, bugs):
    answer(api, {"errors": [{"message": "Internal server error",
                             "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}, status=500)
    answer(api, "search_issues_empty")
    assert bugs.search("charts") == []
    assert len(api.calls) == 2 and bugs.sleeps == [0.5]


def test_timeout_on_a_read_is_retried_then_unavailable(api, bugs):
    for _ in range(3):
        api.add(responses.POST, URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(Unavailable):
        bugs.search("charts")
    assert len(api.calls) == 3


@pytest.mark.parametrize("status", [500, 503])
def test_issue_create_is_not_retried_on_server_error(api, bugs, status):
    answer(api, "search_issues_empty")
    api.add(responses.POST, URL, body="upstream error", status=status)
    with pytest.raises(Unavailable):
        bugs.create("Weekly Sales dashboard widgets time out", "Details.")
    assert [sent(api, i)["operationName"] for i in range(len(api.calls))] == [
        "DeskhandSearchIssues", "DeskhandCreateIssue"]
    assert bugs.sleeps == []


def test_issue_create_is_not_retried_on_rate_limit(api, bugs):
    answer(api, "search_issues_empty")
    answer(api, "error_ratelimited", status=400, headers={"Retry-After": "1"})
    with pytest.raises(RateLimited):
        bugs.create("Weekly Sales dashboard widgets time out", "Details.")
    assert len(api.calls) == 2 and bugs.sleeps == []


def test_comment_timeout_is_not_retried_and_says_it_may_have_landed(api, bugs):
    api.add(responses.POST, URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(Unavailable) as caught:
        bugs.comment("ENG-412", "hello")
    assert len(api.calls) == 1 and "may have landed" in str(caught.value)


def test_comment_server_error_is_not_retried(api, bugs):
    api.add(responses.POST, URL, body="", status=502)
    with pytest.raises(Unavailable):
        bugs.comment("ENG-412", "hello")
    assert len(api.calls) == 1


def test_other_graphql_errors_are_connector_errors_not_retried(api, bugs):
    answer(api, {"errors": [{"message": "Cannot query field \"bogus\" on type \"Issue\".",
                             "extensions": {"type": "graphql error", "code": "GRAPHQL_VALIDATION_FAILED"}}]},
           status=400)
    with pytest.raises(ConnectorError) as caught:
        bugs.search("charts")
    assert type(caught.value) is ConnectorError and len(api.calls) == 1


def test_a_200_that_is_not_json_is_a_connector_error(api, bugs):
    api.add(responses.POST, URL, body="<html>captive portal</html>", status=200)
    with pytest.raises(ConnectorError):
        bugs.search("charts")
    assert len(api.calls) == 1


# -- the stand-in ---------------------------------------------------------------------------------

class Server(Served):
    """The stand-in on a real local port, in a thread."""

    def __init__(self, data: dict):
        super().__init__(create_app(data))

    @property
    def writes(self) -> list[dict]:
        return self.app.config["writes"]


@pytest.fixture(scope="module")
def account() -> dict:
    return json.loads(ACCOUNT.read_text())


@pytest.fixture
def sandbox(account):
    data = sample_data(account)
    with Server(data) as server:
        server.team_id = data["team"]["id"]
        yield server


def test_known_sandbox_user_finds_the_bug_they_reported(sandbox):
    bugs = LinearBugs(api_key=SANDBOX_KEY, team_id=sandbox.team_id, base_url=sandbox.base_url)
    # Carmen Larsen (Northwind Logistics) writes in ticket 2017: "CHARTS STILL NOT LOADING!!!"
    found = bugs.search("charts still not loading")
    assert found[0].identifier == "ENG-412" and found[0].state == "In Progress"
    assert found[0].url == ("https://linear.app/brightline/issue/ENG-412/"
                            "dashboard-charts-stuck-on-loading-spinner")
    assert found[0].priority == 1 and found[0].created_at.endswith("Z")
    assert "ENG-416" not in {i.identifier for i in found}  # closed as a duplicate: not open
    assert bugs.search("carmen_larsen@northwindlogistics.example")[0].identifier == "ENG-412"
    assert bugs.search("Salesforce sync failing")[0].identifier == "ENG-418"
    assert bugs.search("API 500 /v2/metrics/query")[0].identifier == "ENG-425"
    assert "ENG-402" not in {i.identifier for i in bugs.search("Excel export leading zeros")}  # Done


def test_sandbox_writes_dedupe_label_and_comment(sandbox):
    bugs = LinearBugs(api_key=SANDBOX_KEY, team_id=sandbox.team_id, base_url=sandbox.base_url)
    same = bugs.create("Scheduled PDF export arrives blank except for the header", "Again.", ("Bug",))
    assert same.identifier == "ENG-421" and sandbox.writes == []

    new = bugs.create("Report subscriptions sent twice", "Ticket 2041.", ("bug", "reports", "nope"))
    assert new.identifier == "ENG-426" and new.state == "Triage"
    (write,) = sandbox.writes
    assert write["operation"] == "issueCreate" and write["issue"]["identifier"] == "ENG-426"
    assert len(write["input"]["labelIds"]) == 2  # Bug (workspace) and Reports (the team's)
    assert bugs.search("report subscriptions sent twice")[0].identifier == "ENG-426"

    comment_id = bugs.comment(new.identifier, "Also seen by Kestrel Foods.")
    assert sandbox.writes[-1] == {"operation": "commentCreate", "comment_id": comment_id,
                                  "issue_identifier": "ENG-426",
                                  "input": {"issueId": "ENG-426", "body": "Also seen by Kestrel Foods."}}
    with pytest.raises(NotFound):
        bugs.comment("ENG-9999", "hello")
    wrong_key = LinearBugs(api_key="lin_api_wrong", team_id=sandbox.team_id, base_url=sandbox.base_url)
    with pytest.raises(AuthFailed):
        wrong_key.search("charts")


def _shape(value):
    """Keys and value kinds, recursively; lists by their first element."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return "null" if value is None else "number" if isinstance(value, (int, float)) else type(value).__name__


def test_sandbox_answers_in_the_fixture_shapes(sandbox):
    def post(operation: str, query: str, variables: dict, key: str = SANDBOX_KEY):
        response = requests.post(f"{sandbox.base_url}/graphql", timeout=5,
                                 headers={"Authorization": key},
                                 json={"operationName": operation, "query": query, "variables": variables})
        return response.json()

    search = post("DeskhandSearchIssues", c.SEARCH, {"term": "charts", "first": 5, "filter": {}})
    assert _shape(search) == _shape(fixture("search_issues"))
    assert search["data"]["searchIssues"]["nodes"][0]["createdAt"].endswith("Z")
    labels = post("DeskhandIssueLabels", c.LABELS, {"filter": {"or": [{"name": {"eqIgnoreCase": "bug"}}]}})
    assert _shape(labels)["data"]["issueLabels"]["nodes"][0] == _shape(fixture("issue_labels"))[
        "data"]["issueLabels"]["nodes"][0]
    created = post("DeskhandCreateIssue", c.CREATE_ISSUE,
                   {"input": {"teamId": sandbox.team_id, "title": "X"}})
    assert _shape(created) == _shape(fixture("issue_create"))
    comment = post("DeskhandCreateComment", c.CREATE_COMMENT, {"input": {"issueId": "ENG-412", "body": "x"}})
    assert _shape(comment) == _shape(fixture("comment_create"))
    missing = post("DeskhandCreateComment", c.CREATE_COMMENT, {"input": {"issueId": "ENG-1", "body": "x"}})
    expected = fixture("error_entity_not_found")
    assert missing["errors"][0]["message"] == expected["errors"][0]["message"]
    assert set(missing["errors"][0]["extensions"]) == set(expected["errors"][0]["extensions"])
    refused = post("DeskhandSearchIssues", c.SEARCH, {"term": "charts"}, key="wrong")
    assert _shape(refused) == _shape(fixture("error_authentication"))
    unknown = post("Other", "query Other { viewer { id } }", {})
    assert unknown["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_sample_data_is_deterministic_and_covers_most_end_users(account):
    data = sample_data(account)
    assert data == sample_data(account)
    described = "\n".join(i["description"] for i in data["issues"])
    with_org = [u for u in account["users"] if u["role"] == "end-user" and u["organization_id"]]
    reported = [u for u in with_org if f"<{u['email']}>" in described]
    assert 0.6 * len(with_org) < len(reported) < len(with_org)  # most, not all
    for email in ("carmen_larsen@northwindlogistics.example", "hannah@kestrelfoods.example",
                  "sean.varga@vertexrobotics.example", "ykowalski@atlasproperty.example"):
        assert f"<{email}>" in described
