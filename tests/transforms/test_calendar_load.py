"""The calendar and the load lines over known sequences."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.calendar import calendar
from transforms.load import training_load


def test_calendar_spans_each_athletes_first_to_last_day_across_sources() -> None:
    runs = pl.DataFrame({"athlete_id": ["a", "a", "b"],
                         "local_date": [date(2026, 5, 3), date(2026, 5, 6), date(2026, 5, 1)]})
    food = pl.DataFrame({"athlete_id": ["a", "b"], "local_date": [date(2026, 5, 1), None]},
                        schema_overrides={"local_date": pl.Date})
    days = calendar(runs, food)
    assert days.filter(pl.col("athlete_id") == "a")["local_date"].to_list() == [
        date(2026, 5, d) for d in range(1, 7)]
    assert days.filter(pl.col("athlete_id") == "b")["local_date"].to_list() == [date(2026, 5, 1)]
    assert calendar().height == 0


def test_load_lines_follow_the_recursion_by_hand() -> None:
    trimp = [100.0, None, 50.0, 0.0, 80.0]
    days = pl.DataFrame({"athlete_id": ["a"] * 5,
                         "local_date": [date(2026, 5, d) for d in range(1, 6)], "trimp": trimp})
    out = training_load(days)
    loads = [0.0 if t is None else t for t in trimp]

    def ewma(alpha: float) -> list[float]:
        values, level = [], None
        for x in loads:
            level = x if level is None else alpha * x + (1 - alpha) * level
            values.append(level)
        return values

    assert out["acute_load"].to_list() == pytest.approx(ewma(2 / 8))
    assert out["chronic_load"].to_list() == pytest.approx(ewma(2 / 29))
    assert out["fitness_load"].to_list() == pytest.approx(ewma(1 / 42))
    # five days of watch data: the 28-day chronic window is not full, so no ratio yet
    assert out["acute_chronic_ratio"].to_list() == [None] * 5
    assert out["trimp"].to_list()[1] is None  # the day's TRIMP stays unknown


def test_load_lines_start_on_the_first_day_of_watch_data() -> None:
    # two food-log days before the first watch file (TRIMP unknown), then 60, a day
    # without heart rate (0 load), 90; EWMA seeded with the first watch day's load
    trimp = [None, None, 60.0, None, 90.0]
    days = pl.DataFrame({"athlete_id": ["a"] * 5,
                         "local_date": [date(2026, 5, d) for d in range(1, 6)], "trimp": trimp},
                        schema_overrides={"trimp": pl.Float64})
    out = training_load(days)
    acute = [60.0, 0.75 * 60.0, 0.25 * 90.0 + 0.75 * 0.75 * 60.0]  # λ = 2/8: 60, 45, 56.25
    lam = 2 / 29
    chronic = [60.0, (1 - lam) * 60.0, lam * 90.0 + (1 - lam) ** 2 * 60.0]
    assert out["acute_load"].to_list()[:2] == [None, None]
    assert out["acute_load"].to_list()[2:] == pytest.approx(acute)
    assert out["chronic_load"].to_list()[:2] == [None, None]
    assert out["chronic_load"].to_list()[2:] == pytest.approx(chronic)
    assert out["fitness_load"].to_list()[:2] == [None, None]
    assert out["fitness_load"].to_list()[2] == pytest.approx(60.0)
    # fewer than 28 days of watch data: no ratio, although the chronic line is positive
    assert out["acute_chronic_ratio"].to_list() == [None] * 5


def test_load_ratio_appears_on_the_28th_day_of_watch_data() -> None:
    # a food-log day, then 30 days of a constant 50 TRIMP: every line stays at 50, the
    # ratio is 50/50 = 1 from the 28th watch day (the calendar's 29th day) on
    trimp = [None] + [50.0] * 30
    days = pl.DataFrame({"athlete_id": ["a"] * 31,
                         "local_date": pl.date_range(date(2026, 5, 1), date(2026, 5, 31),
                                                     eager=True), "trimp": trimp},
                        schema_overrides={"trimp": pl.Float64})
    out = training_load(days)
    assert out["acute_load"].to_list()[0] is None
    assert out["acute_load"].to_list()[1:] == pytest.approx([50.0] * 30)
    assert out["acute_chronic_ratio"].to_list()[:28] == [None] * 28
    assert out["acute_chronic_ratio"].to_list()[28:] == pytest.approx([1.0] * 3)


def test_load_lines_start_where_the_watch_data_starts() -> None:
    # the watch span starts on 2 May with a session without heart rate: a known 0 load
    # that seeds the lines; 3 May carries 80 TRIMP
    days = pl.DataFrame({"athlete_id": ["a"] * 3,
                         "local_date": [date(2026, 5, d) for d in range(1, 4)],
                         "trimp": [None, None, 80.0]}, schema_overrides={"trimp": pl.Float64})
    out = training_load(days, watch_data=pl.col("local_date") >= date(2026, 5, 2))
    assert out["acute_load"].to_list()[:2] == [None, 0.0]
    assert out["acute_load"].to_list()[2] == pytest.approx(0.25 * 80.0)
    none = training_load(days.with_columns(pl.lit(None, pl.Float64).alias("trimp")),
                         watch_data=pl.lit(True))
    assert none["acute_load"].to_list() == [None] * 3  # no TRIMP at all: no lines


def test_scoring_overrides_apply_known_keys_and_refuse_bad_values() -> None:
    from schemas.scoring import FactConstants

    k = FactConstants.model_validate({"max_gap_s": 15, "trimp_female_a": 0.64})
    assert (k.max_gap_s, k.trimp_female_a, k.acute_load_days) == (15.0, 0.64, 7)
    with pytest.raises(ValueError, match="acute_load_days"):
        FactConstants.model_validate({"acute_load_days": -3})
    with pytest.raises(ValueError, match="protein_target_g_per_kg"):  # a score key
        FactConstants.model_validate({"protein_target_g_per_kg": 2.0})
