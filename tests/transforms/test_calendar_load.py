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
    ratio = [a / c for a, c in zip(ewma(2 / 8), ewma(2 / 29), strict=True)]
    assert out["acute_chronic_ratio"].to_list() == pytest.approx(ratio)
    assert out["trimp"].to_list()[1] is None  # the day's TRIMP stays unknown


def test_scoring_overrides_apply_known_keys_and_refuse_bad_values() -> None:
    from schemas.scoring import FactConstants

    k = FactConstants.model_validate({"max_gap_s": 15, "trimp_female_a": 0.64})
    assert (k.max_gap_s, k.trimp_female_a, k.acute_load_days) == (15.0, 0.64, 7)
    with pytest.raises(ValueError, match="acute_load_days"):
        FactConstants.model_validate({"acute_load_days": -3})
    with pytest.raises(ValueError, match="protein_target_g_per_kg"):  # a score key
        FactConstants.model_validate({"protein_target_g_per_kg": 2.0})
