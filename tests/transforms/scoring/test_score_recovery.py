"""The score with measured recovery (marts.daily_recovery): sleep, resting HR and HRV
replace the hard-day count, and a fat-free-mass fall beyond a home scale's noise is a
reason of its own; every expected value is worked out by hand below."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from schemas.scoring import ScoreConstants
from tests.factories import START, make_facts, on
from transforms.scoring.muscle_balance import score_days
from transforms.scoring.score_recovery import recovery_signals

N = 28
LAST = N - 1


def recovery(**columns: list) -> pl.DataFrame:
    """A daily_recovery frame of athlete `a` over the N days, the given columns set per day
    (a list of N values), the others null."""
    types = {"sleep_h": pl.Float64, "sleep_measured": pl.Boolean,
             "resting_hr_delta_bpm": pl.Float64, "hrv_delta_ms": pl.Float64,
             "hrv_swc_ms": pl.Float64, "fat_free_mass_rate_kg_per_week": pl.Float64,
             "ffm_weigh_ins_28d": pl.Int32, "ffm_span_days_28d": pl.Int32}
    return pl.DataFrame({
        "athlete_id": ["a"] * N,
        "local_date": [START + timedelta(days=i) for i in range(N)],
        **{c: pl.Series(columns.get(c, [None] * N), dtype=t) for c, t in types.items()}})


def test_without_measurements_recovery_counts_hard_days() -> None:
    row = on(score_days(*make_facts(N)), LAST)
    assert row["recovery_basis"] == "hard days"
    assert row["recovery_score"] == 100.0  # no hard day in the good week
    assert row["sleep_h_7d"] is None and row["fat_free_mass_falling"] is None


def test_sleep_resting_hr_and_hrv_replace_the_hard_day_count() -> None:
    # last 7 nights measured: 6.0, 6.5 x 6 -> mean (6 + 39) / 7 = 6.4286 h, sleep part
    # (6.4286 - 6) / (7 - 6) = 42.86; resting HR +4.5 bpm: (7 - 4.5) / (7 - 2) = 50;
    # HRV 2 ms below baseline with SWC 1 ms: -2 SWC, (-2 + 3) / (-1 + 3) = 50.
    # Recovery = (42.86 + 50 + 50) / 3 = 47.62
    sleep = [7.5] * (N - 7) + [6.0] + [6.5] * 6
    facts = make_facts(N)
    frame = recovery(sleep_h=sleep, sleep_measured=[True] * N,
                     resting_hr_delta_bpm=[4.5] * N, hrv_delta_ms=[-2.0] * N,
                     hrv_swc_ms=[1.0] * N)
    row = on(score_days(*facts, recovery=frame), LAST)
    sleep_part = ((6.0 + 6 * 6.5) / 7 - 6.0) / 1.0 * 100
    assert row["sleep_h_7d"] == pytest.approx(6.43, abs=0.005)
    assert row["recovery_basis"] == "sleep, resting HR, HRV"
    assert row["recovery_score"] == pytest.approx((sleep_part + 50 + 50) / 3, abs=0.3)


def test_a_default_window_is_not_measured_sleep() -> None:
    # 3 measured nights in the week are fewer than the 4 needed: no sleep part, so the
    # resting HR alone speaks: +2 bpm or less is full credit
    measured = [True] * (N - 7) + [True, True, True, False, False, False, False]
    frame = recovery(sleep_h=[5.0] * N, sleep_measured=measured, resting_hr_delta_bpm=[1.0] * N)
    row = on(score_days(*make_facts(N), recovery=frame), LAST)
    assert row["sleep_h_7d"] is None
    assert row["recovery_basis"] == "resting HR"
    assert row["recovery_score"] == 100.0


def test_a_fat_free_mass_fall_beyond_the_scale_s_noise_is_a_reason() -> None:
    # -0.5 kg/week x 4 weeks = -2.0 kg, beyond the 1.5 kg band, on 8 readings over 24 days
    frame = recovery(fat_free_mass_rate_kg_per_week=[-0.5] * N, ffm_weigh_ins_28d=[8] * N,
                     ffm_span_days_28d=[24] * N)
    plain = on(score_days(*make_facts(N)), LAST)
    row = on(score_days(*make_facts(N), recovery=frame), LAST)
    assert row["fat_free_mass_change_kg_28d"] == -2.0
    assert row["fat_free_mass_falling"] is True
    assert row["reasons"].startswith(
        "fat-free mass down 2.0 kg in 28 days on 8 scale readings (a home scale varies "
        "+-1.5 kg): muscle may be being lost")
    assert row["energy_score"] == pytest.approx(max(plain["energy_score"] - 20.0, 0.0))


@pytest.mark.parametrize(("rate", "readings", "span", "falling"), [
    (-0.3, 8, 24, False),  # -1.2 kg: within the noise band
    (-0.5, 5, 24, None),   # too few readings: unknown
    (-0.5, 8, 14, None),   # readings over two weeks only: unknown
])
def test_a_fall_within_noise_or_on_too_few_readings_is_not_a_reason(
        rate: float, readings: int, span: int, falling: bool | None) -> None:
    frame = recovery(fat_free_mass_rate_kg_per_week=[rate] * N, ffm_weigh_ins_28d=[readings] * N,
                     ffm_span_days_28d=[span] * N)
    signals = recovery_signals(frame, ScoreConstants())
    assert signals["fat_free_mass_falling"][-1] is falling
    row = on(score_days(*make_facts(N), recovery=frame), LAST)
    assert "fat-free mass" not in row["reasons"]
