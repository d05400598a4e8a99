"""Sandbox helpdesk: a local Zendesk look-alike (API + signed webhooks) with a sample company.

    sb = Sandbox.from_seed(webhook_url="http://127.0.0.1:5000/webhooks/zendesk").start()
    # point zenpy at it: ZENPY_FORCE_NETLOC=<sb.url host:port>, ZENPY_FORCE_SCHEME=http
    sb.play()                      # new tickets from company/stream.jsonl + ticket.created webhooks
    sb.customer_reply(2001, "Any update?")
    sb.flush_webhooks(); sb.stop()

Out of process: `python -m sandbox.server --port 8765` and the /_sandbox/ control routes.
"""
from .core import Sandbox
from .state import ApiError, Store
from .webhooks import DEFAULT_SIGNING_SECRET, sign

__all__ = ["Sandbox", "Store", "ApiError", "sign", "DEFAULT_SIGNING_SECRET"]
