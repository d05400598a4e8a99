"""`deskhand sandbox --port N` serves the sample company until interrupted."""
import signal
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sandbox_command_serves_zendesk_and_stops_cleanly():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "sandbox", "--port", str(port), "--webhook-url", ""],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, me = time.monotonic() + 30, None
        while time.monotonic() < deadline and me is None:
            try:
                me = requests.get(f"http://127.0.0.1:{port}/api/v2/users/me.json", timeout=1,
                                  auth=("deskhand-bot@brightline.example/token", "x")).json()
            except requests.ConnectionError:
                time.sleep(0.2)
        assert me["user"]["name"] == "Deskhand Bot"
        articles = requests.get(f"http://127.0.0.1:{port}/api/v2/help_center/articles.json", timeout=5,
                                auth=("deskhand-bot@brightline.example/token", "x")).json()
        assert len(articles["articles"]) >= 20
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert f"sandbox Zendesk on http://127.0.0.1:{port}" in out
