"""Serving a Sandbox over real HTTP, in a thread or as its own process.

    python -m sandbox.server --port 8765 --webhook-url http://127.0.0.1:5000/webhooks/zendesk
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .zendesk_api import create_zendesk_app


class _QuietHandler(WSGIRequestHandler):
    """No per-request access log lines: volume tests make thousands of calls."""

    def log_request(self, *args, **kwargs):
        pass


class ServerThread:
    """A threaded werkzeug server on its own thread; `stop()` shuts it down and joins."""

    def __init__(self, sandbox, host: str = "127.0.0.1", port: int = 0):
        self.app = create_zendesk_app(sandbox)
        self.server = make_server(host, port, self.app, threaded=True,
                                  request_handler=_QuietHandler)
        self.server.daemon_threads = True      # per-request threads never block shutdown
        self.port = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"sandbox-http-{self.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout)


def main(argv=None) -> None:
    from .core import Sandbox
    from .webhooks import DEFAULT_SIGNING_SECRET

    parser = argparse.ArgumentParser(description="Deskhand sandbox helpdesk (Zendesk API)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed-dir", default=None)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--signing-secret", default=DEFAULT_SIGNING_SECRET)
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per minute")
    parser.add_argument("--updates-per-minute", type=int, default=None)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--export-lag", type=float, default=60)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sb = Sandbox.from_seed(args.seed_dir, rate_limit_per_minute=args.rate_limit,
                           updates_per_minute=args.updates_per_minute,
                           time_scale=args.time_scale, webhook_url=args.webhook_url,
                           signing_secret=args.signing_secret, export_lag_s=args.export_lag)
    sb.start(args.host, args.port)
    print(f"sandbox helpdesk on {sb.url} (subdomain {sb.account.get('subdomain')})", flush=True)
    stop = threading.Event()
    # SIGTERM stops cleanly too, so queued webhooks are still delivered.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
