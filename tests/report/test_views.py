"""The report's views on marts computed by the build's own functions from hand-made facts:
what each chart is given, what a missing source says, and that a missing day is a gap."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from report import specs
from report.views import (
    KG_PER_LB,
    NO_FOOD,
    NO_RECOVERY,
    energy_view,
    protein_view,
    recovery_view,
    score_view,
    training_view,
    training_weeks,
    views,
    weight_view,
)
from schemas.scoring import Scoring
from tests.factories import (
    START,
    UNKNOWN_TRAINING,
    UNLOGGED,
    make_facts,
    report_frames,
    weigh_ins,
)

K = Scoring()


def chart(view, chart_id: str) -> dict:
    found = dict(view.charts)
    assert chart_id in found, f"{view.name}: charts {list(found)}, notes {view.notes}"
    return found[chart_id]


def rows(spec: dict) -> dict[str, dict]:
    """The chart's data by day."""
    return {r["day"]: r for r in spec["data"]["values"]}


def full_facts(n: int = 42):
    """Good days with a weigh-in every other day at 20 % body fat."""
    days = {i: {**d, "body_fat_pct": 20.0, "fat_free_mass_kg": d["weight_kg"] * 0.8,
                "energy_availability_kcal_per_kg_ffm": 45.0}
            for i, d in weigh_ins(-0.5, n).items()}
    return make_facts(n, days=days)


def test_full_data_draws_every_view_with_its_charts() -> None:
    drawn = views(report_frames(facts=full_facts()), K)
    assert [v.name for v in drawn] == ["score", "protein", "energy", "weight", "training",
                                       "recovery"]
    for view in drawn:
        assert view.charts, (view.name, view.notes)
        assert view.caption and "2 Mar 2026 – 12 Apr 2026 (42 days)" in view.range_text


def test_values_leave_a_missing_value_out_and_write_days_as_iso() -> None:
    frame = pl.DataFrame({"day": [date(2026, 3, 2), date(2026, 3, 3)], "x": [1.23456, None]})
    assert specs.values(frame, 2) == [{"day": "2026-03-02", "x": 1.23}, {"day": "2026-03-03"}]


def test_a_day_without_a_food_log_is_a_gap_in_protein_not_a_zero() -> None:
    facts = make_facts(42, days={20: UNLOGGED})
    view = protein_view(report_frames(facts=facts), K)
    data = rows(chart(view, "protein-daily"))
    gap = f"{START + timedelta(days=20)}"
    assert gap in data and "protein_g_per_kg" not in data[gap]
    assert data[f"{START + timedelta(days=19)}"]["protein_g_per_kg"] == 1.8
    assert "protein logged on 41 days" in view.range_text


def test_protein_band_is_the_configured_target_and_deficit_target() -> None:
    spec = chart(protein_view(report_frames(42), K), "protein-daily")
    (band,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"]
    assert band["data"]["values"][0]["low"] == K.protein_target_g_per_kg == 1.6
    assert band["data"]["values"][0]["high"] == K.protein_target_deficit_g_per_kg == 2.3


def test_imperial_units_add_grams_per_pound() -> None:
    metric = protein_view(report_frames(42), K)
    imperial = protein_view(report_frames(42), K, "imperial")
    assert "g/lb" not in metric.caption
    # 1.6 g/kg x 0.45359237 kg/lb = 0.7257 g/lb; 2.3 x 0.45359237 = 1.0433
    assert "0.73 to 1.04 g/lb" in imperial.caption
    data = rows(chart(imperial, "protein-daily"))
    assert data["2026-03-02"]["protein_g_per_lb"] == pytest.approx(1.8 * 0.45359237, abs=5e-4)
    assert KG_PER_LB == 0.45359237


def test_meals_reaching_the_target_are_drawn_per_day() -> None:
    facts = make_facts(42, days={5: {"meals_reaching_protein_target": 2}})
    data = rows(chart(protein_view(report_frames(facts=facts), K), "protein-meals"))
    assert data["2026-03-07"]["meals_reaching_protein_target"] == 2
    assert data["2026-03-07"]["meals_logged"] == 4


def test_no_food_log_says_so_and_draws_no_intake_as_zero() -> None:
    facts = make_facts(42, every=UNLOGGED)
    r = report_frames(facts=facts)
    protein = protein_view(r, K)
    assert protein.charts == [] and protein.notes == [NO_FOOD]
    assert "food log" in NO_FOOD
    energy = energy_view(r, K)
    assert NO_FOOD in energy.notes
    ids = [cid for cid, _ in energy.charts]
    assert ids == ["energy-intake"]  # energy spent only: no balance, no availability
    data = rows(chart(energy, "energy-intake"))
    assert all("intake_kcal" not in row for row in data.values())
    assert data["2026-03-02"]["expenditure_kcal"] == 2600


def test_no_watch_data_says_training_is_unknown() -> None:
    facts = make_facts(42, every=UNKNOWN_TRAINING)
    view = training_view(report_frames(facts=facts))
    assert view.charts == []
    assert view.notes == ["No watch data (FIT activity files) in this range: training is "
                          "unknown."]


def test_no_recovery_data_is_a_note_not_a_chart() -> None:
    view = recovery_view(report_frames(42, recovered=False), K)
    assert view.charts == [] and view.notes == [NO_RECOVERY]


def test_form_is_fitness_minus_fatigue() -> None:
    facts = make_facts(42, days={30: {"fitness_load": 61.5, "acute_load": 80.0}})
    data = rows(chart(training_view(report_frames(facts=facts)), "training-load"))
    assert data["2026-04-01"]["form"] == -18.5  # 61.5 - 80.0


def test_training_weeks_sum_each_iso_week_and_keep_unknown_strength_null() -> None:
    facts = make_facts(14, days={0: {"run_distance_km": 10.0, "run_moving_min": 55.0,
                                     "longest_run_min": 55.0},
                                 **{i: {"strength_sessions": None} for i in range(7, 14)}})
    weeks = training_weeks(facts.training).to_dicts()
    assert [w["week"] for w in weeks] == ["2026-W10", "2026-W11"]
    # week 1: 10 km + 6 x 6 km; 55 + 6 x 30 min = 235 min = 3.9167 h; longest 55 min;
    # strength on Tuesday and Friday (days 1 and 4)
    assert weeks[0]["run_km"] == pytest.approx(46.0)
    assert weeks[0]["run_h"] == pytest.approx(235 / 60)
    assert weeks[0]["longest_run_min"] == 55.0
    assert weeks[0]["strength_sessions"] == 2
    assert weeks[1]["strength_sessions"] is None  # unknown, never 0


def test_weight_points_are_the_measured_weigh_ins_only() -> None:
    facts = make_facts(28, days=weigh_ins(-0.5))
    view = weight_view(report_frames(facts=facts))
    data = rows(chart(view, "weight"))
    measured = {d: r["measured_kg"] for d, r in data.items() if "measured_kg" in r}
    # every other day back from the last (day 27): 14 weigh-ins, 60 kg on the last day
    assert len(measured) == 14
    assert measured["2026-03-29"] == 60.0
    assert "2026-03-28" not in measured  # the configured weight is not a weigh-in
    assert "14 weigh-ins" in view.range_text


def test_a_series_with_one_value_is_too_little_to_draw() -> None:
    facts = make_facts(28, days={27: {"weight_kg": 61.0, "weight_source": "measured"}})
    view = weight_view(report_frames(facts=facts))
    assert "weight" not in dict(view.charts)
    assert view.notes[0].startswith("Weigh-ins: 1 value in this range, too few to draw")


def test_score_chart_bands_are_the_configured_thresholds() -> None:
    k = Scoring(low_risk_min_score=75, high_risk_below_score=55)
    spec = chart(score_view(report_frames(42), k), "score-daily")
    bands = [layer["data"]["values"][0] for layer in spec["layer"]
             if layer["mark"]["type"] == "rect"]
    assert [(b["low"], b["high"]) for b in bands] == [(0, 55), (55, 75), (75, 100)]


def test_score_tooltips_split_the_reasons() -> None:
    facts = make_facts(42, every={"protein_g_per_kg": 1.0, "protein_g": 60.0})
    r = report_frames(facts=facts)
    data = rows(chart(score_view(r, K), "score-daily"))
    last = r.daily_muscle_balance.row(-1, named=True)
    assert data[f"{last['local_date']}"]["reasons"] == last["reasons"]
    assert "'–'" in spec_tooltip(chart(score_view(r, K), "score-daily"))


def spec_tooltip(spec: dict) -> str:
    (expr,) = [layer["mark"]["tooltip"]["expr"] for layer in spec["layer"]
               if isinstance(layer["mark"], dict) and "tooltip" in layer["mark"]]
    return expr


def test_a_missing_number_shows_a_dash_on_hover_never_nan() -> None:
    spec = chart(energy_view(report_frames(facts=make_facts(42, days={3: UNLOGGED})), K),
                 "energy-intake")
    expr = spec_tooltip(spec)
    assert ("\"eaten kcal\": isValid(datum[\"intake_kcal\"]) ? "
            "format(datum[\"intake_kcal\"], ',.0f') : '–'") in expr


def test_food_without_watch_data_has_no_balance_to_draw() -> None:
    facts = make_facts(42, every={**UNKNOWN_TRAINING, "expenditure_kcal": None,
                                  "balance_kcal": None, "exercise_kcal": None})
    view = energy_view(report_frames(facts=facts), K)
    assert [cid for cid, _ in view.charts] == []
    assert any("energy spent is unknown" in n for n in view.notes)


def test_a_line_without_any_value_is_left_out_of_its_chart() -> None:
    r = report_frames(facts=full_facts())
    r = type(r)(**{**r.__dict__, "daily_recovery": r.daily_recovery.clear()})
    spec = chart(weight_view(r), "weight")
    fields = [layer["encoding"]["y"]["field"] for layer in spec["layer"]]
    assert fields == ["measured_kg"]  # no smoothed weight without daily_recovery rows
