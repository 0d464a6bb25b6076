"""Which repository URLs may be cloned, and the cached blobless clone of each.

Why so strict: the URL comes from package metadata written by strangers. Only
``https://`` on the GitHub host or on a host the user named is accepted; credentials,
queries and odd path segments are refused, so a URL can neither smuggle a git option
nor escape the cache directory. Plain ``http://`` is possible only on the loopback
interface and only when a caller asks for it explicitly (the tests' local server).

Why a bare blobless clone: history needs commits and trees, not file contents, so
``--filter=blob:none`` makes a clone of a large project a fraction of its full size.
Only the contents of the files present at the analysed commit are fetched, in one
request, to classify them (``linguist``). A later run reuses the clone and fetches
what is new.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from auditor.errors import InputError, OfflineMissError

from .git import DEFAULT_TIMEOUT, GitFailed, run_git

DEFAULT_HOSTS = frozenset({"github.com"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class RemoteLocation:
    """A vetted remote: the URL git is given and where its clone lives in the cache."""

    url: str
    host: str
    owner: str
    name: str

    @property
    def key(self) -> str:
        """A stable identity for caching: host and path, case-folded."""
        return f"{self.host}/{self.owner}/{self.name}".lower()

    def clone_path(self, cache_dir: Path) -> Path:
        host_dir = self.host.replace(":", "_").replace("[", "").replace("]", "")
        return cache_dir / "git" / host_dir / Path(*self.owner.split("/")) / f"{self.name}.git"


def parse_remote(
    url: str,
    *,
    allowed_hosts: frozenset[str] | set[str] | tuple[str, ...] = (),
    allow_insecure_loopback: bool = False,
) -> RemoteLocation:
    """Vet ``url`` and return where it points; raise ``InputError`` saying why not."""
    hosts = {h.lower() for h in DEFAULT_HOSTS} | {h.lower().strip() for h in allowed_hosts}
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower()
    hostname = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        raise InputError(
            f"refusing repository URL {url!r}: it carries credentials",
            hint="Give the plain https:// URL of a public repository.",
        )
    loopback = allow_insecure_loopback and hostname in _LOOPBACK
    if scheme != "https" and not (scheme == "http" and loopback):
        raise InputError(
            f"refusing repository URL {url!r}: only https:// URLs are cloned",
            hint="Use the https:// URL of the repository, or a local path.",
        )
    if netloc.startswith("www."):
        netloc = netloc[4:]
    if not loopback and netloc not in hosts and hostname not in hosts:
        raise InputError(
            f"host {netloc!r} is not allowed for cloning ({url})",
            hint=f"Allow it explicitly with --allow-host {netloc} if you trust it.",
        )
    if parts.query or parts.fragment:
        raise InputError(f"refusing repository URL {url!r}: it has a query or fragment")
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    if len(segments) < 2 or not all(_SEGMENT.match(s) and s not in {".", ".."} for s in segments):
        raise InputError(
            f"refusing repository URL {url!r}: expected https://HOST/OWNER/REPO",
            hint="Give the repository's own URL, not a page inside it.",
        )
    if netloc == "github.com" and len(segments) != 2:
        raise InputError(
            f"{url!r} is not a repository URL (expected https://github.com/OWNER/REPO)"
        )
    owner, name = "/".join(segments[:-1]), segments[-1]
    clean = f"{scheme}://{netloc}/{owner}/{name}.git"
    return RemoteLocation(url=clean, host=netloc, owner=owner, name=name)


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def ensure_clone(
    remote: RemoteLocation,
    cache_dir: Path,
    *,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Return the path of an up-to-date bare blobless clone of ``remote``.

    The first call clones into a temporary directory and renames it into place, so an
    interrupted clone never leaves a half repository behind; later calls fetch. With
    ``offline`` an existing clone is used as it is, and a missing one is an error.
    """
    dest = remote.clone_path(cache_dir)
    with _lock_for(dest):
        if (dest / "HEAD").is_file():
            if not offline:
                _fetch(remote, dest, timeout)
            return dest
        if offline:
            raise OfflineMissError(
                f"no cached clone of {remote.url} and --offline was given",
                hint="Run once without --offline to clone it.",
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{remote.name}.", suffix=".tmp", dir=dest.parent))
        try:
            run_git(
                ["clone", "--bare", "--filter=blob:none", "--quiet", "--", remote.url, str(tmp)],
                cwd=dest.parent,
                timeout=timeout,
            )
            tmp.rename(dest)
        except GitFailed as exc:
            raise InputError(
                f"cannot clone {remote.url}: {exc.detail}",
                hint="Check the URL and your network; private repositories are not supported.",
            ) from exc
        except OSError as exc:
            if not (dest / "HEAD").is_file():
                raise InputError(
                    f"cannot store the clone of {remote.url} at {dest}: {exc}"
                ) from exc
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return dest


def _fetch(remote: RemoteLocation, dest: Path, timeout: float) -> None:
    """Bring the bare clone up to date: branches and tags, pruned, still blobless.

    ``origin`` rather than the URL: git keeps the blob filter only for the promisor
    remote the clone recorded, and a bare clone has no fetch refspec of its own.
    """
    try:
        run_git(
            [
                "fetch",
                "--quiet",
                "--prune",
                "--force",
                "--",
                "origin",
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
            ],
            git_dir=dest,
            timeout=timeout,
        )
    except GitFailed as exc:
        raise InputError(
            f"cannot update the clone of {remote.url}: {exc.detail}",
            hint="Check your network, or use --offline to analyse the cached clone.",
        ) from exc
