"""Making outside text safe for a terminal, Markdown, a spreadsheet.

Names, versions, summaries and reasons come from the index, GitHub, git history or a
model, so they can carry escape sequences that move the cursor, rewrite earlier lines or
change the window title (``clean``); Markdown syntax that renders images, scripts or
pings a stranger (``markdown``, ``markdown_url``); or a spreadsheet formula (``csv_cell``).
Kept apart from the reporters so every output path (even the fast ``graph`` command, the
sponsor plan and bus-factor) can use it without loading the scoring stack.
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                 # CSI
    | \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC, ended by BEL or ST (or cut off)
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?       # DCS, SOS, PM, APC
    | \x1b[ -/]*[0-~]?                      # other escapes (and a lone ESC)
    | \x9b[0-?]*[ -/]*[@-~]                 # 8-bit CSI
    | [\x90\x98\x9d\x9e\x9f][^\x07\x9c]*[\x07\x9c]?   # 8-bit DCS/SOS/OSC/PM/APC strings
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]",
)


_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#|~&\"'@$]|:(?=//)")
_URL_UNSAFE = re.compile(r"[\s()<>\[\]\"'`\\|]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str) -> str:
    """``text`` without escape sequences, control characters or bidi overrides."""
    return _CONTROL.sub("", _ESCAPES.sub("", text))


def markdown(text: object) -> str:
    """Untrusted text as inert Markdown: one line, syntax characters as references.

    ``[`` and ``]`` are enough to stop links and images, ``<``/``>``/``&`` stop HTML, ``|``
    keeps table cells whole, ``@`` and ``#`` stop mentions and issue links, and ``://``
    and ``www.`` lose the characters autolinking looks for."""
    raw = str(text)
    flat = " ".join(clean(raw.replace("\n", " ").replace("\t", " ")).split())
    flat = _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group()[0])};", flat)
    # Extended autolinks start at "www."; break the dot so no link is made.
    return re.sub(r"(?i)\bwww\.", lambda m: m.group()[:3] + "&#46;", flat)


def markdown_url(url: str) -> str | None:
    """An http(s) URL safe inside a Markdown link's parentheses, or None for anything else
    (``javascript:``, ``data:``, relative paths): characters that could end the link or
    start markup are percent-encoded."""
    text = clean(url).strip()
    if not text.lower().startswith(("https://", "http://")):
        return None
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", text)


def csv_cell(value: object) -> str:
    """A spreadsheet cell that stays text: one clean line, and a leading apostrophe when
    it would start a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return: OWASP's
    list). Only outside text goes through here; the tool's own numbers are written as is."""
    raw = str(value)
    text = clean(raw.replace("\r", " ").replace("\n", " "))
    if raw.startswith(_FORMULA_START) or text.startswith(_FORMULA_START):
        return "'" + text
    return text
