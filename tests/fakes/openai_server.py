"""A local OpenAI-compatible server for tests: real HTTP, scripted answers.

Each test queues what the next calls should do: answer with a JSON object, answer with
broken text, refuse, fail with a status, or stall past the client's timeout.
"""
from __future__ import annotations

import json
import time
from collections import deque

from flask import Flask, jsonify, request

from .served import Served


class FakeOpenAI(Served):
    def __init__(self):
        self.script: deque = deque()
        self.requests: list[dict] = []
        self.default = None  # callable(request_json) -> step, used when the script is empty
        app = Flask("fake-openai")

        @app.post("/v1/chat/completions")
        def chat():
            body = request.get_json()
            self.requests.append(body)
            step = self.script.popleft() if self.script else self.default(body)
            kind, value = step
            if kind == "reply":  # a reply citing the first passage offered (the schema's enum)
                schema = body["response_format"]["json_schema"]["schema"]
                offered = schema["properties"]["citations"]["items"]["enum"]
                kind, value = "json", {"answerable": bool(value), "reply": value, "citations": offered[:1]}
            if kind == "stall":
                time.sleep(value)
                kind, value = "json", {}
            if kind == "status":
                return jsonify(error={"message": "scripted failure", "type": "server_error"}), value
            message = {"role": "assistant", "content": None, "refusal": None}
            if kind == "json":
                message["content"] = json.dumps(value)
            elif kind == "text":
                message["content"] = value
            elif kind == "refuse":
                message["refusal"] = value
            return jsonify(id="chatcmpl-1", object="chat.completion", created=int(time.time()),
                           model=body["model"], choices=[{"index": 0, "finish_reason": "stop", "message": message}],
                           usage={"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150})

        super().__init__(app)
        self.base_url += "/v1"


def written(text: str) -> tuple[str, str]:
    """The reply step: `text` as the reply, citing the first passage the request offered."""
    return ("reply", text)


def answer(category: str, confidence: float = 0.9, **extra) -> tuple[str, dict]:
    return ("json", {"category": category, "confidence": confidence, "sentiment": 0.0, "frustration": 0.1,
                     "language": "en", "flags": [], "issues": [], "reason": "scripted", **extra})
