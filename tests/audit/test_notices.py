"""The deprecation-notice matcher: what counts, what does not, and bounded work."""

from __future__ import annotations

import pytest

from auditor.collectors.notices import (
    MAX_INPUT,
    MAX_QUOTE,
    MAX_SENTENCES,
    TOP_BLOCKS,
    clean_text,
    find_notice,
    own_names,
    quote,
)


@pytest.mark.parametrize(
    ("name", "summary", "description", "successor"),
    [
        ("auto-gptq", "", "AutoGPTQ is unmaintained - we suggest using GPTQModel.", "GPTQModel"),
        ("sklearn", "deprecated sklearn package, use scikit-learn instead", "", "scikit-learn"),
        ("foo", "", "This package is no longer maintained. Please use bar instead.", "bar"),
        ("foo", "", "This repository has been archived and moved to newfoo.", "newfoo"),
        ("foo", "", "# DEPRECATED\n\nSee the new library.", None),
        ("foo", "", "> [!WARNING]\n> This project has reached end-of-life.", None),
        ("old-lib", "", "old-lib has been renamed to new-lib.", "new-lib"),
        ("foo", "", "Foo is not maintained anymore.", None),
        ("foo", "", "This library is no longer supported; use bar instead.", "bar"),
        (
            "llama-hub",
            "",
            "> [!CAUTION]\n> With the launch of LlamaIndex v0.10, we are deprecating this "
            "`llama_hub` repo - all integrations are now in the core repository.",
            None,
        ),
        (
            "foo",
            "",
            "<p><strong>This project is <em>no longer maintained</em></strong>. Use "
            '<a href="https://example.org/x">the successor bar</a> instead.</p>',
            None,
        ),
    ],
)
def test_notices_the_project_gives_about_itself(
    name: str, summary: str, description: str, successor: str | None
) -> None:
    notice = find_notice(name, summary, description)
    assert notice is not None
    assert notice.quote and "\n" not in notice.quote
    if successor is not None:
        assert notice.successor == successor


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("foo", "This is not deprecated."),
        ("foo", "This package is not deprecated and is actively maintained."),
        ("foo", "Foo isn't unmaintained: we release monthly."),
        # Another project's notice, quoted or named: not about this one.
        ("gptqmodel", "AutoGPTQ is unmaintained - we suggest using GPTQModel."),
        ("foo", 'As its README says, "This project is no longer maintained".'),
        # A feature deprecated, not the project.
        ("foo", "We deprecated the `bar` argument in 2.0."),
        ("foo", "This library has deprecated the `x` argument; use `y`."),
        ("foo", "This package is deprecated in favour of nothing; the `x` option is deprecated."),
        ("foo", "Python @deprecated decorator for old functions."),
        # Something else reaches end of life, in a clause of its own.
        ("lightgbm", "This project supports all Python versions until they reach end-of-life."),
        ("foo", "This package drops Python 3.8 once it is end-of-life."),
        # A changelog section far below the top.
        ("foo", "# Foo\n\nFast things.\n\nInstall it.\n\nUse it.\n\n## Deprecated\n\n- `x()`"),
        # Real descriptions that are not notices (sentencepiece, cloudpickle, llguidance,
        # pyproject-hooks): a use that is not supported, a format being deprecated, and
        # this project named as another one's successor.
        (
            "sentencepiece",
            "Modifying an existing SentencePiece model (e.g., adding/removing tokens, editing "
            "token scores) in memory is not officially supported.",
        ),
        (
            "cloudpickle",
            "cloudpickle makes it possible to serialize Python constructs not supported by "
            "the default pickle module from the Python standard library.",
        ),
        (
            "llguidance",
            "Following grammar formats are supported: regular expressions; llguidance - "
            "internal (JSON-based) format; slowly being deprecated in favor of the Lark format.",
        ),
        (
            "pyproject-hooks",
            "Note: The pep517 project has been replaced by this project (low level) and the "
            "build project (high level).",
        ),
        # In a code block.
        ("foo", "Example:\n\n```\nwarnings.warn('this package is deprecated')\n```\n"),
    ],
)
def test_what_is_not_a_notice_about_this_project(name: str, description: str) -> None:
    notice = find_notice(name, None, description)
    if name == "foo" and "in favour of nothing" in description:
        # The first sentence does say so: the feature sentence must not hide it.
        assert notice is not None and "This package is deprecated" in notice.quote
        return
    assert notice is None, notice


def test_quotes_are_clean_and_bounded() -> None:
    text = "This package is deprecated \x1b[31mnow\x1b[0m \u202eevil\u202c " + "x " * 500 + "."
    notice = find_notice("foo", None, text)
    assert notice is not None
    assert "\x1b" not in notice.quote and "\u202e" not in notice.quote
    assert len(notice.quote) <= MAX_QUOTE


@pytest.mark.parametrize(
    "hostile",
    [
        "[" * 100_000 + "](" * 100_000,
        "<" * 300_000,
        "```" * 50_000 + "this package is deprecated",
        "not " * 100_000,
        "![" * 100_000,
        "a\n\n" * 100_000,
        "deprecated " * 50_000,
    ],
)
def test_huge_and_hostile_descriptions_are_handled(hostile: str) -> None:
    # Bounded work (linear patterns over a capped input); speed is measured in
    # benchmarks/, here it must simply finish with an answer, whatever the text.
    notice = find_notice("foo", None, hostile)
    assert notice is None or len(notice.quote) <= MAX_QUOTE


def test_the_input_is_capped_before_any_pattern_runs() -> None:
    assert len(clean_text("y" * (3 * MAX_INPUT))) <= MAX_INPUT
    description = "Fine project. " * 10_000 + "This package is deprecated."
    assert find_notice("foo", None, description) is None


def test_cleaning_strips_markup() -> None:
    text = clean_text("**Bold** [link](http://x.example/y) ![img](z.png) <b>tag</b> `code`")
    assert "**" not in text and "http" not in text and "<b>" not in text and "`" not in text
    assert "link" in text and "tag" in text and "code" in text


def test_own_names() -> None:
    assert "autogptq" in own_names("auto-gptq")
    assert "haystack" in own_names("farm-haystack")
    assert "farm" not in own_names("farm-haystack")  # too short to stand for the project


# -- written from the collectors scope's mutation survivors (benchmarks/mutation.py) -------


@pytest.mark.parametrize(
    ("description", "is_notice"),
    [
        # Three straight quotes before it: the notice sits inside the third quotation.
        ('The docs say "fast" and "this package is no longer maintained".', False),
        # Four: every quotation is closed, the notice is the project's own.
        ('"a" and "b": this package is no longer maintained.', True),
        # Curly quotes: the last one opened is still open...
        ("\u201ca\u201d and \u201cthis package is deprecated\u201d.", False),
        # ...or every one opened was closed.
        ("\u201ca\u201d \u201cb\u201d this package is deprecated.", True),
        ("\u201ca\u201d this package is deprecated.", True),
    ],
)
def test_quotations_are_counted(description: str, is_notice: bool) -> None:
    assert (find_notice("foo", None, description) is not None) is is_notice


def test_a_feature_named_just_before_the_notice_is_not_the_project() -> None:
    assert find_notice("foo", None, "Foo's config format; deprecated.") is None


@pytest.mark.parametrize(
    ("description", "is_notice"),
    [
        ("We are deprecating the Foo SDK.", True),  # the object names the project
        ("We are deprecating The Foo SDK.", True),
        ("We are deprecating the old client.", False),  # something else
    ],
)
def test_the_object_of_a_notice_names_the_project(description: str, is_notice: bool) -> None:
    assert (find_notice("foo", None, description) is not None) is is_notice


@pytest.mark.parametrize(
    ("description", "successor"),
    [
        ("This package is deprecated, please use another library.", None),
        ("This package is deprecated: please use the newer one, or use bar instead.", "bar"),
        ("This project has moved to www.example.org/newlib.", None),  # a URL, not a name
        ("This project has moved to WWW.example.org/newlib.", None),
        ("This project has moved to neworg/newlib.", "neworg/newlib"),  # owner/repo is one
        (
            "This package is deprecated: it moved to www.example.org/x, so use bar instead.",
            "bar",
        ),
    ],
)
def test_successor_skips_words_and_urls_and_reads_on(
    description: str, successor: str | None
) -> None:
    notice = find_notice("foo", None, description)
    assert notice is not None and notice.successor == successor


def test_quote_is_one_clean_line_of_bounded_length() -> None:
    assert quote("a\x1bb") == "ab"
    assert quote("This is deprecated , use bar .") == "This is deprecated, use bar."
    exact = "x" * MAX_QUOTE
    assert quote(exact) == exact  # fits: not cut
    cut = quote("a" * (MAX_QUOTE - 2) + " " + "b" * 10)
    assert cut == "a" * (MAX_QUOTE - 2) + "\u2026"  # cut, trailing space dropped
    assert len(quote("y" * (MAX_QUOTE + 1))) == MAX_QUOTE


@pytest.mark.parametrize(
    ("description", "shown"),
    [
        # Line ends of every kind are one line end: a sentence broken over lines is one.
        ("This package is deprecated\r\nin favour of bar.", None),
        ("This package is deprecated\rin favour of bar.", None),
        ("This package is deprecated\nin favour of bar.", None),
        # Markup and invisible characters leave no trace in the quote.
        ("This \x00package\tis deprecated.", "This package is deprecated."),
        ("This package ![badge](x.svg) is deprecated.", "This package is deprecated."),
        ("This package is deprecated, use [bar][1] instead.", None),
        ("> [!WARNING]\n> This package is deprecated.", "This package is deprecated."),
        (".. warning:: This package is deprecated.", "This package is deprecated."),
        ("This package is **deprecated**.", "This package is deprecated."),
        ("```x```This package is deprecated.", "This package is deprecated."),
        ("![badge](x.svg)\n\nThis package is deprecated.", "This package is deprecated."),
    ],
)
def test_the_quote_is_the_sentence_as_a_reader_sees_it(description: str, shown: str | None) -> None:
    notice = find_notice("foo", None, description)
    assert notice is not None
    if shown is None:  # the successor's sentences
        assert notice.successor == "bar"
        shown = description.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
        shown = shown.replace("[bar][1]", "bar")
    assert notice.quote == shown


def test_the_first_sentences_are_read_and_no_more() -> None:
    notice = "This package is deprecated."
    assert find_notice("foo", None, "Fine. " * (MAX_SENTENCES - 1) + notice) is not None
    assert find_notice("foo", None, "Fine. " * MAX_SENTENCES + notice) is None


@pytest.mark.parametrize("name", ["python-dateutil", "python-multipart", "foo-python"])
def test_the_language_is_not_a_short_name_of_the_project(name: str) -> None:
    # Parts of five letters or more stand for the project (farm-haystack: haystack), but
    # "python" in python-dateutil is the language: Python deprecating something is not
    # python-dateutil deprecating itself.
    assert "python" not in own_names(name)
    for text in ("The imp module of Python is deprecated.", "Python deprecated utcnow in 3.12."):
        assert find_notice(name, None, text) is None, text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("farm-haystack", {"farmhaystack", "haystack"}),
        ("auto-gptq", {"autogptq"}),  # parts under five letters stand for nothing
        ("pydantic", {"pydantic", "dantic"}),  # "py" dropped: four letters or more remain
        ("pyyaml", {"pyyaml", "yaml"}),
        ("pyarr", {"pyarr"}),  # "arr" would be too short to be the project
        ("python-foobar", {"pythonfoobar", "foobar", "thonfoobar"}),
        ("pythonfoobar", {"pythonfoobar", "foobar", "thonfoobar"}),
        ("llama-index-core", {"llamaindexcore", "llama"}),  # first and last part only
        ("Shiny.App", {"shinyapp", "shiny"}),
    ],
)
def test_own_names_exactly(name: str, expected: set[str]) -> None:
    assert own_names(name) == expected


def test_a_second_notice_in_the_sentence_is_read_after_a_feature_one() -> None:
    notice = find_notice("foo", None, "The old x API is deprecated and this package is too.")
    assert notice is None  # only the API is
    notice = find_notice("foo", None, "The old x API is deprecated and this package is deprecated.")
    assert notice is not None and notice.kind == "deprecated"


def test_a_banner_counts_only_near_the_top() -> None:
    top = "\n\n".join([*"AB"[: TOP_BLOCKS - 1], "DEPRECATED"])  # the last block near the top
    assert find_notice("foo", None, top) is not None
    below = "\n\n".join([*"ABC"[:TOP_BLOCKS], "DEPRECATED"])  # the first one below
    assert find_notice("foo", None, below) is None


@pytest.mark.parametrize(
    ("description", "successor"),
    [
        ("DEPRECATED\n\nA.\n\nUse bar instead.", "bar"),  # two blocks below: what it heads
        ("DEPRECATED\n\nA.\n\nB.\n\nUse bar instead.", None),  # three: something else
    ],
)
def test_a_banners_successor_is_read_from_what_it_heads(
    description: str, successor: str | None
) -> None:
    notice = find_notice("foo", None, description)
    assert notice is not None and notice.quote == "DEPRECATED: A."
    assert notice.successor == successor


def test_a_full_sentence_is_quoted_alone() -> None:
    sentence = "This package is deprecated, sorry, folk."
    assert len(sentence) == 40  # below 40 it is a banner, quoted with what follows
    notice = find_notice("foo", None, sentence + " Use bar instead.")
    assert notice is not None and notice.quote == sentence and notice.successor == "bar"
