"""CycloneDX SBOMs: PyPI components only, edges, and the application's roots."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.sources.cyclonedx import parse_purl
from tests.sources.helpers import DATA, read


def test_sbom_components_edges_and_roots() -> None:
    result = read(DATA / "sbom" / "app.cdx.json")
    assert [(r.name, r.specifier) for r in result.requirements] == [
        ("langchain", "==0.2.5"),
        ("torch", "==2.3.1+cu121"),
    ]
    locked = {p.name: p for p in result.locked or ()}
    assert set(locked) == {"langchain", "pydantic", "torch", "typing-extensions"}
    assert locked["torch"].version == "2.3.1+cu121" and locked["torch"].origin.line == 30
    assert [d.name for d in locked["torch"].dependencies or ()] == ["typing-extensions"]
    assert any("deb" in w for w in result.warnings)


def test_sbom_without_dependencies_has_unknown_edges(tmp_path: Path) -> None:
    data = json.loads((DATA / "sbom" / "app.cdx.json").read_text())
    del data["dependencies"]
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(data, indent=2))
    result = read(path)
    assert all(p.dependencies is None for p in result.locked or ())
    assert len(result.requirements) == 4


def test_parse_purl() -> None:
    assert parse_purl("pkg:pypi/Flash_Attn@2.5.8%2Bcu124?arch=x86_64") == (
        "pypi",
        "Flash_Attn",
        "2.5.8+cu124",
    )
    assert parse_purl("pkg:npm/%40scope/name@1.0.0") == ("npm", "name", "1.0.0")
    assert parse_purl("not-a-purl") is None
