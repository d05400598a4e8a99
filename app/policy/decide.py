"""Decide: policy × confidence × sensitivity × grounding × follow-up → send | draft | escalate | solve | skip. Pure."""
from __future__ import annotations

from dataclasses import replace

from app.checks.check import Checked
from app.core.domain import CategoryPolicy, Decision, Draft, Triage
from app.core.flags import FLAGS, URGENT
from app.core.phrases import phrases
from app.reasoning.follow_up import NOT_HELPED, RESOLVED, FollowUp

# Every flag reaches a human, whatever the confidence (promise 9).
ESCALATE_FLAGS = frozenset(FLAGS)
FRUSTRATION_ESCALATES = 0.6
# Below this passage match (cosine of sentence embeddings) the reply would not be grounded in a
# source. On the sample company the right passage scores 0.37–0.82 for plain questions.
# It holds matches across languages too (the LLM engine's `search_across`), whose scores run lower:
# on 165 questions in 11 languages (scripts/bench_cross_language.py) questions no article answers
# scored up to 0.35 across languages, above 37 % of the right answers, so no lower floor
# separates them; the one chosen on 99 (0.33) answered 1 more of 33 held-out answerable questions and
# let 1 wrong article and 1 of 33 unanswerable questions through.
MIN_SOURCE_SCORE = 0.35


def decide(triage: Triage, policy: CategoryPolicy, draft: Draft | None,
           follow_up: FollowUp | None = None, checked: Checked | None = None) -> Decision:
    """`follow_up`: what the message says about Deskhand's last public answer (None when Deskhand
    has not answered in public): an answer that did not help goes to a person, a confirmation
    solves the ticket where the policy allows it, and a new request is decided like any message.
    `checked`: the reply's check; a leak escalates, an unsupported claim or a removal drafts."""
    used = dict(mode=policy.mode, send_at=policy.send_at, draft_at=policy.draft_at,
                escalate_to=policy.escalate_to)
    if policy.mode == "off":
        return Decision("skip", (f"Deskhand is off for {triage.category or 'this category'}",), **used)
    action, reasons = _about_the_answer(triage, policy, follow_up) or _judge(triage, policy, draft)
    if action in ("send", "draft") and checked is not None and checked.blocked:
        action, reasons = "escalate", ("the reply would have exposed internal text: " + "; ".join(checked.blocked),)
    if action == "send" and checked is not None and not checked.sendable:
        action, reasons = "draft", (f"{_not_sendable(checked)}; an agent should check",)
    if policy.mode == "shadow":
        return Decision("skip", (f"shadow mode: would have chosen {action}", *reasons), **used)
    return Decision(action, reasons, **used)


def escalates_whatever_the_reply(triage: Triage, policy: CategoryPolicy) -> bool:
    """The message goes to a person whatever reply could be written for it (the first rules of `_judge`,
    which need no draft): so nothing need be looked up to write one."""
    return bool(triage.error or any(f in ESCALATE_FLAGS for f in triage.flags)
                or triage.frustration >= FRUSTRATION_ESCALATES or triage.category is None
                or triage.confidence < policy.draft_at or triage.issues) and policy.mode != "off"


def escalates_before_the_reply(triage: Triage, policy: CategoryPolicy, follow_up: FollowUp | None = None,
                               may_ask: bool = True) -> bool:
    """`decide` will escalate, whatever reply is written and however it is checked: known from the triage
    alone (so the case file's lookups can start while the reply is still being thought). `may_ask`: the
    reply may be a question for a bug's missing details, the one reply that goes out for a message with
    several requests (False when the ticket is not such a bug report). False when in doubt: then the
    lookups wait for the decision, as before."""
    if policy.mode in ("off", "shadow"):  # nothing is written: nothing to look up for
        return False
    about = _about_the_answer(triage, policy, follow_up)
    if about is not None:
        return about[0] == "escalate"
    if triage.issues and not may_ask:
        return True
    return escalates_whatever_the_reply(replace(triage, issues=()), policy)


def _about_the_answer(triage: Triage, policy: CategoryPolicy,
                      follow_up: FollowUp | None) -> tuple[str, tuple[str, ...]] | None:
    """The decision a verdict on Deskhand's answer makes by itself; None: judge the message as any.
    A failed engine or a sensitivity flag is judged as for any message (it reaches a person), and
    so is a frustrated confirmation: someone should read why before the ticket is solved."""
    if follow_up is None or follow_up.kind not in (NOT_HELPED, RESOLVED) or triage.error \
            or any(f in ESCALATE_FLAGS for f in triage.flags):
        return None
    said = f" (\"{follow_up.said}\")" if follow_up.said else ""
    if follow_up.kind == NOT_HELPED:  # in any language: the reason is for the agent, not the customer
        return "escalate", (f"the customer says Deskhand's answer did not help{said}; a person takes it from here",)
    if triage.frustration >= FRUSTRATION_ESCALATES:
        return None
    confirmed = f"the customer confirmed Deskhand's answer helped{said}"
    if policy.solve_on_confirmation:
        return "solve", (f"{confirmed}; solve_on_confirmation is on",)
    return "skip", (f"{confirmed}; solve_on_confirmation is off, so a person solves the ticket",)


def _not_sendable(checked: Checked) -> str:
    """The first thing the check found, so the reason says what to look at (a link to a host the
    install does not allow reads differently from an invented price)."""
    found = checked.unsupported or checked.removed
    what = "claims no source supports" if checked.unsupported else "the sanitiser removed"
    return f"{what}: {found[0]}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")


def _unanswered_language(language: str) -> str:
    """Why a message in another language got no reply: replies quote articles in the customer's language."""
    if phrases(language) is None:
        return f"written in '{language}'; Deskhand cannot write replies in that language yet"
    return f"written in '{language}'; no knowledge-base article in that language answers it"


def _judge(triage: Triage, policy: CategoryPolicy, draft: Draft | None) -> tuple[str, tuple[str, ...]]:
    conf = f"confidence {triage.confidence:.3f}"
    if triage.error:
        return "escalate", (f"the {triage.engine} engine failed: {triage.error}",)
    flags = [f for f in triage.flags if f in ESCALATE_FLAGS]
    if flags:
        urgent = [f for f in flags if f in URGENT]
        if urgent:
            return "escalate", (f"URGENT — {', '.join(urgent)}: someone may be hurt; a person must handle this now",)
        return "escalate", (f"sensitive: {', '.join(flags)} — a person must handle this",)
    if triage.frustration >= FRUSTRATION_ESCALATES:
        return "escalate", (f"customer is frustrated ({triage.frustration:.2f})",)
    if draft is None and triage.language != "en":  # says more than the English-trained classifier's doubt
        return "escalate", (_unanswered_language(triage.language),)
    if triage.category is None:
        return "escalate", ("the request fits no known category",)
    if triage.confidence < policy.draft_at:
        return "escalate", (f"{conf} is below draft_at {policy.draft_at:.3g}",)
    if draft is not None and draft.writer == "clarify":  # a question needs no source, only the category
        why = f"the bug report is missing key details ({draft.note.removeprefix('missing: ')}); asking once"
        if policy.mode == "auto" and triage.confidence >= policy.send_at:
            return "send", (f"{why}; {conf} ≥ send_at {policy.send_at:.3g}",)
        return "draft", (f"{why}; {conf}, category in {policy.mode} mode",)
    if draft is None or draft.score < MIN_SOURCE_SCORE:
        return "escalate", ("no knowledge-base passage supports a reply",)
    if triage.issues:  # a reply comes from one category's articles: it would answer one request of several
        return "escalate", (f"several requests in one message ({', '.join(triage.issues)}); a person answers "
                            f"them together",)
    if policy.mode == "auto" and triage.confidence >= policy.send_at:
        return "send", (f"{conf} ≥ send_at {policy.send_at:.3g} and the reply cites {draft.citations[0].title!r}",)
    if policy.mode == "auto":
        return "draft", (f"{conf} is below send_at {policy.send_at:.3g}",)
    return "draft", (f"{conf}; category is in draft mode",)
