"""Fuzzing every input format: a malformed file is a ParseError/InputError, never a crash.

Seeds are the real-shaped fixtures in tests/sources/data. Structured formats (TOML, JSON)
are parsed, mutated where the readers look (wrong types, deleted keys, inserted entries,
deep nesting) and written back; requirements files get hostile lines spliced in. Each
reader is driven directly (beneath the CLI's safety net, so a reader bug shows here) and
must either succeed or raise InputError naming the file, within a bounded count of work
(function calls, see ``fuzzing.count_work``), never wall time. A few inputs also go
through the CLI end to end. ``AUDITOR_FUZZ_EXAMPLES=2000`` runs a longer, random hunt.
"""

from __future__ import annotations

import contextlib
import io
import json
import tomllib
import traceback
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from auditor.cli import main
from auditor.errors import InputError
from auditor.model import SourceOptions
from auditor.sources.interface import InputFile
from tests.sources.fuzzing import (
    DERANDOMIZE,
    EXAMPLES,
    FORMATS,
    KNOWN_KEYS,
    Format,
    WorkBudgetExceeded,
    count_work,
    get,
    hostile_values,
    paths,
    tricky_lines,
)

SECRET = "hunter2-do-not-print"
#: calls a reader may make: a fixed start-up part plus a part per character of input.
#: The seeds measure about 60 calls per character; a quadratic step blows far past this.
WORK_BASE = 50_000
WORK_PER_CHAR = 400

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # never wall time: the work count bounds each input instead
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout with a benign include, next to a secret file outside it."""
    root = tmp_path_factory.mktemp("fuzz")
    folder = root / "checkout"
    folder.mkdir()
    (folder / ".git").mkdir()
    (folder / "other.txt").write_text("idna>=3\n")
    (root / "outside.txt").write_text(f"TOKEN={SECRET}\n")
    return folder


def options_strategy() -> st.SearchStrategy[SourceOptions]:
    names = st.frozensets(st.sampled_from(["dev", "test", "docs", "gpu", "all", "x"]), max_size=2)
    return st.builds(
        SourceOptions,
        extras=names,
        all_extras=st.booleans(),
        groups=names,
        all_groups=st.booleans(),
    )


def check_read(fmt: Format, checkout: Path, text: str, options: SourceOptions) -> None:
    """Read ``text`` as ``fmt``: success, or an InputError naming the file; bounded work."""
    path = checkout / fmt.name
    source = InputFile(display=str(path), path=path, text=text)
    budget = WORK_BASE + WORK_PER_CHAR * len(text)
    _, exc, _ = count_work(lambda: fmt.reader().read(source, options), budget)
    assert not isinstance(exc, WorkBudgetExceeded), f"{fmt.name}: more than {budget} calls"
    if exc is not None:
        if not isinstance(exc, InputError):
            detail = "".join(traceback.format_exception(exc))
            raise AssertionError(f"{fmt.name}: {type(exc).__name__} escaped:\n{detail}")
        assert str(checkout) in exc.message, exc.message
        assert SECRET not in str(exc)


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


def mutate(doc: Any, data: st.DataObject, *, json_doc: bool) -> Any:
    values = hostile_values(allow_none=json_doc, allow_dates=not json_doc)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4), label="mutations")):
        found = paths(doc)
        if not found:
            break
        path = data.draw(st.sampled_from(found), label="path")
        parent, key = get(doc, path[:-1]), path[-1]
        op = data.draw(st.sampled_from(["replace", "replace", "delete", "insert", "deepen"]))
        if op == "replace":
            parent[key] = data.draw(values, label="value")
        elif op == "delete":
            del parent[key]
        elif op == "deepen":
            parent[key] = _nest(parent[key], data.draw(st.integers(1, 120), label="depth"))
        elif isinstance(parent, list):
            parent.insert(key, data.draw(values, label="value"))
        else:
            new_key = data.draw(st.sampled_from(KNOWN_KEYS), label="key")
            parent[new_key] = data.draw(values, label="value")
    return doc


STRUCTURED = [f for f in FORMATS if f.encoding != "text"]


@pytest.mark.parametrize("fmt", STRUCTURED, ids=[f.name for f in STRUCTURED])
@FUZZ
@given(data=st.data())
def test_structured_reader_survives_mutation(
    fmt: Format, checkout: Path, data: st.DataObject
) -> None:
    seed = data.draw(st.sampled_from(fmt.seeds), label="seed")
    raw = seed.read_text(encoding="utf-8")
    json_doc = fmt.encoding == "json"
    doc = json.loads(raw) if json_doc else tomllib.loads(raw)
    doc = mutate(doc, data, json_doc=json_doc)
    try:
        text = json.dumps(doc, indent=2) if json_doc else tomli_w.dumps(doc)
    except (TypeError, ValueError):
        assume(False)  # a value the writer cannot express in this format
        return
    check_read(fmt, checkout, text, data.draw(options_strategy(), label="options"))


@FUZZ
@given(data=st.data())
def test_requirements_reader_survives_hostile_lines(checkout: Path, data: st.DataObject) -> None:
    fmt = FORMATS[0]
    seed = data.draw(st.sampled_from(fmt.seeds), label="seed")
    lines = seed.read_text(encoding="utf-8").splitlines()
    for line in data.draw(st.lists(tricky_lines(), max_size=12), label="lines"):
        lines.insert(data.draw(st.integers(0, len(lines)), label="at"), line)
    ending = data.draw(st.sampled_from(["\n", "\r\n"]), label="ending")
    text = ending.join(lines) + data.draw(st.sampled_from(["", ending]), label="final")
    check_read(fmt, checkout, text, data.draw(options_strategy(), label="options"))


# -- work grows linearly with the input --------------------------------------------------


def _scaled(fmt: Format, n: int) -> str:
    """A valid file of ``fmt`` with ``n`` distinct packages: the shape real big files have."""
    names = [f"pkg-{i}" for i in range(n)]
    if fmt.name == "requirements.txt":
        return "".join(f"{name}=={i}.0 --hash=sha256:{i:064x}\n" for i, name in enumerate(names))
    if fmt.name == "pyproject.toml":
        return tomli_w.dumps(
            {
                "project": {"name": "app", "dependencies": [f"{x}>=1" for x in names]},
                "tool": {
                    "poetry": {"group": {"dev": {"dependencies": dict.fromkeys(names, "^1")}}}
                },
            }
        )
    if fmt.name == "uv.lock":
        root = {
            "name": "app",
            "version": "0.1.0",
            "source": {"editable": "."},
            "dependencies": [{"name": x} for x in names],
        }
        pkgs = [{"name": x, "version": "1.0", "source": {"registry": "r"}} for x in names]
        return tomli_w.dumps({"version": 1, "package": [root, *pkgs]})
    if fmt.name in {"poetry.lock", "pdm.lock"}:
        deps: Any = (lambda nxt: {nxt: ">=1"}) if fmt.name == "poetry.lock" else (lambda nxt: [nxt])
        main = "main" if fmt.name == "poetry.lock" else "default"
        pkgs = [
            {"name": x, "version": "1.0", "groups": [main], "dependencies": deps(names[i - 1])}
            for i, x in enumerate(names)
        ]
        return tomli_w.dumps({"package": pkgs})
    if fmt.name == "pylock.toml":
        pkgs = [{"name": x, "version": "1.0"} for x in names]
        return tomli_w.dumps({"lock-version": "1.0", "packages": pkgs})
    if fmt.name == "Pipfile.lock":
        default = {x: {"version": "==1.0", "index": "pypi"} for x in names}
        return json.dumps({"_meta": {"pipfile-spec": 6}, "default": default}, indent=4)
    components = [
        {"bom-ref": x, "name": x, "version": "1.0", "purl": f"pkg:pypi/{x}@1.0"} for x in names
    ]
    deps_list = [{"ref": x, "dependsOn": [names[i - 1]]} for i, x in enumerate(names)]
    return json.dumps(
        {"bomFormat": "CycloneDX", "components": components, "dependencies": deps_list}, indent=2
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_work_grows_linearly_with_entries(fmt: Format, checkout: Path) -> None:
    """16 times the entries may cost about 16 times the work, not 256 times."""
    costs = []
    for n in (100, 1600):
        path = checkout / fmt.name
        source = InputFile(display=str(path), path=path, text=_scaled(fmt, n))
        result, exc, work = count_work(lambda s=source: fmt.reader().read(s, SourceOptions()))
        assert exc is None, exc
        assert result is not None and len(result.requirements) + len(result.locked or ()) >= n
        costs.append(work)
    assert costs[1] <= 24 * costs[0], costs


# -- the command line, end to end -------------------------------------------------------


def _audit(path: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["audit", str(path), "--offline", "--no-deps", "--no-github", "-q"])
    return code, err.getvalue()


@pytest.mark.parametrize("fmt", STRUCTURED, ids=[f.name for f in STRUCTURED])
@settings(FUZZ, max_examples=max(3, EXAMPLES // 10))
@given(data=st.data())
def test_cli_exit_codes_on_mutated_files(
    fmt: Format, checkout: Path, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Through the CLI: exit 0/1/2/3 only, no traceback, an input error names the file."""
    seed = data.draw(st.sampled_from(fmt.seeds), label="seed")
    raw = seed.read_text(encoding="utf-8")
    json_doc = fmt.encoding == "json"
    doc = mutate(json.loads(raw) if json_doc else tomllib.loads(raw), data, json_doc=json_doc)
    try:
        text = json.dumps(doc) if json_doc else tomli_w.dumps(doc)
    except (TypeError, ValueError):
        assume(False)
        return
    folder = tmp_path_factory.mktemp("cli")
    path = folder / fmt.name
    path.write_text(text, encoding="utf-8")
    code, err = _audit(path)
    assert code in (0, 1, 2, 3), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert str(path) in err, err


@settings(FUZZ, max_examples=max(3, EXAMPLES // 8))
@given(data=st.data())
def test_cli_on_hostile_requirements_against_the_fake_index(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Through the CLI with --no-deps against the recorded fake index: no internal error."""
    from tests.fakes import FakeIndex

    lines = ["requests>=2.30", "idna", "urllib3<3", "certifi"]
    for line in data.draw(st.lists(tricky_lines(), max_size=6), label="lines"):
        lines.insert(data.draw(st.integers(0, len(lines)), label="at"), line)
    folder = tmp_path_factory.mktemp("cli-reqs")
    (folder / ".git").mkdir()
    (folder / "other.txt").write_text("idna\n")
    path = folder / "requirements.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with FakeIndex.recorded() as fake:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(
                [
                    "audit",
                    str(path),
                    "--no-deps",
                    "--no-github",
                    "-q",
                    "--index-url",
                    fake.simple_url,
                    "--cache-dir",
                    str(folder / "cache"),
                ]
            )
    message = err.getvalue()
    assert code in (0, 1, 2, 3), message
    assert "Traceback" not in message and "internal error" not in message
    if code == 2:
        assert str(folder) in message or "requirements.txt" in message, message
