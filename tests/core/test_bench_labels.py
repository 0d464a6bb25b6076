"""The risk-ranking benchmark's pure parts: the label file, AUC, report parsing, metrics.

Offline: nothing here runs the tool or touches the network.
"""

from __future__ import annotations

import itertools
import random
import subprocess
from datetime import date
from pathlib import Path

import pytest

from benchmarks.bench_risk_ranking import (
    DEFAULT_LABELS,
    LABELS,
    LabelFileError,
    Labelled,
    blamed_names,
    clone_roots,
    compute_metrics,
    find_clone,
    load_labels,
    parse_report,
    roc_auc,
    seed_clones,
)

INDEX_HOSTS = ("py" + "pi.org", "python" + "hosted.org")


# ----------------------------------------------------------------------------- the label file


def test_shipped_label_file_is_well_formed() -> None:
    labels = load_labels(DEFAULT_LABELS)
    assert len(labels) >= 60
    for item in labels:
        assert item.label in LABELS
        assert item.evidence and item.source.startswith(("https://", "index project "))
    counts = {label: sum(1 for i in labels if i.label == label) for label in LABELS}
    positives = counts["abandoned"] + counts["at-risk"]
    # "about a third" abandoned or at risk: a set of one kind cannot measure a ranking.
    assert 0.25 <= positives / len(labels) <= 0.45
    assert counts["mature"] >= 1


def test_shipped_label_file_names_no_index_host() -> None:
    text = DEFAULT_LABELS.read_text(encoding="utf-8").lower()
    for host in INDEX_HOSTS:
        assert host not in text


def test_issue_examples_are_labelled_as_the_issue_says() -> None:
    by_name = {i.name: i.label for i in load_labels(DEFAULT_LABELS)}
    for name in (
        "theano",
        "chainer",
        "mxnet",
        "gym",
        "tensorflow-addons",
        "auto-gptq",
        "llama-hub",
        "sklearn",
        "farm-haystack",
    ):
        assert by_name[name] == "abandoned", name
    for name in ("flash-attn", "chromadb", "mistralai", "tiktoken", "unsloth", "weaviate-client"):
        assert by_name[name] == "healthy", name


GOOD = """
[[package]]
name = "theano"
label = "abandoned"
evidence = "README: stopped"
source = "https://github.com/Theano/Theano"
checked = 2026-11-29
"""


def test_loads_a_minimal_entry(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text(GOOD, encoding="utf-8")
    assert load_labels(f) == [
        Labelled(
            name="theano",
            label="abandoned",
            evidence="README: stopped",
            source="https://github.com/Theano/Theano",
            checked=date(2026, 11, 29),
        )
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.replace('evidence = "README: stopped"\n', ""), "missing evidence"),
        (GOOD.replace('source = "https://github.com/Theano/Theano"\n', ""), "missing source"),
        (GOOD.replace('label = "abandoned"', 'label = "dead"'), "label 'dead' is not one of"),
        (GOOD.replace('evidence = "README: stopped"', 'evidence = "  "'), "empty or non-text"),
        (GOOD.replace("checked = 2026-11-29", 'checked = "yesterday"'), "must be a date"),
        (GOOD.replace("https://github.com/Theano/Theano", "somewhere"), "source must be a URL"),
        (GOOD + GOOD.replace('"theano"', '"Theano"'), "duplicate of package #1"),
        (
            GOOD.replace("https://github.com/Theano/Theano", f"https://{INDEX_HOSTS[0]}/p/theano"),
            "names the package index host",
        ),
        ("name = 1", "no [[package]] tables"),
        ("[[package]\n", "not valid TOML"),
    ],
)
def test_bad_label_files_are_refused_with_the_reason(
    tmp_path: Path, text: str, problem: str
) -> None:
    f = tmp_path / "p.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(LabelFileError) as err:
        load_labels(f)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    two_bad = GOOD.replace('label = "abandoned"', 'label = "x"') + GOOD.replace(
        '"theano"', '"gym"'
    ).replace('evidence = "README: stopped"\n', "")
    f = tmp_path / "p.toml"
    f.write_text(two_bad, encoding="utf-8")
    with pytest.raises(LabelFileError) as err:
        load_labels(f)
    assert len(err.value.problems) == 2


# ----------------------------------------------------------------------------- AUC


def brute_force_auc(pos: list[float], neg: list[float]) -> float:
    pairs = list(itertools.product(pos, neg))
    return sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)


@pytest.mark.parametrize(
    ("pos", "neg", "expected"),
    [
        ([3, 4], [1, 2], 1.0),
        ([1, 2], [3, 4], 0.0),
        ([5, 5], [5, 5, 5], 0.5),  # everything tied: a coin toss, not a perfect ranking
        ([0, 0, 0], [0], 0.5),
        ([2, 1], [1, 0], 0.875),  # (1 + 1 + 0.5 + 1) / 4
        ([12], [12, 0, 0], 5 / 6),
    ],
)
def test_auc_known_values(pos: list[float], neg: list[float], expected: float) -> None:
    assert roc_auc(pos, neg) == pytest.approx(expected)


def test_auc_matches_pairwise_definition_with_many_ties() -> None:
    rng = random.Random(13)
    for _ in range(200):
        pos = [float(rng.randint(0, 5)) for _ in range(rng.randint(1, 12))]
        neg = [float(rng.randint(0, 5)) for _ in range(rng.randint(1, 12))]
        assert roc_auc(pos, neg) == pytest.approx(brute_force_auc(pos, neg))


def test_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError):
        roc_auc([], [1.0])


# ----------------------------------------------------------------------------- reports


def _pkg(name: str, level: str, score: int, state: str = "unknown") -> dict[str, object]:
    return {
        "name": name,
        "repository": {"url": f"https://github.com/o/{name}"},
        "risk": {
            "level": level,
            "score": score,
            "state": {"name": state, "why": "", "evidence": []},
            "reason": f"{name} reason",
            "contributions": [
                {"factor": "rule:a", "points": 3, "why": "small"},
                {"factor": "rule:b", "points": 40, "why": "big"},
            ],
        },
    }


def test_parse_report_reads_level_score_state_reasons_and_gate() -> None:
    report = {
        "packages": [
            _pkg("Auto_GPTQ", "high", 60, "abandoned"),
            _pkg("six", "low", 5),
            _pkg("accepted", "high", 60),  # high, but an acceptance keeps it off the gate
            _pkg("undecided", "none", 0),  # fails only --strict, for unknowns: no catch
        ],
        "summary": {
            "gate": {
                "failing": [
                    {"name": "auto-gptq", "kind": "risk"},
                    {"name": "undecided", "kind": "unknown"},
                ]
            }
        },
    }
    out = parse_report(report, "high")
    assert set(out) == {"auto-gptq", "six", "accepted", "undecided"}
    assert out["accepted"].gate_fails is False
    assert out["undecided"].gate_fails is False
    a = out["auto-gptq"]
    assert (a.level, a.score, a.state, a.gate_fails) == ("high", 60.0, "abandoned", True)
    assert a.reasons == ("+40 big", "+3 small")  # biggest first
    assert out["six"].gate_fails is False
    assert a.repository == "https://github.com/o/Auto_GPTQ"


def test_parse_report_falls_back_to_levels_and_survives_shape_changes() -> None:
    report = {
        "packages": [
            _pkg("a", "critical", 90),
            {"name": "b", "risk": {"level": "unknown", "score": None, "state": "mature"}},
            {"name": "c"},
            "garbage",
        ]
    }
    out = parse_report(report, "high")
    assert out["a"].gate_fails is True  # no gate list: level >= fail_on
    assert (out["b"].level, out["b"].score, out["b"].state) == ("unknown", None, "mature")
    assert out["b"].gate_fails is False  # "unknown" is not a level at or above high
    assert (out["c"].level, out["c"].score, out["c"].reasons) == (None, None, ())
    assert parse_report({"packages": "nope"}, "high") == {}


def test_metrics_count_catches_false_alarms_decided_states_and_missing() -> None:
    def lab(name: str, label: str) -> Labelled:
        return Labelled(name, label, "e", "https://example.org", date(2026, 1, 1))

    labels = [
        lab("dead1", "abandoned"),
        lab("dead2", "abandoned"),
        lab("risky", "at-risk"),
        lab("live", "healthy"),
        lab("done", "mature"),
        lab("gone", "healthy"),
    ]
    report = {
        "packages": [
            _pkg("dead1", "high", 70, "abandoned"),
            _pkg("dead2", "low", 10),
            _pkg("risky", "medium", 30, "active"),
            _pkg("live", "high", 70, "active"),
            _pkg("done", "none", 0, "mature"),
        ]
    }
    m = compute_metrics(labels, parse_report(report, "high"))
    assert (m.abandoned_caught, m.abandoned_total) == (1, 2)
    assert (m.at_risk_caught, m.at_risk_total) == (0, 1)
    assert (m.false_alarms, m.healthy_total) == (1, 2)
    assert (m.state_decided, m.audited) == (4, 5)
    assert m.missing == ("gone",)
    # positives 70, 10, 30 against negatives 70, 0: (0.5 + 1 + 0 + 1 + 0 + 1) / 6
    assert m.auc == pytest.approx(3.5 / 6)
    assert m.levels_by_label["abandoned"] == {"high": 1, "low": 1}


def test_blamed_names_finds_whole_names_only() -> None:
    err = "error: requirements.txt:3: no release of 'gym' can be installed"
    assert blamed_names(err, ["gym", "gymnasium", "torch"]) == ["gym"]
    assert blamed_names("error: Tensorflow_Addons: unknown", ["tensorflow-addons"]) == [
        "tensorflow-addons"
    ]
    assert blamed_names("error: something else", ["gym"]) == []


def test_find_clone_accepts_the_usual_layouts(tmp_path: Path) -> None:
    mirror = tmp_path / "Theano+Theano" / "repo"
    mirror.mkdir(parents=True)
    (mirror / "HEAD").write_text("ref: refs/heads/master\n")
    bare = tmp_path / "openai" / "gym.git"
    bare.mkdir(parents=True)
    (bare / "HEAD").write_text("ref: refs/heads/master\n")
    assert find_clone(tmp_path, "theano", "theano") == mirror
    assert find_clone(tmp_path, "openai", "gym") == bare
    assert find_clone(tmp_path, "openai", "absent") is None


def test_parse_report_counts_git_history_signals_by_source_prefix() -> None:
    known = _pkg("a", "low", 1)
    known["signals"] = {
        "truck_factor": {"value": 1, "source": "git:https://github.com/o/a.git@abc"},
        "archived": {"unknown": "unreachable", "source": "github"},
    }
    missing = _pkg("b", "low", 1)
    missing["signals"] = {"truck_factor": {"unknown": "no repository", "source": "git"}}
    none = _pkg("c", "low", 1)
    none["signals"] = {"archived": {"value": False, "source": "github"}}
    out = parse_report({"packages": [known, missing, none]}, "high")
    assert (out["a"].git_known, out["b"].git_known, out["c"].git_known) == (True, False, None)


def test_seed_clones_copies_a_local_clone_where_the_tool_looks(tmp_path: Path) -> None:
    work = tmp_path / "src"
    work.mkdir()
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (work / "a.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "a.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    clones = tmp_path / "mirror"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(work), str(clones / "Owner+Repo" / "repo")],
        check=True,
    )
    labels = [
        Labelled(
            "pkg",
            "healthy",
            "e",
            "https://example.org",
            date(2026, 1, 1),
            repository="https://github.com/Owner/Repo",
        ),
        Labelled("other", "healthy", "e", "https://example.org", date(2026, 1, 1)),
    ]
    # The tool found the repository under another spelling: its URL decides the path.
    outcomes = parse_report(
        {"packages": [{"name": "pkg", "repository": {"url": "https://github.com/owner/repo"}}]},
        "high",
    )
    cache = tmp_path / "cache"
    status = seed_clones(outcomes, labels, clones, cache, log=lambda _msg: None)
    assert status == {"pkg": "local clone of owner/repo", "other": "no repository URL"}
    # The tool's clone root is <cache>/git and it adds git/<host>/<owner>/<name>.git.
    first = cache / "git" / "git" / "github.com" / "owner" / "repo.git"
    assert (first / "HEAD").is_file() and not first.is_symlink()
    others = [r / "github.com" / "owner" / "repo.git" for r in clone_roots(cache)[1:]]
    assert others and all(o.is_symlink() and (o / "HEAD").is_file() for o in others)
    log = subprocess.run(
        ["git", f"--git-dir={first}", "log", "--format=%s"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert log.strip() == "one"


def test_unscored_packages_are_named_and_ranked_least_risky_in_the_second_auc() -> None:
    def lab(name: str, label: str) -> Labelled:
        return Labelled(name, label, "e", "https://example.org", date(2026, 1, 1))

    labels = [lab("dead", "abandoned"), lab("unk", "abandoned"), lab("live", "healthy")]
    report = {
        "packages": [
            _pkg("dead", "high", 70),
            {"name": "unk", "risk": {"level": "unknown", "score": None}},
            _pkg("live", "low", 10),
        ]
    }
    m = compute_metrics(labels, parse_report(report, "high"))
    assert m.unscored == ("unk",)
    assert m.auc == pytest.approx(1.0)  # only dead vs live
    assert m.auc_unscored_low == pytest.approx(0.5)  # unk ranked below live
    assert (m.positives, m.negatives) == (1, 1)


def test_hits_are_counted_with_and_without_the_evidence_they_rest_on() -> None:
    pkg = _pkg("a", "high", 60)
    risk = pkg["risk"]
    assert isinstance(risk, dict)
    risk["findings"] = [
        {"rule": "r1", "outcome": "hit", "evidence": [{"signal": "archived", "result": True}]},
        {"rule": "r2", "outcome": "hit", "evidence": [{"signal": "x", "result": None}]},
        {"rule": "r3", "outcome": "hit"},
        {"rule": "r4", "outcome": "pass", "evidence": [{"signal": "y", "result": True}]},
    ]
    o = parse_report({"packages": [pkg]}, "high")["a"]
    assert (o.hits, o.hits_with_evidence) == (3, 1)
    labels = [Labelled("a", "abandoned", "e", "https://example.org", date(2026, 1, 1))]
    m = compute_metrics(labels, {"a": o})
    assert (m.hits, m.hits_with_evidence) == (3, 1)
