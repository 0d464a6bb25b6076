"""Which files count as the project's own source: the exclusion list and its matcher.

The default list is data (``rules/git-exclude.toml``), documented there, so a reviewer
can read and change it without touching code. Patterns compile into one regular
expression per kind, so matching tens of thousands of paths stays cheap.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.datafiles import rules_root
from auditor.errors import InputError

DEFAULT_RULES_NAME = "git-exclude.toml"


def default_rules_path() -> Path:
    """The shipped list: inside the package when installed, else the source tree's."""
    return rules_root() / DEFAULT_RULES_NAME


def load_default_patterns(path: Path | None = None) -> tuple[str, ...]:
    """Every pattern of the default list, in file order."""
    source = path if path is not None else default_rules_path()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"cannot read the default exclusion list {source}: {exc}",
            hint="Reinstall auditor, or pass --no-default-excludes with your own --exclude.",
        ) from exc
    groups = data.get("exclude", {})
    if not isinstance(groups, dict):
        raise InputError(f"{source}: [exclude] must be a table of pattern lists")
    patterns: list[str] = []
    for kind, values in groups.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InputError(f"{source}: exclude.{kind} must be a list of strings")
        patterns.extend(values)
    return tuple(patterns)


def _translate(glob: str) -> str:
    """A glob over whole paths or single components as a regular-expression fragment."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class ExcludeMatcher:
    """Decides, path by path, whether a file is left out of the analysis."""

    patterns: tuple[str, ...]
    _component: re.Pattern[str] | None
    _anchored: re.Pattern[str] | None

    @classmethod
    def build(cls, patterns: Iterable[str]) -> ExcludeMatcher:
        kept = tuple(dict.fromkeys(p.strip() for p in patterns if p.strip()))
        component = [_translate(p.rstrip("/")) for p in kept if "/" not in p.rstrip("/")]
        anchored = [_translate(p.strip("/")) for p in kept if "/" in p.rstrip("/")]
        return cls(
            kept,
            re.compile("|".join(f"(?:{c})" for c in component)) if component else None,
            re.compile("|".join(f"(?:{a})" for a in anchored)) if anchored else None,
        )

    def excluded(self, path: str) -> bool:
        if self._component is not None:
            for part in path.split("/"):
                if self._component.fullmatch(part):
                    return True
        if self._anchored is not None:
            # A pattern naming a folder excludes what lies beneath it too.
            prefix = ""
            for part in path.split("/"):
                prefix = f"{prefix}/{part}" if prefix else part
                if self._anchored.fullmatch(prefix):
                    return True
        return False

    def keep(self, paths: Sequence[str]) -> list[str]:
        return [p for p in paths if not self.excluded(p)]


def make_matcher(extra: Sequence[str] = (), *, use_defaults: bool = True) -> ExcludeMatcher:
    """The matcher for one run: the default list (unless dropped) plus ``extra``."""
    defaults = load_default_patterns() if use_defaults else ()
    return ExcludeMatcher.build((*defaults, *extra))
