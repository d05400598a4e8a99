"""The offline reasoning engine: the trained classifier plus the knowledge index."""
from __future__ import annotations

from app.core.domain import Draft, Ticket, Triage
from app.core.errors import DeskhandError
from app.knowledge.page_map import MODEL_FLAG, Page, ProductMap, task_for, with_page
from app.knowledge.search import KnowledgeIndex, Match
from app.reasoning import classifier, compose, model_card
from app.reasoning.model_card import models_dir  # noqa: F401 — where models live, for callers of the engine
from app.reasoning.training_data import load_jsonl, training_set
from app.reasoning.triage import triage


class EngineError(DeskhandError):
    pass


class Engine:
    def __init__(self, model: classifier.Model, knowledge, product_map: ProductMap | None = None):
        """`knowledge`: a KnowledgeIndex, or a LiveIndex that follows the store; both have `current()`.
        `product_map`: where the product's pages are and the steps there (None: no page awareness)."""
        self.model = model
        self._knowledge = knowledge
        self.product_map = product_map

    @property
    def knowledge(self) -> KnowledgeIndex:
        return self._knowledge.current()

    @property
    def model_version(self) -> str:
        return self.model.version

    def page(self, page_url: str, message: str) -> Page | None:
        """Where the customer was: the ticket's page, else a product URL in the message, if mapped."""
        return self.product_map.page_for(page_url, message) if self.product_map else None

    @property
    def page_feature(self) -> bool:
        """Whether the model was trained with page areas in its text, so it is asked the same way."""
        return bool(self.product_map and self.model.info.get(MODEL_FLAG))

    def classifier_text(self, subject: str, body: str, page_url: str = "") -> str:
        text = f"{subject}\n{body}".strip()
        return with_page(text, self.page(page_url, body)) if self.page_feature else text

    def triage(self, subject: str, body: str, page_url: str = "") -> Triage:
        return triage(subject, body, self.model, self.page(page_url, body), self.page_feature)

    def reply(self, ticket: Ticket, message: str, matches: list[Match], knowledge: KnowledgeIndex,
              language: str = "") -> Draft | None:
        """The offline reply: the best passage and its article's steps, in the article's words, led by
        the steps of the page's task the message asks about. It quotes, so it answers a customer
        writing in `language` only from an article in that language."""
        if language and matches and matches[0].passage.language != language:
            return None
        page = self.page(ticket.page_url, message)
        task = task_for(page.area, f"{ticket.subject}\n{message}") if page else None
        return compose.reply(ticket, matches[0] if matches else None, knowledge, page, task)


def train_from_file(history_file: str, data_dir: str, product_map: ProductMap | None = None,
                    progress=None) -> tuple[classifier.Model, list[str]]:
    """Train on a labelled JSONL file and make the result the current model. With a product map the
    tickets' page areas are part of the text (on the sample history: 91.9 → 92.7 % accuracy), and
    the model says so, so that triage asks it the same way."""
    tickets, problems = load_jsonl(history_file)
    model = train_model(tickets, product_map, progress)
    classifier.save(model, models_dir(data_dir))
    return model, problems


def train_model(tickets: list, product_map: ProductMap | None = None, progress=None) -> classifier.Model:
    """The classifier for these labelled tickets; with a product map the tickets' page areas are
    part of the text, and the model records that so triage asks it the same way."""
    model = classifier.train(*training_set(tickets, product_map), progress=progress)
    model.info[MODEL_FLAG] = bool(product_map) and any(
        product_map.page_for(t.page_url, t.body) for t in tickets if t.labelled)
    model.info["seen"] = sorted({model_card.text_digest(t.body) for t in tickets if t.labelled})
    return model


def load_model(data_dir: str, history_file: str = "", product_map: ProductMap | None = None,
               progress=None) -> classifier.Model:
    model = classifier.load_current(models_dir(data_dir))
    if model is None and history_file:
        model, _ = train_from_file(history_file, data_dir, product_map, progress)
    if model is None:
        raise EngineError("no trained model yet: run `deskhand train --history FILE` "
                          "or set DESKHAND_HISTORY_FILE")
    return model
