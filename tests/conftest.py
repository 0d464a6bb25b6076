"""Test-wide setup: make ``tests.fakes`` importable and keep the user's pip setup out.

pip's configuration on the machine running the tests (extra indexes, index-url) must
never leak into what the production code reads; every test sees an empty pip config.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in (
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "PIP_TRUSTED_HOST",
        "GITHUB_TOKEN",
        "GH_TOKEN",
    ):
        monkeypatch.delenv(var, raising=False)
    # Every flag has an AUDITOR_* variable: the developer's own settings stay out.
    for var in [v for v in os.environ if v.startswith("AUDITOR_")]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path_factory.mktemp("auditor-cache")))
    # No test may reach the real GitHub: a closed loopback port unless a test says otherwise.
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
