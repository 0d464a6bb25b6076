"""The AI taxonomy: normalised names, patterns, serving path, user files."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import InputError
from auditor.judge.taxonomy import (
    Category,
    classify,
    default_taxonomy,
    load_taxonomy,
    normalise,
)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("vllm", "inference-runtime"),
        ("llama_cpp_python", "inference-runtime"),
        ("onnxruntime-gpu", "inference-runtime"),
        ("tensorrt-llm", "inference-runtime"),
        ("huggingface-hub", "model-hub"),
        ("PEFT", "fine-tuning"),
        ("torch", "training-framework"),
        ("bentoml", "serving"),
        ("langchain-community", "orchestration"),
        ("llama-index-core", "orchestration"),
        ("faiss-cpu", "vector-store"),
        ("qdrant_client", "vector-store"),
        ("tiktoken", "tokenizer-data"),
        ("Flash_Attn", "gpu-kernels"),
        ("nvidia-cublas-cu12", "gpu-kernels"),
        ("cupy-cuda12x", "gpu-kernels"),
    ],
)
def test_classify(name: str, category: str) -> None:
    assert category in classify(name)


def test_unrelated_and_web_packages_have_no_category() -> None:
    assert classify("requests") == ()
    assert classify("fastapi") == ()


def test_serving_path_and_context() -> None:
    tax = default_taxonomy()
    assert tax.context("vllm", direct=True, reach=1, depth=0).serving_path
    assert not tax.context("peft", direct=True, reach=1, depth=0).serving_path
    both = tax.classify("bitsandbytes")
    assert {"fine-tuning", "gpu-kernels"} <= set(both)
    assert tax.serving_path(both)


def test_user_taxonomy_extends_and_adds(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        '[category.inference-runtime]\npackages = ["my-engine"]\n'
        '[category.eval]\ntitle = "Evaluation"\npatterns = ["lm-eval*"]\n',
        encoding="utf-8",
    )
    tax = load_taxonomy([tmp_path])
    assert tax.classify("my_engine") == ("inference-runtime",)
    assert tax.classify("lm-eval") == ("eval",)
    assert "vllm" in {p for c in tax.categories for p in c.packages}


def test_broken_user_taxonomy_reports_all(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        '[category.x]\nserving_path = "yes"\npackages = "one"\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        load_taxonomy([tmp_path])
    assert "serving_path" in info.value.message and "packages" in info.value.message


PATTERN_PARTS = st.sampled_from(["a", "b", "-", "*", "?", "[ab]", "[!a]", "lm", "eval"])


@settings(max_examples=300, deadline=None)
@given(
    patterns=st.lists(st.lists(PATTERN_PARTS, min_size=1, max_size=4).map("".join), max_size=4),
    name=st.text(alphabet="ab-lmevx", max_size=8),
)
def test_a_categorys_patterns_match_as_fnmatchcase_does(patterns: list[str], name: str) -> None:
    """Patterns are matched as one compiled expression: the same answer as trying each
    pattern with fnmatchcase."""
    category = Category(
        id="c",
        title="c",
        description="",
        serving_path=False,
        packages=frozenset({"exact"}),
        patterns=tuple(patterns),
    )
    expected = name == "exact" or any(fnmatch.fnmatchcase(name, p) for p in patterns)
    assert category.matches_normalised(name) is expected
    assert category.matches(name) is (
        normalise(name) == "exact" or any(fnmatch.fnmatchcase(normalise(name), p) for p in patterns)
    )


def test_every_shipped_category_classifies_as_its_patterns_say() -> None:
    taxonomy = default_taxonomy()
    names = ["vllm", "lm-eval-harness", "nvidia-cublas-cu12", "llama_cpp_python", "x", "torch"]
    for name in names:
        key = normalise(name)
        expected = tuple(
            c.id
            for c in taxonomy.categories
            if key in c.packages or any(fnmatch.fnmatchcase(key, p) for p in c.patterns)
        )
        assert taxonomy.classify(name) == expected
