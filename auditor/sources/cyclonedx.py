"""CycloneDX JSON SBOMs: the PyPI components, their edges, and the application's roots.

SBOMs of AI apps often list OS packages, models and npm parts too; those are not ours
to audit, so they are skipped and counted in a warning rather than failing the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import unquote

from packaging.utils import canonicalize_name

from auditor.errors import ParseError
from auditor.model import DependencyInput, LockedDependency, LockedPackage, Origin, SourceOptions
from auditor.sources._base import BaseSource
from auditor.sources._graph import unrequired
from auditor.sources._lockutil import pinned_root
from auditor.sources._text import LineIndex, load_json
from auditor.sources.interface import InputFile


def parse_purl(purl: str) -> tuple[str, str, str | None] | None:
    """``pkg:type/namespace/name@version?q#s`` → (type, name, version)."""
    if not purl.startswith("pkg:"):
        return None
    body = purl[4:].split("#", 1)[0].split("?", 1)[0]
    kind, _, rest = body.partition("/")
    if not rest:
        return None
    path, _, version = rest.rpartition("@") if "@" in rest else (rest, "", "")
    name = unquote(path.rsplit("/", 1)[-1])
    return kind.lower(), name, unquote(version) or None


def _components(items: object) -> Iterator[dict[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            yield item
            yield from _components(item.get("components"))


class CycloneDxSource(BaseSource):
    """CycloneDX JSON SBOMs (``*.cdx.json``, ``bom.json``)."""

    kind: ClassVar[str] = "cyclonedx"
    description: ClassVar[str] = "CycloneDX JSON SBOM (*.cdx.json, bom.json)"

    @classmethod
    def matches_name(cls, name: str) -> bool:
        lowered = name.lower()
        return lowered.endswith((".cdx.json", ".cyclonedx.json")) or lowered == "bom.json"

    @classmethod
    def matches_content(cls, head: str) -> bool:
        return head.lstrip().startswith("{") and '"bomFormat"' in head and "CycloneDX" in head

    def read(self, source: InputFile, options: SourceOptions) -> DependencyInput:
        data = load_json(source.text, source.display)
        if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
            raise ParseError(
                source.display, 1, "bomFormat", "not a CycloneDX JSON document (no bomFormat)"
            )
        index = LineIndex(source.text)
        by_ref: dict[str, str] = {}
        found: list[tuple[str, str, str | None, int | None]] = []
        skipped: dict[str, int] = {}
        for comp in _components(data.get("components")):
            purl = comp.get("purl")
            parsed = parse_purl(purl) if isinstance(purl, str) else None
            if parsed is None or parsed[0] != "pypi":
                kind = parsed[0] if parsed else "no purl"
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            _, name, version = parsed
            ref = str(comp.get("bom-ref", purl))
            by_ref[ref] = canonicalize_name(name)
            hit = index.value(str(purl))
            found.append((ref, name, version, None if hit is None else hit + 1))
        deps_of: dict[str, list[str]] = {}
        listed = data.get("dependencies")
        for entry in listed if isinstance(listed, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("ref"), str):
                deps_of[entry["ref"]] = [str(r) for r in entry.get("dependsOn", []) or []]
        locked = [
            LockedPackage(
                name=canonicalize_name(name),
                version=version,
                origin=Origin(path=source.display, line=line),
                dependencies=tuple(
                    LockedDependency(name=by_ref[r]) for r in deps_of[ref] if r in by_ref
                )
                if ref in deps_of
                else None,
                source=None,
            )
            for ref, name, version, line in found
        ]
        return DependencyInput(
            path=source.display,
            kind=self.kind,
            requirements=tuple(pinned_root(p) for p in self._roots(data, locked, by_ref, deps_of)),
            locked=tuple(locked),
            warnings=tuple(
                f"{source.display}: skipped {count} non-PyPI component(s) ({kind})"
                for kind, count in sorted(skipped.items())
            ),
        )

    @staticmethod
    def _roots(
        data: dict[str, Any],
        locked: list[LockedPackage],
        by_ref: dict[str, str],
        deps_of: dict[str, list[str]],
    ) -> list[LockedPackage]:
        metadata = data.get("metadata", {})
        app = metadata.get("component", {}) if isinstance(metadata, dict) else {}
        app_ref = app.get("bom-ref") if isinstance(app, dict) else None
        if isinstance(app_ref, str) and app_ref in deps_of:
            names = {by_ref[r] for r in deps_of[app_ref] if r in by_ref}
            return [p for p in locked if p.name in names]
        if deps_of:
            return unrequired(locked)
        return locked
