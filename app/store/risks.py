"""Accounts at churn risk as the last insights run left them (table insight_risks, written by
app/insights/risk_store.py): read by the case file's gather and the Zendesk sidebar, below the
insights layer that computes them."""
from __future__ import annotations

import json

import sqlite_utils

from app.core.domain import Fact


def for_account(db: sqlite_utils.Database, account: str) -> dict | None:
    """The stored risk of an account (the organization id), lists decoded; None if not at risk."""
    if not account:
        return None
    row = next(db["insight_risks"].rows_where("account = ?", [str(account)]), None)
    return None if row is None else _decoded(row)


def for_ticket(db: sqlite_utils.Database, ticket_id: str = "", email: str = "") -> dict | None:
    """The stored risk of the account a ticket belongs to: one of its tickets, or from one of its people."""
    for row in db["insight_risks"].rows_where(order_by="score DESC"):
        found = _decoded(row)
        if str(ticket_id) in found["tickets"] or (email and email.lower() in found["people"]):
            return found
    return None


def as_fact(risk: dict) -> Fact:
    """The risk as evidence for the case file (kind `churn_risk`)."""
    return Fact("insights", f"{risk['name']} at churn risk {risk['score']:.2f} ({risk['level']}): "
                + "; ".join(risk["reasons"]), kind="churn_risk", system="Deskhand insights")


def _decoded(row: dict) -> dict:
    return {**row, "reasons": json.loads(row["reasons"]), "tickets": json.loads(row["tickets"]),
            "people": json.loads(row.get("people") or "[]")}
