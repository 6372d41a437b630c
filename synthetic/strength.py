"""Strength sessions as a watch records them: heart rate at 1 Hz and FIT `set` messages.

Times in seconds after the session's start, loads in kg, heart rates in bpm; instants are
tz-aware UTC datetimes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fitparse.profile import FIELD_TYPES

from synthetic.athlete import (
    STRENGTH_KCAL_PER_KG_MIN,
    GeneratedFile,
    OffsetFn,
    Physiology,
    SyntheticAthlete,
    pick,
    record_rows,
    write_activity,
    write_preamble,
    write_sport_header,
)
from synthetic.fit_writer import FitWriter, to_fit_timestamp

__all__ = ["strength_file"]


def _exercise_subtype(category: str, exercise: str) -> int:
    """Raw ``category_subtype`` of ``exercise`` (FIT profile type ``<category>_exercise_name``)."""
    names = FIELD_TYPES[f"{category}_exercise_name"].values
    return next(raw for raw, name in names.items() if name == exercise)


@dataclass(frozen=True)
class _Exercise:
    """A strength exercise: FIT category/name, reps range and load range (kg, None = body)."""

    category: str
    exercise: str
    reps: tuple[int, int]
    load_kg: tuple[float, float] | None
    hold_s: int | None = None  # isometric exercises are timed, not counted


_EXERCISES: tuple[_Exercise, ...] = (
    _Exercise("squat", "barbell_back_squat", (6, 10), (35.0, 55.0)),
    _Exercise("deadlift", "single_leg_romanian_deadlift_with_dumbbell", (8, 12), (8.0, 16.0)),
    _Exercise("lunge", "dumbbell_bulgarian_split_squat", (8, 12), (6.0, 12.0)),
    _Exercise("calf_raise", "single_leg_standing_dumbbell_calf_raise", (12, 20), (8.0, 14.0)),
    _Exercise("hip_raise", "barbell_hip_thrust_on_floor", (8, 12), (40.0, 70.0)),
    _Exercise("row", "dumbbell_row", (8, 12), (10.0, 16.0)),
    _Exercise("plank", "plank", (0, 0), None, hold_s=45),
)


@dataclass(frozen=True)
class _StrengthSet:
    """One FIT `set`: active (reps, load) or rest; times in seconds after the start."""

    start_s: int
    duration_s: int
    active: bool
    exercise: _Exercise | None = None
    reps: int | None = None
    load_kg: float | None = None


def _plan_sets(rng: random.Random, warmup_s: int) -> list[_StrengthSet]:
    """4-6 exercises of 3 sets each, with 60-120 s rests in between."""
    chosen = rng.sample(_EXERCISES, k=rng.randint(4, 6))
    sets: list[_StrengthSet] = []
    t = warmup_s
    for exercise in chosen:
        load = None
        if exercise.load_kg is not None:
            load = round(rng.uniform(*exercise.load_kg) * 2) / 2  # plates: 0.5 kg steps
        for _ in range(3):
            if sets:
                rest = rng.randint(60, 120)
                sets.append(_StrengthSet(t, rest, active=False))
                t += rest
            reps: int | None = None
            if exercise.hold_s is not None:
                duration = exercise.hold_s
            else:
                reps = rng.randint(*exercise.reps)
                duration = round(reps * rng.uniform(2.5, 3.5))  # ~3 s per repetition
            sets.append(_StrengthSet(t, duration, True, exercise, reps, load))
            t += duration
    return sets


def strength_file(
    athlete: SyntheticAthlete,
    start: datetime,
    rng: random.Random,
    name: str,
    offset_at: OffsetFn,
    *,
    record_interval_s: int = 1,
) -> GeneratedFile:
    """A strength session: HR-only records (every ``record_interval_s`` seconds, and the last
    second of every set and rest), alternating active/rest `set` messages."""
    warmup_s = rng.randint(240, 420)
    sets = _plan_sets(rng, warmup_s)
    end_s = sets[-1].start_s + sets[-1].duration_s + rng.randint(60, 180)  # cool-down
    heart = _strength_heart_rate(athlete, sets, end_s, rng)
    end = start + timedelta(seconds=end_s)
    offset_s = offset_at(end)
    writer = FitWriter()
    write_preamble(writer, athlete, start, "garmin")
    write_sport_header(writer, athlete, "training", "strength_training", "Strength")
    writer.add("event", timestamp=start, event="timer", event_type="start", event_group=0)
    records = _write_strength_body(writer, start, sets, heart, record_interval_s)
    writer.add("event", timestamp=end, event="timer", event_type="stop_all", event_group=0)
    _write_strength_summary(writer, athlete, start, end_s, heart)
    write_activity(writer, end, end_s, end.replace(tzinfo=None) + timedelta(seconds=offset_s))
    return GeneratedFile(
        name=name,
        data=writer.to_bytes(),
        kind="strength",
        sport="training",
        start_utc=start,
        end_utc=end,
        utc_offset_s=offset_s,
        record_count=records,
        total_distance_m=None,
        total_timer_time_s=float(end_s),
        set_count=len(sets),
        weight_kg=None,
    )


def _strength_heart_rate(
    athlete: SyntheticAthlete, sets: Sequence[_StrengthSet], end_s: int, rng: random.Random
) -> list[int]:
    """Heart rate per second, bpm: ~130-145 while lifting, recovering to ~95 in rests."""
    body = Physiology(athlete, rng, athlete.resting_hr + 20.0)
    effort = [0.55] * end_s  # warm-up and cool-down: light movement
    for s in sets:
        level = (0.8 + 0.15 * ((s.load_kg or 20.0) / 70.0)) if s.active else 0.5
        effort[s.start_s : s.start_s + s.duration_s] = [level] * s.duration_s
    return [body.step(e, 0.0) for e in effort]


def _write_strength_body(
    writer: FitWriter,
    start: datetime,
    sets: Sequence[_StrengthSet],
    heart: Sequence[int],
    every: int = 1,
) -> int:
    """Records in time order (every ``every`` seconds), each `set` message right after the
    records it spans; returns the number of records."""
    start_ts = to_fit_timestamp(start)
    record = writer.define("record", ["timestamp", "heart_rate"])
    set_def = writer.define(
        "set",
        [
            "timestamp",
            "start_time",
            "duration",
            "repetitions",
            "weight",
            "set_type",
            "category",
            "category_subtype",
            "weight_display_unit",
            "message_index",
        ],
    )
    written = records = 0

    def write_records(first: int, end: int) -> int:
        rows = record_rows(first, end, every)
        seconds = pick(range(len(heart)), rows)
        writer.write_columns(record, ([start_ts + t for t in seconds], pick(heart, rows)))
        return len(seconds)

    for index, s in enumerate(sets):
        set_end = s.start_s + s.duration_s
        records += write_records(written, set_end)
        written = set_end
        ex = s.exercise
        writer.write_row(
            set_def,
            (
                start_ts + set_end,
                start_ts + s.start_s,
                s.duration_s,
                s.reps,
                s.load_kg,
                "active" if s.active else "rest",
                ex.category if ex else None,
                _exercise_subtype(ex.category, ex.exercise) if ex else None,
                "kilogram" if s.load_kg is not None else None,
                index,
            ),
        )
    return records + write_records(written, len(heart))


def _write_strength_summary(
    writer: FitWriter, athlete: SyntheticAthlete, start: datetime, end_s: int, heart: Sequence[int]
) -> None:
    end = start + timedelta(seconds=end_s)
    calories = round(athlete.weight_kg * end_s / 60 * STRENGTH_KCAL_PER_KG_MIN)
    common = dict(
        timestamp=end,
        start_time=start,
        total_elapsed_time=end_s,
        total_timer_time=end_s,
        total_calories=calories,
        avg_heart_rate=round(sum(heart) / len(heart)),
        max_heart_rate=max(heart),
        min_heart_rate=min(heart),
        sport="training",
        sub_sport="strength_training",
        message_index=0,
    )
    writer.add(
        "lap",
        event="lap",
        event_type="stop",
        lap_trigger="session_end",
        intensity="active",
        **common,
    )
    writer.add(
        "session",
        first_lap_index=0,
        num_laps=1,
        event="session",
        event_type="stop",
        trigger="activity_end",
        **common,
    )
