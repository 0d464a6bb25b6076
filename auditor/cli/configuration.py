"""Flags, ``AUDITOR_*`` variables and the configuration file, in one documented order.

Precedence, highest first: a flag on the command line, then its environment variable,
then the configuration file (``[tool.auditor.COMMAND]``, then ``[tool.auditor]``), then
the flag's default. Why derive all of it from the argparse definitions: every flag then
has a config key and a variable by construction (``--fail-on`` is ``fail-on`` and
``AUDITOR_FAIL_ON``), with the same type and choices, and a new flag cannot forget them.

The values found are set as the parser's defaults and the command line is parsed again,
so argparse itself decides what the user typed. A repeatable flag given on the command
line replaces the configured list rather than adding to it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.configfile import ConfigFile, find_config, read_config, search_start
from auditor.errors import InputError

ENV_PREFIX = "AUDITOR_"
# Variables other tools already use for the same thing, read after AUDITOR_*.
ENV_ALIASES: Mapping[str, tuple[str, ...]] = {"github-api-url": ("GITHUB_API_URL",)}
# Keys whose relative paths in a configuration file are relative to that file's folder.
PATH_KEYS = frozenset(
    {"requirement", "output", "report", "cache-dir", "baseline", "policy", "rules", "taxonomy"}
)
# Keys a configuration file may not set: the file sits in the checkout a pull request can
# change, and these switch off a protection against exactly such a change.
CLI_ONLY_KEYS = frozenset({"allow-outside-includes"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True, kw_only=True)
class Layered:
    """What the layers chose: the config file used and the variables that were read."""

    config: Path | None
    env_names: tuple[str, ...]


def option_key(action: argparse.Action) -> str | None:
    """The config key of a flag: its long name without dashes; None for positionals,
    --help and --version, which have no setting."""
    if isinstance(action, argparse._HelpAction | argparse._VersionAction):
        return None
    if action.dest == argparse.SUPPRESS:
        return None
    for option in action.option_strings:
        if option.startswith("--"):
            return option[2:]
    return None


def env_name(key: str) -> str:
    """``fail-on`` -> ``AUDITOR_FAIL_ON``."""
    return ENV_PREFIX + key.upper().replace("-", "_")


def keyed_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The command's flags by config key."""
    out: dict[str, argparse.Action] = {}
    for action in parser._actions:
        key = option_key(action)
        if key is not None:
            out[key] = action
    return out


def command_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands' parsers by name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def all_keys() -> dict[str, frozenset[str]]:
    """Every command's config keys (builds the full parser: only done when a file exists)."""
    from auditor.cli import build_parser

    return {
        name: frozenset(keyed_actions(sub)) for name, sub in command_parsers(build_parser()).items()
    }


def apply_layers(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    argv: Sequence[str],
    environ: Mapping[str, str] | None = None,
) -> tuple[argparse.Namespace, Layered]:
    """Parse ``argv`` again with defaults taken from the environment and the config file."""
    env = os.environ if environ is None else environ
    command = getattr(args, "command", None)
    sub = command_parsers(parser).get(command or "")
    if sub is None:
        return args, Layered(config=None, env_names=())
    actions = keyed_actions(sub)
    if not actions:
        return args, Layered(config=None, env_names=())
    files = [
        str(f)
        for name in ("files", "requirement", "for_files")
        for f in (getattr(args, name, None) or [])
    ]
    config_path = find_config(search_start(files))
    overrides: dict[str, object] = {}
    if config_path is not None:
        overrides.update(_from_config(read_config(config_path), command or "", actions))
    from_env, names = _from_env(actions, env)
    overrides.update(from_env)
    if not overrides:
        return args, Layered(config=config_path, env_names=names)
    sub.set_defaults(**overrides)
    layered = parser.parse_args(argv)
    for key, action in actions.items():
        preset = overrides.get(action.dest)
        value = getattr(layered, action.dest, None)
        if (
            key in actions
            and isinstance(action, argparse._AppendAction)
            and isinstance(preset, list)
            and isinstance(value, list)
            and len(value) > len(preset)
        ):
            setattr(layered, action.dest, value[len(preset) :])  # the flag replaces the list
    return layered, Layered(config=config_path, env_names=names)


def _from_config(
    config: ConfigFile, command: str, actions: Mapping[str, argparse.Action]
) -> dict[str, object]:
    """Defaults from the file: the shared table, then the command's own table."""
    known = all_keys()
    config.check_keys(frozenset().union(*known.values()))
    for name in config.commands:
        config.check_keys(known.get(name, frozenset()), table=name)
    out: dict[str, object] = {}
    shared: list[tuple[str, object, str | None]] = [(k, v, None) for k, v in config.values.items()]
    own: list[tuple[str, object, str | None]] = [
        (k, v, command) for k, v in config.commands.get(command, {}).items()
    ]
    for key, raw, table in (*shared, *own):
        action = actions.get(key)
        if action is None:
            continue  # a key for another command
        where = f"{config.where(key, table)}: {key} = {raw!r}"
        if key in CLI_ONLY_KEYS:
            raise InputError(
                f"{where}: {key} cannot be set in a configuration file",
                hint=f"A change under review could set it; pass --{key} or set "
                f"{env_name(key)} in the CI job instead.",
            )
        try:
            value = _config_value(action, key, raw, where)
        except InputError as exc:
            if table is not None or exc.hint:
                raise
            section = f"{config.prefix}.{command}" if config.prefix else command
            raise InputError(
                f"{exc.message} (for `{command}`)",
                hint=f"A value for one command only goes in its own table: [{section}].",
            ) from exc
        out[action.dest] = _relative(value, key, config.path.parent)
    return out


def _relative(value: object, key: str, base: Path) -> object:
    if key not in PATH_KEYS:
        return value
    if isinstance(value, list):
        return [_relative(v, key, base) for v in value]
    if isinstance(value, tuple) and len(value) == 2:  # --report FORMAT=FILE
        return (value[0], _relative(value[1], key, base))
    if isinstance(value, Path):
        return value if value.is_absolute() else base / value
    if isinstance(value, str) and value != "-" and not Path(value).is_absolute():
        return str(base / value)
    return value


def _config_value(action: argparse.Action, key: str, raw: object, where: str) -> object:
    if _is_flag(action):
        if not isinstance(raw, bool):
            raise InputError(f"{where}: must be true or false")
        return raw
    if isinstance(action, argparse._CountAction):
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise InputError(f"{where}: must be a whole number (how many times -{key[0]})")
        return raw
    if isinstance(action, argparse._AppendAction):
        items = raw if isinstance(raw, list) else [raw]
        return [_scalar(action, item, where) for item in items]
    return _scalar(action, raw, where)


def _scalar(action: argparse.Action, raw: object, where: str) -> object:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InputError(f"{where}: must be a string or a number")
    return _typed(action, str(raw), where)


def _typed(action: argparse.Action, text: str, where: str) -> object:
    """The value as argparse would make it from ``text``, choices checked."""
    value: object = text
    if callable(action.type):
        try:
            value = action.type(text)
        except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
            raise InputError(f"{where}: {exc}") from exc
    if action.choices is not None and value not in action.choices:
        choices = [str(c) for c in action.choices]
        import difflib  # only for a mistyped value

        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        raise InputError(
            f"{where}: not one of {', '.join(choices)}",
            hint=f"Did you mean {close[0]!r}?" if close else None,
        )
    return value


def _is_flag(action: argparse.Action) -> bool:
    return isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction)


def _from_env(
    actions: Mapping[str, argparse.Action], env: Mapping[str, str]
) -> tuple[dict[str, object], tuple[str, ...]]:
    """Defaults from ``AUDITOR_*`` (and the aliases): a flag's value as text; on/off for
    switches (1/0, true/false, yes/no); whitespace-separated for repeatable flags."""
    out: dict[str, object] = {}
    names: list[str] = []
    for key, action in actions.items():
        for name in (env_name(key), *ENV_ALIASES.get(key, ())):
            raw = env.get(name)
            if raw is None:
                continue
            names.append(name)
            out[action.dest] = _env_value(action, key, name, raw)
            break
    return out, tuple(names)


def _env_value(action: argparse.Action, key: str, name: str, raw: str) -> object:
    where = f"{name}={raw!r}"
    if _is_flag(action):
        word = raw.strip().lower()
        if word in _TRUE:
            return bool(action.const)
        if word in _FALSE:
            return bool(action.default)
        raise InputError(f"{where}: use 1 or 0 (true/false, yes/no)")
    if isinstance(action, argparse._CountAction):
        if not raw.strip().isdigit():
            raise InputError(f"{where}: must be a whole number")
        return int(raw)
    if isinstance(action, argparse._AppendAction):
        return [_typed(action, item, where) for item in raw.split()]
    return _typed(action, raw.strip(), where)


def merge_requirements(args: argparse.Namespace) -> None:
    """``-r FILE`` (pip-audit's spelling) and positional files are one list of inputs."""
    extra = getattr(args, "requirement", None)
    if extra:
        args.files = [*(getattr(args, "files", None) or []), *(str(f) for f in extra)]


def tell_layers(args: argparse.Namespace, layered: Layered) -> None:
    """With -v: which file and variables were read (names only: values may be secret)."""
    if not getattr(args, "verbose", 0):
        return
    where = str(layered.config) if layered.config is not None else "none found"
    sys.stderr.write(f"config: {where}\n")
    if layered.env_names:
        sys.stderr.write(f"config: from the environment: {', '.join(layered.env_names)}\n")


def documented_keys(actions: Iterable[argparse.Action]) -> list[tuple[str, str]]:
    """(config key, variable) for every flag: what README's table lists."""
    return [(k, env_name(k)) for k in (option_key(a) for a in actions) if k is not None]
