"""Reading the data files of rules/ (and the user's additions), collecting every problem.

Loaders report all problems at once, so a broken file does not stop the others from
being read: each file that cannot be read or parsed becomes one problem line.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


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
