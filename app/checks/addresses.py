"""Every place a reply could send a customer: links, bare domains, e-mail addresses, phone numbers.
Pure.

A reply may only point where the company's own sources point, so each address is found however
it is written before it is held to the allow-list:
- Unicode is folded first (NFKC: full-width letters and dots become ASCII), and the ideographic
  and other look-alike full stops become ".", so "evil。com" is evil.com;
- a link's target is percent-decoded (twice, for double encoding) and searched again, so a URL
  hidden in an allowed URL's query string (`/redirect?to=https%3A%2F%2Fevil.com`) is found;
- internationalised names are compared in their IDNA form, so a look-alike host is not an
  allowed one;
- a bare domain counts ("write to brightline-refunds.com"), as do e-mail addresses and phone
  numbers.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from app.checks.sanitize import INVISIBLE

_DOTS = str.maketrans({"。": ".", "｡": ".", "︒": ".", "﹒": ".", "․": ".", "‧": ".", "٫": ".", "·": "."})
URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`)\]]+|\bwww\.[^\s<>\"'`)\]]+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@((?:[\w-]+\.)+[\w-]{2,})", re.I)
# Top-level domains common enough in replies and scams; any two-letter country code counts too.
_TLDS = set("""com net org io co app dev ai info biz me xyz help support site online shop store link click top
live tech cloud digital page website email services center money pay finance bank help co.uk one vip
club today world best cc tv""".split())
_DOMAIN = re.compile(r"(?<![\w@.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:xn--[a-z0-9-]+|[a-z]{2,12}))"
                     r"(?![\w-]|\.[a-z0-9])", re.I)
_PHONE = re.compile(r"(?<![\w/])(?:\+|00)?\d(?:[\s().-]{0,2}\d){6,16}(?![\w/])")
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")


@dataclass(frozen=True)
class Address:
    kind: str  # url | domain | email | phone
    text: str  # as written
    host: str = ""  # the IDNA host for url, domain and email


def fold(text: str) -> str:
    """What a reader sees: Unicode folded, look-alike dots made dots, invisible characters gone."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", text or "").translate(_DOTS))


def idna_host(host: str) -> str:
    host = host.strip(".").lower().rstrip(":")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def find(text: str) -> list[Address]:
    """Every address in the text, including those nested inside a link's encoded query."""
    folded = fold(text)
    found: list[Address] = []
    seen_spans: list[tuple[int, int]] = []
    for m in URL.finditer(folded):
        seen_spans.append(m.span())
        found += _url_and_nested(m.group(0))
    for m in _EMAIL.finditer(folded):
        seen_spans.append(m.span())
        found.append(Address("email", m.group(0), idna_host(m.group(1))))
    for m in _DOMAIN.finditer(folded):
        if any(a <= m.start() < b for a, b in seen_spans):
            continue
        tld = m.group(1).rsplit(".", 1)[1].lower()
        if tld in _TLDS or len(tld) == 2 or tld.startswith("xn--"):
            found.append(Address("domain", m.group(0), idna_host(m.group(1))))
    for m in _PHONE.finditer(folded):
        digits = re.sub(r"\D", "", m.group(0))
        if any(a <= m.start() < b for a, b in seen_spans) or _DATE_LIKE.match(m.group(0).strip()):
            continue
        if len(digits) >= 7:
            found.append(Address("phone", m.group(0).strip(), digits))
    return found


def _url_and_nested(url: str, depth: int = 0) -> list[Address]:
    target = url if "://" in url else f"http://{url}"
    try:
        host = urlsplit(target).hostname or ""
    except ValueError:
        host = ""
    out = [Address("url", url, idna_host(host))]
    if depth < 2:
        decoded = unquote(unquote(url))
        rest = decoded.split(host, 1)[1] if host and host in decoded else decoded
        for m in URL.finditer(rest):
            out += _url_and_nested(m.group(0), depth + 1)
        for m in _DOMAIN.finditer(rest.replace("/", " ").replace("=", " ").replace("&", " ")):
            tld = m.group(1).rsplit(".", 1)[1].lower()
            if tld in _TLDS or len(tld) == 2:
                out.append(Address("domain", m.group(0), idna_host(m.group(1))))
    return out


def allowed(host: str, hosts: set[str]) -> bool:
    """The host or a subdomain of one of the allowed hosts."""
    host = idna_host(host)
    return any(host == h or host.endswith("." + h) for h in (idna_host(x) for x in hosts if x))
