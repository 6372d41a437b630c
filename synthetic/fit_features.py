"""Small generated FIT files, one per feature a FIT decoder must read.

Each file is a short realistic activity - file_id, 1 Hz `record` messages (timestamp, heart
rate, distance, speed, position), a lap, a session and an activity - written with one
feature a decoder meets in the wild: compressed-timestamp headers, developer fields,
big-endian definitions, a local message type redefined mid-file, chained files, a field
whose size is no multiple of its base type, invalid values, `speed`/`altitude` and
`compressed_speed_distance` components, strings, arrays, device-relative timestamps,
unknown enum values, sub-fields, unknown messages and fields, and both older header forms.

:data:`FEATURES` maps a feature name to the function writing its file;
:func:`feature_files` returns every file. The values written follow :func:`sample`, so a
test can say what each record holds without decoding anything.

The files are written message by message with explicit local message numbers
(:class:`RawFit`), as devices write them, rather than through
:class:`synthetic.fit_writer.FitWriter`, which always writes little-endian definitions with
normal headers and picks local numbers itself. Field numbers, base types, scales and enum
names still come from the profile through :func:`synthetic.fit_writer.message_definition`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from synthetic.fit_writer import (
    _BASE_TYPES,
    FitEncodeError,
    _enum_values,
    chain,
    degrees_to_semicircles,
    fit_file,
    message_definition,
    to_fit_timestamp,
)

__all__ = [
    "DEV_FIELDS",
    "FEATURES",
    "MISALIGNED_POWER",
    "START",
    "UNKNOWN_FIELD",
    "UNKNOWN_MESSAGE",
    "Layout",
    "RawField",
    "RawFit",
    "feature_files",
    "layout",
    "sample",
]

#: First sample of every generated activity (a Monday morning run, UTC).
START = datetime(2026, 5, 4, 6, 30, tzinfo=UTC)
#: Global message number no profile knows (the manufacturer-specific range, 0xFF00-0xFFFE).
UNKNOWN_MESSAGE = 0xFF01
#: Field number the profile's `record` and `lap` do not define.
UNKNOWN_FIELD = 200
#: Bytes of the `power` field (uint16) written with size 3: no multiple of 2.
MISALIGNED_POWER = b"\x2c\x01\x00"
#: Developer fields of the developer-fields file: (number, name, base type id, units).
DEV_FIELDS = ((0, "grade_score", 0x02, "pts"), (1, "core_temp", 0x88, "C"),
              (2, "surface", 0x07, None))

_DEFINITION = 0x40
_DEVELOPER = 0x20
_COMPRESSED = 0x80


@dataclass(frozen=True)
class RawField:
    """One field of a definition as written: number, declared base type, size in bytes,
    the scale and offset turning physical values into raw ones, and the developer data
    index for a developer field."""

    key: str
    def_num: int
    base_type_id: int
    size: int
    scale: float = 1.0
    offset: float = 0.0
    developer_index: int | None = None


@dataclass(frozen=True)
class Layout:
    """A definition message's content: global message, fields and byte order."""

    message: str
    global_num: int
    fields: tuple[RawField, ...]
    big_endian: bool = False

    @property
    def _endian(self) -> str:
        return ">" if self.big_endian else "<"

    @property
    def has_developer_fields(self) -> bool:
        return any(f.developer_index is not None for f in self.fields)

    def definition(self, local: int) -> bytes:
        """The definition message binding this layout to local message number `local`."""
        plain = [f for f in self.fields if f.developer_index is None]
        dev = [f for f in self.fields if f.developer_index is not None]
        header = _DEFINITION | (_DEVELOPER if dev else 0) | local
        out = struct.pack(f"{self._endian}BBBHB", header, 0, int(self.big_endian),
                          self.global_num, len(plain))
        out += b"".join(struct.pack("BBB", f.def_num, f.size, f.base_type_id) for f in plain)
        if dev:
            out += bytes([len(dev)])
            out += b"".join(struct.pack("BBB", f.def_num, f.size, f.developer_index)
                            for f in dev)
        return out

    def data(self, header: int, values: Mapping[str, Any]) -> bytes:
        """One data message: `header` byte, then every field (plain ones, then developer
        ones, as the definition lists them); a missing value is the invalid value."""
        unknown = set(values).difference(f.key for f in self.fields)
        if unknown:
            raise FitEncodeError(f"{self.message}: {sorted(unknown)} not in the layout")
        ordered = sorted(self.fields, key=lambda f: f.developer_index is not None)
        return bytes([header]) + b"".join(self._value(f, values.get(f.key)) for f in ordered)

    def _value(self, field: RawField, value: Any) -> bytes:
        if isinstance(value, bytes | bytearray):  # written as given
            if len(value) != field.size:
                raise FitEncodeError(f"{self.message}.{field.key}: {len(value)} bytes for "
                                     f"a field of {field.size}")
            return bytes(value)
        base = _BASE_TYPES.get(field.base_type_id, _BASE_TYPES[0x0D])
        if base.name == "string":
            encoded = b"" if value is None else str(value).encode("utf-8")
            if len(encoded) > field.size:
                raise FitEncodeError(f"{self.message}.{field.key}: {value!r} is too long")
            return encoded.ljust(field.size, b"\0")
        count, rest = divmod(field.size, base.size)
        if rest:
            raise FitEncodeError(f"{self.message}.{field.key}: give the bytes of a field "
                                 f"whose size is no multiple of {base.name}")
        items = list(value) if isinstance(value, list | tuple) else [value]
        items += [None] * (count - len(items))
        return b"".join(self._element(field, base, item) for item in items)

    def _element(self, field: RawField, base: Any, value: Any) -> bytes:
        if value is None:
            return struct.pack(self._endian + base.code, base.invalid)
        if isinstance(value, datetime):
            value = to_fit_timestamp(value)
        elif isinstance(value, str):  # an enum name
            value = _enum_values(self.message, field.key)[value]
        if base.is_float:
            code = "f" if base.size == 4 else "d"
            return struct.pack(self._endian + code, (value + field.offset) * field.scale)
        return struct.pack(self._endian + base.code,
                           round((value + field.offset) * field.scale))


def layout(message: str, fields: Sequence[str | tuple[str, int]], *,
           big_endian: bool = False, extra: Sequence[RawField] = ()) -> Layout:
    """The layout of profile message `message` with `fields` (names, or (name, count) for
    arrays and strings as in :func:`synthetic.fit_writer.message_definition`), followed by
    `extra` fields written as given (unknown or developer fields, odd sizes)."""
    definition = message_definition(message, fields)
    known = tuple(RawField(s.name, s.def_num, s.base_type_id, s.size, s.scale, s.offset)
                  for s in definition.fields)
    return Layout(message, definition.global_num, known + tuple(extra), big_endian)


class RawFit:
    """Definition and data messages in the order written, each with its local number."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._locals: dict[int, Layout] = {}

    def define(self, local: int, message_layout: Layout) -> None:
        """Bind `message_layout` to local message number `local` (0-15) from here on."""
        if not 0 <= local <= 15:
            raise FitEncodeError(f"local message number {local} is not 0-15")
        self._locals[local] = message_layout
        self._chunks.append(message_layout.definition(local))

    def write(self, local: int, **values: Any) -> None:
        """One data message with a normal header."""
        self._chunks.append(self._locals[local].data(local, values))

    def write_compressed(self, local: int, timestamp: datetime, **values: Any) -> None:
        """One data message with a compressed-timestamp header: local number 0-3 and the
        five low bits of `timestamp` (the message's layout has no timestamp field)."""
        if not 0 <= local <= 3:
            raise FitEncodeError(f"a compressed-timestamp header addresses local 0-3, "
                                 f"not {local}")
        offset = to_fit_timestamp(timestamp) & 0x1F
        self._chunks.append(self._locals[local].data(_COMPRESSED | local << 5 | offset, values))

    def to_bytes(self, *, header_size: int = 14, header_crc: bool = True) -> bytes:
        """The complete FIT file (see :func:`synthetic.fit_writer.fit_file`)."""
        return fit_file(b"".join(self._chunks), header_size=header_size,
                        header_crc=header_crc)


# --------------------------------------------------------------------------------------------
# The activity every file holds
# --------------------------------------------------------------------------------------------


def sample(i: int, start: datetime = START) -> dict[str, Any]:
    """The values of record `i` of a generated activity, in profile units: a run at
    2.5-2.9 m/s heading north-east from Berlin's Tiergarten."""
    return {
        "timestamp": start + timedelta(seconds=i),
        "heart_rate": 120 + i % 40,
        "distance": 2.5 * i,
        "speed": 2.5 + (i % 5) / 10,
        "position_lat": degrees_to_semicircles(52.5145 + i * 1e-5),
        "position_long": degrees_to_semicircles(13.3501 + i * 1e-5),
    }


RECORD = ("timestamp", "heart_rate", "distance", "enhanced_speed", "position_lat",
          "position_long")


def _record_values(i: int, start: datetime = START, *, keys: Sequence[str] = RECORD
                   ) -> dict[str, Any]:
    values = sample(i, start)
    values["enhanced_speed"] = values.pop("speed")
    return {k: values[k] for k in keys}


def _file_id(fit: RawFit, local: int = 0, start: datetime = START, **overrides: Any) -> None:
    values = {"type": "activity", "manufacturer": "development", "product": 1,
              "serial_number": 3_912_345_678, "time_created": start, **overrides}
    fit.define(local, layout("file_id", list(values)))
    fit.write(local, **values)


def _records(fit: RawFit, local: int, indices: range, start: datetime = START) -> None:
    fit.define(local, layout("record", RECORD))
    for i in indices:
        fit.write(local, **_record_values(i, start))


LAP = ("timestamp", "start_time", "total_elapsed_time", "total_timer_time", "total_distance",
       "avg_heart_rate", "max_heart_rate", "sport", "event", "event_type")


def _lap_values(n: int, start: datetime = START) -> dict[str, Any]:
    """A lap (and session) over records 0..n-1 of :func:`sample`."""
    heart_rates = [sample(i)["heart_rate"] for i in range(n)]
    return {
        "timestamp": start + timedelta(seconds=n - 1),
        "start_time": start,
        "total_elapsed_time": n - 1,
        "total_timer_time": n - 1,
        "total_distance": sample(n - 1)["distance"],
        "avg_heart_rate": round(sum(heart_rates) / n),
        "max_heart_rate": max(heart_rates),
        "sport": "running",
        "event": "lap",
        "event_type": "stop",
    }


def _summary(fit: RawFit, n: int, start: datetime = START, *, local: int = 5, step: int = 1,
             lap: Mapping[str, Any] | None = None, lap_layout: Layout | None = None) -> None:
    """Lap, session and activity closing an activity of `n` records, on local numbers
    `local`, `local + step` and `local + 2 * step`."""
    lap_values = dict(lap) if lap is not None else _lap_values(n, start)
    fit.define(local, lap_layout or layout("lap", list(lap_values)))
    fit.write(local, **lap_values)
    session = {**_lap_values(n, start), "event": "session", "num_laps": 1}
    fit.define(local + step, layout("session", list(session)))
    fit.write(local + step, **session)
    end = start + timedelta(seconds=n - 1)
    activity = {"timestamp": end, "total_timer_time": n - 1, "num_sessions": 1,
                "type": "manual", "event": "activity", "event_type": "stop",
                "local_timestamp": to_fit_timestamp(end) + 2 * 3600}
    fit.define(local + 2 * step, layout("activity", list(activity)))
    fit.write(local + 2 * step, **activity)


def plain_activity(n: int = 20, start: datetime = START) -> bytes:
    """A plain activity of `n` records: the base every feature file varies."""
    fit = RawFit()
    _file_id(fit, start=start)
    _records(fit, 1, range(n), start)
    _summary(fit, n, start)
    return fit.to_bytes()


# --------------------------------------------------------------------------------------------
# One file per feature
# --------------------------------------------------------------------------------------------

#: Compressed-timestamp file: record i lies COMPRESSED_OFFSETS_S[i] s after START; the
#: first record of each run has a normal header and a timestamp field (the second run
#: starts 100 s after the first ends, more than the 31 s a 5-bit offset bridges). Within the
#: second run, 87 s pass between two records, bridged by compressed-header events at
#: EVENT_OFFSETS_S: no two neighbouring messages are 32 s apart, so the time accumulates
#: through messages of another type.
COMPRESSED_OFFSETS_S = (*range(40), *range(139, 164), *range(250, 255))
EVENT_OFFSETS_S = (185, 210, 235)


def compressed_timestamps() -> bytes:
    """Records with compressed-timestamp headers (local 2, 5-bit offsets that roll over),
    each run opened by a normally timestamped record (local 1), and compressed-header
    user-marker events (local 3) between two records 87 s apart."""
    fit = RawFit()
    _file_id(fit)
    fit.define(1, layout("record", RECORD))
    fit.define(2, layout("record", RECORD[1:]))
    fit.define(3, layout("event", ["event", "event_type"]))
    for i, offset_s in enumerate(COMPRESSED_OFFSETS_S):
        values = _record_values(i)
        timestamp = START + timedelta(seconds=offset_s)
        if i in (0, 40):
            fit.write(1, **{**values, "timestamp": timestamp})
            continue
        if offset_s == 250:
            for event_s in EVENT_OFFSETS_S:
                fit.write_compressed(3, START + timedelta(seconds=event_s),
                                     event="user_marker", event_type="marker")
        del values["timestamp"]
        fit.write_compressed(2, timestamp, **values)
    n = len(COMPRESSED_OFFSETS_S)
    lap = {**_lap_values(n), "timestamp": START + timedelta(seconds=COMPRESSED_OFFSETS_S[-1])}
    _summary(fit, n, lap=lap)
    return fit.to_bytes()


def dev_value(i: int) -> dict[str, Any]:
    """Developer field values of record i of the developer-fields file."""
    return {"grade_score": i % 100, "core_temp": 37.0 + i / 4,
            "surface": ("trail", "road", "track")[i % 3]}


def developer_fields() -> bytes:
    """developer_data_id and field_description messages, then records carrying a uint8, a
    float32 and a string developer field (see DEV_FIELDS and dev_value)."""
    fit = RawFit()
    _file_id(fit)
    dev_id = {"developer_id": bytes(range(16)), "application_id": bytes(range(16, 32)),
              "developer_data_index": 0, "application_version": 3}
    fit.define(1, layout("developer_data_id", [("developer_id", 16), ("application_id", 16),
                                                "developer_data_index",
                                                "application_version"]))
    fit.write(1, **dev_id)
    fit.define(2, layout("field_description", [
        "developer_data_index", "field_definition_number", "fit_base_type_id",
        ("field_name", 16), ("units", 8)]))
    for number, name, base, units in DEV_FIELDS:
        fit.write(2, developer_data_index=0, field_definition_number=number,
                  fit_base_type_id=base, field_name=name, units=units)
    sizes = {0x02: 1, 0x88: 4, 0x07: 8}
    dev = [RawField(name, number, base, sizes[base], developer_index=0)
           for number, name, base, _units in DEV_FIELDS]
    fit.define(3, layout("record", RECORD, extra=dev))
    n = 30
    for i in range(n):
        fit.write(3, **_record_values(i), **dev_value(i))
    _summary(fit, n)
    return fit.to_bytes()


def big_endian() -> bytes:
    """Record and lap definitions with architecture byte 1 (big-endian values)."""
    fit = RawFit()
    _file_id(fit)
    fit.define(1, layout("record", RECORD, big_endian=True))
    n = 25
    for i in range(n):
        fit.write(1, **_record_values(i))
    _summary(fit, n, lap_layout=layout("lap", LAP, big_endian=True))
    return fit.to_bytes()


def redefinition() -> bytes:
    """Local message 0 redefined throughout: file_id, record (three fields), record (all
    fields), event (another global message), record (three fields again), lap, session."""
    fit = RawFit()
    _file_id(fit, local=0)
    short = ("timestamp", "heart_rate", "distance")
    fit.define(0, layout("record", short))
    for i in range(0, 10):
        fit.write(0, **_record_values(i, keys=short))
    fit.define(0, layout("record", RECORD))
    for i in range(10, 20):
        fit.write(0, **_record_values(i))
    fit.define(0, layout("event", ["timestamp", "event", "event_type", "data"]))
    fit.write(0, timestamp=START + timedelta(seconds=19), event="timer", event_type="stop_all",
              data=0)
    fit.define(0, layout("record", short))
    for i in range(20, 30):
        fit.write(0, **_record_values(i, keys=short))
    _summary(fit, 30, local=0, step=0)  # lap, session and activity redefine local 0 too
    return fit.to_bytes()


#: Chained file: records and start of each of its activities.
CHAINED = ((12, START), (18, START + timedelta(hours=3)), (9, START + timedelta(days=1)))


def chained() -> bytes:
    """Three activities chained in one file."""
    return chain(*(plain_activity(n, start) for n, start in CHAINED))


def misaligned_field() -> bytes:
    """Records whose `power` field (uint16) is declared 3 bytes long (COROS watches write
    such fields); every other field is intact."""
    fit = RawFit()
    _file_id(fit)
    power = RawField("power", 7, 0x84, 3)
    fit.define(1, layout("record", RECORD, extra=[power]))
    n = 15
    for i in range(n):
        fit.write(1, **_record_values(i), power=MISALIGNED_POWER)
    _summary(fit, n)
    return fit.to_bytes()


#: Invalid-values file: records at these indices hold only their timestamp; every other
#: field is the base type's invalid value (0xFF, 0x7FFF..., 0xFFFF..., NaN).
INVALID_ROWS = frozenset({1, 4, 5, 9})
#: A quiet NaN (not the all-ones invalid pattern) as float32 bytes.
QUIET_NAN = struct.pack("<I", 0x7FC00000)


def _float_field(key: str) -> RawField:
    return RawField(key, UNKNOWN_FIELD, 0x88, 4)


def invalid_values() -> bytes:
    """Records and a lap with invalid values in every kind of field: uint8, sint8, uint16,
    uint32, sint32 and an (unknown-numbered) float32 field written as all ones and as a
    quiet NaN."""
    fit = RawFit()
    _file_id(fit)
    keys = (*RECORD, "altitude", "temperature", "cadence")
    fit.define(1, layout("record", keys, extra=[_float_field("unknown_float")]))
    n = 12
    for i in range(n):
        values = {**_record_values(i), "altitude": 34.0 + i / 5, "temperature": 18,
                  "cadence": 85, "unknown_float": 1.5 * i}
        if i in INVALID_ROWS:
            values = {"timestamp": values["timestamp"],
                      "unknown_float": QUIET_NAN if i == 5 else None}
        fit.write(1, **values)
    lap = {**_lap_values(n), "avg_heart_rate": None, "total_distance": None,
           "max_speed": None, "avg_temperature": None, "unknown_float": None}
    lap_layout = layout("lap", [*LAP, "max_speed", "avg_temperature"],
                        extra=[_float_field("unknown_float")])
    _summary(fit, n, lap=lap, lap_layout=lap_layout)
    return fit.to_bytes()


def altitude_value(i: int) -> float:
    """Altitude of record i of the speed-altitude file, m (a multiple of 1/5 m)."""
    return 34.0 + i / 5


def speed_altitude_components() -> bytes:
    """Records with `speed` and `altitude` (uint16) only: decoders expand them into
    `enhanced_speed` and `enhanced_altitude`; the lap has `avg_speed`/`max_speed`."""
    fit = RawFit()
    _file_id(fit)
    keys = ("timestamp", "heart_rate", "distance", "speed", "altitude", "position_lat",
            "position_long")
    fit.define(1, layout("record", keys))
    n = 20
    for i in range(n):
        fit.write(1, **{k: v for k, v in sample(i).items() if k in keys},
                  altitude=altitude_value(i))
    lap = {**_lap_values(n), "avg_speed": 2.7, "max_speed": 2.9}
    _summary(fit, n, lap=lap)
    return fit.to_bytes()


#: compressed_speed_distance file: speed (m/s, 1/100 resolution) and distance step per record
#: (m, 1/16 resolution): 64 raw units a second wrap the 12-bit distance every 64 records.
CSD_SPEED = 4.0
CSD_RECORDS = 100


def compressed_speed_distance_bytes(i: int) -> bytes:
    """The 3 bytes of record i: speed in bits 0-11 (1/100 m/s), the distance accumulated so
    far modulo 4096 in bits 12-23 (1/16 m)."""
    speed = round(CSD_SPEED * 100)
    distance = round(CSD_SPEED * i * 16) % 4096
    packed = speed | distance << 12
    return packed.to_bytes(3, "little")


def compressed_speed_distance() -> bytes:
    """Records with `compressed_speed_distance` (a 3-byte array holding a speed and an
    accumulated 12-bit distance that rolls over) and a `speed_1s` array."""
    fit = RawFit()
    _file_id(fit)
    fit.define(1, layout("record", ["timestamp", "heart_rate", ("compressed_speed_distance", 3),
                                    ("speed_1s", 4)]))
    for i in range(CSD_RECORDS):
        fit.write(1, timestamp=sample(i)["timestamp"], heart_rate=sample(i)["heart_rate"],
                  compressed_speed_distance=compressed_speed_distance_bytes(i),
                  speed_1s=[CSD_SPEED] * 4)
    _summary(fit, CSD_RECORDS, lap={**_lap_values(CSD_RECORDS),
                                   "total_distance": CSD_SPEED * (CSD_RECORDS - 1)})
    return fit.to_bytes()


#: Strings file: a sport name that fills its 12-byte field with no terminating NUL, a
#: device product name with invalid UTF-8, and a multi-byte UTF-8 descriptor.
SPORT_NAME = "Morning Run!"
PRODUCT_NAME_BYTES = b"Edge\xff\xfe 530\x00\x00\x00"
DESCRIPTOR = "Läufer 跑步"


def strings() -> bytes:
    """sport.name filling its field exactly (no NUL), device_info.product_name holding
    invalid UTF-8 bytes, device_info.descriptor with multi-byte characters."""
    fit = RawFit()
    _file_id(fit, product_name="FR965")
    fit.define(1, layout("sport", ["sport", "sub_sport", ("name", len(SPORT_NAME))]))
    fit.write(1, sport="running", sub_sport="trail", name=SPORT_NAME)
    fit.define(2, layout("device_info", ["timestamp", "device_index", "manufacturer",
                                         ("product_name", len(PRODUCT_NAME_BYTES)),
                                         ("descriptor", 24)]))
    fit.write(2, timestamp=START, device_index=0, manufacturer="development",
              product_name=PRODUCT_NAME_BYTES, descriptor=DESCRIPTOR)
    _records(fit, 3, range(10))
    _summary(fit, 10)
    return fit.to_bytes()


#: Arrays file: each record's speed_1s (1/16 m/s) and the lap's time in 5 HR zones (s; the
#: last zone invalid).
SPEED_1S = (2.5, 2.625, 2.75, 2.875)
TIME_IN_HR_ZONE = (30.5, 60.0, 90.25, 12.0, None)


def arrays() -> bytes:
    """A uint8 array field in records (`speed_1s`, one element invalid in every other
    record) and a uint32 array in the lap and session (`time_in_hr_zone`)."""
    fit = RawFit()
    _file_id(fit)
    fit.define(1, layout("record", [*RECORD, ("speed_1s", 4)]))
    n = 16
    for i in range(n):
        speeds = list(SPEED_1S) if i % 2 else [*SPEED_1S[:3], None]
        fit.write(1, **_record_values(i), speed_1s=speeds)
    lap = {**_lap_values(n), "time_in_hr_zone": list(TIME_IN_HR_ZONE)}
    _summary(fit, n, lap=lap, lap_layout=layout("lap", [*LAP, ("time_in_hr_zone", 5)]))
    return fit.to_bytes()


#: Device-relative file: seconds since power-on of the records written before the clock was
#: set (below 0x10000000, the first value FIT reads as a date).
DEVICE_RELATIVE_S = tuple(range(4_000, 4_010))
FIRST_ABSOLUTE = 0x10000000


def device_timestamps() -> bytes:
    """Records with device-relative timestamps (< 0x10000000), one at exactly 0x10000000
    (the first absolute date), then dated ones; file_id.time_created and the lap's
    start_time at the FIT epoch itself (raw 0)."""
    fit = RawFit()
    _file_id(fit, time_created=0)
    fit.define(1, layout("record", RECORD))
    n = 0
    for seconds in (*DEVICE_RELATIVE_S, FIRST_ABSOLUTE):
        fit.write(1, **{**_record_values(n), "timestamp": seconds})
        n += 1
    for i in range(n, n + 10):
        fit.write(1, **_record_values(i))
    n += 10
    _summary(fit, n, lap={**_lap_values(n), "start_time": 0})
    return fit.to_bytes()


#: A sport value no profile names.
UNKNOWN_SPORT = 200
#: A Garmin product number: fr945 in the FIT SDK's profile, unnamed in fitparse's older one.
GARMIN_PRODUCT = 3113


def enums_and_subfields() -> bytes:
    """file_id by a Garmin device (product resolves to the garmin_product sub-field), a
    timer event whose data resolves to timer_trigger, and a lap, session and sport with a
    sport value no profile names."""
    fit = RawFit()
    _file_id(fit, manufacturer="garmin", product=GARMIN_PRODUCT)
    fit.define(1, layout("event", ["timestamp", "event", "event_type", "data"]))
    fit.write(1, timestamp=START, event="timer", event_type="start", data=0)  # manual
    fit.define(2, layout("sport", ["sport", "sub_sport"]))
    fit.write(2, sport=UNKNOWN_SPORT, sub_sport=0)
    _records(fit, 3, range(10))
    fit.write(1, timestamp=START + timedelta(seconds=9), event="timer", event_type="stop_all",
              data=2)  # fitness_equipment
    _summary(fit, 10, lap={**_lap_values(10), "sport": UNKNOWN_SPORT})
    return fit.to_bytes()


def unknown_message_and_field() -> bytes:
    """A message whose global number no profile knows (UNKNOWN_MESSAGE, three data
    messages) and records with a uint16 field whose number `record` does not define."""
    fit = RawFit()
    _file_id(fit)
    unknown = Layout("unknown", UNKNOWN_MESSAGE,
                     (RawField("a", 0, 0x84, 2), RawField("b", 1, 0x86, 4),
                      RawField("c", 253, 0x86, 4)))
    fit.define(1, unknown)
    for i in range(3):
        fit.write(1, a=i, b=1000 + i, c=to_fit_timestamp(START) + i)
    fit.define(2, layout("record", RECORD, extra=[RawField("extra", UNKNOWN_FIELD, 0x84, 2)]))
    n = 10
    for i in range(n):
        fit.write(2, **_record_values(i), extra=7 * i)
    _summary(fit, n)
    return fit.to_bytes()


def header_12() -> bytes:
    """A file with the older 12-byte header (no header CRC)."""
    fit = RawFit()
    _file_id(fit)
    _records(fit, 1, range(10))
    _summary(fit, 10)
    return fit.to_bytes(header_size=12)


def header_14_crc_zero() -> bytes:
    """A file with a 14-byte header whose CRC is 0 (allowed: "not computed")."""
    fit = RawFit()
    _file_id(fit)
    _records(fit, 1, range(10))
    _summary(fit, 10)
    return fit.to_bytes(header_crc=False)


FEATURES: dict[str, Callable[[], bytes]] = {
    "plain": plain_activity,
    "compressed_timestamps": compressed_timestamps,
    "developer_fields": developer_fields,
    "big_endian": big_endian,
    "redefinition": redefinition,
    "chained": chained,
    "misaligned_field": misaligned_field,
    "invalid_values": invalid_values,
    "speed_altitude_components": speed_altitude_components,
    "compressed_speed_distance": compressed_speed_distance,
    "strings": strings,
    "arrays": arrays,
    "device_timestamps": device_timestamps,
    "enums_and_subfields": enums_and_subfields,
    "unknown_message_and_field": unknown_message_and_field,
    "header_12": header_12,
    "header_14_crc_zero": header_14_crc_zero,
}


def feature_files() -> dict[str, bytes]:
    """Every feature file, by feature name."""
    return {name: write() for name, write in FEATURES.items()}
