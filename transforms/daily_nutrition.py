"""Daily nutrition facts per athlete and local day (pure polars, no I/O): ``marts.daily_nutrition``.

Several exports may speak for the same athlete-day (Cronometer servings *and* its daily
summary; MyFitnessPal *and* Cronometer). Summing them would count the day twice, so
exactly **one** export is chosen per athlete-day (see `daily_nutrition`). A day without a
food log is *unknown*, never zero intake (science.md, "Energy" and "What the score must
never do").
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from schemas.marts import INCOMPLETE_SOURCES
from schemas.nutrition import FORMATS

# --- Constants -----------------------------------------------------------------------
# Per-meal protein target, g per kg body weight per meal: 0.4 g/kg/meal over >= 4 meals
# reaches >= 1.6 g/kg/day (Schoenfeld & Aragon 2018, JISSN 15:10; science.md, "Protein").
# Use 0.55 for a 2.2 g/kg/day goal (same source).
MEAL_PROTEIN_G_PER_KG = 0.4

# A logged day below this energy (kcal) is flagged ``very_low_intake``: "very low or
# incomplete". It may be a half-filled diary or a real crash day; it is kept (a crash day is
# the day most at risk) unless the athlete or the tracker marks it incomplete. Project
# heuristic; 800 kcal/day is the conventional ceiling of a medically supervised
# very-low-calorie diet (e.g. NICE CG189, 2014).
MIN_LOGGED_KCAL = 800.0

# Which grain wins when several exports cover a day, best first: a finer grain carries
# the meals (needed for the per-meal protein target) and the same day total. Project
# decision (design.md, "marts.daily_nutrition": meals logged, source).
GRAIN_PRECEDENCE: tuple[str, ...] = ("entry", "meal", "day")

NUTRIENTS = ("energy_kcal", "protein_g", "carbohydrate_g", "fat_g", "fiber_g")

_KEYS = ["athlete_id", "local_date"]
_EXPORT = ["source_format", "grain", "source_sha256", "_app"]
#: Formats that carry copies of other trackers' logs (Apple Health holds what MyFitnessPal,
#: Lose It! ... wrote into it, one record per food or nutrient): a day one of them speaks
#: for is taken from a tracker's own export when there is one, and within such a file one
#: app (raw `food` holds the writing app) speaks for the day, never two summed. A project
#: decision: the tracker's export is the first-hand log, with meals.
SECOND_HAND_FORMATS: tuple[str, ...] = ("apple_health",)
#: Export format -> the tracker it comes from (one diary, one completion flag).
_FAMILY = {f.name: f.family for f in FORMATS}


def _known_sum(column: str) -> pl.Expr:
    """Sum of the non-null values; null (unknown) when every value is null, never 0."""
    col = pl.col(column)
    return pl.when(col.count() > 0).then(col.sum())


def _family(source_format: pl.Expr) -> pl.Expr:
    """The tracker an export format comes from (`schemas.nutrition` family; a format of no
    known family is its own)."""
    return source_format.replace_strict(_FAMILY, default=source_format, return_dtype=pl.String)


def _tracker_completion(rows: pl.DataFrame) -> pl.DataFrame:
    """Per athlete, day and tracker (family of formats): the tracker's own "day completed"
    flag (``_completed``), from the newest export that carries it for that day; false if
    any of that export's rows of the day says not completed. Only exports that use the
    flag count - those marking at least one day completed: Cronometer writes ``false`` on
    every day of an athlete who never marks a day complete, which says nothing."""
    flagged = rows.filter(pl.col("_completed").is_not_null())
    uses = flagged.group_by("athlete_id", "source_sha256").agg(
        pl.col("_completed").any().alias("_uses"))
    return (
        flagged.join(uses.filter("_uses"), on=["athlete_id", "source_sha256"], how="semi")
        .group_by([*_KEYS, "source_format", "source_sha256", "exported_at"])
        .agg(pl.col("_completed").all().alias("_tracker_completed"))
        .with_columns(_family(pl.col("source_format")).alias("_family"))
        .sort([*_KEYS, "exported_at", "source_sha256"],
              descending=[False, False, True, False], nulls_last=True)
        .unique(subset=[*_KEYS, "_family"], keep="first", maintain_order=True)
        .select(*_KEYS, "_family", "_tracker_completed")
    )


def daily_nutrition(
    entries: pl.DataFrame,
    calendar_weights: pl.DataFrame,
    *,
    meal_protein_g_per_kg: float = MEAL_PROTEIN_G_PER_KG,
    min_logged_kcal: float = MIN_LOGGED_KCAL,
    precedence: Sequence[str] = GRAIN_PRECEDENCE,
    incomplete_days: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per row of ``calendar_weights`` (athlete and local day, same order).

    Inputs:

    - ``entries``: ``raw.nutrition_entries`` (athlete_id, local_date, local_time, meal,
      food, energy_kcal [kcal], protein_g, carbohydrate_g, fat_g, fiber_g [g], grain
      ``"entry" | "meal" | "day"``, source_format, source_sha256, source_row, exported_at,
      and, where the export has one, ``day_completed``: the tracker's own "day completed"
      flag, null where the export has none; an ``entries`` frame without the column has none).
    - ``calendar_weights``: output of `transforms.body_weight.daily_body_weight`
      (athlete_id, local_date, weight_kg [kg] ...); only its keys and ``weight_kg`` are used.
    - ``incomplete_days``: (athlete_id, local_date) of the days each athlete marks
      incomplete in the config (``[[athletes]] incomplete_days``); None: no day marked.

    Choice of source, one export per athlete-day, never a sum of two: rows whose grain is
    not in ``precedence`` are not used; among the rest, a day's rows are grouped by export
    (source_format, grain, source_sha256) and the export chosen is, in order,
    1. the finest grain — its position in ``precedence`` (default entry > meal > day,
       `GRAIN_PRECEDENCE`: a finer grain carries the meals);
    2. the most recent ``exported_at`` (so of two exports of one format overlapping a
       day, the newer speaks for it, as design.md's "newer export replaces those dates");
    3. ``source_format`` name, then ``source_sha256``, alphabetically (deterministic).
    Before all three: a tracker's own export over a copy (`SECOND_HAND_FORMATS`: Apple
    Health, whose food records each app wrote; there the unit is one app of one file, the
    one with the most records that day).

    Output columns, besides ``athlete_id`` and ``local_date``:

    - ``energy_kcal`` (kcal), ``protein_g``, ``carbohydrate_g``, ``fat_g``, ``fiber_g`` (g):
      sums of the chosen rows' non-null values; null when the day is not logged (unknown,
      never 0) and null when the nutrient is null in every chosen row.
    - ``protein_g_per_kg``, ``carbohydrate_g_per_kg`` (g/kg/day): divided by the day's
      ``weight_kg`` (whatever its ``weight_source``); null without a positive weight.
    - ``meals_logged`` (Int32): distinct non-blank ``meal`` names among the chosen rows;
      null when the grain is ``"day"``, when no chosen row names a meal (meals unknown),
      or when not logged.
    - ``meals_reaching_protein_target`` (Int32): meals whose summed protein_g is
      ``>= meal_protein_g_per_kg × weight_kg`` (default 0.4 g/kg, `MEAL_PROTEIN_G_PER_KG`,
      Schoenfeld & Aragon 2018); rows without a meal name belong to no meal. Null when
      ``meals_logged`` is null, the weight is unknown or the day's protein_g is null.
    - ``logged`` (Boolean): the day has chosen rows.
    - ``very_low_intake`` (Boolean): ``energy_kcal < min_logged_kcal`` (default 800 kcal,
      `MIN_LOGGED_KCAL`, project heuristic) on a logged day, "very low or incomplete"; null
      when not logged or when energy_kcal is unknown. Such a day is kept (it counts in the
      means and as a deficit day) unless marked incomplete.
    - ``incomplete`` (Boolean): the logged day is marked incomplete and left out of every
      window: listed in ``incomplete_days`` (any intake), or a very-low-intake day its
      tracker marks not completed (``day_completed`` false, from the newest export of the
      chosen source's tracker that uses the flag, see `_tracker_completion`); null when not
      logged.
    - ``incomplete_source`` (String): who marked it, ``"config"`` (wins when both did) or
      ``"tracker"``; null when the day is not marked incomplete.
    - ``nutrition_source`` (String): the chosen source_format; ``nutrition_grain``
      (String): its grain; both null when not logged.
    - ``nutrition_sources_available`` (String): comma-joined, sorted distinct
      source_formats with any row that day (chosen or not); null when none.
    """
    precedence = tuple(precedence)
    if not precedence or len(set(precedence)) != len(precedence):
        raise ValueError(f"precedence must list distinct grains, got {precedence}")

    key_types = {"athlete_id": pl.String, "local_date": pl.Date}
    rows = entries.with_columns(
        *(pl.col(k).cast(t) for k, t in key_types.items()),
        *(pl.col(n).cast(pl.Float64) for n in NUTRIENTS),
        pl.col("meal").cast(pl.String).str.strip_chars().replace("", None).alias("_meal"),
        (pl.col("day_completed").cast(pl.Boolean) if "day_completed" in entries.columns
         else pl.lit(None, pl.Boolean)).alias("_completed"),
        pl.when(pl.col("source_format").is_in(SECOND_HAND_FORMATS))
        .then(pl.col("food").cast(pl.String)).alias("_app"),
        pl.col("source_format").is_in(SECOND_HAND_FORMATS).alias("_second_hand"),
    )
    calendar = calendar_weights.select(
        *(pl.col(k).cast(t) for k, t in key_types.items()),
        pl.col("weight_kg").cast(pl.Float64),
    )

    available = rows.group_by(_KEYS).agg(
        pl.col("source_format").unique().sort().str.join(",").alias(
            "nutrition_sources_available"
        )
    )

    grain_rank = pl.col("grain").replace_strict(
        {g: i for i, g in enumerate(precedence)}, default=None, return_dtype=pl.Int32
    )
    usable = rows.filter(pl.col("grain").is_in(precedence))
    chosen_exports = (
        usable.group_by([*_KEYS, *_EXPORT])
        .agg(pl.col("exported_at").max(), pl.col("_second_hand").first(),
             pl.when(pl.col("_second_hand").first()).then(pl.len()).alias("_records"))
        .sort(
            [*_KEYS, "_second_hand", grain_rank, "exported_at", "_records", "source_format",
             "source_sha256", "_app"],
            descending=[False, False, False, False, True, True, False, False, False],
            nulls_last=True,
        )
        .unique(subset=_KEYS, keep="first", maintain_order=True)
        .select(*_KEYS, *_EXPORT)
    )
    chosen = usable.join(chosen_exports, on=[*_KEYS, *_EXPORT], how="semi", nulls_equal=True)

    meal = pl.col("_meal")
    days = chosen.group_by(_KEYS).agg(
        *(_known_sum(n).alias(n) for n in NUTRIENTS),
        pl.when((pl.col("grain").first() != "day") & (meal.count() > 0))
        .then(meal.drop_nulls().n_unique())
        .cast(pl.Int32)
        .alias("meals_logged"),
        pl.col("source_format").first().alias("nutrition_source"),
        pl.col("grain").first().alias("nutrition_grain"),
    )
    meals = (
        chosen.filter(meal.is_not_null())
        .group_by([*_KEYS, "_meal"])
        .agg(_known_sum("protein_g").alias("_meal_protein_g"))
        .join(calendar, on=_KEYS, how="inner")
        .group_by(_KEYS)
        .agg(
            (pl.col("_meal_protein_g") >= meal_protein_g_per_kg * pl.col("weight_kg"))
            .sum()
            .cast(pl.Int32)
            .alias("_meals_on_target")
        )
    )

    listed = (pl.DataFrame(schema=key_types) if incomplete_days is None else
              incomplete_days.select(*(pl.col(k).cast(t) for k, t in key_types.items()))
              ).unique().with_columns(pl.lit(True).alias("_listed"))

    by_config, by_tracker = INCOMPLETE_SOURCES
    weight = pl.col("weight_kg")
    has_weight = weight.is_not_null() & (weight > 0)
    logged = pl.col("nutrition_source").is_not_null()
    out = (
        calendar.join(days, on=_KEYS, how="left", maintain_order="left")
        .join(meals, on=_KEYS, how="left", maintain_order="left")
        .join(available, on=_KEYS, how="left", maintain_order="left")
        .join(listed, on=_KEYS, how="left", maintain_order="left")
        .with_columns(_family(pl.col("nutrition_source")).alias("_family"))
        .join(_tracker_completion(rows), on=[*_KEYS, "_family"], how="left",
              maintain_order="left")
        .with_columns(
            pl.when(has_weight).then(pl.col("protein_g") / weight).alias("protein_g_per_kg"),
            pl.when(has_weight)
            .then(pl.col("carbohydrate_g") / weight)
            .alias("carbohydrate_g_per_kg"),
            pl.when(
                pl.col("meals_logged").is_not_null()
                & has_weight
                & pl.col("protein_g").is_not_null()
            )
            .then(pl.col("_meals_on_target").fill_null(0))
            .cast(pl.Int32)
            .alias("meals_reaching_protein_target"),
            logged.alias("logged"),
            pl.when(logged).then(pl.col("energy_kcal") < min_logged_kcal)
            .alias("very_low_intake"),
        )
        .with_columns(
            pl.when(logged & pl.col("_listed").fill_null(False)).then(pl.lit(by_config))
            .when(logged & pl.col("very_low_intake").fill_null(False)
                  & ~pl.col("_tracker_completed").fill_null(True)).then(pl.lit(by_tracker))
            .alias("incomplete_source"),
        )
        .with_columns(
            pl.when(logged).then(pl.col("incomplete_source").is_not_null()).alias("incomplete"),
        )
    )
    return out.select(
        *_KEYS,
        *NUTRIENTS,
        "protein_g_per_kg",
        "carbohydrate_g_per_kg",
        "meals_logged",
        "meals_reaching_protein_target",
        "logged",
        "very_low_intake",
        "incomplete",
        "incomplete_source",
        "nutrition_source",
        "nutrition_grain",
        "nutrition_sources_available",
    )
