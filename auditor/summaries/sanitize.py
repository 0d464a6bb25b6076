"""Make a model's answer safe to print in a terminal, a Markdown file or an HTML page.

Why: the answer is text a program generated from data that package authors control. An
ANSI escape can rewrite the terminal (hide a line, change a title, forge a hyperlink),
a bidirectional override can make text read differently from how it is stored, and an
answer that runs on forever can bury the report. So escapes and control characters are
removed, whitespace is folded into one paragraph (no headings or table rows can be
smuggled into Markdown), a reasoning model's ``<think>`` block is dropped, and the length
is capped. HTML escaping stays the HTML reporter's job, like for every other string.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 1200

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC strings, other ESC pairs,
# and the 8-bit CSI/OSC introducers.
_ANSI = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?   # OSC, terminated by BEL or ST (or cut off)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?  # DCS, SOS, PM, APC
    | \x1b[@-Z\\-_]                  # two-character escapes
    | \x9b[0-?]*[ -/]*[@-~]          # 8-bit CSI
    | \x9d[^\x07\x9c]*[\x07\x9c]?    # 8-bit OSC
    """,
    re.VERBOSE,
)
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACE = re.compile(r"\s+")


def _keep(char: str) -> bool:
    if char in _BIDI:
        return False
    return char.isspace() or unicodedata.category(char) != "Cc"


def sanitize(text: str, *, limit: int = MAX_CHARS) -> str:
    """Plain one-paragraph text: no escapes, no control characters, at most ``limit``."""
    text = _THINK.sub(" ", text)
    text = _ANSI.sub("", text)
    text = "".join(c if _keep(c) else "" for c in text)
    text = _SPACE.sub(" ", text).strip()
    return cap(text, limit)


def cap(text: str, limit: int) -> str:
    """Cut at the last sentence (or word) end before ``limit``, marking the cut with …."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    sentence = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    if sentence >= limit // 2:
        return head[: sentence + 1] + " …"
    space = head.rfind(" ")
    return (head[:space] if space >= limit // 2 else head).rstrip() + "…"
