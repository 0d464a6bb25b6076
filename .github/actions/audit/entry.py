"""The auditor GitHub Action's one step, in Python so it runs the same on Linux, macOS and
Windows runners (the bash script it replaces could not run on Windows).

What it does, in order:

1. Installs auditor from the action's own checkout into a virtual environment under
   ``RUNNER_TEMP`` (the caller's Python and PATH are never touched), with the Python that
   ``actions/setup-python`` provided with ``update-environment: false``.
2. Runs one audit that writes JSON, Markdown and SARIF, with the cache in
   ``RUNNER_TEMP/auditor-cache`` (restored and saved by ``actions/cache`` around this step).
3. Appends the Markdown report to ``GITHUB_STEP_SUMMARY`` (or says the audit did not
   finish), and writes outputs to ``GITHUB_OUTPUT``: the exit code, the highest risk and
   the count per level, and the path of each report *that was written*, so a later
   ``if: steps.audit.outputs.sarif != ''`` never points an upload at a missing file.
4. Exits with the audit's exit code, so the step fails exactly when the gate does.

Inputs arrive as environment variables (``INPUT_REQUIREMENTS``, ``INPUT_FAIL_ON``,
``INPUT_STRICT``, ``INPUT_EXTRA_ARGS``), never pasted into a script. Only the standard
library is used: this runs before auditor is installed. ``ACTION_AUDITOR_PYTHON`` names an
interpreter that already has auditor (tests, self-hosted runners) and skips the install.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

LEVELS = ("none", "unknown", "low", "medium", "high", "critical")  # unknown: never read as none
EXIT_NOT_INSTALLED = 3
TRUE_WORDS = {"true", "1", "yes", "on"}


def venv_python(venv: Path, *, windows: bool = os.name == "nt") -> Path:
    """The interpreter inside a virtual environment, on Windows and elsewhere."""
    if windows:
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def install(runner_temp: Path, log: list[str]) -> Path | None:
    """A virtual environment with auditor from this checkout; None (and why, in ``log``)
    when it could not be made."""
    given = os.environ.get("ACTION_AUDITOR_PYTHON")
    if given:
        return Path(given)
    venv = runner_temp / "auditor-venv"
    source = Path(__file__).resolve().parents[3]
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [
            str(venv_python(venv)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(source),
        ],
    ]
    for command in steps:
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - argument list, no shell
        except OSError as exc:
            log.append(f"`{command[0]}` cannot run: {exc.strerror or exc}")
            return None
        if done.returncode != 0:
            log.append(f"`{' '.join(command[:4])} …` failed (exit {done.returncode})")
            sys.stderr.write(done.stdout + done.stderr)
            return None
    return venv_python(venv)


def audit_command(python: Path, out_dir: Path) -> list[str]:
    """``python -m auditor audit …`` from the inputs."""
    files = os.environ.get("INPUT_REQUIREMENTS", "").split() or ["requirements.txt"]
    command = [str(python), "-m", "auditor", "audit", *files]
    command += ["--fail-on", os.environ.get("INPUT_FAIL_ON", "").strip() or "high"]
    if os.environ.get("INPUT_STRICT", "").strip().lower() in TRUE_WORDS:
        command.append("--strict")
    command += shlex.split(os.environ.get("INPUT_EXTRA_ARGS", ""))
    reports = paths(out_dir)
    command += ["--format", "json", "--output", str(reports["json"])]
    command += ["--report", f"markdown={reports['markdown']}"]
    command += ["--report", f"sarif={reports['sarif']}"]
    return command


def paths(out_dir: Path) -> dict[str, Path]:
    return {
        "json": out_dir / "auditor.json",
        "markdown": out_dir / "auditor.md",
        "sarif": out_dir / "auditor.sarif",
    }


def outputs(code: int, reports: dict[str, Path]) -> list[tuple[str, str]]:
    """The step's outputs: a report's path only if it was written."""
    out: list[tuple[str, str]] = [("exit-code", str(code))]
    written = {name: p for name, p in reports.items() if p.is_file() and p.stat().st_size}
    out += [(name, str(p)) for name, p in written.items()]
    summary = _summary(written.get("json"))
    if summary is None:
        out.append(("highest-risk", "unknown"))
        return out
    levels, packages = summary
    present = [lv for lv in LEVELS if levels.get(lv, 0) > 0]
    out.append(("highest-risk", present[-1] if present else "none"))
    out += [(lv, str(levels.get(lv, 0))) for lv in LEVELS]
    out.append(("packages", str(packages)))
    return out


def _summary(path: Path | None) -> tuple[dict[str, int], int] | None:
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        levels = {str(k): int(v) for k, v in doc["summary"]["levels"].items()}
        return levels, int(doc["summary"]["packages"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def append(path_var: str, text: str) -> None:
    """Append to a ``GITHUB_*`` file; outside Actions (no variable) print instead."""
    target = os.environ.get(path_var)
    if not target:
        sys.stdout.write(text)
        return
    # "\n" even on Windows: a "\r" would end up inside the output's value.
    with open(target, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def main() -> int:
    runner_temp = Path(os.environ.get("RUNNER_TEMP") or Path.cwd() / ".auditor-tmp")
    out_dir = Path(os.environ.get("ACTION_OUTPUT_DIR") or runner_temp / "auditor")
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = paths(out_dir)
    for stale in reports.values():  # a report from an earlier run must not pass for this one
        stale.unlink(missing_ok=True)
    log: list[str] = []
    python = install(runner_temp, log)
    if python is None:
        code = EXIT_NOT_INSTALLED
    else:
        env = dict(os.environ)
        env.setdefault("AUDITOR_CACHE_DIR", str(runner_temp / "auditor-cache"))
        try:
            command = audit_command(python, out_dir)
            code = subprocess.run(command, env=env, check=False).returncode  # noqa: S603 - list, no shell
        except OSError as exc:
            log.append(f"cannot run {python}: {exc.strerror or exc}")
            code = EXIT_NOT_INSTALLED
    markdown = reports["markdown"]
    if markdown.is_file() and markdown.stat().st_size:
        append("GITHUB_STEP_SUMMARY", markdown.read_text(encoding="utf-8"))
    else:
        why = log[0] if log else "See the step's log for the error and what to do next."
        append(
            "GITHUB_STEP_SUMMARY",
            f"## auditor: the audit did not finish (exit {code})\n\n{why}\n",
        )
    append("GITHUB_OUTPUT", "".join(f"{k}={v}\n" for k, v in outputs(code, reports)))
    return code


if __name__ == "__main__":
    sys.exit(main())
