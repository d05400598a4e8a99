"""The offline reasoning engine: the trained classifier plus the knowledge index."""
from __future__ import annotations

from pathlib import Path

from . import classifier, compose
from .domain import Draft, Ticket, Triage
from .history import load_jsonl, training_set
from .knowledge import KnowledgeIndex, Match
from .triage import triage


class EngineError(Exception):
    pass


class Engine:
    def __init__(self, model: classifier.Model, knowledge):
        """`knowledge`: a KnowledgeIndex, or a LiveIndex that follows the store; both have `current()`."""
        self.model = model
        self._knowledge = knowledge

    @property
    def knowledge(self) -> KnowledgeIndex:
        return self._knowledge.current()

    @property
    def model_version(self) -> str:
        return self.model.version

    def triage(self, subject: str, body: str) -> Triage:
        return triage(subject, body, self.model)

    def reply(self, ticket: Ticket, message: str, matches: list[Match], knowledge: KnowledgeIndex) -> Draft | None:
        """The offline reply: the best passage and its article's steps, in the article's words."""
        return compose.reply(ticket, matches[0] if matches else None, knowledge)


def models_dir(data_dir: str) -> str:
    return str(Path(data_dir) / "models")


def train_from_file(history_file: str, data_dir: str) -> tuple[classifier.Model, list[str]]:
    """Train on a labelled JSONL file and make the result the current model."""
    tickets, problems = load_jsonl(history_file)
    texts, labels = training_set(tickets)
    model = classifier.train(texts, labels)
    classifier.save(model, models_dir(data_dir))
    return model, problems


def load_model(data_dir: str, history_file: str = "") -> classifier.Model:
    model = classifier.load_current(models_dir(data_dir))
    if model is None and history_file:
        model, _ = train_from_file(history_file, data_dir)
    if model is None:
        raise EngineError("no trained model yet: run `deskhand train --history FILE` "
                          "or set DESKHAND_HISTORY_FILE")
    return model
