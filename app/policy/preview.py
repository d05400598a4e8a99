"""What a policy change would have done to recent tickets: replay their decisions. Pure.

Each past decision is rebuilt from its audit records — the Triage from the triage step, a Draft
from the compose step (score, writer, citations), the Checked from the check step — and decided
again by `decide()` twice: under the entry in force now and under the changed one. Comparing
those two (rather than the recorded action) shows the effect of *this* change only, even when the
policy has been edited since those tickets were handled.

What a follow-up said about Deskhand's answer (did not help, confirmed, new) is recorded with the
decision; decisions recorded before it was are replayed as first messages.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from app.checks.check import Checked
from app.core.domain import CategoryPolicy, Citation, Draft, Triage
from app.policy.decide import decide
from app.reasoning.follow_up import FollowUp

ACTIONS = ("send", "draft", "escalate", "solve", "skip")
_TRIAGE_FIELDS = {f.name for f in fields(Triage)}


@dataclass(frozen=True)
class Past:
    """One recorded decision and the records it was made from."""
    ticket_id: str
    decide: dict
    triage: dict
    compose: dict | None = None
    check: dict | None = None


def triage_of(record: dict) -> Triage:
    values = {k: v for k, v in record.items() if k in _TRIAGE_FIELDS}
    values["alternatives"] = tuple((str(c), float(p)) for c, p in values.get("alternatives") or ())
    values["flags"] = tuple(values.get("flags") or ())
    values["issues"] = tuple(values.get("issues") or ())
    return Triage(**values)


def draft_of(record: dict | None) -> Draft | None:
    if record is None:
        return None
    ids = record.get("passages") or []
    # titles only appear in the reasons; the action depends on the score and the writer
    cites = tuple(Citation(title=i, url="", passage_id=i) for i in ids) or (Citation(title="", url=""),)
    return Draft(text=record.get("text") or "", citations=cites, score=float(record.get("score") or 0.0),
                 writer=record.get("writer") or "offline", note=record.get("note") or "")


def checked_of(record: dict | None) -> Checked | None:
    if record is None:
        return None
    return Checked(text="", blocked=tuple(record.get("blocked") or ()),
                   unsupported=tuple(record.get("unsupported") or ()), removed=tuple(record.get("removed") or ()))


def replay(past: Past, entry: CategoryPolicy) -> str:
    kind = past.decide.get("follow_up")
    follow_up = FollowUp(kind, past.decide.get("follow_up_said") or "") if kind else None
    return decide(triage_of(past.triage), entry, draft_of(past.compose), follow_up, checked_of(past.check)).action


def preview(history: list[Past], current: CategoryPolicy, changed: CategoryPolicy) -> dict:
    """Counts of each action before and after the change, and the tickets whose action changes."""
    before, after = dict.fromkeys(ACTIONS, 0), dict.fromkeys(ACTIONS, 0)
    changed_rows = []
    for past in history:
        was, now = replay(past, current), replay(past, changed)
        before[was] += 1
        after[now] += 1
        if was != now:
            changed_rows.append({"ticket_id": past.ticket_id, "before": was, "after": now,
                                 "confidence": past.triage.get("confidence"),
                                 "recorded": past.decide.get("action")})
    return {"n": len(history), "before": before, "after": after, "changed": changed_rows}
