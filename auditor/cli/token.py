"""Finding the GitHub token the way developers already have one.

Order: ``GITHUB_TOKEN``, then ``GH_TOKEN``, then ``gh auth token`` when the GitHub CLI is
installed and logged in to the host the audit talks to. Why ask ``gh``: most developers
are logged in with it and should not have to export a token by hand for a local run.

The token is never printed, logged or cached: it goes into ``Settings`` only. ``gh`` runs
with no prompt, no input and a time limit, and its error output is thrown away (it can
name accounts); a failure of any kind simply means "no token".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

ENV_NAMES = ("GITHUB_TOKEN", "GH_TOKEN")
GH_TIMEOUT = 5.0
HOW_TO_GET_ONE = (
    "set GITHUB_TOKEN (or GH_TOKEN) to a token (no scopes needed for public repositories: "
    "https://github.com/settings/tokens), or log in once with the GitHub CLI "
    "(`gh auth login`) and auditor will ask it"
)


def github_host(api_url: str) -> str:
    """The host ``gh`` knows the account by: github.com for the public API, else the API's
    own host (GitHub Enterprise serves the API at https://HOST/api/v3)."""
    host = urlsplit(api_url).netloc.lower()
    return "github.com" if host in ("api.github.com", "github.com") else host


def github_token(
    api_url: str,
    environ: Mapping[str, str] | None = None,
    *,
    timeout: float = GH_TIMEOUT,
) -> str | None:
    """The token to use for ``api_url``, or None when there is none to be had."""
    env = os.environ if environ is None else environ
    for name in ENV_NAMES:
        value = (env.get(name) or "").strip()
        if value:
            return value
    return token_from_gh(github_host(api_url), env, timeout=timeout)


def token_from_gh(host: str, environ: Mapping[str, str], *, timeout: float) -> str | None:
    """``gh auth token --hostname HOST``'s answer, or None (not installed, not logged in
    to that host, too slow, or an answer that does not look like a token)."""
    import shutil
    import subprocess

    gh = shutil.which("gh", path=environ.get("PATH"))
    if gh is None or not host:
        return None
    env = {**environ, "GH_PROMPT_DISABLED": "1", "GH_NO_UPDATE_NOTIFIER": "1", "NO_COLOR": "1"}
    try:
        done = subprocess.run(  # noqa: S603 - argument list, no shell, fixed words
            [gh, "auth", "token", "--hostname", host],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    token = done.stdout.strip()
    if done.returncode != 0 or not token or any(c.isspace() for c in token):
        return None
    return token
