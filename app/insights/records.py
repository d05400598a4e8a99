"""The plain values insights are computed from, and where they come from: the sample company's
files or the helpdesk's own history. Only what a helpdesk holds is read: labels a file may carry
(the sample history's `category`, the planted tickets' `plant`) never reach the analysis."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from app.core.errors import DeskhandError

COMPANY = Path(__file__).resolve().parents[2] / "sandbox" / "company"
COMPANY_FILES = ("history.jsonl", "stream.jsonl", "signals.jsonl")


class InsightsError(DeskhandError):
    pass


@dataclass(frozen=True)
class TicketRecord:
    id: str
    subject: str
    body: str  # the customer's first message
    created_at: float  # unix seconds
    requester: str  # email
    account: str  # the organization's id ("" when the requester has none)
    link: str = ""

    @property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}".strip()


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    plan: str = ""
    arr: float = 0.0


def parse_time(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise InsightsError(f"not a time: {value!r}") from None


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_row(row: dict, link: str = "") -> TicketRecord:
    """A ticket in the sample company's JSONL shape (history, stream, signals)."""
    requester = row.get("requester") or {}
    return TicketRecord(id=str(row["id"]), subject=str(row.get("subject") or ""), body=str(row.get("body") or ""),
                        created_at=parse_time(row["created_at"]), requester=str(requester.get("email") or "").lower(),
                        account=str(row.get("organization_id") or ""), link=link)


def read_jsonl(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InsightsError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InsightsError(f"{path}:{n}: not JSON ({exc.msg})") from None
    return rows


def accounts_from(account_json: dict) -> dict[str, Account]:
    """The helpdesk's organizations with the plan and ARR their fields hold (the CRM may say more)."""
    found = {}
    for org in account_json.get("organizations", []):
        fields = org.get("organization_fields") or {}
        found[str(org["id"])] = Account(str(org["id"]), org.get("name") or "", str(fields.get("plan") or ""),
                                        float(fields.get("arr") or 0))
    return found


def load_company(folder: Path = COMPANY, files: tuple[str, ...] = COMPANY_FILES,
                 link: str = "https://{subdomain}.zendesk.com/agent/tickets/{id}") -> tuple[list[TicketRecord], dict[str, Account]]:
    """The sample company's tickets (history, today's stream and the planted signals) and accounts."""
    account_json = json.loads((folder / "account.json").read_text(encoding="utf-8"))
    sub = account_json.get("subdomain", "")
    tickets = [from_row(row, link.format(subdomain=sub, id=row["id"]))
               for name in files if (folder / name).exists() for row in read_jsonl(folder / name)]
    return tickets, accounts_from(account_json)
