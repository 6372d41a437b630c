"""Fuzz: 1,000 seeded byte mutations of FIT files, each decoded by the fast decoder.

The files mutated are the generated feature files (synthetic/fit_features.py, 500
mutations), the real fixtures under 30 KB (500 mutations; skipped where the fixtures are
absent) and the first 30 KB of every larger fixture (10 mutations each), so that every
fixture is mutated. A mutation flips bits, overwrites bytes, truncates, inserts or deletes bytes, or
duplicates a chunk, at a random place or within the first 64 bytes (header and first
definitions); about half the mutated one-segment files are then resealed (the header's
data size and both CRCs recomputed) so that the damage reaches the decoder as well-formed
data instead of a CRC fault.

For every mutation, `decode_fit(data, "fast")`:

* raises nothing but `FitDecodeError`;
* returns within 1 s (a hang guard: these files decode in milliseconds once the
  decoder has decoded each unmutated file, untimed, which imports and compiles it);
* holds no value the file cannot hold: record heart rates within 0-255, every UTC
  timestamp within FIT's uint32 range (1989-12-31 .. 2126-02-07), distances finite;
* is what the reference gives (`decode_fit(data, "fitparse")`): the same frames, the same
  `partial` salvage (reason and offset), or `FitDecodeError` on both. The identity contract
  covers salvaged files too, so a partial decoding is compared like a whole one. Every
  mutation is compared; the whole test takes about 25 s on one core (marked `slow`).

A failure names the file, the seed and the mutation; `mutate(data, seed)` replays it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import cache

import polars as pl
import pytest

from schemas.fit import DecodedFit
from synthetic.fit_features import feature_files
from synthetic.fit_writer import crc16
from tests.fit_identity import differences
from tests.helpers import require_fixtures, time_limit
from transforms.fit_decode import FitDecodeError, decode_fit

pytestmark = pytest.mark.slow

SEED = 20_261_203
MUTATIONS_PER_GROUP = 500
MAX_FIXTURE_BYTES = 30_000
DECODE_LIMIT_S = 1.0
BACKSTOP_S = 10  # an alarm that ends a decode that never returns
HEAD_BYTES = 64
FIT_FIRST = datetime(1989, 12, 31, tzinfo=UTC)
FIT_LAST = FIT_FIRST + timedelta(seconds=2**32 - 1)


# --------------------------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------------------------


def _position(rng: random.Random, size: int) -> int:
    """A byte position: within the header and first definitions a third of the time."""
    if rng.random() < 1 / 3:
        return rng.randrange(min(size, HEAD_BYTES))
    return rng.randrange(size)


def _flip_bits(rng: random.Random, data: bytearray) -> str:
    places = [(_position(rng, len(data)), rng.randrange(8)) for _ in range(rng.randint(1, 4))]
    for at, bit in places:
        data[at] ^= 1 << bit
    return "flip bits " + ", ".join(f"{at}:{bit}" for at, bit in places)


def _overwrite(rng: random.Random, data: bytearray) -> str:
    places = []
    for _ in range(rng.randint(1, 8)):
        at = _position(rng, len(data))
        data[at] = rng.choice((0x00, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        places.append(f"{at}={data[at]:#04x}")
    return "overwrite " + ", ".join(places)


def _truncate(rng: random.Random, data: bytearray) -> str:
    at = rng.randrange(len(data))
    del data[at:]
    return f"truncate at {at}"


def _insert(rng: random.Random, data: bytearray) -> str:
    at = _position(rng, len(data))
    chunk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    data[at:at] = chunk
    return f"insert {chunk.hex()} at {at}"


def _delete(rng: random.Random, data: bytearray) -> str:
    at = _position(rng, len(data))
    n = rng.randint(1, 16)
    del data[at:at + n]
    return f"delete {n} bytes at {at}"


def _duplicate(rng: random.Random, data: bytearray) -> str:
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 64))
    at = _position(rng, len(data))
    data[at:at] = data[start:end]
    return f"duplicate bytes {start}-{end} at {at}"


MUTATORS: tuple[Callable[[random.Random, bytearray], str], ...] = (
    _flip_bits, _overwrite, _truncate, _insert, _delete, _duplicate)


def _reseal(data: bytearray) -> bool:
    """Make a one-segment file's header and CRCs agree with its (mutated) bytes again."""
    if len(data) < 16 or data[8:12] != b".FIT" or data[0] not in (12, 14):
        return False
    header_size = data[0]
    data[4:8] = (len(data) - header_size - 2).to_bytes(4, "little")
    if header_size == 14 and data[12:14] != b"\0\0":
        data[12:14] = crc16(data[:12]).to_bytes(2, "little")
    data[-2:] = crc16(data[:-2]).to_bytes(2, "little")
    return True


def _segments(data: bytes) -> int:
    """Segments of an unmutated file, from its headers' data sizes."""
    at, n = 0, 0
    while at + 12 <= len(data):
        at += data[at] + int.from_bytes(data[at + 4:at + 8], "little") + 2
        n += 1
    return n


def mutate(data: bytes, seed: int) -> tuple[bytes, str]:
    """The mutation of `data` drawn from `seed`, and what it did (replays a failure)."""
    rng = random.Random(seed)
    out = bytearray(data)
    what = rng.choice(MUTATORS)(rng, out)
    if rng.random() < 0.5 and _segments(data) == 1 and out and _reseal(out):
        what += ", resealed"
    return bytes(out), what


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _out_of_range(decoded: DecodedFit) -> list[str]:
    """Values no FIT file can hold."""
    found = []
    records = decoded.tables.get("fit_records")
    if records is not None:
        hr = records["heart_rate_bpm"].drop_nulls()
        if len(hr) and not (hr.min() >= 0 and hr.max() <= 255):
            found.append(f"heart rate {hr.min()}..{hr.max()} bpm")
        distance = records["distance_m"].drop_nulls()
        if len(distance) and not distance.is_finite().all():
            found.append("a distance that is not finite")
    for name, frame in decoded.tables.items():
        for column in ("timestamp_utc", "start_time_utc", "time_created_utc"):
            if column not in frame.columns:
                continue
            stamps = frame[column].drop_nulls()
            if len(stamps) and not (stamps.min() >= FIT_FIRST and stamps.max() <= FIT_LAST):
                found.append(f"{name}.{column} {stamps.min()}..{stamps.max()}")
    return found


def _said(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


def check(data: bytes) -> str | None:
    """What is wrong with the fast decoding of `data`, or None."""
    start = time.perf_counter()
    try:
        with time_limit(BACKSTOP_S):
            fast = decode_fit(data, "fast")
    except FitDecodeError:
        fast = None
    except Exception as exc:  # noqa: BLE001 - the finding this test reports
        return f"raised {_said(exc)}"
    took = time.perf_counter() - start
    if took > DECODE_LIMIT_S:
        return f"took {took:.2f} s (limit {DECODE_LIMIT_S} s)"
    bad = [] if fast is None else _out_of_range(fast)
    if bad:
        return "values out of range: " + "; ".join(bad)
    try:
        reference = decode_fit(data, "fitparse")
    except FitDecodeError as exc:
        return None if fast is None else f"decoded, while the reference refuses it ({exc})"
    except Exception as exc:  # noqa: BLE001 - the reference's own fault, reported as such
        return f"the reference raised {_said(exc)}"
    if fast is None:
        return "refused, while the reference reads it"
    found = differences(fast, reference)
    return "differs from the reference: " + "; ".join(found) if found else None


def fuzz(files: dict[str, bytes], first_seed: int,
         mutations: int = MUTATIONS_PER_GROUP) -> list[str]:
    """Run `mutations` mutations over `files` (in turn); the failures, in words."""
    names = sorted(files)
    for name in names:  # the first decodes of a process import and compile: not timed
        with suppress(FitDecodeError):
            decode_fit(files[name], "fast")
    failures = []
    for n in range(mutations):
        name, seed = names[n % len(names)], first_seed + n
        data, what = mutate(files[name], seed)
        problem = check(data)
        if problem:
            failures.append(f"{name} seed={seed} ({what}): {problem}")
    return failures


def _report(failures: list[str]) -> str:
    head = "\n".join(failures[:20])
    return (f"{len(failures)} of {MUTATIONS_PER_GROUP} mutations failed; replay with "
            f"mutate(data, seed):\n{head}")


@cache
def _real_files() -> dict[str, bytes]:
    root = require_fixtures()
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*.fit")) if p.stat().st_size < MAX_FIXTURE_BYTES}


@cache
def _large_real_heads() -> dict[str, bytes]:
    """The first MAX_FIXTURE_BYTES of every larger real fixture (wellness files included),
    so that every device's definitions and messages are mutated too."""
    root = require_fixtures().parent
    return {str(p.relative_to(root)): p.read_bytes()[:MAX_FIXTURE_BYTES]
            for p in sorted(root.rglob("*")) if p.suffix.lower() == ".fit"
            and p.stat().st_size >= MAX_FIXTURE_BYTES}


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_mutations_are_deterministic_and_change_the_file() -> None:
    data = feature_files()["plain"]
    for seed in range(SEED, SEED + 50):
        first, what = mutate(data, seed)
        assert (first, what) == mutate(data, seed)
        assert first != data, what


def test_resealed_files_carry_valid_crcs() -> None:
    data = feature_files()["developer_fields"]
    out = bytearray(data)
    del out[100:105]
    assert _reseal(out)
    assert int.from_bytes(out[4:8], "little") == len(data) - 5 - 14 - 2
    assert crc16(out[:14]) == 0 and crc16(out) == 0


def test_out_of_range_values_are_found() -> None:
    decoded = decode_fit(feature_files()["plain"], "fitparse")
    records = decoded.tables["fit_records"]
    decoded.tables["fit_records"] = records.with_columns(
        pl.lit(300.0).alias("heart_rate_bpm"), pl.lit(math.inf).alias("distance_m"))
    found = _out_of_range(decoded)
    assert found[:2] == ["heart rate 300.0..300.0 bpm", "a distance that is not finite"]


def test_fuzzed_feature_files_decode_as_the_reference_or_fail_cleanly() -> None:
    failures = fuzz(feature_files(), SEED)
    assert not failures, _report(failures)


def test_fuzzed_real_files_decode_as_the_reference_or_fail_cleanly() -> None:
    failures = fuzz(_real_files(), SEED + MUTATIONS_PER_GROUP)
    assert not failures, _report(failures)


def test_fuzzed_heads_of_every_larger_real_file_decode_as_the_reference() -> None:
    """Ten mutations of the first 30 KB of each larger fixture (a cut file, so a salvage)."""
    heads = _large_real_heads()
    failures = fuzz(heads, SEED + 2 * MUTATIONS_PER_GROUP, mutations=10 * len(heads))
    assert not failures, _report(failures)


def test_a_message_with_no_field_decodes_as_the_reference() -> None:
    """A mutation found outside the seeds above: two bytes inserted into the first
    definition leave it a file_id with no field (byte 19, its field count, is 0). The
    fitparse path failed to frame that message (a polars ShapeError); both decoders now
    keep its one row and the fault after it, at byte 21."""
    data, what = mutate(feature_files()["plain"], 92002270)
    assert what == "insert b00f at 15, resealed"
    assert check(data) is None
    decoded = decode_fit(data, "fitparse")
    assert decoded.tables["fit_file_id"].height == 1
    assert decoded.partial is not None and decoded.partial.offset == 21
