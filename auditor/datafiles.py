"""Finding and reading the data files of rules/ (and the user's additions).

Loaders report all problems at once, so a broken file does not stop the others from
being read: each file that cannot be read or parsed becomes one problem line. The
shipped folder is found here, once, so no module needs to know how deep it sits.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_MARKER = "taxonomy.toml"


def rules_root() -> Path:
    """The shipped ``rules/`` folder: inside the package when installed, else the tree's."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "rules", package_dir.parent / "rules"):
        if (candidate / _MARKER).is_file():
            return candidate
    return package_dir.parent / "rules"


def read_toml_files(
    paths: Iterable[Path], problems: list[str]
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, document) for each readable TOML file; the others are added to ``problems``."""
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: invalid TOML: {exc}")
            continue
        yield path, data
