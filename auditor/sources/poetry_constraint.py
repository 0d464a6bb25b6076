"""Poetry's version constraints (``^``, ``~``, ``||``, bare versions) as PEP 440.

Everything downstream speaks PEP 440, so Poetry's dialect is translated once, here.
PEP 440 has no "or": a ``||`` union becomes the smallest range covering every
alternative, and the caller is told (a wider range only ever adds candidates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

_OP_SPACE = re.compile(r"(===|>=|<=|!=|==|~=|\^|~|>|<|=)\s+")
_OPERATOR = re.compile(r"^(===|>=|<=|!=|==|~=|>|<)")


class ConstraintError(ValueError):
    """A constraint Poetry's own parser would reject too."""


@dataclass(frozen=True, kw_only=True)
class Translated:
    """The PEP 440 specifier and, when it is an approximation, why."""

    specifier: str
    approximation: str | None = None


def _release(text: str) -> list[int]:
    try:
        return list(Version(text).release)[: len(text.split("."))] or [0]
    except InvalidVersion as exc:
        raise ConstraintError(f"{text!r} is not a version") from exc


def _bump(parts: list[int], index: int) -> str:
    head = [*parts[:index], parts[index] + 1]
    return ".".join(str(p) for p in head)


def _caret(version: str) -> list[str]:
    parts = _release(version)
    index = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
    return [f">={version}", f"<{_bump(parts, index)}"]


def _tilde(version: str) -> list[str]:
    parts = _release(version)
    return [f">={version}", f"<{_bump(parts, 1 if len(parts) > 1 else 0)}"]


def _one(part: str) -> list[str]:
    if part in {"", "*"}:
        return []
    if part.startswith("^"):
        return _caret(part[1:])
    if part.startswith("~") and not part.startswith("~="):
        return _tilde(part[1:])
    if _OPERATOR.match(part):
        spec = part
    elif part.startswith("="):
        spec = "=" + part
    else:
        spec = "==" + part
    try:
        Specifier(spec)
    except InvalidSpecifier as exc:
        raise ConstraintError(f"{part!r} is not a version constraint") from exc
    return [spec]


def _alternative(text: str) -> list[str]:
    compact = _OP_SPACE.sub(r"\1", text.strip())
    specs: list[str] = []
    for part in re.split(r"[,\s]+", compact):
        specs.extend(_one(part))
    return specs


def _bounds(specs: list[str]) -> tuple[tuple[Version, str] | None, tuple[Version, str] | None]:
    """Lowest lower and highest upper bound one alternative allows (None: unbounded)."""
    lower: tuple[Version, str] | None = None
    upper: tuple[Version, str] | None = None
    for spec in specs:
        op = _OPERATOR.match(spec)
        operator = op.group(1) if op else "=="
        raw = spec[len(operator) :]
        if raw.endswith(".*"):
            parts = _release(raw[:-2])
            lows = [(Version(raw[:-2]), ">=")]
            highs = [(Version(_bump(parts, len(parts) - 1)), "<")] if operator == "==" else []
            lows = lows if operator == "==" else []
        else:
            version = Version(raw)
            lows = (
                [(version, ">=" if operator != ">" else ">")]
                if operator in {">=", ">", "==", "===", "~="}
                else []
            )
            highs = (
                [(version, "<=" if operator in {"==", "===", "<="} else "<")]
                if operator in {"<", "<=", "==", "==="}
                else []
            )
            if operator == "~=":
                parts = _release(raw)
                highs = [(Version(_bump(parts, max(len(parts) - 2, 0))), "<")]
        for low in lows:
            lower = low if lower is None or low[0] > lower[0] else lower
        for high in highs:
            upper = high if upper is None or high[0] < upper[0] else upper
    return lower, upper


def _hull(alternatives: list[list[str]]) -> str:
    lows: list[tuple[Version, str]] = []
    highs: list[tuple[Version, str]] = []
    unbounded_low = unbounded_high = False
    for specs in alternatives:
        low, high = _bounds(specs)
        if low is None:
            unbounded_low = True
        else:
            lows.append(low)
        if high is None:
            unbounded_high = True
        else:
            highs.append(high)
    result: list[str] = []
    if not unbounded_low and lows:
        version, op = min(lows, key=lambda b: (b[0], b[1] == ">"))
        result.append(f"{op}{version}")
    if not unbounded_high and highs:
        version, op = max(highs, key=lambda b: (b[0], b[1] == "<="))
        result.append(f"{op}{version}")
    return ",".join(result)


def translate(constraint: str) -> Translated:
    """Translate one Poetry constraint string into a PEP 440 specifier string."""
    alternatives = [_alternative(alt) for alt in constraint.split("||")]
    if len(alternatives) == 1:
        return Translated(specifier=str(SpecifierSet(",".join(alternatives[0]))))
    hull = str(SpecifierSet(_hull(alternatives)))
    return Translated(
        specifier=hull,
        approximation=f"{constraint!r} has alternatives (||); audited as the covering range "
        f"{hull or 'any version'!r}",
    )


def python_marker(constraint: str) -> str | None:
    """Poetry's ``python = "..."`` restriction as an environment marker."""
    clauses: list[str] = []
    for alt in constraint.split("||"):
        specs = _alternative(alt)
        parts: list[str] = []
        for spec in specs:
            op = _OPERATOR.match(spec)
            operator = op.group(1) if op else "=="
            version = spec[len(operator) :]
            dots = version.removesuffix(".*").count(".")
            field = "python_full_version" if dots >= 2 else "python_version"
            parts.append(f'{field} {operator} "{version}"')
        if not parts:
            return None
        clauses.append(" and ".join(parts))
    if len(clauses) == 1:
        return clauses[0]
    return " or ".join(f"({c})" if " and " in c else c for c in clauses)
