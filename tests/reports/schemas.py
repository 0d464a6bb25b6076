"""Validators for the two published schemas: ours (JSON report) and OASIS SARIF 2.1.0.

The SARIF schema is the official one, copied into tests/fixtures so no test fetches it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@cache
def report_schema() -> dict[str, Any]:
    text = resources.files("auditor").joinpath("schemas/report.schema.json").read_text()
    doc: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


@cache
def sarif_schema() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / "sarif-2.1.0.json").read_text())
    jsonschema.Draft7Validator.check_schema(doc)
    return doc


def validate_report(doc: Any) -> None:
    jsonschema.Draft202012Validator(
        report_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(doc)


def validate_sarif(doc: Any) -> None:
    jsonschema.Draft7Validator(
        sarif_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(doc)
    assert doc["version"] == "2.1.0"
