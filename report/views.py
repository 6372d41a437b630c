"""The report's six views, each drawn from the published marts with a caption that says how
to read it (with the threshold it cites) and the range it covers. A series with no value is
left out with a note saying what is missing; a missing day is a gap, never a zero.

Columns drawn (marts.*):
- score: daily_muscle_balance score, band, main_factor, reasons; weekly_muscle_balance score,
  band, worst_score, reasons.
- protein: daily_nutrition protein_g_per_kg, meals_logged, meals_reaching_protein_target;
  daily_muscle_balance protein_g_per_kg_7d, protein_target_g_per_kg.
- energy: daily_energy intake_kcal, expenditure_kcal, balance_kcal,
  energy_availability_kcal_per_kg_ffm; daily_muscle_balance balance_kcal_7d,
  energy_availability_kcal_per_kg_ffm_7d.
- weight: daily_energy weight_kg, weight_source, fat_free_mass_kg, body_fat_pct;
  daily_recovery weight_trend_kg, fat_free_mass_trend_kg.
- training: daily_training fitness_load, acute_load, run_distance_km, run_moving_min,
  longest_run_min, strength_sessions.
- recovery: daily_recovery resting_hr_bpm, resting_hr_7d_mean_bpm, resting_hr_baseline_bpm,
  hrv_ms, hrv_7d_mean_ms, hrv_baseline_ms, hrv_swc_ms, hrv_measure, sleep_h.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from report import specs as s
from schemas.report_frames import ReportFrames
from schemas.scoring import Scoring

#: g per lb of body weight from g per kg: 1 lb = 0.45359237 kg.
KG_PER_LB = 0.45359237
#: Meals a day at the per-meal protein target that reach the daily target (Schoenfeld &
#: Aragon 2018: 0.4 g/kg over at least 4 meals).
MEALS_PER_DAY = 4
#: Fewest values a series needs to be drawn as a line or trend.
MIN_POINTS = 2


@dataclass(frozen=True)
class View:
    """One section of the report."""

    name: str
    title: str
    caption: str
    range_text: str
    #: (chart id, Vega-Lite spec), drawn in order
    charts: list[tuple[str, s.Spec]] = field(default_factory=list)
    #: what is missing, one line each
    notes: list[str] = field(default_factory=list)


def _day(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({"local_date": "day"}) if "local_date" in frame.columns else frame


def calendar(r: ReportFrames) -> pl.DataFrame:
    """Every day of the report's range (a day no mart has stays a gap)."""
    return pl.DataFrame({"day": pl.date_range(r.first_day, r.last_day, "1d", eager=True)})


def _on_days(r: ReportFrames, frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`columns` of a daily mart on every day of the range (null where the mart has none)."""
    present = [c for c in columns if c in frame.columns]
    return calendar(r).join(_day(frame).select("day", *present), on="day", how="left")


def _count(frame: pl.DataFrame, column: str) -> int:
    return 0 if column not in frame.columns else frame[column].drop_nulls().len()


def range_text(first: date, last: date, what: str | None = None) -> str:
    """`4 Dec 2025 – 3 Dec 2026 (365 days)`, and what the days hold."""
    days = (last - first).days + 1
    text = f"{first:%-d %b %Y} – {last:%-d %b %Y} ({days} days)"
    return f"{text}; {what}" if what else text


def too_little(what: str, n: int) -> str:
    """The note for a series with too few values to draw."""
    return (f"{what}: {n} value{'s' if n != 1 else ''} in this range, too few to draw "
            f"(at least {MIN_POINTS} needed).")


# --- 1. score ------------------------------------------------------------------------------

def score_view(r: ReportFrames, k: Scoring) -> View:
    """The daily score over its risk bands, and the weekly score."""
    daily = _on_days(r, r.daily_muscle_balance,
                     ["score", "band", "main_factor", "reasons", "data_completeness"])
    high, low = k.high_risk_below_score, k.low_risk_min_score
    scored = _count(daily, "score")
    view = View(
        "score", "Muscle-balance score",
        f"Higher is better protected muscle, 0-100. The background is the risk band: "
        f"{low:g} or more is low risk, below {high:g} high risk ([scoring] "
        "low_risk_min_score and high_risk_below_score; docs/scoring.md). Hover a point for "
        "the day's reasons; the weekly bars are each ISO week's mean.",
        range_text(r.first_day, r.last_day, f"{scored} days scored"))
    if scored < MIN_POINTS:
        view.notes.append(too_little("Daily score", scored)
                          + " A day is scored once enough of its inputs are known: see "
                          "the reasons in the table below.")
    else:
        y = {"domain": [0, 100], "nice": False}
        tooltip = [s.tip("day", "day"), s.tip("score", "score", 1), s.tip("band", "band"),
                   s.tip("main_factor", "main factor"), s.tip("reasons", "reasons"),
                   s.tip("data_completeness", "data completeness", 2)]
        layers = [s.band(0, high, s.BAND_COLOURS["high"], f"high risk (below {high:g})"),
                  s.band(high, low, s.BAND_COLOURS["moderate"],
                         f"moderate risk ({high:g} to {low:g})"),
                  s.band(low, 100, s.BAND_COLOURS["low"], f"low risk ({low:g} or more)"),
                  s.line("score", "score", s.INK, y_scale=y),
                  s.points("score", "score", s.INK, tooltip, y_scale=y)]
        view.charts.append(("score-daily", s.chart(
            layers, s.day_axis(r.first_day, r.last_day),
            s.values(daily, 1))))
    weekly = r.weekly_muscle_balance
    weeks = _count(weekly, "score")
    if weeks:
        data = weekly.select(
            pl.col("week_start").alias("day"),
            pl.format("{}-W{}", "iso_year",
                      pl.col("iso_week").cast(pl.String).str.zfill(2)).alias("week"),
            "score", "band", "worst_score", "days_scored", "reasons")
        colour = {"field": "band", "type": "nominal", "title": "band",
                  "scale": {"domain": ["low", "moderate", "high"],
                            "range": ["#4f9a48", "#d9a521", "#c0504d"]}}
        bar = s.bars("score", "weekly score", s.INK,
                     [s.tip("week", "week"), s.tip("score", "score", 1),
                      s.tip("band", "band"), s.tip("worst_score", "worst day", 1),
                      s.tip("days_scored", "days scored"),
                      s.tip("reasons", "reasons (last scored day)")],
                     y_scale={"domain": [0, 100], "nice": False})
        bar["encoding"]["color"] = colour
        view.charts.append(("score-weekly", s.chart(
            [s.week_bar(bar), s.rule(low, "#4f9a48", f"low risk from {low:g}"),
             s.rule(high, "#c0504d", f"high risk below {high:g}")],
            s.week_axis(r.first_day, r.last_day), s.values(s.week_spans(data), 1),
            height=150)))
    else:
        view.notes.append("Weekly score: no week has a scored day yet.")
    return view


# --- 2. protein ----------------------------------------------------------------------------

def _no_food(r: ReportFrames) -> bool:
    n = r.daily_nutrition
    return n.is_empty() or not n["logged"].fill_null(False).any()


NO_FOOD = ("No food log in this range: protein, intake and balance are unknown (not zero). "
           "Add a nutrition export (MyFitnessPal, Cronometer, MacroFactor, Lose It!) to the "
           "athlete's nutrition entries.")


def protein_view(r: ReportFrames, k: Scoring, units: str = "metric") -> View:
    """Daily protein in g/kg against the target band, and the meals reaching the per-meal
    target."""
    lo, hi = k.protein_target_g_per_kg, k.protein_target_deficit_g_per_kg
    meal = k.meal_protein_g_per_kg
    day = _on_days(r, r.daily_nutrition, ["protein_g_per_kg", "meals_logged",
                                          "meals_reaching_protein_target"]).join(
        _on_days(r, r.daily_muscle_balance, ["protein_g_per_kg_7d", "protein_target_g_per_kg"]),
        on="day")
    day = day.with_columns((pl.col("protein_g_per_kg") * KG_PER_LB).alias("protein_g_per_lb"))
    imperial = units == "imperial"
    caption = (f"Protein eaten per kg of body weight each day (points) and its 7-day mean "
               f"(line), against the target band: {lo:g} g/kg (Morton 2018's plateau) rising "
               f"to {hi:g} g/kg in a deficit (the dashed line is the day's target; Helms "
               f"2014, Jäger 2017). Below, meals reaching {meal:g} g/kg each "
               f"(Schoenfeld & Aragon 2018: {MEALS_PER_DAY} such meals a day).")
    if imperial:
        caption += (f" In g/lb: {lo * KG_PER_LB:.2f} to {hi * KG_PER_LB:.2f} g/lb; hover "
                    "for each day's g/lb.")
    logged = _count(day, "protein_g_per_kg")
    view = View("protein", "Protein", caption,
                range_text(r.first_day, r.last_day, f"protein logged on {logged} days"))
    if _no_food(r):
        view.notes.append(NO_FOOD)
        return view
    if logged < MIN_POINTS:
        view.notes.append(too_little("Protein per kg", logged))
        return view
    top = max(hi + 0.3, float(day["protein_g_per_kg"].max() or 0) * 1.08)
    y = {"domain": [0, round(top, 1)], "nice": False}
    tooltip = [s.tip("day", "day"), s.tip("protein_g_per_kg", "g/kg", 2),
               s.tip("protein_g_per_kg_7d", "7-day mean g/kg", 2),
               s.tip("protein_target_g_per_kg", "target g/kg", 2)]
    if imperial:
        tooltip.insert(2, s.tip("protein_g_per_lb", "g/lb", 3))
    labels = ["day", "7-day mean", "target"]
    colours = [s.GREY, s.INK, s.SECOND]
    daily_pts = s.points("protein_g_per_kg", "protein, g/kg", s.GREY, tooltip, y_scale=y)
    daily_pts["encoding"]["color"] = s.legend_colour("day", labels, colours)
    layers = [s.band(lo, hi, "#dcefd9", f"target band {lo:g}-{hi:g} g/kg"),
              daily_pts,
              s.line("protein_g_per_kg_7d", "protein, g/kg",
                     s.legend_colour("7-day mean", labels, colours), y_scale=y),
              s.line("protein_target_g_per_kg", "protein, g/kg",
                     s.legend_colour("target", labels, colours), dash=[5, 3], width=1.5,
                     y_scale=y, interpolate="step-after")]
    view.charts.append(("protein-daily", s.chart(
        layers, s.day_axis(r.first_day, r.last_day), s.values(day, 3))))
    meals = _count(day, "meals_logged")
    if meals < MIN_POINTS:
        view.notes.append("Meals: the export has day totals only (no meals), so meals "
                          "reaching the per-meal target cannot be counted.")
    else:
        mtip = [s.tip("day", "day"), s.tip("meals_logged", "meals logged"),
                s.tip("meals_reaching_protein_target", f"meals with ≥ {meal:g} g/kg")]
        mlabels = ["meals logged", f"meals with ≥ {meal:g} g/kg"]
        logged_bars = s.bars("meals_logged", "meals", "#c9c9c9", mtip, opacity=0.7)
        logged_bars["encoding"]["color"] = s.legend_colour(mlabels[0], mlabels,
                                                           ["#c9c9c9", s.THIRD])
        hit = s.bars("meals_reaching_protein_target", "meals", s.THIRD, mtip)
        hit["encoding"]["color"] = s.legend_colour(mlabels[1], mlabels, ["#c9c9c9", s.THIRD])
        view.charts.append(("protein-meals", s.chart(
            [logged_bars, hit, s.rule(MEALS_PER_DAY, s.THIRD,
                                      f"{MEALS_PER_DAY} meals at the per-meal target")],
            s.day_axis(r.first_day, r.last_day),
            s.values(day.select("day", "meals_logged", "meals_reaching_protein_target")),
            height=120)))
    return view


# --- 3. energy -----------------------------------------------------------------------------

def energy_view(r: ReportFrames, k: Scoring) -> View:
    """Intake against expenditure, the daily balance and energy availability."""
    low_ea, ok_ea = k.ea_low_kcal_per_kg_ffm, k.ea_adequate_kcal_per_kg_ffm
    day = _on_days(r, r.daily_energy, ["intake_kcal", "expenditure_kcal", "balance_kcal",
                                       "energy_availability_kcal_per_kg_ffm"]).join(
        _on_days(r, r.daily_muscle_balance, ["balance_kcal_7d",
                                             "energy_availability_kcal_per_kg_ffm_7d"]),
        on="day")
    view = View(
        "energy", "Energy",
        "Energy eaten against energy spent each day (resting energy x 1.2 plus exercise), "
        f"and the balance: bars per day, the line its 7-day mean. The energy component gives "
        f"full credit from {k.balance_full_credit_kcal:g} kcal/day and none at "
        f"{k.balance_zero_credit_kcal:g}. Energy availability (intake less exercise, per kg "
        f"fat-free mass) below {low_ea:g} kcal/kg FFM is low (Loucks & Thuma 2003; IOC REDs "
        f"2023); {ok_ea:g} or more is adequate (Loucks 2011).",
        range_text(r.first_day, r.last_day,
                   f"intake logged on {_count(day, 'intake_kcal')} days"))
    spent = _count(day, "expenditure_kcal")
    eaten = _count(day, "intake_kcal")
    if _no_food(r):
        view.notes.append(NO_FOOD)
    elif eaten < MIN_POINTS:
        view.notes.append(too_little("Intake", eaten))
    if spent >= MIN_POINTS:
        labels, colours = ["eaten", "spent"], [s.INK, s.SECOND]
        tooltip = [s.tip("day", "day"), s.tip("intake_kcal", "eaten kcal", 0),
                   s.tip("expenditure_kcal", "spent kcal", 0),
                   s.tip("balance_kcal", "balance kcal", 0)]
        layers = [s.line("expenditure_kcal", "kcal/day",
                         s.legend_colour("spent", labels, colours), width=1.5)]
        if eaten >= MIN_POINTS:
            layers += [s.line("intake_kcal", "kcal/day",
                              s.legend_colour("eaten", labels, colours)),
                       s.points("intake_kcal", "kcal/day", s.INK, tooltip, size=16)]
        else:
            layers.append(s.points("expenditure_kcal", "kcal/day", s.SECOND, tooltip, size=40,
                                   opacity=0))
        view.charts.append(("energy-intake", s.chart(
            layers, s.day_axis(r.first_day, r.last_day), s.values(day, 0))))
    else:
        view.notes.append(too_little("Energy spent", spent))
    balance = _count(day, "balance_kcal")
    if eaten >= MIN_POINTS and balance < MIN_POINTS:
        view.notes.append("Balance: energy spent is unknown on the days with a food log (no "
                          "watch data), so the balance is not drawn.")
    if balance >= MIN_POINTS:
        btip = [s.tip("day", "day"), s.tip("balance_kcal", "balance kcal", 0),
                s.tip("balance_kcal_7d", "7-day mean kcal/day", 0)]
        bars = s.bars("balance_kcal", "balance, kcal/day", s.INK, btip)
        bars["encoding"]["color"] = {
            "condition": {"test": "datum.balance_kcal < 0", "value": "#c0504d"},
            "value": "#4f9a48"}
        view.charts.append(("energy-balance", s.chart(
            [bars, s.line("balance_kcal_7d", "balance, kcal/day", s.INK),
             s.rule(k.balance_full_credit_kcal, s.GREY,
                    f"{k.balance_full_credit_kcal:g} kcal/day: full credit"),
             s.rule(k.balance_zero_credit_kcal, "#c0504d",
                    f"{k.balance_zero_credit_kcal:g} kcal/day: no credit")],
            s.day_axis(r.first_day, r.last_day),
            s.values(day.select("day", "balance_kcal", "balance_kcal_7d"), 0), height=150)))
        ea = _count(day, "energy_availability_kcal_per_kg_ffm")
        if ea >= MIN_POINTS:
            etip = [s.tip("day", "day"),
                    s.tip("energy_availability_kcal_per_kg_ffm", "kcal/kg FFM", 1),
                    s.tip("energy_availability_kcal_per_kg_ffm_7d", "7-day mean", 1)]
            view.charts.append(("energy-availability", s.chart(
                [s.band(0, low_ea, s.BAND_COLOURS["high"], f"low: below {low_ea:g}"),
                 s.points("energy_availability_kcal_per_kg_ffm", "kcal/kg FFM/day", s.GREY,
                          etip, size=16),
                 s.line("energy_availability_kcal_per_kg_ffm_7d", "kcal/kg FFM/day", s.INK),
                 s.rule(low_ea, "#c0504d", f"{low_ea:g}: low energy availability"),
                 s.rule(ok_ea, "#4f9a48", f"{ok_ea:g}: adequate")],
                s.day_axis(r.first_day, r.last_day),
                s.values(day.select("day", "energy_availability_kcal_per_kg_ffm",
                                    "energy_availability_kcal_per_kg_ffm_7d"), 1),
                height=150)))
        else:
            view.notes.append("Energy availability: fat-free mass is unknown (no body-fat "
                              "reading from a scale), so it is not drawn.")
    return view


# --- 4. body weight ------------------------------------------------------------------------

def weight_view(r: ReportFrames) -> View:
    """Measured weigh-ins and the smoothed trend; fat-free mass where body fat is known."""
    day = _on_days(r, r.daily_energy, ["weight_kg", "weight_source", "fat_free_mass_kg",
                                       "body_fat_pct"]).join(
        _on_days(r, r.daily_recovery, ["weight_trend_kg", "fat_free_mass_trend_kg"]),
        on="day")
    measured = pl.col("weight_source") == "measured"
    day = day.with_columns(
        pl.when(measured).then("weight_kg").alias("measured_kg"),
        pl.when(measured & pl.col("body_fat_pct").is_not_null())
        .then("fat_free_mass_kg").alias("measured_ffm_kg"))
    weighed = _count(day, "measured_kg")
    view = View(
        "weight", "Body weight",
        "Weigh-ins (points) and the smoothed weight: the least-squares line through the "
        "weigh-ins of the 28 days before each day (at least 4 weigh-ins over 14 days). A "
        "loss faster than about 0.7 %/week costs lean mass (Garthe 2011). Below, fat-free "
        "mass where the scale measures body fat; a home impedance scale is about ±1.5 kg "
        "noisy (Kyle 2004).",
        range_text(r.first_day, r.last_day, f"{weighed} weigh-ins"))
    if weighed < MIN_POINTS:
        view.notes.append(too_little("Weigh-ins", weighed) + " Add a scale (FIT weight, "
                          "Garmin or Apple Health export, or a tracker's weight column).")
    else:
        labels, colours = ["weigh-in", "trend"], [s.GREY, s.INK]
        tooltip = [s.tip("day", "day"), s.tip("measured_kg", "weigh-in kg", 2),
                   s.tip("weight_trend_kg", "trend kg", 2)]
        pts = s.points("measured_kg", "kg", s.GREY, tooltip, y_scale=s.LEVEL)
        pts["encoding"]["color"] = s.legend_colour("weigh-in", labels, colours)
        view.charts.append(("weight", s.chart(
            [pts, s.line("weight_trend_kg", "kg", s.legend_colour("trend", labels, colours),
                         y_scale=s.LEVEL)],
            s.day_axis(r.first_day, r.last_day),
            s.values(day.select("day", "measured_kg", "weight_trend_kg"), 2))))
    ffm = _count(day, "measured_ffm_kg")
    if ffm < MIN_POINTS:
        view.notes.append("Fat-free mass: " + ("no scale reading with body fat in this range."
                                               if ffm == 0 else too_little("readings", ffm)))
    else:
        tooltip = [s.tip("day", "day"), s.tip("measured_ffm_kg", "fat-free mass kg", 2),
                   s.tip("fat_free_mass_trend_kg", "trend kg", 2)]
        view.charts.append(("weight-ffm", s.chart(
            [s.points("measured_ffm_kg", "fat-free mass, kg", s.GREY, tooltip,
                      y_scale=s.LEVEL),
             s.line("fat_free_mass_trend_kg", "fat-free mass, kg", s.THIRD,
                    y_scale=s.LEVEL)],
            s.day_axis(r.first_day, r.last_day),
            s.values(day.select("day", "measured_ffm_kg", "fat_free_mass_trend_kg"), 2),
            height=150)))
    return view


# --- 5. training ---------------------------------------------------------------------------

def _known_sum(column: str) -> pl.Expr:
    """The sum over the week's days, null when none of them is known (never a 0 for
    unknown)."""
    return pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).sum())


def training_weeks(training: pl.DataFrame) -> pl.DataFrame:
    """Running km and hours (h = moving min / 60), the longest run (min) and strength
    sessions per ISO week (Monday start), from marts.daily_training."""
    return (training.group_by(pl.col("local_date").dt.truncate("1w").alias("day"))
            .agg(_known_sum("run_distance_km").alias("run_km"),
                 (_known_sum("run_moving_min") / 60).alias("run_h"),
                 pl.col("longest_run_min").max(),
                 _known_sum("strength_sessions").alias("strength_sessions"),
                 pl.col("local_date").dt.strftime("%G-W%V").first().alias("week"))
            .sort("day"))


def training_view(r: ReportFrames) -> View:
    """Fitness, fatigue and form; weekly running volume, the longest run and strength."""
    t = _on_days(r, r.daily_training, ["fitness_load", "acute_load"]).with_columns(
        (pl.col("fitness_load") - pl.col("acute_load")).alias("form"))
    loads = _count(t, "fitness_load")
    view = View(
        "training", "Training load",
        "Fitness is the 42-day and fatigue the 7-day exponentially weighted Banister TRIMP; "
        "form is fitness minus fatigue (the Performance Manager's balance, Coggan): well "
        "below zero is a block of hard training. Then running km and hours per ISO week, "
        "the week's longest run (minutes) and strength sessions.",
        range_text(r.first_day, r.last_day, f"watch data on {loads} days"))
    if loads < MIN_POINTS:
        view.notes.append("No watch data (FIT activity files) in this range: training is "
                          "unknown." if loads == 0 else too_little("Training load", loads))
        return view
    labels = ["fitness (42 d)", "fatigue (7 d)", "form"]
    colours = [s.INK, s.SECOND, s.THIRD]
    tooltip = [s.tip("day", "day"), s.tip("fitness_load", "fitness", 1),
               s.tip("acute_load", "fatigue", 1), s.tip("form", "form", 1)]
    view.charts.append(("training-load", s.chart(
        [s.line("fitness_load", "TRIMP", s.legend_colour(labels[0], labels, colours)),
         s.line("acute_load", "TRIMP", s.legend_colour(labels[1], labels, colours), width=1.5),
         s.line("form", "TRIMP", s.legend_colour(labels[2], labels, colours), dash=[5, 3]),
         s.rule(0, s.GREY, "form 0", dash=[1, 0]),
         s.points("fitness_load", "TRIMP", s.INK, tooltip, size=40, opacity=0)],
        s.day_axis(r.first_day, r.last_day), s.values(t, 1))))
    weeks = training_weeks(r.daily_training)
    x = s.week_axis(r.first_day, r.last_day)
    weeks = s.week_spans(weeks)
    wtip = [s.tip("week", "week"), s.tip("run_km", "km", 1), s.tip("run_h", "hours", 1),
            s.tip("longest_run_min", "longest run min", 0),
            s.tip("strength_sessions", "strength sessions", 0)]
    view.charts.append(("training-weekly", s.chart(
        [s.week_bar(s.bars("run_km", "running km / week", s.INK, wtip)),
         s.week_line(s.line("run_h", "running h / week", s.SECOND, axis={"orient": "right"}))],
        x, s.values(weeks, 2), height=150, independent_y=True)))
    if _count(weeks, "strength_sessions") == 0:
        view.notes.append("Strength sessions: not recorded (config strength_source none, "
                          "or no strength data).")
        layers = [s.week_bar(s.bars("longest_run_min", "longest run, min", s.THIRD, wtip))]
    else:
        layers = [s.week_bar(s.bars("strength_sessions", "strength sessions / week",
                                    "#8064a2", wtip, opacity=0.6)),
                  s.week_line(s.line("longest_run_min", "longest run, min", s.THIRD,
                                     axis={"orient": "right"}))]
    view.charts.append(("training-long", s.chart(
        layers, x, s.values(weeks, 1), height=130, independent_y=len(layers) > 1)))
    return view


# --- 6. recovery ---------------------------------------------------------------------------

NO_RECOVERY = ("No recovery data in this range (sleep, resting heart rate, HRV): add a "
               "Garmin account export, wellness FIT files or an Apple Health export "
               "(health_paths in the config).")


def recovery_view(r: ReportFrames, k: Scoring) -> View:
    """Resting HR and HRV against their baselines, and sleep."""
    day = _on_days(r, r.daily_recovery, [
        "resting_hr_bpm", "resting_hr_7d_mean_bpm", "resting_hr_baseline_bpm", "hrv_ms",
        "hrv_7d_mean_ms", "hrv_baseline_ms", "hrv_swc_ms", "sleep_h"]).with_columns(
        (pl.col("hrv_baseline_ms") - pl.col("hrv_swc_ms")).alias("hrv_swc_low_ms"),
        (pl.col("hrv_baseline_ms") + pl.col("hrv_swc_ms")).alias("hrv_swc_high_ms"))
    measure = (r.daily_recovery["hrv_measure"].drop_nulls()
               if "hrv_measure" in r.daily_recovery.columns else pl.Series([]))
    rhr, hrv, sleep = (_count(day, c) for c in ("resting_hr_bpm", "hrv_ms", "sleep_h"))
    view = View(
        "recovery", "Recovery",
        f"Resting heart rate and HRV: points per day, the line their 7-day mean, dashed the "
        f"baseline (days -34 to -7). A resting HR {k.resting_hr_full_credit_bpm:g} bpm or "
        f"more above baseline starts to cost points (Buchheit 2014); HRV below the shaded "
        f"band (baseline ± the smallest worthwhile change, 0.5 SD; Plews 2013) does. Sleep "
        f"per night against {k.sleep_full_credit_h:g} h (Watson 2015).",
        range_text(r.first_day, r.last_day,
                   f"resting HR on {rhr} days, HRV on {hrv}, sleep on {sleep}"))
    if rhr + hrv + sleep == 0:
        view.notes.append(NO_RECOVERY)
        return view
    axis = s.day_axis(r.first_day, r.last_day)
    if rhr >= MIN_POINTS:
        tooltip = [s.tip("day", "day"), s.tip("resting_hr_bpm", "bpm", 0),
                   s.tip("resting_hr_7d_mean_bpm", "7-day mean", 1),
                   s.tip("resting_hr_baseline_bpm", "baseline", 1)]
        zero = s.LEVEL
        view.charts.append(("recovery-resting-hr", s.chart(
            [s.points("resting_hr_bpm", "resting HR, bpm", s.GREY, tooltip, size=16,
                      y_scale=zero),
             s.line("resting_hr_7d_mean_bpm", "resting HR, bpm", s.SECOND, y_scale=zero),
             s.line("resting_hr_baseline_bpm", "resting HR, bpm", s.GREY, dash=[5, 3],
                    width=1.5, y_scale=zero)],
            axis, s.values(day.select("day", "resting_hr_bpm", "resting_hr_7d_mean_bpm",
                                      "resting_hr_baseline_bpm"), 1), height=150)))
    else:
        view.notes.append("Resting HR: " + too_little("days", rhr))
    if hrv >= MIN_POINTS:
        what = f"HRV ({measure[0]}), ms" if measure.len() else "HRV, ms"
        tooltip = [s.tip("day", "day"), s.tip("hrv_ms", "ms", 0),
                   s.tip("hrv_7d_mean_ms", "7-day mean", 1),
                   s.tip("hrv_baseline_ms", "baseline", 1)]
        zero = s.LEVEL
        area = {"mark": {"type": "area", "color": "#dcefd9", "opacity": 0.7,
                         "invalid": "break-paths-show-domains"},
                "encoding": {"y": {"field": "hrv_swc_low_ms", "type": "quantitative",
                                   "title": what, "scale": zero},
                             "y2": {"field": "hrv_swc_high_ms"}}}
        view.charts.append(("recovery-hrv", s.chart(
            [area, s.points("hrv_ms", what, s.GREY, tooltip, size=16, y_scale=zero),
             s.line("hrv_7d_mean_ms", what, s.INK, y_scale=zero),
             s.line("hrv_baseline_ms", what, s.GREY, dash=[5, 3], width=1.5, y_scale=zero)],
            axis, s.values(day.select("day", "hrv_ms", "hrv_7d_mean_ms", "hrv_baseline_ms",
                                      "hrv_swc_low_ms", "hrv_swc_high_ms"), 1),
            height=150)))
    else:
        view.notes.append("HRV: " + too_little("days", hrv))
    if sleep >= MIN_POINTS:
        tooltip = [s.tip("day", "day"), s.tip("sleep_h", "sleep h", 2)]
        view.charts.append(("recovery-sleep", s.chart(
            [s.bars("sleep_h", "sleep, h", "#8064a2", tooltip, opacity=0.7),
             s.rule(k.sleep_full_credit_h, s.THIRD, f"{k.sleep_full_credit_h:g} h")],
            axis, s.values(day.select("day", "sleep_h"), 2), height=120)))
    else:
        view.notes.append("Sleep: " + too_little("nights", sleep))
    return view


def views(r: ReportFrames, k: Scoring, units: str = "metric") -> list[View]:
    """The six views, in the report's order."""
    return [score_view(r, k), protein_view(r, k, units), energy_view(r, k), weight_view(r),
            training_view(r), recovery_view(r, k)]
