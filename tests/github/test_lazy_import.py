"""PyGithub loads only when GitHub is really asked (issue 18's warm path).

A quarter of a second of every run went to importing PyGithub, jwt and cryptography,
even with --no-github: the signal catalog imports the GitHub collector for its specs.
"""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str) -> bool:
    probe = code + "\nimport sys\nprint('github' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1] == "True"


def test_the_catalog_and_the_collector_do_not_load_pygithub() -> None:
    assert not _loaded_after(
        "from auditor.collectors.catalog import all_specs\n"
        "all_specs()\n"
        "import auditor.api, auditor.collectors.github, auditor.collectors.backends.github.rest\n"
    )


def test_a_client_that_asks_github_loads_it_and_keeps_it_quiet() -> None:
    assert _loaded_after(
        "from auditor.collectors.backends.github.client import ClientSettings, GitHubApi\n"
        "GitHubApi(ClientSettings(), None)\n"
        "import logging\n"
        "assert not [h for h in logging.getLogger('github').handlers"
        " if type(h) is logging.StreamHandler]\n"
    )
