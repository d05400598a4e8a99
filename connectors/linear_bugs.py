"""Linear, the bug tracker, over its GraphQL API with requests (no well-kept Python SDK).

Four named operations, written out below; the sandbox recognises them by operation name.
Linear reports most failures as GraphQL errors, in a 200 or 400 answer as often as in a 401 or
429, and puts the kind in `extensions.code` (its SDK reads the same kind from `extensions.type`),
so the mapping reads the code first and the HTTP status second.

Reads (search, the duplicate check, the label lookup) are retried; the two mutations are not:
Linear takes no idempotency key, and an issueCreate that timed out may have landed.
"""
from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timezone

import requests

from .errors import AuthFailed, ConnectorError, NotFound, RateLimited, Unavailable, from_status
from .roles import Issue

API_URL = "https://api.linear.app"
TIMEOUT_S = 10
RETRIES = 2  # retries after the first attempt, reads only
BACKOFF_S = 0.5  # 0.5 s then 1 s when Linear names no wait
RETRY_AFTER_CAP_S = 5.0
MAX_RESULTS = 50  # Linear's default page size; one page is plenty for "is this already known?"
DUPLICATE_SCAN = 10  # search hits compared by title before creating
CLOSED_STATE_TYPES = ["completed", "canceled"]  # Linear's other types: triage, backlog, unstarted, started

ISSUE_FIELDS = "id identifier title url createdAt priority state { name type }"

SEARCH = f"""query DeskhandSearchIssues($term: String!, $filter: IssueFilter, $first: Int) {{
  searchIssues(term: $term, filter: $filter, first: $first) {{ nodes {{ {ISSUE_FIELDS} }} }}
}}"""

LABELS = """query DeskhandIssueLabels($filter: IssueLabelFilter, $first: Int) {
  issueLabels(filter: $filter, first: $first) { nodes { id name team { id } } }
}"""

CREATE_ISSUE = f"""mutation DeskhandCreateIssue($input: IssueCreateInput!) {{
  issueCreate(input: $input) {{ success issue {{ {ISSUE_FIELDS} }} }}
}}"""

CREATE_COMMENT = """mutation DeskhandCreateComment($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id } }
}"""

log = logging.getLogger("deskhand.linear")


class LinearBugs:
    name = "linear"
    display_name = "Linear"

    def __init__(self, api_key: str, team_id: str, base_url: str = "", timeout_s: float = TIMEOUT_S):
        """`api_key` goes into the Authorization header as given: a personal key bare, an OAuth
        token as "Bearer <token>". `team_id` is the team's UUID: issues are searched in it and
        created in it. `base_url` is the host (the sandbox's, say); empty means api.linear.app."""
        self.url = (base_url or API_URL).rstrip("/") + "/graphql"
        self.team_id = team_id
        self.timeout_s = timeout_s
        self._api_key = api_key
        self.session = requests.Session()
        self.session.headers.update({"Authorization": api_key, "Content-Type": "application/json"})
        self._sleep = time.sleep  # tests replace it to see the waits without taking them

    # -- reads ---------------------------------------------------------------------------------

    def search(self, text: str, limit: int = 5) -> list[Issue]:
        """Open issues of the team matching the text, in Linear's relevance order."""
        if not text.strip() or limit < 1:
            return []
        variables = {"term": text.strip(), "first": min(limit, MAX_RESULTS),
                     "filter": {"team": {"id": {"eq": self.team_id}},
                                "state": {"type": {"nin": CLOSED_STATE_TYPES}}}}
        data = self._read("DeskhandSearchIssues", SEARCH, variables)
        return [_issue(node) for node in (data.get("searchIssues") or {}).get("nodes") or []]

    def _label_ids(self, names: tuple[str, ...]) -> list[str]:
        """The ids of the named labels usable in the team (its own and workspace labels).
        Unknown names are left off, not created: labels are the team's vocabulary."""
        wanted = {n.strip().casefold(): n for n in names if n.strip()}
        if not wanted:
            return []
        variables = {"first": MAX_RESULTS,
                     "filter": {"or": [{"name": {"eqIgnoreCase": n}} for n in wanted.values()]}}
        data = self._read("DeskhandIssueLabels", LABELS, variables)
        found: dict[str, str] = {}
        for label in (data.get("issueLabels") or {}).get("nodes") or []:
            team = (label.get("team") or {}).get("id")
            key = str(label.get("name") or "").casefold()
            # a team's own label wins over a workspace label of the same name
            if key in wanted and team in (None, self.team_id) and (key not in found or team):
                found[key] = str(label["id"])
        missing = sorted(wanted[k] for k in wanted.keys() - found.keys())
        if missing:
            log.warning("linear: no label named %s in team %s; creating the issue without it",
                        ", ".join(missing), self.team_id)
        return [found[k] for k in wanted if k in found]

    # -- writes --------------------------------------------------------------------------------

    def create(self, title: str, description: str, labels: tuple[str, ...] = ()) -> Issue:
        """The open issue with the same title if the team has one, else a new issue.

        The check goes through search, whose index may not hold an issue created moments ago:
        two creates in quick succession can both create. The caller's action key guards that."""
        key = _normalise(title)
        if not key:
            raise ValueError("an issue needs a title")
        for issue in self.search(title, DUPLICATE_SCAN):
            if _normalise(issue.title) == key:
                return issue
        issue_input = {"teamId": self.team_id, "title": title.strip(), "description": description}
        label_ids = self._label_ids(labels)
        if label_ids:
            issue_input["labelIds"] = label_ids
        data = self._call("DeskhandCreateIssue", CREATE_ISSUE, {"input": issue_input}, write=True)
        payload = data.get("issueCreate") or {}
        if not payload.get("success") or not payload.get("issue"):
            raise ConnectorError("linear issueCreate answered without an issue")
        return _issue(payload["issue"])

    def comment(self, issue_id: str, body: str) -> str:
        """Add a Markdown comment to the issue (UUID or identifier like ENG-123); its id."""
        variables = {"input": {"issueId": issue_id, "body": body}}
        data = self._call("DeskhandCreateComment", CREATE_COMMENT, variables, write=True)
        payload = data.get("commentCreate") or {}
        comment_id = (payload.get("comment") or {}).get("id")
        if not payload.get("success") or not comment_id:
            raise ConnectorError("linear commentCreate answered without a comment")
        return str(comment_id)

    # -- transport -----------------------------------------------------------------------------

    def _read(self, operation: str, query: str, variables: dict) -> dict:
        """One read; 429s, 5xx, timeouts and connection errors retried up to RETRIES times."""
        for attempt in range(RETRIES + 1):
            try:
                return self._call(operation, query, variables)
            except (RateLimited, Unavailable) as exc:
                if attempt == RETRIES:
                    raise
                delay = exc.retry_after if isinstance(exc, RateLimited) else BACKOFF_S * 2 ** attempt
                self._sleep(max(0.0, min(delay, RETRY_AFTER_CAP_S)))
        raise AssertionError("unreachable")

    def _call(self, operation: str, query: str, variables: dict, write: bool = False) -> dict:
        """POST one operation and return its `data`, or raise the mapped error."""
        body = {"operationName": operation, "query": query, "variables": variables}
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout_s)
        except requests.ConnectionError as exc:
            # a write's connection can drop after Linear acted on it
            landed = "; it may have landed" if write else ""
            raise Unavailable(self._clean(f"linear unreachable ({operation}{landed}): "
                                          f"{exc.__class__.__name__}")) from None
        except requests.Timeout:
            landed = "; it may have landed" if write else ""
            raise Unavailable(f"linear timed out ({operation}{landed})") from None
        except requests.RequestException as exc:
            raise ConnectorError(f"linear client error ({operation}): {exc.__class__.__name__}") from None
        return self._data(response, operation)

    def _data(self, response: requests.Response, operation: str) -> dict:
        status = response.status_code
        try:
            payload = response.json()
        except ValueError:
            payload = None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        retry_after = _retry_after(response.headers)
        if status >= 500:
            raise Unavailable(self._clean(f"linear {status} ({operation}): {_describe(errors)}"))
        if errors:
            raise self._translate(status, errors, operation, retry_after)
        if status >= 300:
            raise from_status(status, f"linear {status} ({operation})", retry_after)
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise ConnectorError(f"linear {status} ({operation}): no data in the answer")
        return data

    def _translate(self, status: int, errors: list, operation: str,
                   retry_after: float | None) -> ConnectorError:
        """Linear's first GraphQL error as the connector error tree. Never includes the key."""
        first = errors[0] if isinstance(errors[0], dict) else {}
        extensions = first.get("extensions") or {}
        kind = str(extensions.get("code") or extensions.get("type") or "").upper().replace(" ", "_")
        message = self._clean(f"linear {status} ({operation}): {_describe(errors)}")
        if kind == "RATELIMITED":
            return RateLimited(message, retry_after or 1.0)
        if kind in ("AUTHENTICATION_ERROR", "FORBIDDEN"):
            return AuthFailed(message)
        if str(first.get("message") or "").startswith("Entity not found"):
            return NotFound(message)
        return from_status(status, message, retry_after)  # 200 and 400 land on ConnectorError

    def _clean(self, message: str) -> str:
        """Shorten, and blank the key should an error ever echo the header back."""
        return message.replace(self._api_key, "[api key]")[:300] if self._api_key else message[:300]


def _describe(errors) -> str:
    """`CODE: message; ...` from a GraphQL error list."""
    if not isinstance(errors, list) or not errors:
        return "no error detail"
    parts = []
    for error in errors[:3]:
        error = error if isinstance(error, dict) else {"message": str(error)}
        code = (error.get("extensions") or {}).get("code") or "ERROR"
        parts.append(f"{code}: {error.get('message') or ''}".rstrip(": "))
    return "; ".join(parts)


def _retry_after(headers) -> float | None:
    """Seconds to wait: Retry-After, else the request budget's reset time. Linear documents the
    reset as UTC epoch milliseconds; a value small enough to be seconds is read as seconds."""
    value = str(headers.get("Retry-After") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass  # an HTTP date: the reset header says the same in a form we read
    try:
        reset_at = float(str(headers.get("X-RateLimit-Requests-Reset") or "").strip())
    except ValueError:
        return None
    if reset_at > 1e11:
        reset_at /= 1000
    return max(0.0, reset_at - time.time())


def _normalise(title: str) -> str:
    """Case, punctuation and spacing never make two titles different."""
    return " ".join(re.findall(r"\w+", title.casefold()))


def _issue(node: dict) -> Issue:
    return Issue(id=str(node.get("id") or ""), identifier=str(node.get("identifier") or ""),
                 title=str(node.get("title") or ""), state=str((node.get("state") or {}).get("name") or ""),
                 url=str(node.get("url") or ""), created_at=_iso(node.get("createdAt")),
                 priority=int(node.get("priority") or 0))


def _iso(value) -> str:
    """Linear's `2026-11-12T09:30:00.000Z` as the house `2026-11-12T09:30:00Z`."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
