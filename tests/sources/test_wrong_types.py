"""Wrong-typed fields in every structured format: an input error with file and line.

Each case is one the fuzz tests found crashing a reader (exit 4) before the readers
checked the types they rely on; it now names the file, the line where there is one, and
the field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.model import SourceOptions
from auditor.sources import read_input
from auditor.sources.detect import SOURCES, read_as
from auditor.sources.interface import InputFile

UV_ROOT = '[[package]]\nname = "app"\nversion = "0.1"\nsource = { editable = "." }\n'

CASES: list[tuple[str, str, str]] = [
    (
        "Pipfile.lock",
        json.dumps({"_meta": {}, "default": {"requests": {"version": ["==2.0"]}}}, indent=1),
        ":4: cannot parse 'requests.version': expected a version string, found a list",
    ),
    (
        "Pipfile.lock",
        json.dumps({"_meta": {}, "default": {"requests": "==2.0"}}, indent=1),
        ":4: cannot parse 'requests': expected a table, found a string",
    ),
    (
        "Pipfile.lock",
        json.dumps({"_meta": {}, "default": ["requests"]}, indent=1),
        ":3: cannot parse 'default': expected a table, found a list",
    ),
    (
        "bom.json",
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "components": [{"purl": "pkg:pypi/a@1", "bom-ref": 7}],
            },
            indent=1,
        ),
        ":5: cannot parse 'bom-ref': expected a string, found a number",
    ),
    (
        "bom.json",
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "components": [],
                "dependencies": [{"ref": "a", "dependsOn": 1}],
            }
        ),
        "cannot parse 'dependsOn of a': expected a list, found a number",
    ),
    (
        "bom.json",
        json.dumps({"bomFormat": "CycloneDX", "components": {"purl": "pkg:pypi/a@1"}}),
        "cannot parse 'components': expected a list, found a table",
    ),
    (
        "uv.lock",
        UV_ROOT + 'dependencies = [{ name = "a" }]\n\n[[package]]\nname = "a"\nversion = "1"\n'
        "dependencies = 5\n",
        ":7: cannot parse 'dependencies': expected a list, found a number",
    ),
    (
        "uv.lock",
        UV_ROOT + "dependencies = [{ name = 3 }]\n",
        ":1: cannot parse 'dependencies[].name': expected a string, found a number",
    ),
    (
        "poetry.lock",
        '[[package]]\nname = "a"\nversion = "1"\ngroups = "main"\n',
        ":1: cannot parse 'groups': expected a list, found a string",
    ),
    (
        "poetry.lock",
        '[[package]]\nname = "a"\nversion = "1"\n[package.dependencies]\nb = { version = [2] }\n',
        "cannot parse \"b = {'version': [2]}\": expected a version constraint string, found a list",
    ),
    (
        "pdm.lock",
        '[[package]]\nname = "a"\nversion = "1"\ndependencies = "b>=1"\n',
        ":1: cannot parse 'dependencies': expected a list, found a string",
    ),
    (
        "pylock.toml",
        'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\ndependencies = ["b"]\n',
        ":2: cannot parse 'dependencies[]': expected a table, found a string",
    ),
    (
        "pylock.toml",
        'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = [1]\n',
        ":2: cannot parse 'version': expected a version string, found a list",
    ),
    (
        "pyproject.toml",
        '[project]\nname = "app"\ndependencies = ["requests", 5]\n',
        ":3: cannot parse '[project].dependencies': expected a PEP 508 requirement string, "
        "found a number",
    ),
    (
        "pyproject.toml",
        '[tool.poetry.dependencies]\npython = "^3.11"\n'
        'requests = { version = "^2", extras = "x" }\n',
        ':3: cannot parse \'requests = { version = "^2", extras = "x" }\': expected a list',
    ),
    (
        "requirements.txt",
        'requests\npkg ; "a" == "b"\n',
        ':2: cannot parse \'pkg ; "a" == "b"\': invalid marker',
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES)
def test_wrong_type_is_an_input_error_with_file_and_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_input(str(path), SourceOptions())
    assert f"{path}{expected}" in err.value.message or (
        str(path) in err.value.message and expected in err.value.message
    ), err.value.message


def test_the_safety_net_turns_an_unforeseen_shape_into_an_input_error() -> None:
    """Beneath the readers' own checks, read_input's net still names the file (exit 2)."""

    class Broken(SOURCES[0]):  # type: ignore[misc,valid-type]
        def read(self, source: InputFile, options: SourceOptions) -> None:  # type: ignore[override]
            raise TypeError("'int' object is not iterable")

    source = InputFile(display="odd/uv.lock", path=None, text="")
    with pytest.raises(InputError) as err:
        read_as(Broken, source, SourceOptions())
    assert err.value.message.startswith("odd/uv.lock: cannot read it as a uv lock file")
    assert "TypeError" in err.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('project = "app"\n', ":1: cannot parse 'project': expected a table, found a string"),
        (
            '[project]\nname = "a"\noptional-dependencies = ["x"]\n',
            ":3: cannot parse 'project.optional-dependencies': expected a table, found a list",
        ),
        (
            '[tool.poetry]\nname = "a"\ndependencies = ["requests"]\n',
            ":3: cannot parse 'tool.poetry.dependencies': expected a table, found a list",
        ),
        (
            '[tool.poetry.group.dev]\ndependencies = "pytest"\n',
            ":1: cannot parse 'tool.poetry.group.dev.dependencies': expected a table",
        ),
    ],
)
def test_pyproject_tables_of_the_wrong_type_are_not_read_as_empty(
    tmp_path: Path, text: str, expected: str
) -> None:
    """A project whose dependency table is a string would otherwise audit as "no deps"."""
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_input(str(path), SourceOptions(all_groups=True))
    assert f"{path}{expected}" in err.value.message, err.value.message
