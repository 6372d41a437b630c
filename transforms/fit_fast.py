"""A FIT decoder that reads each definition's data messages all at once, with numpy.

It gives the frames `transforms.fit_decode.decode_fit_fitparse` gives, value for value, in
three steps:

1. **Scan** (`_scan`): one pass over the message headers of the whole file, chained files
   included. Definitions are parsed as they come; a data message costs a look-up of its
   local type's size, and a run of messages of one local type is skipped at once (numpy
   compares the header byte at every stride). Faults end the scan where fitparse's would
   end: a truncated message, a data message without definition, a wrong CRC, a bad chained
   header. Developer field descriptions are read as they come, as fitparse reads them.
2. **Decode** (`_Group.columns`): for each definition, the bytes of all its data messages
   are gathered into one matrix and every field is read as one numpy column, in the
   definition's byte order. FIT's invalid values become nulls; then fitparse's rules, column
   by column: subfields chosen from reference fields, components cut from their parent's
   bits, accumulated (distance from `compressed_speed_distance`), scaled; enum values
   named; the later of two fields with one name wins.
3. **Frame**: the columns of each kept message type, in file order, typed as fitparse's
   path types them, then the same framing, plausibility and offset steps
   (`fit_decode.table_frame`, `fit_decode.finish_decoding`).

Values come from fitparse's profile (`fitparse.profile`): message and field numbers,
types, scales, offsets, units, subfields and components, so that they are fitparse's.

What it does not read the same way (an uncommon combination fitparse would handle
differently, or would fail on) raises `FastDecodeUnsupported`; `decode_fit` then hands the
file to fitparse.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from fastcrc import crc16
from fitparse.profile import FIELD_TYPE_TIMESTAMP, MESSAGE_TYPES
from fitparse.records import BASE_TYPES, parse_string
from fitparse.utils import FitCRCError, FitEOFError, FitHeaderError, FitParseError

from schemas.fit import TABLE_BY_MESSAGE, DecodedFit, Fault
from transforms.fit_decode import (
    FitDecodeError,
    check_signature,
    fault_reason,
    fields_frame,
    finish_decoding,
    table_frame,
)


class FastDecodeUnsupported(Exception):
    """The file holds something the fast decoder does not read; fitparse reads it."""


@dataclass(frozen=True)
class _Base:
    """A FIT base type: fitparse's name and struct code, numpy's dtype, the invalid value."""

    name: str
    fmt: str
    size: int
    np_code: str
    invalid: int | None  # None: NaN (floats) or no invalid value (strings, bytes)


def _base_types() -> dict[int, _Base]:
    codes = {"b": "i1", "B": "u1", "h": "i2", "H": "u2", "i": "i4", "I": "u4", "q": "i8",
             "Q": "u8", "f": "f4", "d": "f8", "s": "S1"}
    invalid = {"enum": 0xFF, "sint8": 0x7F, "uint8": 0xFF, "sint16": 0x7FFF,
               "uint16": 0xFFFF, "sint32": 0x7FFFFFFF, "uint32": 0xFFFFFFFF, "uint8z": 0,
               "uint16z": 0, "uint32z": 0, "sint64": 0x7FFFFFFFFFFFFFFF,
               "uint64": 0xFFFFFFFFFFFFFFFF, "uint64z": 0}
    return {num: _Base(b.name, b.fmt, b.size, codes[b.fmt], invalid.get(b.name))
            for num, b in BASE_TYPES.items()}


_BASES = _base_types()
_BYTE = _BASES[0x0D]
#: A field whose size is no multiple of its base type's: read past, its value null.
_MISALIGNED = _Base("byte", "B", 1, "u1", None)
_TIMESTAMP = FIELD_TYPE_TIMESTAMP.def_num
_DEV_DATA_ID, _FIELD_DESCRIPTION = 207, 206
#: The longest sequence of data messages whose repeats the scan finds at once.
_CYCLE_MAX = 64


@dataclass
class _FieldDef:
    def_num: int
    size: int
    base: _Base
    offset: int  # within the message, after its header byte
    profile: object | None  # fitparse Field, or None for a field the profile lacks
    dev: object | None = None  # the developer field (name, units, base type name)


@dataclass
class _Group:
    """One definition message and the data messages that use it."""

    mesg_num: int
    endian: str
    fields: list[_FieldDef]
    dev_fields: list[_FieldDef]
    size: int  # bytes of a data message after its header byte
    #: Runs of its data messages: the first's byte offset and message_seq, how many, the
    #: bytes and messages from one to the next, whether their headers are compressed
    starts: list[int] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    seq_steps: list[int] = field(default_factory=list)
    compressed: list[bool] = field(default_factory=list)
    unreadable: bool = False  # a field of 0 bytes: fitparse cannot read its messages

    def add(self, start: int, count: int, step: int, seq: int, seq_step: int,
            compressed: bool) -> None:
        self.starts.append(start)
        self.counts.append(count)
        self.steps.append(step)
        self.seqs.append(seq)
        self.seq_steps.append(seq_step)
        self.compressed.append(compressed)

    @property
    def name(self) -> str:
        mesg = MESSAGE_TYPES.get(self.mesg_num)
        return mesg.name if mesg else f"unknown_{self.mesg_num}"

    @property
    def all_fields(self) -> list[_FieldDef]:
        return self.fields + self.dev_fields

    def zero_size_error(self) -> FitParseError | None:
        """fitparse cannot read a message with a field of 0 bytes (its struct format has no
        size): the error its data messages raise, or None."""
        for f in self.all_fields:
            if f.size == 0:
                fmt = f.base.fmt if f.base is not _MISALIGNED else "B"
                return FitParseError(f"Invalid struct format: {self.endian}0{fmt}")
        return None


class _Fault(Exception):
    """Where the scan stopped: the fitparse exception fitparse raises there, and the byte
    where the unit it was reading began."""

    def __init__(self, error: Exception, at: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.at = at


def _eof(size: int, got: int) -> FitEOFError:
    return FitEOFError(f"Tried to read {size} bytes from .FIT file but got {got}")


@dataclass
class _Scan:
    groups: list[_Group] = field(default_factory=list)
    segments: int = 0
    messages: int = 0  # data messages read
    fault: _Fault | None = None
    compressed: bool = False
    #: Positions of the definitions that set an accumulator to 0, by (message number,
    #: component field number)
    resets: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    segment_starts: list[int] = field(default_factory=list)  # first seq of each segment


class _Scanner:
    """Walks the message headers of FIT bytes (see the module's docstring, step 1)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.buf = np.frombuffer(data, dtype=np.uint8)
        self.n = len(data)
        self.out = _Scan()
        self.dev_types: dict[object, dict] = {}
        self.layouts: dict[tuple, _Group] = {}
        self.definitions: dict[bytes, tuple[_Group, list[tuple[int, int]]]] = {}

    def run(self) -> _Scan:
        try:
            self._segments()
        except _Fault as fault:
            self.out.fault = fault
        return self.out

    def _need(self, pos: int, size: int, at: int) -> None:
        if self.n - pos < size:
            raise _Fault(_eof(size, max(self.n - pos, 0)), at)

    def _segments(self) -> None:
        pos = 0
        while True:
            start = pos
            self._need(pos, 12, start)
            header = self.data[pos:pos + 12]
            if header[8:12] != b".FIT":
                raise _Fault(FitHeaderError("Invalid .FIT File Header"), start)
            header_size = header[0]
            (data_size,) = struct.unpack_from("<I", header, 4)
            pos += 12
            extra = header_size - 12
            if extra > 0:
                if extra < 2:
                    raise _Fault(FitHeaderError("Irregular File Header Size"), start)
                self._need(pos, 2, start)
                (crc_read,) = struct.unpack_from("<H", self.data, pos)
                computed = crc16.arc(self.data[start:pos])
                if crc_read not in (computed, 0):
                    raise _Fault(FitCRCError(
                        f"CRC Mismatch [computed: 0x{computed:04X}, read: 0x{crc_read:04X}]"),
                        start)
                pos += 2
                if extra > 2:
                    self._need(pos, extra - 2, start)
                    pos += extra - 2
            self.out.segments += 1
            self.out.segment_starts.append(self.out.messages)
            pos = self._messages(pos, pos + data_size)
            self._need(pos, 2, pos)
            (crc_read,) = struct.unpack_from("<H", self.data, pos)
            computed = crc16.arc(self.data[start:pos])
            if crc_read != computed:
                raise _Fault(FitCRCError(
                    f"CRC Mismatch [computed: 0x{computed:04X}, read: 0x{crc_read:04X}]"), pos)
            pos += 2
            if pos >= self.n:
                return

    def _messages(self, pos: int, end: int) -> int:
        """Scan the data of one segment; the position after it."""
        data, n = self.data, self.n
        local: dict[int, _Group] = {}
        out = self.out
        limit = min(end, n)
        history: list[tuple[int, _Group, bool, int, int]] = []  # since the last definition
        last: dict[int, int] = {}  # header byte (masked) → its latest index in history
        while pos < end:
            if pos >= n:
                raise _Fault(_eof(1, 0), pos)
            h = data[pos]
            if h & 0x80:
                lt, mask, compressed = (h >> 5) & 0x3, 0xE0, True
            elif h & 0x40:
                pos = self._definition(pos, h, local)
                history.clear()
                last.clear()
                continue
            else:
                lt, mask, compressed = h & 0x0F, 0xFF, False
            group = local.get(lt)
            if group is None:
                raise _Fault(FitParseError(
                    f"Got data message with invalid local message type {lt}"), pos)
            stride = group.size + 1
            if pos + stride > n or group.unreadable:
                self._short_message(group, pos)
            key = h & mask
            j = last.get(key)
            if j is not None and len(history) - j <= _CYCLE_MAX:
                period = pos - history[j][0]
                if pos + period < limit and data[pos + period] & mask == key:
                    count = self._repeats(pos, period, history[j:], limit)
                    if count:
                        cycle = history[j:]
                        for index, (start, member, packed, _key, _mask) in enumerate(cycle):
                            member.add(start + period, count, period,
                                       out.messages + index, len(cycle), packed)
                        out.messages += count * len(cycle)
                        pos += count * period
                        history.clear()
                        last.clear()
                        continue
            if group.mesg_num in (_DEV_DATA_ID, _FIELD_DESCRIPTION):
                self._developer_message(group, pos)  # it may define a developer field
                history.clear()
                last.clear()
            else:
                last[key] = len(history)
                history.append((pos, group, compressed, key, mask))
            group.add(pos, 1, stride, out.messages, 1, compressed)
            out.compressed |= compressed
            out.messages += 1
            pos += stride
        return pos

    def _repeats(self, pos: int, period: int, cycle: list, limit: int) -> int:
        """How many times the messages of `cycle` (data messages read one by one, `period`
        bytes from the first to the message at `pos`) repeat from `pos` on, whole and
        before `limit`: their header bytes are compared at every period with numpy. Each
        header byte found where the message before it ends is that message, so a repeat
        whose header bytes all match is the same sequence of messages."""
        offsets = np.asarray([c[0] - cycle[0][0] for c in cycle], dtype=np.int64)
        keys = np.asarray([c[3] for c in cycle], dtype=np.uint8)
        masks = np.asarray([c[4] for c in cycle], dtype=np.uint8)
        most = (limit - pos) // period
        done, window = 0, min(most, 16)
        while done < most:
            ks = np.arange(done, window, dtype=np.int64)
            heads = self.buf[pos + ks[:, None] * period + offsets[None, :]] & masks
            bad = np.flatnonzero((heads != keys).any(axis=1))
            if len(bad):
                return done + int(bad[0])
            done, window = window, min(most, window * 4)
        return done

    def _short_message(self, group: _Group, pos: int) -> None:
        """Raise the fault fitparse raises reading this message field by field."""
        left = self.n - pos - 1
        for f in group.all_fields:
            if f.size == 0:
                raise _Fault(group.zero_size_error(), pos)
            if left < f.size:
                raise _Fault(_eof(f.size, left), pos)
            left -= f.size

    def _definition(self, pos: int, h: int, local: dict[int, _Group]) -> int:
        """Parse a definition; the position after it. A definition without developer
        fields whose bytes were seen before is not parsed again (some devices write one
        before every data message)."""
        data = self.data
        if not h & 0x20 and pos + 6 <= self.n:
            length = 6 + 3 * data[pos + 5]
            seen = self.definitions.get(data[pos + 1:pos + length])
            if seen is not None and pos + length <= self.n:
                group, resets = seen
                for key in resets:
                    self.out.resets.setdefault(key, []).append(pos)
                local[h & 0x0F] = group
                return pos + length
        return self._parse_definition(pos, h, local)

    def _parse_definition(self, pos: int, h: int, local: dict[int, _Group]) -> int:
        start = pos
        data = self.data
        self._need(pos + 1, 2, start)
        endian = ">" if data[pos + 2] else "<"
        self._need(pos + 3, 3, start)
        mesg_num, nfields = struct.unpack_from(endian + "HB", data, pos + 3)
        pos += 6
        mesg = MESSAGE_TYPES.get(mesg_num)
        fields: list[_FieldDef] = []
        offset = 0
        resets: list[int] = []
        for _ in range(nfields):
            self._need(pos, 3, start)
            def_num, size, base_num = data[pos], data[pos + 1], data[pos + 2]
            pos += 3
            base = _BASES.get(base_num, _BYTE)
            if size % base.size:
                base = _MISALIGNED
            profile = mesg.fields.get(def_num) if mesg else None
            if profile is not None and profile.components:
                resets += [c.def_num for c in profile.components if c.accumulate]
            fields.append(_FieldDef(def_num, size, base, offset, profile))
            offset += size
        dev_fields: list[_FieldDef] = []
        if h & 0x20:
            self._need(pos, 1, start)
            ndev = data[pos]
            pos += 1
            for _ in range(ndev):
                self._need(pos, 3, start)
                def_num, size, index = data[pos], data[pos + 1], data[pos + 2]
                pos += 3
                dev = self._dev_type(index, def_num, start)
                base = dev["base"]
                if size % base.size:
                    base = _MISALIGNED
                dev_fields.append(_FieldDef(def_num, size, base, offset, None, dev))
                offset += size
        layout = (mesg_num, endian, tuple((f.def_num, f.size, f.base) for f in fields),
                  tuple((f.def_num, f.size, id(f.dev)) for f in dev_fields))
        group = self.layouts.get(layout)
        if group is None:  # a definition like an earlier one reads its messages alike
            group = _Group(mesg_num, endian, fields, dev_fields, offset)
            group.unreadable = group.zero_size_error() is not None
            self.layouts[layout] = group
            self.out.groups.append(group)
        for def_num in resets:
            self.out.resets.setdefault((mesg_num, def_num), []).append(start)
        if not dev_fields and not h & 0x20:
            self.definitions[data[start + 1:pos]] = (
                group, [(mesg_num, def_num) for def_num in resets])
        local[h & 0x0F] = group
        return pos

    def _dev_type(self, index: int, def_num: int, at: int) -> dict:
        if index not in self.dev_types:
            raise _Fault(FitParseError(
                f"No such dev_data_index={index} found when looking up field {def_num}"), at)
        fields = self.dev_types[index]["fields"]
        if def_num not in fields:
            raise _Fault(FitParseError(
                f"No such field {def_num} for dev_data_index {index}"), at)
        return fields[def_num]

    def _developer_message(self, group: _Group, pos: int) -> None:
        """Register a developer data id or field description as fitparse does."""
        raw = _scalar_raw_values(group, self.data, pos + 1)
        if group.mesg_num == _DEV_DATA_ID:
            index = raw.get(3)
            self.dev_types[index] = {"fields": {}}
            return
        index = raw.get(0)
        def_num = raw.get(1)
        if index not in self.dev_types:
            raise _Fault(FitParseError(f"No such dev_data_index={index} found"), pos)
        base_num = raw.get(2)
        if base_num not in BASE_TYPES or not isinstance(index, int):
            raise FastDecodeUnsupported("a developer field of no known base type")
        base = _BASES[base_num]
        self.dev_types[index]["fields"][def_num] = {
            "name": raw.get(3) or f"unnamed_dev_field_{def_num}",
            "units": raw.get(8),
            "base": base,
            "type_name": BASE_TYPES[base_num].name,
        }


def _scalar_raw_values(group: _Group, data: bytes, at: int) -> dict[int, object]:
    """fitparse's raw values of one message, by field number (the first of a number)."""
    out: dict[int, object] = {}
    for f in group.fields:
        chunk = data[at + f.offset:at + f.offset + f.size]
        base = f.base
        if base is _MISALIGNED or f.def_num in out:
            value = None
        elif base.name == "string":
            value = parse_string(chunk)
        elif base.name == "byte":
            value = None if all(b == 0xFF for b in chunk) else tuple(chunk)
        else:
            count = f.size // base.size
            values = struct.unpack(f"{group.endian}{count}{base.fmt}", chunk)
            parsed = tuple(_parse_scalar(base, v) for v in values)
            value = parsed[0] if count == 1 else parsed
        out.setdefault(f.def_num, value)
    return out


def _parse_scalar(base: _Base, value: object) -> object:
    if base.invalid is None:
        return None if value != value else value  # NaN
    return None if value == base.invalid else value


# --- step 2: columns -------------------------------------------------------------------


@dataclass
class _Col:
    """A column of a group's rows, as numpy arrays until the message's frame is built.

    `kind` is how its values are held: "num" (`values`, int64 or float64, with `valid`),
    "obj" (`values` an object array of str or int, None for null), "list" (`values` a
    float64 matrix with `element_valid`, one row per message, `valid` per row) or "null".
    `kinds` are the Python kinds of its non-null values (int, float, str, tuple), which
    decide the column's type as fitparse's path types it (`fit_decode._series`)."""

    kind: str
    n: int
    kinds: frozenset[str] = frozenset()
    values: np.ndarray | None = None
    valid: np.ndarray | None = None
    element_valid: np.ndarray | None = None


def _num(values: np.ndarray, valid: np.ndarray) -> _Col:
    n = len(valid)
    if not valid.any():
        return _Col("null", n)
    if values.dtype.kind == "f":
        with np.errstate(invalid="ignore"):  # a signalling NaN (invalid, so null) widened
            wide = values.astype(np.float64, copy=False)
        return _Col("num", n, frozenset({"float"}), wide, valid)
    if values.dtype.kind in "iu":
        if values.dtype == np.uint64 and (values[valid] > np.iinfo(np.int64).max).any():
            raise FastDecodeUnsupported("a uint64 value beyond int64")
        return _Col("num", n, frozenset({"int"}), values.astype(np.int64, copy=False), valid)
    raise FastDecodeUnsupported(f"numpy values of kind {values.dtype.kind}")


def _null(n: int) -> _Col:
    return _Col("null", n)


def _objects(values: np.ndarray, valid: np.ndarray) -> _Col:
    kinds = frozenset("str" if isinstance(v, str) else "int" for v in values[valid].tolist())
    return _Col("obj", len(valid), kinds, values, valid) if kinds else _Col("null", len(valid))


def _as_objects(col: _Col) -> np.ndarray:
    if col.kind == "obj":
        return col.values
    if col.kind == "null":
        return np.full(col.n, None, dtype=object)
    if col.kind == "num" and col.kinds == {"int"}:
        out = col.values.astype(object)
        out[~col.valid] = None
        return out
    raise FastDecodeUnsupported(f"text and values of kinds {sorted(col.kinds)} in one field")


def _restrict(col: _Col, keep: np.ndarray) -> _Col:
    """`col` with rows outside `keep` null."""
    if col.kind == "null":
        return col
    valid = col.valid & keep
    if not valid.any():
        return _Col("null", col.n)
    if col.kind == "obj":
        kept = col.values.copy()
        kept[~valid] = None
        return _objects(kept, valid)
    return _Col(col.kind, col.n, col.kinds, col.values, valid, col.element_valid)


def _merge(old: _Col, new: _Col, mask: np.ndarray | None) -> _Col:
    """`new` over `old` where `mask` (everywhere when None): the later field wins, null or
    not, as fitparse's later field data of one name does."""
    if mask is None or mask.all():
        return new
    old = _restrict(old, ~mask)
    new = _restrict(new, mask)
    if old.kind == "null":
        return new
    if new.kind == "null":
        return old
    valid = old.valid | new.valid
    if old.kind == new.kind == "num":
        if old.values.dtype != new.values.dtype:
            values = np.where(mask, new.values.astype(np.float64),
                              old.values.astype(np.float64))
        else:
            values = np.where(mask, new.values, old.values)
        return _Col("num", old.n, old.kinds | new.kinds, values, valid)
    if "list" in (old.kind, new.kind):
        raise FastDecodeUnsupported("an array and another value under one name")
    values = np.where(mask, _as_objects(new), _as_objects(old))
    return _Col("obj", old.n, old.kinds | new.kinds, values, valid)


def _target_dtype(kinds: frozenset[str]) -> pl.DataType:
    if not kinds:
        return pl.Null()
    if kinds <= {"int"}:
        return pl.Int64()
    if kinds <= {"int", "float"}:
        return pl.Float64()
    if kinds <= {"str", "int"}:
        return pl.String()
    if "tuple" in kinds and kinds <= {"tuple", "int", "float"}:
        return pl.List(pl.Float64())
    raise FastDecodeUnsupported(f"a column of mixed kinds {sorted(kinds)}")


def _series(col: _Col, dtype: pl.DataType) -> pl.Series:
    """The column as fitparse's path types it: `dtype` from the kinds of every group."""
    n = col.n
    if col.kind == "null" or isinstance(dtype, pl.Null):
        return pl.Series(dtype=dtype).extend_constant(None, n)
    if col.kind == "num":
        values = col.values
        if isinstance(dtype, pl.Int64) and values.dtype.kind == "f":
            values = values.astype(np.int64)
        series = _masked(pl.Series(values), col.valid)
        if series.dtype == dtype:
            return series
        if isinstance(dtype, pl.List):
            wrapped = pl.select(pl.concat_list(series.cast(pl.Float64))).to_series()
            return pl.select(pl.when(series.is_not_null()).then(wrapped)).to_series()
        return series.cast(dtype)
    if col.kind == "obj":
        if col.kinds == {"int"} and isinstance(dtype, pl.Int64 | pl.Float64):
            return pl.Series(col.values.tolist(), dtype=dtype)
        if not isinstance(dtype, pl.String):
            raise FastDecodeUnsupported(f"text in a {dtype} column")
        return pl.Series([None if v is None else str(v) for v in col.values.tolist()],
                         dtype=pl.String)
    if not isinstance(dtype, pl.List):
        raise FastDecodeUnsupported(f"an array in a {dtype} column")
    rows, width = col.values.shape
    flat = _masked(pl.Series(col.values.ravel()), col.element_valid.ravel())
    lists = flat.reshape((rows, width)).cast(pl.List(pl.Float64))
    return _masked(lists, col.valid)


def _masked(series: pl.Series, valid: np.ndarray) -> pl.Series:
    """`series` with null where `valid` is False.

    Polars only, never a pyarrow array over the numpy buffer: such a buffer needs the GIL
    to be freed, and a polars thread that frees it (in a rechunk while the frame is
    pickled for the main process) would wait for good on the thread that holds the GIL and
    waits for it."""
    if valid.all():
        return series
    if isinstance(series.dtype, pl.List):
        return pl.select(pl.when(pl.Series(valid)).then(series)).to_series()
    return series.scatter(np.flatnonzero(~valid), None)  # a copy: numpy's array unchanged


@dataclass
class _Pending:
    """A column computed after every group is decoded (accumulated components)."""

    col: _Col | None = None


@dataclass
class _Out:
    """Columns of one message type from one group, in fitparse's order of field data:
    `put` notes each field data column, `build` applies them in order."""

    n: int
    puts: list[tuple] = field(default_factory=list)
    cols: dict[str, _Col] = field(default_factory=dict)
    fit_types: dict[str, str] = field(default_factory=dict)
    units: dict[str, str | None] = field(default_factory=dict)
    developer: dict[str, bool] = field(default_factory=dict)

    def put(self, name: str, col: _Col | _Pending, mask: np.ndarray | None, fit_type: str,
            units: str | None, developer: bool = False) -> None:
        if mask is not None and not mask.any():
            return
        self.puts.append((name, col, mask))
        if name not in self.fit_types:
            self.fit_types[name] = fit_type
            self.units[name] = units
            self.developer[name] = developer

    def build(self) -> None:
        for name, col, mask in self.puts:
            if isinstance(col, _Pending):
                col = col.col
            old = self.cols.get(name)
            self.cols[name] = _merge(old if old is not None else _null(self.n), col, mask)
        self.puts = []


@dataclass
class _Raw:
    """fitparse's raw value of one field for every row: numbers with a validity mask, or
    tuples (arrays and bytes) or strings as Python objects."""

    fdef: _FieldDef
    n: int
    kind: str  # "num", "tuple", "bytes", "str", "null"
    values: np.ndarray | None = None
    valid: np.ndarray | None = None
    objects: list | None = None
    matrix: np.ndarray | None = None  # (rows, count) for arrays, (rows, size) for bytes


def _read_raw(group: _Group, fdef: _FieldDef, rows: np.ndarray) -> _Raw:
    n = rows.shape[0]
    base = fdef.base
    if base is _MISALIGNED:
        return _Raw(fdef, n, "null")
    chunk = rows[:, fdef.offset:fdef.offset + fdef.size]
    if base.name == "string":
        cache: dict[bytes, str | None] = {}
        objects = []
        for raw in np.ascontiguousarray(chunk).view(f"S{fdef.size}").ravel().tolist():
            if raw not in cache:
                cache[raw] = parse_string(raw)
            objects.append(cache[raw])
        return _Raw(fdef, n, "str", objects=objects)
    if base.name == "byte":
        matrix = np.ascontiguousarray(chunk)
        valid = ~(matrix == 0xFF).all(axis=1)
        return _Raw(fdef, n, "bytes", valid=valid, matrix=matrix)
    count = fdef.size // base.size
    values = np.ascontiguousarray(chunk).view(group.endian + base.np_code).reshape(n, count)
    valid = ~np.isnan(values) if base.invalid is None else values != base.invalid
    if count == 1:
        return _Raw(fdef, n, "num", values=values[:, 0], valid=valid[:, 0])
    return _Raw(fdef, n, "tuple", values=values, valid=valid, matrix=values)


def _matches(raw: _Raw, value: object) -> np.ndarray:
    """Rows whose raw value equals `value` (a reference field's raw value)."""
    if raw.kind == "num":
        return raw.valid & (raw.values == value)
    if raw.kind == "str":
        return np.array([v == value for v in raw.objects], dtype=bool)
    return np.zeros(raw.n, dtype=bool)


def _subfield_choice(profile: object, group: _Group, raws: list[_Raw], n: int) -> np.ndarray:
    """Per row, the index of the subfield fitparse resolves the field to (-1: the field)."""
    choice = np.full(n, -1, dtype=np.int16)
    for index, sub in enumerate(profile.subfields or ()):
        hit = np.zeros(n, dtype=bool)
        for ref in sub.ref_fields:
            for raw in raws:
                if raw.fdef.dev is None and raw.fdef.def_num == ref.def_num \
                        and raw.kind != "null":
                    hit |= _matches(raw, ref.raw_value)
        choice[(choice == -1) & hit] = index
    return choice


def _scaled(values: np.ndarray, scale: object, offset: object) -> np.ndarray:
    """fitparse's `_apply_scale_offset` for numbers: float(v) / scale, then - offset."""
    if scale:
        values = values.astype(np.float64) / scale
    if offset:
        values = values - offset
    return values


def _rendered(values: np.ndarray, valid: np.ndarray, ftype: object, scale: object,
              offset: object) -> _Col:
    """A numeric field's values as fitparse renders and scales them: a named value of its
    type becomes its name; any other value is scaled."""
    names = getattr(ftype, "values", None)
    if names and valid.any():
        present = np.unique(values[valid]).tolist()
        named = {v: names[v] for v in present if v in names}
        if named:
            rest = _scaled(values, scale, offset)
            if rest.dtype.kind == "f" and len(named) < len(present):
                raise FastDecodeUnsupported("named and scaled values in one field")
            objects = rest.astype(object)
            for value, name in named.items():
                objects[values == value] = name
            objects[~valid] = None
            return _objects(objects, valid)
    return _num(_scaled(values, scale, offset), valid)


def _tuple_col(raw: _Raw, scale: object, offset: object) -> _Col:
    """An array field as fitparse's tuples, scaled element by element."""
    if raw.kind == "bytes":
        element_valid = np.ones(raw.matrix.shape, dtype=bool)
        row_valid = raw.valid
    else:
        element_valid = raw.valid
        row_valid = np.ones(raw.n, dtype=bool)
    if not row_valid.any():
        return _null(raw.n)
    values = _scaled(raw.matrix, scale, offset).astype(np.float64)
    return _Col("list", raw.n, frozenset({"tuple"}), values, row_valid, element_valid)


def _component_raw(raw: _Raw, component: object) -> tuple[np.ndarray, np.ndarray, bool]:
    """fitparse's `ComponentField.render` over a column: (values, valid, emitted) where
    `emitted` is False for rows where fitparse skips the component (its bits lie beyond a
    byte array)."""
    mask = (1 << component.bits) - 1
    shift = component.bit_offset or 0
    if raw.kind == "num":
        if raw.values.dtype.kind == "f":
            raise FastDecodeUnsupported("a component of a float field")
        values = (raw.values.astype(np.uint64) >> np.uint64(shift)) & np.uint64(mask)
        return values.astype(np.int64), raw.valid, np.ones(len(raw.valid), dtype=bool)
    if raw.kind == "bytes":
        width = raw.matrix.shape[1]
        n = raw.matrix.shape[0]
        if shift and shift >= width * 8:  # fitparse skips the component for bytes
            return np.zeros(n, np.int64), np.zeros(n, bool), ~raw.valid
        if shift + component.bits > 64:
            raise FastDecodeUnsupported("a component beyond 64 bits")
        number = np.zeros(n, dtype=np.uint64)
        for i in range(min(width, 8)):
            number |= raw.matrix[:, i].astype(np.uint64) << np.uint64(8 * i)
        values = (number >> np.uint64(shift)) & np.uint64(mask)
        return values.astype(np.int64), raw.valid, np.ones(n, dtype=bool)
    if raw.kind == "null":  # fitparse: no value, the component null
        return np.zeros(raw.n, np.int64), np.zeros(raw.n, bool), np.ones(raw.n, bool)
    raise FastDecodeUnsupported(f"a component of a {raw.kind} field")


@dataclass
class _Accumulate:
    """An accumulated component's raw values, to be accumulated across the file."""

    mesg_num: int
    def_num: int
    bits: int
    seq: np.ndarray
    values: np.ndarray
    valid: np.ndarray
    pending: _Pending
    scale: object
    offset: object


def _group_columns(group: _Group, rows: np.ndarray, seq: np.ndarray,
                   accumulate: list[_Accumulate]) -> _Out:
    """fitparse's field data of every data message of `group`, as columns."""
    n = rows.shape[0]
    out = _Out(n)
    raws = [_read_raw(group, f, rows) for f in group.all_fields]
    mesg = MESSAGE_TYPES.get(group.mesg_num)
    for raw in raws:
        fdef = raw.fdef
        if fdef.dev is not None:
            dev = fdef.dev
            out.put("dev_" + dev["name"], _plain(raw, None, None), None, dev["type_name"],
                    dev["units"], developer=True)
            continue
        if fdef.profile is None:
            out.put(f"unknown_{fdef.def_num}", _plain(raw, None, None), None,
                    fdef.base.name, None)
            continue
        profile = fdef.profile
        choice = _subfield_choice(profile, group, raws, n) if profile.subfields else None
        options = [(-1, profile)] + list(enumerate(profile.subfields or ()))
        for index, resolved in options:
            mask = None if choice is None else choice == index
            if mask is not None and not mask.any():
                continue
            for component in resolved.components or ():
                if component.accumulate and index != -1:
                    raise FastDecodeUnsupported("an accumulated component of a subfield")
                values, valid, emitted = _component_raw(raw, component)
                cmp_profile = mesg.fields[component.def_num]
                cmp_choice = _subfield_choice(cmp_profile, group, raws, n) \
                    if cmp_profile.subfields else None
                emit = emitted if mask is None else emitted & mask
                if component.accumulate:
                    if cmp_choice is not None and (cmp_choice != -1).any():
                        raise FastDecodeUnsupported("an accumulated component with subfields")
                    pending = _Pending()
                    accumulate.append(_Accumulate(
                        group.mesg_num, component.def_num, component.bits, seq, values,
                        valid & emit, pending, component.scale, component.offset))
                    out.put(cmp_profile.name, pending, emit, cmp_profile.type.name,
                            cmp_profile.units)
                    continue
                cmp_options = [(-1, cmp_profile)] + list(enumerate(cmp_profile.subfields or ()))
                for cmp_index, cmp_field in cmp_options:
                    cmp_mask = emit if cmp_choice is None else emit & (cmp_choice == cmp_index)
                    if not cmp_mask.any():
                        continue
                    scaled = _scaled(values, component.scale, component.offset)
                    col = _rendered(scaled, valid, cmp_field.type, None, None) \
                        if scaled.dtype.kind != "f" else _rendered_float(scaled, valid,
                                                                         cmp_field.type)
                    out.put(cmp_field.name, col, cmp_mask, cmp_field.type.name,
                            cmp_field.units)
            out.put(resolved.name, _plain(raw, resolved, resolved.type), mask,
                    resolved.type.name, resolved.units)
    return out


def _rendered_float(values: np.ndarray, valid: np.ndarray, ftype: object) -> _Col:
    """Scaled component values rendered by their field: fitparse looks floats up in the
    type's names too (0.0 finds 0)."""
    names = getattr(ftype, "values", None)
    if names and valid.any() and np.isin(values[valid], list(names)).any():
        raise FastDecodeUnsupported("a scaled component with a named value")
    return _num(values, valid)


def _plain(raw: _Raw, profile: object | None, ftype: object | None) -> _Col:
    """A field's value as fitparse gives it: rendered by its type, scaled."""
    scale = getattr(profile, "scale", None)
    offset = getattr(profile, "offset", None)
    if raw.kind == "null":
        return _null(raw.n)
    if raw.kind == "str":
        if ftype is not None and getattr(ftype, "values", None):
            raise FastDecodeUnsupported("a string field with named values")
        values = np.array(raw.objects + [None], dtype=object)[:-1]
        return _objects(values, values != None)  # noqa: E711 (elementwise)
    if raw.kind in ("tuple", "bytes"):
        return _tuple_col(raw, scale, offset)
    return _rendered(raw.values, raw.valid, ftype, scale, offset)


# --- step 3: frames ----------------------------------------------------------------------


def _positions(group: _Group) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte offsets, message_seq and compressed flag of every data message of `group`, in
    file order."""
    counts = np.asarray(group.counts, dtype=np.int64)
    total = int(counts.sum())
    first = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(total, dtype=np.int64) - first
    offsets = np.repeat(np.asarray(group.starts, dtype=np.int64), counts) \
        + within * np.repeat(np.asarray(group.steps, dtype=np.int64), counts)
    seqs = np.repeat(np.asarray(group.seqs, dtype=np.int64), counts) \
        + within * np.repeat(np.asarray(group.seq_steps, dtype=np.int64), counts)
    compressed = np.repeat(np.asarray(group.compressed, dtype=bool), counts)
    order = np.argsort(seqs, kind="stable")
    return offsets[order], seqs[order], compressed[order]


def _rows_matrix(buf: np.ndarray, offsets: np.ndarray, size: int) -> np.ndarray:
    if size == 0:
        return np.zeros((len(offsets), 0), dtype=np.uint8)
    return buf[offsets[:, None] + np.arange(1, size + 1, dtype=np.int64)]


def decode_fit_fast(data: bytes) -> DecodedFit:
    """Decode FIT bytes into the frames `transforms.fit_decode.decode_fit_fitparse` gives.

    A file that breaks part-way gives the messages wholly before the fault, with `partial`
    saying why and where, in fitparse's words; raises `FitDecodeError` when no data message
    comes before the fault, and `FastDecodeUnsupported` for what it does not read.
    """
    check_signature(data)
    scan = _Scanner(data).run()
    fault = None
    if scan.fault is not None:
        fault = Fault(fault_reason(scan.fault.error, scan.fault.at, len(data)), scan.fault.at)
        if scan.messages == 0:
            raise FitDecodeError(fault.reason + "; no data message before it")
    buf = np.frombuffer(data, dtype=np.uint8)
    others: dict[str, int] = {}
    kept: dict[str, list[tuple[_Out, np.ndarray, np.ndarray]]] = {}
    accumulate: list[_Accumulate] = []
    timestamps: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # seq, value, valid
    compressed_at: list[tuple[np.ndarray, np.ndarray, str, int]] = []
    for group in scan.groups:
        if not group.counts:
            continue
        offsets, seqs, compressed = _positions(group)
        name = group.name
        if name not in TABLE_BY_MESSAGE:
            others[name] = others.get(name, 0) + len(offsets)
            if scan.compressed:
                _timestamps(group, buf, offsets, seqs, timestamps)
                if compressed.any():  # their times carry on to the next message
                    compressed_at.append((seqs[compressed], offsets[compressed], None, -1))
            continue
        if scan.compressed:
            _timestamps(group, buf, offsets, seqs, timestamps)
        rows = _rows_matrix(buf, offsets, group.size)
        out = _group_columns(group, rows, seqs, accumulate)
        segments = np.searchsorted(np.asarray(scan.segment_starts), seqs, side="right") - 1
        kept.setdefault(name, []).append((out, seqs, segments))
        if compressed.any():
            compressed_at.append((seqs[compressed], offsets[compressed], name,
                                  len(kept[name]) - 1))
    if accumulate:
        _accumulated(accumulate, scan)
    if any(name is not None for _s, _o, name, _i in compressed_at):
        _compressed_timestamps(compressed_at, timestamps, scan, buf, kept)
    tables, seen, counts = {}, {}, {}
    for name, outs in kept.items():
        table = TABLE_BY_MESSAGE[name]
        raw, seq, segment, fit_types, units, developer = _message_frame(outs)
        tables[table.table] = table_frame(table, raw, fit_types, segment, seq)
        seen[name] = (fit_types, units, developer)
        counts[name] = len(seq)
    return finish_decoding(tables, fields_frame(seen), scan.segments, counts, fault, others,
                           decoded_by="fast")


def _timestamps(group: _Group, buf: np.ndarray, offsets: np.ndarray, seqs: np.ndarray,
                out: list) -> None:
    """The raw `timestamp` (field 253) of each message, which sets fitparse's compressed-
    timestamp accumulator."""
    for f in group.all_fields:
        if f.def_num != _TIMESTAMP:
            continue
        if f.dev is not None or f.base.name not in ("uint32", "uint32z", "sint32") \
                or f.size != 4:
            raise FastDecodeUnsupported("a timestamp field of another type with compressed "
                                        "timestamps")
        rows = _rows_matrix(buf, offsets, group.size)
        raw = _read_raw(group, f, rows)
        out.append((seqs, raw.values.astype(np.int64), raw.valid))


def _compressed_timestamps(compressed_at: list, timestamps: list, scan: _Scan,
                           buf: np.ndarray, kept: dict) -> None:
    """Timestamps of compressed-header messages: the 5-bit offset accumulated onto the last
    full timestamp (fitparse's `_apply_compressed_accumulation`), per segment."""
    total = scan.messages
    absolute = np.zeros(total, dtype=np.int64)
    has_abs = np.zeros(total, dtype=bool)
    for seqs, values, valid in timestamps:
        absolute[seqs[valid]] = values[valid]
        has_abs[seqs[valid]] = True
    offset = np.full(total, -1, dtype=np.int64)
    for seqs, offsets, _name, _index in compressed_at:
        offset[seqs] = buf[offsets].astype(np.int64) & 0x1F
    starts = np.zeros(total, dtype=bool)
    starts[np.asarray(scan.segment_starts, dtype=np.int64)[
        np.asarray(scan.segment_starts) < total]] = True
    chain = np.cumsum(has_abs | starts)
    base = np.where(has_abs, absolute, 0)
    # the base of each chain: its first message's absolute value, or 0 at a segment start
    first_of_chain = np.flatnonzero(np.diff(np.concatenate(([0], chain))) != 0)
    chain_base = np.zeros(int(chain.max()) + 1, dtype=np.int64)
    chain_base[chain[first_of_chain]] = base[first_of_chain]
    is_comp = offset >= 0
    idx = np.flatnonzero(is_comp)
    comp_chain = chain[idx]
    prev_same = np.concatenate(([False], comp_chain[1:] == comp_chain[:-1]))
    prev_off = np.concatenate(([0], offset[idx][:-1]))
    start_value = chain_base[comp_chain]
    delta = np.where(prev_same, (offset[idx] - prev_off) % 32, (offset[idx] - start_value) % 32)
    # cumulative sum within each chain
    csum = np.cumsum(delta)
    chain_first = ~prev_same
    offset_at_first = np.maximum.accumulate(np.where(chain_first, np.arange(len(idx)), 0))
    within = csum - (csum - delta)[offset_at_first]
    value = start_value + within
    ts = np.zeros(total, dtype=np.int64)
    ts[idx] = value
    for seqs, _offsets, name, index in compressed_at:
        if name is None:  # a message type not kept
            continue
        out, out_seqs, _segments = kept[name][index]
        mask = np.isin(out_seqs, seqs)
        col = _num(ts[out_seqs], mask)
        out.put("timestamp", col, mask, FIELD_TYPE_TIMESTAMP.type.name,
                FIELD_TYPE_TIMESTAMP.units)


def _accumulated(accumulate: list[_Accumulate], scan: _Scan) -> None:
    """Accumulated components (fitparse's `_apply_compressed_accumulation`): per message
    type and component, across the file in message order, from 0 after each definition
    that declares the component."""
    by_key: dict[tuple[int, int], list[_Accumulate]] = {}
    for acc in accumulate:
        by_key.setdefault((acc.mesg_num, acc.def_num), []).append(acc)
    seq_of_position = _definition_seqs(scan)
    for (mesg_num, def_num), items in by_key.items():
        seq = np.concatenate([a.seq for a in items])
        values = np.concatenate([a.values for a in items])
        valid = np.concatenate([a.valid for a in items])
        part = np.concatenate([np.full(len(a.seq), i) for i, a in enumerate(items)])
        order = np.argsort(seq, kind="stable")
        seq_o, values_o, valid_o = seq[order], values[order], valid[order]
        positions = scan.resets.get((mesg_num, def_num), [])
        resets = np.asarray(sorted(seq_of_position(p) for p in positions), dtype=np.int64)
        epoch = np.searchsorted(resets, seq_o, side="right")
        max_value = 1 << items[0].bits
        acc_o = np.zeros(len(seq_o), dtype=np.int64)
        vi = np.flatnonzero(valid_o)
        if len(vi):
            v, e = values_o[vi], epoch[vi]
            new_epoch = np.concatenate(([True], e[1:] != e[:-1]))
            prev = np.concatenate(([0], v[:-1]))
            prev = np.where(new_epoch, 0, prev)
            delta = (v - prev) % max_value
            csum = np.cumsum(delta)
            first = np.maximum.accumulate(np.where(new_epoch, np.arange(len(v)), 0))
            acc_o[vi] = csum - (csum - delta)[first]
        acc = np.empty_like(acc_o)
        acc[order] = acc_o
        for i, item in enumerate(items):
            mine = part == i
            item.pending.col = _num(_scaled(acc[mine], item.scale, item.offset),
                                         valid[mine])


def _definition_seqs(scan: _Scan):  # noqa: ANN202
    """A function from a definition's byte position to the message_seq of the first data
    message after it."""
    positions, seqs = [], []
    for group in scan.groups:
        positions.extend(group.starts)
        seqs.extend(group.seqs)
    order = np.argsort(positions, kind="stable")
    positions_sorted = np.asarray(positions, dtype=np.int64)[order]
    seqs_sorted = np.asarray(seqs, dtype=np.int64)[order]

    def seq_after(position: int) -> int:
        i = int(np.searchsorted(positions_sorted, position))
        return int(seqs_sorted[i]) if i < len(seqs_sorted) else scan.messages

    return seq_after


def _message_frame(outs: list[tuple[_Out, np.ndarray, np.ndarray]]):  # noqa: ANN202
    """One message type's columns from all its groups, in file order, each column typed as
    fitparse's path types it (`fit_decode._series`)."""
    for out, _seqs, _segments in outs:
        out.build()
    first_seq: dict[str, int] = {}
    fit_types: dict[str, str] = {}
    units: dict[str, str | None] = {}
    developer: dict[str, bool] = {}
    kinds: dict[str, frozenset[str]] = {}
    for out, seqs, _segments in outs:
        start = int(seqs[0])
        for name, col in out.cols.items():
            if name not in first_seq or start < first_seq[name]:
                first_seq[name] = start
                fit_types[name] = out.fit_types[name]
                units[name] = out.units[name]
                developer[name] = out.developer[name]
            kinds[name] = kinds.get(name, frozenset()) | col.kinds
    dtypes = {name: _target_dtype(k) for name, k in kinds.items()}
    frames = []
    for out, seqs, segments in outs:
        columns = [pl.Series("__seq", seqs, pl.Int64),
                   pl.Series("__segment", segments, pl.Int32)]
        for name in first_seq:
            col = out.cols.get(name)
            series = _series(col if col is not None else _null(out.n), dtypes[name])
            columns.append(series.alias(name))
        frames.append(pl.DataFrame(columns))
    frame = frames[0] if len(frames) == 1 else pl.concat(frames).sort("__seq")
    bools = [name for name in first_seq
             if fit_types[name] == "bool" and kinds[name] and kinds[name] <= {"int"}]
    if bools:
        frame = frame.with_columns(pl.col(bools).cast(pl.Boolean))
    return (frame.drop("__seq", "__segment"), frame["__seq"], frame["__segment"],
            fit_types, units, developer)
