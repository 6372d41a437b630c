"""A generated Apple Health export.xml of a requested size, in the real shape, streamed.

The shape follows `../shared/docs/formats-wellness.md` section 3: the XML declaration, an
internal DTD like iOS 16's (HealthKit Export Version 12, with its malformed `VisionPrescription`
attribute list that standard parsers refuse), `<HealthData>`, `<ExportDate>`, `<Me>`, then day
after day of top-level `<Record>` lines of many types, `<Workout>` elements with
`<WorkoutStatistics>` children and a route reference, `<Correlation>` elements whose nested
records are copies of top-level ones (Food, BloodPressure) and `<ActivitySummary>` lines. Most
of a real export is noise for the reader: heart rate every few minutes, active and basal
energy, step counts and distance from the iPhone and the watch. Each day also holds what the
reader keeps: a morning weigh-in from a scale app (body mass, body fat fraction, lean body
mass, BMI) copied by Garmin "Connect" on some days, one or two resting HR records, SDNN
readings with beat-to-beat lists, a night of Watch stages across midnight with the iPhone's
InBed and an overlapping AutoSleep record, and meals as separate energy, protein and
carbohydrate records. A few `\\x0b` characters sit in metadata values, as in iOS 16 exports.

Deterministic from the seed; days are written one at a time (a few hundred kB each), so memory
stays small whatever the size. Real exports group records by type; these interleave them by
day (the reader does not depend on the order). All values are invented.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

WATCH = "Runner’s Apple Watch"
PHONE = "Runner’s iPhone"
SCALE = "SmartScale"
WATCH_DEVICE = ("&lt;&lt;HKDevice: 0x300000001&gt;, name:Apple Watch, manufacturer:Apple Inc., "
                "model:Watch, hardware:Watch6,10, software:10.3, creation date:2023-10-01 "
                "10:00:00 +0000&gt;")
PHONE_DEVICE = ("&lt;&lt;HKDevice: 0x300000002&gt;, name:iPhone, manufacturer:Apple Inc., "
                "model:iPhone, hardware:iPhone15,2, software:17.3.1&gt;")

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|\
Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level \
records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type                  CDATA #REQUIRED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
  average               CDATA #IMPLIED
  minimum               CDATA #IMPLIED
  maximum               CDATA #IMPLIED
  sum                   CDATA #IMPLIED
  unit                  CDATA #IMPLIED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT VisionPrescription ((RightEye|LeftEye|Attachment|MetadataEntry)*)>
<!ATTLIST VisionPrescription
  type             CDATA #REQUIRED
  dateIssued       CDATA #REQUIRED
  expirationDate   CDATA #REQUIRED
  brand            CDATA #IMPLIED
<!ELEMENT RightEye EMPTY>
<!ATTLIST RightEye
  sphere           CDATA #IMPLIED
  cylinder         CDATA #IMPLIED
>
]>
<HealthData locale="en_US">
 <ExportDate value="{export_date}"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-05-01" \
HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexMale" \
HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" \
HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" \
HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>
"""
FOOTER = "</HealthData>\n"

#: Every second of a day as "HH:MM:SS" (formatting dates is most of the writing time).
_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
_Q = "HKQuantityTypeIdentifier"
_SLEEP = "HKCategoryValueSleepAnalysis"


@dataclass
class AppleExportTruth:
    """What a generated export holds, counted while writing (the reader's expected rows)."""

    bytes_written: int = 0
    days: int = 0
    records: Counter[str] = field(default_factory=Counter)  # top-level Record by type
    elements: Counter[str] = field(default_factory=Counter)  # other top-level elements
    weigh_ins: int = 0  # (source, instant) pairs with a body mass
    nights: int = 0  # Watch sleep sessions (one per night)


class _Day:
    """The lines of one day, with the date strings of the day and the one before."""

    def __init__(self, day: date, zone: ZoneInfo, truth: AppleExportTruth) -> None:
        self.lines: list[str] = []
        self.truth = truth
        self.d = day.isoformat()
        self.prev = (day - timedelta(days=1)).isoformat()
        self.offset = datetime(day.year, day.month, day.day, 12, tzinfo=zone).strftime("%z")

    def at(self, second: int) -> str:
        """A local date-time of this day (negative: the evening before), as Apple writes it."""
        if second < 0:
            return f"{self.prev} {_CLOCK[second + 86_400]} {self.offset}"
        return f"{self.d} {_CLOCK[min(second, 86_399)]} {self.offset}"

    def record(self, kind: str, source: str, version: str, start: int, end: int,
               value: str, unit: str | None = None, device: str | None = None,
               children: str = "", top_level: bool = True, indent: str = " ") -> str:
        unit_attr = f' unit="{unit}"' if unit is not None else ""
        device_attr = f' device="{device}"' if device is not None else ""
        head = (f'{indent}<Record type="{kind}" sourceName="{source}" sourceVersion="{version}"'
                f'{device_attr}{unit_attr} creationDate="{self.at(end + 61)}" '
                f'startDate="{self.at(start)}" endDate="{self.at(end)}" value="{value}"')
        line = f"{head}>\n{children}{indent}</Record>\n" if children else f"{head}/>\n"
        if top_level:
            self.lines.append(line)
            self.truth.records[kind] += 1
        return line


def _noise(day: _Day, rng: random.Random) -> None:
    """Heart rate, energy, steps and distance through the day, as a watch and a phone write
    them (the bulk of a real export)."""
    second = rng.randint(0, 240)
    while second < 86_000:
        bpm = rng.randint(52, 95) if 25_000 < second < 80_000 else rng.randint(45, 60)
        day.record(f"{_Q}HeartRate", WATCH, "10.3", second, second, str(bpm), "count/min",
                   WATCH_DEVICE, ' <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" '
                   f'value="{rng.randint(0, 2)}"/>\n ')
        for kind, low, high in (("ActiveEnergyBurned", 0.05, 4.0),
                                ("BasalEnergyBurned", 0.9, 1.4)):
            day.record(f"{_Q}{kind}", WATCH, "10.3", second, second + 60,
                       f"{rng.uniform(low, high):.3f}", "kcal", WATCH_DEVICE)
        if rng.random() < 0.35:
            steps = rng.randint(8, 900)
            for source, device in ((PHONE, PHONE_DEVICE), (WATCH, WATCH_DEVICE)):
                day.record(f"{_Q}StepCount", source, "17.3.1", second, second + 420,
                           str(steps), "count", device)
                day.record(f"{_Q}DistanceWalkingRunning", source, "17.3.1", second,
                           second + 420, f"{steps * 0.00072:.5f}", "km", device)
        second += rng.randint(150, 420)


def _weigh_in(day: _Day, rng: random.Random, weight_kg: float) -> None:
    second = 6 * 3600 + rng.randint(600, 5400)
    fat = rng.uniform(0.13, 0.17)
    day.record(f"{_Q}BodyMass", SCALE, "412", second, second, f"{weight_kg:.2f}", "kg", None,
               "  \n ")
    day.record(f"{_Q}BodyFatPercentage", SCALE, "412", second, second, f"{fat:.3f}", "%")
    day.record(f"{_Q}LeanBodyMass", SCALE, "412", second, second,
               f"{weight_kg * (1 - fat):.2f}", "kg")
    day.record(f"{_Q}BodyMassIndex", SCALE, "412", second, second,
               f"{weight_kg / 1.795 ** 2:.1f}", "count")
    day.truth.weigh_ins += 1
    if rng.random() < 0.3:  # Garmin Connect writes the same weigh-in again
        day.record(f"{_Q}BodyMass", "Connect", "4.75", second, second, f"{weight_kg:.2f}",
                   "kg")
        day.truth.weigh_ins += 1


def _heart(day: _Day, rng: random.Random) -> None:
    rhr = rng.randint(44, 54)
    day.record(f"{_Q}RestingHeartRate", WATCH, "10.3", 200, 25_000, str(rhr), "count/min")
    if rng.random() < 0.5:  # an update later in the day
        day.record(f"{_Q}RestingHeartRate", WATCH, "10.3", 200, 79_000, str(rhr + 1),
                   "count/min")
    for _ in range(rng.randint(3, 6)):
        start = rng.randint(0, 86_000)
        beats = "".join(
            f'   <InstantaneousBeatsPerMinute bpm="{rng.randint(48, 70)}" '
            f'time="{(start + i) // 3600 % 12 or 12}:{(start + i) // 60 % 60:02d}:'
            f'{(start + i) % 60:02d}.{rng.randint(0, 99):02d}\u202fAM"/>\n'
            for i in range(rng.randint(40, 70)))
        children = (' <MetadataEntry key="HKAlgorithmVersion" value="2"/>\n'
                    f"  <HeartRateVariabilityMetadataList>\n{beats}"
                    "  </HeartRateVariabilityMetadataList>\n ")
        day.record(f"{_Q}HeartRateVariabilitySDNN", WATCH, "10.3", start, start + 60,
                   f"{rng.uniform(25, 90):.4f}", "ms", WATCH_DEVICE, children)


def _night(day: _Day, rng: random.Random) -> None:
    """Last night: the iPhone's bedtime, the Watch's stages across midnight, AutoSleep."""
    bed = -rng.randint(3000, 6000)
    asleep = bed + rng.randint(300, 1200)
    day.record("HKCategoryTypeIdentifierSleepAnalysis", PHONE, "17.3.1", bed,
               asleep + 27_000, f"{_SLEEP}InBed")
    second = asleep
    while second < asleep + 26_000:
        stage = rng.choice(("AsleepCore", "AsleepCore", "AsleepDeep", "AsleepREM", "Awake"))
        length = rng.randint(300, 3600) if stage != "Awake" else rng.randint(60, 600)
        day.record("HKCategoryTypeIdentifierSleepAnalysis", WATCH, "10.3", second,
                   second + length, f"{_SLEEP}{stage}")
        second += length
    day.truth.nights += 1
    day.record("HKCategoryTypeIdentifierSleepAnalysis", "AutoSleep", "6.14.0",
               asleep + 180, second - 240, f"{_SLEEP}AsleepUnspecified")


def _meals(day: _Day, rng: random.Random) -> None:
    for hour in (8, 12.5, 16, 19.5):
        second = int(hour * 3600) + rng.randint(0, 1800)
        kcal = rng.uniform(150, 1000)
        nutrients = ((f"{_Q}DietaryEnergyConsumed", f"{kcal:.1f}", "kcal"),
                     (f"{_Q}DietaryProtein", f"{kcal * rng.uniform(0.03, 0.06):.1f}", "g"),
                     (f"{_Q}DietaryCarbohydrates", f"{kcal * rng.uniform(0.1, 0.15):.1f}", "g"))
        nested = "".join(day.record(kind, "FoodLog", "23.9", second, second, value, unit)
                         .replace(" <Record", "  <Record") for kind, value, unit in nutrients)
        if rng.random() < 0.5:  # the meal as a Food correlation holding copies of the three
            day.lines.append(
                f' <Correlation type="HKCorrelationTypeIdentifierFood" sourceName="FoodLog" '
                f'sourceVersion="23.9" creationDate="{day.at(second + 60)}" '
                f'startDate="{day.at(second)}" endDate="{day.at(second)}">\n'
                f'  <MetadataEntry key="HKFoodType" value="Meal\x0b{hour:g}"/>\n'
                f"{nested} </Correlation>\n")
            day.truth.elements["Correlation"] += 1


def _run(day: _Day, rng: random.Random) -> None:
    start = 17 * 3600 + rng.randint(0, 3600)
    minutes = rng.uniform(35, 80)
    end = start + int(minutes * 60)
    km = minutes / rng.uniform(4.6, 5.8)
    stats = (("DistanceWalkingRunning", f'sum="{km:.2f}" unit="km"'),
             ("ActiveEnergyBurned", f'sum="{km * 70:.1f}" unit="kcal"'),
             ("HeartRate", f'average="{rng.randint(140, 160)}" minimum="98" '
                           f'maximum="{rng.randint(165, 182)}" unit="count/min"'))
    children = "".join(f'  <WorkoutStatistics type="{_Q}{kind}" startDate="{day.at(start)}" '
                       f'endDate="{day.at(end)}" {values}/>\n' for kind, values in stats)
    day.lines.append(
        f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="{minutes:.4f}" '
        f'durationUnit="min" sourceName="{WATCH}" sourceVersion="10.3" device="{WATCH_DEVICE}" '
        f'creationDate="{day.at(end + 50)}" startDate="{day.at(start)}" '
        f'endDate="{day.at(end)}">\n'
        '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
        '  <MetadataEntry key="HKWeatherHumidity" value="6200 %\x0b"/>\n'
        f"{children}"
        f'  <WorkoutRoute sourceName="{WATCH}" sourceVersion="10.3" '
        f'creationDate="{day.at(end + 50)}" startDate="{day.at(start)}" '
        f'endDate="{day.at(end)}">\n'
        f'   <FileReference path="/workout-routes/route_{day.d}_{start}.gpx"/>\n'
        "  </WorkoutRoute>\n </Workout>\n")
    day.truth.elements["Workout"] += 1


def _activity_summary(day: _Day, rng: random.Random) -> None:
    day.lines.append(
        f' <ActivitySummary dateComponents="{day.d}" activeEnergyBurned='
        f'"{rng.uniform(300, 1200):.3f}" activeEnergyBurnedGoal="600" activeEnergyBurnedUnit='
        f'"Cal" appleExerciseTime="{rng.randint(5, 90)}" appleExerciseTimeGoal="30" '
        f'appleStandHours="{rng.randint(6, 14)}" appleStandHoursGoal="12"/>\n')
    day.truth.elements["ActivitySummary"] += 1


def write_apple_health_export(out: BinaryIO, size_bytes: int, *, seed: int = 20_160_104,
                              first_day: date = date(2016, 1, 4),
                              zone: str = "Europe/Berlin") -> AppleExportTruth:
    """Write an export.xml of at least `size_bytes` (whole days; the last day ends it) to
    `out`, and return what it holds."""
    rng = random.Random(seed)
    tz = ZoneInfo(zone)
    truth = AppleExportTruth()
    header = HEADER.replace("{export_date}", f"{first_day.isoformat()} 09:12:44 +0100")
    truth.bytes_written += out.write(header.encode())
    weight_kg = 72.0
    day = first_day
    while truth.bytes_written < size_bytes - len(FOOTER):
        lines = _Day(day, tz, truth)
        _night(lines, rng)
        _noise(lines, rng)
        weight_kg = min(max(weight_kg + rng.gauss(0, 0.15), 66.0), 78.0)
        if rng.random() < 0.8:
            _weigh_in(lines, rng, weight_kg)
        _heart(lines, rng)
        _meals(lines, rng)
        if day.toordinal() % 2:
            _run(lines, rng)
        _activity_summary(lines, rng)
        truth.bytes_written += out.write("".join(lines.lines).encode())
        truth.days += 1
        day += timedelta(days=1)
    truth.bytes_written += out.write(FOOTER.encode())
    return truth
