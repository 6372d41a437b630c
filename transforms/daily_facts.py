"""All daily facts from the raw frames: the composition of the metric modules.

Pure: raw frames in (as the warehouse holds them), the three daily fact frames out, with
the columns and order of `schemas.marts`. Rebuilt from scratch on every build, so a
correction anywhere in the raw tables flows through.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import polars as pl

from schemas.config import resolve_zone_model
from schemas.frames import RawFrames
from schemas.marts import (
    DAILY_ENERGY,
    DAILY_NUTRITION,
    DAILY_TRAINING,
    LONGEST_LOCAL_DAY_MIN,
)
from schemas.scoring import FactConstants
from transforms.activity_identity import SUPERSEDED_SCHEMA, count_once, without_files
from transforms.body_weight import daily_body_weight
from transforms.calendar import calendar
from transforms.daily_energy import daily_energy
from transforms.daily_nutrition import daily_nutrition
from transforms.daily_training import (
    STRENGTH,
    classify_sessions,
    exercise_energy_by_day,
    other_cardio_by_day,
    session_credits,
    strength_by_day,
    strength_near_run_by_day,
)
from transforms.intensity import choose_max_hr, intensity_by_day
from transforms.load import training_load
from transforms.local_days import (
    by_athlete,
    day_length_min,
    file_codes,
    local_times,
    session_sport,
)
from transforms.running_volume import running_by_day, sample_deltas
from transforms.strength_log import ROW_SCHEMA, log_sessions, strength_log_by_day

#: Columns that are 0 on a calendar day without any recorded activity of their kind (a
#: day with that activity keeps its value, null included: unknown is not zero).
ZERO_WITHOUT = {
    "__run": ("run_distance_km", "run_moving_min", "run_sessions", "longest_run_min",
              "elevation_gain_m", "z1_min", "z2_min", "z3_min", "z4_min", "z5_min",
              "hr_covered_min", "high_intensity_min"),
    "__strength": ("strength_sessions", "strength_min", "strength_sets", "strength_reps",
                   "strength_volume_kg", "strength_session_credit"),
    "__near": ("strength_near_run_sessions", "strength_near_run_credit"),
    "__cardio": ("cycling_min", "swimming_min", "walking_min", "hiking_min", "rowing_min",
                 "other_cardio_min"),
}


#: Values of `[[athletes]] strength_source` (schemas.config) and of the mart column.
STRENGTH_WATCH, STRENGTH_LOG, STRENGTH_NONE = "watch", "log", "none"
#: The strength columns that are null for an athlete whose strength is not recorded.
STRENGTH_COLUMNS = (*ZERO_WITHOUT["__strength"], *ZERO_WITHOUT["__near"])


@dataclass
class DailyFacts:
    training: pl.DataFrame
    nutrition: pl.DataFrame
    energy: pl.DataFrame
    #: FIT files left out as another file holds the same activity
    #: (transforms.activity_identity.superseded_files).
    superseded: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema=SUPERSEDED_SCHEMA))


def counted_once(raw: RawFrames) -> tuple[RawFrames, pl.DataFrame]:
    """The raw frames without the FIT files another file of the same activity supersedes
    (transforms.activity_identity), and those files."""
    records, superseded = count_once(raw.sessions, raw.records, raw.file_id, raw.files)
    if superseded.height == 0:
        return raw, superseded
    return replace(raw, records=records, **{
        name: without_files(getattr(raw, name), superseded)
        for name in ("sessions", "activity", "sets")}), superseded


def hr_settings(athletes: pl.DataFrame, samples: pl.DataFrame, today: date) -> pl.DataFrame:
    """Per athlete: the zone model used ("auto" resolved, `schemas.config.resolve_zone_model`),
    the max HR used and where it came from, resting HR, LTHR, sex
    (`transforms.intensity.choose_max_hr` per athlete)."""
    rows = []
    heart_rates = {a: f["heart_rate_bpm"] for a, f in by_athlete(samples)} if samples.height else {}
    for a in athletes.iter_rows(named=True):  # one row per athlete, not per sample
        hr = heart_rates.get(a["athlete_id"], pl.Series([], dtype=pl.Float64))
        choice = choose_max_hr(a["max_hr"], hr.drop_nulls(), a["birth_year"], today.year)
        rows.append({"athlete_id": a["athlete_id"],
                     "zone_model": resolve_zone_model(a["zone_model"], a["resting_hr"],
                                                      a["lthr"]),
                     "max_hr": choice.bpm, "max_hr_source": choice.source,
                     "resting_hr": a["resting_hr"], "lthr": a["lthr"], "sex": a["sex"]})
    schema = {"athlete_id": pl.String, "zone_model": pl.String, "max_hr": pl.Float64,
              "max_hr_source": pl.String, "resting_hr": pl.Float64, "lthr": pl.Float64,
              "sex": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _athlete_samples(records: pl.DataFrame, athlete: str, raw: RawFrames,
                     zones: dict[str, str], k: FactConstants) -> pl.DataFrame:
    """One athlete's samples placed on local days and sports, with per-sample deltas (file
    codes are per athlete, so the same file under two athletes never mixes)."""
    records, codes = file_codes(records)
    mine = pl.col("athlete_id") == athlete
    activity = raw.activity.filter(mine).join(codes, on="source_sha256", how="inner")
    sessions = _sport_sources(raw, mine).join(codes, on="source_sha256", how="inner")
    samples = session_sport(local_times(records, activity, zones, "file_code"), sessions,
                            "file_code")
    return sample_deltas(samples, k.max_gap_s, "file_code")


_SPORT_COLUMNS = ("source_sha256", "start_time_utc", "timestamp_utc", "sport", "sub_sport")


def _sport_sources(raw: RawFrames, mine: pl.Expr) -> pl.DataFrame:
    """Where the samples of one athlete's files take their sport from: the sessions; for a
    file without any (a partial file, cut off before its session was written) its laps,
    else its `sport` messages (written as an activity starts, they hold no time)."""
    sessions = raw.sessions.filter(mine).select(_SPORT_COLUMNS)
    if raw.laps is None or raw.sports is None:
        return sessions
    known = sessions.select("source_sha256")
    laps = raw.laps.filter(mine).select(_SPORT_COLUMNS).join(known, on="source_sha256",
                                                             how="anti")
    sports = raw.sports.filter(mine).join(pl.concat([known, laps.select("source_sha256")]),
                                          on="source_sha256", how="anti")
    if laps.height == 0 and sports.height == 0:  # the usual case: every file has a session
        return sessions
    untimed = sports.select(
        "source_sha256", *(pl.lit(None, sessions.schema[c]).alias(c)
                           for c in ("start_time_utc", "timestamp_utc")), "sport", "sub_sport")
    return pl.concat([sessions, laps, untimed], how="vertical_relaxed")


def _session_days(raw: RawFrames, zones: dict[str, str]) -> pl.DataFrame:
    """Sessions placed on the local day they started."""
    starts = raw.sessions.with_columns(
        pl.coalesce("start_time_utc", "timestamp_utc").alias("__start"),
    ).rename({"timestamp_utc": "session_end_utc"}).rename({"__start": "timestamp_utc"})
    return local_times(starts, raw.activity, zones)


def strength_sources(athletes: pl.DataFrame) -> pl.DataFrame:
    """athlete_id and strength_source ("watch" where the frame has no such column)."""
    source = (pl.col("strength_source").fill_null(STRENGTH_WATCH)
              if "strength_source" in athletes.columns else pl.lit(STRENGTH_WATCH))
    return athletes.select("athlete_id", source.alias("strength_source"))


def strength_facts(sessions: pl.DataFrame, sets: pl.DataFrame, log: pl.DataFrame | None,
                   sources: pl.DataFrame, zones: dict[str, str], k: FactConstants
                   ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Strength per athlete and day from where each athlete's strength is recorded
    (`sources`, from `strength_sources`), and the strength sessions near a run:

    * "watch": the FIT strength sessions (`transforms.daily_training.strength_by_day`);
    * "log": the strength log's rows (`transforms.strength_log.strength_log_by_day`) and
      no FIT strength session: the log is the record of lifting, so a session both logged
      and recorded by the watch counts once; near a run when the row has a start time;
    * "none": no rows (the caller makes the columns null: strength unknown).
    """
    def of(source: str) -> pl.Expr:
        ids = sources.filter(pl.col("strength_source") == source)["athlete_id"]
        return pl.col("athlete_id").is_in(ids.implode())

    log = log if log is not None else pl.DataFrame(schema={"athlete_id": pl.String,
                                                           "source_sha256": pl.String,
                                                           **ROW_SCHEMA})
    logged = log.filter(of(STRENGTH_LOG))
    strength = pl.concat([
        strength_by_day(sessions.filter(of(STRENGTH_WATCH)), sets,
                        full_session_sets=k.full_session_sets),
        strength_log_by_day(logged, full_session_sets=k.full_session_sets),
    ], how="vertical_relaxed")
    # the sessions a run can be near: every FIT session of a "watch" athlete (its strength
    # sessions with their set credit); the other athletes' FIT sessions less their
    # strength ones, and their log's timed rows
    classified = classify_sessions(sessions, sets)
    lifting = pl.col("activity_class") == STRENGTH
    watch_strength = session_credits(classified.filter(of(STRENGTH_WATCH) & lifting), sets,
                                     full_session_sets=k.full_session_sets)
    placed = log_sessions(logged, zones, full_session_sets=k.full_session_sets).with_columns(
        pl.col(c).dt.convert_time_zone(sessions.schema[c].time_zone or "UTC")
        .dt.cast_time_unit(sessions.schema[c].time_unit)
        for c in ("timestamp_utc", "session_end_utc"))
    timed = pl.concat([classified.filter(~lifting), watch_strength, placed],
                      how="diagonal_relaxed").drop("activity_class")
    near = strength_near_run_by_day(timed, sets, near_h=k.strength_near_run_h)
    return strength, near


def _at_most(column: str, bound: pl.Expr) -> pl.Expr:
    """`column` clipped to `bound` above, null kept null."""
    return pl.when(pl.col(column).is_not_null()).then(
        pl.min_horizontal(pl.col(column), bound)).alias(column)


def within_the_day(training: pl.DataFrame, zones: dict[str, str]) -> pl.DataFrame:
    """The per-day minute sums of samples clipped, in this order, to what the day can hold:
    moving time to the day's length in the athlete's zone
    (`transforms.local_days.day_length_min`; a sample's gap is credited to the day of the
    sample ending it, and float sums taken in any order may pass a limit by an ulp, e.g.
    1440.00000000009 for a day of continuous recording), the longest run and the minutes
    covered by heart rate to the moving time, each zone and the minutes above the second
    threshold to the covered minutes. A clip
    returns its bound exactly, so zone <= covered <= moving <= the day's length holds
    whatever the order of the sums: the bounds of `schemas.expectations` cannot fail."""
    day = day_length_min(zones, LONGEST_LOCAL_DAY_MIN)
    return (training.with_columns(_at_most("run_moving_min", day))
            .with_columns(_at_most("longest_run_min", pl.col("run_moving_min")),
                          _at_most("hr_covered_min", pl.col("run_moving_min")))
            .with_columns(*[_at_most(c, pl.col("hr_covered_min"))
                            for c in ("z1_min", "z2_min", "z3_min", "z4_min", "z5_min",
                                      "high_intensity_min")]))


def marked_incomplete(athletes: pl.DataFrame) -> pl.DataFrame | None:
    """(athlete_id, local_date) of the days the config marks incomplete: the athletes'
    `incomplete_days` lists (None when the frame has no such column)."""
    if "incomplete_days" not in athletes.columns:
        return None
    return (athletes.select("athlete_id", pl.col("incomplete_days").alias("local_date"))
            .explode("local_date").drop_nulls("local_date"))


def daily_facts(raw: RawFrames, athletes: pl.DataFrame, today: date,
                constants: FactConstants | None = None) -> DailyFacts:
    """The three daily fact frames. `athletes` has athlete_id, timezone, sex, birth_year,
    height_cm, weight_kg, max_hr, resting_hr, lthr, zone_model and optionally
    incomplete_days (a list of dates per athlete); `constants`: the config's
    `[scoring]` (defaults when None)."""
    k = constants or FactConstants()
    raw, superseded = counted_once(raw)
    zones = dict(athletes.select("athlete_id", "timezone").iter_rows())
    per_athlete = [_athlete_samples(frame, athlete, raw, zones, k) for athlete, frame in
                   by_athlete(raw.records.filter(pl.col("timestamp_utc").is_not_null()))]
    deltas = (per_athlete[0] if len(per_athlete) == 1 else
              pl.concat(per_athlete, how="diagonal_relaxed") if per_athlete else
              sample_deltas(raw.records.with_columns(
                  pl.lit(None, pl.Date).alias("local_date"), pl.lit(None, pl.String)
                  .alias("sport"), pl.lit(None, pl.UInt32).alias("file_code")), k.max_gap_s,
                  "file_code"))
    settings = hr_settings(athletes, deltas, today)
    sessions = _session_days(raw, zones)
    sets = raw.sets

    flag = pl.lit(True)
    run = running_by_day(deltas, "file_code").with_columns(flag.alias("__run"))
    zone_min, trimp = intensity_by_day(deltas, settings.drop("max_hr_source"),
                                       female_multiplier=k.trimp_female_a)
    sources = strength_sources(athletes)
    strength, near = strength_facts(sessions, sets, raw.strength_log, sources, zones, k)
    strength = strength.with_columns(flag.alias("__strength"))
    near = near.with_columns(flag.alias("__near"))
    cardio = other_cardio_by_day(sessions, sets).with_columns(flag.alias("__cardio"))
    exercise = exercise_energy_by_day(sessions, None, athletes)

    body = raw.body_measurements
    # days with samples: running days, and days of any sport with heart rate (a ride past
    # midnight) - known from the small per-day frames, not by grouping every sample again
    sample_days = pl.concat([run.select("athlete_id", "local_date"),
                             trimp.select("athlete_id", "local_date")])
    days = calendar(run, sessions, sample_days, raw.nutrition_entries, body)
    activity_days = pl.concat([sessions.select("athlete_id", "local_date"), sample_days]
                              ).unique().with_columns(pl.lit(True).alias("__active"))
    fit_span = (
        activity_days.group_by("athlete_id")
        .agg(pl.col("local_date").min().alias("__fit_first"),
             pl.col("local_date").max().alias("__fit_last"))
    )
    training = (
        days.join(run, on=["athlete_id", "local_date"], how="left")
        .join(zone_min, on=["athlete_id", "local_date"], how="left")
        .join(trimp, on=["athlete_id", "local_date"], how="left")
        .join(strength, on=["athlete_id", "local_date"], how="left")
        .join(near, on=["athlete_id", "local_date"], how="left")
        .join(cardio, on=["athlete_id", "local_date"], how="left")
        .join(exercise, on=["athlete_id", "local_date"], how="left")
        .join(activity_days, on=["athlete_id", "local_date"], how="left")
        .join(settings.select("athlete_id", pl.col("max_hr").alias("max_hr_bpm"),
                              "max_hr_source", "zone_model"), on="athlete_id", how="left")
        .join(fit_span, on="athlete_id", how="left")
        .join(sources, on="athlete_id", how="left")
    )
    # Zero means "no activity of that kind recorded" - only between the athlete's first
    # and last day of FIT data; outside it (food logs before the first watch file) the
    # training columns stay unknown.
    recorded = pl.col("local_date").is_between(pl.col("__fit_first"), pl.col("__fit_last"))
    inactive = pl.col("__active").is_null()
    training = training.with_columns(
        *[pl.when(pl.col(marker).is_null() & recorded).then(0).otherwise(pl.col(c)).alias(c)
          for marker, columns in ZERO_WITHOUT.items() for c in columns],
        pl.when(inactive & recorded & pl.col("trimp").is_null()).then(0.0)
        .otherwise(pl.col("trimp")).alias("trimp"),
        pl.when(inactive & recorded & pl.col("exercise_kcal").is_null()).then(0.0)
        .otherwise(pl.col("exercise_kcal")).alias("exercise_kcal"),
    ).with_columns(
        # strength recorded nowhere: unknown on every day, never a known 0
        *[pl.when(~(pl.col("strength_source") == STRENGTH_NONE).fill_null(False))
          .then(pl.col(c)).alias(c)
          for c in STRENGTH_COLUMNS],
    )
    training = training_load(within_the_day(training, zones), acute_days=k.acute_load_days,
                             chronic_days=k.chronic_load_days,
                             fitness_days=k.fitness_load_days, watch_data=recorded).select(
        [c for c, _ in DAILY_TRAINING])

    weights = daily_body_weight(days, body, athletes.select("athlete_id", "weight_kg"),
                                body_fat_carry_days=k.body_fat_carry_days)
    nutrition = daily_nutrition(raw.nutrition_entries, weights,
                                meal_protein_g_per_kg=k.meal_protein_g_per_kg,
                                min_logged_kcal=k.min_logged_kcal,
                                incomplete_days=marked_incomplete(athletes)).select(
        [c for c, _ in DAILY_NUTRITION])
    energy_in = (
        weights.join(nutrition.select("athlete_id", "local_date",
                                      pl.col("energy_kcal").alias("intake_kcal")),
                     on=["athlete_id", "local_date"], how="left")
        .join(training.select("athlete_id", "local_date", "exercise_kcal"),
              on=["athlete_id", "local_date"], how="left")
        .join(exercise.select("athlete_id", "local_date", "exercise_min",
                              pl.lit(True).alias("__sessions")),
              on=["athlete_id", "local_date"], how="left")
        # a day without sessions whose exercise energy is known (0) has 0 exercise minutes
        .with_columns(pl.when(pl.col("__sessions")).then(pl.col("exercise_min"))
                      .when(pl.col("exercise_kcal").is_not_null()).then(0.0)
                      .alias("exercise_min"))
    )
    energy = daily_energy(energy_in, athletes, activity_factor=k.activity_factor).select(
        [c for c, _ in DAILY_ENERGY])
    return DailyFacts(training, nutrition, energy, superseded)
