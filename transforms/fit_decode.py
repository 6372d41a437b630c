"""Decode one FIT file into columnar polars frames, one per kept message type.

fitparse does the decoding. Three things keep it fast and bounded in memory:

* a data processor that does no per-field work: fitparse's default one looks up four
  methods by name for every field (and converts timestamps one by one); here the
  conversions are polars expressions applied to whole columns afterwards;
* fitparse keeps every message it has parsed in a list; that list is replaced by one that
  keeps nothing, and values go straight into per-field column lists;
* the developer-field registry, a fitparse global, is emptied before each file so that
  one file's developer fields can never leak into the next file decoded by the same
  worker process.

A file that breaks part-way is salvaged, as Garmin's FIT SDK reads it: a truncated file
(a watch whose battery died), a wrong CRC over intact records, a data message without a
definition, a chained file whose next header is damaged. The messages wholly before the
fault are returned, and `DecodedFit.partial` says what broke and at which byte. A file
with no data message before its fault (empty, not FIT, a bad first header) raises
`FitDecodeError` with a reason a person can act on; no frame of it is returned.

A field whose size is not a multiple of its base type's size (COROS watches write such
fields) is read past and its value is null, the message kept. fitparse refuses the file
there; Garmin's SDK reads the field's bytes as uint8 values, which are no value of the
field's declared type.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import fitparse
import fitparse.records
import polars as pl
from fitparse.processors import FitFileDataProcessor
from fitparse.profile import MESSAGE_TYPES
from fitparse.records import (
    BASE_TYPE_BYTE,
    BASE_TYPES,
    BaseType,
    DefinitionMessage,
    DevFieldDefinition,
    FieldDefinition,
    get_dev_type,
)
from fitparse.utils import FitCRCError, FitEOFError, FitHeaderError, FitParseError

from schemas.fit import (
    DEFAULT_DECODER,
    FIT_EPOCH_UNIX_S,
    FIT_MIN_ABSOLUTE_TIMESTAMP,
    MAX_UTC_OFFSET_S,
    SQL_TO_POLARS,
    TABLE_BY_MESSAGE,
    Column,
    DecodedFit,
    Decoder,
    Fault,
    FitTable,
)
from transforms.plausibility import distance_resets, null_implausible, record_sports

_SEMICIRCLE_DEG = 180.0 / 2**31


class FitDecodeError(ValueError):
    """The file is not a readable FIT file; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NoProcessing(FitFileDataProcessor):
    """Leaves fitparse's values as decoded (after scale/offset); conversions happen later."""

    def run_type_processor(self, field_data: object) -> None:
        return None

    def run_field_processor(self, field_data: object) -> None:
        return None

    def run_unit_processor(self, field_data: object) -> None:
        return None

    def run_message_processor(self, data_message: object) -> None:
        return None


class _KeepNothing(list):
    """Stands in for fitparse's list of parsed messages, which would hold the whole file."""

    def append(self, _item: object) -> None:
        return None


#: Stands in for the base type of a field whose size is no multiple of its type's size: its
#: bytes are read (as fitparse reads `byte` fields, one tuple) and its value is null.
_MISALIGNED = BaseType(name="byte", identifier=BASE_TYPE_BYTE.identifier, fmt="B",
                       parse=lambda _raw: None)


class _StreamingFitFile(fitparse.FitFile):
    """fitparse.FitFile that counts chained segments, keeps no parsed messages, remembers
    where the unit (header, message or CRC) it is reading began, and reads past fields
    whose size does not fit their base type."""

    def __init__(self, data: bytes) -> None:
        self.segment = -1
        self.unit_start = 0
        super().__init__(io.BytesIO(data), check_crc=True, data_processor=_NoProcessing())
        self._messages = _KeepNothing()

    def _parse_file_header(self) -> None:
        self.unit_start = self._file.tell()
        super()._parse_file_header()
        self.segment += 1

    def _parse_message_header(self):  # noqa: ANN202 (fitparse's MessageHeader)
        self.unit_start = self._file.tell()
        return super()._parse_message_header()

    def _read_and_assert_crc(self, allow_zero: bool = False) -> None:
        if not allow_zero:  # the file CRC (the header's own CRC allows zero)
            self.unit_start = self._file.tell()
        super()._read_and_assert_crc(allow_zero)

    def _parse_definition_message(self, header):  # noqa: ANN001, ANN202 (fitparse types)
        """fitparse 1.2.0's definition parsing, except that a field whose size is no
        multiple of its base type's size gets `_MISALIGNED` instead of failing the file
        (definitions are few: nothing here runs per record)."""
        endian = ">" if self._read_struct("xB") else "<"
        global_mesg_num, num_fields = self._read_struct("HB", endian=endian)
        mesg_type = MESSAGE_TYPES.get(global_mesg_num)
        field_defs = []
        for _ in range(num_fields):
            def_num, size, base_type_num = self._read_struct("3B", endian=endian)
            field = mesg_type.fields.get(def_num) if mesg_type else None
            base_type = BASE_TYPES.get(base_type_num, BASE_TYPE_BYTE)
            if size % base_type.size:
                base_type = _MISALIGNED
            if field and field.components:
                for component in field.components:
                    if component.accumulate:
                        self._accumulators.setdefault(global_mesg_num, {})[
                            component.def_num] = 0
            field_defs.append(FieldDefinition(field=field, def_num=def_num,
                                              base_type=base_type, size=size))
        dev_field_defs = []
        if header.is_developer_data:
            for _ in range(self._read_struct("B", endian=endian)):
                def_num, size, dev_data_index = self._read_struct("3B", endian=endian)
                dev = DevFieldDefinition(field=get_dev_type(dev_data_index, def_num),
                                         dev_data_index=dev_data_index, def_num=def_num,
                                         size=size)
                if size % dev.base_type.size:
                    dev.base_type = _MISALIGNED
                dev_field_defs.append(dev)
        definition = DefinitionMessage(header=header, endian=endian, mesg_type=mesg_type,
                                       mesg_num=global_mesg_num, field_defs=field_defs,
                                       dev_field_defs=dev_field_defs)
        self._local_mesgs[header.local_mesg_num] = definition
        return definition


#: Rows gathered as Python values before they become a compact typed frame; bounds the
#: memory a long file needs (a 10 MB file has ~300,000 records).
CHUNK_ROWS = 20_000


@dataclass
class _MessageColumns:
    """Values of one message type, gathered column by column, framed every CHUNK_ROWS."""

    table: FitTable
    rows: int = 0
    columns: dict[str, list] = field(default_factory=dict)
    fit_types: dict[str, str] = field(default_factory=dict)
    units: dict[str, str | None] = field(default_factory=dict)
    developer: dict[str, bool] = field(default_factory=dict)
    segment: list[int] = field(default_factory=list)
    seq: list[int] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)

    def add(self, fields: Iterable, segment: int, seq: int) -> None:
        n = len(self.seq)
        width = n + 1
        columns = self.columns
        for fd in fields:
            f = fd.field
            developer = f is not None and f.field_type == "devfield"
            name = "dev_" + f.name if developer else fd.name
            col = columns.get(name)
            if col is None:
                col = columns[name] = [None] * n
                self.fit_types[name] = fd.type.name
                self.units[name] = fd.units
                self.developer[name] = developer
            if len(col) == width:  # a later field of the same name wins, as in get_values()
                col[n] = fd.value
            else:
                col.append(fd.value)
        for col in columns.values():
            if len(col) == n:
                col.append(None)
        self.rows += 1
        self.segment.append(segment)
        self.seq.append(seq)
        if width >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.seq:
            self.frames.append(_typed_frame(self))
        self.columns = {}
        self.segment = []
        self.seq = []

    def frame(self) -> pl.DataFrame:
        """Every row gathered, as the raw table's frame."""
        self._flush()
        return self.frames[0] if len(self.frames) == 1 else pl.concat(self.frames)


def fault_reason(exc: Exception, at: int, size: int) -> str:
    """What broke, in words, with the byte where the unit it broke in began."""
    where = f"at byte {at} of {size}"
    if isinstance(exc, FitHeaderError):
        return f"bad FIT file header {where} ({exc})"
    if isinstance(exc, FitCRCError):
        return f"corrupt FIT file: the CRC {where} does not match the bytes it covers ({exc})"
    if isinstance(exc, FitEOFError):
        return f"truncated FIT file: it ends inside the message {where} ({exc})"
    if isinstance(exc, FitParseError):
        return f"unreadable FIT file: {exc} {where}"
    return f"unreadable FIT file: {type(exc).__name__}: {exc} {where}"


def check_signature(data: bytes) -> None:
    """Raise FitDecodeError for bytes that cannot be a FIT file: empty, or no '.FIT'."""
    if not data:
        raise FitDecodeError("empty file (0 bytes): not a FIT file")
    if len(data) < 12 or data[8:12] != b".FIT":
        raise FitDecodeError(
            f"not a FIT file: the header lacks the '.FIT' signature at bytes 8-11 "
            f"(found {data[8:12]!r})"
        )


def _gather(data: bytes, others: dict[str, int]
            ) -> tuple[dict[str, _MessageColumns], int, Fault | None]:
    """Parse every data message into per-message-type column lists, up to the first fault;
    count the data messages of other types in `others`, by name.

    Raises FitDecodeError when the fault comes before any data message was read."""
    check_signature(data)
    fitparse.records.DEV_TYPES.clear()
    fit: _StreamingFitFile | None = None
    gathered: dict[str, _MessageColumns] = {}
    seq = 0
    fault = None
    try:
        fit = _StreamingFitFile(data)
        while not fit._complete:
            message = fit._parse_message()
            if message is None or message.type != "data":
                continue
            name = message.name
            if name not in TABLE_BY_MESSAGE:
                others[name] = others.get(name, 0) + 1
                seq += 1
                continue
            cols = gathered.get(name)
            if cols is None:
                cols = gathered[name] = _MessageColumns(TABLE_BY_MESSAGE[name])
            cols.add(message.fields, fit.segment, seq)
            seq += 1
    except Exception as exc:  # whatever broke, the messages before it stand
        at = fit.unit_start if fit is not None else 0
        fault = Fault(fault_reason(exc, at, len(data)), at)
        if seq == 0:
            raise FitDecodeError(fault.reason + "; no data message before it") from exc
    finally:
        fitparse.records.DEV_TYPES.clear()
    return gathered, (fit.segment + 1 if fit else 0), fault


def _series(name: str, values: list, fit_type: str) -> pl.Series:
    """One fitparse column as a typed Series: the narrowest type that holds every value."""
    kinds = {type(v) for v in values}
    kinds.discard(type(None))
    if not kinds:
        return pl.Series(name, values, dtype=pl.Null)
    if fit_type == "bool" and kinds <= {int, bool}:
        return pl.Series(name, [None if v is None else bool(v) for v in values], pl.Boolean)
    if kinds <= {bool}:
        return pl.Series(name, values, pl.Boolean)
    if kinds <= {int}:
        try:
            return pl.Series(name, values, pl.Int64)
        except (OverflowError, pl.exceptions.PolarsError):
            return pl.Series(name, values, pl.Float64, strict=False)
    if kinds <= {int, float}:
        return pl.Series(name, values, pl.Float64, strict=False)
    if tuple in kinds and kinds <= {tuple, int, float}:  # arrays; a 1-element one may be scalar
        values = [v if v is None or isinstance(v, tuple) else (v,) for v in values]
        flat = {type(x) for v in values if v is not None for x in v}
        flat.discard(type(None))
        if flat <= {int, float}:
            return pl.Series(
                name,
                [None if v is None else [None if x is None else float(x) for x in v]
                 for v in values],
                pl.List(pl.Float64),
            )
        return pl.Series(
            name,
            [None if v is None else ",".join("" if x is None else str(x) for x in v)
             for v in values],
            pl.String,
        )
    return pl.Series(name, [None if v is None else str(v) for v in values], pl.String)


def _absolute_utc(expr: pl.Expr) -> pl.Expr:
    """FIT date_time seconds → UTC instant; device-relative values (< 0x10000000) → null."""
    return (
        pl.when(expr >= FIT_MIN_ABSOLUTE_TIMESTAMP)
        .then(pl.from_epoch(expr + FIT_EPOCH_UNIX_S, time_unit="s"))
        .otherwise(None)
        .dt.replace_time_zone("UTC")
        .dt.cast_time_unit("us")
    )


def _convert(column: Column, raw: pl.Expr, raw_dtype: pl.DataType) -> pl.Expr:
    """A typed column's value from its field. A field a file defines as an array where the
    profile has one value (its size a multiple of the type's) is no value of the column:
    null there, the array kept in extra_fields."""
    target = SQL_TO_POLARS[column.sql_type]
    numeric = raw_dtype.is_numeric()
    if isinstance(raw_dtype, pl.List) and not isinstance(target, pl.List | pl.String):
        return pl.lit(None, dtype=target)
    if column.conversion == "utc":
        return _absolute_utc(raw.cast(pl.Int64, strict=False)) if numeric else pl.lit(None)
    if column.conversion == "device_s":
        if not numeric:
            return pl.lit(None)
        return pl.when(raw < FIT_MIN_ABSOLUTE_TIMESTAMP).then(raw).otherwise(None)
    if column.conversion == "local":
        if not numeric:
            return pl.lit(None)
        return (
            pl.when(raw > 0)
            .then(pl.from_epoch(raw.cast(pl.Int64) + FIT_EPOCH_UNIX_S, time_unit="s"))
            .otherwise(None)
            .dt.cast_time_unit("us")
        )
    if column.conversion == "semicircles_deg":
        return raw.cast(pl.Float64, strict=False) * _SEMICIRCLE_DEG if numeric else pl.lit(None)
    if isinstance(target, pl.String) and isinstance(raw_dtype, pl.List):
        return raw.cast(pl.List(pl.String)).list.join(",")
    if isinstance(target, pl.List) and not isinstance(raw_dtype, pl.List):
        return pl.concat_list(raw.cast(pl.Float64)) if numeric else pl.lit(None)
    return raw


def _typed_frame(cols: _MessageColumns) -> pl.DataFrame:
    """Frame the gathered rows: key columns, typed columns, extra_fields JSON."""
    columns = [_series(name, values, cols.fit_types[name])
               for name, values in cols.columns.items()]
    # A message can hold no field; polars takes a height without data, not with an empty list
    raw = pl.DataFrame(columns or None, height=len(cols.seq))
    return table_frame(cols.table, raw, cols.fit_types,
                       pl.Series("segment", cols.segment, pl.Int32),
                       pl.Series("message_seq", cols.seq, pl.Int32))


def table_frame(table: FitTable, raw: pl.DataFrame, fit_types: dict[str, str],
                segment: pl.Series, seq: pl.Series) -> pl.DataFrame:
    """The raw table's frame from one column per fitparse field name (`raw`, typed as
    `_series` types them): key columns, typed columns, extra_fields JSON."""
    schema = tuple(zip(raw.columns, raw.dtypes, strict=True))  # raw.schema builds anew
    relative = _device_relative_sources(table, raw)
    dates = tuple(fit_types.get(name) == "date_time" for name, _dtype in schema)
    return raw.select([segment.cast(pl.Int32).alias("segment"),
                       seq.cast(pl.Int32).alias("message_seq"),
                       *_table_exprs(table, schema, dates, relative)])


@functools.lru_cache(maxsize=512)
def _table_exprs(table: FitTable, schema: tuple[tuple[str, pl.DataType], ...],
                 dates: tuple[bool, ...], relative: tuple[str, ...]) -> list[pl.Expr]:
    """The typed columns' and extra_fields' expressions for raw frames of this shape (a
    worker decodes thousands of files of a few shapes: built once per shape)."""
    types = dict(schema)
    exprs: list[pl.Expr] = []
    for column in table.columns:
        present = [s for s in column.sources if s in types]
        target = SQL_TO_POLARS[column.sql_type]
        if not present:
            exprs.append(pl.lit(None, dtype=target).alias(column.name))
            continue
        converted = [_convert(column, pl.col(s), types[s]) for s in present]
        value = pl.coalesce(converted) if len(converted) > 1 else converted[0]
        exprs.append(value.cast(target, strict=False).alias(column.name))
    extra = [c for c, dtype in schema if c not in table.source_fields
             or _array_for_scalar(table, c, dtype)]
    date_time = {name for (name, _dtype), is_date in zip(schema, dates, strict=True) if is_date}
    added = [pl.when(pl.col(s) < FIT_MIN_ABSOLUTE_TIMESTAMP).then(pl.col(s))
             .alias(f"{s}_device_s") for s in relative]
    exprs.append(_extra_json(types, extra, date_time, added).alias("extra_fields"))
    return exprs


def _array_for_scalar(table: FitTable, name: str, dtype: pl.DataType) -> bool:
    """Whether field `name` holds arrays where its typed column holds one value."""
    if not isinstance(dtype, pl.List):
        return False
    targets = [SQL_TO_POLARS[c.sql_type] for c in table.columns if name in c.sources]
    return any(not isinstance(t, pl.List | pl.String) for t in targets)


def _device_relative_sources(table: FitTable, raw: pl.DataFrame) -> tuple[str, ...]:
    """date_time fields stored as UTC columns that hold device-relative seconds in this
    file (their UTC column is null there), unless the table has a column for them
    already: each gets a `<field>_device_s` member in extra_fields."""
    own = {s for c in table.columns if c.conversion == "device_s" for s in c.sources}
    out = []
    for column in table.columns:
        if column.conversion != "utc":
            continue
        for source in column.sources:
            if source in own or source not in raw.columns:
                continue
            values = raw[source]
            if values.dtype.is_integer() and (values < FIT_MIN_ABSOLUTE_TIMESTAMP).any():
                out.append(source)
    return tuple(out)


def _extra_json(schema: dict[str, pl.DataType], names: list[str], date_time: set[str],
                added: list[pl.Expr]) -> pl.Expr:
    """All leftover fields as one JSON object per row; FIT date_time values as ISO UTC."""
    kept = [n for n in names if not isinstance(schema[n], pl.Null)]
    if not kept and not added:
        return pl.lit(None, dtype=pl.String)
    fields = [
        _absolute_utc(pl.col(n)).alias(n)
        if n in date_time and schema[n].is_integer()
        else pl.col(n)
        for n in kept
    ]
    return pl.struct([*fields, *added]).struct.json_encode()


def _fields_frame(gathered: dict[str, _MessageColumns]) -> pl.DataFrame:
    return fields_frame({m: (c.fit_types, c.units, c.developer) for m, c in gathered.items()})


def fields_frame(seen: dict[str, tuple[dict[str, str], dict[str, str | None],
                                       dict[str, bool]]]) -> pl.DataFrame:
    """One row per field seen of each kept message: its units, FIT type, whether it is a
    developer field, and the column that stores it. `seen` maps a message name to its
    fields' FIT types, units and developer flags, by field name."""
    rows = []
    for message, (fit_types, units, developer) in seen.items():
        table = TABLE_BY_MESSAGE[message]
        stored = {s: c.name for c in table.columns for s in c.sources}
        for name in fit_types:
            rows.append(
                {
                    "message": message,
                    "field": name,
                    "units": units[name] or None,
                    "fit_type": fit_types[name],
                    "is_developer_field": developer[name],
                    "stored_in": stored.get(name, "extra_fields"),
                }
            )
    schema = {
        "message": pl.String, "field": pl.String, "units": pl.String, "fit_type": pl.String,
        "is_developer_field": pl.Boolean, "stored_in": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def decode_fit(data: bytes, decoder: Decoder = DEFAULT_DECODER) -> DecodedFit:
    """Decode FIT bytes into raw-table frames (without athlete and source keys), with the
    fast decoder (transforms/fit_fast.py) or fitparse, the reference.

    The fast decoder gives the same frames as fitparse. Where it raises anything but a
    file fault (`FitDecodeError`), the file is decoded by fitparse and `fallback` says why.
    """
    if decoder == "fitparse":
        return decode_fit_fitparse(data)
    from transforms.fit_fast import decode_fit_fast  # imports fit_decode: import it here

    try:
        return decode_fit_fast(data)
    except FitDecodeError:
        raise
    except Exception as exc:  # not the file's fault: the reference reads it
        reason = f"{type(exc).__name__}: {exc}"
        return replace(decode_fit_fitparse(data), fallback=reason[:300])


def decode_fit_fitparse(data: bytes) -> DecodedFit:
    """Decode FIT bytes with fitparse into raw-table frames (without athlete and source keys).

    A file that breaks part-way gives the messages wholly before the fault, with `partial`
    saying why and where. Record values outside their physical range are null, counted in
    `nulled` (transforms.plausibility). Raises `FitDecodeError` when no data message can be read.
    """
    others: dict[str, int] = {}
    gathered, segments, fault = _gather(data, others)
    return finish_decoding(
        {TABLE_BY_MESSAGE[m].table: cols.frame() for m, cols in gathered.items()},
        _fields_frame(gathered), segments, {m: cols.rows for m, cols in gathered.items()},
        fault, others)


def finish_decoding(tables: dict[str, pl.DataFrame], fields: pl.DataFrame, segments: int,
                    message_counts: dict[str, int], fault: Fault | None,
                    others: dict[str, int], decoded_by: str = "fitparse") -> DecodedFit:
    """The decoded file from its raw-table frames: activities get their UTC offset,
    implausible record values are nulled and counted, distance resets counted."""
    if "fit_activity" in tables:
        tables["fit_activity"] = tables["fit_activity"].with_columns(utc_offset_columns())
    nulled, resets = {}, 0
    if "fit_records" in tables:
        records = tables["fit_records"]
        records, nulled = null_implausible(records, record_sports(records, tables))
        tables["fit_records"] = records
        resets = distance_resets(records)
    return DecodedFit(
        tables=tables,
        fields=fields,
        segments=segments,
        message_counts=message_counts,
        partial=fault,
        nulled=nulled,
        distance_resets=resets,
        other_messages=others,
        decoded_by=decoded_by,
    )


def utc_offset_columns() -> list[pl.Expr]:
    """`utc_offset_s` (s) and `utc_offset_status` from an activity's local and UTC timestamps.

    The FIT SDK defines local_timestamp as the wall-clock time of `timestamp`; their
    difference is the UTC offset in force. It is `stated` when both exist and the
    difference lies within ±14 h (the widest real offset); `missing` when local_timestamp
    is absent or 0; `implausible` otherwise (then no offset is kept).
    """
    local_naive = pl.col("local_timestamp")
    utc_naive = pl.col("timestamp_utc").dt.replace_time_zone(None)
    diff_s = (local_naive - utc_naive).dt.total_seconds()
    missing = local_naive.is_null() | utc_naive.is_null()
    plausible = diff_s.abs() <= MAX_UTC_OFFSET_S
    return [
        pl.when(~missing & plausible).then(diff_s).cast(pl.Int32).alias("utc_offset_s"),
        pl.when(missing)
        .then(pl.lit("missing"))
        .when(plausible)
        .then(pl.lit("stated"))
        .otherwise(pl.lit("implausible"))
        .alias("utc_offset_status"),
    ]
