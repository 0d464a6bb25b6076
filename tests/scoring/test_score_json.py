"""The JSON form of a score, field by field: reports, baselines and explain read it.

The mutation run (benchmarks/mutation.py) found that no test read the evidence of a
finding in JSON: any of its fields could be dropped or swapped unnoticed.
"""

from __future__ import annotations

from datetime import date

from auditor.judge.scoring import Evidence

from .test_policy import score


def test_findings_carry_their_evidence_in_json() -> None:
    doc = score("foo", truck_factor=1, index_publisher_count=None).to_json()
    assert doc["name"] == "foo"
    assert doc["risk"] == {
        "level": "high",
        "score": 25,
        "vendor_level": "none",
        "contributions": [{"factor": "rule:tf", "points": 25, "why": "tf (high)"}],
    }
    assert doc["findings"] == [
        {
            "rule": "tf",
            "severity": "high",
            "kind": "person",
            "outcome": "hit",
            "summary": "tf",
            "remediation": "r",
            "evidence": [
                {
                    "signal": "truck_factor",
                    "op": "==",
                    "expected": 1,
                    "value": 1,
                    "source": "test",
                    "unknown_reason": None,
                    "result": True,
                }
            ],
            "acceptance": None,
            "suggestion": None,
        },
        {
            "rule": "pub",
            "severity": "medium",
            "kind": "person",
            "outcome": "unknown",
            "summary": "pub",
            "remediation": "r",
            "evidence": [
                {
                    "signal": "index_publisher_count",
                    "op": "==",
                    "expected": 1,
                    "value": None,
                    "source": "test",
                    "unknown_reason": "not collected in this test",
                    "result": None,
                }
            ],
            "acceptance": None,
            "suggestion": None,
        },
    ]
    assert doc["unknown_count"] == 1
    assert doc["unknown_heavy"] is False
    placed = {k: doc[k] for k in ("categories", "direct", "reach", "depth", "serving_path")}
    assert placed == {
        "categories": [],
        "direct": True,
        "reach": 1,
        "depth": 0,
        "serving_path": False,
    }
    assert doc["state"]["name"] == "unknown"
    assert doc["state"]["why"].startswith("cannot tell whether it is abandoned: archived, ")
    assert {
        "signal": "archived",
        "op": "==",
        "expected": True,
        "value": None,
        "source": None,
        "unknown_reason": "not collected: no collector provided this signal",
        "result": None,
    } in doc["state"]["evidence"]


def test_a_placed_package_says_where_it_sits() -> None:
    from dataclasses import replace

    s = score("foo", truck_factor=2, index_publisher_count=2)
    placed = replace(
        s,
        context=replace(
            s.context, categories=("serving",), direct=False, reach=3, depth=2, serving_path=True
        ),
    ).to_json()
    assert [placed[k] for k in ("categories", "direct", "reach", "depth", "serving_path")] == [
        ["serving"],
        False,
        3,
        2,
        True,
    ]
    assert placed["unknown_heavy"] is False and placed["unknown_count"] == 0
    assert placed["out_of_scope"] == []
    assert placed["risk"]["level"] == "none" and placed["risk"]["score"] == 0


def test_an_accepted_finding_says_until_when_in_json() -> None:
    from datetime import date as day

    from auditor.judge.policy import apply_acceptances

    from .test_policy import accept

    s = score("foo", truck_factor=1, index_publisher_count=2)
    after = apply_acceptances([s], [accept("foo", rule="tf")], day(2025, 6, 1)).scores[0]
    assert after.to_json()["findings"][0]["acceptance"] == (
        "accepted until 2026-01-01 (t): we vendor it"
    )


def test_a_date_threshold_is_written_as_an_iso_date() -> None:
    evidence = Evidence(
        signal="last_release",
        op="<",
        expected=date(2024, 1, 31),
        value="2023-05-01",
        source="index",
        unknown_reason=None,
        result=True,
    )
    assert evidence.to_json()["expected"] == "2024-01-31"
