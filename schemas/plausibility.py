"""Physical ranges of FIT samples: a value outside them is a sensor or file fault, not a
measurement, and is stored as null (never as the value) in `raw.fit_records`.

Each limit is the edge of what a human body has been measured to do, with a margin, so no
real sample is lost; the sources are given with each constant. A file keeps loading when
some of its values are nulled: `raw.source_files.values_nulled` counts them per reason
(`RangeRule.reason`), and the run summary and `musclebalance status` show the counts.

Times are checked per file instead (a wrong clock makes the whole file wrong): a file whose
instants lie before `EARLIEST_LOCAL_DATE` or after tomorrow in the athlete's zone is
quarantined (see `transforms.plausibility.instant_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: Lowest heart rate kept, beats/min. The slowest hearts measured in healthy people are
#: endurance athletes at rest around 26-30 bpm (Miguel Indurain's resting rate of 28 bpm is
#: the figure usually cited; Guinness World Records lists 27 bpm); a strap or optical sensor
#: without contact writes 0. Below 25 bpm is no reading.
HEART_RATE_MIN_BPM = 25.0
#: Highest heart rate kept, beats/min. Maximal heart rate falls with age (Tanaka, Monahan &
#: Seals 2001, J Am Coll Cardiol 37:153-156: 208 - 0.7 x age, SD about 10 bpm), so measured
#: maxima above about 230 bpm are rare even in the young; 250 leaves a margin above every
#: measured exercise maximum. FIT's uint8 field reaches 254: values above 250 are sensor
#: faults (a strap picking up cadence, electrical noise).
HEART_RATE_MAX_BPM = 250.0
#: Highest running speed kept, m/s. The fastest speed a human has run is Usain Bolt's
#: 12.42 m/s (44.7 km/h) between 60 and 80 m of his 9.58 s 100 m world record, Berlin 2009
#: (Graubner & Nixdorf 2011, "Biomechanical analysis of the sprint and hurdles events at the
#: 2009 IAAF World Championships in Athletics", New Studies in Athletics 26(1/2):19-53).
#: Faster samples of a running session are GPS jumps.
RUNNING_SPEED_MAX_M_S = 12.5
#: Highest running cadence kept, rpm: FIT records running cadence per leg, in strides
#: (full gait cycles) per minute, and watches show twice it as steps per minute. The fastest
#: sprinters reach a step frequency of about 4.5-5 steps/s at top speed (Bolt 4.3-4.5 Hz in
#: Berlin 2009, Graubner & Nixdorf 2011; Weyand et al. 2000, J Appl Physiol 89:1991-1999:
#: top-speed step frequencies of 3.5-5 Hz): 5 steps/s is 300 steps/min, 150 strides/min.
RUNNING_CADENCE_MAX_RPM = 150.0
#: Highest power kept, W, in any sport. The highest peak powers measured in humans are those
#: of elite track sprint cyclists over a few pedal strokes, about 1,600-2,500 W (Dorel et al.
#: 2005, Int J Sports Med 26:739-746: 1,600 +/- 120 W in world-class sprinters; the
#: strongest individual sprinters are reported near 2,500 W); running power meters give a
#: fraction of that. 3,000 W is out of human reach.
POWER_MAX_W = 3000.0
#: Highest altitude kept, m: the highest summit is Mount Everest at 8,849 m (2020 survey of
#: China and Nepal). Samples above are sensor faults; they would add false climb to the
#: elevation gain. (FIT cannot encode an altitude below -500 m, its offset; the lowest dry
#: land, the Dead Sea shore, lies at about -430 m.)
ALTITUDE_MAX_M = 9000.0

#: A FIT file's instants may not lie before this day in the athlete's zone. FIT dates count
#: from 1989-12-31T00:00Z, and values below 0x10000000 are seconds since the device was
#: switched on (FIT SDK, "Timestamps"); a file that reads as 1989 has no date.
EARLIEST_LOCAL_DATE = date(1990, 1, 1)
#: Nor after this many days after today in the athlete's zone: tomorrow is still allowed
#: (a watch set to a zone ahead of the athlete's), the day after is a wrong clock.
LATEST_DAYS_AHEAD = 1

#: The count key of record timestamps that are device-relative (seconds since the device was
#: switched on): stored in `timestamp_device_s`, no UTC instant, so the sample is on no day.
DEVICE_RELATIVE_TIME = "timestamp device-relative (no date)"


@dataclass(frozen=True)
class RangeRule:
    """Values of `column` (a raw.fit_records column) beyond `limit` are null; `above` says
    which side is out; `running_only` applies the rule to samples of running sessions."""

    column: str
    limit: float
    above: bool
    unit: str
    running_only: bool = False

    @property
    def reason(self) -> str:
        """The count key, e.g. `heart_rate_bpm>250` or `speed_m_s>12.5 (running)`."""
        limit = f"{self.limit:g}"
        where = " (running)" if self.running_only else ""
        return f"{self.column}{'>' if self.above else '<'}{limit}{where}"


#: Every range check of raw.fit_records, in the order they are reported.
RECORD_RULES: tuple[RangeRule, ...] = (
    RangeRule("heart_rate_bpm", HEART_RATE_MIN_BPM, above=False, unit="bpm"),
    RangeRule("heart_rate_bpm", HEART_RATE_MAX_BPM, above=True, unit="bpm"),
    RangeRule("speed_m_s", RUNNING_SPEED_MAX_M_S, above=True, unit="m/s", running_only=True),
    RangeRule("cadence_rpm", RUNNING_CADENCE_MAX_RPM, above=True, unit="rpm",
              running_only=True),
    RangeRule("power_w", POWER_MAX_W, above=True, unit="W"),
    RangeRule("altitude_m", ALTITUDE_MAX_M, above=True, unit="m"),
)

#: Beat-to-beat (RR) intervals of an activity's `hrv` messages, s, kept for rMSSD
#: (transforms/wellness/activity_hrv.py). FIT writes 0xFFFF (65.535 s after the scale of
#: 1000) where a beat was not detected: no interval.
RR_INVALID_S = 65.535
#: Shortest and longest RR interval taken as a beat, s: 0.3 s is 200 bpm, 2.0 s is 30 bpm,
#: the range of heart rates in the first easy minutes of a run with a margin; shorter or
#: longer intervals are missed or doubled beats (a model choice within the physical
#: heart-rate range above).
RR_MIN_S = 0.3
RR_MAX_S = 2.0
#: Largest change from the previous interval for a beat to count as normal, as a share of
#: the previous: the 20 % filter of Malik et al. 1993 (Med Biol Eng Comput 31:539-544),
#: which removes ectopic beats and detection errors before time-domain HRV.
RR_MAX_CHANGE = 0.20
#: The activity window of rMSSD: from RMSSD_SKIP_S after the first beat (the first minute,
#: when the strap settles and the heart rate climbs, is left out) for RMSSD_WINDOW_S (the
#: 5-minute short-term recording of the Task Force 1996, Circulation 93:1043-1065).
RMSSD_SKIP_S = 60.0
RMSSD_WINDOW_S = 300.0
#: Fewest successive differences of clean beats for an rMSSD: about one minute of beats
#: at an easy-running heart rate; rMSSD over 60 s agrees with 5-minute values (Munoz et al.
#: 2015, PLoS One 10:e0138921).
RMSSD_MIN_DIFFERENCES = 150
