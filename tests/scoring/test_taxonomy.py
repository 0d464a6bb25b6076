"""The AI taxonomy: normalised names, patterns, serving path, user files."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.judge.taxonomy import classify, default_taxonomy, load_taxonomy


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
