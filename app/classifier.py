"""The offline category classifier: word and character n-grams into logistic regression.

Trained on the team's own labelled history and stored as a versioned file, so every
decision in the audit can name the model that made it.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline


@dataclass
class Model:
    version: str
    categories: list[str]
    pipeline: object
    trained_at: float
    n_train: int

    def predict(self, text: str) -> list[tuple[str, float]]:
        """Categories with probabilities, most likely first."""
        probs = self.pipeline.predict_proba([text])[0]
        ranked = sorted(zip(self.pipeline.classes_, probs), key=lambda p: -p[1])
        return [(str(c), float(p)) for c, p in ranked]


def train(texts: list[str], labels: list[str]) -> Model:
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])
    pipeline = make_pipeline(features, LogisticRegression(C=10.0, max_iter=2000))
    pipeline.fit(texts, labels)
    digest = hashlib.sha256(json.dumps([texts, labels]).encode()).hexdigest()[:10]
    version = time.strftime("%Y%m%d-%H%M%S") + f"-{digest}"
    return Model(version=version, categories=sorted(set(labels)), pipeline=pipeline,
                 trained_at=time.time(), n_train=len(texts))


def save(model: Model, models_dir: str) -> Path:
    folder = Path(models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"triage-{model.version}.pkl"
    with open(path, "wb") as fh:
        pickle.dump(model, fh)
    (folder / "current").write_text(path.name)
    return path


def load_current(models_dir: str) -> Model | None:
    """The model named by `current`, or None when none has been trained yet."""
    pointer = Path(models_dir) / "current"
    if not pointer.exists():
        return None
    with open(Path(models_dir) / pointer.read_text().strip(), "rb") as fh:
        return pickle.load(fh)  # our own file, written by save()
