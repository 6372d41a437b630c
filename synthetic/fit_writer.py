"""A small, pure FIT binary encoder (FIT protocol 2.0, little-endian).

The encoder turns physical values into a FIT file held in memory; it never touches the disk.

* Message and field numbers, base types, scales, offsets and enum names come from the profile
  bundled with fitparse (``fitparse.profile``), so names are the ones fitparse decodes to.
* Values are given in the profile's units *after* scale and offset - metres, seconds, m/s, bpm,
  kg, semicircles - and are converted with ``raw = round((value + offset) * scale)``.
* ``date_time`` fields take a tz-aware :class:`~datetime.datetime` (or raw seconds since the FIT
  epoch, 1989-12-31T00:00:00Z). ``local_date_time`` fields take the local wall clock: a naive
  datetime, or an aware one whose own wall-clock time is used.
* Enum fields accept their profile name (``"running"``, ``"activity"``) or the raw number.
* ``None`` (or a missing key) writes the base type's invalid value, which decoders read as absent.

Every message type gets one precompiled :class:`struct.Struct`, so writing thousands of 1 Hz
``record`` messages costs one ``pack`` call each.

Layout written (FIT SDK, "FIT File Structure"): a 14-byte file header whose last two bytes are
the CRC of its first 12, then definition and data messages, then the CRC of everything before.
Several FIT files concatenated form a valid "chained" FIT file, see :func:`chain`.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from fitparse.profile import MESSAGE_TYPES
from fitparse.records import Field, MessageType

__all__ = [
    "FIT_EPOCH",
    "FIT_PROFILE_VERSION",
    "FIT_PROTOCOL_VERSION",
    "FieldSpec",
    "FitEncodeError",
    "FitWriter",
    "MessageDefinition",
    "chain",
    "crc16",
    "degrees_to_semicircles",
    "fit_file",
    "message_definition",
    "to_fit_timestamp",
]

#: Start of FIT time: ``date_time`` values count seconds from here (FIT SDK, "Timestamps").
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_FIT_EPOCH_NAIVE = FIT_EPOCH.replace(tzinfo=None)
#: Protocol version 2.0, encoded as ``major << 4 | minor`` in the file header.
FIT_PROTOCOL_VERSION = 0x20
#: Profile version of the bundled fitparse profile (SDK 20.8), encoded ``major * 100 + minor``.
FIT_PROFILE_VERSION = 2080

_HEADER_SIZE = 14
_HEADER_NO_CRC = struct.Struct("<BBHI4s")  # header size, protocol, profile, data size, ".FIT"
_CRC = struct.Struct("<H")
_DEFINITION_HEADER = struct.Struct("<BBBHB")  # record header, reserved, arch, global num, n
_FIELD_DEFINITION = struct.Struct("<BBB")  # field def num, size in bytes, base type id
_DEFINITION_BIT = 0x40
_LITTLE_ENDIAN = 0
_LOCAL_MESSAGE_SLOTS = 16  # normal record headers address local message numbers 0-15


class FitEncodeError(ValueError):
    """A value cannot be encoded in the field it was given for."""


# --------------------------------------------------------------------------------------------
# CRC
# --------------------------------------------------------------------------------------------


def _make_crc_table() -> tuple[int, ...]:
    """256-entry table of the FIT CRC (CRC-16/ARC: reflected polynomial 0xA001, init 0)."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _make_crc_table()


def crc16(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """FIT CRC-16 of ``data`` continuing from ``crc``; equal to ``fitparse.records.Crc``."""
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


# --------------------------------------------------------------------------------------------
# Value conversions
# --------------------------------------------------------------------------------------------


def to_fit_timestamp(moment: datetime) -> int:
    """Whole seconds from the FIT epoch to the tz-aware instant ``moment`` (FIT ``date_time``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise FitEncodeError(f"date_time needs a tz-aware datetime, got naive {moment!r}")
    return _whole_seconds(moment - FIT_EPOCH)


def _to_fit_local_timestamp(moment: datetime) -> int:
    """Seconds from the FIT epoch to the wall-clock time of ``moment`` (FIT ``local_date_time``)."""
    return _whole_seconds(moment.replace(tzinfo=None) - _FIT_EPOCH_NAIVE)


def _whole_seconds(delta: timedelta) -> int:
    return delta.days * 86_400 + delta.seconds + round(delta.microseconds / 1_000_000)


def degrees_to_semicircles(degrees: float) -> int:
    """Convert an angle in degrees to FIT semicircles (2**31 semicircles = 180 degrees)."""
    return round(degrees * (2**31 / 180.0))


@dataclass(frozen=True)
class _BaseType:
    """A FIT base type: id, struct format code, byte size, invalid raw value and valid range."""

    name: str
    type_id: int
    code: str
    size: int
    invalid: int
    low: int
    high: int
    is_float: bool = False


def _base(name: str, type_id: int, code: str, invalid: int, low: int, high: int) -> _BaseType:
    return _BaseType(name, type_id, code, struct.calcsize(code), invalid, low, high)


# FIT SDK, "Base Types". Floats are packed through their integer bit pattern so that the invalid
# value is exactly all ones, as the SDK writes it.
_BASE_TYPES: dict[int, _BaseType] = {
    t.type_id: t
    for t in (
        _base("enum", 0x00, "B", 0xFF, 0, 0xFE),
        _base("sint8", 0x01, "b", 0x7F, -0x80, 0x7E),
        _base("uint8", 0x02, "B", 0xFF, 0, 0xFE),
        _base("sint16", 0x83, "h", 0x7FFF, -0x8000, 0x7FFE),
        _base("uint16", 0x84, "H", 0xFFFF, 0, 0xFFFE),
        _base("sint32", 0x85, "i", 0x7FFFFFFF, -0x80000000, 0x7FFFFFFE),
        _base("uint32", 0x86, "I", 0xFFFFFFFF, 0, 0xFFFFFFFE),
        _base("string", 0x07, "s", 0x00, 0, 0),
        _BaseType("float32", 0x88, "I", 4, 0xFFFFFFFF, 0, 0, is_float=True),
        _BaseType("float64", 0x89, "Q", 8, 0xFFFFFFFFFFFFFFFF, 0, 0, is_float=True),
        _base("uint8z", 0x0A, "B", 0x00, 1, 0xFF),
        _base("uint16z", 0x8B, "H", 0x0000, 1, 0xFFFF),
        _base("uint32z", 0x8C, "I", 0x00000000, 1, 0xFFFFFFFF),
        _base("byte", 0x0D, "B", 0xFF, 0, 0xFF),
        _base("sint64", 0x8E, "q", 0x7FFFFFFFFFFFFFFF, -(2**63), 2**63 - 2),
        _base("uint64", 0x8F, "Q", 0xFFFFFFFFFFFFFFFF, 0, 2**64 - 2),
        _base("uint64z", 0x90, "Q", 0, 1, 2**64 - 1),
    )
}


# --------------------------------------------------------------------------------------------
# Profile look-ups
# --------------------------------------------------------------------------------------------


@cache
def _message_type(name: str) -> MessageType:
    """The fitparse profile entry of the message called ``name`` (e.g. ``"record"``)."""
    for message in MESSAGE_TYPES.values():
        if message.name == name:
            return message
    raise KeyError(f"unknown FIT message {name!r}")


@cache
def _profile_field(message_name: str, field_name: str) -> Field:
    message = _message_type(message_name)
    for field in message.fields.values():
        if field.name == field_name:
            return field
    raise KeyError(f"FIT message {message_name!r} has no field {field_name!r}")


@cache
def _enum_values(message_name: str, field_name: str) -> Mapping[str, int]:
    """Name -> raw value of a field's profile type, including the types of its sub-fields."""
    field = _profile_field(message_name, field_name)
    types = [field.type] + [sub.type for sub in (field.subfields or ())]
    names: dict[str, int] = {}
    for fit_type in types:
        for raw, name in (getattr(fit_type, "values", None) or {}).items():
            names.setdefault(name, raw)
    return names


# --------------------------------------------------------------------------------------------
# Definitions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field of a definition message.

    ``count`` is the number of elements for arrays, or the byte length (terminating NUL
    included) for strings; 1 for scalars.
    """

    name: str
    def_num: int
    base_type_id: int
    count: int
    scale: float
    offset: float
    type_name: str

    @property
    def size(self) -> int:
        """Size of the field in bytes."""
        return _BASE_TYPES[self.base_type_id].size * self.count


def _field_spec(message_name: str, name: str, count: int) -> FieldSpec:
    field = _profile_field(message_name, name)
    base_id = field.base_type.identifier
    if base_id not in _BASE_TYPES:
        raise FitEncodeError(f"unsupported base type {base_id:#x} for {message_name}.{name}")
    if count < 1 or count * _BASE_TYPES[base_id].size > 255:
        raise FitEncodeError(f"{message_name}.{name}: count {count} does not fit a FIT field")
    return FieldSpec(
        name=name,
        def_num=field.def_num,
        base_type_id=base_id,
        count=count,
        scale=float(field.scale or 1),
        offset=float(field.offset or 0),
        type_name=field.type.name,
    )


Converter = Callable[[Any], Any]
ColumnConverter = Callable[[Sequence[Any]], list[Any]]


def _scalar_converter(message_name: str, spec: FieldSpec) -> Converter:
    """Function turning one physical value of ``spec`` into its raw integer."""
    base = _BASE_TYPES[spec.base_type_id]
    invalid, low, high = base.invalid, base.low, base.high
    scale, offset = spec.scale, spec.offset
    scaled = scale != 1.0 or offset != 0.0
    is_local_time = spec.type_name == "local_date_time"
    label = f"{message_name}.{spec.name}"

    def coerce(value: Any) -> int:
        if isinstance(value, str):
            try:
                return _enum_values(message_name, spec.name)[value]
            except KeyError:
                raise FitEncodeError(f"{label}: unknown value name {value!r}") from None
        if isinstance(value, datetime):
            if is_local_time:
                return _to_fit_local_timestamp(value)
            return to_fit_timestamp(value)
        if scaled:
            return round((value + offset) * scale)
        return round(value)

    if base.is_float:
        packer = struct.Struct("<f" if base.size == 4 else "<d")
        unpacker = struct.Struct("<I" if base.size == 4 else "<Q")

        def float_bits(value: Any) -> int:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return invalid
            return unpacker.unpack(packer.pack((float(value) + offset) * scale))[0]

        return float_bits

    def to_raw(value: Any) -> int:
        if value is None:
            return invalid
        raw = value if type(value) is int and not scaled else coerce(value)
        if low <= raw <= high:
            return raw
        raise FitEncodeError(f"{label}: {value!r} (raw {raw}) outside {base.name} [{low}, {high}]")

    return to_raw


def _column_converter(spec: FieldSpec, scalar: Converter) -> ColumnConverter:
    """Function converting a whole column of values of ``spec`` at once.

    Plain numbers take a comprehension without per-value calls; anything unusual (``None``,
    names, datetimes, out-of-range values) falls back to ``scalar`` value by value, which also
    produces the precise error message.
    """
    base = _BASE_TYPES[spec.base_type_id]
    low, high = base.low, base.high
    scale, offset = spec.scale, spec.offset
    if base.is_float or base.name in ("string", "byte") or spec.count != 1:
        return lambda values: [scalar(value) for value in values]

    def convert(values: Sequence[Any]) -> list[Any]:
        try:
            if offset:
                raws = [round((value + offset) * scale) for value in values]
            elif scale != 1.0:
                raws = [round(value * scale) for value in values]
            else:
                raws = [value if type(value) is int else round(value) for value in values]
        except TypeError:  # None, names, datetimes
            return [scalar(value) for value in values]
        if raws and (min(raws) < low or max(raws) > high):
            return [scalar(value) for value in values]
        return raws

    return convert


def _converter(message_name: str, spec: FieldSpec) -> Converter:
    """Function turning a field value into what ``struct.pack`` expects for ``spec``."""
    base = _BASE_TYPES[spec.base_type_id]
    label = f"{message_name}.{spec.name}"
    if base.name == "string":
        return _string_converter(label, spec.count)
    scalar = _scalar_converter(message_name, spec)
    if base.name == "byte" and spec.count > 1:
        return _bytes_converter(label, spec.count)
    if spec.count == 1:
        return scalar
    return _array_converter(label, scalar, spec.count, base.invalid)


def _string_converter(label: str, size: int) -> Converter:
    def to_bytes(value: Any) -> bytes:
        if value is None:
            return b""
        encoded = str(value).encode("utf-8")
        if len(encoded) >= size:
            raise FitEncodeError(f"{label}: {value!r} needs {len(encoded) + 1} bytes, has {size}")
        return encoded  # struct pads with NULs, which terminate the string

    return to_bytes


def _bytes_converter(label: str, size: int) -> Converter:
    def to_bytes(value: Any) -> tuple[int, ...]:
        if value is None:
            return (0xFF,) * size
        data = bytes(value)
        if len(data) != size:
            raise FitEncodeError(f"{label}: expected {size} bytes, got {len(data)}")
        return tuple(data)

    return to_bytes


def _array_converter(label: str, scalar: Converter, count: int, invalid: int) -> Converter:
    def to_raw_list(value: Any) -> list[int]:
        if value is None:
            return [invalid] * count
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            value = [value]
        raws = [scalar(item) for item in value]
        if len(raws) > count:
            raise FitEncodeError(f"{label}: {len(raws)} values for an array of {count}")
        return raws + [invalid] * (count - len(raws))

    return to_raw_list


class MessageDefinition:
    """A precompiled FIT message layout: field specs, value converters and one ``struct.Struct``.

    Definitions are independent of local message numbers; a :class:`FitWriter` assigns one when
    the definition is first written and re-emits the definition message whenever needed.
    """

    __slots__ = (
        "name",
        "global_num",
        "fields",
        "_converters",
        "_columns",
        "_struct",
        "_flat",
        "_body",
    )

    def __init__(self, name: str, fields: Sequence[FieldSpec]) -> None:
        if not fields:
            raise FitEncodeError(f"definition of {name!r} has no fields")
        if len({spec.def_num for spec in fields}) != len(fields):
            raise FitEncodeError(f"definition of {name!r} repeats a field")
        self.name = name
        self.global_num: int = _message_type(name).mesg_num
        self.fields: tuple[FieldSpec, ...] = tuple(fields)
        self._converters: tuple[Converter, ...] = tuple(_converter(name, f) for f in fields)
        self._columns: tuple[ColumnConverter, ...] = tuple(
            _column_converter(spec, convert)
            for spec, convert in zip(self.fields, self._converters, strict=True)
        )
        codes = []
        for spec in self.fields:
            base = _BASE_TYPES[spec.base_type_id]
            codes.append(f"{spec.count}s" if base.name == "string" else f"{spec.count}{base.code}")
        self._struct = struct.Struct("<B" + "".join(codes))  # record header + field values
        # Arrays (other than strings) pack as several struct values and need flattening.
        self._flat = all(
            spec.count == 1 or _BASE_TYPES[spec.base_type_id].name == "string"
            for spec in self.fields
        )
        self._body = b"".join(
            _FIELD_DEFINITION.pack(spec.def_num, spec.size, spec.base_type_id)
            for spec in self.fields
        )

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the fields, in the order rows are given to :meth:`encode_row`."""
        return tuple(spec.name for spec in self.fields)

    @property
    def data_size(self) -> int:
        """Bytes of one data message, its record header included."""
        return self._struct.size

    def definition_message(self, local_num: int) -> bytes:
        """The definition message binding this layout to local message number ``local_num``."""
        header = _DEFINITION_HEADER.pack(
            _DEFINITION_BIT | local_num, 0, _LITTLE_ENDIAN, self.global_num, len(self.fields)
        )
        return header + self._body

    def encode_row(self, local_num: int, row: Sequence[Any]) -> bytes:
        """One data message from values in :attr:`field_names` order (``None`` = invalid)."""
        if len(row) != len(self._converters):
            raise FitEncodeError(
                f"{self.name}: {len(row)} values for {len(self._converters)} fields"
            )
        raws = [convert(value) for convert, value in zip(self._converters, row, strict=True)]
        if not self._flat:
            raws = _flatten(raws)
        try:
            return self._struct.pack(local_num, *raws)
        except struct.error as error:
            raise FitEncodeError(f"{self.name}: {error}") from error

    def encode_columns(self, local_num: int, columns: Sequence[Sequence[Any]]) -> list[bytes]:
        """Data messages from one equally long value sequence per field (fast bulk path)."""
        if len(columns) != len(self._columns):
            raise FitEncodeError(
                f"{self.name}: {len(columns)} columns for {len(self._columns)} fields"
            )
        if len({len(column) for column in columns}) > 1:
            raise FitEncodeError(f"{self.name}: columns differ in length")
        if not self._flat:
            return [self.encode_row(local_num, row) for row in zip(*columns, strict=True)]
        raws = [convert(column) for convert, column in zip(self._columns, columns, strict=True)]
        pack = self._struct.pack
        try:
            return [pack(local_num, *row) for row in zip(*raws, strict=True)]
        except struct.error as error:
            raise FitEncodeError(f"{self.name}: {error}") from error

    def encode(self, local_num: int, values: Mapping[str, Any]) -> bytes:
        """One data message from a ``{field name: value}`` mapping; missing fields are invalid."""
        unknown = set(values).difference(self.field_names)
        if unknown:
            raise FitEncodeError(f"{self.name}: fields {sorted(unknown)} are not in the definition")
        return self.encode_row(local_num, [values.get(spec.name) for spec in self.fields])


def _flatten(raws: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for raw in raws:
        if isinstance(raw, list | tuple):
            flat.extend(raw)
        else:
            flat.append(raw)
    return flat


def message_definition(message: str, fields: Sequence[str | tuple[str, int]]) -> MessageDefinition:
    """Build the definition of ``message`` with ``fields`` in the given order.

    A field is a profile field name, or ``(name, count)`` for arrays (``count`` elements) and
    strings (``count`` bytes, terminating NUL included; a bare string name gets 32 bytes).
    Definitions are immutable and cached, so every writer shares the compiled layouts.
    """
    layout = tuple(entry if isinstance(entry, str) else (entry[0], entry[1]) for entry in fields)
    return _cached_definition(message, layout)


@lru_cache(maxsize=1024)
def _cached_definition(
    message: str, fields: tuple[str | tuple[str, int], ...]
) -> MessageDefinition:
    specs = []
    for entry in fields:
        name, count = (entry, 0) if isinstance(entry, str) else entry
        if count == 0:
            is_string = _profile_field(message, name).base_type.identifier == 0x07
            count = 32 if is_string else 1
        specs.append(_field_spec(message, name, count))
    return MessageDefinition(message, specs)


# --------------------------------------------------------------------------------------------
# Writer
# --------------------------------------------------------------------------------------------


class FitWriter:
    """Accumulates FIT messages in memory; :meth:`to_bytes` returns the complete file.

    Example::

        writer = FitWriter()
        writer.add("file_id", type="activity", manufacturer="development", product=1,
                   serial_number=1234, time_created=start)
        record = writer.define("record", ["timestamp", "heart_rate", "distance"])
        writer.write_rows(record, [(start, 120, 0.0), (start + timedelta(seconds=1), 121, 2.9)])
        data = writer.to_bytes()

    Definitions get local message numbers 0-15 on first use; when all are taken, the least
    recently used one is redefined. ``message_counts`` counts data messages per message name.
    """

    def __init__(
        self,
        *,
        protocol_version: int = FIT_PROTOCOL_VERSION,
        profile_version: int = FIT_PROFILE_VERSION,
    ) -> None:
        self._protocol_version = protocol_version
        self._profile_version = profile_version
        self._chunks: list[bytes] = []
        self._slots: list[MessageDefinition | None] = [None] * _LOCAL_MESSAGE_SLOTS
        self._last_used: list[int] = [0] * _LOCAL_MESSAGE_SLOTS
        self._slot_of: dict[MessageDefinition, int] = {}
        self._tick = 0
        self.message_counts: dict[str, int] = {}

    # -- definitions ---------------------------------------------------------------------------

    def define(self, message: str, fields: Sequence[str | tuple[str, int]]) -> MessageDefinition:
        """A definition for ``message``; see :func:`message_definition` for ``fields``."""
        return message_definition(message, fields)

    def _local_num(self, definition: MessageDefinition) -> int:
        """Local message number of ``definition``, emitting its definition message if needed."""
        self._tick += 1
        local = self._slot_of.get(definition)
        if local is None:
            local = self._free_slot()
            evicted = self._slots[local]
            if evicted is not None:
                del self._slot_of[evicted]
            self._slots[local] = definition
            self._slot_of[definition] = local
            self._chunks.append(definition.definition_message(local))
        self._last_used[local] = self._tick
        return local

    def _free_slot(self) -> int:
        for local, definition in enumerate(self._slots):
            if definition is None:
                return local
        return min(range(_LOCAL_MESSAGE_SLOTS), key=self._last_used.__getitem__)

    def _count(self, definition: MessageDefinition, n: int) -> None:
        self.message_counts[definition.name] = self.message_counts.get(definition.name, 0) + n

    # -- data ----------------------------------------------------------------------------------

    def write(self, definition: MessageDefinition, values: Mapping[str, Any]) -> None:
        """Append one data message from a ``{field name: value}`` mapping."""
        self._chunks.append(definition.encode(self._local_num(definition), values))
        self._count(definition, 1)

    def write_row(self, definition: MessageDefinition, row: Sequence[Any]) -> None:
        """Append one data message from values in ``definition.field_names`` order."""
        self._chunks.append(definition.encode_row(self._local_num(definition), row))
        self._count(definition, 1)

    def write_rows(self, definition: MessageDefinition, rows: Iterable[Sequence[Any]]) -> int:
        """Append one data message per row (fast path for 1 Hz records); returns the count."""
        local = self._local_num(definition)
        encode = definition.encode_row
        encoded = [encode(local, row) for row in rows]
        self._chunks.extend(encoded)
        self._count(definition, len(encoded))
        return len(encoded)

    def write_columns(self, definition: MessageDefinition, columns: Sequence[Sequence[Any]]) -> int:
        """Append one data message per position of the field-ordered ``columns``.

        The fastest way to write many messages: values are converted column by column.
        Returns the number of messages written.
        """
        encoded = definition.encode_columns(self._local_num(definition), columns)
        self._chunks.extend(encoded)
        self._count(definition, len(encoded))
        return len(encoded)

    def add(self, message: str, **values: Any) -> None:
        """Append one ``message`` with the given fields, defining it on the fly.

        ``None`` values are skipped. Strings get exactly the bytes they need and lists become
        arrays; messages with the same field layout share one definition.
        """
        present = {name: value for name, value in values.items() if value is not None}
        layout = [(name, _auto_count(message, name, value)) for name, value in present.items()]
        self.write(message_definition(message, layout), present)

    # -- output --------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The complete FIT file: header (with header CRC), messages and file CRC."""
        return fit_file(
            b"".join(self._chunks),
            protocol_version=self._protocol_version,
            profile_version=self._profile_version,
        )


def fit_file(
    messages: bytes,
    *,
    header_size: int = _HEADER_SIZE,
    header_crc: bool = True,
    protocol_version: int = FIT_PROTOCOL_VERSION,
    profile_version: int = FIT_PROFILE_VERSION,
) -> bytes:
    """A complete FIT file around already encoded definition and data ``messages``.

    The header is 14 bytes whose last two are the CRC of the first 12 (or 0 where
    ``header_crc`` is false, which the SDK allows), or the older 12-byte header without a
    CRC (``header_size=12``). The file CRC covers the header and the messages.
    """
    if header_size not in (12, _HEADER_SIZE):
        raise FitEncodeError(f"a FIT file header has 12 or 14 bytes, not {header_size}")
    header = _HEADER_NO_CRC.pack(
        header_size, protocol_version, profile_version, len(messages), b".FIT"
    )
    if header_size == _HEADER_SIZE:
        header += _CRC.pack(crc16(header) if header_crc else 0)
    return header + messages + _CRC.pack(crc16(messages, crc16(header)))


def _auto_count(message: str, name: str, value: Any) -> int:
    """Element count (arrays) or byte length (strings, NUL included) for an ``add`` value."""
    is_string = _profile_field(message, name).base_type.identifier == 0x07
    if is_string:
        return len(str(value).encode("utf-8")) + 1
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value)
    return 1


def chain(*files: bytes) -> bytes:
    """Concatenate complete FIT files into one chained FIT file (FIT SDK, "Chained FIT Files")."""
    for index, data in enumerate(files):
        if len(data) < 12 or data[8:12] != b".FIT":
            raise ValueError(f"file {index} is not a FIT file")
        header_size = data[0]
        data_size = int.from_bytes(data[4:8], "little")
        if header_size + data_size + 2 != len(data):
            raise ValueError(f"file {index} is truncated or has trailing bytes")
    return b"".join(files)
