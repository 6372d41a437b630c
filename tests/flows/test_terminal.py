"""Text from data shown on a terminal: escaped so it can neither drive the terminal nor pass
for the program's own output."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from flows.terminal import safe_text


@pytest.mark.parametrize(("value", "shown"), [
    ("\x1b[31mred", "\\x1b[31mred"),             # an SGR sequence: ESC written as \x1b
    ("a\x00b\x07c\x7fd\x9be", "a\\x00b\\x07c\\x7fd\\x9be"),  # NUL, BEL, DEL, C1 CSI
    ("one\ntwo\r\tthree", "one\\ntwo\\r\\tthree"),
    ("abc\u202eexe.fit", "abc\\u202eexe.fit"),   # a right-to-left override
    ("line\u2028sep", "line\\u2028sep"),
    ("Café 5 km ✓", "Café 5 km ✓"),              # printable text is left alone
])
def test_control_characters_are_escaped_python_style(value: str, shown: str) -> None:
    assert safe_text(value, markup=False) == shown


def test_rich_markup_prints_as_typed() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200)
    name = "[bold]x[/bold] \x1b[2J [red]"
    console.print(f"file {safe_text(name)} end", highlight=False)
    assert buffer.getvalue() == "file [bold]x[/bold] \\x1b[2J [red] end\n"
    assert safe_text("[bold]x[/bold]", markup=False) == "[bold]x[/bold]"


def test_messages_of_several_lines_keep_them_indented() -> None:
    assert safe_text("line 3: bad\r\nline 5: worse\nquarantined x", lines=True,
                     markup=False) == "line 3: bad\n    line 5: worse\n    quarantined x"
    assert safe_text("a\rb", lines=True, markup=False) == "a\\rb"  # a lone CR rewrites a line
