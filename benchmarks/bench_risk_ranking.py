"""Measure how well auditor ranks real AI packages by risk, against labels made outside it.

Usage::

    python benchmarks/bench_risk_ranking.py [--mode index-only|git|both]
        [--labels benchmarks/labelled/packages.toml] [--raw-dir benchmarks/results/risk_ranking]
        [--clones DIR] [--fail-on high] [--rerun] [--one-by-one] [--only NAME ...]

Ground truth: ``benchmarks/labelled/packages.toml`` (issue 13), each package labelled
``abandoned``, ``at-risk``, ``healthy`` or ``mature`` from a cited fact outside the tool.
Positives are abandoned + at-risk, negatives healthy + mature.

The tool is run as a user runs it: one ``auditor audit reqs.txt --no-deps --format json``
over a requirements file listing every labelled package, against the live package index
(the tool finds the index itself, as it always does), in a clean environment:

- **index-only**: GitHub unreachable (``--github-api-url`` points at a closed loopback
  port, ``GITHUB_TOKEN``/``GH_TOKEN``/``GITHUB_API_URL`` removed), no ``--git``;
- **git**: the same, plus ``--git``, with each repository's history taken from a local
  clone under ``--clones DIR`` (``DIR/OWNER+NAME/repo``, ``DIR/OWNER+NAME``,
  ``DIR/OWNER/NAME`` or ``DIR/OWNER/NAME.git``), copied into the tool's clone cache where
  the tool looks for it (``<cache>/git/<host>/<owner>/<name>.git``); the tool's own
  ``git fetch`` then reads the local copy. Nothing is cloned from the network.

It prints ROC AUC of the numeric score (Mann-Whitney, ties count one half), the gate's
catches among abandoned / at-risk packages and false alarms among healthy / mature ones,
how many packages got a decided state (abandoned / mature / active), and a per-package
table with each package's label, level, score, state and top reasons.

Raw reports are cached under ``--raw-dir``: a rerun reuses a report while the labelled
names, the mode and the tool's code and rules are unchanged (``--rerun`` forces a fresh
audit). The tool's own cache lives there too, so a fresh audit is fast as well.

Run it from the repository root with the project's interpreter: the auditor measured is
the one ``--python`` imports from the current directory (``python -m auditor``), and the
first line printed names it. Reports and the tool's cache go under ``--raw-dir``
(default ``benchmarks/results/risk_ranking`` under the current directory).

The report is read defensively: a missing field shows as ``?`` rather than failing, so
the script keeps working while the JSON shape evolves.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LABELS = ROOT / "benchmarks" / "labelled" / "packages.toml"
DEFAULT_RAW_DIR = Path("benchmarks") / "results" / "risk_ranking"  # under the cwd

LABELS = ("abandoned", "at-risk", "healthy", "mature")
POSITIVE = frozenset({"abandoned", "at-risk"})
NEGATIVE = frozenset({"healthy", "mature"})
DECIDED_STATES = frozenset({"abandoned", "mature", "active"})
LEVEL_ORDER = ("none", "low", "medium", "high", "critical")
REQUIRED_FIELDS = ("name", "label", "evidence", "source", "checked")
# Host names of the package index and its file host, split so this file never spells
# them: a label file must not cite the index by URL (cite "index project summary").
_FORBIDDEN_HOSTS = ("py" + "pi.org", "python" + "hosted.org", "py" + "pi.python.org")
_GITHUB_ENV = ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL")


def clone_roots(cache_dir: Path) -> tuple[Path, ...]:
    """Where the tool may look for its clones under its cache dir, current layout first."""
    return (cache_dir / "git" / "git", cache_dir / "git")


class LabelFileError(ValueError):
    """The label file is malformed; ``problems`` lists every problem found, not the first."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__(f"{path}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Labelled:
    """One labelled package, as the label file states it."""

    name: str
    label: str
    evidence: str
    source: str
    checked: date
    repository: str | None = None

    @property
    def positive(self) -> bool:
        return self.label in POSITIVE


@dataclass(frozen=True)
class Outcome:
    """What the tool said about one package; ``None`` where the report had no such field."""

    name: str
    level: str | None
    score: float | None
    state: str | None
    reasons: tuple[str, ...]
    repository: str | None
    gate_fails: bool
    git_known: bool | None = None  # None: the report has no git-history signals at all
    hits: int = 0  # rule findings with outcome "hit"
    hits_with_evidence: int = 0  # ... that quote at least one signal that decided them


@dataclass(frozen=True)
class Metrics:
    """The figures the benchmark reports for one mode."""

    auc: float | None
    # The same with every package the report gave no score ranked least risky: what the
    # ranking is worth if "no score" were read as "no risk". Equal to ``auc`` when all
    # packages have a score.
    auc_unscored_low: float | None
    unscored: tuple[str, ...]
    positives: int
    negatives: int
    abandoned_caught: int
    abandoned_total: int
    at_risk_caught: int
    at_risk_total: int
    false_alarms: int
    healthy_total: int
    state_decided: int
    audited: int
    git_known: int | None
    hits: int
    hits_with_evidence: int
    missing: tuple[str, ...]
    levels_by_label: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def normalise(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


# ----------------------------------------------------------------------------- labels


def load_labels(path: Path) -> list[Labelled]:
    """Read and validate the label file; raise ``LabelFileError`` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabelFileError(path, [f"cannot read: {exc}"]) from exc
    problems: list[str] = []
    lowered = text.lower()
    for host in _FORBIDDEN_HOSTS:
        if host in lowered:
            problems.append(f"names the package index host {host!r}; cite the index as text")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabelFileError(path, [*problems, f"not valid TOML: {exc}"]) from exc
    entries = data.get("package")
    if not isinstance(entries, list) or not entries:
        raise LabelFileError(path, [*problems, "no [[package]] tables"])
    out: list[Labelled] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries, start=1):
        where = f"package #{i}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: not a table")
            continue
        name = entry.get("name")
        if isinstance(name, str) and name.strip():
            where = f"package #{i} ({name})"
        missing = [f for f in REQUIRED_FIELDS if f not in entry]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        bad = [
            f
            for f in ("name", "label", "evidence", "source")
            if not isinstance(entry[f], str) or not entry[f].strip()
        ]
        if bad:
            problems.append(f"{where}: empty or non-text {', '.join(bad)}")
            continue
        if entry["label"] not in LABELS:
            problems.append(f"{where}: label {entry['label']!r} is not one of {', '.join(LABELS)}")
            continue
        if not entry["source"].startswith(("https://", "http://", "index project ")):
            problems.append(f"{where}: source must be a URL or 'index project summary/description'")
            continue
        checked = entry["checked"]
        if not isinstance(checked, date) or isinstance(checked, datetime):
            problems.append(f"{where}: checked must be a date (YYYY-MM-DD)")
            continue
        repository = entry.get("repository")
        if repository is not None and not isinstance(repository, str):
            problems.append(f"{where}: repository must be text")
            continue
        key = normalise(entry["name"])
        if key in seen:
            problems.append(f"{where}: duplicate of package #{seen[key]}")
            continue
        seen[key] = i
        out.append(
            Labelled(
                name=entry["name"].strip(),
                label=entry["label"],
                evidence=entry["evidence"].strip(),
                source=entry["source"].strip(),
                checked=checked,
                repository=repository,
            )
        )
    if problems:
        raise LabelFileError(path, problems)
    return out


# ----------------------------------------------------------------------------- metrics


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """ROC AUC by the Mann-Whitney statistic: P(score(pos) > score(neg)), ties count 1/2.

    Computed from ranks (average ranks for ties), O(n log n).
    """
    if not positives or not negatives:
        raise ValueError("AUC needs at least one positive and one negative score")
    values = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1][0] == values[i][0]:
            j += 1
        average_rank = (i + j) / 2 + 1  # ranks are 1-based
        rank_sum += average_rank * sum(1 for k in range(i, j + 1) if values[k][1] == 1)
        i = j + 1
    n_pos, n_neg = len(positives), len(negatives)
    u = rank_sum - n_pos * (n_pos + 1) / 2
    return u / (n_pos * n_neg)


def level_at_least(level: str | None, threshold: str) -> bool:
    """True when ``level`` is a known level at or above ``threshold``."""
    if level not in LEVEL_ORDER or threshold not in LEVEL_ORDER:
        return False
    return LEVEL_ORDER.index(level) >= LEVEL_ORDER.index(threshold)


def compute_metrics(labels: Sequence[Labelled], outcomes: Mapping[str, Outcome]) -> Metrics:
    """Every figure of one mode from the labels and the tool's outcomes (keyed normalised)."""
    pos_scores: list[float] = []
    neg_scores: list[float] = []
    unscored: list[Labelled] = []
    counts = dict.fromkeys(("abandoned", "at-risk", "healthy"), 0)
    caught = dict.fromkeys(("abandoned", "at-risk", "healthy"), 0)
    decided = 0
    audited = 0
    git_known: int | None = None
    hits = hits_with_evidence = 0
    missing: list[str] = []
    levels: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    for item in labels:
        outcome = outcomes.get(normalise(item.name))
        if outcome is None:
            missing.append(item.name)
            continue
        audited += 1
        group = "healthy" if item.label in NEGATIVE else item.label
        counts[group] += 1
        caught[group] += int(outcome.gate_fails)
        decided += int(outcome.state in DECIDED_STATES)
        hits += outcome.hits
        hits_with_evidence += outcome.hits_with_evidence
        if outcome.git_known is not None:
            git_known = (git_known or 0) + int(outcome.git_known)
        levels[item.label][outcome.level or "?"] += 1
        if outcome.score is not None:
            (pos_scores if item.positive else neg_scores).append(outcome.score)
        else:
            unscored.append(item)
    auc = roc_auc(pos_scores, neg_scores) if pos_scores and neg_scores else None
    floor = min([*pos_scores, *neg_scores], default=0.0) - 1.0
    pos_low = pos_scores + [floor for i in unscored if i.positive]
    neg_low = neg_scores + [floor for i in unscored if not i.positive]
    auc_low = roc_auc(pos_low, neg_low) if pos_low and neg_low else None
    return Metrics(
        auc=auc,
        auc_unscored_low=auc_low,
        unscored=tuple(i.name for i in unscored),
        positives=len(pos_scores),
        negatives=len(neg_scores),
        abandoned_caught=caught["abandoned"],
        abandoned_total=counts["abandoned"],
        at_risk_caught=caught["at-risk"],
        at_risk_total=counts["at-risk"],
        false_alarms=caught["healthy"],
        healthy_total=counts["healthy"],
        state_decided=decided,
        audited=audited,
        git_known=git_known,
        hits=hits,
        hits_with_evidence=hits_with_evidence,
        missing=tuple(missing),
        levels_by_label={k: dict(v) for k, v in levels.items()},
    )


# ----------------------------------------------------------------------------- report


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _reasons(risk: Any, limit: int = 2) -> tuple[str, ...]:
    """The biggest contributions ("factor +points: why"), else the one-line reason."""
    contributions = _get(risk, "contributions")
    out: list[str] = []
    if isinstance(contributions, list):
        items = [c for c in contributions if isinstance(c, Mapping)]
        items.sort(key=lambda c: -(_number(c.get("points")) or 0.0))
        for c in items[:limit]:
            why = str(c.get("why") or c.get("factor") or "?")
            points = _number(c.get("points"))
            out.append(f"+{points:.0f} {why}" if points is not None else why)
    reason = _get(risk, "reason")
    if not out and isinstance(reason, str) and reason:
        out.append(reason)
    return tuple(out)


def _names_evidence(finding: Mapping[str, Any]) -> bool:
    """A hit names its evidence: a signal with a value that met the rule's condition."""
    evidence = finding.get("evidence")
    if not isinstance(evidence, list):
        return False
    return any(
        isinstance(e, Mapping) and e.get("result") is True and e.get("signal") for e in evidence
    )


def parse_report(report: Any, fail_on: str) -> dict[str, Outcome]:
    """Each package's outcome from a ``--format json`` report, keyed by normalised name.

    Whether the gate fails a package comes from the report's own gate list
    (``summary.gate.failing``) when it has one, else from the level against ``fail_on``.
    """
    failing_list = _get(report, "summary", "gate", "failing")
    gate_names: set[str] | None = None
    if isinstance(failing_list, list):
        gate_names = {
            normalise(str(f.get("name")))
            for f in failing_list
            if isinstance(f, Mapping) and f.get("kind", "risk") == "risk"
        }
    packages = _get(report, "packages")
    out: dict[str, Outcome] = {}
    if not isinstance(packages, list):
        return out
    for pkg in packages:
        name = _get(pkg, "name")
        if not isinstance(name, str):
            continue
        risk = _get(pkg, "risk")
        level = _get(risk, "level")
        level = level if isinstance(level, str) else None
        state = _get(risk, "state", "name")
        if state is None:
            state = _get(risk, "state")
        repo = _get(pkg, "repository", "url")
        git_signals = [
            sig
            for sig in (_get(pkg, "signals") or {}).values()
            if isinstance(sig, Mapping) and str(sig.get("source", "")).split(":")[0] == "git"
        ]
        findings = _get(risk, "findings")
        hit_list = [
            f
            for f in (findings if isinstance(findings, list) else [])
            if isinstance(f, Mapping) and f.get("outcome") == "hit"
        ]
        key = normalise(name)
        gate = key in gate_names if gate_names is not None else level_at_least(level, fail_on)
        out[key] = Outcome(
            name=name,
            level=level,
            score=_number(_get(risk, "score")),
            state=state if isinstance(state, str) else None,
            reasons=_reasons(risk),
            repository=repo if isinstance(repo, str) else None,
            gate_fails=gate,
            git_known=any("value" in sig for sig in git_signals) if git_signals else None,
            hits=len(hit_list),
            hits_with_evidence=sum(1 for f in hit_list if _names_evidence(f)),
        )
    return out


def _fraction(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f} %)" if d else f"{n}/0"


def format_metrics(mode: str, m: Metrics, fail_on: str) -> str:
    """The headline figures, with issue 13's goals beside them."""
    auc = f"{m.auc:.3f}" if m.auc is not None else "n/a"
    lines = [
        f"== {mode}: {m.audited} packages audited ({m.positives} abandoned/at-risk, "
        f"{m.negatives} healthy/mature with a score)",
        f"ROC AUC (score; abandoned+at-risk vs healthy+mature): {auc}   goal >= 0.90",
        *(
            [
                f"  {len(m.unscored)} package(s) without a numeric score are left out of it: "
                f"{', '.join(m.unscored)}; ranked least risky instead, AUC "
                + (f"{m.auc_unscored_low:.3f}" if m.auc_unscored_low is not None else "n/a")
            ]
            if m.unscored
            else []
        ),
        f"gate --fail-on {fail_on}: abandoned caught "
        f"{_fraction(m.abandoned_caught, m.abandoned_total)}   goal >= 80 %",
        f"gate --fail-on {fail_on}: at-risk caught {_fraction(m.at_risk_caught, m.at_risk_total)}",
        f"gate --fail-on {fail_on}: false alarms on healthy/mature "
        f"{_fraction(m.false_alarms, m.healthy_total)}   goal <= 1 in 30",
        f"state decided (abandoned/mature/active): {_fraction(m.state_decided, m.audited)}"
        f"   goal with --git >= 90 %",
    ]
    lines.append(f"rule hits naming their evidence: {_fraction(m.hits_with_evidence, m.hits)}")
    if m.git_known is not None:
        lines.append(f"git-history signals known: {_fraction(m.git_known, m.audited)}")
    thresholds = []
    for t in LEVEL_ORDER[1:]:
        hits = {
            label: sum(
                n for lvl, n in m.levels_by_label.get(label, {}).items() if level_at_least(lvl, t)
            )
            for label in LABELS
        }
        pos = hits["abandoned"] + hits["at-risk"]
        neg = hits["healthy"] + hits["mature"]
        thresholds.append(
            f"{t}: {pos}/{m.abandoned_total + m.at_risk_total} vs {neg}/{m.healthy_total}"
        )
    lines.append("level >= threshold, positives vs negatives: " + "; ".join(thresholds))
    for label in LABELS:
        dist = m.levels_by_label.get(label, {})
        if dist:
            order = [*LEVEL_ORDER, *sorted(set(dist) - set(LEVEL_ORDER))]
            shown = ", ".join(f"{lvl} {dist[lvl]}" for lvl in order if lvl in dist)
            lines.append(f"levels of {label}: {shown}")
    if m.missing:
        lines.append(f"not in the report ({len(m.missing)}): {', '.join(m.missing)}")
    return "\n".join(lines)


def format_table(labels: Sequence[Labelled], outcomes: Mapping[str, Outcome]) -> str:
    """One row per package, positives first, each group by descending score."""

    def key(item: Labelled) -> tuple[int, float, str]:
        o = outcomes.get(normalise(item.name))
        score = o.score if o is not None and o.score is not None else -1.0
        return (0 if item.positive else 1, -score, item.name)

    rows = [
        f"{'package':<28} {'label':<9} {'level':<8} {'score':>5} {'gate':<5} {'state':<9} reasons"
    ]
    for item in sorted(labels, key=key):
        o = outcomes.get(normalise(item.name))
        if o is None:
            rows.append(f"{item.name:<28} {item.label:<9} (not in the report)")
            continue
        score = f"{o.score:.0f}" if o.score is not None else "?"
        miss = (item.positive and not o.gate_fails) or (not item.positive and o.gate_fails)
        reasons = " | ".join(r[:70] for r in o.reasons) or "-"
        rows.append(
            f"{item.name:<28} {item.label:<9} {o.level or '?':<8} {score:>5} "
            f"{('FAIL' if o.gate_fails else 'pass') + ('*' if miss else ''):<5} "
            f"{o.state or '?':<9} {reasons}"
        )
    rows.append("(* the gate disagrees with the label)")
    return "\n".join(rows)


# ----------------------------------------------------------------------------- running


def closed_loopback_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def tool_fingerprint(python: str) -> tuple[Path, str]:
    """Where ``python`` imports auditor from, and a hash of its code and shipped rules.

    The hash keys the raw-report cache, so a report is reused only for the same tool.
    """
    probe = "import auditor, pathlib; print(pathlib.Path(auditor.__file__).parent)"
    pkg = Path(
        subprocess.run(
            [python, "-c", probe], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    digest = hashlib.sha256()
    roots = [pkg, pkg.parent / "rules"]
    for root in roots:
        if not root.is_dir():
            continue
        for f in sorted(root.rglob("*")):
            if f.is_file() and f.suffix in {".py", ".toml", ".json"}:
                digest.update(str(f.relative_to(root.parent)).encode())
                digest.update(f.read_bytes())
    return pkg, digest.hexdigest()[:16]


def clean_env(*, local_git: bool = False) -> dict[str, str]:
    """The caller's environment without GitHub tokens or a GitHub API location.

    ``local_git``: the seeded clones' remote is a local path, and the tool's git only
    speaks https; ``GIT_ALLOW_PROTOCOL`` lets its ``git fetch`` read the local copy too.
    """
    env = {k: v for k, v in os.environ.items() if k not in _GITHUB_ENV}
    if local_git:
        env["GIT_ALLOW_PROTOCOL"] = "https:http:file"
    return env


@dataclass(frozen=True)
class RunResult:
    report: Any
    dropped: Mapping[str, str]
    command: str
    exit_code: int


def _audit_once(
    python: str, names: Sequence[str], work: Path, cache_dir: Path, git: bool, timeout: float
) -> tuple[Any, int, str, str]:
    reqs = work / "requirements.txt"
    reqs.write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    out = work / "report.json"
    out.unlink(missing_ok=True)
    cmd = [
        python,
        "-m",
        "auditor",
        "audit",
        str(reqs),
        "--no-deps",
        "--format",
        "json",
        "-o",
        str(out),
        "--cache-dir",
        str(cache_dir),
        "--github-api-url",
        f"http://127.0.0.1:{closed_loopback_port()}",
    ]
    if git:
        cmd.append("--git")
    shown = " ".join(cmd[1:]).replace(str(work), "<work>").replace(str(cache_dir), "<cache>")
    try:
        proc = subprocess.run(
            cmd,
            env=clean_env(local_git=git),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, -1, f"error: the audit took longer than {timeout:.0f} s (--timeout)", shown
    report = None
    if out.is_file():
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            report = None
    return report, proc.returncode, proc.stderr, shown


def blamed_names(stderr: str, names: Iterable[str]) -> list[str]:
    """The labelled names an error message mentions (as whole words), normalised."""
    text = stderr.lower()
    found = []
    for n in names:
        pattern = r"(?<![\w.-])" + re.escape(n.lower()) + r"(?![\w-])"
        if re.search(pattern, text) or re.search(
            r"(?<![\w.-])" + re.escape(normalise(n)) + r"(?![\w-])", normalise(text)
        ):
            found.append(n)
    return found


def run_audit(
    python: str,
    names: Sequence[str],
    work: Path,
    cache_dir: Path,
    *,
    git: bool,
    one_by_one: bool,
    timeout: float,
    log: Any,
) -> RunResult:
    """Audit ``names`` in one run; drop a package an error blames and retry, up to 10 times.

    With ``one_by_one`` (or when an error blames no package) each package is audited
    alone and the reports are merged.
    """
    work.mkdir(parents=True, exist_ok=True)
    remaining = list(names)
    dropped: dict[str, str] = {}
    command = ""
    if not one_by_one:
        for _ in range(10):
            report, code, stderr, command = _audit_once(
                python, remaining, work, cache_dir, git, timeout
            )
            if report is not None:
                return RunResult(report, dropped, command, code)
            blamed = blamed_names(stderr, remaining)
            first_line = next((ln for ln in stderr.splitlines() if "error" in ln), stderr[:200])
            if not blamed:
                log(f"audit failed (exit {code}) without naming a package: {first_line}")
                break
            for n in blamed:
                dropped[n] = first_line.strip()
                remaining.remove(n)
            log(f"dropped {', '.join(blamed)}: {first_line.strip()}")
    merged: list[Any] = []
    for n in remaining:
        report, code, stderr, command = _audit_once(python, [n], work, cache_dir, git, timeout)
        pkgs = _get(report, "packages")
        if isinstance(pkgs, list):
            merged.extend(pkgs)
        else:
            dropped[n] = next((ln for ln in stderr.splitlines() if "error" in ln), f"exit {code}")
    # Gate: no merged gate list; parse_report falls back to each package's level.
    return RunResult({"packages": merged}, dropped, command, 0)


def find_clone(root: Path, owner: str, name: str) -> Path | None:
    """A local clone of OWNER/NAME under ``root`` in one of the usual layouts (any case)."""
    wanted = {f"{owner}+{name}".lower(), f"{owner}/{name}".lower(), f"{owner}/{name}.git".lower()}
    candidates: list[Path] = []
    if root.is_dir():
        for child in root.iterdir():
            candidates.append(child)
            if child.is_dir() and "+" not in child.name:
                candidates.extend(child.iterdir())
    for c in candidates:
        rel = str(c.relative_to(root)).lower()
        if rel in wanted:
            for git_dir in (c / "repo", c):
                if (git_dir / "HEAD").is_file() or (git_dir / ".git").exists():
                    return git_dir
    return None


def seed_clones(
    outcomes: Mapping[str, Outcome],
    labels: Sequence[Labelled],
    clones: Path,
    cache_dir: Path,
    log: Any,
) -> dict[str, str]:
    """Copy local clones to where the tool keeps its clones; return package -> how it went.

    The repository URL is the one the tool found (from the index-only report), since that
    is the URL it will clone; the label file's ``repository`` is the fallback.
    """
    status: dict[str, str] = {}
    for item in labels:
        o = outcomes.get(normalise(item.name))
        url = (o.repository if o is not None else None) or item.repository
        m = re.match(r"https?://(?:www\.)?([^/]+)/([^/]+)/([^/#?]+?)(?:\.git)?/?$", url or "")
        if not m:
            status[item.name] = "no repository URL"
            continue
        host, owner, name = m.group(1).lower(), m.group(2), m.group(3)
        local = find_clone(clones, owner, name)
        if local is None and item.repository:
            lm = re.match(r"https?://[^/]+/([^/]+)/([^/#?]+)", item.repository)
            if lm:
                local = find_clone(clones, lm.group(1), lm.group(2))
        if local is None:
            status[item.name] = f"no local clone of {owner}/{name}"
            continue
        # Where the tool keeps a clone: today <cache>/git/git/<host>/<owner>/<name>.git
        # (its clone root is <cache>/git). Older layouts get a symlink to the same copy.
        dest, *aliases = (root / host / owner / f"{name}.git" for root in clone_roots(cache_dir))
        if not (dest / "HEAD").is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(
                ["git", "clone", "--bare", "--quiet", "--", str(local), str(dest)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                status[item.name] = f"copy failed: {proc.stderr.strip()[:120]}"
                shutil.rmtree(dest, ignore_errors=True)
                continue
        for alias in aliases:
            if not alias.exists():
                alias.parent.mkdir(parents=True, exist_ok=True)
                alias.symlink_to(dest, target_is_directory=True)
        status[item.name] = f"local clone of {owner}/{name}"
    seeded = sum(1 for s in status.values() if s.startswith("local clone"))
    log(f"git mode: {seeded}/{len(labels)} repositories have a local clone")
    return status


def cached_run(
    mode: str,
    args: argparse.Namespace,
    labels: Sequence[Labelled],
    fingerprint: str,
    log: Any,
    prepare: Any = None,
) -> RunResult:
    """The report of one mode: from ``--raw-dir`` when nothing changed, else a fresh audit."""
    names = sorted(item.name for item in labels)
    key = hashlib.sha256(
        json.dumps([mode, names, fingerprint, args.one_by_one]).encode()
    ).hexdigest()[:16]
    raw_dir: Path = args.raw_dir
    raw = raw_dir / f"{mode}-{key}.json"
    if raw.is_file() and not args.rerun:
        data = json.loads(raw.read_text(encoding="utf-8"))
        log(f"{mode}: reusing {raw}")
        return RunResult(data["report"], data["dropped"], data["command"], data["exit_code"])
    cache_dir = raw_dir / "auditor-cache"
    if prepare is not None:
        prepare(cache_dir)
    log(f"{mode}: auditing {len(names)} packages ...")
    started = datetime.now(UTC)
    result = run_audit(
        args.python,
        names,
        raw_dir / f"work-{mode}",
        cache_dir,
        git=mode == "git",
        one_by_one=args.one_by_one,
        timeout=args.timeout,
        log=log,
    )
    seconds = (datetime.now(UTC) - started).total_seconds()
    log(f"{mode}: done in {seconds:.0f} s (exit {result.exit_code})")
    raw_dir.mkdir(parents=True, exist_ok=True)
    raw.write_text(
        json.dumps(
            {
                "mode": mode,
                "fingerprint": fingerprint,
                "when": started.isoformat(timespec="seconds"),
                "seconds": round(seconds, 1),
                "command": result.command,
                "exit_code": result.exit_code,
                "dropped": dict(result.dropped),
                "report": result.report,
            }
        ),
        encoding="utf-8",
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    p.add_argument(
        "--raw-dir",
        type=Path,
        default=DEFAULT_RAW_DIR,
        help="raw reports and the tool's cache (reused by reruns)",
    )
    p.add_argument("--mode", choices=["index-only", "git", "both"], default="index-only")
    p.add_argument(
        "--clones",
        type=Path,
        default=None,
        help="local clones for --mode git: DIR/OWNER+NAME[/repo] or DIR/OWNER/NAME",
    )
    p.add_argument("--fail-on", default="high", choices=LEVEL_ORDER[1:])
    p.add_argument("--rerun", action="store_true", help="audit again even if a report is cached")
    p.add_argument("--one-by-one", action="store_true", help="one audit per package (slow)")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME", help="a subset of the labels")
    p.add_argument("--python", default=sys.executable, help="interpreter that has auditor")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per audit run")
    p.add_argument("--no-table", action="store_true", help="headline figures only")
    args = p.parse_args(argv)

    def log(msg: str) -> None:
        print(f"[bench] {msg}", file=sys.stderr, flush=True)

    try:
        labels = load_labels(args.labels)
    except LabelFileError as exc:
        print(f"error: {exc.path}:", *exc.problems, sep="\n  ", file=sys.stderr)
        return 2
    if args.only:
        wanted = {normalise(n) for n in args.only}
        labels = [item for item in labels if normalise(item.name) in wanted]
        if not labels:
            print("error: --only matched no labelled package", file=sys.stderr)
            return 2
    if args.mode in ("git", "both") and args.clones is None:
        print(
            "error: --mode git needs --clones DIR (local clones to read history from)",
            file=sys.stderr,
        )
        return 2
    try:
        tool_dir, fingerprint = tool_fingerprint(args.python)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(
            f"error: {args.python} cannot import auditor ({exc}); "
            "run with the interpreter of auditor's environment or pass --python",
            file=sys.stderr,
        )
        return 2
    print(f"auditor: {tool_dir} (code and rules fingerprint {fingerprint})")
    modes = ["index-only", "git"] if args.mode == "both" else [args.mode]
    # The git mode needs the repository URLs the tool finds; the index-only report has them.
    needs_index = "index-only" in modes or "git" in modes
    index_run = cached_run("index-only", args, labels, fingerprint, log) if needs_index else None
    summary: dict[str, Any] = {
        "auditor": str(tool_dir),
        "fingerprint": fingerprint,
        "labels": str(args.labels),
        "modes": {},
    }
    for mode in modes:
        if mode == "index-only":
            assert index_run is not None
            result = index_run
        else:
            assert index_run is not None
            index_outcomes = parse_report(index_run.report, args.fail_on)
            result = cached_run(
                "git",
                args,
                labels,
                fingerprint + str(args.clones),
                log,
                prepare=lambda cache, o=index_outcomes: seed_clones(
                    o, labels, args.clones, cache, log
                ),
            )
        outcomes = parse_report(result.report, args.fail_on)
        metrics = compute_metrics(labels, outcomes)
        print(f"command: {result.command}")
        print(format_metrics(mode, metrics, args.fail_on))
        if result.dropped:
            for n, why in result.dropped.items():
                print(f"not audited: {n}: {why}")
        if not args.no_table:
            print(format_table(labels, outcomes))
        print()
        summary["modes"][mode] = {
            "command": result.command,
            "metrics": {k: v for k, v in metrics.__dict__.items()},
            "dropped": dict(result.dropped),
        }
    out = args.raw_dir / "summary.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=list), encoding="utf-8")
    log(f"figures saved to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
