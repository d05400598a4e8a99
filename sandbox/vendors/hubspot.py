"""A HubSpot stand-in: the slice of the CRM API that `connectors/hubspot_crm.py` uses, in memory.

Routes, with HubSpot's shapes (tests/connector/fixtures/hubspot/SOURCES.md names the sources):
  POST  /crm/v3/objects/contacts/search              EQ filters, `properties`, `limit`, `after`;
                                                     `associatedcompanyid` is the primary company
  GET   /crm/v3/objects/contacts/{id}?properties=a,b
  PATCH /crm/v3/objects/contacts/{id}                unknown or read-only properties are a 400
  GET   /crm/v4/objects/contacts/{id}/associations/companies   the first company is the primary
                                                     (the connector no longer asks; kept as HubSpot has it)
  GET   /crm/v3/objects/companies/{id}?properties=a,b
  GET   /crm/v3/owners/{id}
  POST  /crm/v3/objects/notes                        needs hs_timestamp; 202 associates a contact

`data` (what `sample_data` builds): `token` (a request without `Bearer <token>` is a 401; no
token, no check), `portal_id`, `owners` (owner JSON), `companies` and `contacts` (object JSON
with every property set), `associations` ({contact id: [company ids, primary first]}) and
`contact_properties` (the names a PATCH may set). A contact's read-only `associatedcompanyid` is
derived from `associations` (its primary company, unset without one), as HubSpot keeps it.
Writes are appended to `app.config["writes"]` as {"method", "path", "body"}, and created notes
kept in `app.config["notes"]` by id; every request first sleeps `latency_s`.
"""
from __future__ import annotations

import copy
import itertools
import random
import re
import threading
import time
import uuid
from datetime import date, datetime, timezone

from flask import Flask, jsonify, request

TOKEN = "sandbox-hubspot-token"
PORTAL_ID = "24583071"
SEED = 20261115
TODAY = date(2026, 11, 15)  # the sample stream's day: renewals are the next anniversary after it
NO_RECORD_SHARE = 0.1  # end users the CRM has never heard of
COMPANY_ONLY_SHARE = 0.3  # contacts whose plan, ARR and renewal live on their company alone
# what HubSpot answers when no properties are asked for, and what it adds to those that are
CONTACT_DEFAULTS = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
CONTACT_ALWAYS = ("createdate", "hs_object_id", "lastmodifieddate")
COMPANY_DEFAULTS = ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name")
COMPANY_ALWAYS = ("createdate", "hs_lastmodifieddate", "hs_object_id")
READ_ONLY = {"hs_object_id", "createdate", "lastmodifieddate", "associatedcompanyid"}
CONTACT_PROPERTIES = ("email", "firstname", "lastname", "phone", "jobtitle", "company",
                      "lifecyclestage", "hs_lead_status", "hubspot_owner_id", "plan_tier", "arr",
                      "renewal_date", "last_support_ticket", "support_escalation",
                      # custom properties the sample portal made for Deskhand (a churn flag from a
                      # ticket; the account's churn score from the insights)
                      "deskhand_churn_risk", "deskhand_churn_score")
NOTE_TO_CONTACT = 202
OWNERS = (  # Brightline's account team (its support agents are in Zendesk, not here)
    ("83625191", "Priya", "Raman", "Customer Success"),
    ("83625207", "Marcus", "Bell", "Account Management"),
    ("83625233", "Elena", "Varga", "Customer Success"),
    ("83625278", "Sam", "Whitfield", "Sales"),
)
OWNERS_BY_PLAN = {"enterprise": ("83625191", "83625207"), "growth": ("83625207", "83625233"),
                  "starter": ("83625278",)}
AUTH_MESSAGE = ("Authentication credentials not found. This API supports OAuth 2.0 authentication "
                "and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview")


def create_app(data: dict, latency_s: float = 0.0) -> Flask:
    app = Flask("hubspot-sandbox")
    store = copy.deepcopy(data)
    contacts = {c["id"]: c for c in store.get("contacts", [])}
    companies = {c["id"]: c for c in store.get("companies", [])}
    owners = {o["id"]: o for o in store.get("owners", [])}
    linked = store.get("associations", {})
    for contact_id, contact in contacts.items():  # HubSpot's read-only mirror of the primary company
        primary = linked.get(contact_id) or []
        if primary:
            contact["properties"]["associatedcompanyid"] = str(primary[0])
        else:
            contact["properties"].pop("associatedcompanyid", None)
    writable = set(store.get("contact_properties", CONTACT_PROPERTIES))
    notes: dict[str, dict] = {}
    note_ids = itertools.count(94877541203)
    lock = threading.Lock()
    app.config["writes"] = []
    app.config["notes"] = notes

    @app.before_request
    def gate():
        if latency_s:
            time.sleep(latency_s)
        token = store.get("token")
        if token and request.headers.get("Authorization") != f"Bearer {token}":
            return error(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE)
        return None

    @app.post("/crm/v3/objects/contacts/search")
    def search_contacts():
        body = request.get_json(silent=True) or {}
        try:
            match = _matcher(body.get("filterGroups") or [])
            limit, start = int(body.get("limit", 10)), int(body.get("after") or 0)
        except ValueError as exc:
            return error(400, "VALIDATION_ERROR", str(exc))
        if not 1 <= limit <= 200:
            return error(400, "VALIDATION_ERROR", "limit must be between 1 and 200")
        found = [c for c in sorted(contacts.values(), key=lambda c: int(c["id"])) if match(c)]
        wanted = body.get("properties") or CONTACT_DEFAULTS
        page = {"total": len(found),
                "results": [_view(c, wanted, CONTACT_ALWAYS) for c in found[start:start + limit]]}
        if start + limit < len(found):
            page["paging"] = {"next": {"after": str(start + limit)}}
        return jsonify(page)

    def show(objects: dict, object_id: str, defaults, always):
        """One object by id with the `properties` asked for (repeated or comma-separated), as HubSpot reads it."""
        found = objects.get(object_id)
        if found is None:
            return error(404, "OBJECT_NOT_FOUND", "resource not found")
        wanted = [p for value in request.args.getlist("properties") for p in value.split(",") if p]
        return jsonify(_view(found, wanted or defaults, always))

    @app.get("/crm/v3/objects/contacts/<contact_id>")
    def show_contact(contact_id: str):
        return show(contacts, contact_id, CONTACT_DEFAULTS, CONTACT_ALWAYS)

    @app.patch("/crm/v3/objects/contacts/<contact_id>")
    def update_contact(contact_id: str):
        body = request.get_json(silent=True) or {}
        changes = body.get("properties")
        if not isinstance(changes, dict) or not changes:
            return error(400, "VALIDATION_ERROR", "Invalid input JSON: `properties` is required")
        bad = [_invalid(name) for name in changes if name in READ_ONLY or name not in writable]
        if bad:
            return error(400, "VALIDATION_ERROR", "Property values were not valid: "
                         + "[" + ",".join(bad) + "]")
        with lock:
            found = contacts.get(contact_id)
            if found is None:
                return error(404, "OBJECT_NOT_FOUND", "resource not found")
            app.config["writes"].append({"method": "PATCH", "path": request.path, "body": body})
            stamp = _now()
            found["properties"].update({k: str(v) for k, v in changes.items()},
                                       lastmodifieddate=stamp)
            found["updatedAt"] = stamp
        return jsonify(_view(found, tuple(changes), CONTACT_ALWAYS))

    @app.get("/crm/v4/objects/<object_type>/<object_id>/associations/<to_type>")
    def list_associations(object_type: str, object_id: str, to_type: str):
        if object_type not in ("contacts", "contact", "0-1") or \
                to_type not in ("companies", "company", "0-2"):
            return error(400, "VALIDATION_ERROR",
                         "the sandbox knows contact-to-company associations only")
        results = []
        for n, company_id in enumerate(linked.get(object_id, [])):
            types = [{"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None}]
            if n == 0:
                types.insert(0, {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"})
            results.append({"toObjectId": int(company_id), "associationTypes": types})
        return jsonify({"results": results})

    @app.get("/crm/v3/objects/companies/<company_id>")
    def show_company(company_id: str):
        return show(companies, company_id, COMPANY_DEFAULTS, COMPANY_ALWAYS)

    @app.get("/crm/v3/owners/<owner_id>")
    def show_owner(owner_id: str):
        found = owners.get(owner_id)
        if found is None:
            return error(404, "OBJECT_NOT_FOUND", "resource not found")
        return jsonify(found)

    @app.post("/crm/v3/objects/notes")
    def create_note():
        body = request.get_json(silent=True) or {}
        props = body.get("properties") or {}
        if not props.get("hs_timestamp"):
            return error(400, "VALIDATION_ERROR", "Property values were not valid: ["
                         '{"isValid":false,"message":"hs_timestamp is required","error":"REQUIRED_FIELD",'
                         '"name":"hs_timestamp"}]')
        for link in body.get("associations") or []:
            target = str((link.get("to") or {}).get("id", ""))
            type_ids = {t.get("associationTypeId") for t in link.get("types") or []}
            if type_ids != {NOTE_TO_CONTACT} or target not in contacts:
                return error(400, "VALIDATION_ERROR", "One or more associations are invalid: "
                             f"note to {target}, types {sorted(type_ids)}")
        with lock:
            note_id = str(next(note_ids))
            app.config["writes"].append({"method": "POST", "path": request.path, "body": body})
            stamp = _now()
            text = re.sub(r"<[^>]+>", " ", str(props.get("hs_note_body", "")))
            note = {"id": note_id, "properties": {
                "hs_body_preview": " ".join(text.split())[:500],
                "hs_body_preview_is_truncated": str(len(" ".join(text.split())) > 500).lower(),
                "hs_createdate": stamp, "hs_lastmodifieddate": stamp,
                "hs_note_body": props.get("hs_note_body"), "hs_object_id": note_id,
                "hs_timestamp": _timestamp(str(props["hs_timestamp"]))},
                "createdAt": stamp, "updatedAt": stamp, "archived": False,
                "associations": copy.deepcopy(body.get("associations") or [])}
            notes[note_id] = note
        response = jsonify({k: v for k, v in note.items() if k != "associations"})
        response.status_code = 201
        return response

    @app.errorhandler(404)
    def no_route(_exc):
        return error(404, "OBJECT_NOT_FOUND", "resource not found")

    @app.errorhandler(405)
    def no_method(_exc):
        return error(405, "VALIDATION_ERROR", "method not allowed")

    return app


def error(status: int, category: str, message: str):
    response = jsonify({"status": "error", "message": message,
                        "correlationId": str(uuid.uuid4()), "category": category})
    response.status_code = status
    return response


def _matcher(groups: list):
    """Filter groups ORed, the filters inside a group ANDed; EQ only, case-insensitive as
    HubSpot compares strings."""
    tests = []
    for group in groups:
        for f in group.get("filters") or []:
            if f.get("operator") != "EQ":
                raise ValueError(f"the sandbox supports the EQ operator only, not {f.get('operator')}")
        tests.append([(f["propertyName"], str(f.get("value", "")).lower())
                      for f in group.get("filters") or []])

    def match(obj: dict) -> bool:
        props = obj["properties"]
        return not tests or any(all(str(props.get(name) or "").lower() == value for name, value in group)
                                for group in tests)
    return match


def _view(obj: dict, wanted, always) -> dict:
    """The object as HubSpot answers it: the asked-for properties (null when unset) and the
    ones it always adds."""
    props = obj["properties"]
    names = sorted(set(wanted) | (set(always) & set(props)))
    return {"id": obj["id"], "properties": {n: props.get(n) for n in names},
            "createdAt": obj["createdAt"], "updatedAt": obj["updatedAt"], "archived": False}


def _invalid(name: str) -> str:
    kind = ("READ_ONLY_VALUE", f'Property "{name}" is read-only') if name in READ_ONLY else \
        ("PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
    return ('{"isValid":false,"message":"%s","error":"%s","name":"%s"}'
            % (kind[1].replace('"', '\\"'), kind[0], name))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _timestamp(value: str) -> str:
    if value.isdigit():
        moment = datetime.fromtimestamp(int(value) / 1000, timezone.utc)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def _ms(iso: str) -> str:
    """Zendesk's second-precision time as HubSpot writes it, with milliseconds."""
    return iso.replace("Z", ".000Z") if iso and "." not in iso else iso


def _renewal(created_at: str) -> str:
    """The next anniversary of the account's start on or after TODAY (all plans bill yearly)."""
    start = datetime.fromisoformat(created_at.replace("Z", "+00:00")).date()
    if (start.month, start.day) == (2, 29):
        start = start.replace(day=28)
    anniversary = start.replace(year=TODAY.year)
    return (anniversary if anniversary >= TODAY else anniversary.replace(year=TODAY.year + 1)).isoformat()


def sample_data(account: dict) -> dict:
    """Brightline's HubSpot portal from the sample account: one company per organization, a
    contact for most end users (NO_RECORD_SHARE have none), the account team as owners."""
    rng = random.Random(SEED)
    owners = [{"id": oid, "email": f"{first.lower()}.{last.lower()}@brightline.example",
               "type": "PERSON", "firstName": first, "lastName": last,
               "userId": 9586504 + n, "userIdIncludingInactive": 9586504 + n,
               "createdAt": "2024-02-12T09:30:11.228Z", "updatedAt": "2026-06-30T16:02:47.991Z",
               "archived": False, "teams": [{"id": str(41990 + n), "name": team, "primary": True}]}
              for n, (oid, first, last, team) in enumerate(OWNERS)]
    companies, company_of = [], {}
    for n, org in enumerate(sorted(account["organizations"], key=lambda o: o["id"])):
        fields = org.get("organization_fields") or {}
        plan = fields.get("plan", "starter")
        company_id = str(27823487200 + n)
        company_of[org["id"]] = company_id
        created, updated = _ms(org["created_at"]), _ms(org["updated_at"])
        props = {"name": org["name"], "domain": (org.get("domain_names") or [""])[0],
                 "plan_tier": plan, "arr": str(fields.get("arr", "")),
                 "renewal_date": _renewal(org["created_at"]),
                 "hubspot_owner_id": rng.choice(OWNERS_BY_PLAN.get(plan, OWNERS_BY_PLAN["starter"])),
                 "createdate": created, "hs_lastmodifieddate": updated, "hs_object_id": company_id}
        companies.append({"id": company_id, "createdAt": created, "updatedAt": updated,
                          "archived": False, "properties": props})
    by_id = {c["id"]: c for c in companies}
    contacts, associations = [], {}
    end_users = sorted((u for u in account["users"] if u.get("role") == "end-user"), key=lambda u: u["id"])
    for n, user in enumerate(end_users):
        if rng.random() < NO_RECORD_SHARE:
            continue
        contact_id = str(105391548800 + n)
        first, _, last = user["name"].partition(" ")
        company = by_id.get(company_of.get(user.get("organization_id"), ""))
        props = {"email": user["email"].lower(), "firstname": first, "lastname": last or None,
                 "createdate": _ms(user["created_at"]), "lastmodifieddate": _ms(user["updated_at"]),
                 "hs_object_id": contact_id}
        if company is None:
            props["lifecyclestage"] = rng.choice(("subscriber", "lead", "marketingqualifiedlead"))
        else:
            associations[contact_id] = [company["id"]]
            props["lifecyclestage"] = "customer"
            props["hubspot_owner_id"] = company["properties"]["hubspot_owner_id"]
            if rng.random() >= COMPANY_ONLY_SHARE:
                props.update({k: company["properties"][k] for k in ("plan_tier", "arr", "renewal_date")})
        contacts.append({"id": contact_id, "createdAt": props["createdate"],
                         "updatedAt": props["lastmodifieddate"], "archived": False, "properties": props})
    return {"token": TOKEN, "portal_id": PORTAL_ID, "owners": owners, "companies": companies,
            "contacts": contacts, "associations": associations,
            "contact_properties": list(CONTACT_PROPERTIES)}
