"""rMSSD of an activity's first minutes from its hrv RR intervals: values computed by hand
(sqrt of the mean squared successive difference, in ms), artefacts removed by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import polars as pl
from garmin_fit_sdk import Decoder, Stream

from schemas.plausibility import RMSSD_SKIP_S, RMSSD_WINDOW_S, RR_INVALID_S
from schemas.wellness import HRV_MEASUREMENTS
from tests.helpers import require_wellness_fixtures
from transforms.fit_decode import decode_fit
from transforms.wellness.activity_hrv import activity_hrv_measurements, activity_rmssd

START = datetime(2024, 3, 4, 15, 30, tzinfo=UTC)


def _hrv(activities: dict[str, list[float]], per_message: int = 5) -> pl.DataFrame:
    """raw.fit_hrv rows: each activity's intervals in messages of `per_message` values,
    every other data message an hrv one (records between), listed last message first."""
    rows = []
    for sha, rr in activities.items():
        for n, at in enumerate(range(0, len(rr), per_message)):
            rows.append({"athlete_id": "a", "source_sha256": sha, "segment": 0,
                         "message_seq": 3 + 2 * n, "rr_s": rr[at:at + per_message]})
    return pl.DataFrame(rows[::-1], schema={
        "athlete_id": pl.String, "source_sha256": pl.String, "segment": pl.Int32,
        "message_seq": pl.Int32, "rr_s": pl.List(pl.Float64)})


def _sessions(starts: dict[str, list[datetime]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"athlete_id": "a", "source_sha256": sha, "start_time_utc": t}
         for sha, times in starts.items() for t in times],
        schema={"athlete_id": pl.String, "source_sha256": pl.String,
                "start_time_utc": pl.Datetime("us", "UTC")})


def _by_sha(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["source_sha256"]: r for r in frame.rows(named=True)}


def test_rmssd_by_hand_with_invalid_ectopic_and_out_of_range_beats_removed() -> None:
    rr = [0.80, 0.82, 0.80, RR_INVALID_S, 0.81, 0.50, 0.80, 0.78, 0.82, 2.5]
    # clean beats, by hand: 0.82 (2.5 % from 0.80), 0.80 (2.4 %), 0.78 (2.5 %), 0.82 (5.1 %);
    # not: the first (nothing before it), the undetected beat, 0.81 (after it), 0.50 (-38 %),
    # 0.80 (+60 % from 0.50), 2.5 (beyond 2.0 s). Adjacent clean pairs: 0.82->0.80 and
    # 0.78->0.82: differences -0.02 and +0.04 s.
    expected_ms = math.sqrt((0.02**2 + 0.04**2) / 2) * 1000
    other = [0.60, 0.61, 0.60, 0.61]  # differences +0.01, -0.01 after the unchecked first
    rmssd = activity_rmssd(
        _hrv({"x": rr, "y": other}),
        _sessions({"x": [START.replace(hour=16), START], "y": [START]}),
        skip_s=0, window_s=3600, min_differences=1)
    got = _by_sha(rmssd)
    assert math.isclose(got["x"]["hrv_ms"], expected_ms, rel_tol=1e-12)
    assert math.isclose(expected_ms, 31.6227766, rel_tol=1e-8)
    assert (got["x"]["beats_in_window"], got["x"]["beats_used"],
            got["x"]["differences_used"]) == (9, 4, 2)
    assert math.isclose(got["y"]["hrv_ms"], 10.0, rel_tol=1e-9)
    assert got["x"]["timestamp_utc"] == START  # the earliest session's start
    assert got["x"]["source_index"] == 3  # the first hrv message


def _alternating(seconds: float) -> list[float]:
    """RR 0.50, 0.52, 0.50, ... for `seconds`: every successive difference is 0.02 s, so the
    rMSSD of any stretch of it is 20 ms."""
    rr, t = [], 0.0
    while t < seconds:
        rr.append(0.50 if len(rr) % 2 == 0 else 0.52)
        t += rr[-1]
    return rr


def _in_window(rr: list[float]) -> int:
    """Detected beats ending within minutes 1-6 after the first beat."""
    ends, t = [], 0.0
    for x in rr:
        if x < RR_INVALID_S:
            t += x
            ends.append(t)
    return sum(RMSSD_SKIP_S < e <= RMSSD_SKIP_S + RMSSD_WINDOW_S for e in ends)


def test_the_default_window_is_minutes_one_to_six_with_artefacts_left_out() -> None:
    clean = _alternating(8 * 60)
    n = _in_window(clean)
    # about 300 s / 0.51 s per beat in the window
    assert abs(n - RMSSD_WINDOW_S / 0.51) <= 1
    faulty = list(clean)
    at = 360  # about minute 3: a 0.50-0.52 pair becomes an ectopic beat and its pause
    assert (faulty[at], faulty[at + 1]) == (0.50, 0.52)
    faulty[at], faulty[at + 1] = 0.30, 0.72  # same sum: later beats end as before
    assert (faulty[at + 9], faulty[at + 10]) == (0.52, 0.50)
    faulty.insert(at + 10, RR_INVALID_S)  # an undetected beat between a 0.52 and a 0.50
    assert _in_window(faulty) == n
    got = _by_sha(activity_rmssd(_hrv({"clean": clean, "faulty": faulty}),
                                 _sessions({"clean": [START], "faulty": [START]})))
    # clean: every beat of the window but the first has its predecessor in the window
    assert (got["clean"]["beats_used"], got["clean"]["differences_used"]) == (n, n - 1)
    assert math.isclose(got["clean"]["hrv_ms"], 20.0, rel_tol=1e-9)
    # faulty: 0.30 (-42 %), 0.72 (+140 %), the 0.50 after (-31 %) are not clean, and the
    # 0.50 after the undetected beat has no checked predecessor: 4 beats fewer; the pairs
    # 0.52->0.30->0.72->0.50->0.52 (4) and 0.52->[x]->0.50->0.52 (2) are lost
    assert got["faulty"]["beats_in_window"] == n
    assert (got["faulty"]["beats_used"], got["faulty"]["differences_used"]) == (n - 4, n - 7)
    assert math.isclose(got["faulty"]["hrv_ms"], 20.0, rel_tol=1e-9)


def test_too_few_clean_differences_give_no_value_not_zero() -> None:
    short = _alternating(2 * 60)  # minute 1-2 only: about 118 differences, fewer than 150
    got = _by_sha(activity_rmssd(_hrv({"s": short}), _sessions({"s": [START]})))
    assert got["s"]["differences_used"] == _in_window(short) - 1 < 150
    assert got["s"]["hrv_ms"] is None
    assert activity_hrv_measurements(activity_rmssd(
        _hrv({"s": short}), _sessions({"s": [START]}))).height == 0


def test_the_fixture_activity_through_decoding() -> None:
    data = (require_wellness_fixtures() / "fit" / "synthetic_activity_with_hrv.fit").read_bytes()
    generated = [[0.512, 0.508, 0.505], [0.497, 0.501], [0.489, 0.492, 0.486, 0.490]]
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == [] and [m["time"] for m in messages["hrv_mesgs"]] == generated
    decoded = decode_fit(data)

    def keyed(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.lit("a").alias("athlete_id"),
                                  pl.lit("f").alias("source_sha256"))

    hrv, sessions = keyed(decoded.tables["fit_hrv"]), keyed(decoded.tables["fit_sessions"])
    assert hrv["rr_s"].to_list() == generated  # fitparse reads the same intervals
    # 3 s of beats: nothing in minutes 1-6
    [row] = activity_rmssd(hrv, sessions).rows(named=True)
    assert (row["beats_in_window"], row["hrv_ms"]) == (0, None)
    # over every beat: the first is unchecked, the other 8 clean (all within 3 %), 7 pairs
    flat = [x for m in generated for x in m]
    diffs = [b - a for a, b in zip(flat[1:], flat[2:], strict=False)]
    expected_ms = math.sqrt(sum(d * d for d in diffs) / len(diffs)) * 1000
    [row] = activity_rmssd(hrv, sessions, skip_s=0, min_differences=1).rows(named=True)
    assert (row["beats_used"], row["differences_used"]) == (8, 7)
    assert math.isclose(row["hrv_ms"], expected_ms, rel_tol=1e-9)
    assert row["timestamp_utc"] == START
    [measurement] = activity_hrv_measurements(
        activity_rmssd(hrv, sessions, skip_s=0, min_differences=1)).rows(named=True)
    assert list(measurement) == [name for name, _, _ in HRV_MEASUREMENTS]
    assert (measurement["measure"], measurement["source_kind"]) == ("rmssd", "activity_fit")
    assert measurement["hrv_ms"] == row["hrv_ms"] and measurement["local_date"] is None
    assert (measurement["athlete_id"], measurement["source_sha256"]) == ("a", "f")
