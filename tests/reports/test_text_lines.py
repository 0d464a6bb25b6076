"""The text report's lines print, without colour, exactly as rich printed them: the plain
path (no rich import) and rich's own rendering agree on any text; with colour, rich
prints the lines as it did before."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.reporters.text import _Line, render_lines, render_with_rich

STYLES = st.sampled_from(["", "bold", "dim", "bold red", "bold white on red", "magenta"])
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x07", "\x08", "\x0b", "\x0c", "\r", "\x1b", " ", "\u3042", "😀"]),
    ),
    max_size=30,
)


@st.composite
def lines(draw: st.DrawFn) -> list[_Line]:
    out: list[_Line] = []
    for _ in range(draw(st.integers(1, 6))):
        line = _Line(draw(TEXT), style=draw(STYLES))
        for _ in range(draw(st.integers(0, 3))):
            line.append(draw(TEXT), style=draw(STYLES))
        if draw(st.booleans()):
            line.rstrip()
        out.append(line)
    return out


@settings(max_examples=300, deadline=None)
@given(lines())
def test_without_colour_the_plain_text_is_what_rich_prints(items: list[_Line]) -> None:
    assert render_lines(items, color=False, width=400) == render_with_rich(
        items, color=False, width=400
    )


def test_with_colour_rich_prints_the_styles() -> None:
    line = _Line("auditor ")
    line.append("FAIL", style="bold red")
    line.append(" 2 packages  ")
    line.rstrip()
    out = render_lines([line], color=True, width=400)
    assert "\x1b[" in out and "FAIL" in out
    assert out.endswith("packages\x1b[0m\n") or out.endswith("packages\n")


def test_a_text_report_without_colour_does_not_load_rich() -> None:
    probe = (
        "import sys\n"
        "from auditor.reporters.text import _Line, render_lines\n"
        "print(render_lines([_Line('x', style='bold')], color=False, width=80), end='')\n"
        "print('rich' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "x\nFalse\n"
