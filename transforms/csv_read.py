"""Read nutrition-tracker CSV exports (MyFitnessPal, Cronometer, Lose It!, ...) robustly.

Pure functions: bytes in, rows out; no file I/O and no DuckDB. What real exports throw at
a reader, and what happens here:

* **Encoding** -- UTF-8 with a BOM, UTF-16 LE/BE as Excel writes it (with a BOM, or
  recognised by its NUL-byte pattern), plain UTF-8, else Windows-1252. Bytes that fit none
  of these, and NUL bytes in 8-bit text (binary data), raise `CsvError`; nothing is ever
  decoded "with replacement".
* **Newlines** -- CRLF, LF and lone CR all end a physical line; line breaks inside values
  come out as ``"\\n"``.
* **Delimiter** -- ``,``, ``;`` or tab, whichever splits the header line into the most
  fields (quotes respected); an Excel ``sep=;`` first line is honoured.
* **Decimal commas** -- see `read_csv` (detection) and `parse_numbers` (strict parsing).
* **A header row repeated mid-file** (two exports concatenated) is dropped and noted.
* **Ragged rows** -- only the unambiguous case is repaired (unquoted line breaks in a
  free-text last column, such as MyFitnessPal's ``Note``); every other row whose field
  count differs from the header's raises `CsvError` naming the physical lines.

Splitting is done by the stdlib ``csv`` module (C code); Python only looks at each row
once, so a 100,000-row, 60-column export (30 MB) reads in under a second.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import polars as pl

__all__ = ["CsvError", "CsvTable", "parse_numbers", "read_csv", "to_frame"]

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


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): by BOM, then the UTF-16 NUL pattern, strict UTF-8, cp1252."""
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
        except UnicodeDecodeError:
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


def read_csv(
    data: bytes,
    *,
    free_text_columns: Sequence[str] = ("Note",),
    skip_lines: int = 0,
) -> CsvTable:
    """Decode and split one CSV export; every returned row matches the header's width.

    Args:
        data: the file's bytes.
        free_text_columns: names of columns holding typed text; when one of them is the
            LAST column, unquoted line breaks inside it are repaired (see below).
        skip_lines: metadata lines before the header (Samsung Health exports have one).

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
        * Ragged rows: a single physical line without any delimiter that follows a record
          whose LAST column is one of `free_text_columns` is an unquoted line break in
          that column: it is appended to it after ``"\\n"`` (blank lines in between are
          kept as empty lines) and the repair noted. Any other row whose field count is
          not the header's raises `CsvError` listing the offending physical lines, the
          field counts and the start of each line.
        * A quoted field still open at the end of the file raises `CsvError`.

    Raises:
        CsvError: ``"empty file"`` for no bytes or no header line; undecodable bytes;
            rows with the wrong field count; an unclosed quote.
    """
    if skip_lines < 0:
        raise ValueError(f"skip_lines must be >= 0, not {skip_lines}")
    if not data:
        raise CsvError("empty file")
    if isinstance(free_text_columns, str):
        free_text_columns = (free_text_columns,)
    text, encoding = _decode(data)
    has_cr = "\r" in text
    physical = _Lines(text)
    source = _physical_lines(text)

    # Metadata, blank lines, an Excel "sep=" hint, then the header line.
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
    header_no = consumed
    if header_line.count('"') % 2:
        raise CsvError(
            f"line {header_no}: the header line has an unclosed quote: {_snippet(header_line)}",
            line=header_no,
            value=header_line[:_SNIPPET],
        )
    if delimiter is None:
        delimiter = _detect_delimiter(header_line)
    raw_header = next(csv.reader([header_line], delimiter=delimiter))
    header = tuple(_clean_name(name) for name in raw_header)
    ncols = len(header)
    free_last = ncols > 1 and header[-1] in set(free_text_columns)

    rows: list[tuple[str, ...]] = []
    starts: list[int] = []
    repairs: list[str] = []
    problems: list[tuple[int, int, int, str]] = []  # first line, last line, fields, text
    joinable = False  # rows[-1] may take continuation lines into its (free-text) last column
    join_first = join_last = 0  # physical lines of the repair in progress, if any
    blank_run = 0  # blank lines since the last record
    last_record = (0, 0)
    prev_end = header_no
    h0 = header[0]

    def flush_join() -> None:
        nonlocal join_first
        if join_first:
            breaks = "line break" if join_last - join_first == 1 else "line breaks"
            repairs.append(
                f"lines {join_first}-{join_last}: unquoted {breaks} in {header[-1]!r} joined"
            )
            join_first = 0

    reader = csv.reader(source, delimiter=delimiter)
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
                problems.append((start, end, n, physical.get(start)))
    except csv.Error as exc:
        line = prev_end + 1
        raise CsvError(f"line {line}: {exc} (an unclosed quote?)", line=line) from None
    flush_join()

    first, last = last_record
    if first and '"' in physical.get(first, last):
        _check_closed_quotes(physical.get(first, last), delimiter, first, last)
    if problems:
        raise _field_count_error(problems, ncols)

    decimal_comma = False
    if delimiter == ";":
        decimal_comma = not _dot_decimals(physical.tail(header_no + 1)) if rows else True
    return CsvTable(
        header=header,
        rows=rows,
        lines=starts,
        encoding=encoding,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        repairs=tuple(repairs),
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
            raise CsvError(
                f"line {first}: a quoted field opened here is never closed (it runs to the end "
                f"of the file, line {last}): {_snippet(raw.split(chr(10), 1)[0])}",
                line=first,
                value=raw[:_SNIPPET],
            ) from None


def _field_count_error(problems: list[tuple[int, int, int, str]], ncols: int) -> CsvError:
    """One `CsvError` listing the first rows whose field count differs from the header's."""
    messages = [
        f"{_where(first, last)}: {_plural(n, 'field')} where the header has {ncols} "
        f"(an unquoted delimiter or line break?): {_snippet(line)}"
        for first, last, n, line in problems[:_MAX_LISTED]
    ]
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
