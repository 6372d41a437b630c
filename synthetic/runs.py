"""A synthetic runner whose weeks of training come out as FIT files.

Everything here is pure: functions return the FIT bytes plus the metadata a test needs to
check a decoder against (record counts, distances, offsets, ...). Nothing is written to disk.
Output is deterministic: the same arguments give byte-identical files.

Units throughout: metres, seconds, m/s, bpm, strides per minute (FIT running cadence, "rpm"),
kilograms, percent; instants are tz-aware UTC datetimes.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fitparse.profile import FIELD_TYPES

from synthetic.fit_writer import FitWriter, degrees_to_semicircles, to_fit_timestamp

__all__ = [
    "MARATHONER_PLAN",
    "MIXED_RUNNER_PLAN",
    "GeneratedFile",
    "SyntheticAthlete",
    "TrainingPlan",
    "generate_athlete_files",
    "one_hour_run",
]

#: Speed the athlete can hold for an hour at lactate-threshold heart rate, m/s (~4:20 min/km).
_THRESHOLD_SPEED_MPS = 3.85
#: Start/finish of the road loops (Berlin, Tiergarten) and the trail loops (Grunewald), degrees.
_ROAD_HOME = (52.5145, 13.3501)
_TRAIL_HOME = (52.4705, 13.2483)
_BASE_ALTITUDE_M = 34.0
_METRES_PER_DEGREE_LAT = 111_320.0
#: Garmin product ids (FIT profile ``garmin_product``): Forerunner 935 and Index smart scale.
_FR935 = 2691
_INDEX_SCALE = 2429
#: Product id written by files from manufacturer ``development``.
_DEV_PRODUCT = 1
#: Running energy cost, kcal per kg body mass per km; strength training, kcal per kg per minute.
_RUN_KCAL_PER_KG_KM = 1.0
_STRENGTH_KCAL_PER_KG_MIN = 0.08
#: Default duration ranges (inclusive, whole minutes) of the easy runs and of the long run
#: (whose last 10 minutes are a little faster).
_EASY_RUN_MIN = (35, 55)
_LONG_RUN_MIN = (80, 115)
#: Minutes at the end of the long run that are run a little faster.
_LONG_RUN_FINISH_MIN = 10

#: UTC offset (seconds) of the athlete's wall clock at a given instant.
OffsetFn = Callable[[datetime], int]


@dataclass(frozen=True)
class SyntheticAthlete:
    """The simulated runner. Heights in cm, weights in kg, heart rates in bpm."""

    athlete_id: str = "demo"
    timezone: str = "Europe/Berlin"
    sex: str = "female"
    birth_year: int = 1990
    height_cm: float = 168.0
    weight_kg: float = 60.0
    max_hr: int = 188
    resting_hr: int = 50
    lthr: int = 170


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

    The plan does not touch the span's special runs: the first Friday (or the span's last
    day, if earlier) still has the 23:30 ``midnight_run``, also when Friday is not in
    ``run_weekdays`` (then that Friday is a seventh run day), and a day on which the zone's
    UTC offset changes has the 2 h ``dst_run`` instead of its planned run. The treadmill run
    is the first Thursday easy run (none when Thursday is not a run day), the guaranteed
    pause is on a long run (none without Sunday runs). Weigh-ins are the same as without a
    plan.
    """

    strength_weekdays: frozenset[int] | None = None
    run_weekdays: frozenset[int] | None = None
    easy_run_min: tuple[int, int] | None = None
    long_run_min: tuple[int, int] | None = None

    def __post_init__(self) -> None:
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


@dataclass(frozen=True)
class GeneratedFile:
    """One generated FIT file and what was written into it."""

    name: str  # suggested file name, e.g. "2026-03-29-long-run.fit"
    data: bytes  # the FIT file
    kind: str  # run | long_run | intervals | easy_run | strength | weight | midnight_run | dst_run
    sport: str | None  # FIT sport name, e.g. "running", "training"; None for weigh-ins
    start_utc: datetime  # tz-aware UTC start (weigh-ins: the measurement time)
    end_utc: datetime  # tz-aware UTC end (start + total elapsed time)
    utc_offset_s: int | None  # activity.local_timestamp - activity.timestamp, seconds
    record_count: int  # number of `record` messages written
    total_distance_m: float | None  # session total_distance, metres
    total_timer_time_s: float | None  # session total_timer_time, seconds
    set_count: int  # number of `set` messages (active and rest)
    weight_kg: float | None  # weight_scale weight for weigh-in files, kg


# --------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    """A closed loop: per-vertex positions and elevation profile, looked up by distance.

    Vertices are evenly spaced along the loop (the last one repeats the first);
    :meth:`track` interpolates linearly between them.
    """

    length_m: float  # length of one lap of the loop, metres
    step_m: float  # distance between consecutive vertices, metres
    lat: tuple[float, ...]  # vertex latitudes, semicircles (as floats, for interpolation)
    lon: tuple[float, ...]  # vertex longitudes, semicircles
    altitude_m: tuple[float, ...]  # vertex elevations, metres above sea level
    grade: tuple[float, ...]  # vertex slopes, rise over run (dimensionless)
    base_altitude_m: float  # elevation of the start, metres (also used on the treadmill)

    def track(self, distances_cm: Sequence[int]) -> tuple[list[int], list[int], list[float]]:
        """Latitudes, longitudes (semicircles) and elevations (m) at the given distances."""
        lat, lon, alt = self.lat, self.lon, self.altitude_m
        per_vertex = 1 / (100 * self.step_m)
        n = len(lat) - 1
        lats, lons, alts = [], [], []
        for cm in distances_cm:
            x = cm * per_vertex
            i = int(x)
            f = x - i
            i %= n
            lats.append(round(lat[i] + (lat[i + 1] - lat[i]) * f))
            lons.append(round(lon[i] + (lon[i + 1] - lon[i]) * f))
            alts.append(alt[i] + (alt[i + 1] - alt[i]) * f)
        return lats, lons, alts


def _make_route(
    rng: random.Random,
    home: tuple[float, float],
    length_m: float,
    hill_m: float,
    vertices: int = 300,
) -> _Route:
    """A smooth, wobbly loop of ``length_m`` metres through ``home`` (degrees) with hills of
    about ``hill_m`` metres amplitude."""
    a2, a3 = rng.uniform(0.05, 0.2), rng.uniform(0.03, 0.12)
    p2, p3 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    shape = []
    for k in range(2 * vertices + 1):  # fine polyline of a unit-size closed curve
        theta = 2 * math.pi * k / (2 * vertices)
        r = 1 + a2 * math.sin(2 * theta + p2) + a3 * math.sin(3 * theta + p3)
        shape.append((r * math.cos(theta), r * math.sin(theta)))
    cum = [0.0]
    for (xa, ya), (xb, yb) in zip(shape, shape[1:], strict=False):
        cum.append(cum[-1] + math.hypot(xb - xa, yb - ya))
    unit = length_m / cum[-1]  # metres per shape unit, so that the loop is length_m long
    lat0, lon0 = home
    m_per_deg_lon = _METRES_PER_DEGREE_LAT * math.cos(math.radians(lat0))
    x0, y0 = shape[0]
    step = length_m / vertices
    base = _BASE_ALTITUDE_M + rng.uniform(0, 20)
    phase = rng.uniform(0, 2 * math.pi)
    lats, lons, alts, grades = [], [], [], []
    j = 0
    for k in range(vertices + 1):
        target = k * step / unit  # resample the fine polyline at even arc lengths
        while j < len(cum) - 2 and cum[j + 1] < target:
            j += 1
        f = (target - cum[j]) / (cum[j + 1] - cum[j])
        x = shape[j][0] + (shape[j + 1][0] - shape[j][0]) * f
        y = shape[j][1] + (shape[j + 1][1] - shape[j][1]) * f
        lats.append(degrees_to_semicircles(lat0 + (y - y0) * unit / _METRES_PER_DEGREE_LAT))
        lons.append(degrees_to_semicircles(lon0 + (x - x0) * unit / m_per_deg_lon))
        u = 2 * math.pi * k / vertices
        alts.append(base + hill_m * (0.7 * math.sin(u + phase) + 0.3 * math.sin(3 * u + phase)))
        grades.append(
            hill_m
            * 2
            * math.pi
            / length_m
            * (0.7 * math.cos(u + phase) + 0.9 * math.cos(3 * u + phase))
        )
    return _Route(
        length_m,
        step,
        tuple(map(float, lats)),
        tuple(map(float, lons)),
        tuple(alts),
        tuple(grades),
        base,
    )


# --------------------------------------------------------------------------------------------
# Run simulation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    """A stretch of a run at one target speed; ``duration_s`` is moving (timer) time."""

    duration_s: int
    speed_mps: float
    intensity: str = "active"  # FIT lap intensity: active | rest | warmup | cooldown


@dataclass(frozen=True)
class _RunPlan:
    """What to run: when, how (segments), where (sub_sport) and with which interruptions."""

    kind: str
    start_utc: datetime
    segments: tuple[_Segment, ...]
    sub_sport: str = "generic"  # generic | street | trail | treadmill
    pauses: tuple[tuple[int, int], ...] = ()  # (moving seconds before the pause, pause length s)
    lap_per_segment: bool = False  # intervals: one lap per segment; otherwise one per km
    hrv: bool = False  # also write beat-to-beat `hrv` messages
    manufacturer: str = "garmin"  # garmin | development


@dataclass
class _Lap:
    """Records [first, end) of one lap and its time span, seconds after the start."""

    first: int
    end: int
    start_s: int
    end_s: int
    intensity: str
    trigger: str


@dataclass
class _RunTrace:
    """Simulated 1 Hz samples of one run, one list entry per `record` message."""

    elapsed_s: list[int] = field(default_factory=list)  # seconds after the start
    distance_cm: list[int] = field(default_factory=list)  # cumulative, centimetres
    speed_mps: list[float] = field(default_factory=list)
    heart_rate: list[int] = field(default_factory=list)
    cadence: list[int] = field(default_factory=list)  # strides per minute
    altitude_m: list[float] = field(default_factory=list)
    lat: list[int] | None = None  # semicircles; None on the treadmill
    lon: list[int] | None = None
    rr_s: list[list[float]] = field(default_factory=list)  # beat intervals ending in each second
    pauses: list[tuple[int, int]] = field(default_factory=list)  # (timer stop s, timer start s)
    pause_before: dict[int, int] = field(default_factory=dict)  # record index -> pauses index
    laps: list[_Lap] = field(default_factory=list)
    end_s: int = 0  # total elapsed time, seconds

    @property
    def timer_s(self) -> int:
        """Total timer (moving) time: one second per record."""
        return len(self.elapsed_s)

    @property
    def distance_m(self) -> float:
        """Distance at the last record, metres (exactly what the FIT file holds)."""
        return self.distance_cm[-1] / 100


class _Physiology:
    """First-order heart-rate response to effort, with cardiac drift and noise (bpm)."""

    def __init__(self, athlete: SyntheticAthlete, rng: random.Random, start_hr: float) -> None:
        self.rest_hr = float(athlete.resting_hr)
        self.max_hr = float(athlete.max_hr)
        self.ceiling = self.max_hr - 2.0  # highest steady state, bpm
        self.reserve = float(athlete.lthr - athlete.resting_hr)  # threshold minus resting, bpm
        self.random = rng.random
        self.hr = start_hr

    def step(self, effort: float, minutes: float) -> int:
        """Advance one second at ``effort`` (1.0 = threshold) ``minutes`` into the workout.

        The steady state rises with effort (exponent 1.4) plus a cardiac drift of ~0.09 bpm
        per minute; the heart rate approaches it with a time constant of 25 s (rising) or
        45 s (falling). Returns the integer heart rate, bpm. (Called once per simulated
        second, hence the plain comparisons instead of min/max.)
        """
        e = effort if effort > 0.0 else 0.0
        target = self.rest_hr + self.reserve * e**1.4 + 0.09 * minutes * (e if e > 0.3 else 0.3)
        if target > self.ceiling:
            target = self.ceiling
        hr = self.hr
        hr += (target - hr) * (0.04 if target > hr else 0.0222) + (self.random() - 0.5) * 1.7
        if hr < self.rest_hr:
            hr = self.rest_hr
        elif hr > self.max_hr:
            hr = self.max_hr
        self.hr = hr
        return round(hr)

    def rest(self, seconds: int) -> None:
        """Recover while standing still for ``seconds``."""
        floor = self.rest_hr + 30.0
        self.hr = floor + (self.hr - floor) * math.exp(-seconds / 60.0)


def _simulate_run(
    plan: _RunPlan, athlete: SyntheticAthlete, route: _Route, rng: random.Random
) -> _RunTrace:
    """1 Hz samples of ``plan`` on ``route`` (positions only when not on a treadmill).

    Speed follows the segment's target with inertia, slows uphill and wobbles; heart rate
    follows speed and grade with lag and drift; cadence rises with speed (~85 spm easy).
    This loop runs once per second of every run, so it is kept flat for speed.
    """
    outdoor = plan.sub_sport != "treadmill"
    trace = _RunTrace()
    body = _Physiology(athlete, rng, athlete.resting_hr + 25.0)
    pauses = dict(plan.pauses)
    targets = [seg.speed_mps for seg in plan.segments for _ in range(seg.duration_s)]
    noise, sin, step = rng.random, math.sin, body.step
    grades = route.grade if outdoor else (0.0,) * len(route.grade)
    per_vertex, vertices = 1 / (100 * route.step_m), len(grades) - 1  # vertex index per cm
    elapsed_s, distances, speeds = trace.elapsed_s, trace.distance_cm, trace.speed_mps
    heart_rates, cadences = trace.heart_rate, trace.cadence
    speed = targets[0] * 0.5
    elapsed, distance_cm, beat_phase = 0, 0, 0.0
    for moving_s, target_speed in enumerate(targets):
        if moving_s in pauses and moving_s > 0:
            length = pauses[moving_s]
            trace.pause_before[len(elapsed_s)] = len(trace.pauses)
            trace.pauses.append((elapsed, elapsed + length))
            elapsed += length
            body.rest(length)
            speed *= 0.3
        grade = grades[int(distance_cm * per_vertex) % vertices]
        wobble = 0.06 * sin(moving_s / 97.0) + 0.04 * sin(moving_s / 23.0)
        target = target_speed * (1 + wobble - 2.5 * grade)
        speed += (target - speed) * 0.2 + (noise() - 0.5) * 0.1
        speed = round(speed if speed > 0.8 else 0.8, 3)  # FIT speed resolution: 1 mm/s
        hr = step(speed / _THRESHOLD_SPEED_MPS + 3.0 * grade, moving_s / 60)
        elapsed_s.append(elapsed)
        distances.append(distance_cm)
        speeds.append(speed)
        heart_rates.append(hr)
        cadences.append(round(70.0 + 5.5 * speed + (noise() - 0.5) * 2.8))
        if plan.hrv:
            beat_phase = _append_beats(trace, hr, beat_phase, rng)
        distance_cm += round(speed * 100)
        elapsed += 1
    if outdoor:
        trace.lat, trace.lon, altitudes = route.track(distances)
    else:
        altitudes = [route.base_altitude_m] * len(distances)
    trace.altitude_m = [round(a * 5) / 5 for a in altitudes]  # FIT resolution: 0.2 m
    trace.end_s = elapsed
    trace.laps = _laps(plan, trace)
    return trace


def _append_beats(trace: _RunTrace, hr: int, phase: float, rng: random.Random) -> float:
    """Add the beat-to-beat intervals (s) completed during this second; returns the new phase."""
    phase += hr / 60.0
    beats = []
    while phase >= 1.0:
        phase -= 1.0
        beats.append(round(60.0 / hr * (1 + rng.gauss(0.0, 0.02)), 3))
    trace.rr_s.append(beats)
    return phase


def _laps(plan: _RunPlan, trace: _RunTrace) -> list[_Lap]:
    """Lap boundaries: every full kilometre, or at every segment change for intervals."""
    n = trace.timer_s
    if plan.lap_per_segment:
        starts, moving = [], 0
        for segment in plan.segments:
            starts.append(moving)
            moving += segment.duration_s
        intensities = [segment.intensity for segment in plan.segments]
        trigger = "manual"
    else:
        starts = [0] + [
            i
            for i in range(1, n)
            if trace.distance_cm[i] // 100_000 > trace.distance_cm[i - 1] // 100_000
        ]
        intensities = ["active"] * len(starts)
        trigger = "distance"
    laps = []
    for k, first in enumerate(starts):
        last = k == len(starts) - 1
        end = n if last else starts[k + 1]
        end_s = trace.end_s if last else trace.elapsed_s[end]
        laps.append(
            _Lap(
                first,
                end,
                trace.elapsed_s[first],
                end_s,
                intensities[k],
                "session_end" if last else trigger,
            )
        )
    return laps


# --------------------------------------------------------------------------------------------
# FIT encoding of runs
# --------------------------------------------------------------------------------------------


def _serial_number(athlete_id: str, device: str) -> int:
    """A stable, non-zero device serial number (FIT ``uint32z``)."""
    return zlib.crc32(f"{athlete_id}/{device}".encode()) or 1


def _device(manufacturer: str) -> tuple[str, int]:
    return manufacturer, _FR935 if manufacturer == "garmin" else _DEV_PRODUCT


def _write_preamble(
    writer: FitWriter,
    athlete: SyntheticAthlete,
    start: datetime,
    manufacturer: str,
    file_type: str = "activity",
) -> None:
    """file_id, device_info and user_profile, as a watch writes them at the top of a file."""
    maker, product = _device(manufacturer)
    if file_type == "weight":
        product = _INDEX_SCALE if maker == "garmin" else _DEV_PRODUCT
    serial = _serial_number(athlete.athlete_id, f"{maker}/{product}")
    writer.add(
        "file_id",
        type=file_type,
        manufacturer=maker,
        product=product,
        serial_number=serial,
        time_created=start,
    )
    writer.add(
        "device_info",
        timestamp=start,
        device_index="creator",
        manufacturer=maker,
        product=product,
        serial_number=serial,
        software_version=12.4,
        source_type="local",
    )
    writer.add(
        "user_profile",
        friendly_name=athlete.athlete_id,
        gender=athlete.sex,
        age=start.year - athlete.birth_year,
        height=athlete.height_cm / 100,
        weight=athlete.weight_kg,
        resting_heart_rate=athlete.resting_hr,
        default_max_heart_rate=athlete.max_hr,
        default_max_running_heart_rate=athlete.max_hr,
        message_index=0,
    )


def _write_sport_header(
    writer: FitWriter, athlete: SyntheticAthlete, sport: str, sub_sport: str, title: str
) -> None:
    writer.add(
        "zones_target",
        max_heart_rate=athlete.max_hr,
        threshold_heart_rate=athlete.lthr,
        hr_calc_type="percent_max_hr",
    )
    writer.add("sport", sport=sport, sub_sport=sub_sport, name=title)


def _record_columns(trace: _RunTrace, start_ts: int, first: int, end: int) -> list[Sequence[float]]:
    """Columns for the `record` definition of :func:`_encode_run`, records [first, end)."""
    part = slice(first, end)
    columns: list[Sequence[float]] = [[start_ts + e for e in trace.elapsed_s[part]]]
    if trace.lat is not None and trace.lon is not None:
        columns += [trace.lat[part], trace.lon[part]]
    speed, altitude = trace.speed_mps[part], trace.altitude_m[part]
    distance = [cm / 100 for cm in trace.distance_cm[part]]
    return columns + [
        distance,
        speed,
        speed,
        trace.heart_rate[part],
        trace.cadence[part],
        altitude,
        altitude,
    ]


def _hrv_rows(trace: _RunTrace, first: int, end: int) -> list[tuple[list[float]]]:
    """`hrv` messages (five beat intervals each, s) for the beats of records [first, end)."""
    beats = [rr for i in range(first, end) for rr in trace.rr_s[i]]
    return [(beats[k : k + 5],) for k in range(0, len(beats), 5)]


@dataclass(frozen=True)
class _Totals:
    """Summary statistics over a range of records (a lap or the session)."""

    distance_m: float
    timer_s: int
    avg_speed: float
    max_speed: float
    avg_hr: int
    max_hr: int
    min_hr: int
    avg_cadence: int
    max_cadence: int
    ascent_m: int
    descent_m: int


def _totals(trace: _RunTrace, first: int, end: int, end_s: int, start_s: int) -> _Totals:
    last = min(end, trace.timer_s - 1)
    distance_m = (trace.distance_cm[last] - trace.distance_cm[first]) / 100
    paused = sum(max(0, min(end_s, b) - max(start_s, a)) for a, b in trace.pauses)
    timer_s = end_s - start_s - paused
    hrs, cads = trace.heart_rate[first:end], trace.cadence[first:end]
    alts = trace.altitude_m[first : last + 1]
    steps = [b - a for a, b in zip(alts, alts[1:], strict=False)]
    return _Totals(
        distance_m=distance_m,
        timer_s=timer_s,
        avg_speed=round(distance_m / timer_s, 3) if timer_s else 0.0,
        max_speed=max(trace.speed_mps[first:end]),
        avg_hr=round(sum(hrs) / len(hrs)),
        max_hr=max(hrs),
        min_hr=min(hrs),
        avg_cadence=round(sum(cads) / len(cads)),
        max_cadence=max(cads),
        ascent_m=round(sum(s for s in steps if s > 0)),
        descent_m=round(-sum(s for s in steps if s < 0)),
    )


def _position(trace: _RunTrace, index: int) -> tuple[int | None, int | None]:
    if trace.lat is None or trace.lon is None:
        return None, None
    return trace.lat[index], trace.lon[index]


def _run_calories(athlete: SyntheticAthlete, distance_m: float) -> int:
    return round(athlete.weight_kg * distance_m / 1000 * _RUN_KCAL_PER_KG_KM)


def _write_lap(
    writer: FitWriter, plan: _RunPlan, trace: _RunTrace, index: int, calories: int
) -> None:
    lap = trace.laps[index]
    start = plan.start_utc
    t = _totals(trace, lap.first, lap.end, lap.end_s, lap.start_s)
    start_lat, start_lon = _position(trace, lap.first)
    end_lat, end_lon = _position(trace, lap.end - 1)
    writer.add(
        "lap",
        timestamp=start + timedelta(seconds=lap.end_s),
        start_time=start + timedelta(seconds=lap.start_s),
        start_position_lat=start_lat,
        start_position_long=start_lon,
        end_position_lat=end_lat,
        end_position_long=end_lon,
        total_elapsed_time=lap.end_s - lap.start_s,
        total_timer_time=t.timer_s,
        total_distance=t.distance_m,
        total_calories=calories,
        avg_speed=t.avg_speed,
        max_speed=t.max_speed,
        enhanced_avg_speed=t.avg_speed,
        enhanced_max_speed=t.max_speed,
        avg_heart_rate=t.avg_hr,
        max_heart_rate=t.max_hr,
        min_heart_rate=t.min_hr,
        avg_cadence=t.avg_cadence,
        max_cadence=t.max_cadence,
        total_ascent=t.ascent_m,
        total_descent=t.descent_m,
        event="lap",
        event_type="stop",
        lap_trigger=lap.trigger,
        intensity=lap.intensity,
        sport="running",
        sub_sport=plan.sub_sport,
        message_index=index,
    )


def _lap_calories(athlete: SyntheticAthlete, trace: _RunTrace) -> list[int]:
    """Calories per lap, apportioned by distance so that they add up to the session total."""
    total = _run_calories(athlete, trace.distance_m)
    whole = trace.distance_cm[-1] or 1
    cums = [0]
    for lap in trace.laps[:-1]:
        cums.append(round(total * trace.distance_cm[lap.end] / whole))
    cums.append(total)
    return [b - a for a, b in zip(cums, cums[1:], strict=False)]


def _encode_run(
    plan: _RunPlan, trace: _RunTrace, athlete: SyntheticAthlete, local_end: datetime
) -> bytes:
    """The FIT activity file of a simulated run; ``local_end`` is the end in local time."""
    start = plan.start_utc
    start_ts = to_fit_timestamp(start)
    end = start + timedelta(seconds=trace.end_s)
    writer = FitWriter()
    _write_preamble(writer, athlete, start, plan.manufacturer)
    title = {"treadmill": "Treadmill Run", "trail": "Trail Run"}.get(plan.sub_sport, "Run")
    _write_sport_header(writer, athlete, "running", plan.sub_sport, title)
    writer.add("event", timestamp=start, event="timer", event_type="start", event_group=0)
    outdoor = trace.lat is not None
    fields = ["timestamp", "position_lat", "position_long"] if outdoor else ["timestamp"]
    fields += [
        "distance",
        "speed",
        "enhanced_speed",
        "heart_rate",
        "cadence",
        "altitude",
        "enhanced_altitude",
    ]
    record = writer.define("record", fields)
    hrv = writer.define("hrv", [("time", 5)])
    lap_calories = _lap_calories(athlete, trace)
    for index, lap in enumerate(trace.laps):
        for first, stop in _chunks(lap, trace.pause_before):
            if first != lap.first:  # the chunk starts right after a pause
                _write_pause(writer, start, trace.pauses[trace.pause_before[first]])
            writer.write_columns(record, _record_columns(trace, start_ts, first, stop))
            if plan.hrv:
                writer.write_rows(hrv, _hrv_rows(trace, first, stop))
        if lap.end in trace.pause_before:  # a pause on a lap boundary belongs to this lap
            _write_pause(writer, start, trace.pauses[trace.pause_before[lap.end]])
        if index == len(trace.laps) - 1:
            writer.add("event", timestamp=end, event="timer", event_type="stop_all", event_group=0)
        _write_lap(writer, plan, trace, index, lap_calories[index])
    _write_run_session(writer, athlete, plan, trace)
    _write_activity(writer, end, trace.timer_s, local_end)
    return writer.to_bytes()


def _chunks(lap: _Lap, pause_before: dict[int, int]) -> list[tuple[int, int]]:
    """Split a lap's records [first, end) at pauses (a pause precedes the chunk's first record)."""
    cuts = [lap.first] + sorted(i for i in pause_before if lap.first < i < lap.end) + [lap.end]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _write_pause(writer: FitWriter, start: datetime, pause: tuple[int, int]) -> None:
    stop_s, resume_s = pause
    writer.add(
        "event",
        timestamp=start + timedelta(seconds=stop_s),
        event="timer",
        event_type="stop_all",
        event_group=0,
    )
    writer.add(
        "event",
        timestamp=start + timedelta(seconds=resume_s),
        event="timer",
        event_type="start",
        event_group=0,
    )


def _write_run_session(
    writer: FitWriter, athlete: SyntheticAthlete, plan: _RunPlan, trace: _RunTrace
) -> None:
    start = plan.start_utc
    t = _totals(trace, 0, trace.timer_s, trace.end_s, 0)
    lat, lon = _position(trace, 0)
    writer.add(
        "session",
        timestamp=start + timedelta(seconds=trace.end_s),
        start_time=start,
        start_position_lat=lat,
        start_position_long=lon,
        sport="running",
        sub_sport=plan.sub_sport,
        total_elapsed_time=trace.end_s,
        total_timer_time=t.timer_s,
        total_distance=trace.distance_m,
        total_calories=_run_calories(athlete, trace.distance_m),
        avg_speed=t.avg_speed,
        max_speed=t.max_speed,
        enhanced_avg_speed=t.avg_speed,
        enhanced_max_speed=t.max_speed,
        avg_heart_rate=t.avg_hr,
        max_heart_rate=t.max_hr,
        min_heart_rate=t.min_hr,
        avg_cadence=t.avg_cadence,
        max_cadence=t.max_cadence,
        total_ascent=t.ascent_m,
        total_descent=t.descent_m,
        first_lap_index=0,
        num_laps=len(trace.laps),
        event="session",
        event_type="stop",
        trigger="activity_end",
        message_index=0,
    )


def _write_activity(writer: FitWriter, end: datetime, timer_s: int, local_end: datetime) -> None:
    """The closing activity message; ``local_end`` carries the wall clock at ``end``."""
    writer.add(
        "activity",
        timestamp=end,
        total_timer_time=timer_s,
        num_sessions=1,
        type="manual",
        event="activity",
        event_type="stop",
        local_timestamp=local_end,
    )


def _run_file(
    plan: _RunPlan,
    athlete: SyntheticAthlete,
    route: _Route,
    rng: random.Random,
    name: str,
    offset_at: OffsetFn,
) -> GeneratedFile:
    """Simulate and encode ``plan``; ``offset_at`` gives the zone's UTC offset at an instant."""
    trace = _simulate_run(plan, athlete, route, rng)
    end = plan.start_utc + timedelta(seconds=trace.end_s)
    offset_s = offset_at(end)
    local_end = end.replace(tzinfo=None) + timedelta(seconds=offset_s)
    data = _encode_run(plan, trace, athlete, local_end)
    return GeneratedFile(
        name=name,
        data=data,
        kind=plan.kind,
        sport="running",
        start_utc=plan.start_utc,
        end_utc=end,
        utc_offset_s=offset_s,
        record_count=trace.timer_s,
        total_distance_m=trace.distance_m,
        total_timer_time_s=float(trace.timer_s),
        set_count=0,
        weight_kg=None,
    )


# --------------------------------------------------------------------------------------------
# Strength training
# --------------------------------------------------------------------------------------------


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


def _strength_file(
    athlete: SyntheticAthlete, start: datetime, rng: random.Random, name: str, offset_at: OffsetFn
) -> GeneratedFile:
    """A strength session: HR-only 1 Hz records, alternating active/rest `set` messages."""
    warmup_s = rng.randint(240, 420)
    sets = _plan_sets(rng, warmup_s)
    end_s = sets[-1].start_s + sets[-1].duration_s + rng.randint(60, 180)  # cool-down
    heart = _strength_heart_rate(athlete, sets, end_s, rng)
    end = start + timedelta(seconds=end_s)
    offset_s = offset_at(end)
    writer = FitWriter()
    _write_preamble(writer, athlete, start, "garmin")
    _write_sport_header(writer, athlete, "training", "strength_training", "Strength")
    writer.add("event", timestamp=start, event="timer", event_type="start", event_group=0)
    _write_strength_body(writer, start, sets, heart)
    writer.add("event", timestamp=end, event="timer", event_type="stop_all", event_group=0)
    _write_strength_summary(writer, athlete, start, end_s, heart)
    _write_activity(writer, end, end_s, end.replace(tzinfo=None) + timedelta(seconds=offset_s))
    return GeneratedFile(
        name=name,
        data=writer.to_bytes(),
        kind="strength",
        sport="training",
        start_utc=start,
        end_utc=end,
        utc_offset_s=offset_s,
        record_count=end_s,
        total_distance_m=None,
        total_timer_time_s=float(end_s),
        set_count=len(sets),
        weight_kg=None,
    )


def _strength_heart_rate(
    athlete: SyntheticAthlete, sets: Sequence[_StrengthSet], end_s: int, rng: random.Random
) -> list[int]:
    """Heart rate per second, bpm: ~130-145 while lifting, recovering to ~95 in rests."""
    body = _Physiology(athlete, rng, athlete.resting_hr + 20.0)
    effort = [0.55] * end_s  # warm-up and cool-down: light movement
    for s in sets:
        level = (0.8 + 0.15 * ((s.load_kg or 20.0) / 70.0)) if s.active else 0.5
        effort[s.start_s : s.start_s + s.duration_s] = [level] * s.duration_s
    return [body.step(e, 0.0) for e in effort]


def _write_strength_body(
    writer: FitWriter, start: datetime, sets: Sequence[_StrengthSet], heart: Sequence[int]
) -> None:
    """Records in time order, each `set` message right after the records it spans."""
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
    written = 0
    for index, s in enumerate(sets):
        set_end = s.start_s + s.duration_s
        writer.write_columns(
            record, ([start_ts + t for t in range(written, set_end)], heart[written:set_end])
        )
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
    writer.write_columns(
        record, ([start_ts + t for t in range(written, len(heart))], heart[written:])
    )


def _write_strength_summary(
    writer: FitWriter, athlete: SyntheticAthlete, start: datetime, end_s: int, heart: Sequence[int]
) -> None:
    end = start + timedelta(seconds=end_s)
    calories = round(athlete.weight_kg * end_s / 60 * _STRENGTH_KCAL_PER_KG_MIN)
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


# --------------------------------------------------------------------------------------------
# Weigh-ins
# --------------------------------------------------------------------------------------------


def _weight_file(
    athlete: SyntheticAthlete, when: datetime, weight_kg: float, rng: random.Random, name: str
) -> GeneratedFile:
    """A smart-scale FIT file (type ``weight``): user_profile plus one weight_scale message."""
    base_fat = 24.0 if athlete.sex == "female" else 16.0
    percent_fat = round(base_fat + (weight_kg - athlete.weight_kg) * 0.6 + rng.gauss(0, 0.3), 1)
    writer = FitWriter()
    _write_preamble(writer, athlete, when, "garmin", file_type="weight")
    writer.add(
        "weight_scale",
        timestamp=when,
        weight=weight_kg,
        percent_fat=percent_fat,
        percent_hydration=round(55.0 + rng.gauss(0, 0.5), 1),
        muscle_mass=round(weight_kg * (0.42 if athlete.sex == "female" else 0.48), 2),
        bone_mass=round(weight_kg * 0.045, 2),
        user_profile_index=0,
    )
    return GeneratedFile(
        name=name,
        data=writer.to_bytes(),
        kind="weight",
        sport=None,
        start_utc=when,
        end_utc=when,
        utc_offset_s=None,
        record_count=0,
        total_distance_m=None,
        total_timer_time_s=None,
        set_count=0,
        weight_kg=weight_kg,
    )


# --------------------------------------------------------------------------------------------
# Plans and the weekly schedule
# --------------------------------------------------------------------------------------------


def _easy_segments(
    rng: random.Random, minutes: tuple[int, int], speed: tuple[float, float]
) -> tuple[_Segment, ...]:
    return (_Segment(rng.randint(*minutes) * 60, rng.uniform(*speed)),)


def _long_segments(
    rng: random.Random, minutes: tuple[int, int] = _LONG_RUN_MIN
) -> tuple[_Segment, ...]:
    """``minutes`` (inclusive range, total) at a steady pace, the last 10 a little faster."""
    base = rng.uniform(2.7, 2.95)
    finish = _LONG_RUN_FINISH_MIN
    steady_min = rng.randint(minutes[0] - finish, minutes[1] - finish)
    return (_Segment(steady_min * 60, base), _Segment(finish * 60, base + 0.15))


def _interval_segments(rng: random.Random) -> tuple[_Segment, ...]:
    """Warm-up, 5-7 fast repeats of 3-4 min with jog recoveries, cool-down."""
    segments = [_Segment(rng.randint(12, 15) * 60, 2.8, "warmup")]
    rep_s, reps = rng.choice((180, 240)), rng.randint(5, 7)
    fast = rng.uniform(4.1, 4.35)
    for k in range(reps):
        segments.append(_Segment(rep_s, fast + rng.uniform(-0.08, 0.08), "active"))
        if k < reps - 1:
            segments.append(_Segment(rng.randint(90, 120), 2.2, "rest"))
    segments.append(_Segment(rng.randint(8, 12) * 60, 2.7, "cooldown"))
    return tuple(segments)


def _maybe_pause(
    rng: random.Random, segments: Sequence[_Segment], always: bool = False
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


def _fixed_offset(offset_s: int) -> OffsetFn:
    """Offset function of a fixed UTC offset."""

    def offset_at(_: datetime) -> int:
        return offset_s

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
        self.weight_kg += 0.2 * (self.athlete.weight_kg - self.weight_kg) + rng.gauss(0, 0.12)
        if weekday in week.weigh_days:
            files.append(self._weigh_in(day, rng))
        run = self._run_plan(day, week, rng)
        if run is not None:
            files.append(self._run(run, rng))
        strength_days = self.plan.strength_weekdays
        if strength_days is None:
            strength_days = week.strength_days
        if weekday in strength_days:
            start = _local_instant(day, 18, rng.randint(0, 59), self.zone)
            name = self._name(start, "strength")
            files.append(_strength_file(self.athlete, start, rng, name, self.offset_at))
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

    def _weigh_in(self, day: date, rng: random.Random) -> GeneratedFile:
        when = _local_instant(day, 6, rng.randint(15, 40), self.zone)
        kg = round(self.weight_kg + rng.gauss(0, 0.08), 2)  # FIT weight resolution: 0.01 kg
        return _weight_file(self.athlete, when, kg, rng, self._name(when, "weight"))

    def _run_plan(self, day: date, week: _WeekPlan, rng: random.Random) -> _RunPlan | None:
        weekday = day.weekday()
        if day in self.offset_changes:  # start 30 min before the clocks change, run 2 h
            start = self.offset_changes[day] - timedelta(minutes=30)
            return _RunPlan("dst_run", start, (_Segment(7200, rng.uniform(2.75, 2.95)),))
        if not self.midnight_done and (weekday == 4 or day == self.last_day):
            self.midnight_done = True
            start = _local_instant(day, 23, 30, self.zone)
            return _RunPlan("midnight_run", start, (_Segment(70 * 60, 2.9),), "street")
        hour, minute = (7, rng.randint(0, 30)) if weekday < 5 else (rng.randint(8, 9), 30)
        start = _local_instant(day, hour, minute, self.zone)
        run_days = self.plan.run_weekdays
        if run_days is None:
            run_days = frozenset({1, 3, 5, 6} | ({2} if week.wednesday_run else set()))
        if weekday not in run_days:
            return None
        if weekday == 1:
            return _RunPlan(
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
            return _RunPlan("long_run", start, segments, "generic", pauses)
        segments = _easy_segments(rng, self.plan.easy_run_min or _EASY_RUN_MIN, (2.75, 3.05))
        pauses = _maybe_pause(rng, segments)
        self.pause_done = self.pause_done or bool(pauses)
        return _RunPlan("easy_run", start, segments, self._easy_surface(weekday, rng), pauses)

    def _easy_surface(self, weekday: int, rng: random.Random) -> str:
        if weekday == 3 and not self.treadmill_done:
            self.treadmill_done = True
            return "treadmill"
        if weekday == 5 and rng.random() < 0.5:
            return "trail"
        return rng.choice(("generic", "street"))

    def _run(self, plan: _RunPlan, rng: random.Random) -> GeneratedFile:
        if plan.sub_sport == "trail":
            route = _make_route(rng, _TRAIL_HOME, rng.uniform(7000, 9000), rng.uniform(15, 25))
        else:
            route = _make_route(rng, _ROAD_HOME, rng.uniform(4000, 6000), rng.uniform(3, 8))
        name = self._name(plan.start_utc, plan.kind)
        return _run_file(plan, self.athlete, route, rng, name, self.offset_at)


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


def one_hour_run(
    start_utc: datetime, seed: int = 0, *, duration_s: int = 3600, utc_offset_s: int = 3600
) -> GeneratedFile:
    """One steady outdoor run of ``duration_s`` seconds (1 Hz records, no pauses).

    ``start_utc`` must be tz-aware (sub-second parts are dropped); the activity's
    local_timestamp is written ``utc_offset_s`` seconds ahead of its timestamp. Written by
    manufacturer ``development``; kind ``"run"``.
    """
    if start_utc.tzinfo is None or start_utc.utcoffset() is None:
        raise ValueError("start_utc must be timezone-aware")
    if duration_s < 1:
        raise ValueError(f"duration_s must be >= 1, got {duration_s}")
    start = start_utc.astimezone(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    route = _make_route(rng, _ROAD_HOME, rng.uniform(4000, 6000), rng.uniform(3, 8))
    segments = (_Segment(duration_s, rng.uniform(2.8, 3.2)),)
    plan = _RunPlan("run", start, segments, manufacturer="development")
    local_start = start + timedelta(seconds=utc_offset_s)
    name = f"{local_start:%Y-%m-%d-%H%M}-run.fit"
    return _run_file(plan, SyntheticAthlete(), route, rng, name, _fixed_offset(utc_offset_s))
