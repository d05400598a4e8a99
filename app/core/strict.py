"""Strict parsing of what arrives over HTTP (DESIGN §7 promise 8). Pure: no Flask, no I/O.

Every helper either returns a clean value or raises BadInput, which carries the HTTP status to
answer with (400 malformed, 413 too large, 422 well-formed but unusable) and a message saying
what is wrong. app/web/factory.py turns it into `{"error": message}` with that status, so an endpoint
just calls the helper. What is refused, and why:

- ids are ASCII digits only (str.isdigit() also accepts "²" and "٣", which int() then refuses
  or reads as another number) and at most MAX_ID_DIGITS long (every platform id fits in 64 bits);
- whole numbers are ASCII digits in a stated range (no 30-digit numbers reaching SQLite);
- a JSON body must be UTF-8, no deeper than `max_depth` (checked on the raw text, iteratively,
  before json.loads can recurse), hold no NaN/Infinity and no lone surrogate (a "\\ud800" escape
  decodes to a str that cannot be encoded again, so it could never be stored);
- secrets are compared as UTF-8 bytes in constant time (hmac.compare_digest refuses non-ASCII str).
"""
from __future__ import annotations

import hmac
import json
import re

from app.core.errors import DeskhandError

MAX_ID_DIGITS = 20
MAX_ROW_ID = 2**62  # our own row ids (actions): SQLite integers are 64-bit, a larger number names no row
MAX_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024
_SHOWN = 40  # characters of a bad value quoted back in a message


class BadInput(DeskhandError, ValueError):
    """Input refused with an HTTP status (400 unless said) and a message for the caller."""

    status = 400


def shown(value) -> str:
    """A bad value quoted in a message, cut short (a message must not echo a megabyte back)."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_id(value, field: str = "id") -> str:
    """A platform id (ticket, conversation, user) as its text: a str or int of 1 to MAX_ID_DIGITS
    ASCII digits. A bool, a negative number or anything else is BadInput(400)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadInput(f"{field} must be a number (ASCII digits), got {shown(value)}")
    text = str(value) if isinstance(value, str) or 0 <= value < 10 ** MAX_ID_DIGITS else "-"
    if not _ascii_digits(text) or len(text) > MAX_ID_DIGITS:
        raise BadInput(f"{field} must be a number (ASCII digits, at most {MAX_ID_DIGITS}), got {shown(value)}")
    return text


def is_id(value) -> bool:
    try:
        parse_id(value)
    except BadInput:
        return False
    return True


def parse_int(value, field: str, low: int, high: int, default: int | None = None) -> int:
    """A whole number from `low` to `high`, given as an int or as ASCII digits (surrounding blanks
    allowed); None means `default` (BadInput when there is none)."""
    if value is None and default is not None:
        return default
    wrong = BadInput(f"{field} must be a whole number from {low} to {high}, got {shown(value)}")
    if isinstance(value, bool):
        raise wrong
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ascii_digits(value.strip()) and len(value.strip()) <= MAX_ID_DIGITS:
        number = int(value.strip())
    else:
        raise wrong
    if not low <= number <= high:
        raise wrong
    return number


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two texts as UTF-8 bytes; False when either is empty."""
    if not isinstance(given, str) or not isinstance(expected, str) or not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


# -- JSON bodies ------------------------------------------------------------------------------------

# a string (closed or not) or a bracket: strings are skipped, so brackets inside them do not count
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_depth_ok(text: str, max_depth: int = MAX_DEPTH) -> bool:
    """Whether no array/object in `text` is nested deeper than `max_depth` (iterative)."""
    if text.count("[") + text.count("{") <= max_depth:
        return True
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                return False
        elif token in "]}":
            depth -= 1
    return True


def _no_surrogates(data) -> bool:
    """Whether every str in the document (keys and values) is encodable, walked iteratively."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads pairs real pairs up, so these are lone


def _repaired(item):
    """The document with every lone surrogate replaced by U+FFFD (depth is bounded already)."""
    if isinstance(item, str):
        return _LONE_SURROGATE.sub("\ufffd", item)
    if isinstance(item, dict):
        return {_repaired(k): _repaired(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_repaired(v) for v in item]
    return item


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def parse_json(raw: bytes | str, max_depth: int = MAX_DEPTH, max_bytes: int | None = MAX_JSON_BYTES,
               what: str = "body", repair_surrogates: bool = False):
    """The JSON document in `raw`, or BadInput: 413 beyond `max_bytes` (None: the caller bounded
    the size already), 400 for anything that is not strict JSON text in UTF-8 (a UTF-8 byte order
    mark is tolerated). `repair_surrogates`: a lone surrogate becomes U+FFFD instead of a 400, for
    signed webhooks, whose sender would retry a refusal forever and lose the delivery."""
    if max_bytes is not None and len(raw) > max_bytes:
        raise BadInput(f"{what} is larger than {max_bytes} bytes", 413)
    if isinstance(raw, (bytes, bytearray)):
        try:
            text = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadInput(f"{what} is not valid JSON: it is not UTF-8 (byte 0x{raw[exc.start]:02x} "
                           f"at offset {exc.start})") from None
    else:
        text = raw
    if not json_depth_ok(text, max_depth):
        raise BadInput(f"{what} is JSON nested deeper than {max_depth} levels")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # NaN/Infinity; a number beyond 4,300 digits
        raise BadInput(f"{what} is not valid JSON: {str(exc)[:120]}") from None
    if _SURROGATE_ESCAPE.search(text) and not _no_surrogates(data):
        if repair_surrogates:
            return _repaired(data)
        raise BadInput(f"{what} is not valid JSON text: a string holds a lone surrogate (a \\ud800-\\udfff "
                       "escape without its pair), which is not Unicode")
    return data
