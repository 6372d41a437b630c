"""marts.daily_recovery from small raw frames: one value per athlete, day and measure, by
precedence; 7-day means, baselines and trends computed by hand (statistics module)."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.expectations import RANGES, RECOVERY_TOGETHER, SETS
from schemas.marts import DAILY_RECOVERY
from tests.factories import START, make_facts, on, recovery, weigh_ins, window_frame

D0 = date(2024, 3, 1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def row(frame: pl.DataFrame, day: date, athlete: str = "a") -> dict:
    rows = frame.filter((pl.col("athlete_id") == athlete) & (pl.col("local_date") == day))
    assert rows.height == 1, f"{athlete} {day}: {rows.height} rows"
    return rows.row(0, named=True)


def night(end: datetime, hours: float, **kw: object) -> dict:
    return {"start_utc": end - timedelta(hours=hours + 0.5), "end_utc": end,
            "asleep_s": hours * 3600, **kw}


def test_columns_are_the_contracts_in_order() -> None:
    out = recovery(sleep=[night(utc(2024, 3, 2, 5, 19), 7)])
    assert out.columns == [c for c, _ in DAILY_RECOVERY]


def test_a_night_across_midnight_belongs_to_the_wake_up_day_in_the_athletes_zone() -> None:
    # Helsinki is UTC+2 in March 2024 (EET; summer time from 31 March)
    zones = {"a": "Europe/Helsinki"}
    # 21:41Z -> 05:19Z: wakes at 07:19 local on 2 March
    out = recovery(sleep=[night(utc(2024, 3, 2, 5, 19), 7.0)], zones=zones)
    assert out["local_date"].to_list() == [date(2024, 3, 2)]
    # ends 23:30Z on 2 March = 01:30 local on 3 March: the UTC date would be the 2nd
    out = recovery(sleep=[night(utc(2024, 3, 2, 23, 30), 6.0)], zones=zones)
    assert out["local_date"].to_list() == [date(2024, 3, 3)]
    # a stated wake_date wins over the instant
    out = recovery(sleep=[night(utc(2024, 3, 2, 23, 30), 6.0, wake_date=date(2024, 3, 2))],
                   zones=zones)
    assert out["local_date"].to_list() == [date(2024, 3, 2)]
    assert row(out, date(2024, 3, 2))["sleep_h"] == pytest.approx(6.0)


def test_the_same_night_from_garmin_and_apple_counts_once_with_garmins_hours() -> None:
    end = utc(2024, 3, 2, 5, 19)
    out = recovery(sleep=[
        night(end, 25_200 / 3600, source_kind="apple_health", source_name="Connect",
              source_sha256="apple", source_index=9),
        {**night(end, 0), "asleep_s": 25_200.0},  # garmin_json: 7 h
        {**night(end, 0), "asleep_s": 26_100.0, "source_kind": "apple_health",
         "source_sha256": "apple", "source_index": 10},
    ])
    assert out.height == 1
    got = row(out, date(2024, 3, 2))
    assert (got["sleep_h"], got["sleep_source"], got["sleep_measured"]) == (7.0, "garmin_json",
                                                                           True)


def test_two_garmin_chunks_give_the_day_once_the_latest_record_winning() -> None:
    end = utc(2024, 3, 2, 5, 19)
    chunks = [{**night(end, 7.0), "source_sha256": "chunk1", "source_index": 3},
              {**night(end, 7.0), "source_sha256": "chunk2", "source_index": 0}]
    out = recovery(sleep=chunks)
    assert out.height == 1 and row(out, date(2024, 3, 2))["sleep_h"] == pytest.approx(7.0)
    # resting HR of one day in two chunks: the later timestamp wins, counted once
    rhr = [{"local_date": D0, "timestamp_utc": utc(2024, 3, 1, 0), "resting_hr_bpm": 50.0,
            "source_sha256": "chunk1"},
           {"local_date": D0, "timestamp_utc": utc(2024, 3, 1, 22), "resting_hr_bpm": 48.0,
            "source_sha256": "chunk2"}]
    out = recovery(resting_hr=rhr)
    assert out.height == 1 and row(out, D0)["resting_hr_bpm"] == 48.0


def test_a_default_window_alone_is_not_measured_and_counts_its_length() -> None:
    out = recovery(sleep=[{"start_utc": utc(2024, 3, 1, 22), "end_utc": utc(2024, 3, 2, 6),
                           "measured": False, "window_type": "UNCONFIRMED"}])
    got = row(out, date(2024, 3, 2))
    assert (got["sleep_h"], got["sleep_measured"]) == (8.0, False)
    # a measured night of the same source beats the default window
    out = recovery(sleep=[{"start_utc": utc(2024, 3, 1, 22), "end_utc": utc(2024, 3, 2, 6),
                           "measured": False, "source_index": 1},
                          night(utc(2024, 3, 2, 6), 6.5)])
    got = row(out, date(2024, 3, 2))
    assert (got["sleep_h"], got["sleep_measured"]) == (6.5, True)


def test_a_nap_is_not_added_to_the_night() -> None:
    out = recovery(sleep=[night(utc(2024, 3, 2, 5), 7.0),
                          night(utc(2024, 3, 2, 14), 0.5, source_index=1)])
    assert row(out, date(2024, 3, 2))["sleep_h"] == pytest.approx(7.0)


def test_missing_data_is_null_never_zero() -> None:
    out = recovery(sleep=[night(utc(2024, 3, 2, 5), 7.0), night(utc(2024, 3, 5, 5), 8.0)],
                   resting_hr=[{"local_date": date(2024, 3, 3), "resting_hr_bpm": 0.0}])
    # four calendar days; 3 and 4 March have no sleep; a resting HR of 0 is no measurement
    assert out["local_date"].to_list() == [date(2024, 3, d) for d in (2, 3, 4, 5)]
    assert out["sleep_h"].to_list() == [7.0, None, None, 8.0]
    assert out["sleep_source"].to_list() == ["garmin_json", None, None, "garmin_json"]
    for column in ("resting_hr_bpm", "hrv_ms", "hrv_measure", "weight_trend_kg",
                   "fat_free_mass_trend_kg", "muscle_mass_trend_kg", "hrv_below_swc"):
        assert out[column].null_count() == out.height, column
    assert out["weigh_ins_28d"].to_list() == [0, 0, 0, 0]


def hrv_day(day: date, ms: float, measure: str, **kw: object) -> dict:
    return {"local_date": day, "hrv_ms": ms, "measure": measure, **kw}


def test_sdnn_and_garmin_overnight_are_never_mixed() -> None:
    days = [D0 + timedelta(days=i) for i in range(5)]
    rows = [hrv_day(d, 50.0 + i, "garmin_overnight") for i, d in enumerate(days[:3])]
    rows += [hrv_day(d, 30.0, "sdnn", source_kind="apple_health") for d in days[2:4]]
    out = recovery(hrv=rows)
    assert set(out["hrv_measure"]) == {"garmin_overnight"}
    # 3 March has both: Garmin's; 4 March has only SDNN: null
    assert out["hrv_ms"].to_list()[:4] == [50.0, 51.0, 52.0, None]
    # SDNN on more days: the athlete's measure is SDNN, the Garmin days are null
    rows = [hrv_day(days[0], 60.0, "garmin_overnight")]
    rows += [hrv_day(d, 30.0 + i, "sdnn", source_kind="apple_health")
             for i, d in enumerate(days[1:3])]
    out = recovery(hrv=rows)
    assert set(out["hrv_measure"]) == {"sdnn"}
    assert out["hrv_ms"].to_list() == [None, 30.0, 31.0]
    # as many days each: garmin_overnight first
    out = recovery(hrv=[hrv_day(days[0], 60.0, "garmin_overnight"),
                        hrv_day(days[1], 30.0, "sdnn", source_kind="apple_health")])
    assert out["hrv_ms"].to_list() == [60.0, None]


def test_activity_rmssd_is_a_series_of_its_own() -> None:
    activity = pl.DataFrame({"athlete_id": ["a", "a"], "local_date": [D0, D0 + timedelta(1)],
                             "hrv_ms": [20.0, 21.0], "measure": ["rmssd", "rmssd"],
                             "source_kind": ["activity_fit", "activity_fit"]})
    out = recovery(hrv=[hrv_day(D0, 55.0, "rmssd", source_kind="garmin_fit")],
                   activity_hrv=activity)
    # activity rMSSD on 2 days beats rest rMSSD on 1: its days only, never the rest value
    assert out["hrv_measure"].to_list() == ["activity_rmssd"] * 2
    assert out["hrv_ms"].to_list() == [20.0, 21.0]
    assert out["hrv_source"].to_list() == ["activity_fit"] * 2


def _series(n: int) -> list[float]:
    return [52.0 + ((i * 7) % 11) - 0.3 * (i % 4) for i in range(n)]


def test_seven_day_mean_baseline_sd_swc_and_deltas_by_hand() -> None:
    n = 36
    values = _series(n)
    missing = {3, 10, 30}  # days without a reading
    rows = [hrv_day(D0 + timedelta(days=i), v, "garmin_overnight")
            for i, v in enumerate(values) if i not in missing]
    rhr = [{"local_date": D0 + timedelta(days=i), "resting_hr_bpm": v - 5}
           for i, v in enumerate(values) if i not in missing]
    out = recovery(hrv=rows, resting_hr=rhr)
    for i in (34, 35):
        week = [values[j] for j in range(i - 6, i + 1) if j not in missing]
        base = [values[j] for j in range(i - 34, i - 6) if j not in missing]
        got = row(out, D0 + timedelta(days=i))
        mean7, mean28, sd = statistics.mean(week), statistics.mean(base), statistics.stdev(base)
        assert got["hrv_7d_mean_ms"] == pytest.approx(mean7, abs=1e-4)
        assert got["hrv_baseline_ms"] == pytest.approx(mean28, abs=1e-4)
        assert got["hrv_baseline_sd_ms"] == pytest.approx(sd, abs=1e-4)
        assert got["hrv_swc_ms"] == pytest.approx(0.5 * sd, abs=1e-4)
        assert got["hrv_delta_ms"] == pytest.approx(mean7 - mean28, abs=2e-4)
        assert got["hrv_below_swc"] is (mean7 < mean28 - 0.5 * sd)
        assert got["resting_hr_7d_mean_bpm"] == pytest.approx(mean7 - 5, abs=1e-4)
        assert got["resting_hr_baseline_bpm"] == pytest.approx(mean28 - 5, abs=1e-4)
        assert got["resting_hr_delta_bpm"] == pytest.approx(mean7 - mean28, abs=2e-4)
    # day 20: a baseline of days -14..-7 = 0..13 less day 3 and 10 -> 12 days < 14: null
    early = row(out, D0 + timedelta(days=20))
    assert early["hrv_baseline_ms"] is None and early["hrv_delta_ms"] is None
    assert early["hrv_below_swc"] is None and early["hrv_swc_ms"] is None
    assert early["hrv_7d_mean_ms"] == pytest.approx(statistics.mean(values[14:21]), abs=1e-4)
    # day 1: 2 readings in the week, under 3: no 7-day mean
    assert row(out, D0 + timedelta(days=1))["hrv_7d_mean_ms"] is None


def test_a_drop_below_the_smallest_worthwhile_change_is_flagged() -> None:
    values = [60.0 + (i % 3) for i in range(28)] + [50.0] * 7  # baseline mean 61, SD ~0.83
    out = recovery(hrv=[hrv_day(D0 + timedelta(days=i), v, "garmin_overnight")
                        for i, v in enumerate(values)])
    last = row(out, D0 + timedelta(days=34))
    sd = statistics.stdev(values[:28])
    assert last["hrv_baseline_ms"] == pytest.approx(statistics.mean(values[:28]), abs=1e-4)
    assert last["hrv_swc_ms"] == pytest.approx(sd / 2, abs=1e-4)
    assert last["hrv_delta_ms"] == pytest.approx(50.0 - statistics.mean(values[:28]), abs=2e-4)
    assert last["hrv_below_swc"] is True


def test_weight_trend_and_rate_by_hand_with_each_weigh_in_counted_once() -> None:
    # every other day for 28 days, a line 70 kg - 0.05 kg/day: from FIT, with Garmin JSON
    # and Apple copies 1 kg heavier the same day (FIT first for body: they never count)
    fit, copies = [], []
    for i in range(0, 28, 2):
        when = utc(2024, 3, 1, 6) + timedelta(days=i)
        kg = 70.0 - 0.05 * i
        fit.append({"timestamp_utc": when, "weight_kg": kg, "message_seq": 0,
                    "source_sha256": f"fit{i}", "body_fat_pct": 20.0, "muscle_mass_kg": 30.0})
        copies += [{"timestamp_utc": when, "weight_kg": kg + 1, "source_kind": kind,
                    "source_sha256": kind} for kind in ("garmin_json", "apple_health")]
    # a night on day 27 extends the calendar a day past the last weigh-in
    out = recovery(scale=fit, body=copies,
                   sleep=[night(utc(2024, 3, 28, 5), 7.0, wake_date=D0 + timedelta(days=27))])
    last = row(out, D0 + timedelta(days=27))
    weighed = [70.0 - 0.05 * i for i in range(0, 28, 2)]  # 14 weigh-ins, days 0..26
    assert (last["weigh_ins_28d"], last["weigh_in_span_days_28d"]) == (14, 26)
    # an exact line: the fitted value on day 27 is the line's, the slope -0.35 kg/week
    assert last["weight_trend_kg"] == pytest.approx(70.0 - 0.05 * 27, abs=1e-4)
    assert last["weight_rate_pct_per_week"] == pytest.approx(
        -0.35 / statistics.mean(weighed) * 100, abs=1e-4)
    # fat-free mass = weight x 0.8 on every weigh-in: slope -0.04 kg/day
    assert last["fat_free_mass_trend_kg"] == pytest.approx((70.0 - 0.05 * 27) * 0.8, abs=1e-4)
    assert last["fat_free_mass_rate_kg_per_week"] == pytest.approx(-0.28, abs=1e-4)
    assert last["muscle_mass_trend_kg"] == pytest.approx(30.0, abs=1e-4)
    assert last["muscle_mass_rate_kg_per_week"] == pytest.approx(0.0, abs=1e-4)
    # day 12: 7 weigh-ins over days 0..12, a span under 14 days: no trend yet
    early = row(out, D0 + timedelta(days=12))
    assert (early["weigh_ins_28d"], early["weigh_in_span_days_28d"]) == (7, 12)
    assert early["weight_trend_kg"] is None and early["weight_rate_pct_per_week"] is None


@pytest.mark.parametrize("pct_per_week", [-1.0, 0.4])
def test_the_weight_rate_is_the_scores_weight_trend_on_the_same_weigh_ins(
        pct_per_week: float) -> None:
    days = weigh_ins(pct_per_week)  # every other day, 60 kg on the last of 28
    score = on(window_frame(make_facts(28, days=days)), 27)["weight_trend_pct_per_week"]
    scale = [{"timestamp_utc": datetime.combine(START + timedelta(days=i), datetime.min.time(),
                                                UTC) + timedelta(hours=6),
              "weight_kg": d["weight_kg"]} for i, d in days.items()]
    mine = row(recovery(scale=scale), START + timedelta(days=27))
    assert mine["weight_rate_pct_per_week"] == pytest.approx(score, abs=1e-4)
    # a straight line: its rate is the line's slope over the window's mean weigh-in
    weights = [d["weight_kg"] for d in days.values()]
    slope_kg_per_week = 60.0 * pct_per_week / 100
    assert mine["weight_rate_pct_per_week"] == pytest.approx(
        slope_kg_per_week / statistics.mean(weights) * 100, abs=1e-4)
    assert mine["weight_trend_kg"] == pytest.approx(60.0, abs=1e-4)


def test_weigh_ins_that_disagree_beyond_5_pct_a_week_give_no_trend() -> None:
    days = range(0, 28, 4)  # days 0..24
    scale = [{"timestamp_utc": utc(2024, 3, 1, 6) + timedelta(days=i),
              "weight_kg": 80.0 if i < 14 else 60.0} for i in days]
    last = row(recovery(scale=scale), D0 + timedelta(days=24))
    assert last["weigh_ins_28d"] == 7 and last["weight_trend_kg"] is None


def test_measured_lean_mass_and_export_weigh_ins() -> None:
    # Apple's measured lean body mass is the fat-free mass; an export weigh-in comes last
    body = [{"local_date": D0, "weight_kg": 71.0, "fat_free_mass_kg": 58.0,
             "source_kind": "apple_health"}]
    exports = [{"athlete_id": "a", "local_date": D0, "weight_kg": 75.0, "source": "cronometer",
                "source_sha256": "x"},
               {"athlete_id": "a", "local_date": D0 + timedelta(1), "weight_kg": 70.0,
                "source": "cronometer", "source_sha256": "x"},
               {"athlete_id": "a", "local_date": D0 + timedelta(1), "weight_kg": 99.0,
                "source": "fit", "source_sha256": "x"}]  # the view's FIT rows: not read
    out = recovery(body=body, exports=exports)
    assert out["weigh_ins_28d"].to_list() == [1, 2]
    assert out["ffm_weigh_ins_28d"].to_list() == [1, 1]


# --- properties ------------------------------------------------------------------------
KINDS = st.sampled_from(["garmin_json", "garmin_fit", "apple_health"])
DAY = st.integers(0, 40).map(lambda i: D0 + timedelta(days=i))
ATHLETE = st.sampled_from(["a", "b"])
MAYBE = st.none() | st.floats(-50, 400, allow_nan=False)


@st.composite
def raw_rows(draw):
    sleep = []
    for _ in range(draw(st.integers(0, 6))):
        end = utc(2024, 3, 1) + timedelta(minutes=draw(st.integers(0, 40 * 24 * 60)))
        sleep.append({
            "athlete_id": draw(ATHLETE), "source_kind": draw(KINDS),
            "source_index": draw(st.integers(0, 3)), "source_sha256": draw(st.sampled_from("xy")),
            "wake_date": draw(st.none() | DAY), "end_utc": end,
            "start_utc": end - timedelta(seconds=draw(st.integers(0, 20 * 3600))),
            "asleep_s": draw(st.none() | st.floats(-100, 80_000, allow_nan=False)),
            "measured": draw(st.booleans())})
    rhr = [{"athlete_id": draw(ATHLETE), "source_kind": draw(KINDS),
            "local_date": draw(st.none() | DAY),
            "timestamp_utc": draw(st.none() | st.just(utc(2024, 3, 9, 23, 30))),
            "resting_hr_bpm": draw(MAYBE)} for _ in range(draw(st.integers(0, 25)))]
    hrv = [{"athlete_id": draw(ATHLETE), "source_kind": draw(KINDS), "local_date": draw(DAY),
            "hrv_ms": draw(MAYBE), "measure": draw(st.sampled_from(["garmin_overnight", "rmssd",
                                                                   "sdnn"]))}
           for _ in range(draw(st.integers(0, 40)))]
    scale = [{"athlete_id": draw(ATHLETE),
              "timestamp_utc": utc(2024, 3, 1, 6) + timedelta(days=draw(st.integers(0, 40))),
              "weight_kg": draw(st.none() | st.floats(20, 320, allow_nan=False)),
              "body_fat_pct": draw(st.none() | st.floats(0, 80, allow_nan=False)),
              "muscle_mass_kg": draw(st.none() | st.floats(0, 200, allow_nan=False))}
             for _ in range(draw(st.integers(0, 30)))]
    return sleep, rhr, hrv, scale


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_rows())
def test_random_raw_rows_give_one_row_per_day_within_every_expectation(rows) -> None:
    sleep, rhr, hrv, scale = rows
    out = recovery(sleep=sleep, resting_hr=rhr, hrv=hrv, scale=scale,
                   zones={"a": "Europe/Helsinki", "b": "America/Los_Angeles"})
    assert out.select("athlete_id", "local_date").is_unique().all()
    spans = out.group_by("athlete_id").agg(pl.len(), (pl.col("local_date").max()
                                                      - pl.col("local_date").min()).dt.total_days())
    assert all(n == days + 1 for _, n, days in spans.iter_rows())
    for column, low, high in RANGES["daily_recovery"]:
        values = out[column].drop_nulls()
        assert values.is_empty() or (values.min() >= low and values.max() <= high), column
    for column, allowed in SETS["daily_recovery"]:
        assert set(out[column].drop_nulls()) <= set(allowed), column
    for column, source in RECOVERY_TOGETHER:
        assert (out[column].is_null() == out[source].is_null()).all(), column
    assert out.filter(pl.col("hrv_ms").is_not_null())["hrv_measure"].null_count() == 0
    assert out.group_by("athlete_id").agg(pl.col("hrv_measure").n_unique())[
        "hrv_measure"].max() in (None, 1)
