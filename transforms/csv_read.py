"""Read nutrition-tracker CSV exports (MyFitnessPal, Cronometer, Lose It!, ...) robustly.

Pure functions: bytes in, rows out; no file I/O and no DuckDB. What real exports throw at
a reader, and what happens here:

* **Encoding** -- UTF-8 with a BOM, UTF-16 LE/BE as Excel writes it (with a BOM, or
  recognised by its NUL-byte pattern), plain UTF-8, else Windows-1252 when no line holds
  UTF-8 text. A file mixing UTF-8 text with bytes that are not UTF-8 (lines appended by
  another program) raises `CsvError` naming the first line that differs, as do bytes that
  fit none of these and NUL bytes in 8-bit text (binary data); nothing is ever decoded
  "with replacement" or into mojibake.
* **Newlines** -- CRLF, LF and lone CR all end a physical line; line breaks inside values
  come out as ``"\\n"``.
* **Delimiter** -- ``,``, ``;`` or tab, whichever splits the header line into the most
  fields (quotes respected); an Excel ``sep=;`` first line is honoured.
* **Decimal commas** -- see `read_csv` (detection) and `parse_numbers` (strict parsing).
* **A header row repeated mid-file** (two exports concatenated) is dropped and noted.
* **Ragged rows** -- only the decidable case is repaired: text of a free-text last
  column, such as MyFitnessPal's ``Note``, written unquoted with delimiters or across
  lines, when none of its lines could start a row (a date in the file's date order, then
  the delimiter). Every other row whose field count differs from the header's, and every
  split that cannot be decided, raises `CsvError` naming the physical lines.

Splitting is done by the stdlib ``csv`` module (C code); Python only looks at each row
once, so a 100,000-row, 60-column export (30 MB) reads in under a second. A file whose
notes need joining is read a second time, line by line (about 2.5 s for 100,000 rows).
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import polars as pl

__all__ = [
    "DEFAULT_FREE_TEXT",
    "CsvError",
    "CsvTable",
    "OpenedCsv",
    "open_csv",
    "parse_numbers",
    "read_csv",
    "read_rows",
    "to_frame",
]

#: Free-text columns `read_csv` repairs unless told otherwise (MyFitnessPal's note).
DEFAULT_FREE_TEXT = ("Note",)
#: Candidate delimiters, in order of preference when they split the header equally.
_DELIMITERS = (",", ";", "\t")
#: How many characters of an offending line a message quotes.
_SNIPPET = 40
#: How many wrong-field-count rows one error message lists.
_MAX_LISTED = 5
#: A whole ``;``-separated field that is a plain number with a ``.`` followed by other than
#: exactly three digits (``12.5``, ``0.75``, ``3.1416``): evidence of dot decimals.
_DOT_DECIMAL_FIELD = (
    r'(?:^|;)[ \t]*"?[ \t]*[+-]?[0-9]*\.(?:[0-9]{1,2}|[0-9]{4,})[ \t]*"?[ \t]*(?:;|$)'
)
#: Numbers ``parse_numbers`` accepts (after stripping whitespace), per convention.
_NUMBER_DECIMAL_COMMA = r"^[+-]?(?:[0-9]+(?:,[0-9]+)?|[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?)$"
_NUMBER_DECIMAL_DOT = r"^[+-]?(?:[0-9]+(?:\.[0-9]+)?|[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?)$"
_SEP_HINT = re.compile(r"^\s*sep=(.)\s*$")


class CsvError(ValueError):
    """A CSV export that cannot be read as it is, with a message a person can act on.

    The message names the physical line number(s), and where it applies the column, the
    value and what was expected. It does not know the file name: the caller prefixes it.

    Attributes:
        line: first physical line concerned (1-based), if any.
        column: the column concerned, if any.
        value: the offending value (or the first characters of the offending line), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.value = value


@dataclass(frozen=True)
class CsvTable:
    """The rows of one CSV export, every one with exactly ``len(header)`` fields.

    Attributes:
        header: column names, stripped of a BOM and surrounding whitespace.
        rows: the data rows as strings (content unstripped, quotes removed).
        lines: the physical line (1-based, in the decoded text) where each row starts.
        encoding: ``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"`` or ``"cp1252"``.
        delimiter: ``","``, ``";"`` or ``"\\t"``.
        decimal_comma: whether numbers use ``,`` as the decimal mark (see `read_csv`).
        repairs: human-readable notes of what was repaired, in file order.
    """

    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    lines: list[int]
    encoding: str
    delimiter: str
    decimal_comma: bool
    repairs: tuple[str, ...]


# --------------------------------------------------------------------------- decoding


def _line_breaks(text: str) -> int:
    """How many line breaks (CRLF, LF or lone CR) `text` contains."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _decode_error(data: bytes, exc: UnicodeDecodeError, codec: str, what: str) -> CsvError:
    """A `CsvError` for bytes that are not valid `what`, naming the line they are on."""
    before = data[: exc.start].decode(codec, errors="replace")
    line = _line_breaks(before) + 1
    bad = data[exc.start : max(exc.end, exc.start + 1)]
    shown = " ".join(f"0x{b:02X}" for b in bad[:4])
    if exc.reason == "truncated data":
        message = f"line {line}: the text ends in the middle of a character (truncated?)"
    else:
        message = f"line {line}: byte(s) {shown} are {what}"
    return CsvError(message, line=line, value=shown)


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when the NUL bytes say so (mostly-ASCII UTF-16)."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0), odd.count(0)
    if odd_nul >= 0.4 * len(odd) and even_nul <= 0.05 * len(even):
        return "utf-16-le"
    if even_nul >= 0.4 * len(even) and odd_nul <= 0.05 * len(odd):
        return "utf-16-be"
    return None


#: A valid multi-byte UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, at most
#: U+10FFFF). Windows-1252 text almost never holds one: an accented letter there is one
#: byte followed by ASCII.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_MIXED_ADVICE = ("the file mixes two text encodings and is not read, so that no character is "
                 "changed: save it again in one encoding (UTF-8) and run again")


def _byte_line(data: bytes, offset: int) -> int:
    """The physical line (1-based) of `data[offset]`, for ASCII-compatible encodings."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _refuse_mixed_utf8(data: bytes, exc: UnicodeDecodeError) -> None:
    """Raise `CsvError` when bytes that are not UTF-8 (`exc`, the first of them) share the
    file with non-ASCII UTF-8 text: no single encoding reads it whole. Returns when the file
    holds no multi-byte UTF-8 sequence (Windows-1252 text throughout)."""
    utf8 = _UTF8_MULTIBYTE.search(data)
    if utf8 is None:
        return
    bad_line, utf8_line = _byte_line(data, exc.start), _byte_line(data, utf8.start())
    shown = " ".join(f"0x{b:02X}" for b in data[exc.start : max(exc.end, exc.start + 1)][:4])
    char = repr(utf8.group().decode("utf-8"))
    if exc.reason == "unexpected end of data" and exc.end == len(data):
        message = (f"line {bad_line}: the UTF-8 text ends in the middle of a character "
                   "(truncated?)")
    elif bad_line == utf8_line:
        message = (f"line {bad_line} mixes UTF-8 text ({char}) with byte(s) {shown} that are "
                   f"not UTF-8; {_MIXED_ADVICE}")
    elif utf8_line < bad_line:
        earlier = "line 1 is" if bad_line == 2 else f"lines 1-{bad_line - 1} are"
        message = (f"line {bad_line} is not UTF-8 (byte(s) {shown}) while {earlier} (line "
                   f"{utf8_line} holds UTF-8 text: {char}); {_MIXED_ADVICE}")
    else:
        message = (f"line {utf8_line} holds UTF-8 text ({char}) while line {bad_line} is not "
                   f"UTF-8 (byte(s) {shown}, Windows-1252?); {_MIXED_ADVICE}")
    first = max(bad_line, utf8_line)
    raise CsvError(message, line=first, value=shown if first == bad_line else char)


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): by BOM, then the UTF-16 NUL pattern, strict UTF-8, else
    cp1252 when no line holds UTF-8 text (a file mixing the two raises `CsvError`)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # so that error offsets count from the text
        codec, name = "utf-8", "utf-8-sig"
        what = "not valid UTF-8 text, although the file starts with a UTF-8 BOM"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec, name = "utf-16", "utf-16"
        what = "not valid UTF-16 text, although the file starts with a UTF-16 BOM"
    elif (utf16 := _utf16_without_bom(data)) is not None:
        codec, name, what = utf16, "utf-16", "not valid UTF-16 text (the NUL bytes say UTF-16)"
    else:
        try:
            text, name = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            _refuse_mixed_utf8(data, exc)
            codec, name, what = "cp1252", "cp1252", "neither UTF-8 nor Windows-1252 (cp1252) text"
        else:
            codec = ""
    if codec:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise _decode_error(data, exc, codec, what) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = _line_breaks(text[:nul]) + 1
        raise CsvError(
            f"line {line}: NUL character in {name} text: this is binary data, not a CSV export",
            line=line,
        )
    return text, name


# --------------------------------------------------------------------------- splitting


#: Characters `str.splitlines` also splits on, which are not line breaks in a CSV file.
_OTHER_LINE_BOUNDARIES = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _physical_lines(text: str) -> Iterator[str]:
    """The text's physical lines, line endings kept (CRLF, LF and lone CR end a line)."""
    if any(char in text for char in _OTHER_LINE_BOUNDARIES):
        return iter(io.StringIO(text, newline=""))  # slower, but splits on CR/LF only
    return iter(text.splitlines(keepends=True))


def _normalise_newlines(text: str) -> str:
    """CRLF and lone CR turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class _Lines:
    """Physical lines of the text, indexed lazily (used on error/repair paths only)."""

    def __init__(self, text: str) -> None:
        self._raw = text
        self._text = ""
        self._starts: list[int] | None = None

    def _index(self) -> list[int]:
        if self._starts is None:
            self._text = _normalise_newlines(self._raw)
            self._starts = [0, *(m.end() for m in re.finditer("\n", self._text))]
        return self._starts

    def get(self, first: int, last: int | None = None) -> str:
        """Physical lines `first`..`last` (1-based, inclusive), without the final newline."""
        starts = self._index()
        last = first if last is None else last
        begin = starts[first - 1]
        end = starts[last] - 1 if last < len(starts) else len(self._text)
        return self._text[begin:end]

    def tail(self, line: int) -> str:
        """The text from physical line `line` on, newlines normalised to LF."""
        starts = self._index()
        return self._text[starts[line - 1] :] if line <= len(starts) else ""


def _clean_name(name: str) -> str:
    """A header name stripped of BOM characters and surrounding whitespace."""
    return name.strip().strip("\ufeff").strip()


def _detect_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header line into the most fields."""
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _snippet(line: str) -> str:
    """The first characters of a line, quoted for a message."""
    return repr(line[:_SNIPPET] + ("…" if len(line) > _SNIPPET else ""))


def _where(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _dot_decimals(data_text: str) -> bool:
    """Whether a ``;``-separated data section is written with dot decimals (see read_csv)."""
    if "," in data_text or "." not in data_text:
        return False
    lines = pl.Series(data_text.split("\n"), dtype=pl.String)
    return bool(lines.str.contains(_DOT_DECIMAL_FIELD).any())


#: strftime directives and what they match in a row's first cell (see `_row_start`).
_DATE_DIRECTIVES = {
    "%Y": "[0-9]{4}",
    "%y": "[0-9]{2}",
    "%m": "(?:0?[1-9]|1[0-2])",
    "%d": "(?:0?[1-9]|[12][0-9]|3[01])",
    "%b": "[A-Za-z]{3,}\\.?",
    "%B": "[A-Za-z]{3,}",
    "%%": "%",
}
#: A date in any order (three groups of digits), when the file's order is not known.
_ANY_DATE = "[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}"


def _row_start(date_format: str | None, delimiter: str) -> re.Pattern[str]:
    """Lines that could start a row: a first cell holding a date in `date_format`'s order
    (any date-like text when None), optionally quoted, then the delimiter. A directive not in
    `_DATE_DIRECTIVES` matches any text of the cell: more lines count as possible row starts,
    never fewer."""
    d = re.escape(delimiter)
    if date_format is None:
        date = _ANY_DATE
    else:
        parts = re.split("(%.)", date_format)
        date = "".join(
            _DATE_DIRECTIVES.get(part, f'[^{d}"\\n]*') if i % 2 else re.escape(part)
            for i, part in enumerate(parts)
        )
    return re.compile(f'[ \\t]*"?{date}"?[ \\t]*{d}')


def _shown_order(date_format: str | None) -> str:
    """The date order for a message: ``YYYY-MM-DD`` for ``%Y-%m-%d``."""
    if date_format is None:
        return "a date"
    shown = date_format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
    return f"a date in the order {shown}"


@dataclass
class OpenedCsv:
    """A decoded export read up to its header line (`open_csv`); `read_rows` reads the
    rest, once.

    Attributes:
        header: column names, stripped of a BOM and surrounding whitespace.
    """

    text: str
    encoding: str
    physical: _Lines
    source: Iterator[str]
    header_no: int
    header: tuple[str, ...]
    delimiter: str
    read: bool = False


def open_csv(data: bytes, *, skip_lines: int = 0) -> OpenedCsv:
    """Decode `data` and read past metadata, blank lines and an Excel ``sep=`` hint to the
    header line (the rules in `read_csv`), so that a caller can choose how to read the
    rows from the header.

    Raises:
        CsvError: ``"empty file"``, undecodable bytes, an unclosed quote in the header line.
    """
    if skip_lines < 0:
        raise ValueError(f"skip_lines must be >= 0, not {skip_lines}")
    if not data:
        raise CsvError("empty file")
    text, encoding = _decode(data)
    source = _physical_lines(text)
    consumed = 0
    for _ in range(skip_lines):
        if next(source, None) is None:
            raise CsvError(f"empty file: nothing after the {_plural(skip_lines, 'skipped line')}")
        consumed += 1
    delimiter: str | None = None
    header_line: str | None = None
    for line in source:
        consumed += 1
        stripped = line.strip().strip("\ufeff")
        if not stripped:
            continue
        hint = _SEP_HINT.match(stripped)
        if hint and delimiter is None and hint.group(1) in _DELIMITERS:
            delimiter = hint.group(1)
            continue
        header_line = line.rstrip("\r\n")
        break
    if header_line is None:
        raise CsvError(
            "empty file" + (f" after {skip_lines} skipped line(s)" if skip_lines else "")
        )
    if header_line.count('"') % 2:
        raise CsvError(
            f"line {consumed}: the header line has an unclosed quote: {_snippet(header_line)}",
            line=consumed,
            value=header_line[:_SNIPPET],
        )
    if delimiter is None:
        delimiter = _detect_delimiter(header_line)
    raw_header = next(csv.reader([header_line], delimiter=delimiter))
    header = tuple(_clean_name(name) for name in raw_header)
    return OpenedCsv(text, encoding, _Lines(text), source, consumed, header, delimiter)


#: A problem row: first and last physical line, message, start of the offending text.
_Problem = tuple[int, int, str, str]


@dataclass
class _Split:
    """Rows as the stdlib reader splits them, with what went wrong."""

    rows: list[tuple[str, ...]]
    starts: list[int]
    repairs: list[str]
    problems: list[_Problem]
    last_record: tuple[int, int]
    #: a record spanning lines has an inner line that could start a row
    suspect: bool


def _wrong_count(first: int, last: int, n: int, ncols: int, line: str) -> _Problem:
    message = (f"{_where(first, last)}: {_plural(n, 'field')} where the header has {ncols} "
               f"(an unquoted delimiter or line break?): {_snippet(line)}")
    return first, last, message, line


def _split(opened: OpenedCsv, free_last: bool, row_start: re.Pattern[str]) -> _Split:
    """Split the rows with the stdlib reader; a line without any delimiter after a record
    whose last column is free text is joined to that column (see `read_csv`)."""
    header, delimiter, physical = opened.header, opened.delimiter, opened.physical
    ncols, header_no, h0 = len(header), opened.header_no, header[0]
    has_cr = "\r" in opened.text
    rows: list[tuple[str, ...]] = []
    starts: list[int] = []
    repairs: list[str] = []
    problems: list[_Problem] = []
    joinable = False  # rows[-1] may take continuation lines into its (free-text) last column
    join_first = join_last = 0  # physical lines of the repair in progress, if any
    blank_run = 0  # blank lines since the last record
    last_record = (0, 0)
    prev_end = header_no
    suspect = False

    def flush_join() -> None:
        nonlocal join_first
        if join_first:
            repairs.append(_joined(join_first, join_last, header[-1]))
            join_first = 0

    reader = csv.reader(opened.source, delimiter=delimiter)
    try:
        for row in reader:
            end = header_no + reader.line_num
            start = prev_end + 1
            prev_end = end
            n = len(row)
            if has_cr and end != start:  # line breaks inside quoted values come out as LF
                row = [_normalise_newlines(field) for field in row]
            if n == ncols:
                blank_run = 0
                last_record = (start, end)
                if join_first:
                    flush_join()
                if free_last and end != start and not suspect:
                    inner = physical.get(start + 1, end).split("\n")
                    suspect = any(row_start.match(line) for line in inner)
                if h0 in row[0] and [_clean_name(f) for f in row] == list(header):
                    repairs.append(f"line {start}: repeated header row dropped")
                    joinable = False
                    continue
                rows.append(tuple(row))
                starts.append(start)
                joinable = free_last
            elif n == 0 or (n == 1 and not row[0].strip()):
                blank_run += end - start + 1
            else:
                last_record = (start, end)
                if joinable and n == 1 and start == end:
                    raw = physical.get(start)
                    if delimiter not in raw:
                        *before, note = rows[-1]
                        rows[-1] = (*before, note + "\n" * (blank_run + 1) + raw)
                        join_first = join_first or starts[-1]
                        join_last = end
                        blank_run = 0
                        continue
                if join_first:
                    flush_join()
                blank_run = 0
                joinable = False
                problems.append(_wrong_count(start, end, n, ncols, physical.get(start)))
    except csv.Error as exc:
        line = prev_end + 1
        raise CsvError(f"line {line}: {exc} (an unclosed quote?)", line=line) from None
    flush_join()
    return _Split(rows, starts, repairs, problems, last_record, suspect)


def _joined(first: int, last: int, column: str) -> str:
    """The repair note for continuation lines `first`..`last` joined into `column`."""
    breaks = "line break" if last - first == 1 else "line breaks"
    return f"lines {first}-{last}: unquoted {breaks} in {column!r} joined"


def read_csv(
    data: bytes,
    *,
    free_text_columns: Sequence[str] = DEFAULT_FREE_TEXT,
    skip_lines: int = 0,
    date_format: str | None = None,
) -> CsvTable:
    """Decode and split one CSV export; every returned row matches the header's width.

    Args:
        data: the file's bytes.
        free_text_columns: names of columns holding typed text; when one of them is the
            LAST column, text of it written unquoted across lines is joined back (below).
        skip_lines: metadata lines before the header (Samsung Health exports have one).
        date_format: the strftime order of the dates in the first column (the export
            format's), which tells a line that could start a row from one that cannot;
            None: any date-like first cell could.

    Rules:
        * Encoding: a UTF-8 BOM gives ``utf-8-sig``; a UTF-16 BOM, or (without a BOM) NUL
          bytes in every other position, give ``utf-16``; else strict UTF-8, else cp1252.
          Undecodable bytes raise `CsvError`.
        * Blank lines are ignored. The header is the first non-blank line after
          `skip_lines` (an Excel ``sep=X`` line before it sets the delimiter).
        * The delimiter is the one of ``,`` ``;`` tab giving the header the most fields.
        * ``decimal_comma`` is True for ``;``-separated files and False otherwise, except
          that a ``;``-separated file is read as using dot decimals (False) when no data
          value anywhere contains a ``,`` while some value is a plain number with a ``.``
          followed by other than exactly three digits (``12.5``, ``0.75``): ``1.450`` in
          such a file is 1.45. Only whole plain-number fields count as evidence, so text
          such as ``Dr. Pepper`` cannot switch a decimal-comma file to dot decimals.
        * A row equal to the header (two exports concatenated) is dropped and noted.
        * Free text across lines, when the LAST column is one of `free_text_columns`
          (MyFitnessPal's ``Note``): a line *could start a row* when its first cell is a
          date in `date_format`'s order followed by the delimiter. Each such line starts a
          row; the lines after it that could not start one are that row's last-column
          text, joined with ``"\\n"`` (blank lines inside kept, trailing ones dropped) as
          typed: commas, quotes, bullets, lines starting with digits. Delimiters on the
          row's own line past the header's width are text of that column too. Every
          repair is noted. Still refused, naming the lines:

          - a line that could start a row but has fewer fields than the header after
            such a row: a broken row or a note line starting with a date, undecidable;
          - a continuation line with the header's width or more (a row whose date does
            not read in that order?);
          - a row's own line with fewer fields than the header (a break in another
            column), and any line before the first row;
          - a last row whose quoted text is never closed (a truncated file).

          A file in which no line could start a row keeps the simpler rule: a single
          line without any delimiter after a record is joined to its last column.
        * Any other row whose field count is not the header's raises `CsvError`
          listing the offending physical lines, the field counts and the start of each.
        * A quoted field still open at the end of the file raises `CsvError`.

    Raises:
        CsvError: ``"empty file"`` for no bytes or no header line; undecodable bytes;
            rows with the wrong field count or an undecidable row split; an unclosed quote.
    """
    return read_rows(open_csv(data, skip_lines=skip_lines),
                     free_text_columns=free_text_columns, date_format=date_format)


def read_rows(
    opened: OpenedCsv,
    *,
    free_text_columns: Sequence[str] = DEFAULT_FREE_TEXT,
    date_format: str | None = None,
) -> CsvTable:
    """The rows after an opened export's header, as `read_csv` reads them (its rules and
    arguments); an export is read once."""
    if opened.read:
        raise ValueError("this export's rows were read already: open it again")
    opened.read = True
    if isinstance(free_text_columns, str):
        free_text_columns = (free_text_columns,)
    header, delimiter, physical = opened.header, opened.delimiter, opened.physical
    ncols = len(header)
    free_last = ncols > 1 and header[-1] in set(free_text_columns)
    row_start = _row_start(date_format, delimiter)

    split = _split(opened, free_last, row_start)
    rows, starts, repairs = split.rows, split.starts, split.repairs
    rejoined = None
    if free_last and (split.problems or split.suspect):
        rejoined = _rejoin(opened, row_start, date_format)
    if rejoined is not None:
        rows, starts, repairs = rejoined
    else:
        first, last = split.last_record
        if first and '"' in physical.get(first, last):
            _check_closed_quotes(physical.get(first, last), delimiter, first, last)
        if split.problems:
            raise _field_count_error(split.problems)

    decimal_comma = False
    if delimiter == ";":
        decimal_comma = not _dot_decimals(physical.tail(opened.header_no + 1)) if rows else True
    return CsvTable(
        header=header,
        rows=rows,
        lines=starts,
        encoding=opened.encoding,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        repairs=tuple(repairs),
    )


def _is_header(line: str, header: tuple[str, ...], delimiter: str) -> bool:
    return header[0] in line and [
        _clean_name(f) for f in next(csv.reader([line], delimiter=delimiter), [])
    ] == list(header)


def _fields(line: str, delimiter: str) -> list[str]:
    """One physical line's fields (without quotes, splitting is all the CSV reader does)."""
    if '"' not in line:
        return line.split(delimiter)
    return next(csv.reader([line], delimiter=delimiter), [])


_QUOTED_FIELD = re.compile('"(?:[^"]|"")*"')


@functools.lru_cache(maxsize=16)
def _last_column_start(ncols: int, delimiter: str) -> re.Pattern[str]:
    """The first ``ncols - 1`` fields of a line and their delimiters (quotes respected)."""
    d = re.escape(delimiter)
    return re.compile(f'(?:(?>"(?:[^"]|"")*"[^{d}]*|[^{d}]*){d}){{{ncols - 1}}}')


def _note_on_row_line(line: str, fields: list[str], ncols: int, delimiter: str) -> str:
    """The last column's text on a row's own line (`fields`: the line's fields), as written:
    everything after the header's width minus one fields; a single quoted field is
    unquoted."""
    if '"' not in line:
        return delimiter.join(fields[ncols - 1 :])
    found = _last_column_start(ncols, delimiter).match(line)
    rest = line[found.end() :] if found else ""
    if _QUOTED_FIELD.fullmatch(rest):
        return rest[1:-1].replace('""', '"')
    return rest


def _opens_quote_to_end(line: str, delimiter: str) -> bool:
    """Whether the line opens a quoted field it does not close."""
    try:
        for _ in csv.reader([line + "\n"], delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _rejoin(
    opened: OpenedCsv, row_start: re.Pattern[str], date_format: str | None
) -> tuple[list[tuple[str, ...]], list[int], list[str]] | None:
    """Rows split where a line could start one, the lines in between joined into the last
    (free-text) column (the rules in `read_csv`); None when no line could start a row."""
    header, delimiter = opened.header, opened.delimiter
    ncols, note = len(header), header[-1]
    first_no = opened.header_no + 1
    lines = opened.physical.tail(first_no).split("\n")
    # Each group: [first line number, its lines]; a repeated header is a group without lines.
    groups: list[tuple[int, list[str]]] = []
    problems: list[_Problem] = []
    for i, line in enumerate(lines):
        no = first_no + i
        if row_start.match(line):
            groups.append((no, [line]))
        elif header[0] in line and _is_header(line, header, delimiter):
            groups.append((no, []))
        elif groups and groups[-1][1]:
            groups[-1][1].append(line)
        elif line.strip():
            problems.append(_wrong_count(no, no, len(_fields(line, delimiter)), ncols, line))
    if not any(group for _, group in groups):
        return None

    rows: list[tuple[str, ...]] = []
    starts: list[int] = []
    repairs: list[str] = []
    order = _shown_order(date_format)
    previous: tuple[int, int] | None = None  # lines of the row before, if any
    for k, (no, group) in enumerate(groups):
        if not group:
            repairs.append(f"line {no}: repeated header row dropped")
            previous = None
            continue
        while len(group) > 1 and not group[-1].strip():
            group.pop()
        end = no + len(group) - 1
        line, more = group[0], group[1:]
        fields = _fields(line, delimiter)
        n = len(fields)
        if more:
            quoted = _quoted_record(group, delimiter)
            if quoted is not None and len(quoted) == ncols:
                rows.append(tuple(quoted))
                starts.append(no)
                previous = (no, end)
                continue
        if n < ncols:
            if previous is not None:
                problems.append((no, end, (
                    f"{_where(no, end)}: {_plural(n, 'field')} where the header has {ncols}, "
                    f"but line {no} begins like a row ({order}, then {delimiter!r}): a broken "
                    f"row (a line break before {note!r}?) or a line of the {note!r} of "
                    f"{_where(*previous)} that starts with a date; the row split cannot be "
                    f"decided: {_snippet(line)}"), line))
            elif more:
                problems.append((no, end, (
                    f"lines {no}-{end}: {_plural(n, 'field')} where the header has {ncols}, "
                    f"then lines that do not begin with {order} and {delimiter!r} (a line "
                    f"break in a column before {note!r}?): {_snippet(line)}"), line))
            else:
                problems.append(_wrong_count(no, no, n, ncols, line))
            previous = (no, end)
            continue
        if k == len(groups) - 1 and _opens_quote_to_end(line, delimiter):
            raise _never_closed(opened.physical.get(no, end), no, end)
        for j, text in enumerate(more, start=no + 1):
            if text.count(delimiter) >= ncols - 1:
                width = len(_fields(text, delimiter))
                if width >= ncols:
                    problems.append((j, j, (
                        f"line {j}: {_plural(width, 'field')} like a row, but it does not "
                        f"begin with {order} and {delimiter!r}: a row whose date does not "
                        f"read, or a line of the {note!r} of line {no}?: {_snippet(text)}"),
                        text))
        text = "\n".join([_note_on_row_line(line, fields, ncols, delimiter), *more])
        rows.append((*fields[: ncols - 1], text))
        if n > ncols:
            repairs.append(f"line {no}: {delimiter!r} in unquoted {note!r} kept as text")
        if more:
            repairs.append(_joined(no, end, note))
        starts.append(no)
        previous = (no, end)
    if problems:
        raise _field_count_error(sorted(problems))
    return rows, starts, repairs


def _quoted_record(group: list[str], delimiter: str) -> list[str] | None:
    """The group's lines read as one properly quoted record, or None when they are not."""
    try:
        records = list(csv.reader(io.StringIO("\n".join(group) + "\n", newline=""),
                                  delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


def _never_closed(raw: str, first: int, last: int) -> CsvError:
    return CsvError(
        f"line {first}: a quoted field opened here is never closed (it runs to the end "
        f"of the file, line {last}): {_snippet(raw.split(chr(10), 1)[0])}",
        line=first,
        value=raw[:_SNIPPET],
    )


def _check_closed_quotes(raw: str, delimiter: str, first: int, last: int) -> None:
    """Raise when the file's last record opens a quote it never closes."""
    try:
        for _ in csv.reader(
            io.StringIO(raw + "\n", newline="\n"), delimiter=delimiter, strict=True
        ):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _never_closed(raw, first, last) from None


def _field_count_error(problems: list[_Problem]) -> CsvError:
    """One `CsvError` listing the first problem rows, then how many more there are."""
    messages = [message for _, _, message, _ in problems[:_MAX_LISTED]]
    if len(problems) > _MAX_LISTED:
        messages.append(
            f"... and {len(problems) - _MAX_LISTED} more rows with the wrong field count"
        )
    first_line, _, _, text = problems[0]
    return CsvError("\n".join(messages), line=first_line, value=text[:_SNIPPET])


# --------------------------------------------------------------------------- frames, numbers


def _unique_names(header: Sequence[str]) -> list[str]:
    """Header names made unique with " (2)", " (3)", ...; "source_line" is reserved."""
    seen = {"source_line"}
    names = []
    for name in header:
        candidate, k = name, 2
        while candidate in seen:
            candidate, k = f"{name} ({k})", k + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def to_frame(table: CsvTable) -> pl.DataFrame:
    """The table as a frame of ``pl.String`` columns plus ``source_line`` (Int32).

    Duplicate header names are made unique with " (2)", " (3)", ... (a header column
    itself named ``source_line`` becomes ``source_line (2)``). Rows whose fields are all
    empty or whitespace are dropped; ``source_line`` is the physical line each row starts on.
    """
    names = _unique_names(table.header)
    width = len(names)
    # One flat Series of every value, then every `width`-th value per column: about twice
    # as fast as transposing the rows in Python or letting polars ingest row tuples.
    flat = pl.Series("value", list(chain.from_iterable(table.rows)), dtype=pl.String)
    frame = pl.DataFrame(
        [
            *(flat.gather_every(width, offset=j).alias(name) for j, name in enumerate(names)),
            pl.Series("source_line", table.lines, dtype=pl.Int32),
        ]
    )
    not_empty = pl.any_horizontal([pl.col(name).str.strip_chars() != "" for name in names])
    return frame.filter(not_empty)


def parse_numbers(
    values: pl.Series,
    *,
    decimal_comma: bool,
    missing: Sequence[str] = ("", "n/a", "N/A", "-", "--"),
) -> tuple[pl.Series, pl.Series]:
    """Parse number strings strictly in one file's convention, never guessing.

    Surrounding whitespace is stripped; a leading ``+`` or ``-`` is accepted; only ASCII
    digits count. Accepted shapes:

    * ``decimal_comma=True``: ``12``, ``12,5``, ``0,75``, and ``.``-grouped thousands
      ``1.450``, ``1.450,5``, ``12.345.678``;
    * ``decimal_comma=False``: ``12``, ``12.5``, and ``,``-grouped thousands ``1,450``,
      ``1,450.5``.

    Anything else -- ``1.45`` with decimal commas, ``1,45`` with dot decimals, ``12abc``,
    ``1 450``, ``1e3`` -- is flagged invalid, so a value is never silently off by 1000x.

    Args:
        values: a String (or all-null) series.
        decimal_comma: the file's convention (`CsvTable.decimal_comma`).
        missing: tokens (compared after stripping) meaning "no value"; nulls are missing too.

    Returns:
        ``(numbers, invalid)``, both named like `values`: Float64 with null where the text
        is missing or invalid, and Boolean True where the text is neither missing nor a
        valid number.
    """
    if values.dtype not in (pl.String, pl.Null):
        raise TypeError(f"parse_numbers needs a String series, not {values.dtype}")
    name = values.name
    tokens = pl.Series("missing", [token.strip() for token in missing], dtype=pl.String)
    text = pl.col("text").str.strip_chars()
    if decimal_comma:
        pattern = _NUMBER_DECIMAL_COMMA
        canonical = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        pattern = _NUMBER_DECIMAL_DOT
        canonical = text.str.replace_all(",", "", literal=True)
    is_missing = text.is_null() | text.is_in(tokens.implode())
    is_valid = text.str.contains(pattern).fill_null(False)
    number = (
        pl.when(is_valid & ~is_missing)
        .then(canonical.str.strip_prefix("+").cast(pl.Float64, strict=False))
        .otherwise(None)
    )
    out = (
        pl.DataFrame({"text": values.cast(pl.String)})
        .select(number.alias("number"), (~is_missing & ~is_valid).alias("invalid"))
        .select(
            pl.when(pl.col("number").is_infinite()).then(None).otherwise("number").alias("number"),
            (pl.col("invalid") | pl.col("number").is_infinite().fill_null(False)).alias("invalid"),
        )
    )
    return out["number"].alias(name), out["invalid"].alias(name)
