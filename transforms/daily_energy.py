"""Energy per athlete and local day: resting and exercise expenditure, intake, balance and
energy availability."""

from __future__ import annotations

import polars as pl

from transforms.physiology import age_on, cunningham_kcal, mifflin_st_jeor_kcal

#: Multiplier of resting energy for a day's non-exercise living (the "sedentary" activity
#: factor applied to predicted resting energy in clinical practice, Harris & Benedict
#: 1918 / Mifflin 1990 usage); exercise is added on top. Configurable.
NON_EXERCISE_ACTIVITY_FACTOR = 1.2
#: Minutes of a day, to spread resting energy (kcal/day) over the exercise minutes.
MINUTES_PER_DAY = 1440.0


def net_exercise_kcal(exercise_kcal: pl.Expr, exercise_min: pl.Expr,
                      resting_kcal: pl.Expr) -> pl.Expr:
    """Exercise energy net of the resting energy of its minutes, kcal: exercise_kcal -
    resting_kcal / 1440 x exercise_min, never below 0 (a device that reports less than
    resting energy for the time has no net cost). Energy availability counts exercise
    energy net of resting (Loucks et al. 2011, J Sports Sci 29:S7; IOC REDs consensus,
    Mountjoy et al. 2023, Br J Sports Med 57:1073); null when any input is unknown."""
    net = exercise_kcal - resting_kcal / MINUTES_PER_DAY * exercise_min
    return pl.when(net.is_not_null()).then(pl.max_horizontal(net, pl.lit(0.0)))


def daily_energy(
    days: pl.DataFrame,
    athletes: pl.DataFrame,
    *,
    activity_factor: float = NON_EXERCISE_ACTIVITY_FACTOR,
) -> pl.DataFrame:
    """Per calendar day: `resting_kcal` (kcal/day; Cunningham 1980 from fat-free mass when
    body fat is known, else Mifflin-St Jeor 1990; `resting_method` says which),
    `expenditure_kcal` (resting × activity factor + exercise; null when the day's exercise
    energy is unknown), `balance_kcal` (intake − expenditure; null on unlogged days), and
    `energy_availability_kcal_per_kg_ffm` ((intake − net exercise energy) / fat-free mass,
    kcal/kg FFM/day, Loucks & Thuma 2003; net exercise energy: `net_exercise_kcal`, the
    resting energy of the exercise minutes taken off; null without fat-free mass, intake
    or exercise minutes).

    `days` has athlete_id, local_date, weight_kg, weight_source, fat_free_mass_kg,
    intake_kcal (null when unlogged), exercise_kcal (null when none or unknown),
    exercise_min (the minutes of the sessions in exercise_kcal, min);
    `athletes` has athlete_id, sex, birth_year, height_cm.
    """
    joined = days.join(athletes.select("athlete_id", "sex", "birth_year", "height_cm"),
                       on="athlete_id", how="left")
    mifflin = mifflin_st_jeor_kcal(pl.col("weight_kg"), pl.col("height_cm"),
                                   age_on(pl.col("birth_year"), pl.col("local_date")),
                                   pl.col("sex"))
    cunningham = cunningham_kcal(pl.col("fat_free_mass_kg"))
    exercise = pl.col("exercise_kcal")  # 0 on rest days; null when a session's is unknown
    out = joined.with_columns(
        pl.coalesce(cunningham, mifflin).alias("resting_kcal"),
        pl.when(cunningham.is_not_null()).then(pl.lit("cunningham"))
        .when(mifflin.is_not_null()).then(pl.lit("mifflin_st_jeor")).alias("resting_method"),
    )
    return out.with_columns(
        (pl.col("resting_kcal") * activity_factor + exercise).alias("expenditure_kcal"),
    ).with_columns(
        (pl.col("intake_kcal") - pl.col("expenditure_kcal")).alias("balance_kcal"),
        ((pl.col("intake_kcal")
          - net_exercise_kcal(exercise, pl.col("exercise_min"), pl.col("resting_kcal")))
         / pl.col("fat_free_mass_kg")).alias("energy_availability_kcal_per_kg_ffm"),
    ).drop("sex", "birth_year", "height_cm")
