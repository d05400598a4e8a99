"""Small helpers shared by the benchmark scripts: a waitress server in a thread, Zendesk
signing, percentiles and the `--json` last line. Loopback only."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python scripts/bench_x.py` from anywhere
    sys.path.insert(0, str(ROOT))

# The sample company's Spanish articles translate these English ones (sandbox/company/kb/es/).
SPANISH_ORIGINAL = {"Restablecer la contraseña o desbloquear la cuenta": "Reset your password or unlock your account",
                    "Perdiste tu dispositivo de autenticación en dos pasos": "Lost your two-factor authentication device",
                    "Descargar facturas y recibos": "Download invoices and receipts",
                    "Exportar todos los datos del espacio de trabajo": "Export all workspace data"}


class Served:
    """A WSGI app served by waitress on 127.0.0.1 (free port) in a daemon thread.

    The thread runs waitress's own event loop one poll at a time, so `close()` can stop it:
    the task threads finish first, then the loop thread itself closes every socket in its
    map (listener, keep-alive channels, trigger) — never while another thread polls them.
    """

    def __init__(self, app, threads: int = 4):
        from waitress.server import create_server
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" noise
        self.server = create_server(app, host="127.0.0.1", port=0, threads=threads)
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"bench-waitress-{self.port}")
        self._thread.start()

    def _serve(self) -> None:
        from waitress import wasyncore
        use_poll = self.server.adj.asyncore_use_poll
        while not self._stop.is_set():
            wasyncore.loop(timeout=0.05, map=self.server._map, use_poll=use_poll, count=1)
        wasyncore.close_all(self.server._map, ignore_all=True)

    def close(self, timeout: float = 5.0) -> None:
        self.server.task_dispatcher.shutdown(timeout=timeout)
        self._stop.set()
        self._thread.join(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def zendesk_timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def zendesk_headers(secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Zendesk's scheme: base64(HMAC-SHA256(secret, timestamp + raw body))."""
    timestamp = timestamp or zendesk_timestamp()
    mac = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {"Content-Type": "application/json", "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Webhook-Signature": base64.b64encode(mac).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp}


def percentile(values, pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil(n * pct / 100), at least 1
    return ordered[int(min(rank, len(ordered))) - 1]


def add_model_dir_option(parser) -> None:
    parser.add_argument("--model-dir", metavar="DIR",
                        help="use the classifier saved in DIR (a data dir's models/ folder) instead of training "
                             "one on the sample history: a short run checks the benchmark, not the training")


def saved_model(models_dir: str):
    """The current classifier in `models_dir` (`--model-dir`); exits with a message when there is none."""
    from app.reasoning import classifier
    model = classifier.load_current(models_dir)
    if model is None:
        sys.exit(f"--model-dir: no trained model in {models_dir} (`deskhand train` saves one in DATA_DIR/models)")
    return model


def emit_json(figures: dict) -> None:
    """The machine-readable last line."""
    def clean(v):  # 3 decimals; NaN (no samples) becomes null, which JSON allows
        return (None if v != v else round(v, 3)) if isinstance(v, float) else v
    print(json.dumps({k: clean(v) for k, v in figures.items()}), flush=True)
