"""Deprecation and end-of-life notices in a project's summary and description.

Why this exists: many abandoned AI packages say so themselves ("AutoGPTQ is unmaintained
- we suggest using GPTQModel", "the sklearn PyPI package is deprecated, use
scikit-learn instead") long before any metric notices. The index serves that text, so a
notice is the cheapest strong evidence there is.

Why it is careful: descriptions are long, often HTML or Markdown, sometimes hostile. A
word match on "deprecated" would flag every changelog ("### Deprecated") and every
README that deprecates one function. So a notice counts only when it speaks about the
project itself (this project/package/repository, or the project's own name), or stands
alone at the very top of the text (a "DEPRECATED" banner), is not negated ("this is
not deprecated"), is not about a feature ("deprecated the `foo` argument"), and is not
inside a quotation (another project's notice quoted in this one's README).

Bounded work: the raw text is cut to ``MAX_INPUT`` characters, code blocks, HTML tags
and Markdown syntax are stripped by single-pass patterns with bounded repetition, only
the first ``MAX_SENTENCES`` sentences are read and each is cut to ``MAX_SENTENCE``
characters, so matching is linear in a bounded input whatever the description holds.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, cast


class _LazyPattern:
    """A pattern compiled on first use, then used directly.

    Why: a warm audit answers notices from the cache (``notice_cache``) and never matches
    a description; compiling these 26 patterns cost more than the rest of this import.
    Each method of the compiled pattern is kept on the instance on first access, so later
    calls cost what calling the pattern's method costs.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        value = getattr(re.compile(*self._source), name)
        setattr(self, name, value)
        return value


def _lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))


MAX_INPUT = 100_000  # characters of description read at all
MAX_SENTENCES = 400  # notices sit near the top; a changelog below is not read
MAX_SENTENCE = 600  # characters of one sentence matched
MAX_QUOTE = 280  # characters of a sentence quoted as evidence
TOP_BLOCKS = 3  # a bare "DEPRECATED" banner counts only this close to the top

_CONTROL = _lazy(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_TAG = _lazy(r"<[^<>]{0,2000}>")
_IMAGE = _lazy(r"!\[[^\[\]\n]{0,500}\]\([^()\s]{0,2000}(?:\s[^()]{0,200})?\)")
_LINK = _lazy(r"\[([^\[\]\n]{0,500})\]\([^()\s]{0,2000}(?:\s[^()]{0,200})?\)")
_REF_LINK = _lazy(r"\[([^\[\]\n]{0,500})\]\[[^\[\]\n]{0,100}\]")
_ADMONITION = _lazy(r"\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.IGNORECASE)
_RST_DIRECTIVE = _lazy(r"^\s*\.\.\s+[a-z-]{1,30}::", re.MULTILINE)
_EMPHASIS = _lazy(r"\*{1,3}|(?<![A-Za-z0-9])_{1,3}|_{1,3}(?![A-Za-z0-9])|`{1,3}|~~")
_LINE_MARK = _lazy(r"^[ \t]{0,8}(?:[>#|=\-+*]+[ \t]{0,8}){1,8}", re.MULTILINE)
_BLOCK_BREAK = _lazy(r"\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]\s|\d{1,3}[.)]\s|#))")
_SENTENCE_END = _lazy(r"(?<=[.!?])\s+(?=[^a-z])|\s+[-–—]\s+(?=[A-Z])")
_SPACES = _lazy(r"\s+")

# What makes a sentence a notice. Each names its kind for the report.
_NOTICES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "unmaintained",
        _lazy(
            # "not supported" alone describes a use ("not supported by pickle", "is not
            # officially supported"), not the project's upkeep: only "no longer" says that.
            r"\bno longer\s+(?:being\s+)?(?:actively\s+|officially\s+)?"
            r"(?:maintained|supported|developed|updated)\b"
            r"|\bnot\s+(?:being\s+)?(?:actively\s+)?(?:maintained|developed)\b"
            r"|\bno longer\s+(?:receiving|getting|under)\s+(?:any\s+)?"
            r"(?:updates|support|maintenance|development|active development)\b"
            r"|\bun-?maintained\b|\babandoned\b",
            re.IGNORECASE,
        ),
    ),
    ("deprecated", _lazy(r"\bdeprecat(?:ed|ing|ion notice)\b", re.IGNORECASE)),
    ("archived", _lazy(r"\b(?:has been |is (?:now )?|was )?archived\b", re.IGNORECASE)),
    ("end of life", _lazy(r"\bend[- ]of[- ]life\b|\breached (?:its )?EOL\b", re.I)),
    ("discontinued", _lazy(r"\bdiscontinued\b", re.IGNORECASE)),
    (
        "moved",
        _lazy(
            r"\b(?:has|have|was|were|is|are)\s+(?:been\s+)?(?:now\s+)?"
            r"(?:moved|migrated|renamed|replaced|superseded)\s+(?:to|by|into)\b",
            re.IGNORECASE,
        ),
    ),
)
_NEGATION = _lazy(
    r"\b(?:not|never|nor|isn't|aren't|wasn't|won't|no longer|hardly|neither)"
    r"(?:\s+\S+){0,2}\s*$",
    re.IGNORECASE,
)
# "deprecated the `foo` argument", "deprecated APIs": a feature, not the project.
_FEATURE = _lazy(
    r"^\W{0,3}(?:(?:the|our|some|several|a|an|old|legacy|all)\s+){0,2}(?:\S+\s+){0,2}?"
    r"(?:apis?|functions?|methods?|arguments?|args?|parameters?|params?|options?|flags?"
    r"|class(?:es)?|attributes?|features?|modules?|endpoints?|settings?|keywords?|kwargs?"
    r"|fields?|alias(?:es)?|behaviou?rs?|usages?|syntax|decorators?|warnings?|code paths?"
    r"|properties|property|commands?|versions? of python|python versions?|imports?)\b"
    r"|^\s*(?:in|since|as of|from)\s+(?:v(?:ersion)?\s*)?\d",
    re.IGNORECASE,
)
# A feature named just before the notice ("the JSON format; slowly being deprecated"):
# the notice is about that feature, not the project.
_FEATURE_BEFORE = _lazy(
    r"\b(?:apis?|functions?|methods?|arguments?|parameters?|options?|flags?|class(?:es)?"
    r"|attributes?|features?|endpoints?|settings?|keywords?|fields?|formats?|syntax"
    r"|interfaces?|backends?|commands?|decorators?|behaviou?rs?)\)?"
    r"\W{1,3}(?:[A-Za-z]+\s+){0,3}$",
    re.IGNORECASE,
)
# "replaced by / moved to this project": this project is the successor, not the subject.
_SELF_IS_TARGET = _lazy(r"(?:to|by|into)$", re.IGNORECASE)

_SELF_WORDS = _lazy(
    r"\bthis\s+(?:\S+\s+){0,2}?(?:project|package|library|lib|repo|repository|module"
    r"|code\s?base|fork|tool|sdk|client|distribution|pypi package|python package|crate)\b"
    r"|\bthe\s+(?:project|package|library|repo|repository|codebase)\b",
    re.IGNORECASE,
)
# "supports Python versions until they reach end-of-life", "when a dependency is
# deprecated": a clause about something else sits between the subject and the notice.
_OTHER_SUBJECT = _lazy(
    r"\b(?:until|once|when|whenever|if|unless|after|before|they|these|those|them)\b"
    r"|\bpython\s*(?:\d|versions?\b)",
    re.IGNORECASE,
)
_FILLER = _lazy(
    r"^(?:\W|_|warning|caution|note|notice|important|attention|heads up|status|project"
    r"|project status|maintenance status|update|announcement)*$",
    re.IGNORECASE,
)
_NAME = r"([A-Za-z][A-Za-z0-9._/-]{0,80}[A-Za-z0-9]|[A-Za-z])"
_LEAD = r"(?:the\s+|our\s+|new\s+|official\s+|package\s+|library\s+|project\s+){0,3}"
# Each alternative ends in one captured name; the first that matches is the successor.
_SUCCESSOR_FORMS = (
    r"\buse\s+{lead}{name}\s+instead\b",
    r"\b(?:moved|migrated|renamed|migrating|switching|move|migrate|switch)\s+(?:over\s+)?"
    r"(?:to|into)\s+{lead}{name}",
    r"\b(?:replaced|superseded)\s+by\s+{lead}{name}",
    r"\b(?:suggest|recommend)(?:s|ed)?\s+(?:you\s+)?(?:using|to use|use)\s+{lead}{name}",
    r"\bplease\s+(?:use|try)\s+{lead}{name}",
    r"\bin favou?r of\s+{lead}{name}",
    r"\bsuccessor(?:\s+project)?(?:\s+is|:)\s+{lead}{name}",
    r"\bpackage\s+(?:named|called)\s+{name}",
)
_SUCCESSOR = _lazy(
    "|".join(form.format(lead=_LEAD, name=_NAME) for form in _SUCCESSOR_FORMS), re.IGNORECASE
)
_NOT_A_NAME = frozenset(
    {
        "a",
        "an",
        "the",
        "this",
        "that",
        "it",
        "our",
        "your",
        "version",
        "versions",
        "pip",
        "python",
        "github",
        "http",
        "https",
        "www",
        "here",
        "there",
        "other",
        "another",
        "different",
        "newer",
        "latest",
        "main",
        "master",
        "alternatives",
        "alternative",
        "them",
        "instead",
    }
)


@dataclass(frozen=True, kw_only=True)
class Notice:
    """A notice the project gives about itself: its kind, the sentence, a successor."""

    kind: str
    quote: str
    successor: str | None


def clean_text(text: str) -> str:
    """Plain text of a Markdown, reStructuredText or HTML description, bounded in size.

    Control and bidirectional-override characters are removed so that a quote from the
    text cannot steer a terminal or hide what it says.
    """
    text = text[:MAX_INPUT]
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _drop_fenced_code(text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _CONTROL.sub("", text.replace("\t", " "))
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _ADMONITION.sub(" ", text)
    text = _RST_DIRECTIVE.sub(" ", text)
    text = _LINE_MARK.sub("", text)
    return _EMPHASIS.sub("", text)


def _drop_fenced_code(text: str) -> str:
    """Remove ```fenced``` blocks in one pass (a regex could rescan an unclosed fence)."""
    parts = text.split("```")
    return " ".join(parts[0::2])


def sentences(text: str) -> list[tuple[int, str]]:
    """(block number, sentence) pairs of cleaned text, at most ``MAX_SENTENCES``."""
    out: list[tuple[int, str]] = []
    for block_no, block in enumerate(_BLOCK_BREAK.split(text)):
        flat = _SPACES.sub(" ", block).strip()
        if not flat:
            continue
        for piece in _SENTENCE_END.split(flat):
            piece = piece.strip()
            if piece:
                out.append((block_no, piece[:MAX_SENTENCE]))
                if len(out) >= MAX_SENTENCES:
                    return out
    return out


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


_LANGUAGE = frozenset({"python", "python3"})


def own_names(name: str) -> frozenset[str]:
    """How a project may name itself: 'auto-gptq' -> autogptq; 'farm-haystack' ->
    farmhaystack and haystack (a part of five letters or more)."""
    names = {_norm(name)}
    parts = [p for p in re.split(r"[-_.]", name.lower()) if p]
    if len(parts) > 1:
        # "python" in python-dateutil is the language, not a short name of the project.
        names.update(_norm(p) for p in (parts[0], parts[-1]) if len(p) >= 5 and p not in _LANGUAGE)
    for prefix in ("python", "py"):
        stem = _norm(name)
        if stem.startswith(prefix) and len(stem) - len(prefix) >= 4:
            names.add(stem[len(prefix) :])
    return frozenset(n for n in names if n)


def _names_self(text: str, names: frozenset[str]) -> bool:
    if _SELF_WORDS.search(text):
        return True
    return any(_norm(w) in names for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", text))


def _inside_quotes(prefix: str) -> bool:
    """The match sits inside a quotation: an odd number of straight quotes before it, or
    an opening curly quote not yet closed."""
    if prefix.count('"') % 2 == 1:
        return True
    return prefix.rfind("\u201c") > prefix.rfind("\u201d")


def _about_self(
    sentence: str,
    start: int,
    end: int,
    names: frozenset[str],
    *,
    banner_ok: bool,
) -> bool:
    prefix = sentence[:start]
    if _NEGATION.search(prefix) or _inside_quotes(prefix):
        return False
    suffix = sentence[end:]
    if _FEATURE.search(suffix) or _FEATURE_BEFORE.search(prefix[-60:]):
        return False
    if _SELF_IS_TARGET.search(sentence[start:end]) and _SELF_WORDS.match(suffix.lstrip()):
        return False
    near_before = prefix[-90:]
    near_after = suffix[:50]
    if _OTHER_SUBJECT.search(prefix[-40:]):
        return False
    if _names_self(near_before, names) or _SELF_WORDS.search(near_after):
        return True
    # The object of "we are deprecating this `llama_hub` repo" names the project.
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", near_after)[:3]
    if any(_norm(w) in names for w in words) and re.match(r"\s+(?:the|this)\b", suffix, re.I):
        return True
    return banner_ok and bool(_FILLER.match(prefix))


def _successor(texts: list[str], names: frozenset[str]) -> str | None:
    for text in texts:
        for match in _SUCCESSOR.finditer(text):
            found = next((g for g in match.groups() if g), None)
            if found is None:
                continue
            candidate = found.strip("./-_")
            if candidate.lower() in _NOT_A_NAME or _norm(candidate) in names or not candidate:
                continue
            if "/" in candidate and re.match(r"(?:https?|www)\b", candidate, re.I):
                continue  # a bare URL is not a name; owner/repo is
            return candidate
    return None


def quote(text: str) -> str:
    """A sentence fit to show: no control characters, one line, bounded length."""
    flat = _SPACES.sub(" ", _CONTROL.sub("", text)).strip()
    flat = re.sub(r"\s+([.,;:!?])", r"\1", flat)
    return flat if len(flat) <= MAX_QUOTE else flat[: MAX_QUOTE - 1].rstrip() + "…"


def find_notice(name: str, summary: str | None, description: str | None) -> Notice | None:
    """The first notice the project gives about itself, in the summary then the
    description, or None. Pure and bounded; see the module docstring for what counts."""
    names = own_names(name)
    candidates: list[tuple[bool, list[tuple[int, str]]]] = []
    if summary:
        candidates.append((True, sentences(clean_text(summary[:2000]))))
    if description:
        candidates.append((False, sentences(clean_text(description))))
    for is_summary, items in candidates:
        for i, (block, sentence) in enumerate(items):
            banner_ok = is_summary or block < TOP_BLOCKS
            for kind, pattern in _NOTICES:
                for match in pattern.finditer(sentence):
                    if not _about_self(
                        sentence, match.start(), match.end(), names, banner_ok=banner_ok
                    ):
                        continue
                    following = [s for b, s in items[i + 1 : i + 6] if b <= block + 2]
                    shown = sentence
                    if len(sentence) < 40 and following:  # a banner: quote what it heads
                        shown = f"{sentence}: {following[0]}"
                    return Notice(
                        kind=kind,
                        quote=quote(shown),
                        successor=_successor([sentence, *following], names),
                    )
    return None
