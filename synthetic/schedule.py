"""The training weeks of the synthetic runner: which files fall on which day.

:func:`generate_athlete_files` walks the days of a span and writes each day's runs,
strength sessions and weigh-ins, following the default week or a :class:`TrainingPlan`.
Pure and deterministic: same arguments, same bytes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from synthetic.athlete import GeneratedFile, OffsetFn, SyntheticAthlete, weight_file
from synthetic.runs import RunPlan, Segment, route_for, run_file
from synthetic.strength import strength_file

__all__ = ["MARATHONER_PLAN", "MIXED_RUNNER_PLAN", "SCALES", "TrainingPlan",
           "generate_athlete_files"]

#: Default duration ranges (inclusive, whole minutes) of the easy runs and of the long run
#: (whose last 10 minutes are a little faster).
_EASY_RUN_MIN = (35, 55)
_LONG_RUN_MIN = (80, 115)
#: Minutes at the end of the long run that are run a little faster.
_LONG_RUN_FINISH_MIN = 10
#: What a weigh-in records (:attr:`TrainingPlan.scale`).
SCALES = ("body_fat", "weight", "none")


@dataclass(frozen=True)
class TrainingPlan:
    """Which training week :func:`generate_athlete_files` simulates; None = the default.

    Every field left at None keeps the default behaviour of that aspect (so ``TrainingPlan()``
    generates exactly what ``plan=None`` does). Weekdays are ``date.weekday()`` numbers
    (0 = Monday .. 6 = Sunday); durations are inclusive ranges of whole minutes of moving time.

    * ``strength_weekdays``: the weekdays with an evening strength session (18:xx local) in
      every week; ``frozenset()`` = no strength work. Default: 1-2 of Mon/Wed/Fri, drawn anew
      each week.
    * ``run_weekdays``: the weekdays with a run. Tuesday (1) is always the interval session,
      Sunday (6) the long run, every other listed day an easy run. Default: Tue, Thu, Sat,
      Sun and about every other Wednesday.
    * ``easy_run_min``: duration of each easy run, minutes. Default ``(35, 55)``.
    * ``long_run_min``: total duration of the long run, minutes, the last 10 of them a
      little faster (so at least 11). Default ``(80, 115)``.
    * ``scale``: what the weigh-ins record: ``"body_fat"`` (weight, body fat, hydration,
      muscle and bone mass: the default), ``"weight"`` (weight only, a plain scale) or
      ``"none"`` (no weigh-in files).
    * ``weight_change_pct_per_week``: the weight the weigh-ins scatter around changes by
      this percentage a week, compounded (``-1.2``: it falls 1.2 %/week from ``weight_kg``).
      Default 0 (it stays at ``weight_kg``).
    * ``record_interval_s``: seconds between the `record` messages of runs and strength
      sessions (still simulated every second; the last second of each timer stretch, set
      and rest is always written, so distance and moving time stay exact). Default 1.

    The plan does not touch the span's special runs: the first Friday (or the span's last
    day, if earlier) still has the 23:30 ``midnight_run``, also when Friday is not in
    ``run_weekdays`` (then that Friday is a seventh run day), and a day on which the zone's
    UTC offset changes has the 2 h ``dst_run`` instead of its planned run. The treadmill run
    is the first Thursday easy run (none when Thursday is not a run day), the guaranteed
    pause is on a long run (none without Sunday runs). Weigh-ins fall on the same days and
    times as without a plan, and ``scale`` and ``weight_change_pct_per_week`` change only
    what they record: the random draws of every file stay the same.
    """

    strength_weekdays: frozenset[int] | None = None
    run_weekdays: frozenset[int] | None = None
    easy_run_min: tuple[int, int] | None = None
    long_run_min: tuple[int, int] | None = None
    scale: str | None = None
    weight_change_pct_per_week: float | None = None
    record_interval_s: int | None = None

    def __post_init__(self) -> None:
        if self.scale is not None and self.scale not in SCALES:
            raise ValueError(f"scale must be one of {SCALES}, got {self.scale!r}")
        change = self.weight_change_pct_per_week
        if change is not None and not (math.isfinite(change) and -5.0 <= change <= 5.0):
            raise ValueError(
                f"weight_change_pct_per_week must be between -5 and 5, got {change}")
        interval = self.record_interval_s
        if interval is not None and not (isinstance(interval, int) and 1 <= interval <= 10):
            raise ValueError(f"record_interval_s must be whole seconds 1..10, got {interval}")
        for name in ("strength_weekdays", "run_weekdays"):
            days = getattr(self, name)
            if days is None:
                continue
            days = frozenset(days)
            if not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
                raise ValueError(f"{name} must hold weekdays 0..6, got {sorted(days)}")
            object.__setattr__(self, name, days)
        for name, shortest in (("easy_run_min", 1), ("long_run_min", _LONG_RUN_FINISH_MIN + 1)):
            span = getattr(self, name)
            if span is None:
                continue
            low, high = span
            if not (isinstance(low, int) and isinstance(high, int) and shortest <= low <= high):
                raise ValueError(
                    f"{name} must be whole minutes (low, high) with {shortest} <= low <= high,"
                    f" got {span}"
                )
            object.__setattr__(self, name, (low, high))


#: A high-mileage marathoner: runs every day but Friday (intervals Tue, long run Sun, easy
#: runs of 60-80 min Mon/Wed/Thu/Sat), long run 140-160 min, no strength work: about
#: 85-110 km a week.
MARATHONER_PLAN = TrainingPlan(
    strength_weekdays=frozenset(),
    run_weekdays=frozenset({0, 1, 2, 3, 5, 6}),
    easy_run_min=(60, 80),
    long_run_min=(140, 160),
)
#: A runner who lifts: runs Tue (intervals), Thu, Sat (easy, 35-55 min) and Sun (long run as
#: by default), strength sessions on Monday and Friday evenings (two a week).
MIXED_RUNNER_PLAN = TrainingPlan(
    strength_weekdays=frozenset({0, 4}),
    run_weekdays=frozenset({1, 3, 5, 6}),
    easy_run_min=_EASY_RUN_MIN,
    long_run_min=_LONG_RUN_MIN,
)


# --------------------------------------------------------------------------------------------
# Plans and the weekly schedule
# --------------------------------------------------------------------------------------------


def _easy_segments(
    rng: random.Random, minutes: tuple[int, int], speed: tuple[float, float]
) -> tuple[Segment, ...]:
    return (Segment(rng.randint(*minutes) * 60, rng.uniform(*speed)),)


def _long_segments(
    rng: random.Random, minutes: tuple[int, int] = _LONG_RUN_MIN
) -> tuple[Segment, ...]:
    """``minutes`` (inclusive range, total) at a steady pace, the last 10 a little faster."""
    base = rng.uniform(2.7, 2.95)
    finish = _LONG_RUN_FINISH_MIN
    steady_min = rng.randint(minutes[0] - finish, minutes[1] - finish)
    return (Segment(steady_min * 60, base), Segment(finish * 60, base + 0.15))


def _interval_segments(rng: random.Random) -> tuple[Segment, ...]:
    """Warm-up, 5-7 fast repeats of 3-4 min with jog recoveries, cool-down."""
    segments = [Segment(rng.randint(12, 15) * 60, 2.8, "warmup")]
    rep_s, reps = rng.choice((180, 240)), rng.randint(5, 7)
    fast = rng.uniform(4.1, 4.35)
    for k in range(reps):
        segments.append(Segment(rep_s, fast + rng.uniform(-0.08, 0.08), "active"))
        if k < reps - 1:
            segments.append(Segment(rng.randint(90, 120), 2.2, "rest"))
    segments.append(Segment(rng.randint(8, 12) * 60, 2.7, "cooldown"))
    return tuple(segments)


def _maybe_pause(
    rng: random.Random, segments: Sequence[Segment], always: bool = False
) -> tuple[tuple[int, int], ...]:
    """Sometimes one ~1 min stop (traffic light, shoelace) in the middle half of the run."""
    if not always and rng.random() >= 0.4:
        return ()
    moving = sum(s.duration_s for s in segments)
    return ((rng.randint(moving // 4, 3 * moving // 4), rng.randint(45, 90)),)


def _zone_offset(zone: ZoneInfo) -> OffsetFn:
    """Offset function of a tz-database zone (DST-aware)."""

    def offset_at(moment: datetime) -> int:
        offset = moment.astimezone(zone).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    return offset_at


def _local_instant(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """UTC instant of the local wall-clock time ``day hour:minute`` in ``zone``."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def _offset_changes(zone: ZoneInfo, first: date, days: int) -> dict[date, datetime]:
    """Local date -> UTC instant of every change of ``zone``'s UTC offset in the span."""
    offset_at = _zone_offset(zone)
    begin = datetime.combine(first, time(), tzinfo=UTC) - timedelta(hours=15)
    changes: dict[date, datetime] = {}
    previous = offset_at(begin)
    for hour in range(1, days * 24 + 31):
        moment = begin + timedelta(hours=hour)
        current = offset_at(moment)
        if current != previous:
            instant = _first_instant_with_offset(offset_at, moment - timedelta(hours=1), moment)
            local_day = instant.astimezone(zone).date()
            if first <= local_day < first + timedelta(days=days):
                changes[local_day] = instant
        previous = current
    return changes


def _first_instant_with_offset(offset_at: OffsetFn, before: datetime, after: datetime) -> datetime:
    """Bisect to the first whole second at which the offset of ``after`` applies."""
    old = offset_at(before)
    while (after - before).total_seconds() > 1:
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if offset_at(middle) == old:
            before = middle
        else:
            after = middle
    return after


@dataclass(frozen=True)
class _WeekPlan:
    """Which weekdays (0 = Monday) get strength sessions, weigh-ins and a Wednesday run."""

    strength_days: frozenset[int]
    weigh_days: frozenset[int]
    wednesday_run: bool


def _plan_week(rng: random.Random) -> _WeekPlan:
    return _WeekPlan(
        strength_days=frozenset(rng.sample((0, 2, 4), k=rng.choice((1, 2)))),
        weigh_days=frozenset(rng.sample(range(7), k=rng.randint(2, 4))),
        wednesday_run=rng.random() < 0.5,
    )


class _Schedule:
    """Turns days into files; remembers what the span still needs (treadmill, midnight run)."""

    def __init__(
        self, athlete: SyntheticAthlete, first: date, days: int, plan: TrainingPlan
    ) -> None:
        self.athlete = athlete
        self.plan = plan
        self.first = first
        self.zone = ZoneInfo(athlete.timezone)
        self.offset_at = _zone_offset(self.zone)
        self.last_day = first + timedelta(days=days - 1)
        self.offset_changes = _offset_changes(self.zone, first, days)
        self.weight_kg = athlete.weight_kg
        self.treadmill_done = False
        self.midnight_done = False
        self.pause_done = False
        self.names: set[str] = set()

    def day(self, day: date, week: _WeekPlan, rng: random.Random) -> list[GeneratedFile]:
        """All files of one day, in time order."""
        files = []
        weekday = day.weekday()
        self.weight_kg += 0.2 * (self._trend_kg(day) - self.weight_kg) + rng.gauss(0, 0.12)
        if weekday in week.weigh_days:
            weigh_in = self._weigh_in(day, rng)
            if self.plan.scale != "none":  # drawn all the same: the day's other files stay
                files.append(weigh_in)
        run = self._run_plan(day, week, rng)
        if run is not None:
            files.append(self._run(run, rng))
        strength_days = self.plan.strength_weekdays
        if strength_days is None:
            strength_days = week.strength_days
        if weekday in strength_days:
            start = _local_instant(day, 18, rng.randint(0, 59), self.zone)
            name = self._name(start, "strength")
            files.append(strength_file(self.athlete, start, rng, name, self.offset_at,
                                       record_interval_s=self.plan.record_interval_s or 1))
        return sorted(files, key=lambda f: f.start_utc)

    def _name(self, start_utc: datetime, kind: str) -> str:
        """``<local date>-<kind>.fit``, numbered when the day already has such a file."""
        stem = f"{start_utc.astimezone(self.zone).date().isoformat()}-{kind.replace('_', '-')}"
        name, n = f"{stem}.fit", 1
        while name in self.names:
            n += 1
            name = f"{stem}-{n}.fit"
        self.names.add(name)
        return name

    def _trend_kg(self, day: date) -> float:
        """The weight the day's weigh-in scatters around, kg (the plan's weekly change)."""
        weekly = 1.0 + (self.plan.weight_change_pct_per_week or 0.0) / 100.0
        return self.athlete.weight_kg * weekly ** ((day - self.first).days / 7.0)

    def _weigh_in(self, day: date, rng: random.Random) -> GeneratedFile:
        when = _local_instant(day, 6, rng.randint(15, 40), self.zone)
        kg = round(self.weight_kg + rng.gauss(0, 0.08), 2)  # FIT weight resolution: 0.01 kg
        return weight_file(self.athlete, when, kg, rng, self._name(when, "weight"),
                           body_fat=self.plan.scale in (None, "body_fat"))

    def _run_plan(self, day: date, week: _WeekPlan, rng: random.Random) -> RunPlan | None:
        weekday = day.weekday()
        if day in self.offset_changes:  # start 30 min before the clocks change, run 2 h
            start = self.offset_changes[day] - timedelta(minutes=30)
            return RunPlan("dst_run", start, (Segment(7200, rng.uniform(2.75, 2.95)),))
        if not self.midnight_done and (weekday == 4 or day == self.last_day):
            self.midnight_done = True
            start = _local_instant(day, 23, 30, self.zone)
            return RunPlan("midnight_run", start, (Segment(70 * 60, 2.9),), "street")
        hour, minute = (7, rng.randint(0, 30)) if weekday < 5 else (rng.randint(8, 9), 30)
        start = _local_instant(day, hour, minute, self.zone)
        run_days = self.plan.run_weekdays
        if run_days is None:
            run_days = frozenset({1, 3, 5, 6} | ({2} if week.wednesday_run else set()))
        if weekday not in run_days:
            return None
        if weekday == 1:
            return RunPlan(
                "intervals",
                start,
                _interval_segments(rng),
                "generic",
                lap_per_segment=True,
                hrv=True,
            )
        if weekday == 6:
            segments = _long_segments(rng, self.plan.long_run_min or _LONG_RUN_MIN)
            pauses = _maybe_pause(rng, segments, always=not self.pause_done)
            self.pause_done = self.pause_done or bool(pauses)
            return RunPlan("long_run", start, segments, "generic", pauses)
        segments = _easy_segments(rng, self.plan.easy_run_min or _EASY_RUN_MIN, (2.75, 3.05))
        pauses = _maybe_pause(rng, segments)
        self.pause_done = self.pause_done or bool(pauses)
        return RunPlan("easy_run", start, segments, self._easy_surface(weekday, rng), pauses)

    def _easy_surface(self, weekday: int, rng: random.Random) -> str:
        if weekday == 3 and not self.treadmill_done:
            self.treadmill_done = True
            return "treadmill"
        if weekday == 5 and rng.random() < 0.5:
            return "trail"
        return rng.choice(("generic", "street"))

    def _run(self, plan: RunPlan, rng: random.Random) -> GeneratedFile:
        route = route_for(rng, plan.sub_sport)
        name = self._name(plan.start_utc, plan.kind)
        return run_file(plan, self.athlete, route, rng, name, self.offset_at,
                        record_interval_s=self.plan.record_interval_s or 1)


def generate_athlete_files(
    athlete: SyntheticAthlete,
    start: date,
    weeks: int,
    seed: int = 0,
    plan: TrainingPlan | None = None,
) -> list[GeneratedFile]:
    """All FIT files of ``athlete`` for ``weeks`` weeks from local date ``start``, by start time.

    Per week: intervals on Tuesday, easy runs on Thursday, Saturday and some Wednesdays
    (surface generic/street/trail; the first Thursday on a treadmill, without positions), a
    long run on Sunday, 1-2 strength sessions on Monday/Wednesday/Friday evenings and 2-4
    morning weigh-ins; the other days are rest days. Some runs have a ~1 min pause (at least
    one in the span). The first Friday has a run from 23:30 local past midnight, and every
    day on which the zone's UTC offset changes (DST) has a 2 h run starting 30 min before the
    change instead of its usual run. Same arguments, same bytes.

    ``plan`` (:class:`TrainingPlan`, e.g. :data:`MARATHONER_PLAN`) fixes the run and strength
    weekdays and the easy- and long-run durations instead; None (or a plan whose fields are
    all None) gives exactly the default files above. The random draws of the default week
    are made either way, so a plan changes only what it sets (weigh-ins stay the same).
    """
    if weeks < 0:
        raise ValueError(f"weeks must be >= 0, got {weeks}")
    if weeks == 0:
        return []
    rng = random.Random(seed)
    schedule = _Schedule(athlete, start, weeks * 7, plan if plan is not None else TrainingPlan())
    files: list[GeneratedFile] = []
    for week in range(weeks):
        week_plan = _plan_week(rng)
        for day_index in range(7):
            day = start + timedelta(days=7 * week + day_index)
            files.extend(schedule.day(day, week_plan, random.Random(rng.getrandbits(64))))
    return sorted(files, key=lambda f: (f.start_utc, f.name))
