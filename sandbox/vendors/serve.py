"""Run the vendor stand-ins (Stripe, HubSpot, Linear, Slack) on loopback, seeded for the sample
company, and say which Deskhand settings point at them. For the demo, scenarios and benchmarks."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.serving import make_server

from . import hubspot, linear, slack, stripe


@dataclass
class Vendors:
    settings: dict = field(default_factory=dict)  # Deskhand settings that connect to the stand-ins
    apps: dict = field(default_factory=dict)  # name -> Flask app (app.config["writes"] records writes)
    _servers: list = field(default_factory=list)

    def stop(self) -> None:
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(5)


def start(account: dict, latency_s: float = 0.0) -> Vendors:
    vendors = Vendors()
    urls = {}
    for name, module in (("stripe", stripe), ("hubspot", hubspot), ("linear", linear), ("slack", slack)):
        data = module.sample_data(account)
        app = module.create_app(data, latency_s)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True, name=f"vendor-{name}")
        thread.start()
        vendors.apps[name], urls[name] = app, f"http://127.0.0.1:{server.server_port}"
        vendors._servers.append((server, thread))
        if name == "linear":
            team_id = data["team"]["id"]
    vendors.settings = {
        "stripe_api_key": stripe.API_KEY, "stripe_url": urls["stripe"],
        "hubspot_token": hubspot.TOKEN, "hubspot_url": urls["hubspot"], "hubspot_portal_id": hubspot.PORTAL_ID,
        "linear_api_key": linear.SANDBOX_KEY, "linear_team_id": team_id, "linear_url": urls["linear"],
        "slack_token": slack.SANDBOX_TOKEN, "slack_url": urls["slack"], "slack_channel": "support-escalations",
    }
    return vendors
