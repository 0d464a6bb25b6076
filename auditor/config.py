"""Where things are: index URLs, the cache directory, the target environment.

All of it is read at run time from flags, then the environment, then pip's own
configuration, so that the tool goes where pip would go on this machine and the
repository never names a registry host.
"""

from __future__ import annotations

import configparser
import os
import platform as _platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import default_environment

from auditor.errors import InputError
from auditor.model import Target

if TYPE_CHECKING:
    from packaging import tags


@dataclass(frozen=True, kw_only=True)
class IndexLocation:
    """The indexes to query, in order, and which configuration layer chose the first."""

    index_url: str
    extra_index_urls: tuple[str, ...]
    trusted_hosts: tuple[str, ...]
    chosen_by: str


def _pip_config_files(env: Mapping[str, str]) -> list[Path]:
    """pip's configuration files, lowest precedence first, as pip documents them.

    Read with configparser rather than pip's own loader: importing pip's configuration
    module costs more than a warm audit is allowed to take.
    """
    if env.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    config_home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    dirs = env.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files = [Path(d) / "pip" / "pip.conf" for d in reversed(dirs) if d]
    files.append(Path("/etc/pip.conf"))
    files += [Path.home() / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
    files.append(Path(sys.prefix) / "pip.conf")
    if env.get("PIP_CONFIG_FILE"):
        files.append(Path(env["PIP_CONFIG_FILE"]))
    return files


def _pip_configuration(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """pip's merged configuration as ``section.key`` -> value (later files win)."""
    env = os.environ if env is None else env
    merged: dict[str, str] = {}
    for path in _pip_config_files(env):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in parser.sections():
            for key, value in parser.items(section):
                merged[f"{section}.{key}"] = value
    return merged


def _pip_default_index() -> str | None:
    try:
        from pip._internal.models.index import PyPI
    except Exception:  # pragma: no cover - pip missing or reorganised
        return None
    return str(PyPI.simple_url)


def _pip_setting(conf: Mapping[str, str], name: str) -> str | None:
    for section in ("install", "download", "global"):
        value = conf.get(f"{section}.{name}")
        if value:
            return value
    return None


def index_location(
    *,
    flag_index_url: str | None = None,
    flag_extra_index_urls: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
    pip_conf: Mapping[str, str] | None = None,
    pip_default: str | None = None,
) -> IndexLocation:
    """Pick the indexes the way a user of pip or uv on this machine would expect.

    Order: ``--index-url``, ``PIP_INDEX_URL``/``UV_INDEX_URL``, pip's configuration files,
    then pip's built-in default. Extra indexes are added from the flag, the environment and
    pip's configuration. Arguments exist so tests can inject every layer.
    """
    env = os.environ if environ is None else environ
    conf = _pip_configuration(env) if pip_conf is None else pip_conf
    extras: list[str] = list(flag_extra_index_urls)
    for var in ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"):
        extras.extend(env.get(var, "").split())
    conf_extra = _pip_setting(conf, "extra-index-url")
    if conf_extra:
        extras.extend(conf_extra.split())
    trusted = tuple((_pip_setting(conf, "trusted-host") or "").split()) + tuple(
        env.get("PIP_TRUSTED_HOST", "").split()
    )

    candidates: list[tuple[str | None, str]] = [
        (flag_index_url, "--index-url"),
        (env.get("PIP_INDEX_URL"), "PIP_INDEX_URL"),
        (env.get("UV_INDEX_URL"), "UV_INDEX_URL"),
        (_pip_setting(conf, "index-url"), "pip configuration"),
    ]
    for value, layer in candidates:
        if value:
            return IndexLocation(
                index_url=value.strip(),
                extra_index_urls=_dedupe(extras, value),
                trusted_hosts=trusted,
                chosen_by=layer,
            )
    default = pip_default if pip_default is not None else _pip_default_index()
    if not default:
        raise InputError(
            "no package index is configured and pip's default could not be read",
            hint="Pass --index-url URL, or set PIP_INDEX_URL, or install pip in this environment.",
        )
    return IndexLocation(
        index_url=default,
        extra_index_urls=_dedupe(extras, default),
        trusted_hosts=trusted,
        chosen_by="pip's default",
    )


def _dedupe(urls: list[str], primary: str) -> tuple[str, ...]:
    seen = {primary.rstrip("/")}
    out: list[str] = []
    for url in urls:
        key = url.rstrip("/")
        if key not in seen:
            seen.add(key)
            out.append(url)
    return tuple(out)


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``AUDITOR_CACHE_DIR``, else the platform's user cache directory."""
    env = os.environ if environ is None else environ
    if env.get("AUDITOR_CACHE_DIR"):
        return Path(env["AUDITOR_CACHE_DIR"]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("auditor", appauthor=False))


# Marker values per target platform. The machine keeps its own architecture: a user on
# x86_64 asking for "linux" means x86_64 Linux, which is what CI runners are.
_PLATFORMS: dict[str, dict[str, str]] = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
}
_PLATFORM_ALIASES = {"darwin": "macos", "mac": "macos", "win32": "windows", "win": "windows"}


def make_target(python_version: str | None = None, platform: str | None = None) -> Target:
    """The running interpreter's environment, with the version and OS overridden if asked."""
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if python_version:
        parts = python_version.strip().split(".")
        if len(parts) < 2 or not all(p.isdigit() for p in parts):
            raise InputError(
                f"--python-version {python_version!r} is not a version like 3.11 or 3.11.4",
                hint="Give the major and minor version of the Python you deploy on.",
            )
        env["python_version"] = ".".join(parts[:2])
        env["python_full_version"] = (
            ".".join(parts) if len(parts) > 2 else f"{parts[0]}.{parts[1]}.0"
        )
        if env["python_version"] != running:
            env["implementation_version"] = env["python_full_version"]
    plat = current_platform()
    if platform:
        plat = _PLATFORM_ALIASES.get(platform.lower(), platform.lower())
        if plat not in _PLATFORMS:
            raise InputError(
                f"--platform {platform!r} is not one of: {', '.join(sorted(_PLATFORMS))}",
            )
        env.update(_PLATFORMS[plat])
        if plat == "macos":
            env["platform_machine"] = "arm64"
        elif plat == "windows":
            env["platform_machine"] = "AMD64"
        elif env.get("platform_machine") in ("arm64", "AMD64"):
            env["platform_machine"] = "x86_64"
    return Target(
        python_version=env["python_version"],
        python_full_version=env["python_full_version"],
        platform=plat,
        marker_environment=tuple(sorted(env.items())),
    )


def current_platform() -> str:
    system = _platform.system()
    return {"Darwin": "macos", "Windows": "windows"}.get(system, "linux")


def target_tags(target: Target) -> list[tags.Tag]:
    """Wheel tags the target accepts, best first, to choose which wheel's metadata to read.

    For the running interpreter these are pip's own tags; for another target they are
    built from the version and a representative platform list.
    """
    from packaging import tags  # computing tags is for resolving, not a warm run

    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if target.python_version == running and target.platform == current_platform():
        return list(tags.sys_tags())
    major, minor = (int(x) for x in target.python_version.split(".")[:2])
    machine = target.markers().get("platform_machine", "x86_64")
    platforms: list[str]
    if target.platform == "linux":
        arch = "aarch64" if machine in ("aarch64", "arm64") else "x86_64"
        platforms = [f"manylinux_2_{m}_{arch}" for m in range(39, 4, -1)]
        platforms += [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]
        platforms += [f"musllinux_1_{m}_{arch}" for m in range(2, -1, -1)]
        platforms += [f"linux_{arch}"]
    elif target.platform == "macos":
        platforms = list(tags.mac_platforms((14, 0), "arm64"))
    else:
        platforms = ["win_amd64"]
    out = list(tags.cpython_tags((major, minor), platforms=platforms))
    out += list(tags.compatible_tags((major, minor), platforms=platforms))
    return out
