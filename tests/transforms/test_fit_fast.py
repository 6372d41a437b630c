"""The fast FIT decoder against fitparse, the reference: identical frames for every real
fixture, for generated files, and for every file cut short or chained.

Identity is checked by `tests/fit_identity.py`: same tables, columns, rows and nulls,
typed values equal to the last bit, `extra_fields` equal as JSON objects without their
null members, the same field list, counts, segments and fault (reason and byte)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from synthetic import one_hour_run
from synthetic.fit_features import FEATURES, feature_files
from synthetic.fit_writer import chain
from tests.fit_identity import differences
from tests.helpers import FIT_FIXTURES, REPO, require_fixtures
from transforms.fit_decode import FitDecodeError, decode_fit, decode_fit_fitparse
from transforms.fit_fast import decode_fit_fast

FIXTURE_FILES = sorted(
    str(p.relative_to(FIT_FIXTURES.parent))
    for p in FIT_FIXTURES.parent.rglob("*") if p.suffix.lower() == ".fit"
) if FIT_FIXTURES.parent.exists() else []


def _outcome(decode, data: bytes):  # noqa: ANN001, ANN202
    try:
        return decode(data)
    except FitDecodeError as exc:
        return exc


def assert_identical(data: bytes, what: str) -> None:
    """The fast decoder gives what fitparse gives: the same frames, or the same refusal."""
    fast = _outcome(decode_fit_fast, data)
    reference = _outcome(decode_fit_fitparse, data)
    if isinstance(reference, FitDecodeError) or isinstance(fast, FitDecodeError):
        assert str(fast) == str(reference), what
        return
    assert fast.decoded_by == "fast"
    found = differences(fast, reference)
    assert not found, f"{what}: " + "; ".join(found)


@pytest.mark.parametrize("path", FIXTURE_FILES or ["(no fixtures)"])
def test_every_real_fixture_decodes_as_fitparse_decodes_it(path: str) -> None:
    require_fixtures()
    assert_identical((FIT_FIXTURES.parent / path).read_bytes(), path)


@pytest.mark.parametrize("path", FIXTURE_FILES or ["(no fixtures)"])
def test_every_real_fixture_is_read_by_the_fast_decoder_itself(path: str) -> None:
    """No fixture falls back to fitparse: `decode_fit` reads each with the fast decoder."""
    require_fixtures()
    data = (FIT_FIXTURES.parent / path).read_bytes()
    decoded = _outcome(decode_fit, data)
    if not isinstance(decoded, FitDecodeError):
        assert (decoded.decoded_by, decoded.fallback) == ("fast", None)


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_every_feature_file_decodes_as_fitparse_decodes_it(feature: str) -> None:
    """Compressed timestamps, developer fields, big-endian definitions, redefinitions,
    chained files, misaligned fields, invalid values, components, strings, arrays, device
    times, enums and subfields, unknown messages and fields, both header sizes."""
    assert_identical(feature_files()[feature], feature)
    decoded = decode_fit(feature_files()[feature])
    assert (decoded.decoded_by, decoded.fallback) == ("fast", None), feature


def _run(seed: int, minutes: int = 20) -> bytes:
    start = datetime(2026, 3, 1 + seed, 6, 30, tzinfo=UTC)
    return one_hour_run(start, seed=seed, duration_s=minutes * 60).data


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_runs_decode_as_fitparse_decodes_them(seed: int) -> None:
    assert_identical(_run(seed), f"one_hour_run seed {seed}")


def test_chained_files_decode_as_fitparse_decodes_them() -> None:
    assert_identical(chain(_run(0, 5), _run(1, 5), _run(2, 5)), "three chained runs")


def _cuts(data: bytes, count: int) -> list[int]:
    step = max(1, len(data) // count)
    return sorted({*range(13, len(data), step), len(data) - 1, len(data) - 2, 14, 20})


def test_a_generated_run_cut_anywhere_decodes_as_fitparse_decodes_it() -> None:
    """Cut at 60 places (header, definitions, inside records, the CRC): the same messages
    before the fault, the same reason, the same byte."""
    data = _run(3, 10)
    for cut in _cuts(data, 60):
        assert_identical(data[:cut], f"cut at {cut} of {len(data)}")


@pytest.mark.parametrize("path", ["fitdecode/activity-small-fenix2-run.fit",
                                  "fitdecode/developer-types-sample.fit",
                                  "fitdecode/compressed-speed-distance.fit",
                                  "python-fitparse/coros-pace-2-cycling-misaligned-fields.fit"])
def test_real_files_cut_anywhere_decode_as_fitparse_decodes_them(path: str) -> None:
    data = (require_fixtures() / path).read_bytes()
    for cut in _cuts(data, 25):
        assert_identical(data[:cut], f"{path} cut at {cut}")


def test_a_wrong_byte_in_a_chained_file_decodes_as_fitparse_decodes_it() -> None:
    """A damaged second header, a damaged CRC and a flipped data byte."""
    first, second = _run(0, 3), _run(1, 3)
    data = bytearray(chain(first, second))
    damaged_header = bytes(data[:len(first) + 8]) + b"XFIT" + bytes(data[len(first) + 12:])
    assert_identical(damaged_header, "second header without .FIT")
    wrong_crc = bytes(data[:-1]) + bytes([data[-1] ^ 0xFF])
    assert_identical(wrong_crc, "wrong CRC at the end")
    flipped = bytearray(data)
    flipped[len(first) // 2] ^= 0x10
    assert_identical(bytes(flipped), "a flipped byte in the first file")


def test_fixture_list_is_not_empty_where_the_fixtures_are() -> None:
    if not Path(FIT_FIXTURES).exists():
        pytest.skip(f"real FIT fixtures not found at {FIT_FIXTURES}")
    assert len(FIXTURE_FILES) >= 30


def test_the_crc_equals_fitparses_crc() -> None:
    """fastcrc's CRC-16/ARC is the FIT CRC: the same value as fitparse's byte-by-byte one,
    on random bytes and on a whole generated file (whose last two bytes are its CRC)."""
    import random

    from fastcrc import crc16
    from fitparse.records import Crc

    rng = random.Random(7)
    for size in (0, 1, 2, 13, 1000):
        data = bytes(rng.randrange(256) for _ in range(size))
        assert crc16.arc(data) == Crc.calculate(data)
    run = _run(0, 2)
    assert crc16.arc(run[:-2]) == int.from_bytes(run[-2:], "little")


#: Decodes every fixture with the fast decoder and pickles each frame as a decoding worker
#: sends it to the main process, with one polars thread as in the worker.
_PICKLE_EVERY_FRAME = """
import pathlib, pickle, sys
from transforms.fit_decode import FitDecodeError
from transforms.fit_fast import decode_fit_fast
for name in sys.argv[1:]:
    try:
        decoded = decode_fit_fast(pathlib.Path(name).read_bytes())
    except FitDecodeError:
        continue
    for table, frame in decoded.tables.items():
        back = pickle.loads(pickle.dumps(frame))
        assert back.equals(frame, null_equal=True), (name, table)
print("pickled", len(sys.argv) - 1)
"""


def test_decoded_frames_pickle_in_a_one_thread_worker_without_hanging() -> None:
    """A decoding worker pickles its frames for the main process; polars rechunks them on
    its thread pool. A frame holding a buffer that needs the GIL to be freed (a pyarrow
    array over numpy memory) hung the worker for good there (the HRV table of
    synthetic_activity_with_hrv.fit did), so every fixture goes through it, in a process of
    its own with the worker's one polars thread and a time limit."""
    require_fixtures()
    files = [str(FIT_FIXTURES.parent / p) for p in FIXTURE_FILES]
    env = {**os.environ, "POLARS_MAX_THREADS": "1", "PYTHONPATH": str(REPO)}
    try:
        done = subprocess.run([sys.executable, "-c", _PICKLE_EVERY_FRAME, *files],
                              capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail("pickling the decoded frames hung (over 120 s)")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["pickled", str(len(files))]
