"""The model's output is made safe to print before anyone sees it."""

from __future__ import annotations

from auditor.summaries.sanitize import MAX_CHARS, cap, sanitize


def test_ansi_escapes_and_control_characters_are_removed() -> None:
    raw = (
        "\x1b[31mRisky\x1b[0m package.\x07\x00 "
        "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ here.\x1b]0;title\x07"
        "\u202eevil\u202c \x9b2Jdone\rover\x08"
    )
    text = sanitize(raw)
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
    assert "\u202e" not in text and "\x9b" not in text and "\x08" not in text
    assert text == "Risky package. click here.evil done over"


def test_whitespace_is_folded_into_one_paragraph() -> None:
    assert sanitize("# Heading\n\n| a | b |\n\tnext  line\n") == "# Heading | a | b | next line"


def test_reasoning_blocks_are_dropped() -> None:
    assert sanitize("<think>Let me think\nabout it</think>It is risky.") == "It is risky."
    assert sanitize("<think>never closed") == ""


def test_length_is_capped_at_a_sentence_or_word() -> None:
    long = "This is a sentence. " * 200
    text = sanitize(long)
    assert len(text) <= MAX_CHARS and text.endswith("sentence. …")
    words = cap("word " * 50, 40)
    assert len(words) <= 40 and words.endswith("word…")
    assert cap("x" * 100, 10) == "x" * 9 + "…"
