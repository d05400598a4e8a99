"""HubSpotCrm on recorded HubSpot responses (`responses`, network off), and against the HubSpot
sandbox on a real local port. Fixture shapes: tests/connector/fixtures/hubspot/SOURCES.md."""
from __future__ import annotations

import copy
import json
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import responses
from flask import request
from responses import matchers

from connectors.errors import AuthFailed, ConnectorError, NotFound, RateLimited, Unavailable
from connectors.hubspot_crm import NOTE_LIMIT, HubSpotCrm, _note_html
from connectors.roles import CrmRecord
from sandbox.vendors.hubspot import TOKEN, create_app, sample_data
from tests.fakes.served import Served as Server

FIXTURES = Path(__file__).parent / "fixtures" / "hubspot"
ACCOUNT = Path(__file__).resolve().parents[2] / "sandbox" / "company" / "account.json"
API = "https://api.hubapi.com"
SECRET = "pat-na1-0f6c2a9e-test-token"
CONTACT_ID, COMPANY_ID, OWNER_ID = "105391548817", "27823487234", "83625191"
SEARCH = f"{API}/crm/v3/objects/contacts/search"
COMPANY = f"{API}/crm/v3/objects/companies/{COMPANY_ID}"
OWNER = f"{API}/crm/v3/owners/{OWNER_ID}"
AUTH = matchers.header_matcher({"Authorization": f"Bearer {SECRET}"})
SEARCH_BODY = {
    "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ",
                                   "value": "nhughes@northwindlogistics.example"}]}],
    "properties": ["email", "firstname", "lastname", "lifecyclestage", "hubspot_owner_id",
                   "associatedcompanyid", "plan_tier", "arr", "renewal_date"],
    "limit": 1}
COMPANY_QUERY = {"properties": "name,domain,hubspot_owner_id,plan_tier,arr,renewal_date"}
# the calls as (method, path and query), the way the assertions below spell them
CALL_SEARCH = ("POST", "/crm/v3/objects/contacts/search")
CALL_COMPANY = ("GET", f"/crm/v3/objects/companies/{COMPANY_ID}"
                       "?properties=name%2Cdomain%2Chubspot_owner_id%2Cplan_tier%2Carr%2Crenewal_date")
CALL_OWNER = ("GET", f"/crm/v3/owners/{OWNER_ID}")


def fixture(name: str):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def crm(portal_id: str = "24583071", base_url: str = "") -> tuple[HubSpotCrm, list[float]]:
    client = HubSpotCrm(SECRET, base_url=base_url, timeout_s=5, portal_id=portal_id)
    sleeps: list[float] = []
    client._sleep = sleeps.append  # see the waits without taking them
    return client, sleeps



def calls(api) -> list[tuple[str, str]]:
    return [(c.request.method, c.request.path_url) for c in api.calls]


def assert_search_then_side_by_side(api, *reads):
    """The search first, then `reads` in either order (they run at the same time)."""
    made = calls(api)
    assert made[0] == CALL_SEARCH
    assert sorted(made[1:]) == sorted(reads)


def add_lookup(api, search=None, company=None, owner=None):
    """The three reads of a full lookup, each matched on method, path, body or query and token."""
    api.post(SEARCH, json=search or fixture("search_contact"),
             match=[AUTH, matchers.json_params_matcher(SEARCH_BODY)])
    api.get(COMPANY, json=company or fixture("company"),
            match=[AUTH, matchers.query_param_matcher(COMPANY_QUERY)])
    api.get(OWNER, json=owner or fixture("owner"), match=[AUTH, matchers.query_param_matcher({})])


# -- contact(): mapping ----------------------------------------------------------------------

def test_contact_reads_contact_then_company_and_owner_side_by_side(api):
    add_lookup(api)
    client, sleeps = crm()

    record = client.contact("  NHughes@NorthwindLogistics.example ")

    assert record == CrmRecord(
        contact_id=CONTACT_ID, email="nhughes@northwindlogistics.example", name="Nadia Hughes",
        company_id=COMPANY_ID, company="Northwind Logistics", lifecycle_stage="customer",
        plan_tier="enterprise", arr=184000.0, owner="Priya Raman", renewal_date="2027-01-03",
        link=f"https://app.hubspot.com/contacts/24583071/contact/{CONTACT_ID}")
    # the primary company comes with the search (associatedcompanyid): no associations call
    assert_search_then_side_by_side(api, CALL_COMPANY, CALL_OWNER)
    assert not any("associations" in c.request.url for c in api.calls)
    # every thread's session sends the same headers (AUTH matched the token on each call)
    assert all(c.request.headers["Accept"] == "application/json" for c in api.calls)
    assert sleeps == []


def test_company_and_owner_are_read_at_the_same_time(api):
    """Each read is held until the other has started: run one after the other, the first
    would wait out its hold and the lookup would take > 1 s."""
    started = {"company": threading.Event(), "owner": threading.Event()}

    def hold(mine: str, other: str, body: dict):
        def reply(_request):
            started[mine].set()
            started[other].wait(1.0)
            return 200, {}, json.dumps(body)
        return reply

    api.post(SEARCH, json=fixture("search_contact"), match=[AUTH])
    api.add_callback(responses.GET, COMPANY, callback=hold("company", "owner", fixture("company")),
                     content_type="application/json", match=[AUTH])
    api.add_callback(responses.GET, OWNER, callback=hold("owner", "company", fixture("owner")),
                     content_type="application/json", match=[AUTH])

    begun = time.monotonic()
    record = crm()[0].contact("nhughes@northwindlogistics.example")

    assert time.monotonic() - begun < 0.9
    assert (record.company, record.owner) == ("Northwind Logistics", "Priya Raman")
    assert_search_then_side_by_side(api, CALL_COMPANY, CALL_OWNER)


def test_unknown_email_is_none_after_one_call(api):
    api.post(SEARCH, json=fixture("search_empty"), match=[AUTH])
    assert crm()[0].contact("nobody@nowhere.example") is None
    assert len(api.calls) == 1
    assert json.loads(api.calls[0].request.body)["filterGroups"][0]["filters"][0]["value"] == \
        "nobody@nowhere.example"


def test_blank_email_asks_nothing(api):
    assert crm()[0].contact("   ") is None
    assert len(api.calls) == 0


CONTACT = f"{API}/crm/v3/objects/contacts/{CONTACT_ID}"
CONTACT_QUERY = {"properties": ",".join(SEARCH_BODY["properties"])}
CALL_CONTACT = ("GET", f"/crm/v3/objects/contacts/{CONTACT_ID}?properties="
                       + "%2C".join(SEARCH_BODY["properties"]))


def test_the_next_lookup_of_an_email_reads_contact_and_company_at_once_and_the_owner_not_at_all(api):
    add_lookup(api)
    api.get(CONTACT, json=fixture("contact"), match=[AUTH, matchers.query_param_matcher(CONTACT_QUERY)])
    client, _ = crm()
    first = client.contact("nhughes@northwindlogistics.example")
    api.calls.reset()

    again = client.contact("NHughes@northwindlogistics.example")

    assert again == first
    assert sorted(calls(api)) == sorted([CALL_CONTACT, CALL_COMPANY])  # one round trip; the owner's name is kept


def test_a_contact_whose_company_changed_is_read_with_its_new_company(api):
    add_lookup(api)
    moved = fixture("contact")
    moved["properties"]["associatedcompanyid"] = "27823487299"
    other = fixture("company")
    other["id"] = other["properties"]["hs_object_id"] = "27823487299"
    other["properties"]["name"] = "Northwind Freight"
    api.get(CONTACT, json=moved, match=[AUTH])
    api.get(f"{API}/crm/v3/objects/companies/27823487299", json=other, match=[AUTH])
    client, _ = crm()
    client.contact("nhughes@northwindlogistics.example")
    api.calls.reset()

    again = client.contact("nhughes@northwindlogistics.example")

    assert (again.company_id, again.company) == ("27823487299", "Northwind Freight")
    assert calls(api)[-1] == ("GET", "/crm/v3/objects/companies/27823487299" + CALL_COMPANY[1].split(COMPANY_ID)[1])


@pytest.mark.parametrize("changed", ["deleted", "email"])
def test_a_contact_deleted_or_given_another_email_is_searched_for_again(api, changed):
    add_lookup(api)
    if changed == "deleted":
        api.get(CONTACT, status=404, json=fixture("error_404"), match=[AUTH])
    else:
        renamed = fixture("contact")
        renamed["properties"]["email"] = "nadia@elsewhere.example"
        api.get(CONTACT, json=renamed, match=[AUTH])
    client, _ = crm()
    first = client.contact("nhughes@northwindlogistics.example")
    api.calls.reset()

    again = client.contact("nhughes@northwindlogistics.example")

    assert again == first  # found by the search, as the first time
    assert CALL_SEARCH in calls(api) and calls(api)[0] in (CALL_CONTACT, CALL_COMPANY)


def test_contact_without_company_or_owner_costs_one_call(api):
    api.post(SEARCH, json=fixture("search_contact_sparse"), match=[AUTH])

    record = crm(portal_id="")[0].contact("lee.park@example.com")

    assert record == CrmRecord(contact_id="105391550042", email="lee.park@example.com", name="Lee",
                               lifecycle_stage="lead")
    assert record.arr is None and record.link == ""
    assert calls(api) == [CALL_SEARCH]


def test_contact_with_an_owner_but_no_company_reads_the_owner_only(api):
    search = fixture("search_contact")
    search["results"][0]["properties"]["associatedcompanyid"] = None
    api.post(SEARCH, json=search, match=[AUTH])
    api.get(OWNER, json=fixture("owner"), match=[AUTH])

    record = crm()[0].contact("nhughes@northwindlogistics.example")

    assert (record.company_id, record.company, record.owner) == ("", "", "Priya Raman")
    assert calls(api) == [CALL_SEARCH, CALL_OWNER]


def test_contact_with_a_company_and_no_owner_anywhere_reads_the_company_only(api):
    search = fixture("search_contact")
    search["results"][0]["properties"]["hubspot_owner_id"] = None
    company = fixture("company")
    company["properties"]["hubspot_owner_id"] = None
    api.post(SEARCH, json=search, match=[AUTH])
    api.get(COMPANY, json=company, match=[AUTH])

    record = crm()[0].contact("nhughes@northwindlogistics.example")

    assert (record.company_id, record.owner) == (COMPANY_ID, "")
    assert calls(api) == [CALL_SEARCH, CALL_COMPANY]


def test_plan_arr_renewal_and_owner_fall_back_to_the_company_in_a_third_round_trip(api):
    search = fixture("search_contact")
    props = search["results"][0]["properties"]
    props.update(plan_tier=None, arr=None, renewal_date=None, hubspot_owner_id=None)
    company = fixture("company")
    company["properties"]["renewal_date"] = "1798934400000"  # a date as midnight-UTC epoch ms
    add_lookup(api, search=search, company=company)

    record = crm()[0].contact("nhughes@northwindlogistics.example")

    assert (record.plan_tier, record.arr, record.renewal_date, record.owner) == \
        ("enterprise", 184000.0, "2027-01-03", "Priya Raman")
    # the company's owner is known only once the company has answered: strictly in this order
    assert calls(api) == [CALL_SEARCH, CALL_COMPANY, CALL_OWNER]


def test_a_deleted_company_and_a_deactivated_owner_leave_blanks(api):
    api.post(SEARCH, json=fixture("search_contact"), match=[AUTH])
    api.get(COMPANY, status=404, json=fixture("error_404"), match=[AUTH])
    api.get(OWNER, status=404, json=fixture("error_404"), match=[AUTH])
    client, sleeps = crm()

    record = client.contact("nhughes@northwindlogistics.example")

    assert (record.company_id, record.company, record.owner) == ("", "", "")
    assert record.plan_tier == "enterprise" and record.arr == 184000.0  # the contact's own values
    assert len(api.calls) == 3 and sleeps == []  # a 404 is an answer, not a retry


def test_owner_without_a_name_is_their_email(api):
    owner = fixture("owner")
    owner.update(firstName=None, lastName="")
    add_lookup(api, owner=owner)
    assert crm()[0].contact("nhughes@northwindlogistics.example").owner == \
        "priya.raman@brightline.example"


# -- contact(): failures ---------------------------------------------------------------------

def test_401_is_auth_failed_at_once_and_keeps_the_token_out(api):
    api.post(SEARCH, status=401, json=fixture("error_401"))
    client, sleeps = crm()

    with pytest.raises(AuthFailed) as failure:
        client.contact("nhughes@northwindlogistics.example")

    assert len(api.calls) == 1 and sleeps == []
    assert "INVALID_AUTHENTICATION" in str(failure.value)
    assert SECRET not in str(failure.value)


def test_a_missing_owners_scope_fails_the_lookup_rather_than_hiding(api):
    api.post(SEARCH, json=fixture("search_contact"))
    api.get(COMPANY, json=fixture("company"))
    api.get(OWNER, status=403, json={
        "status": "error", "category": "MISSING_SCOPES", "correlationId": "5f7d0e0b-1c2a-4a8e-9f3e-0c1d2b3a4e5f",
        "message": "This app hasn't been granted all required scopes to make this call."})
    with pytest.raises(AuthFailed, match="MISSING_SCOPES") as failure:
        crm()[0].contact("nhughes@northwindlogistics.example")
    assert len(api.calls) == 3
    assert SECRET not in str(failure.value)


def test_a_failed_company_read_waits_for_the_owner_read_before_raising(api):
    """No request may be left in flight behind an error (here: the owner read is slow)."""
    def slow_owner(_request):
        time.sleep(0.2)
        return 200, {}, json.dumps(fixture("owner"))

    api.post(SEARCH, json=fixture("search_contact"))
    api.get(COMPANY, status=401, json=fixture("error_401"))
    api.add_callback(responses.GET, OWNER, callback=slow_owner, content_type="application/json")
    client, sleeps = crm()

    with pytest.raises(AuthFailed) as failure:
        client.contact("nhughes@northwindlogistics.example")

    assert_search_then_side_by_side(api, CALL_COMPANY, CALL_OWNER)  # the owner read is over
    assert sleeps == [] and SECRET not in str(failure.value)


def test_429_is_retried_twice_then_rate_limited(api):
    api.post(SEARCH, status=429, json=fixture("error_429"))
    client, sleeps = crm()

    with pytest.raises(RateLimited, match="TEN_SECONDLY_ROLLING") as failure:
        client.contact("nhughes@northwindlogistics.example")

    assert len(api.calls) == 3
    assert sleeps == [1.0, 1.0]  # HubSpot names no wait: the error tree's 1 s
    assert failure.value.retry_after == 1.0


def test_429_honours_retry_after_up_to_the_cap(api):
    api.post(SEARCH, status=429, json=fixture("error_429"), headers={"Retry-After": "2"})
    api.post(SEARCH, status=429, json=fixture("error_429"), headers={"Retry-After": "30"})
    api.post(SEARCH, json=fixture("search_empty"))
    client, sleeps = crm()

    assert client.contact("nhughes@northwindlogistics.example") is None
    assert sleeps == [2.0, 5.0] and len(api.calls) == 3


def test_5xx_on_a_read_is_retried_then_unavailable(api):
    api.post(SEARCH, json=fixture("search_contact"))
    api.get(COMPANY, status=502, body="<html><body>502 Bad Gateway</body></html>",
            content_type="text/html")
    api.get(OWNER, json=fixture("owner"))
    client, sleeps = crm()

    with pytest.raises(Unavailable, match="502 Bad Gateway"):
        client.contact("nhughes@northwindlogistics.example")

    assert_search_then_side_by_side(api, *[CALL_COMPANY] * 3, CALL_OWNER)  # the owner read once
    assert sleeps == [0.5, 1.0]


def test_a_5xx_on_the_owner_read_beside_the_company_is_retried_on_its_thread(api):
    api.post(SEARCH, json=fixture("search_contact"))
    api.get(COMPANY, json=fixture("company"))
    api.get(OWNER, status=503, json=fixture("error_500"))
    api.get(OWNER, json=fixture("owner"))
    client, sleeps = crm()

    assert client.contact("nhughes@northwindlogistics.example").owner == "Priya Raman"
    assert_search_then_side_by_side(api, CALL_COMPANY, CALL_OWNER, CALL_OWNER)
    assert sleeps == [0.5]


def test_a_5xx_then_success_reads_on(api):
    api.post(SEARCH, status=500, json=fixture("error_500"))
    api.post(SEARCH, json=fixture("search_empty"))
    client, sleeps = crm()
    assert client.contact("nhughes@northwindlogistics.example") is None
    assert len(api.calls) == 2 and sleeps == [0.5]


def test_timeouts_on_a_read_are_retried_then_unavailable(api):
    api.post(SEARCH, body=requests.ReadTimeout("read timed out"))
    client, sleeps = crm()
    with pytest.raises(Unavailable, match="timed out"):
        client.contact("nhughes@northwindlogistics.example")
    assert len(api.calls) == 3 and sleeps == [0.5, 1.0]


def test_a_connection_error_is_unavailable(api):
    api.post(SEARCH, body=requests.ConnectionError("connection refused"))
    with pytest.raises(Unavailable, match="unreachable"):
        crm()[0].contact("nhughes@northwindlogistics.example")
    assert len(api.calls) == 3


def test_a_2xx_that_is_not_json_is_a_connector_error(api):
    api.post(SEARCH, body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(ConnectorError, match="not JSON"):
        crm()[0].contact("nhughes@northwindlogistics.example")


# -- writes ------------------------------------------------------------------------------------

def test_update_property_patches_one_property(api):
    api.patch(f"{API}/crm/v3/objects/contacts/{CONTACT_ID}", json=fixture("contact_updated"),
              match=[AUTH, matchers.json_params_matcher({"properties": {"support_escalated": "true"}})])
    assert crm()[0].update_property(CONTACT_ID, "support_escalated", "true") is None
    assert len(api.calls) == 1


def test_update_property_cannot_be_pointed_at_another_path(api):
    api.patch(f"{API}/crm/v3/objects/contacts/..%2Fnotes%2F1", status=404, json=fixture("error_404"))
    with pytest.raises(NotFound):
        crm()[0].update_property("../notes/1", "phone", "1")
    assert api.calls[0].request.path_url == "/crm/v3/objects/contacts/..%2Fnotes%2F1"


@pytest.mark.parametrize("status,kind", [(500, Unavailable), (503, Unavailable), (429, RateLimited)])
def test_update_property_is_never_retried(api, status, kind):
    api.patch(f"{API}/crm/v3/objects/contacts/{CONTACT_ID}", status=status,
              json=fixture("error_429" if status == 429 else "error_500"))
    client, sleeps = crm()
    with pytest.raises(kind):
        client.update_property(CONTACT_ID, "support_escalated", "true")
    assert len(api.calls) == 1 and sleeps == []


def test_update_property_maps_validation_and_missing_contact(api):
    url = f"{API}/crm/v3/objects/contacts/{CONTACT_ID}"
    api.patch(url, status=400, json=fixture("error_400_property"))
    api.patch(url, status=404, json=fixture("error_404"))
    client, _ = crm()
    with pytest.raises(ConnectorError, match="VALIDATION_ERROR: Property values were not valid") as bad:
        client.update_property(CONTACT_ID, "support_escalatd", "true")
    assert type(bad.value) is ConnectorError  # permanent: not retryable, not an auth problem
    with pytest.raises(NotFound):
        client.update_property(CONTACT_ID, "support_escalated", "true")


def test_add_note_creates_an_escaped_note_on_the_contact(api):
    api.post(f"{API}/crm/v3/objects/notes", status=201, json=fixture("note_created"), match=[AUTH])
    before = datetime.now(timezone.utc).replace(microsecond=0)

    note_id = crm()[0].add_note(CONTACT_ID, "Escalated ticket #2001 to Tier 2.\nCustomer wrote: <b>urgent</b> & angry")

    sent = json.loads(api.calls[0].request.body)
    assert note_id == "94877541203"
    assert sent["properties"]["hs_note_body"] == \
        "Escalated ticket #2001 to Tier 2.<br>Customer wrote: &lt;b&gt;urgent&lt;/b&gt; &amp; angry"
    stamp = sent["properties"]["hs_timestamp"]
    assert stamp.endswith("Z") and len(stamp) == len("2026-11-15T08:02:12.101Z")
    assert 0 <= (datetime.fromisoformat(stamp.replace("Z", "+00:00")) - before).total_seconds() < 5
    assert sent["associations"] == [{"to": {"id": CONTACT_ID}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]}]
    assert len(api.calls) == 1


@pytest.mark.parametrize("failure", [
    {"status": 500, "json": {"status": "error", "message": "internal error", "category": "INTERNAL_ERROR"}},
    {"body": requests.ReadTimeout("read timed out")},
])
def test_add_note_is_never_retried(api, failure):
    api.post(f"{API}/crm/v3/objects/notes", **failure)
    client, sleeps = crm()
    with pytest.raises(Unavailable):
        client.add_note(CONTACT_ID, "Escalated")
    assert len(api.calls) == 1 and sleeps == []


def test_a_note_too_long_is_cut_without_breaking_an_entity():
    markup = _note_html("x" * (NOTE_LIMIT - 3) + "&&&&")
    assert len(markup) <= NOTE_LIMIT and markup.endswith("x…")
    assert _note_html("a\r\nb") == "a<br>b"


# -- the sandbox -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return sample_data(json.loads(ACCOUNT.read_text()))


def test_the_connector_against_the_sandbox_on_a_real_port(sample):
    with Server(create_app(sample)) as server:
        client = HubSpotCrm(TOKEN, base_url=server.base_url, timeout_s=5, portal_id=sample["portal_id"])
        record = client.contact("NHughes@northwindlogistics.example")
        strangers = {u["email"] for u in json.loads(ACCOUNT.read_text())["users"] if u["role"] == "end-user"} \
            - {c["properties"]["email"] for c in sample["contacts"]}
        missing = client.contact(sorted(strangers)[0])
        client.update_property(record.contact_id, "support_escalation", "billing")
        note_id = client.add_note(record.contact_id, "Escalated ticket #2001")
        with pytest.raises(AuthFailed):
            HubSpotCrm("wrong", base_url=server.base_url).contact("nhughes@northwindlogistics.example")

    assert record.email == "nhughes@northwindlogistics.example" and record.name == "Nadia Hughes"
    assert (record.company, record.plan_tier, record.arr, record.renewal_date) == \
        ("Northwind Logistics", "enterprise", 184000.0, "2027-01-03")
    assert record.owner == "Marcus Bell" and record.lifecycle_stage == "customer"
    assert record.link == f"https://app.hubspot.com/contacts/24583071/contact/{record.contact_id}"
    assert strangers and missing is None  # a few end users have no CRM record
    writes = server.app.config["writes"]
    assert [(w["method"], w["path"]) for w in writes] == [
        ("PATCH", f"/crm/v3/objects/contacts/{record.contact_id}"), ("POST", "/crm/v3/objects/notes")]
    assert server.app.config["notes"][note_id]["properties"]["hs_note_body"] == "Escalated ticket #2001"


def test_sandbox_companies_fill_what_contacts_lack_and_orgless_users_have_no_company(sample):
    company_only = next(c for c in sample["contacts"]
                        if "plan_tier" not in c["properties"] and c["id"] in sample["associations"])
    orgless = next(c for c in sample["contacts"] if c["id"] not in sample["associations"])
    with Server(create_app(sample)) as server:
        client = HubSpotCrm(TOKEN, base_url=server.base_url, timeout_s=5)
        backed = client.contact(company_only["properties"]["email"])
        alone = client.contact(orgless["properties"]["email"])
    assert backed.plan_tier in ("starter", "growth", "enterprise") and backed.arr and backed.renewal_date
    assert alone.company == "" and alone.arr is None and alone.lifecycle_stage != "customer"


def test_sandbox_data_is_deterministic_and_follows_the_sample_account(sample):
    account = json.loads(ACCOUNT.read_text())
    assert sample_data(account) == sample
    orgs = {o["name"]: o["organization_fields"] for o in account["organizations"]}
    for company in sample["companies"]:
        props = company["properties"]
        assert (props["plan_tier"], float(props["arr"])) == \
            (orgs[props["name"]]["plan"], float(orgs[props["name"]]["arr"]))
        assert "2026-11-15" <= props["renewal_date"] < "2027-11-15"
    end_users = [u for u in account["users"] if u["role"] == "end-user"]
    assert 0.8 * len(end_users) <= len(sample["contacts"]) < len(end_users)


def test_sandbox_answers_in_the_fixtures_shapes(sample):
    data = copy.deepcopy(sample)
    client = create_app(data).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    contact = next(c for c in data["contacts"] if c["id"] in data["associations"])
    company_id = data["associations"][contact["id"]][0]
    owner_id = contact["properties"]["hubspot_owner_id"]

    found = client.post("/crm/v3/objects/contacts/search", headers=headers, json={
        **SEARCH_BODY, "filterGroups": [{"filters": [
            {"propertyName": "email", "operator": "EQ", "value": contact["properties"]["email"]}]}]}).json
    links = client.get(f"/crm/v4/objects/contacts/{contact['id']}/associations/companies", headers=headers).json
    company = client.get(f"/crm/v3/objects/companies/{company_id}", headers=headers,
                         query_string=COMPANY_QUERY).json
    owner = client.get(f"/crm/v3/owners/{owner_id}", headers=headers).json
    by_id = client.get(f"/crm/v3/objects/contacts/{contact['id']}", headers=headers,
                       query_string={"properties": ",".join(SEARCH_BODY["properties"])}).json
    note = client.post("/crm/v3/objects/notes", headers=headers, json={
        "properties": {"hs_note_body": "x", "hs_timestamp": "1763193732101"},
        "associations": [{"to": {"id": contact["id"]},
                          "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]}]})
    missing = client.get("/crm/v3/objects/companies/1", headers=headers)
    unauthorized = client.get(f"/crm/v3/owners/{owner_id}")

    def keys(obj):
        return set(obj) if not isinstance(obj, dict) or "properties" not in obj else \
            set(obj) | {f"properties.{k}" for k in obj["properties"]}

    assert set(found) == set(fixture("search_contact")) and found["total"] == 1
    assert keys(found["results"][0]) == keys(fixture("search_contact")["results"][0])
    # HubSpot answers a number property as a string; here it is the primary company's id
    assert found["results"][0]["properties"]["associatedcompanyid"] == company_id
    assert links["results"][0] == fixture("contact_companies")["results"][1] | {"toObjectId": int(company_id)}
    assert keys(company) == keys(fixture("company"))
    assert keys(by_id) == keys(fixture("contact")) and by_id == found["results"][0]
    assert set(owner) == set(fixture("owner")) and set(owner["teams"][0]) == set(fixture("owner")["teams"][0])
    assert note.status_code == 201 and set(note.json) == set(fixture("note_created"))
    assert note.json["properties"]["hs_timestamp"] == "2025-11-15T08:02:12.101Z"
    assert missing.status_code == 404 and set(missing.json) == set(fixture("error_404"))
    assert unauthorized.status_code == 401 and set(unauthorized.json) == set(fixture("error_401"))


def test_sandbox_rejects_what_hubspot_rejects(sample):
    client = create_app(sample).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    contact_id = sample["contacts"][0]["id"]
    typo = client.patch(f"/crm/v3/objects/contacts/{contact_id}", headers=headers,
                        json={"properties": {"support_escalatd": "x"}})
    read_only = client.patch(f"/crm/v3/objects/contacts/{contact_id}", headers=headers,
                             json={"properties": {"hs_object_id": "1"}})
    primary = client.patch(f"/crm/v3/objects/contacts/{contact_id}", headers=headers,
                           json={"properties": {"associatedcompanyid": "1"}})
    no_stamp = client.post("/crm/v3/objects/notes", headers=headers, json={"properties": {"hs_note_body": "x"}})
    gone = client.patch("/crm/v3/objects/contacts/1", headers=headers, json={"properties": {"phone": "1"}})
    assert typo.status_code == 400 and "PROPERTY_DOESNT_EXIST" in typo.json["message"]
    assert read_only.status_code == 400 and "READ_ONLY_VALUE" in read_only.json["message"]
    assert primary.status_code == 400 and "READ_ONLY_VALUE" in primary.json["message"]
    assert no_stamp.status_code == 400 and gone.status_code == 404


def seen_paths(app) -> list[str]:
    """Record each request the stand-in answers (after its latency and token check)."""
    seen: list[str] = []

    @app.before_request
    def note():
        seen.append(request.path)  # returns None: the request goes on to its route
    return seen


def test_sandbox_primary_company_comes_with_the_search(sample):
    data = copy.deepcopy(sample)
    contact = next(c for c in data["contacts"] if c["id"] in data["associations"])
    orgless = next(c for c in data["contacts"] if c["id"] not in data["associations"])
    client = create_app(data).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def search(email: str, properties: list[str]) -> dict:
        return client.post("/crm/v3/objects/contacts/search", headers=headers, json={
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}],
            "properties": properties, "limit": 1}).json["results"][0]["properties"]

    assert search(contact["properties"]["email"], ["associatedcompanyid"])["associatedcompanyid"] == \
        data["associations"][contact["id"]][0]
    assert search(orgless["properties"]["email"], ["associatedcompanyid"])["associatedcompanyid"] is None
    assert "associatedcompanyid" not in search(contact["properties"]["email"], [])  # only when asked


def test_sandbox_contact_without_an_owner_uses_the_company_owner(sample):
    data = copy.deepcopy(sample)
    contact = next(c for c in data["contacts"] if c["id"] in data["associations"])
    del contact["properties"]["hubspot_owner_id"]
    company = next(c for c in data["companies"] if c["id"] == data["associations"][contact["id"]][0])
    owner = next(o for o in data["owners"] if o["id"] == company["properties"]["hubspot_owner_id"])
    app = create_app(data)
    seen = seen_paths(app)
    with Server(app) as server:
        client = HubSpotCrm(TOKEN, base_url=server.base_url, timeout_s=5)
        record = client.contact(contact["properties"]["email"])
    assert record.owner == f"{owner['firstName']} {owner['lastName']}"
    assert seen == ["/crm/v3/objects/contacts/search", f"/crm/v3/objects/companies/{company['id']}",
                    f"/crm/v3/owners/{owner['id']}"]


def test_sandbox_latency_is_added_to_every_request_and_contact_takes_two_round_trips(sample):
    """With 100 ms on every request, a contact with its own owner and a company takes the
    search, then the company and the owner at once: ~0.2 s, not the ~0.3 s of three in a row; the
    same email again, the contact and the company at once: ~0.1 s."""
    app = create_app(sample, latency_s=0.1)
    seen = seen_paths(app)
    with Server(app) as server:
        client = HubSpotCrm(TOKEN, base_url=server.base_url, timeout_s=5)
        started = time.monotonic()
        record = client.contact("nhughes@northwindlogistics.example")
        elapsed = time.monotonic() - started
        started = time.monotonic()
        again = client.contact("nhughes@northwindlogistics.example")  # the conversation's next message
        elapsed_again = time.monotonic() - started
    contact = next(c for c in sample["contacts"]
                   if c["properties"]["email"] == "nhughes@northwindlogistics.example")
    assert contact["properties"]["hubspot_owner_id"] and record.owner and record.company
    assert seen[0] == "/crm/v3/objects/contacts/search" and len(seen) == 5
    company_id = sample["associations"][contact["id"]][0]
    assert sorted(seen[1:3]) == sorted([f"/crm/v3/objects/companies/{company_id}",
                                        f"/crm/v3/owners/{contact['properties']['hubspot_owner_id']}"])
    assert 0.2 <= elapsed < 0.3  # two round trips of at least 0.1 s each, and no third
    assert again == record and sorted(seen[3:]) == sorted([f"/crm/v3/objects/contacts/{contact['id']}",
                                                            f"/crm/v3/objects/companies/{company_id}"])
    assert 0.1 <= elapsed_again < 0.2  # then one
