"""The anchors of a PEP 503 HTML page, with their attributes and text.

Apart from ``simple_api`` so that the standard library's HTML parser loads only when an
index answers in HTML (vendor indexes); the JSON pages every run reads do without it.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, str | None]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self._current["#text"] = "".join(self._text).strip()
            self.anchors.append(self._current)
            self._current = None


def anchors(text: str) -> list[dict[str, str | None]]:
    """Every ``<a>`` of the page: its attributes, and its text under ``"#text"``."""
    parser = _AnchorParser()
    parser.feed(text)
    return parser.anchors
