"""A stand-in for the slice of Linear's GraphQL API Deskhand uses: searchIssues, issueLabels,
issueCreate and commentCreate, on `POST /graphql`.

No GraphQL library: a request is recognised by its operation name (the connector names every
operation, and the root field must appear in the query) and answered with the fields the
connector selects, in the shapes of tests/connector/fixtures/linear. Filters are evaluated for the
comparators the connector sends (eq, neq, in, nin, eqIgnoreCase, null, and/or); anything else is
refused loudly rather than ignored. Refusals use Linear's error list with `extensions.code`.
Created issues and comments join the data and are recorded in `app.config["writes"]`.
"""
from __future__ import annotations

import copy
import random
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

from flask import Flask, jsonify, request

SANDBOX_KEY = "lin_api_sandbox_brightline_deskhand"
OPERATIONS = {  # operation name -> root field
    "DeskhandSearchIssues": "searchIssues",
    "DeskhandIssueLabels": "issueLabels",
    "DeskhandCreateIssue": "issueCreate",
    "DeskhandCreateComment": "commentCreate",
}
COMPARATORS = {"eq", "neq", "in", "nin", "eqIgnoreCase", "null"}
FILTER_FIELDS = {"team", "state", "id", "key", "type", "name", "and", "or"}
STOPWORDS = {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have",
             "i", "in", "is", "it", "its", "me", "my", "not", "of", "on", "or", "our", "the", "this",
             "to", "we", "with", "since", "still", "just", "again"}


def create_app(data: dict, latency_s: float = 0.0) -> Flask:
    app = Flask(__name__)
    app.config["writes"] = []
    data = copy.deepcopy(data)  # issues and comments created here must not leak into the caller's dict
    lock = threading.Lock()

    @app.before_request
    def _latency():
        if latency_s:
            time.sleep(latency_s)

    @app.post("/graphql")
    def graphql():
        if request.headers.get("Authorization", "") != data["api_key"]:
            return _error(401, "Authentication required, not authenticated", "AUTHENTICATION_ERROR",
                          "authentication error", "You need to authenticate to access this operation.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _error(400, "Must provide query string.", "GRAPHQL_VALIDATION_FAILED", "graphql error")
        operation = body.get("operationName") or _operation_name(body["query"])
        root = OPERATIONS.get(operation or "")
        if root is None or root not in body["query"]:
            return _error(400, f"The sandbox does not serve operation {operation!r}",
                          "GRAPHQL_VALIDATION_FAILED", "graphql error")
        variables = body.get("variables") or {}
        try:
            with lock:
                result = HANDLERS[root](data, variables, app.config["writes"])
        except _Refused as refused:
            return _error(400, *refused.args, path=root)
        return jsonify({"data": {root: result}})

    return app


class _Refused(Exception):
    """(message, code, type, user-presentable message): a GraphQL error Linear would send."""


def _search_issues(data: dict, variables: dict, writes: list) -> dict:
    terms = [t for t in _tokens(str(variables.get("term") or "")) if t not in STOPWORDS]
    if not terms:
        raise _Refused("Argument Validation Error", "INVALID_INPUT", "invalid input",
                       "Search term must not be empty.")
    flt, first = variables.get("filter") or {}, int(variables.get("first") or 50)
    scored = []
    for issue in data["issues"]:
        if not _matches(issue, flt):
            continue
        title, text = set(_tokens(issue["title"])), set(_tokens(issue["description"]))
        score = sum(2 if t in title else 1 if t in text else 0 for t in set(terms))
        if score:
            scored.append((-score, issue["priority"] or 5, issue["createdAt"], issue))
    scored.sort(key=lambda row: row[:3])
    return {"nodes": [_node(row[3]) for row in scored[:first]]}


def _issue_labels(data: dict, variables: dict, writes: list) -> dict:
    flt, first = variables.get("filter") or {}, int(variables.get("first") or 50)
    found = [label for label in data["labels"] if _matches(label, flt)]
    return {"nodes": [{"id": l["id"], "name": l["name"], "team": l["team"]} for l in found[:first]]}


def _issue_create(data: dict, variables: dict, writes: list) -> dict:
    given = variables.get("input") or {}
    team = next((t for t in data["teams"] if given.get("teamId") in (t["id"], t["key"])), None)
    if team is None:
        raise _Refused("Entity not found: Team", "INPUT_ERROR", "invalid input",
                       "Could not find referenced Team.")
    title = str(given.get("title") or "").strip()
    if not title:
        raise _Refused("Argument Validation Error", "INVALID_INPUT", "invalid input",
                       "Title must not be empty.")
    label_ids = list(given.get("labelIds") or [])
    if any(l not in {label["id"] for label in data["labels"]} for l in label_ids):
        raise _Refused("Entity not found: IssueLabel", "INPUT_ERROR", "invalid input",
                       "Could not find referenced IssueLabel.")
    number = 1 + max((i["number"] for i in data["issues"] if i["team"]["id"] == team["id"]), default=0)
    state = next(s for s in data["states"] if s["teamId"] == team["id"] and s["type"] == "triage")
    issue = _stored_issue(data["organization"]["urlKey"], team, state, number, title,
                          str(given.get("description") or ""), int(given.get("priority") or 0),
                          label_ids, _now(), issue_id=str(uuid.uuid4()))
    data["issues"].append(issue)
    writes.append({"operation": "issueCreate", "input": copy.deepcopy(given),
                   "issue": {"id": issue["id"], "identifier": issue["identifier"]}})
    return {"success": True, "issue": _node(issue)}


def _comment_create(data: dict, variables: dict, writes: list) -> dict:
    given = variables.get("input") or {}
    issue = next((i for i in data["issues"] if given.get("issueId") in (i["id"], i["identifier"])), None)
    if issue is None:
        raise _Refused("Entity not found: Issue", "INPUT_ERROR", "invalid input",
                       "Could not find referenced Issue.")
    body = str(given.get("body") or "")
    if not body.strip():
        raise _Refused("Argument Validation Error", "INVALID_INPUT", "invalid input",
                       "Comment body must not be empty.")
    comment = {"id": str(uuid.uuid4()), "issueId": issue["id"], "body": body, "createdAt": _now()}
    data["comments"].append(comment)
    writes.append({"operation": "commentCreate", "input": copy.deepcopy(given),
                   "comment_id": comment["id"], "issue_identifier": issue["identifier"]})
    return {"success": True, "comment": {"id": comment["id"]}}


HANDLERS = {"searchIssues": _search_issues, "issueLabels": _issue_labels,
            "issueCreate": _issue_create, "commentCreate": _comment_create}


def _matches(obj: dict | None, flt: dict) -> bool:
    """Linear's filter semantics for the fields and comparators the connector uses."""
    for key, cond in flt.items():
        if key == "and":
            ok = all(_matches(obj, c) for c in cond)
        elif key == "or":
            ok = any(_matches(obj, c) for c in cond)
        elif key == "null":
            ok = (obj is None) == bool(cond)
        elif key not in FILTER_FIELDS:
            raise _Refused(f"The sandbox does not filter on {key!r}", "GRAPHQL_VALIDATION_FAILED",
                           "graphql error")
        elif set(cond) <= COMPARATORS and not isinstance((obj or {}).get(key), dict):
            ok = _compare((obj or {}).get(key), cond)
        else:
            ok = _matches((obj or {}).get(key), cond)
        if not ok:
            return False
    return True


def _compare(value, cond: dict) -> bool:
    checks = {"eq": lambda v: value == v, "neq": lambda v: value != v,
              "in": lambda v: value in v, "nin": lambda v: value not in v,
              "eqIgnoreCase": lambda v: str(value or "").casefold() == str(v).casefold(),
              "null": lambda v: (value is None) == bool(v)}
    return all(checks[op](arg) for op, arg in cond.items())


def _node(issue: dict) -> dict:
    """The fields the connector selects, as Linear answers them."""
    return {"id": issue["id"], "identifier": issue["identifier"], "title": issue["title"],
            "url": issue["url"], "createdAt": issue["createdAt"], "priority": issue["priority"],
            "state": {"name": issue["state"]["name"], "type": issue["state"]["type"]}}


def _error(status: int, message: str, code: str, kind: str, presentable: str = "", path: str = ""):
    """Linear's error list; an error raised while resolving a field also names it and nulls data."""
    extensions = {"type": kind, "code": code, "userError": kind == "invalid input",
                  "userPresentableMessage": presentable or message}
    error = {"message": message, "extensions": extensions}
    if path:
        return jsonify({"data": None, "errors": [{**error, "path": [path]}]}), status
    return jsonify({"errors": [error]}), status


def _operation_name(query: str) -> str:
    found = re.match(r"\s*(?:query|mutation)\s+(\w+)", query)
    return found.group(1) if found else ""


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- sample data ----------------------------------------------------------------------------------

TEAM = ("ENG", "Engineering")
STATES = (("Triage", "triage"), ("Backlog", "backlog"), ("Todo", "unstarted"),
          ("In Progress", "started"), ("In Review", "started"), ("Done", "completed"),
          ("Canceled", "canceled"), ("Duplicate", "canceled"))
LABELS = (("Bug", None), ("Customer reported", None), ("Dashboards", "ENG"), ("Integrations", "ENG"),
          ("Reports", "ENG"), ("API", "ENG"), ("Exports", "ENG"))
CREATED_FROM = datetime(2026, 9, 28, 9, 0, tzinfo=timezone.utc)
# (number, title, what engineering knows, state, priority, labels, days after CREATED_FROM,
#  the stream's requesters who reported it); the last three are closed and never found by search.
BUGS = (
    (412, "Dashboard charts stuck on loading spinner",
     "Charts on dashboards with more than ~20 widgets never finish loading since the 4.18 "
     "release; the query service times out on the batched widget request and the front end keeps "
     "spinning instead of showing an error. Workaround: split the dashboard.",
     "In Progress", 1, ("Bug", "Customer reported", "Dashboards"), 38,
     ("carmen_larsen@northwindlogistics.example",)),
    (418, "Salesforce sync failing after token refresh",
     "Nightly Salesforce sync fails with INVALID_SESSION_ID when the OAuth token is refreshed "
     "mid-run. Reconnecting the integration does not help because the refresh races the job.",
     "Todo", 2, ("Bug", "Customer reported", "Integrations"), 40,
     ("hannah@kestrelfoods.example",)),
    (421, "Scheduled PDF export arrives blank except for the header",
     "Scheduled PDF reports render before the charts finish drawing; the attachment contains the "
     "report header and empty panels. Manual PDF export from the report page works.",
     "In Progress", 2, ("Bug", "Customer reported", "Reports"), 27,
     ("sean.varga@vertexrobotics.example",)),
    (425, "API 5xx on /v2/metrics/query and /v2/exports",
     "About half of the calls to POST /v2/metrics/query and GET /v2/exports return 500 or 502 since "
     "Tuesday's deploy; the export worker pool is exhausted under concurrent requests.",
     "Triage", 1, ("Bug", "Customer reported", "API"), 47,
     ("ykowalski@atlasproperty.example",)),
    (409, "Revenue dashboard totals off after currency conversion change",
     "Revenue widgets summed converted and unconverted amounts for workspaces with more than one "
     "currency, overstating totals by up to 30% between Oct 1 and Oct 14.",
     "In Review", 1, ("Bug", "Customer reported", "Dashboards"), 16,
     ("arjun@orchardvine.example",)),
    (415, "Date filter off by one day in UTC- timezones",
     "Picking the 1st in the date filter shows data from the 2nd for users west of UTC: the filter "
     "converts the local midnight to UTC twice.",
     "Backlog", 3, ("Bug", "Dashboards"), 33, ()),
    (419, "Slack alert chart images broken",
     "Chart snapshots in Slack alerts show a broken image since the CDN move: the signed URL "
     "expires before Slack fetches it.",
     "Todo", 3, ("Bug", "Integrations"), 41, ()),
    (423, "Snowflake data stops refreshing after a schema change",
     "Snowflake-backed datasets stop refreshing when a source column is added; the sync job fails "
     "on the cached schema and never retries.",
     "Todo", 2, ("Bug", "Customer reported", "Integrations"), 44, ()),
    (407, "Dark mode makes chart axis labels unreadable",
     "Axis labels keep their light-theme colour (black) on the dark background.",
     "Backlog", 4, ("Bug", "Dashboards"), 9, ()),
    (402, "Excel export drops leading zeros from ID columns",
     "Fixed in 4.17: text columns are now written as strings.",
     "Done", 2, ("Bug", "Customer reported", "Exports"), 2, ()),
    (416, "Charts not loading on Weekly Sales dashboard",
     "Same cause as ENG-412.", "Duplicate", 2, ("Bug", "Customer reported"), 35, ()),
    (405, "API rate limit headers missing on 429 answers",
     "Fixed: X-RateLimit-* headers are sent with every answer.",
     "Canceled", 3, ("API",), 6, ()),
)
SHARE_UNREPORTED = 0.2  # end users with an organisation who reported no open bug


def sample_data(account: dict) -> dict:
    """Brightline's Engineering team in Linear: workflow states, labels, and a dozen bugs (nine
    open). Open customer-reported bugs list the end users who reported them; the stream's bug
    reporters are pinned to their bugs, and the rest are spread with a fixed seed, a fifth of
    them on none. Ids are UUIDs derived from the account's subdomain and the names."""
    domain = account["subdomain"]
    rng = random.Random(f"{domain}:linear")

    def ident(name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://linear.app/{domain}/{name}"))

    team = {"id": ident("team/ENG"), "key": TEAM[0], "name": TEAM[1]}
    states = [{"id": ident(f"state/{name}"), "name": name, "type": kind, "teamId": team["id"]}
              for name, kind in STATES]
    labels = [{"id": ident(f"label/{name}"), "name": name,
               "team": {"id": team["id"]} if scope else None} for name, scope in LABELS]
    label_id = {label["name"]: label["id"] for label in labels}
    state_by_name = {s["name"]: s for s in states}

    orgs = {o["id"]: o["name"] for o in account.get("organizations", [])}
    open_reported = [b for b in BUGS if state_by_name[b[3]]["type"] not in ("completed", "canceled")
                     and "Customer reported" in b[5]]
    pinned = {email: bug[0] for bug in BUGS for email in bug[7]}
    reporters: dict[int, list[str]] = {bug[0]: [] for bug in BUGS}
    for user in account.get("users", []):
        if user.get("role") != "end-user" or user.get("organization_id") not in orgs:
            continue  # no organisation: nobody the bug tracker would know
        number = pinned.get(user["email"])
        if number is None:
            if rng.random() < SHARE_UNREPORTED:
                continue
            number = rng.choice(open_reported)[0]
        reporters[number].append(f"- {user['name']} <{user['email']}>, {orgs[user['organization_id']]}")

    issues = []
    for number, title, summary, state, priority, names, day, _ in BUGS:
        description = summary
        if reporters[number]:
            description += "\n\n**Customer reports** (from Zendesk)\n" + "\n".join(reporters[number])
        created = CREATED_FROM + timedelta(days=day, minutes=rng.randrange(0, 8 * 60))
        issues.append(_stored_issue(domain, team, state_by_name[state], number, title, description,
                                    priority, [label_id[n] for n in names],
                                    created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                                    issue_id=ident(f"issue/ENG-{number}")))
    return {"api_key": SANDBOX_KEY, "organization": {"urlKey": domain, "name": "Brightline Analytics"},
            "team": team, "teams": [team], "states": states, "labels": labels,
            "issues": issues, "comments": []}


def _stored_issue(url_key: str, team: dict, state: dict, number: int, title: str, description: str,
                  priority: int, label_ids: list[str], created_at: str, issue_id: str) -> dict:
    identifier = f"{team['key']}-{number}"
    slug = "-".join(_tokens(title))[:60].strip("-")
    return {"id": issue_id, "identifier": identifier, "number": number, "title": title,
            "description": description, "priority": priority,
            "url": f"https://linear.app/{url_key}/issue/{identifier}/{slug}",
            "createdAt": created_at, "updatedAt": created_at,
            "state": {"id": state["id"], "name": state["name"], "type": state["type"]},
            "team": {"id": team["id"], "key": team["key"], "name": team["name"]},
            "labelIds": label_ids}
