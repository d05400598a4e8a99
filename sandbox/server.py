"""Serving a Sandbox over real HTTP in a background thread (`deskhand sandbox` runs it as a process)."""
from __future__ import annotations

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

