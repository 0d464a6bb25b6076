"""Making package-supplied text safe for a terminal.

Names, versions, summaries and reasons come from the index, GitHub or a model, so they
can carry escape sequences that move the cursor, rewrite earlier lines or change the
window title. Kept apart from the reporters so every output path (even the fast
``graph`` command) can use it without loading the scoring stack.
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


def clean(text: str) -> str:
    """``text`` without escape sequences, control characters or bidi overrides."""
    return _CONTROL.sub("", _ESCAPES.sub("", text))
