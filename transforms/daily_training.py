"""Per athlete and local day training facts from FIT sessions: strength, other cardio, energy.

Pure polars, no I/O. Inputs are the raw FIT tables (``schemas.fit``: ``fit_sessions``,
``fit_sets``) with ``athlete_id`` and ``source_sha256``, and for sessions the ``local_date``
of the session start, computed by the caller (see ``transforms.local_days``). A session
lies wholly on the local day it starts: its minutes and energy are not split at midnight.

Every session falls in exactly one class (`classify_sessions`):

* ``running``: FIT sport in ``transforms.running_volume.RUNNING_SPORTS`` (any sub-sport);
* ``strength``: see `is_strength`;
* ``other``: everything else, sessions with an unknown (null) sport and multisport
  ``transition`` segments included.

Durations are the session's **timer time** (``total_timer_time_s``, pauses excluded), in
minutes; where the file has no timer time, its elapsed time is used instead
(``FALL_BACK_TO_ELAPSED``). Missing data stays missing (``../shared/docs/science.md``,
"What the score must never do"): a sum over sessions whose values are all unknown is
null, never 0. A day without any session of a kind is absent from the strength frame and
has 0.0 minutes of that kind in the other-cardio frame (no session recorded is a known 0);
the calendar of days comes from elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from transforms.physiology import age_on, keytel_kcal_per_min
from transforms.running_volume import is_running

DAY_KEYS = ("athlete_id", "local_date")
FILE_KEYS = ("athlete_id", "source_sha256")

#: Session classes written by `classify_sessions` into ``activity_class``.
RUNNING, STRENGTH, OTHER = "running", "strength", "other"

#: (FIT sport, FIT sub-sport) pairs that are strength sessions whatever the file holds.
#: FIT profile (Profile.xlsx, types ``sport``/``sub_sport``): ``training/strength_training``
#: is what Garmin and Suunto watches write for a gym session; ``fitness_equipment`` with
#: ``strength_training`` is the same activity started from the equipment menu.
STRENGTH_SPORT_PAIRS: tuple[tuple[str, str], ...] = (
    ("training", "strength_training"),
    ("fitness_equipment", "strength_training"),
)
#: FIT sports whose sessions also count as strength when their file has ``set`` messages,
#: whatever the sub-sport (e.g. a ``training/generic`` or ``training/cardio_training``
#: workout logged with sets). FIT ``set`` messages exist for strength sets (FIT SDK,
#: "Strength training" / ``set`` message), so a training file with sets is treated as one.
STRENGTH_IF_SETS_SPORTS: tuple[str, ...] = ("training",)

#: FIT ``set_type`` of a working set (the other value is ``rest``). FIT profile ``set_type``.
ACTIVE_SET_TYPE = "active"

#: Hard (working) sets that make a full strength session. A model choice built on the
#: dose-response evidence: Schoenfeld, Ogborn & Krieger 2017 (J Sports Sci 35:1073) found
#: hypertrophy rising with weekly sets, with >= 10 sets per muscle group a week at the
#: top of the range studied, and the ACSM 2009 position stand (Med Sci Sports Exerc
#: 41:687) advises multiple sets per exercise for trained lifters. Two sessions of 6 hard
#: sets (the score's target of 2 sessions) give 12 sets a week; fewer sets count as part
#: of a session (`set_credit`).
FULL_SESSION_SETS = 6.0

#: Other-cardio output columns and the (sport, sub-sport) pairs each sums; a sub-sport of
#: None matches any sub-sport. Names follow the FIT profile ``sport``/``sub_sport`` types.
#: ``fitness_equipment/indoor_cycling`` (a gym bike) counts as cycling, like
#: ``fitness_equipment/indoor_rowing`` counts as rowing. E-biking (sport ``e_biking``) is
#: not cycling here; it still counts in ``other_cardio_min``.
CARDIO_CATEGORIES: Mapping[str, tuple[tuple[str, str | None], ...]] = {
    "cycling_min": (("cycling", None), ("fitness_equipment", "indoor_cycling")),
    "swimming_min": (("swimming", None),),
    "walking_min": (("walking", None),),
    "hiking_min": (("hiking", None),),
    "rowing_min": (("rowing", None), ("fitness_equipment", "indoor_rowing")),
}
#: Column summing every non-running, non-strength session (the categories above included).
OTHER_CARDIO_COLUMN = "other_cardio_min"

#: Use ``total_elapsed_time_s`` where ``total_timer_time_s`` is missing. Project choice:
#: elapsed time includes pauses, so it is an upper bound; better than an unknown duration.
FALL_BACK_TO_ELAPSED = True

#: Session mean heart rates at or below this (bpm) are "no heart rate", not a measurement:
#: devices write 0 when no sensor was paired (e.g. fixtures fit4s/zwift_activity.fit).
#: Keytel et al. 2005 was fitted on exercise heart rates, so such a session gets no estimate.
NO_HEART_RATE_BPM = 0.0

#: Values of ``exercise_kcal_method``.
METHOD_DEVICE, METHOD_KEYTEL, METHOD_MIXED = "device", "keytel", "mixed"


# --- Shared pieces -------------------------------------------------------------------


def session_minutes(*, fall_back_to_elapsed: bool = FALL_BACK_TO_ELAPSED) -> pl.Expr:
    """Duration of a session in **minutes**: ``total_timer_time_s / 60`` (FIT session timer
    time, pauses excluded), else ``total_elapsed_time_s / 60`` when allowed; null when
    unknown."""
    seconds = pl.col("total_timer_time_s")
    if fall_back_to_elapsed:
        seconds = seconds.fill_null(pl.col("total_elapsed_time_s"))
    return seconds.cast(pl.Float64) / 60.0


def _sum_or_null(expr: pl.Expr) -> pl.Expr:
    """Sum within a group, null when every value is null (unknown is not 0)."""
    return pl.when(expr.is_not_null().any()).then(expr.sum())


def _sum_over(mask: pl.Expr, value: pl.Expr) -> pl.Expr:
    """Sum of ``value`` over the rows of the group where ``mask``: 0.0 when no row matches,
    null when rows match but all their values are unknown."""
    picked = pl.when(mask).then(value)
    return (
        pl.when(~mask.any())
        .then(pl.lit(0.0))
        .when(picked.is_not_null().any())
        .then(picked.sum())
        .cast(pl.Float64)
    )


def _sport_is(pairs: Sequence[tuple[str, str | None]]) -> pl.Expr:
    """True where (sport, sub_sport) matches one of ``pairs`` (None = any sub-sport)."""
    sport, sub = pl.col("sport"), pl.col("sub_sport")
    match = pl.lit(False)
    for s, ss in pairs:
        match = match | ((sport == s) & (pl.lit(True) if ss is None else sub == ss))
    return match.fill_null(False)


def _files_with_sets(sets: pl.DataFrame | None) -> pl.DataFrame:
    """One row per (athlete_id, source_sha256) having at least one ``set`` message."""
    schema = {"athlete_id": pl.String, "source_sha256": pl.String}
    if sets is None or sets.height == 0:
        return pl.DataFrame(schema=schema).with_columns(pl.lit(True).alias("_has_sets"))
    return (
        sets.select(*FILE_KEYS).unique().cast(schema).with_columns(pl.lit(True).alias("_has_sets"))
    )


def is_strength(
    has_sets: pl.Expr | None = None,
    *,
    pairs: Sequence[tuple[str, str | None]] = STRENGTH_SPORT_PAIRS,
    sports_with_sets: Sequence[str] = STRENGTH_IF_SETS_SPORTS,
) -> pl.Expr:
    """True for strength sessions: (sport, sub-sport) in ``pairs`` (training or
    fitness_equipment with sub-sport strength_training), or sport in ``sports_with_sets``
    (training) in a file that has ``set`` messages (``has_sets``, a Boolean expression;
    without it only the sport rule applies)."""
    rule = _sport_is(pairs)
    if has_sets is not None:
        rule = rule | (pl.col("sport").is_in(list(sports_with_sets)) & has_sets)
    return rule.fill_null(False)


def set_credit(sets: pl.Expr, sessions: pl.Expr, full_session_sets: float = FULL_SESSION_SETS
               ) -> pl.Expr:
    """Sessions' worth of strength training: min(``sessions``, ``sets`` /
    ``full_session_sets``) when ``sets`` (hard sets) is known and above 0, else ``sessions``
    whole (sets not recorded: the sessions count as full ones, as before sets were read).
    One set of six is 1/6 of a session; fifteen sets are still one session."""
    return (pl.when(sets > 0)
            .then(pl.min_horizontal(sessions, sets / full_session_sets))
            .otherwise(sessions).cast(pl.Float64))


#: Column of `session_credits`: one session's worth of strength training by its sets.
SESSION_CREDIT = "session_credit"


def session_credits(strength: pl.DataFrame, sets: pl.DataFrame | None, *,
                    full_session_sets: float = FULL_SESSION_SETS,
                    active_set_type: str = ACTIVE_SET_TYPE) -> pl.DataFrame:
    """Strength sessions (rows with athlete_id, source_sha256) with ``session_credit``
    (Float64, sessions): the file's `set_credit` of its active sets over its strength
    sessions, shared equally by them (a file holds one strength session, almost always);
    1 for a session of a file without active sets."""
    counts = {"athlete_id": pl.String, "source_sha256": pl.String, "_active": pl.Float64}
    active = (pl.DataFrame(schema=counts) if sets is None or sets.height == 0 else
              sets.group_by(*FILE_KEYS).agg(
                  (pl.col("set_type") == active_set_type).fill_null(False).sum()
                  .cast(pl.Float64).alias("_active")).cast(counts))
    n = pl.len().over(*FILE_KEYS).cast(pl.Float64)
    return (strength.join(active, on=list(FILE_KEYS), how="left", maintain_order="left")
            .with_columns((set_credit(pl.col("_active"), n, full_session_sets) / n)
                          .alias(SESSION_CREDIT))
            .drop("_active"))


def classify_sessions(sessions: pl.DataFrame, sets: pl.DataFrame | None = None) -> pl.DataFrame:
    """``sessions`` with ``activity_class`` (String): "running", "strength" or "other".

    ``sets`` (raw ``fit_sets`` with athlete_id, source_sha256) tells which files have set
    messages; pass None when unknown (then a ``training`` session counts as strength only
    with sub-sport strength_training). Row order and columns of ``sessions`` are kept.
    """
    flagged = sessions.join(
        _files_with_sets(sets), on=list(FILE_KEYS), how="left", maintain_order="left"
    )
    return flagged.with_columns(
        pl.when(is_running().fill_null(False))
        .then(pl.lit(RUNNING))
        .when(is_strength(pl.col("_has_sets").fill_null(False)))
        .then(pl.lit(STRENGTH))
        .otherwise(pl.lit(OTHER))
        .alias("activity_class")
    ).drop("_has_sets")


def _dated(sessions: pl.DataFrame) -> pl.DataFrame:
    """Sessions that have a local day (the others cannot be placed on a day)."""
    return sessions.filter(pl.col("local_date").is_not_null())


# --- Strength ------------------------------------------------------------------------


def strength_by_day(
    sessions: pl.DataFrame,
    sets: pl.DataFrame | None,
    *,
    fall_back_to_elapsed: bool = FALL_BACK_TO_ELAPSED,
    active_set_type: str = ACTIVE_SET_TYPE,
    full_session_sets: float = FULL_SESSION_SETS,
) -> pl.DataFrame:
    """Strength training per athlete and local day.

    ``sessions``: athlete_id, source_sha256, local_date, sport, sub_sport,
    total_timer_time_s, total_elapsed_time_s (raw ``fit_sessions``). ``sets``: athlete_id,
    source_sha256, set_type, repetitions, weight_kg (raw ``fit_sets``), or None.
    Strength sessions are those `classify_sessions` calls "strength" (training or
    fitness_equipment with sub-sport strength_training, or any ``training`` file with set
    messages).

    Columns (one row per athlete-day with at least one strength session):

    * ``strength_sessions`` (Int32): strength sessions that day;
    * ``strength_min`` (Float64, **min**): their summed timer time (`session_minutes`);
    * ``strength_sets`` (Int32): active sets (``set_type == "active"``) in those files;
      null when none of that day's strength files has set messages (sets unknown, e.g. a
      watch that logs no sets), 0 when the files have only rest sets;
    * ``strength_reps`` (Int64): sum of ``repetitions`` over active sets; null when no
      active set has a repetition count;
    * ``strength_volume_kg`` (Float64, **kg**): sum of repetitions × weight_kg over active
      sets having both (volume load, reps × load); null when no set has both.
      Body-weight sets (no load recorded) add nothing;
    * ``strength_session_credit`` (Float64, sessions): the sessions weighted by their
      active sets, per file `set_credit` (its strength sessions that day, its active sets,
      ``full_session_sets``); a file without active sets counts its sessions whole.

    The sets of a file are credited to the local day of that file's (first) strength
    session; sets of files with no strength session are ignored.
    """
    strength = _dated(classify_sessions(sessions, sets)).filter(
        pl.col("activity_class") == STRENGTH
    )
    days = strength.group_by(*DAY_KEYS).agg(
        pl.len().cast(pl.Int32).alias("strength_sessions"),
        _sum_or_null(session_minutes(fall_back_to_elapsed=fall_back_to_elapsed))
        .cast(pl.Float64)
        .alias("strength_min"),
    )
    file_day = strength.group_by(*FILE_KEYS).agg(pl.col("local_date").min())
    set_cols = {
        "athlete_id": pl.String, "source_sha256": pl.String, "set_type": pl.String,
        "repetitions": pl.Int64, "weight_kg": pl.Float64,
    }
    set_rows = (
        pl.DataFrame(schema=set_cols)
        if sets is None or sets.height == 0
        else sets.select(*set_cols).cast(set_cols)
    )
    active = pl.col("set_type") == active_set_type
    reps = pl.when(active).then(pl.col("repetitions"))
    by_sets = (
        set_rows.join(file_day, on=list(FILE_KEYS), how="inner")
        .group_by(*DAY_KEYS)
        .agg(
            active.fill_null(False).sum().cast(pl.Int32).alias("strength_sets"),
            _sum_or_null(reps).cast(pl.Int64).alias("strength_reps"),
            _sum_or_null(reps * pl.col("weight_kg")).cast(pl.Float64).alias("strength_volume_kg"),
        )
    )
    credit = (session_credits(strength, set_rows, full_session_sets=full_session_sets,
                              active_set_type=active_set_type)
              .group_by(*DAY_KEYS)
              .agg(pl.col(SESSION_CREDIT).sum().alias("strength_session_credit")))
    return (days.join(by_sets, on=list(DAY_KEYS), how="left")
            .join(credit, on=list(DAY_KEYS), how="left").sort(*DAY_KEYS))


#: Strength and running closer than this (hours, between one's end and the other's start)
#: interfere: Murach & Bagley 2016 (Sports Med 46:1029) advise separating them by 6-24 h.
STRENGTH_NEAR_RUN_H = 6.0


def strength_near_run_by_day(
    sessions: pl.DataFrame, sets: pl.DataFrame | None = None, *,
    near_h: float = STRENGTH_NEAR_RUN_H,
) -> pl.DataFrame:
    """Strength sessions less than ``near_h`` hours from a run, per athlete and local day.

    ``sessions``: as for `strength_by_day`, plus ``timestamp_utc`` (session start) and
    ``session_end_utc``. A strength session is near a run when the gap between them (end
    of the earlier to start of the later; 0 when they overlap) is below ``near_h`` hours;
    a session without its start or end time is not counted. Columns
    ``strength_near_run_sessions`` (Int32) and ``strength_near_run_credit`` (Float64,
    sessions: the sum of their ``session_credit`` where ``sessions`` has that column, see
    `session_credits`; else 1 each), one row per athlete-day with such a session.
    """
    classified = _dated(classify_sessions(sessions, sets))
    cols = ["athlete_id", "source_sha256", "segment", "message_seq", "local_date",
            "timestamp_utc", "session_end_utc", SESSION_CREDIT]
    have = [c for c in cols if c in classified.columns]
    timed = classified.filter(pl.col("timestamp_utc").is_not_null()
                              & pl.col("session_end_utc").is_not_null())
    strength = timed.filter(pl.col("activity_class") == STRENGTH).select(have)
    runs = timed.filter(pl.col("activity_class") == RUNNING).select(
        "athlete_id", pl.col("timestamp_utc").alias("run_start"),
        pl.col("session_end_utc").alias("run_end"))
    gap = pl.max_horizontal(pl.col("timestamp_utc") - pl.col("run_end"),
                            pl.col("run_start") - pl.col("session_end_utc"))
    near = (
        strength.join(runs, on="athlete_id", how="inner")
        .filter(gap < pl.duration(seconds=near_h * 3600))
        .unique(subset=[c for c in have if c not in ("timestamp_utc", "session_end_utc",
                                                     SESSION_CREDIT)])
    )
    credit = (pl.col(SESSION_CREDIT).fill_null(1.0) if SESSION_CREDIT in have
              else pl.lit(1.0))
    return (near.group_by(*DAY_KEYS)
            .agg(pl.len().cast(pl.Int32).alias("strength_near_run_sessions"),
                 credit.sum().cast(pl.Float64).alias("strength_near_run_credit"))
            .sort(*DAY_KEYS))


# --- Other cardio --------------------------------------------------------------------


def other_cardio_by_day(
    sessions: pl.DataFrame,
    sets: pl.DataFrame | None = None,
    *,
    categories: Mapping[str, Sequence[tuple[str, str | None]]] = CARDIO_CATEGORIES,
    fall_back_to_elapsed: bool = FALL_BACK_TO_ELAPSED,
) -> pl.DataFrame:
    """Minutes of non-running, non-strength sessions per athlete and local day.

    ``sessions``: athlete_id, source_sha256, local_date, sport, sub_sport,
    total_timer_time_s, total_elapsed_time_s. ``sets`` (optional, raw ``fit_sets``) lets a
    ``training`` file with set messages count as strength, as in `strength_by_day`; without
    it such a file (if its sub-sport is not strength_training) counts here.

    Columns, all Float64 **minutes** of session timer time (`session_minutes`): one per key
    of ``categories`` (default ``cycling_min``, ``swimming_min``, ``walking_min``,
    ``hiking_min``, ``rowing_min``; see `CARDIO_CATEGORIES`), and ``other_cardio_min``, the
    sum over every non-running, non-strength session (the categories above, plus e.g.
    elliptical, transition, generic or unknown sport). One row per athlete-day with at least
    one such session; a category without a session that day is 0.0, one whose sessions all
    lack a duration is null.
    """
    other = _dated(classify_sessions(sessions, sets)).filter(pl.col("activity_class") == OTHER)
    minutes = session_minutes(fall_back_to_elapsed=fall_back_to_elapsed)
    return (
        other.group_by(*DAY_KEYS)
        .agg(
            *(_sum_over(_sport_is(pairs), minutes).alias(name)
              for name, pairs in categories.items()),
            _sum_or_null(minutes).cast(pl.Float64).alias(OTHER_CARDIO_COLUMN),
        )
        .sort(*DAY_KEYS)
    )


# --- Exercise energy -----------------------------------------------------------------


def session_energy(
    sessions: pl.DataFrame,
    athletes: pl.DataFrame,
    *,
    fall_back_to_elapsed: bool = FALL_BACK_TO_ELAPSED,
    no_heart_rate_bpm: float = NO_HEART_RATE_BPM,
) -> pl.DataFrame:
    """``sessions`` with the exercise energy of each session: ``keytel_kcal`` and
    ``session_kcal`` (Float64, **kcal**, gross) and ``session_kcal_method`` (String).

    science.md, "Energy": prefer the device's session ``total_calories_kcal``
    (``method = "device"``); where it is missing, Keytel et al. 2005 (J Sports Sci 23:289)
    from the session's mean heart rate: `transforms.physiology.keytel_kcal_per_min`
    (avg_heart_rate_bpm, weight_kg, age, sex) × session minutes (``"keytel"``), age from
    `transforms.physiology.age_on` (birth_year, local_date). Neither → null kcal and null
    method. A mean HR ≤ ``no_heart_rate_bpm`` (0) is no heart rate.

    ``athletes``: athlete_id, sex ("male"/"female"), birth_year, weight_kg (kg); one row
    per athlete, or per athlete and ``local_date`` when it has that column (day weights).
    An athlete missing there gets no Keytel estimate.
    """
    keys = [k for k in DAY_KEYS if k in athletes.columns]
    if athletes.select(keys).is_duplicated().any():
        raise ValueError(f"athletes must have one row per {', '.join(keys)}")
    facts = athletes.select(
        *keys,
        pl.col("sex").alias("_sex"),
        pl.col("birth_year").alias("_birth_year"),
        pl.col("weight_kg").cast(pl.Float64).alias("_weight_kg"),
    )
    hr = pl.col("avg_heart_rate_bpm").cast(pl.Float64)
    minutes = session_minutes(fall_back_to_elapsed=fall_back_to_elapsed)
    keytel = keytel_kcal_per_min(
        pl.when(hr > no_heart_rate_bpm).then(hr),
        "_weight_kg",
        age_on("_birth_year", "local_date"),
        "_sex",
    ) * minutes
    device = pl.col("total_calories_kcal").cast(pl.Float64)
    return (
        sessions.join(facts, on=keys, how="left", maintain_order="left")
        .with_columns(keytel.alias("keytel_kcal"))
        .with_columns(
            device.fill_null(pl.col("keytel_kcal")).alias("session_kcal"),
            pl.when(device.is_not_null())
            .then(pl.lit(METHOD_DEVICE))
            .when(pl.col("keytel_kcal").is_not_null())
            .then(pl.lit(METHOD_KEYTEL))
            .alias("session_kcal_method"),
        )
        .drop("_sex", "_birth_year", "_weight_kg")
    )


def exercise_energy_by_day(
    sessions: pl.DataFrame,
    hr_minutes: pl.DataFrame | None,
    athletes: pl.DataFrame,
    *,
    fall_back_to_elapsed: bool = FALL_BACK_TO_ELAPSED,
    no_heart_rate_bpm: float = NO_HEART_RATE_BPM,
) -> pl.DataFrame:
    """Gross exercise energy per athlete and local day, every sport included.

    ``sessions``: athlete_id, local_date, total_calories_kcal, avg_heart_rate_bpm,
    total_timer_time_s, total_elapsed_time_s. ``athletes``: see `session_energy`.
    ``hr_minutes`` is reserved for a per-minute heart-rate estimate and **currently not
    used** (None is fine): the Keytel fallback uses each session's mean heart rate.

    Columns (one row per athlete-day with a session):

    * ``exercise_kcal`` (Float64, **kcal**): sum of the sessions' `session_energy`
      (device total_calories, else Keytel from mean HR); null when no session has either.
      Gross: it includes the resting energy of the exercise minutes (science.md: subtract
      it for energy availability, or say gross is used).
    * ``exercise_kcal_method`` (String): "device" when every session that day has device
      calories; "keytel" when every session was estimated from heart rate (none had device
      calories); null when no session has an estimate; otherwise "mixed" — device and Keytel
      sessions, or a day where some sessions have no estimate at all (then
      ``exercise_kcal`` is a lower bound, see the next column).
    * ``exercise_sessions_unestimated`` (Int32): sessions that day with neither device
      calories nor a usable heart rate.
    * ``exercise_min`` (Float64, **min**): the summed duration (`session_minutes`) of the
      sessions whose energy is in ``exercise_kcal``, the time whose resting energy the net
      exercise energy of energy availability subtracts; null when ``exercise_kcal`` is,
      or when one of them has no duration.
    """
    del hr_minutes  # reserved: per-minute Keytel from records is not implemented yet
    per_session = _dated(
        session_energy(
            sessions, athletes,
            fall_back_to_elapsed=fall_back_to_elapsed, no_heart_rate_bpm=no_heart_rate_bpm,
        )
    )
    method = pl.col("session_kcal_method")
    minutes = session_minutes(fall_back_to_elapsed=fall_back_to_elapsed)
    return (
        per_session.group_by(*DAY_KEYS)
        .agg(
            _sum_or_null(pl.col("session_kcal")).cast(pl.Float64).alias("exercise_kcal"),
            pl.when((method == METHOD_DEVICE).fill_null(False).all())
            .then(pl.lit(METHOD_DEVICE))
            .when((method == METHOD_KEYTEL).fill_null(False).all())
            .then(pl.lit(METHOD_KEYTEL))
            .when(method.is_null().all())
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(pl.lit(METHOD_MIXED))
            .alias("exercise_kcal_method"),
            method.is_null().sum().cast(pl.Int32).alias("exercise_sessions_unestimated"),
            pl.when(method.is_not_null().any()
                    & ~(method.is_not_null() & minutes.is_null()).any())
            .then(minutes.filter(method.is_not_null()).sum()).cast(pl.Float64)
            .alias("exercise_min"),
        )
        .sort(*DAY_KEYS)
    )
