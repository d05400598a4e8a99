"""Zendesk list pagination: cursor (page[size]/page[after]) and classic offset.

Cursors are opaque to clients; here they encode the position in the sorted
result list. Links are ABSOLUTE urls built from the request's own host, because
zenpy follows `links.next` / `next_page` verbatim and only accepts responses
whose url contains its configured netloc.
"""
from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from flask import request

MAX_PAGE_SIZE = 100


def encode_cursor(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        return {}


def url_with(params: dict) -> str:
    """The current request's absolute url with the query replaced by `params`."""
    query = {k: v for k, v in params.items() if v is not None}
    return request.base_url + ("?" + urlencode(query) if query else "")


def _other_params(*drop: str) -> dict:
    return {k: v for k, v in request.args.items() if k not in drop}


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        value = default
    return max(low, min(high, value))


def paginate(key: str, items: list, render=None) -> dict:
    """Page `items` (already sorted) the way the request asks; `render` is applied to
    the returned page only, so big lists cost little per page."""
    body = _cursor_page(key, items) if any(k.startswith("page[") for k in request.args) \
        else _offset_page(key, items)
    if render is not None:
        body[key] = [render(item) for item in body[key]]
    return body


def _cursor_page(key: str, items: list) -> dict:
    size = _int_arg("page[size]", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    keep = _other_params("page[size]", "page[after]", "page[before]")
    if request.args.get("page[before]"):
        end = int(decode_cursor(request.args["page[before]"]).get("o", 0))
        start = max(0, end - size)
    else:
        start = int(decode_cursor(request.args.get("page[after]", "")).get("o", 0))
        end = start + size
    start, end = max(0, min(start, len(items))), max(0, min(end, len(items)))
    page = items[start:end]
    has_more = end < len(items)
    after = encode_cursor({"o": end}) if page else None
    before = encode_cursor({"o": start}) if page else None
    return {key: page,
            "meta": {"has_more": has_more, "after_cursor": after, "before_cursor": before},
            "links": {
                "next": url_with({**keep, "page[size]": size, "page[after]": after})
                if has_more else None,
                "prev": url_with({**keep, "page[size]": size, "page[before]": before})
                if start > 0 else None}}


def _offset_page(key: str, items: list) -> dict:
    per_page = _int_arg("per_page", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page_no = _int_arg("page", 1, 1, 10**6)
    keep = _other_params("page", "per_page")
    start = (page_no - 1) * per_page
    page = items[start:start + per_page]
    more = start + per_page < len(items)
    return {key: page,
            "next_page": url_with({**keep, "page": page_no + 1, "per_page": per_page})
            if more else None,
            "previous_page": url_with({**keep, "page": page_no - 1, "per_page": per_page})
            if page_no > 1 else None,
            "count": len(items)}
