"""The LLM engine: one structured model call per ticket, checked and combined with the
offline classifier. The model proposes; code decides (DESIGN §4).

The model's own confidence is not trusted alone. The reported confidence is a calibrated
probability from three signals — the model's confidence, the offline classifier's
probability for the model's category, and whether the two agree — fitted on held-out
history (`fit_calibrator`). Without a fitted calibrator it is the smaller of the two
probabilities, which errs towards a person.
"""
from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from app.checks.redaction import redact
from app.core.domain import Citation, Draft, Ticket, Triage
from app.core.flags import FLAGS, MEANING
from app.core.phrases import phrases
from app.knowledge.page_map import PREFIX as PAGE_MAP_PREFIX
from app.knowledge.page_map import task_for
from app.knowledge.passages import Passage
from app.knowledge.search import KnowledgeIndex, Match
from app.reasoning import prompts
from app.reasoning.classifier import OUT_OF_SCOPE
from app.reasoning.compose import passages_for_reply
from app.reasoning.engine import Engine
from connectors.errors import ConnectorError
from connectors.llm import ChatModel


@dataclass(frozen=True)
class Prices:
    """USD per million tokens."""
    input: float = 0.0
    output: float = 0.0

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return round((tokens_in * self.input + tokens_out * self.output) / 1e6, 6)


@dataclass(frozen=True)
class Calibrator:
    """Logistic model of P(right) over (llm confidence, offline probability, agreement)."""
    weights: tuple[float, float, float]
    bias: float

    def __call__(self, llm_conf: float, offline_p: float, agree: bool) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, (llm_conf, offline_p, float(agree))))
        return 1 / (1 + math.exp(-z))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"weights": self.weights, "bias": self.bias}))

    @classmethod
    def load(cls, path: Path) -> "Calibrator | None":
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(tuple(data["weights"]), data["bias"])


def schema(categories: list[str]) -> dict:
    labels = sorted(categories) + [OUT_OF_SCOPE]
    return {"type": "object", "additionalProperties": False,
            "required": ["category", "confidence", "sentiment", "frustration", "language", "flags", "issues", "reason"],
            "properties": {
                "category": {"type": "string", "enum": labels},
                "confidence": {"type": "number"},
                "sentiment": {"type": "number"},
                "frustration": {"type": "number"},
                "language": {"type": "string"},
                "flags": {"type": "array", "items": {"type": "string", "enum": list(FLAGS)}},
                "issues": {"type": "array", "items": {"type": "string", "enum": labels}},
                "reason": {"type": "string"}}}


class LlmEngine:
    """Same interface as Engine; the offline engine supplies the knowledge base and the second opinion."""

    def __init__(self, offline: Engine, chat: ChatModel, prices: Prices = Prices(),
                 calibrator: Calibrator | None = None):
        self.offline, self.chat, self.prices, self.calibrator = offline, chat, prices, calibrator
        self.prompt = prompts.load("triage")
        self.reply_prompt = prompts.load("reply")
        # planted in every system prompt; a reply holding it copied the instructions out
        self.canaries = (f"dh-canary-{secrets.token_hex(8)}",)

    @property
    def knowledge(self):
        return self.offline.knowledge

    @property
    def model_version(self) -> str:
        return f"{self.chat.model}+{self.offline.model_version}"

    def triage(self, subject: str, body: str, page_url: str = "") -> Triage:
        opinion = self.consult(subject, body, page_url)
        if opinion.triage.error:
            return opinion.triage
        if self.calibrator:
            confidence = self.calibrator(opinion.llm_conf, opinion.offline_p, opinion.agree)
        else:
            confidence = min(opinion.llm_conf, opinion.offline_p)
        return replace(opinion.triage, confidence=round(confidence, 4))

    def consult(self, subject: str, body: str, page_url: str = "") -> "Opinion":
        """Ask the model once; check its answer; keep the raw signals for the combiner."""
        second = self.offline.triage(subject, body, page_url)
        categories = self.offline.model.categories
        # Card numbers, IBANs, passwords and keys never leave the machine (promise 10).
        (safe_subject, hidden_in_subject), (safe_body, hidden_in_body) = redact(subject), redact(body)
        system, user = self.prompt.render(categories="\n".join(f"- {c}" for c in categories),
                                          flags="\n".join(f"  - {f}: {MEANING[f]}" for f in FLAGS),
                                          subject=safe_subject or "(none)", body=safe_body)
        system = prompts.plant_canary(system, self.canaries[0])
        failed = lambda why, tokens=0, cost=0.0: Opinion(replace(  # noqa: E731
            second, engine="llm", error=why, confidence=0.0, tokens=tokens, cost_usd=cost,
            redacted=hidden_in_subject + hidden_in_body))
        try:
            out = self.chat.complete_json(system, user, schema(categories), "triage")
        except ConnectorError as exc:
            return failed(str(exc))
        tokens, cost = out.input_tokens + out.output_tokens, self.prices.cost(out.input_tokens, out.output_tokens)
        if out.refusal:
            return failed(f"the model refused: {out.refusal[:200]}", tokens, cost)
        problem = out.error or _check(out.data, categories)
        if problem:
            return failed(problem, tokens, cost)
        data = out.data
        category = None if data["category"] == OUT_OF_SCOPE else data["category"]
        offline_p = dict(self.offline.model.predict(self.offline.classifier_text(subject, body, page_url),
                                                    language=second.language)).get(category or OUT_OF_SCOPE, 0.0)
        llm_conf = min(max(float(data["confidence"]), 0.0), 1.0)
        triage = Triage(
            category=category, confidence=llm_conf, alternatives=second.alternatives,
            sentiment=_clip(data["sentiment"], -1, 1),
            frustration=max(second.frustration, _clip(data["frustration"], 0, 1)),
            # The language is the detector's: text that can steer the model must not switch off
            # the language rules. The offline detectors always run; the model may add flags, never
            # remove one.
            language=second.language,
            flags=tuple(f for f in FLAGS if f in second.flags or f in data["flags"]),
            flag_reasons=second.flag_reasons + tuple(f"{f}: raised by the LLM" for f in FLAGS
                                                     if f in data["flags"] and f not in second.flags),
            issues=tuple(i for i in data["issues"] if i != OUT_OF_SCOPE) if len(data["issues"]) > 1 else (),
            engine="llm", tokens=tokens, cost_usd=cost, redacted=hidden_in_subject + hidden_in_body,
            page_url=second.page_url, page_area=second.page_area, page_area_name=second.page_area_name)
        return Opinion(triage, llm_conf, offline_p, category == second.category)


    # The model writes in the customer's language whatever the articles' language (think searches
    # across languages for it when no article in theirs answers).
    translates = True

    def reply(self, ticket: Ticket, message: str, matches: list[Match], knowledge: KnowledgeIndex,
              language: str = "") -> Draft | None:
        """The model writes the reply from the retrieved passages alone and cites them, in `language`
        (the customer's; default: the passages'). When its answer cannot be used, the offline reply
        (the article's own words) stands in, and why is kept, but only if the article is in the
        customer's language."""
        language = language or (matches[0].passage.language if matches else "")
        words = phrases(language)
        if words is None:
            return None
        fallback = self.offline.reply(ticket, message, matches, knowledge) \
            if matches and matches[0].passage.language == language else None
        page = self.offline.page(ticket.page_url, message)
        task = task_for(page.area, f"{ticket.subject}\n{message}") if page else None
        steps = page.area.passage(task) if task else None
        offered = reply_passages(matches, knowledge, page.url if page else ticket.page_url,
                                 page_steps=steps if steps and steps.language == language else None)
        ids = [p.id for p in offered]
        system, user = self.reply_prompt.render(
            customer_name=(ticket.requester.name or "").split(" ")[0] or "there",
            page=f"{page.url} ({page.area.name})" if page else ticket.page_url or "(unknown)", language=words.name,
            message=redact(message)[0],
            passages="\n\n".join(f"[{p.id}] {p.title}" + (f" › {p.heading}" if p.heading else "") + f"\n{p.text}"
                                  for p in offered))
        system = prompts.plant_canary(system, self.canaries[0])
        try:
            out = self.chat.complete_json(system, user, reply_schema(ids), "reply")
        except ConnectorError as exc:
            return replace(fallback, note=f"the LLM could not write the reply ({exc})") if fallback else None
        tokens, cost = out.input_tokens + out.output_tokens, self.prices.cost(out.input_tokens, out.output_tokens)
        spent = dict(tokens=tokens, cost_usd=cost)
        data = out.data or {}
        problem = (f"the model refused: {out.refusal[:200]}" if out.refusal else out.error
                   or ("" if isinstance(data.get("reply"), str) and isinstance(data.get("citations"), list)
                       else "the model's reply lacks text or citations"))
        if problem:
            return replace(fallback, note=problem, **spent) if fallback else None
        if not data.get("answerable") or not data["reply"].strip():
            return None  # the model found no answer in the passages: a person writes it
        by_id = {p.id: p for p in offered}
        cited = [by_id[c] for c in dict.fromkeys(data["citations"]) if c in by_id]
        if not cited:
            return replace(fallback, note="the model's reply cited no passage", **spent) if fallback else None
        scores = {m.passage.id: m.score for m in matches}
        # Product-map steps are no article a customer could open: cited, never linked.
        links = dict.fromkeys(f"{p.title} — {p.url}" if p.url else p.title for p in cited
                              if not p.id.startswith(PAGE_MAP_PREFIX))
        text = data["reply"].strip() + ("\n\n" + "\n".join(f"{words.read_more} {link}" for link in links)
                                        if links else "")
        return Draft(text=text, citations=tuple(Citation(p.title, p.url, p.id) for p in cited),
                     score=max(scores.get(p.id, matches[0].score) for p in cited), writer="llm", language=language,
                     page_passages=tuple(p for p in cited if p.id.startswith(PAGE_MAP_PREFIX)), **spent)


def reply_passages(matches: list[Match], knowledge: KnowledgeIndex, page_url: str, limit: int = 5,
                   page_steps: Passage | None = None) -> list[Passage]:
    """What the model may write from: the steps for the customer's page and task (the product map),
    the passages the offline reply would use, then the other matches."""
    best = matches[0].passage
    chosen = passages_for_reply(knowledge.article(best.article_key) or [best], best, page_url)
    chosen += [m.passage for m in matches if m.passage not in chosen]
    return ([page_steps] if page_steps else []) + chosen[:limit - 1 if page_steps else limit]


def reply_schema(passage_ids: list[str]) -> dict:
    return {"type": "object", "additionalProperties": False,
            "required": ["answerable", "reply", "citations"],
            "properties": {"answerable": {"type": "boolean"}, "reply": {"type": "string"},
                           "citations": {"type": "array", "items": {"type": "string", "enum": passage_ids}}}}


@dataclass(frozen=True)
class Opinion:
    triage: Triage
    llm_conf: float = 0.0
    offline_p: float = 0.0
    agree: bool = False


def fit_calibrator(engine: LlmEngine, tickets) -> tuple[Calibrator | None, dict]:
    """Fit the confidence combiner on labelled tickets the offline model did not train on.

    Returns the calibrator (None with fewer than 20 usable answers or a single outcome) and a
    summary with the calls and cost it took.
    """
    from sklearn.linear_model import LogisticRegression
    rows, outcomes, spent, failures = [], [], 0.0, 0
    for t in tickets:
        opinion = engine.consult(t.subject, t.body, t.page_url)
        spent += opinion.triage.cost_usd
        if opinion.triage.error:
            failures += 1
            continue
        rows.append((opinion.llm_conf, opinion.offline_p, float(opinion.agree)))
        outcomes.append(int(opinion.triage.category == t.category))
    summary = {"tickets": len(rows) + failures, "failures": failures, "cost_usd": round(spent, 4)}
    if len(rows) < 20 or len(set(outcomes)) < 2:
        return None, summary
    lr = LogisticRegression(C=1.0).fit(rows, outcomes)
    return Calibrator(tuple(float(w) for w in lr.coef_[0]), float(lr.intercept_[0])), summary


def _check(data, categories: list[str]) -> str:
    """Why the model's answer cannot be used, or '' when it can."""
    if not isinstance(data, dict):
        return "the model's answer is not an object"
    missing = [k for k in schema(categories)["required"] if k not in data]
    if missing:
        return f"the model's answer lacks {', '.join(missing)}"
    if data["category"] not in set(categories) | {OUT_OF_SCOPE}:
        return f"the model chose an unknown category {str(data['category'])[:60]!r}"
    if not isinstance(data["confidence"], (int, float)) or isinstance(data["confidence"], bool):
        return "the model's confidence is not a number"
    if not all(isinstance(data[k], (int, float)) for k in ("sentiment", "frustration")):
        return "the model's sentiment or frustration is not a number"
    if not isinstance(data["flags"], list) or any(f not in FLAGS for f in data["flags"]):
        return "the model reported unknown flags"
    if not isinstance(data["issues"], list) or any(i not in set(categories) | {OUT_OF_SCOPE} for i in data["issues"]):
        return "the model reported issues outside the known categories"
    return ""


def _clip(value, low: float, high: float) -> float:
    return round(min(max(float(value), low), high), 3)
