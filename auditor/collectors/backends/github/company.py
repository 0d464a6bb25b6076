"""Normalise the free-text ``company`` field of GitHub profiles into an organisation key.

People write "@huggingface", "Hugging Face, Inc." or "NVIDIA Corp"; counting how many
top contributors share an employer needs one spelling. The result is a grouping key,
not a display name.
"""

from __future__ import annotations

import re

_LEGAL_SUFFIXES = frozenset(
    {
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "gmbh",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "ag",
        "sa",
        "sas",
        "bv",
        "pty",
        "srl",
        "oy",
        "ab",
        "kk",
    }
)
_SEPARATORS = re.compile(r"\s*(?:,|;|\||/|\band\b|&|\s@)\s*")


def normalise_company(company: str | None) -> str | None:
    """``"@Google Inc."`` → ``"google"``; None for empty or placeholder values.

    Only the first organisation is kept when several are listed ("@a, @b").
    """
    if not company:
        return None
    text = company.strip()
    # Keep the first organisation; a legal suffix after a comma stays with its name.
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    if not parts:
        return None
    first = parts[0]
    words = re.sub(r"[^\w\s-]", " ", first.lower().lstrip("@")).split()
    while words and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    key = " ".join(words).strip(" -_")
    if key in {"", "none", "n a", "na", "self", "freelance", "freelancer", "independent"}:
        return None
    return key
