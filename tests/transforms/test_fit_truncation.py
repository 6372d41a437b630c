"""Truncation fuzz: a generated FIT file cut anywhere yields exactly the records wholly
before the cut, never more, never a crash or a hang.

The expected records are computed from the FIT layout, not from the decoder: a 14-byte file
header, a definition message of 6 + 3 bytes per field the first time a message type is
written, a data message of 1 + the field sizes, a 2-byte CRC after each chained segment.
Garmin's FIT SDK, reading the same cut bytes, must agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from garmin_fit_sdk import Decoder, Stream

from synthetic.fit_writer import FitWriter, MessageDefinition, chain
from tests.helpers import time_limit
from transforms.fit_decode import FitDecodeError, decode_fit

HEADER_BYTES = 14
CRC_BYTES = 2
SEED = 20261203
CUTS = 50
DECODE_LIMIT_S = 10  # a small file decodes in milliseconds: more than this is a hang


@dataclass
class Layout:
    """Where each unit of a generated file lies: unit starts, and per data message its end
    and whether it is a record (with its timestamp)."""

    base: int = 0
    position: int = 0
    starts: list[int] = field(default_factory=list)  # header, message and CRC starts
    ends: list[int] = field(default_factory=list)  # data message ends
    record_ends: list[tuple[int, datetime]] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)

    def header(self) -> None:
        self.starts.append(self.base + self.position)
        self.position += HEADER_BYTES

    def message(self, definition: MessageDefinition, timestamp: datetime | None) -> None:
        if definition.name not in self.defined:
            self.defined.add(definition.name)
            self.starts.append(self.base + self.position)
            self.position += 6 + 3 * len(definition.fields)
        self.starts.append(self.base + self.position)
        self.position += 1 + sum(spec.size for spec in definition.fields)
        self.ends.append(self.base + self.position)
        if definition.name == "record":
            self.record_ends.append((self.base + self.position, timestamp))

    def crc(self) -> None:
        self.starts.append(self.base + self.position)
        self.position += CRC_BYTES


def _segment(start: datetime, records: int, layout: Layout, seed: int) -> bytes:
    """One activity: file_id, a timer start event, 1 Hz records with a lap every 60 s, and
    a session; every message noted in `layout`."""
    rng = random.Random(seed)
    writer = FitWriter()
    layout.header()
    file_id = writer.define("file_id", ["type", "manufacturer", "product", "serial_number",
                                        "time_created"])
    event = writer.define("event", ["timestamp", "event", "event_type"])
    record = writer.define("record", ["timestamp", "heart_rate", "distance", "speed"])
    lap = writer.define("lap", ["timestamp", "start_time", "total_elapsed_time"])
    session = writer.define("session", ["timestamp", "start_time", "sport",
                                        "total_elapsed_time"])

    def put(definition: MessageDefinition, row: tuple, at: datetime | None) -> None:
        writer.write_row(definition, row)
        layout.message(definition, at)

    put(file_id, ("activity", "development", 1, 1000 + seed, start), None)
    put(event, (start, "timer", "start"), None)
    distance = 0.0
    for i in range(records):
        at = start + timedelta(seconds=i)
        speed = 2.5 + rng.random()
        distance += speed
        put(record, (at, rng.randint(110, 170), round(distance, 2), round(speed, 3)), at)
        if i % 60 == 59:
            put(lap, (at, at - timedelta(seconds=59), 59.0), None)
    end = start + timedelta(seconds=records - 1)
    put(session, (end, start, "running", float(records - 1)), None)
    layout.crc()
    data = writer.to_bytes()
    assert len(data) == layout.position, "the layout accounts for every byte"
    return data


@dataclass(frozen=True)
class Generated:
    data: bytes
    layout: Layout
    first_segment_bytes: int


@cache
def generated() -> Generated:
    """Two chained activities: the cut may fall in either, or in the second's header."""
    layout = Layout()
    first = _segment(datetime(2026, 5, 4, 6, 0, tzinfo=UTC), 150, layout, seed=1)
    layout.base, layout.position, layout.defined = len(first), 0, set()
    second = _segment(datetime(2026, 5, 4, 7, 0, tzinfo=UTC), 90, layout, seed=2)
    return Generated(chain(first, second), layout, len(first))


def _cuts() -> list[int]:
    g = generated()
    return sorted(random.Random(SEED).sample(range(1, len(g.data)), CUTS))


def _edges() -> list[int]:
    """Cuts at the places a random sample may miss: inside and at the end of the first
    header, right after a message, inside the first CRC, at the end of the first segment,
    inside the second header, and one byte short of the whole file."""
    g = generated()
    first_end = g.first_segment_bytes
    return [5, HEADER_BYTES, g.layout.ends[3], first_end - 1, first_end, first_end + 7,
            len(g.data) - 1]


def _sdk_records(data: bytes) -> int:
    messages, _errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        merge_heart_rates=False)
    return len(messages.get("record_mesgs", []))


@pytest.mark.parametrize("cut", [*_cuts(), *_edges()])
def test_a_cut_file_yields_exactly_the_records_before_the_cut(cut: int) -> None:
    g = generated()
    data = g.data[:cut]
    expected = [at for end, at in g.layout.record_ends if end <= cut]
    messages_before = [end for end in g.layout.ends if end <= cut]
    fault_at = max(start for start in g.layout.starts if start <= cut)
    with time_limit(DECODE_LIMIT_S):
        if not messages_before:
            with pytest.raises(FitDecodeError):
                decode_fit(data)
            return
        decoded = decode_fit(data)
    assert decoded.record_count == len(expected) == _sdk_records(data)
    records = decoded.tables.get("fit_records")
    got = [] if records is None else records.sort("segment", "message_seq")["timestamp_utc"]
    assert list(got) == expected
    if cut == g.first_segment_bytes:  # a whole first segment is a complete file
        assert decoded.partial is None and decoded.segments == 1
        return
    assert decoded.partial is not None
    assert decoded.partial.offset == fault_at
    assert f"at byte {fault_at} of {cut}" in decoded.partial.reason


def test_the_generated_file_decodes_whole() -> None:
    g = generated()
    decoded = decode_fit(g.data)
    assert decoded.partial is None and decoded.segments == 2
    assert decoded.record_count == len(g.layout.record_ends) == _sdk_records(g.data) == 240
