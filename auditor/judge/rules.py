"""Rules as data: load ``rules/checks/*.toml`` and validate every one of them at once.

A rule is a yes/no question over named signals (like an OpenSSF Scorecard probe) with
its own why and how-to-fix. Validation checks each rule against the signal catalog, so a
typo in a signal name fails ``auditor rules check`` instead of silently never matching.
Every problem of every file is collected, with file and field, before anything is raised:
a rule author fixes them all in one pass.

Rule file shape (see rules/README.md)::

    id = "truck-factor-one"
    summary = "..."; motivation = "..."; remediation = "..."
    severity = "high"            # low | medium | high | critical
    kind = "person"              # person | vendor | input
    [when]                       # one condition:
    signal = "truck_factor"      #   {signal, op, value}
    op = "=="                    #   {missing = "signal"}
    value = 1                    #   {all = [cond, ...]} / {any = [cond, ...]}
    [scope]                      # optional
    categories = ["inference-runtime"]
    direct_only = false
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal, TypeAlias

from auditor.collectors.interface import JSONValue, SignalSpec, SignalType
from auditor.errors import InputError

Severity = Literal["low", "medium", "high", "critical"]
Kind = Literal["person", "vendor", "input"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
KINDS: tuple[Kind, ...] = ("person", "vendor", "input")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains")
ORDERED_TYPES: frozenset[SignalType] = frozenset({"int", "float", "date"})
SCALAR_TYPES: frozenset[SignalType] = frozenset({"int", "float", "bool", "str", "date"})
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RULE_FIELDS = ("id", "summary", "motivation", "remediation", "severity", "kind", "when")
OPTIONAL_FIELDS = ("scope", "suggestion")
CHECKS_DIR = "checks"


def known_signals() -> dict[str, SignalSpec]:
    """Every signal rules may name: the catalog of every collector's declared signals."""
    from auditor.collectors.catalog import all_specs

    return dict(all_specs())


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True, kw_only=True)
class Compare:
    """``signal op value``: true, false, or unknown when the signal is unknown."""

    signal: str
    op: str
    value: JSONValue | date


@dataclass(frozen=True, kw_only=True)
class Missing:
    """True when the signal could not be collected: always known, never unknown.

    ``present`` turns it round (``{present = "x"}``): true when the signal *was*
    collected. A preferred source is written ``all = [{present = "x"}, {x ...}]`` so
    that, when it is missing, the branch is false (decided) and the fallback beside it
    decides alone, for passes as well as hits.
    """

    signal: str
    present: bool = False


@dataclass(frozen=True, kw_only=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, kw_only=True)
class AnyOf:
    items: tuple[Condition, ...]


Condition: TypeAlias = Compare | Missing | AllOf | AnyOf


def signals_of(condition: Condition) -> tuple[str, ...]:
    """Signal names a condition reads, in order, without repeats."""
    if isinstance(condition, Compare | Missing):
        return (condition.signal,)
    seen: dict[str, None] = {}
    for item in condition.items:
        for name in signals_of(item):
            seen[name] = None
    return tuple(seen)


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Where a rule applies; empty categories means every package."""

    categories: frozenset[str] = frozenset()
    direct_only: bool = False


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    summary: str
    motivation: str
    remediation: str
    severity: Severity
    kind: Kind
    when: Condition
    scope: Scope = field(default_factory=Scope)
    path: str = ""
    # A str signal whose value, when the rule hits, is offered as what to use instead
    # ("AutoGPTQ says: use GPTQModel"); None for most rules.
    suggestion: str | None = None


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong with a rule file: where, which field, what, and what to do."""

    path: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class RuleError(InputError):
    """Rule files with problems; ``problems`` holds every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n  ".join(str(p) for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the rules:\n  {lines}",
            hint="Fix each listed field, then run `auditor rules check DIR` again.",
        )


def suggest(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or ``''``."""
    import difflib  # only for a misspelt name

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------- validation


def _value_fits(value: object, type_: SignalType) -> bool:
    if type_ == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_ == "bool":
        return isinstance(value, bool)
    if type_ == "str":
        return isinstance(value, str)
    if type_ == "date":
        if isinstance(value, date):
            return True
        if isinstance(value, str):
            try:
                date.fromisoformat(value[:10])
            except ValueError:
                return False
            return True
        return False
    if type_ == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def _toml_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, datetime | date):
        return "date"
    if isinstance(value, list):
        return "list"
    return "table"


@dataclass
class _Checker:
    """Walks one file's data, turning it into a Rule and recording every problem."""

    path: str
    specs: Mapping[str, SignalSpec]
    problems: list[Problem]

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(path=self.path, field=where, message=message))

    def text(self, data: Mapping[str, object], key: str) -> str:
        value = data.get(key)
        if value is None:
            self.problem(key, "missing; every rule needs " + ", ".join(RULE_FIELDS))
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"must be a non-empty string, got {_toml_type(value)}")
            return ""
        return value.strip()

    def choice(self, data: Mapping[str, object], key: str, choices: Sequence[str]) -> str:
        value = data.get(key)
        allowed = ", ".join(choices)
        if value is None:
            self.problem(key, f"missing; one of {allowed}")
            return choices[0]
        if value not in choices:
            self.problem(key, f"{value!r} is not one of {allowed}{suggest(str(value), choices)}")
            return choices[0]
        return str(value)

    def signal(self, name: object, where: str) -> SignalSpec | None:
        if not isinstance(name, str):
            self.problem(where, f"must be a signal name (a string), got {_toml_type(name)}")
            return None
        spec = self.specs.get(name)
        if spec is None:
            self.problem(
                where,
                f"unknown signal {name!r}{suggest(name, self.specs)}; "
                "`auditor rules list --signals` shows every name",
            )
        return spec

    def condition(self, data: object, where: str) -> Condition | None:
        if not isinstance(data, dict):
            self.problem(where, f"must be a table (a condition), got {_toml_type(data)}")
            return None
        forms = [k for k in ("signal", "missing", "present", "all", "any") if k in data]
        if len(forms) != 1:
            self.problem(
                where,
                "a condition has exactly one of: signal/op/value, missing, present, all, any"
                + (f" (found {', '.join(forms)})" if forms else ""),
            )
            return None
        form = forms[0]
        allowed = {"signal": {"signal", "op", "value"}}.get(form, {form})
        extra = sorted(set(data) - allowed)
        if extra:
            self.problem(where, f"unexpected field(s) {', '.join(extra)} in a {form!r} condition")
        if form in ("missing", "present"):
            spec = self.signal(data[form], f"{where}.{form}")
            return Missing(signal=spec.name, present=form == "present") if spec else None
        if form in ("all", "any"):
            items = data[form]
            if not isinstance(items, list) or not items:
                self.problem(f"{where}.{form}", "must be a non-empty list of conditions")
                return None
            parsed = [self.condition(item, f"{where}.{form}[{i}]") for i, item in enumerate(items)]
            if any(p is None for p in parsed):
                return None
            ok = tuple(p for p in parsed if p is not None)
            return AllOf(items=ok) if form == "all" else AnyOf(items=ok)
        return self.compare(data, where)

    def compare(self, data: Mapping[str, object], where: str) -> Compare | None:
        spec = self.signal(data["signal"], f"{where}.signal")
        op = data.get("op")
        good = True
        if op is None:
            self.problem(f"{where}.op", f"missing; one of {', '.join(OPERATORS)}")
            good = False
        elif op not in OPERATORS:
            self.problem(
                f"{where}.op",
                f"bad operator {op!r}{suggest(str(op), OPERATORS)}; use one of "
                + ", ".join(OPERATORS),
            )
            good = False
        if "value" not in data:
            self.problem(f"{where}.value", "missing; the value to compare the signal with")
            return None
        value = data["value"]
        if spec is None or not good:
            return None
        if not self.value_matches(spec, str(op), value, f"{where}.value"):
            return None
        return Compare(signal=spec.name, op=str(op), value=value)  # type: ignore[arg-type]

    def value_matches(self, spec: SignalSpec, op: str, value: object, where: str) -> bool:
        t = spec.type
        if op in ("<", "<=", ">", ">="):
            if t not in ORDERED_TYPES:
                self.problem(where, f"{op!r} needs a number or date signal; {spec.name} is {t}")
                return False
            if not _value_fits(value, t):
                self.problem(
                    where, f"{spec.name} is {t}; {op} needs a {t} value, got {_toml_type(value)}"
                )
                return False
            return True
        if op in ("in", "not in"):
            if t not in SCALAR_TYPES:
                self.problem(where, f"{op!r} needs a scalar signal; for a {t} use 'contains'")
                return False
            if not isinstance(value, list) or not all(_value_fits(v, t) for v in value):
                self.problem(where, f"{op!r} needs a list of {t} values for {spec.name}")
                return False
            return True
        if op == "contains":
            if t == "list":
                if isinstance(value, list | dict):
                    self.problem(where, "'contains' on a list takes one scalar value")
                    return False
                return True
            if t == "str":
                if not isinstance(value, str):
                    self.problem(where, f"{spec.name} is str; 'contains' needs a str")
                    return False
                return True
            self.problem(where, f"'contains' needs a list or str signal; {spec.name} is {t}")
            return False
        if not _value_fits(value, t):
            self.problem(where, f"{spec.name} is {t}; got a {_toml_type(value)} ({value!r})")
            return False
        return True

    def scope(self, data: object, categories: Collection[str] | None) -> Scope:
        if data is None:
            return Scope()
        if not isinstance(data, dict):
            self.problem("scope", "must be a table with categories and/or direct_only")
            return Scope()
        extra = sorted(set(data) - {"categories", "direct_only"})
        if extra:
            self.problem("scope", f"unexpected field(s) {', '.join(extra)}")
        cats = data.get("categories", [])
        if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
            self.problem("scope.categories", "must be a list of taxonomy category ids")
            cats = []
        if categories is not None:
            for i, c in enumerate(cats):
                if c not in categories:
                    self.problem(
                        f"scope.categories[{i}]",
                        f"unknown category {c!r}{suggest(c, categories)}; "
                        "categories come from rules/taxonomy.toml",
                    )
        direct = data.get("direct_only", False)
        if not isinstance(direct, bool):
            self.problem("scope.direct_only", "must be true or false")
            direct = False
        return Scope(categories=frozenset(cats), direct_only=direct)

    def rule(self, data: Mapping[str, object], categories: Collection[str] | None) -> Rule | None:
        before = len(self.problems)
        for key in sorted(set(data) - set(RULE_FIELDS) - set(OPTIONAL_FIELDS)):
            self.problem(key, f"unknown field{suggest(key, RULE_FIELDS + OPTIONAL_FIELDS)}")
        rid = self.text(data, "id")
        if rid and not ID_PATTERN.match(rid):
            self.problem("id", f"{rid!r}: use lower case letters, digits and '-'")
        texts = {k: self.text(data, k) for k in ("summary", "motivation", "remediation")}
        severity = self.choice(data, "severity", SEVERITIES)
        kind = self.choice(data, "kind", KINDS)
        when = None
        if "when" not in data:
            self.problem("when", "missing; the condition that makes the rule hit")
        else:
            when = self.condition(data["when"], "when")
        scope = self.scope(data.get("scope"), categories)
        suggestion = self.suggestion(data.get("suggestion"))
        if len(self.problems) != before or when is None:
            return None
        return Rule(
            id=rid,
            severity=severity,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            when=when,
            scope=scope,
            path=self.path,
            suggestion=suggestion,
            **texts,
        )

    def suggestion(self, data: object) -> str | None:
        if data is None:
            return None
        spec = self.signal(data, "suggestion")
        if spec is not None and spec.type != "str":
            self.problem("suggestion", f"must name a str signal; {spec.name} is {spec.type}")
            return None
        return None if spec is None else spec.name


_TOML_LINE = re.compile(r"at line (\d+)")


def parse_condition(
    data: object, *, path: str, where: str, specs: Mapping[str, SignalSpec]
) -> tuple[Condition | None, list[Problem]]:
    """Validate one condition table (used by scoring.toml's state definitions too)."""
    problems: list[Problem] = []
    cond = _Checker(path, specs, problems).condition(data, where)
    return cond, problems


def rule_files(directory: Path) -> list[Path]:
    """The rule files of a directory: its ``checks/`` folder if it has one, else itself."""
    checks = directory / CHECKS_DIR
    base = checks if checks.is_dir() else directory
    return sorted(base.glob("*.toml"))


def check_rules(
    directories: Iterable[Path],
    *,
    signals: Mapping[str, SignalSpec] | None = None,
    categories: Collection[str] | None = None,
) -> tuple[tuple[Rule, ...], tuple[Problem, ...]]:
    """Load every rule file and return the good rules and every problem found.

    ``signals`` defaults to :func:`known_signals`; ``categories`` to the shipped
    taxonomy's ids. Never raises for bad rules: the problems are the answer.
    """
    specs = known_signals() if signals is None else signals
    if categories is None:
        from auditor.judge.taxonomy import default_taxonomy

        categories = default_taxonomy().ids()
    problems: list[Problem] = []
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for directory in directories:
        if not directory.is_dir():
            problems.append(Problem(path=str(directory), field="", message="not a directory"))
            continue
        files = rule_files(directory)
        if not files:
            problems.append(
                Problem(path=str(directory), field="", message="no *.toml rule files found")
            )
        for path in files:
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except OSError as exc:
                problems.append(Problem(path=str(path), field="", message=f"cannot read: {exc}"))
                continue
            except tomllib.TOMLDecodeError as exc:
                m = _TOML_LINE.search(str(exc))
                problems.append(
                    Problem(
                        path=str(path),
                        field="",
                        message=f"invalid TOML: {exc}",
                        line=int(m.group(1)) if m else None,
                    )
                )
                continue
            rule = _Checker(str(path), specs, problems).rule(data, categories)
            rid = data.get("id")
            if isinstance(rid, str) and rid:
                if rid in seen:
                    problems.append(
                        Problem(
                            path=str(path),
                            field="id",
                            message=f"duplicate id {rid!r}, also used in {seen[rid]}; "
                            "every rule needs its own id",
                        )
                    )
                    continue
                seen[rid] = str(path)
            if rule is not None:
                rules.append(rule)
    return tuple(rules), tuple(problems)


def load_rules(
    directories: Iterable[Path] | None = None,
    *,
    signals: Mapping[str, SignalSpec] | None = None,
    categories: Collection[str] | None = None,
) -> tuple[Rule, ...]:
    """Rules from the directories (default: the shipped ones), or ``RuleError`` listing all
    problems at once."""
    dirs = list(directories) if directories is not None else [default_rules_dir()]
    rules, problems = check_rules(dirs, signals=signals, categories=categories)
    if problems:
        raise RuleError(problems)
    return rules


def default_rules_dir() -> Path:
    """The shipped rule files."""
    from auditor.judge.taxonomy import default_rules_root

    return default_rules_root() / CHECKS_DIR
