"""CycloneDX JSON SBOMs: the PyPI components, their edges, and the application's roots.

SBOMs of AI apps often list OS packages, models and npm parts too; those are not ours
to audit, so they are skipped and counted in a warning rather than failing the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import unquote

from packaging.utils import canonicalize_name

import auditor.sources._shape as shape
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


def _components(value: object, display: str) -> Iterator[dict[str, Any]]:
    """Every component, nested ones included, depth first (the nesting is bounded)."""
    stack = list(reversed(shape.items(value, display, None, "components")))
    while stack:
        item = shape.table(stack.pop(), display, None, "components[]")
        yield item
        stack.extend(reversed(shape.items(item.get("components"), display, None, "components")))


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
        for comp in _components(data.get("components"), source.display):
            purl = comp.get("purl")
            parsed = parse_purl(purl) if isinstance(purl, str) else None
            if parsed is None or parsed[0] != "pypi" or not parsed[1]:
                kind = parsed[0] if parsed else "no purl"
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            _, name, version = parsed
            hit = index.value(str(purl))
            line = None if hit is None else hit + 1
            bom_ref = comp.get("bom-ref", purl)
            ref = shape.text(bom_ref, source.display, line, "bom-ref")
            by_ref[ref] = canonicalize_name(name)
            found.append((ref, name, version, line))
        deps_of: dict[str, list[str]] = {}
        for entry in shape.items(data.get("dependencies"), source.display, None, "dependencies"):
            entry = shape.table(entry, source.display, None, "dependencies[]")
            ref = shape.text(entry.get("ref"), source.display, None, "dependencies[].ref")
            deps_of[ref] = shape.strings(
                entry.get("dependsOn"), source.display, None, f"dependsOn of {ref}"
            )
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
