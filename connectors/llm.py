"""An OpenAI-compatible chat model through the official `openai` client.

One call per request, structured output (JSON schema, strict), an explicit timeout and a
bounded number of retries, and the tokens each call used. Works against OpenAI or any
server that speaks Chat Completions (`base_url`).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import openai

from .errors import ConnectorError, RateLimited, Unavailable, from_status

MAX_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Completion:
    data: dict | None  # the parsed JSON object; None on a refusal or an unreadable answer
    refusal: str
    error: str  # why the answer could not be read (the tokens were still spent)
    model: str
    input_tokens: int
    output_tokens: int
    latency_ms: float


class ChatModel:
    def __init__(self, model: str, base_url: str = "", api_key: str = "", timeout_s: float = 20.0,
                 max_retries: int = 1):
        if not 0 < timeout_s <= MAX_TIMEOUT_S:
            raise ConnectorError(f"LLM timeout must be between 0 and {MAX_TIMEOUT_S:.0f} s, got {timeout_s}")
        self.model = model
        # The SDK's own defaults are 600 s and 2 retries; a worker lease is shorter than that.
        self.client = openai.OpenAI(base_url=base_url or None, api_key=api_key or "not-needed",
                                    timeout=timeout_s, max_retries=max_retries)

    def complete_json(self, system: str, user: str, schema: dict, name: str) -> Completion:
        started = time.monotonic()
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                response_format={"type": "json_schema",
                                 "json_schema": {"name": name, "schema": schema, "strict": True}},
                temperature=0)
        except openai.APITimeoutError as exc:
            raise Unavailable(f"LLM timed out: {exc}") from None
        except openai.APIConnectionError as exc:
            raise Unavailable(f"LLM unreachable: {exc}") from None
        except openai.RateLimitError as exc:
            raise RateLimited(f"LLM rate limited: {exc}", 5.0) from None
        except openai.APIStatusError as exc:
            raise from_status(exc.status_code, f"LLM error {exc.status_code}: {exc.message}") from None
        except openai.OpenAIError as exc:
            raise ConnectorError(f"LLM client error: {exc}") from None
        latency = (time.monotonic() - started) * 1000
        usage = response.usage
        choice = response.choices[0] if response.choices else None
        message = choice.message if choice else None
        refusal = (getattr(message, "refusal", None) or "") if message else "no choices returned"
        data, error = None, ""
        if message and not refusal:
            try:
                data = json.loads(message.content or "")
            except json.JSONDecodeError:
                error = f"LLM returned malformed JSON: {(message.content or '')[:200]!r}"
            if data is not None and not isinstance(data, dict):
                data, error = None, "LLM returned JSON that is not an object"
        return Completion(data=data, refusal=refusal, error=error, model=response.model or self.model,
                          input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                          output_tokens=getattr(usage, "completion_tokens", 0) or 0, latency_ms=round(latency, 1))
