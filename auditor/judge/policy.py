"""Policy: what the user accepts, what they had before, and the CI gate's exit code.

Exit codes (the CLI returns ``GateResult.exit_code`` unchanged)::

    0  nothing at or above --fail-on (or only risk already in the --baseline)
    1  a package's risk level is at or above --fail-on (new or worse than the baseline)
    2  usage or input error (bad flags, rule files, policy files)        -- from errors
    3  the result is untrustworthy: a data source failed (the index unreachable, or its
       project JSON failing for a package, whose risk then cannot be judged), or --strict
       and a package that
       matters (direct, serving path, or reach >= 2) has rules at or above --fail-on
       whose outcome is unknown

When both 1 and 3 apply, 1 wins: the stack is known to be risky, whatever else is
unknown; the reasons list both. Acceptances (``[[tool.auditor.accept]]`` in
pyproject.toml or ``[[accept]]`` / ``[[tool.auditor.accept]]`` in .auditor.toml) hide a
finding until their ``expires`` date; an expired one stops hiding it and says so, so an
acceptance is a decision with a review date, never a permanent mute.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from auditor.configfile import CONFIG_FILES, find_config, read_config
from auditor.errors import InputError
from auditor.judge.scoring import (
    LEVELS,
    AcceptanceNote,
    Finding,
    Level,
    PackageScore,
    ScoringConfig,
    default_config,
    level_rank,
    rescore,
)
from auditor.judge.taxonomy import normalise

EXIT_OK = 0
EXIT_RISK = 1
EXIT_USAGE = 2
EXIT_UNTRUSTWORTHY = 3
FAIL_ON_CHOICES: tuple[Level, ...] = ("low", "medium", "high", "critical")
POLICY_FILES = CONFIG_FILES
ACCEPT_FIELDS = ("package", "rule", "reason", "expires")


# ---------------------------------------------------------------- acceptances


@dataclass(frozen=True, kw_only=True)
class Acceptance:
    """The user accepts a package's finding(s) for a reason, until a date."""

    package: str
    rule: str | None
    reason: str
    expires: date
    origin: str

    def matches(self, package: str, rule_id: str) -> bool:
        return normalise(self.package) == normalise(package) and self.rule in (None, rule_id)

    def label(self) -> str:
        return f"{self.package}" + (f" / {self.rule}" if self.rule else " (all rules)")


def parse_acceptances(
    entries: Sequence[object], origin: str, lines: Sequence[int | None] = ()
) -> tuple[Acceptance, ...]:
    """The ``[[accept]]`` entries of a configuration file; every problem at once as
    InputError, each with its file and line when known."""
    problems: list[str] = []
    out: list[Acceptance] = []
    for i, entry in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        where = f"{origin}:{line}: accept[{i}]" if line is not None else f"{origin}: accept[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        package, rule, reason = entry.get("package"), entry.get("rule"), entry.get("reason")
        expires = entry.get("expires")
        if not isinstance(package, str) or not package:
            problems.append(f"{where}.package: missing; the package name to accept")
        if rule is not None and not isinstance(rule, str):
            problems.append(f"{where}.rule: must be a rule id (see `auditor rules list`)")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{where}.reason: missing; say why the risk is acceptable")
        if isinstance(expires, datetime):
            expires = expires.date()
        if not isinstance(expires, date):
            problems.append(
                f"{where}.expires: missing or not a date; write an unquoted date such as "
                "expires = 2026-12-31"
            )
        for extra in sorted(set(entry) - set(ACCEPT_FIELDS)):
            import difflib  # only for a misspelt name

            close = difflib.get_close_matches(extra, ACCEPT_FIELDS, n=1, cutoff=0.6)
            problems.append(
                f"{where}: unknown field {extra!r}"
                + (f"; did you mean {close[0]!r}?" if close else "")
            )
        if (
            isinstance(package, str)
            and package
            and isinstance(reason, str)
            and reason.strip()
            and isinstance(expires, date)
            and (rule is None or isinstance(rule, str))
        ):
            out.append(
                Acceptance(
                    package=normalise(package),
                    rule=rule,
                    reason=reason.strip(),
                    expires=expires,
                    origin=f"{origin} accept[{i}]",
                )
            )
    if problems:
        raise InputError(
            "the acceptances have problems:\n  " + "\n  ".join(problems),
            hint="Each [[tool.auditor.accept]] needs package, reason and expires; rule is "
            "optional.",
        )
    return tuple(out)


def load_acceptances(path: Path) -> tuple[Acceptance, ...]:
    """Acceptances from a pyproject.toml or .auditor.toml, read by ``auditor.configfile``
    (the one reader of those files: invalid TOML or a misspelt table is an error)."""
    config = read_config(path)
    return parse_acceptances(config.accept, str(path), config.accept_lines)


def find_policy_file(directory: Path) -> Path | None:
    """The configuration file for ``directory``: ``.auditor.toml``, else a pyproject.toml
    with ``[tool.auditor]``, searched up to the repository root (``configfile.find_config``)."""
    return find_config(directory)


@dataclass(frozen=True, kw_only=True)
class AcceptanceResult:
    scores: tuple[PackageScore, ...]
    notes: tuple[str, ...]


def _pick(
    finding: Finding, package: str, acceptances: Sequence[Acceptance], today: date
) -> Acceptance | None:
    matching = [a for a in acceptances if a.matches(package, finding.rule_id)]
    live = [a for a in matching if a.expires >= today]
    pool = live or matching
    pool.sort(key=lambda a: a.rule is None)  # a rule-specific acceptance first
    return pool[0] if pool else None


def apply_acceptances(
    scores: Sequence[PackageScore],
    acceptances: Sequence[Acceptance],
    today: date,
    config: ScoringConfig | None = None,
) -> AcceptanceResult:
    """Mark accepted findings and rescore. ``today`` is passed in so this stays pure."""
    cfg = default_config() if config is None else config
    used: set[Acceptance] = set()
    notes: list[str] = []
    out: list[PackageScore] = []
    for score in scores:
        findings: list[Finding] = []
        for f in score.findings:
            chosen = _pick(f, score.name, acceptances, today) if f.outcome != "pass" else None
            if chosen is None:
                findings.append(f)
                continue
            used.add(chosen)
            expired = chosen.expires < today
            note = AcceptanceNote(
                reason=chosen.reason, expires=chosen.expires, expired=expired, origin=chosen.origin
            )
            findings.append(replace(f, acceptance=note))
            if expired:
                notes.append(f"{score.name} / {f.rule_id}: {note.describe()}")
        out.append(rescore(score, findings, cfg))
    for a in acceptances:
        if a not in used:
            notes.append(
                f"acceptance {a.label()} ({a.origin}) matches no finding; remove it if the "
                "risk is gone"
            )
    return AcceptanceResult(scores=tuple(out), notes=tuple(notes))


# ---------------------------------------------------------------- baseline


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """Per-package levels of a previous JSON report."""

    levels: Mapping[str, Level]
    origin: str


def parse_baseline(data: object, origin: str) -> Baseline:
    hint = 'Pass a JSON report written by `audit --format json` ({"packages": [...]}).'
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, list):
        raise InputError(f"{origin}: not an auditor JSON report (no packages list)", hint=hint)
    levels: dict[str, Level] = {}
    for i, item in enumerate(packages):
        name = item.get("name") if isinstance(item, dict) else None
        risk = item.get("risk") if isinstance(item, dict) else None
        level = risk.get("level") if isinstance(risk, dict) else None
        if not isinstance(name, str) or level not in LEVELS:
            raise InputError(
                f"{origin}: packages[{i}] lacks a name or a risk.level "
                f"(one of {', '.join(LEVELS)})",
                hint=hint,
            )
        levels[normalise(name)] = level
    return Baseline(levels=levels, origin=origin)


def load_baseline(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}:{exc.lineno}: baseline is not JSON: {exc.msg}",
            hint="Pass a report written by `audit --format json`.",
        ) from exc
    return parse_baseline(data, str(path))


Status = Literal["new", "worse", "same", "better"]


@dataclass(frozen=True, kw_only=True)
class Change:
    name: str
    previous: Level | None
    current: Level
    status: Status


def compare_baseline(scores: Sequence[PackageScore], baseline: Baseline) -> tuple[Change, ...]:
    """How each package's level moved since the baseline."""
    out: list[Change] = []
    for s in scores:
        prev = baseline.levels.get(normalise(s.name))
        status: Status
        if prev is None:
            status = "new"
        elif level_rank(s.level) > level_rank(prev):
            status = "worse"
        elif level_rank(s.level) < level_rank(prev):
            status = "better"
        else:
            status = "same"
        out.append(Change(name=s.name, previous=prev, current=s.level, status=status))
    return tuple(out)


# ---------------------------------------------------------------- the gate


@dataclass(frozen=True, kw_only=True)
class GateFailure:
    name: str
    kind: Literal["risk", "unknown"]
    level: Level
    reason: str


@dataclass(frozen=True, kw_only=True)
class GateResult:
    exit_code: int
    failing: tuple[GateFailure, ...]
    reasons: tuple[str, ...]


def check_fail_on(fail_on: str) -> Level:
    if fail_on not in FAIL_ON_CHOICES:
        raise InputError(
            f"--fail-on {fail_on!r} is not a level",
            hint=f"Use one of {', '.join(FAIL_ON_CHOICES)}.",
        )
    return fail_on


def gate(
    scores: Sequence[PackageScore],
    fail_on: str = "high",
    strict: bool = False,
    baseline: Baseline | None = None,
    faults: Mapping[str, str] | None = None,
) -> GateResult:
    """Decide the exit code (see the module docstring) and say why, package by package.

    ``faults`` (package -> the source that failed for it this run) fail the gate with 3
    even without --strict: a package nothing could be learnt about is not a pass."""
    threshold = level_rank(check_fail_on(fail_on))
    changes = (
        {c.name: c for c in compare_baseline(scores, baseline)} if baseline is not None else {}
    )
    failing: list[GateFailure] = []
    for s in scores:
        if level_rank(s.level) < threshold:
            continue
        change = changes.get(s.name)
        if change is not None and change.status in ("same", "better"):
            continue
        rules = ", ".join(f.rule_id for f in s.findings if f.counts and f.kind == "person")
        why = f"{s.name}: {s.level} risk ({s.risk}/100: {rules or 'combined factors'})"
        if change is not None:
            why += (
                " -- new since the baseline"
                if change.status == "new"
                else f" -- worse than the baseline's {change.previous}"
            )
        failing.append(GateFailure(name=s.name, kind="risk", level=s.level, reason=why))
    if strict:
        for s in scores:
            if not s.context.matters:
                continue
            unknown = [
                f
                for f in s.findings
                if f.outcome == "unknown"
                and level_rank(f.severity) >= threshold
                and (f.acceptance is None or f.acceptance.expired)
            ]
            if unknown:
                sigs = sorted({e.signal for f in unknown for e in f.evidence if e.result is None})
                failing.append(
                    GateFailure(
                        name=s.name,
                        kind="unknown",
                        level=s.level,
                        reason=f"{s.name}: {len(unknown)} rule(s) at or above {fail_on} "
                        f"undecided ({', '.join(f.rule_id for f in unknown)}); unknown "
                        f"signals: {', '.join(sigs)}",
                    )
                )
    flagged = {f.name for f in failing}
    for s in scores:
        fault = (faults or {}).get(s.name)
        if fault is not None and s.name not in flagged:
            failing.append(
                GateFailure(
                    name=s.name,
                    kind="unknown",
                    level=s.level,
                    reason=f"{s.name}: risk unknown: {fault}",
                )
            )
    risky = [f for f in failing if f.kind == "risk"]
    reasons = [f.reason for f in failing]
    if risky:
        reasons.append(
            f"{len(risky)} package(s) at or above {fail_on}: see `auditor explain PKG`, "
            "reduce the risk, or accept it with a reason and an expiry in [tool.auditor]"
        )
        code = EXIT_RISK
    elif any(f.name in (faults or {}) for f in failing):
        reasons.append(
            "a data source failed, so the result is untrustworthy: rerun when the index "
            "answers (failures are never cached; with --offline, run once online first)"
        )
        code = EXIT_UNTRUSTWORTHY
    elif failing:
        reasons.append(
            "--strict: the result is untrustworthy; provide the missing data (for example "
            "set GITHUB_TOKEN) or run without --strict"
        )
        code = EXIT_UNTRUSTWORTHY
    else:
        code = EXIT_OK
    return GateResult(exit_code=code, failing=tuple(failing), reasons=tuple(reasons))
