"""Remember what the notice matcher said about a description, in the cache.

Why: the matcher (``notices.find_notice``) cleans and reads every description in full,
about a third of a warm audit of 239 packages, and the answer only changes when the
description or the matcher changes. So the answer is kept per project beside the cached
project JSON, under a digest of everything it depends on: the matcher's own source (its
patterns and rules), the project name, the summary and the description. A different
digest is a miss: the matcher runs again and the row is overwritten, so a changed
description or a new version of the rules can never be answered from an old row.

The value is the answer, not a score: rules, dates and scoring still run every time.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from auditor.cache import Cache
from auditor.collectors import notices
from auditor.collectors.notices import Notice

NAMESPACE = "notice"
TTL = 30 * 86400.0  # a row is overwritten whenever the description changes; this bounds the rest


@cache
def rules_fingerprint() -> str | None:
    """A digest of the matcher's source, or None when it cannot be read (then nothing
    is cached: an answer that cannot be tied to its rules is not kept)."""
    try:
        source = Path(notices.__file__).read_bytes()
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source).hexdigest()


def digest(name: str, summary: str | None, description: str | None, rules: str) -> str:
    """What the answer depends on, as one digest (None and "" kept apart)."""
    h = hashlib.sha256()
    for part in (rules, name, summary, description):
        if part is None:
            h.update(b"\x00N")
        else:
            data = part.encode("utf-8", "surrogatepass")
            h.update(b"\x00S" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def _valid(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("d"), str):
        return False
    found = value.get("n")
    if found is None:
        return True
    return (
        isinstance(found, dict)
        and isinstance(found.get("kind"), str)
        and isinstance(found.get("quote"), str)
        and (found.get("successor") is None or isinstance(found.get("successor"), str))
    )


def find_notice_cached(
    cache: Cache, name: str, summary: str | None, description: str | None
) -> Notice | None:
    """``notices.find_notice``, answered from the cache when nothing it reads changed."""
    rules = rules_fingerprint()
    if rules is None or not cache.enabled:
        return notices.find_notice(name, summary, description)
    key = digest(name, summary, description, rules)
    row = cache.get(NAMESPACE, name, valid=_valid)
    if row is not None and row["d"] == key:
        found = row["n"]
        if found is None:
            return None
        return Notice(kind=found["kind"], quote=found["quote"], successor=found["successor"])
    notice = notices.find_notice(name, summary, description)
    value = None
    if notice is not None:
        value = {"kind": notice.kind, "quote": notice.quote, "successor": notice.successor}
    cache.put(NAMESPACE, name, {"d": key, "n": value}, ttl=TTL)
    return notice
