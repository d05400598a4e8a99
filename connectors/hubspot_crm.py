"""HubSpot CRM through `requests` and a private-app token (CRM v3 objects).

`contact(email)` costs one to three calls, in at most two sequential round trips but for one
case. First the contact search (the only call when nobody has that email), which also answers
the contact's primary company id: `associatedcompanyid`, a read-only property HubSpot keeps equal
to the primary contact-to-company association, so no associations call is needed. Then that
company and the contact's owner (`hubspot_owner_id`), fetched side by side. The one case: a
contact with no owner of its own falls back to its company's owner, which can be asked for only
once the company has answered, a third round trip. A call is skipped when there is nothing to
fetch. The contact and company found for an email are remembered for CONTACT_TTL_S, and owners'
names for OWNER_TTL_S: the next lookup of that email (the conversation's next message, the case
file after a reply) reads the contact by its id beside the company, one round trip, and checks
that the contact still has the email (else it searches again) and the same primary company (else
it reads the new one). The properties themselves are always read fresh.

Plan tier, ARR and renewal date are the portal's custom properties `plan_tier`, `arr` and
`renewal_date`, read from the contact and, where the contact has none, from its primary company.
`annualrevenue` is not used: in HubSpot it is the customer's own revenue, not what they pay us.
`arr` is a bare number with no currency of its own, and the portal's company currency (a setting
read through another API) need not be the one it was typed in, so the record's `arr_currency`
stays empty rather than guessed.

Reads are retried (the search is a POST but changes nothing); writes never are, since HubSpot
takes no idempotency key on them: a note that timed out may exist, and posting it again would
make two. Every thread has its own `requests.Session` (a session is not guaranteed thread-safe),
all with the same headers and timeout.
"""
from __future__ import annotations

import html
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timezone
from email.utils import mktime_tz, parsedate_tz
from urllib.parse import quote

import requests

from .errors import ConnectorError, NotFound, RateLimited, Unavailable, from_status
from .roles import CrmRecord

API_URL = "https://api.hubapi.com"
APP_URL = "https://app.hubspot.com"
TIMEOUT_S = 10
RETRIES = 2  # after the first attempt, for 429, 5xx, timeouts and connection errors
BACKOFF_S = 0.5  # 0.5 s then 1 s when the server names no wait
RETRY_AFTER_CAP_S = 5.0
CONTACT_PROPERTIES = ("email", "firstname", "lastname", "lifecyclestage", "hubspot_owner_id",
                      "associatedcompanyid", "plan_tier", "arr", "renewal_date")
COMPANY_PROPERTIES = ("name", "domain", "hubspot_owner_id", "plan_tier", "arr", "renewal_date")
NOTE_TO_CONTACT = 202  # HUBSPOT_DEFINED note-to-contact type id
NOTE_LIMIT = 65536  # characters HubSpot keeps in hs_note_body
WORKERS = 8  # threads for the read that runs beside the company read; made on demand
# how long the contact and company found for an email are remembered: a conversation's next message, or
# its case file, then reads the contact in one round trip instead of two (as connectors/stripe_billing.py
# does for a customer); its properties are read fresh every time
CONTACT_TTL_S = 600.0
OWNER_TTL_S = 3600.0  # how long an owner's name is reused


class HubSpotCrm:
    name = "hubspot"
    display_name = "HubSpot"

    def __init__(self, token: str, base_url: str = "", timeout_s: float = TIMEOUT_S,
                 portal_id: str = ""):
        self.base_url = (base_url or API_URL).rstrip("/")
        self.timeout_s = timeout_s
        self.portal_id = str(portal_id or "")
        # no mounted Retry on the sessions: writes must go out exactly once
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._local = threading.local()  # one session per thread, kept for its connections
        # a shared pool, so its threads (and their sessions' connections) outlive one lookup
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="hubspot")
        self._sleep = time.sleep  # tests replace it to see the waits without taking them
        self._contacts_seen: dict[str, tuple[str, str, float]] = {}  # email -> (contact id, company id, when)
        self._owners_seen: dict[str, tuple[str, float]] = {}  # owner id -> (name, when read)

    # -- reads ---------------------------------------------------------------------------------

    def contact(self, email: str) -> CrmRecord | None:
        address = email.strip().lower()
        if not address:
            return None
        seen = self._contacts_seen.get(address)
        if seen is not None and time.monotonic() - seen[2] < CONTACT_TTL_S:
            again = self._contact_again(address, *seen)
            if again is not None:
                return again
            self._contacts_seen.pop(address, None)  # gone, or the email is someone else's now: search
        found = self._read("POST", "/crm/v3/objects/contacts/search", json={
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ",
                                           "value": address}]}],
            "properties": list(CONTACT_PROPERTIES),
            "limit": 1})
        results = found.get("results") or []
        if not results:
            return None
        contact_id = str(results[0]["id"])
        props = results[0].get("properties") or {}
        company_id = _id(props.get("associatedcompanyid"))
        own_owner = _id(props.get("hubspot_owner_id"))
        company, owner = self._company_and_owner(company_id, own_owner)
        if not own_owner and company.get("hubspot_owner_id"):
            # the third round trip: the company's owner is known only now
            owner = self._owner(_id(company["hubspot_owner_id"]))
        self._contacts_seen[address] = (contact_id, company_id, time.monotonic())
        return self._record(address, contact_id, props, company, owner)

    def _contact_again(self, address: str, contact_id: str, company_id: str, seen_at: float) -> CrmRecord | None:
        """A contact found before, in one round trip: the contact by its id beside the company it had,
        the owner's name from those kept. None when the contact is gone or no longer has this email.
        A contact whose primary company changed meanwhile costs the new company's read after it."""
        path = f"/crm/v3/objects/contacts/{quote(contact_id, safe='')}"
        contact_job = self._pool.submit(self._read, "GET", path, params={"properties": ",".join(CONTACT_PROPERTIES)})
        try:
            company = self._company(company_id) if company_id else {}
        finally:
            wait([contact_job])
        try:
            props = contact_job.result().get("properties") or {}
        except NotFound:
            return None
        if str(props.get("email") or "").strip().lower() != address:
            return None
        now_with = _id(props.get("associatedcompanyid"))
        if now_with != company_id:
            company = self._company(now_with) if now_with else {}
            self._contacts_seen[address] = (contact_id, now_with, seen_at)
        owner_id = _id(props.get("hubspot_owner_id")) or _id(company.get("hubspot_owner_id"))
        return self._record(address, contact_id, props, company, self._owner(owner_id) if owner_id else "")

    def _record(self, address: str, contact_id: str, props: dict, company: dict, owner: str) -> CrmRecord:
        def pick(key: str) -> str:
            return str(props.get(key) or company.get(key) or "")

        return CrmRecord(
            contact_id=contact_id,
            email=props.get("email") or address,
            name=" ".join(p for p in (props.get("firstname"), props.get("lastname")) if p),
            company_id=_id(props.get("associatedcompanyid")) if company else "",
            company=company.get("name") or "",
            lifecycle_stage=props.get("lifecyclestage") or "",
            plan_tier=pick("plan_tier"),
            arr=_number(pick("arr")),
            owner=owner,
            renewal_date=_date(pick("renewal_date")),
            link=f"{APP_URL}/contacts/{self.portal_id}/contact/{contact_id}" if self.portal_id else "")

    def _company_and_owner(self, company_id: str, owner_id: str) -> tuple[dict, str]:
        """The company's properties and the owner's name, read side by side when both are
        wanted: the owner on a pool thread, the company on this one. Whichever fails, this
        returns or raises only once both reads are over, so no request is left in flight."""
        if not (company_id and owner_id):
            return (self._company(company_id) if company_id else {},
                    self._owner(owner_id) if owner_id else "")
        owner_job = self._pool.submit(self._owner, owner_id)
        try:
            company = self._company(company_id)
        finally:
            wait([owner_job])
        return company, owner_job.result()

    def _company(self, company_id: str) -> dict:
        """The company's properties; {} if it was deleted since the contact was indexed."""
        try:
            found = self._read("GET", f"/crm/v3/objects/companies/{quote(company_id, safe='')}",
                               params={"properties": ",".join(COMPANY_PROPERTIES)})
        except NotFound:
            return {}
        return found.get("properties") or {}

    def _owner(self, owner_id: str) -> str:
        """The owner's name, else email; "" if the owner is gone (deactivated users are). Kept for
        OWNER_TTL_S: the account team is a handful of people whose names hardly ever change."""
        seen = self._owners_seen.get(owner_id)
        if seen is not None and time.monotonic() - seen[1] < OWNER_TTL_S:
            return seen[0]
        try:
            owner = self._read("GET", f"/crm/v3/owners/{quote(owner_id, safe='')}")
        except NotFound:
            return ""
        full = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p)
        name = full or owner.get("email") or ""
        self._owners_seen[owner_id] = (name, time.monotonic())
        return name

    # -- writes --------------------------------------------------------------------------------

    def update_property(self, contact_id: str, name: str, value: str) -> None:
        # quoted: the id comes from the caller and must not be able to point at another path
        self._send("PATCH", f"/crm/v3/objects/contacts/{quote(str(contact_id), safe='')}",
                   json={"properties": {name: value}})

    def add_note(self, contact_id: str, body: str) -> str:
        """`body` is plain text. HubSpot renders hs_note_body as HTML, so it is escaped (ticket
        text must not become markup or links in the CRM) and its line breaks kept."""
        created = self._send("POST", "/crm/v3/objects/notes", json={
            "properties": {"hs_note_body": _note_html(body),
                           "hs_timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds")
                           .replace("+00:00", "Z")},
            "associations": [{"to": {"id": str(contact_id)},
                              "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                         "associationTypeId": NOTE_TO_CONTACT}]}]})
        return str(created.get("id") or "")

    # -- transport -----------------------------------------------------------------------------

    def _read(self, method: str, path: str, **kwargs) -> dict:
        """One read; retry 429, 5xx, timeouts and connection errors, up to RETRIES times."""
        for attempt in range(RETRIES + 1):
            try:
                return self._send(method, path, **kwargs)
            except (RateLimited, Unavailable) as exc:
                if attempt == RETRIES:
                    raise
                delay = exc.retry_after if isinstance(exc, RateLimited) else BACKOFF_S * 2 ** attempt
                self._sleep(max(0.0, min(delay, RETRY_AFTER_CAP_S)))
        raise AssertionError("unreachable")

    def _session(self) -> requests.Session:
        """This thread's session, made on first use with the connector's headers."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.update(self._headers)
        return session

    def _send(self, method: str, path: str, **kwargs) -> dict:
        """Exactly one request; every failure as the connector error tree, never the token."""
        try:
            response = self._session().request(method, self.base_url + path,
                                               timeout=self.timeout_s, **kwargs)
        except requests.Timeout as exc:
            raise Unavailable(f"hubspot timed out: {method} {path} ({exc.__class__.__name__})") from None
        except requests.RequestException as exc:
            raise Unavailable(f"hubspot unreachable: {method} {path} ({exc.__class__.__name__})") from None
        if response.status_code >= 400:
            raise from_status(response.status_code,
                              f"hubspot {response.status_code}: {_describe(response)}",
                              _retry_after(response.headers.get("Retry-After", "")))
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise ConnectorError(f"hubspot {response.status_code}: response was not JSON") from None


def _describe(response: requests.Response) -> str:
    """HubSpot's error as `CATEGORY: message`, else the body, shortened. 429s name their
    policy (SECONDLY, TEN_SECONDLY_ROLLING, DAILY) in `policyName` instead of a category."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    kind = body.get("category") or body.get("policyName") or body.get("errorType") or ""
    message = str(body.get("message") or "")
    return (f"{kind}: {message}" if kind else message)[:300]


def _retry_after(value: str) -> float | None:
    """Retry-After in seconds or as an HTTP date. HubSpot rarely sends one on a 429; then the
    error tree's default (1 s) stands, which is the window of its SECONDLY limit."""
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = parsedate_tz(value)
        return None if parsed is None else max(0.0, mktime_tz(parsed) - time.time())


def _id(value) -> str:
    """An object id from a property: HubSpot answers numbers as strings ("27823487234"), null
    when unset; a JSON number is taken too."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _date(value: str) -> str:
    """A date property as YYYY-MM-DD. CRM v3 answers dates as YYYY-MM-DD (datetimes as ISO
    8601); older portals' values and API writes may be midnight-UTC epoch milliseconds."""
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, timezone.utc).strftime("%Y-%m-%d")
    return value[:10]


def _note_html(body: str) -> str:
    """Plain text as hs_note_body HTML, cut to HubSpot's limit without splitting an entity."""
    markup = html.escape(body).replace("\r\n", "\n").replace("\n", "<br>")
    if len(markup) <= NOTE_LIMIT:
        return markup
    cut = markup[:NOTE_LIMIT - 1]
    amp, tag = cut.rfind("&"), cut.rfind("<")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    if tag > cut.rfind(">"):
        cut = cut[:tag]
    return cut + "…"
