"""Which files count as the project's own source: the exclusion list and its matcher.

These rules come on top of GitHub Linguist's classification (``linguist``): the default
list (``rules/git-exclude.toml``) holds the study's manual rules (examples and docs
folders, top-level build output and benchmarks), and ``--exclude`` adds the user's own.
Both are data, so a reviewer can read and change them without touching code. Patterns
compile into one regular expression per kind, so matching tens of thousands of paths
stays cheap; the rule that matched is found only for the files it left out.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.datafiles import rules_root
from auditor.errors import InputError

DEFAULT_RULES_NAME = "git-exclude.toml"


def default_rules_path() -> Path:
    """The shipped list: inside the package when installed, else the source tree's."""
    return rules_root() / DEFAULT_RULES_NAME


def _read(source: Path, hint: str) -> dict[str, Any]:
    """The exclusion list as a TOML document; a file that cannot be read is an input error."""
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"cannot read the default exclusion list {source}: {exc}", hint=hint
        ) from exc


def load_default_groups(path: Path | None = None) -> tuple[tuple[str, str], ...]:
    """Every ``(group, pattern)`` of the default list, in file order."""
    source = path if path is not None else default_rules_path()
    data = _read(
        source, "Reinstall auditor, or pass --no-default-excludes with your own --exclude."
    )
    groups = data.get("exclude", {})
    if not isinstance(groups, dict):
        raise InputError(f"{source}: [exclude] must be a table of pattern lists")
    patterns: list[tuple[str, str]] = []
    for kind, values in groups.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InputError(f"{source}: exclude.{kind} must be a list of strings")
        patterns.extend((str(kind), v) for v in values)
    return tuple(patterns)


_TYPES = frozenset({"programming", "markup", "data", "prose"})


def load_language_types(path: Path | None = None) -> dict[str, str]:
    """The ``[linguist_types]`` table: language name -> the type the study's Linguist gave."""
    source = path if path is not None else default_rules_path()
    data = _read(source, "Reinstall auditor, or fix the file's TOML syntax.")
    table = data.get("linguist_types", {})
    if not isinstance(table, dict):
        raise InputError(f"{source}: [linguist_types] must be a table of language = type")
    types: dict[str, str] = {}
    for language, kind in table.items():
        if kind not in _TYPES:
            raise InputError(
                f"{source}: linguist_types.{language} = {kind!r} is not a language type",
                hint=f"Use one of {', '.join(sorted(_TYPES))}.",
            )
        types[str(language)] = str(kind)
    return types


def load_default_patterns(path: Path | None = None) -> tuple[str, ...]:
    """Every pattern of the default list, in file order."""
    return tuple(pattern for _, pattern in load_default_groups(path))


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


USER_GROUP = "--exclude"


def _compile(patterns: Sequence[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    component = [_translate(p.rstrip("/")) for p in patterns if "/" not in p.rstrip("/")]
    anchored = [_translate(p.strip("/")) for p in patterns if "/" in p.rstrip("/")]
    return (
        re.compile("|".join(f"(?:{c})" for c in component)) if component else None,
        re.compile("|".join(f"(?:{a})" for a in anchored)) if anchored else None,
    )


def _matches(
    path: str, component: re.Pattern[str] | None, anchored: re.Pattern[str] | None
) -> bool:
    if component is not None:
        for part in path.split("/"):
            if component.fullmatch(part):
                return True
    if anchored is not None:
        # A pattern naming a folder excludes what lies beneath it too.
        prefix = ""
        for part in path.split("/"):
            prefix = f"{prefix}/{part}" if prefix else part
            if anchored.fullmatch(prefix):
                return True
    return False


@dataclass(frozen=True)
class ExcludeMatcher:
    """Decides, path by path, whether a file is left out, and by which rule.

    ``groups`` pairs each pattern with the group it came from (a table of
    ``rules/git-exclude.toml``, or ``--exclude`` for the user's own), so a report can
    say which rule left a file out.
    """

    patterns: tuple[str, ...]
    groups: tuple[tuple[str, str], ...]
    _component: re.Pattern[str] | None
    _anchored: re.Pattern[str] | None
    _each: tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None], ...] = ()

    @classmethod
    def build(
        cls, patterns: Iterable[str] = (), *, grouped: Iterable[tuple[str, str]] = ()
    ) -> ExcludeMatcher:
        pairs: dict[str, str] = {}
        for group, pattern in (*grouped, *((USER_GROUP, p) for p in patterns)):
            if pattern.strip():
                pairs.setdefault(pattern.strip(), group)
        kept = tuple(pairs)
        component, anchored = _compile(kept)
        each = tuple((f"{g}: {p}", *_compile((p,))) for p, g in pairs.items())
        return cls(kept, tuple((g, p) for p, g in pairs.items()), component, anchored, each)

    def excluded(self, path: str) -> bool:
        return _matches(path, self._component, self._anchored)

    def reason(self, path: str) -> str | None:
        """``"group: pattern"`` for the first pattern that leaves ``path`` out, else None."""
        if not self.excluded(path):
            return None
        for label, component, anchored in self._each:
            if _matches(path, component, anchored):
                return label
        return None  # pragma: no cover - the combined expression matched one of them

    def keep(self, paths: Sequence[str]) -> list[str]:
        return [p for p in paths if not self.excluded(p)]


def make_matcher(extra: Sequence[str] = (), *, use_defaults: bool = True) -> ExcludeMatcher:
    """The matcher for one run: the default list (unless dropped) plus ``extra``."""
    defaults = load_default_groups() if use_defaults else ()
    return ExcludeMatcher.build(extra, grouped=defaults)
