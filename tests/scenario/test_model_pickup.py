"""A model promoted while the worker runs is the one that triages its next job (no restart)."""
from __future__ import annotations

from app.learning import registry
from app.reasoning import classifier
from app.reasoning.engine import models_dir
from app.store import audit

FIRST, NEXT = 2002, 2003  # invoice question; password reset


def test_the_worker_triages_its_next_job_with_the_promoted_model(loop, trained_model):
    loop.sb.play([FIRST])
    loop.drain()
    [first] = [r["detail"] for r in audit.trail(loop.db(), str(FIRST)) if r["step"] == "triage"]
    assert first["model"] == trained_model.version
    # a retrain (here: a tiny model) is promoted while the worker runs
    tiny = classifier.train(["where is my invoice", "send me the invoice", "invoice for march please",
                             "reset my password", "I forgot my password", "password reset link broken"],
                            ["billing"] * 3 + ["login_2fa"] * 3)
    folder = models_dir(loop.settings.data_dir)
    registry.save_candidate(folder, tiny, {})
    registry.promote(folder, tiny.version, "test", "by hand")
    loop.sb.play([NEXT])
    loop.drain()
    [after] = [r["detail"] for r in audit.trail(loop.db(), str(NEXT)) if r["step"] == "triage"]
    assert after["model"] == tiny.version and after["category"] == "login_2fa"
    assert loop.worker.pipeline.engine.model.version == tiny.version
