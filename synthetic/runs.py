"""Simulated runs and their FIT activity files.

A run is planned as segments at target speeds (:class:`RunPlan`), simulated second by
second on a generated loop (:func:`route_for`) and encoded with the laps, pauses, session
and activity messages a watch writes (:func:`run_file`). :func:`one_hour_run` is a single
steady run for tests and benchmarks. Pure and deterministic: same arguments, same bytes.

Units throughout: metres, seconds, m/s, bpm, strides per minute (FIT running cadence, "rpm"),
kilograms, percent; instants are tz-aware UTC datetimes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from synthetic.athlete import (
    RUN_KCAL_PER_KG_KM,
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
from synthetic.fit_writer import FitWriter, degrees_to_semicircles, to_fit_timestamp

__all__ = ["RunPlan", "Segment", "one_hour_run", "route_for", "run_file"]

#: Speed the athlete can hold for an hour at lactate-threshold heart rate, m/s (~4:20 min/km).
_THRESHOLD_SPEED_MPS = 3.85
#: Start/finish of the road loops (Berlin, Tiergarten) and the trail loops (Grunewald), degrees.
_ROAD_HOME = (52.5145, 13.3501)
_TRAIL_HOME = (52.4705, 13.2483)
_BASE_ALTITUDE_M = 34.0
_METRES_PER_DEGREE_LAT = 111_320.0


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


def route_for(rng: random.Random, sub_sport: str) -> _Route:
    """A new loop for a run on ``sub_sport``: 7-9 km with 15-25 m hills in the Grunewald for
    ``trail``, otherwise 4-6 km with 3-8 m hills in the Tiergarten (also the treadmill's)."""
    if sub_sport == "trail":
        return _make_route(rng, _TRAIL_HOME, rng.uniform(7000, 9000), rng.uniform(15, 25))
    return _make_route(rng, _ROAD_HOME, rng.uniform(4000, 6000), rng.uniform(3, 8))


# --------------------------------------------------------------------------------------------
# Run simulation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of a run at one target speed; ``duration_s`` is moving (timer) time."""

    duration_s: int
    speed_mps: float
    intensity: str = "active"  # FIT lap intensity: active | rest | warmup | cooldown


@dataclass(frozen=True)
class RunPlan:
    """What to run: when, how (segments), where (sub_sport) and with which interruptions."""

    kind: str
    start_utc: datetime
    segments: tuple[Segment, ...]
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


def _simulate_run(
    plan: RunPlan, athlete: SyntheticAthlete, route: _Route, rng: random.Random
) -> _RunTrace:
    """1 Hz samples of ``plan`` on ``route`` (positions only when not on a treadmill).

    Speed follows the segment's target with inertia, slows uphill and wobbles; heart rate
    follows speed and grade with lag and drift; cadence rises with speed (~85 spm easy).
    This loop runs once per second of every run, so it is kept flat for speed.
    """
    outdoor = plan.sub_sport != "treadmill"
    trace = _RunTrace()
    body = Physiology(athlete, rng, athlete.resting_hr + 25.0)
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


def _laps(plan: RunPlan, trace: _RunTrace) -> list[_Lap]:
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


def _record_columns(trace: _RunTrace, start_ts: int, rows: slice | list[int]
                    ) -> list[Sequence[float]]:
    """Columns for the `record` definition of :func:`_encode_run`, for the simulated
    seconds ``rows`` (:func:`synthetic.athlete.record_rows`)."""
    columns: list[Sequence[float]] = [[start_ts + e for e in pick(trace.elapsed_s, rows)]]
    if trace.lat is not None and trace.lon is not None:
        columns += [pick(trace.lat, rows), pick(trace.lon, rows)]
    speed, altitude = pick(trace.speed_mps, rows), pick(trace.altitude_m, rows)
    distance = [cm / 100 for cm in pick(trace.distance_cm, rows)]
    return columns + [
        distance,
        speed,
        speed,
        pick(trace.heart_rate, rows),
        pick(trace.cadence, rows),
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

    def fit_fields(self) -> dict[str, float | int]:
        """The speed, heart-rate, cadence and climb fields that `lap` and `session` share."""
        return {
            "avg_speed": self.avg_speed,
            "max_speed": self.max_speed,
            "enhanced_avg_speed": self.avg_speed,
            "enhanced_max_speed": self.max_speed,
            "avg_heart_rate": self.avg_hr,
            "max_heart_rate": self.max_hr,
            "min_heart_rate": self.min_hr,
            "avg_cadence": self.avg_cadence,
            "max_cadence": self.max_cadence,
            "total_ascent": self.ascent_m,
            "total_descent": self.descent_m,
        }


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
    return round(athlete.weight_kg * distance_m / 1000 * RUN_KCAL_PER_KG_KM)


def _write_lap(
    writer: FitWriter, plan: RunPlan, trace: _RunTrace, index: int, calories: int
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
        **t.fit_fields(),
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
    plan: RunPlan,
    trace: _RunTrace,
    athlete: SyntheticAthlete,
    local_end: datetime,
    record_interval_s: int = 1,
) -> tuple[bytes, int]:
    """The FIT activity file of a simulated run and its number of `record` messages;
    ``local_end`` is the end in local time, ``record_interval_s`` the seconds between
    written records."""
    start = plan.start_utc
    start_ts = to_fit_timestamp(start)
    end = start + timedelta(seconds=trace.end_s)
    writer = FitWriter()
    write_preamble(writer, athlete, start, plan.manufacturer)
    title = {"treadmill": "Treadmill Run", "trail": "Trail Run"}.get(plan.sub_sport, "Run")
    write_sport_header(writer, athlete, "running", plan.sub_sport, title)
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
    records = 0
    for index, lap in enumerate(trace.laps):
        for first, stop in _chunks(lap, trace.pause_before):
            if first != lap.first:  # the chunk starts right after a pause
                _write_pause(writer, start, trace.pauses[trace.pause_before[first]])
            rows = record_rows(first, stop, record_interval_s)
            records += stop - first if isinstance(rows, slice) else len(rows)
            writer.write_columns(record, _record_columns(trace, start_ts, rows))
            if plan.hrv:
                writer.write_rows(hrv, _hrv_rows(trace, first, stop))
        if lap.end in trace.pause_before:  # a pause on a lap boundary belongs to this lap
            _write_pause(writer, start, trace.pauses[trace.pause_before[lap.end]])
        if index == len(trace.laps) - 1:
            writer.add("event", timestamp=end, event="timer", event_type="stop_all", event_group=0)
        _write_lap(writer, plan, trace, index, lap_calories[index])
    _write_run_session(writer, athlete, plan, trace)
    write_activity(writer, end, trace.timer_s, local_end)
    return writer.to_bytes(), records


def _chunks(lap: _Lap, pause_before: dict[int, int]) -> list[tuple[int, int]]:
    """Split a lap's records [first, end) at pauses (a pause precedes the chunk's first record)."""
    cuts = [lap.first] + sorted(i for i in pause_before if lap.first < i < lap.end) + [lap.end]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _write_pause(writer: FitWriter, start: datetime, pause: tuple[int, int]) -> None:
    """The timer events of one pause: stopped at ``pause[0]``, restarted at ``pause[1]`` (s)."""
    for seconds, event_type in zip(pause, ("stop_all", "start"), strict=True):
        writer.add(
            "event",
            timestamp=start + timedelta(seconds=seconds),
            event="timer",
            event_type=event_type,
            event_group=0,
        )


def _write_run_session(
    writer: FitWriter, athlete: SyntheticAthlete, plan: RunPlan, trace: _RunTrace
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
        **t.fit_fields(),
        first_lap_index=0,
        num_laps=len(trace.laps),
        event="session",
        event_type="stop",
        trigger="activity_end",
        message_index=0,
    )


def run_file(
    plan: RunPlan,
    athlete: SyntheticAthlete,
    route: _Route,
    rng: random.Random,
    name: str,
    offset_at: OffsetFn,
    *,
    record_interval_s: int = 1,
) -> GeneratedFile:
    """Simulate and encode ``plan``; ``offset_at`` gives the zone's UTC offset at an instant.
    ``record_interval_s``: seconds between the written records (the run is simulated every
    second either way)."""
    trace = _simulate_run(plan, athlete, route, rng)
    end = plan.start_utc + timedelta(seconds=trace.end_s)
    offset_s = offset_at(end)
    local_end = end.replace(tzinfo=None) + timedelta(seconds=offset_s)
    data, records = _encode_run(plan, trace, athlete, local_end, record_interval_s)
    return GeneratedFile(
        name=name,
        data=data,
        kind=plan.kind,
        sport="running",
        start_utc=plan.start_utc,
        end_utc=end,
        utc_offset_s=offset_s,
        record_count=records,
        total_distance_m=trace.distance_m,
        total_timer_time_s=float(trace.timer_s),
        set_count=0,
        weight_kg=None,
    )


def _fixed_offset(offset_s: int) -> OffsetFn:
    """Offset function of a fixed UTC offset."""

    def offset_at(_: datetime) -> int:
        return offset_s

    return offset_at


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
    route = route_for(rng, "generic")
    segments = (Segment(duration_s, rng.uniform(2.8, 3.2)),)
    plan = RunPlan("run", start, segments, manufacturer="development")
    local_start = start + timedelta(seconds=utc_offset_s)
    name = f"{local_start:%Y-%m-%d-%H%M}-run.fit"
    return run_file(plan, SyntheticAthlete(), route, rng, name, _fixed_offset(utc_offset_s))
