"""Text from data (ids, paths, file names, CSV cells, error messages quoting them) made safe
to show on a terminal or in a log: it can neither drive the terminal nor pass for output of
the program.

Every command prints data-derived text through `safe_text`: control characters come out
as escapes a person can read (``\\x1b``, ``\\n``, ``\\u202e``), so an escape sequence in a
file name cannot recolour, move the cursor or rewrite the screen, a newline cannot start a
forged line, and a right-to-left override cannot reorder what follows; with
``markup=True`` (text printed by a rich console, whose strings and table cells are read as
markup) rich markup such as ``[bold]`` is shown as typed.
"""

from __future__ import annotations

import re

from rich.markup import escape as _escape_markup

#: C0 controls, DEL and C1 controls; the Unicode line and paragraph separators; and the
#: bidirectional formatting characters (marks, embeddings, overrides, isolates), which
#: reorder the text around them.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEPING_LINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: How a line after the first of a multi-line message begins (`lines=True`): indented, so
#: that no text from data can start a line of its own at the margin.
CONTINUATION = "\n    "


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object, *, markup: bool = True, lines: bool = False) -> str:
    """`value` as text that is safe to print: control, line-separator and bidirectional
    characters escaped Python-style (ESC as ``\\x1b``, a newline as ``\\n``); rich markup
    escaped too when `markup` (for rich consoles; False for plain `print` and logs).

    `lines=True` is for messages written as several lines (a list of CSV problems): their
    line breaks stay (CRLF and CR become LF) and every line after the first is indented by
    `CONTINUATION`, so a line break inside a file name still cannot pose as a line of the
    program's own output.
    """
    text = str(value)
    if lines:
        text = text.replace("\r\n", "\n")
        text = _UNSAFE_KEEPING_LINES.sub(_escaped, text).replace("\n", CONTINUATION)
    else:
        text = _UNSAFE.sub(_escaped, text)
    return _escape_markup(text) if markup else text
