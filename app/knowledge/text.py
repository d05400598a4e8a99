"""HTML → readable plain text, for retrieval, claim checks and replies. Pure."""
from __future__ import annotations

import re
from html.parser import HTMLParser


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._list_counters: list[int] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "ol":
            self._list_counters.append(0)
        elif tag == "ul":
            self._list_counters.append(-1)
        elif tag == "li":
            if self._list_counters and self._list_counters[-1] >= 0:
                self._list_counters[-1] += 1
                self.parts.append(f"\n{self._list_counters[-1]}. ")
            else:
                self.parts.append("\n- ")
        elif tag in ("p", "br", "h1", "h2", "h3", "h4", "div"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("ol", "ul") and self._list_counters:
            self._list_counters.pop()
            self.parts.append("\n")
        elif tag == "p":
            self.parts.append("\n")

    def handle_data(self, data):
        # Runs of whitespace become one space, but an edge space stays: "for the <b>Share</b> panel"
        # must not become "for theSharepanel". Lines are trimmed in html_to_text.
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text: paragraphs kept, ordered lists numbered, scripts dropped."""
    parser = _TextExtractor()
    parser.feed(html or "")
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text, blank = [], False
    for line in lines:
        if line:
            text.append(line)
            blank = False
        elif not blank and text:
            text.append("")
            blank = True
    return "\n".join(text).strip()
