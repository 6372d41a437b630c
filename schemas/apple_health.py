"""The Apple Health export (`export.xml`) as data: which record types the reader keeps, the
raw table and column each goes to, the units it accepts with their factor to the column's
unit, and the sleep category values.

Source of the shapes: `../shared/docs/formats-wellness.md` section 3 (Apple's DTD, the
record attributes, the units each type is written in, the iOS 16 DTD and `\\x0b` hazards).
A Health export is `export.zip` -> `apple_health_export/export.xml` (plus `export_cda.xml`,
the clinical document, which is not this format): root element `HealthData`, then
`ExportDate`, `Me` and millions of top-level `Record`, `Workout`, `ActivitySummary`,
`Correlation` elements. Dates are written `yyyy-MM-dd HH:mm:ss +HHMM`, the local offset at
recording time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from types import MappingProxyType

from schemas.nutrition import KG_PER_LB, KJ_PER_KCAL

#: The root element an Apple Health export has (checked on the content, whatever the name).
ROOT_ELEMENT = "HealthData"
#: The file name the Health app writes inside the export zip (compared case-insensitively).
EXPORT_FILE_NAME = "export.xml"
#: Date-time format of every date attribute (strftime notation; `%z` reads `+0200`).
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"

#: One stone in kg (HealthKit writes body mass in "st" when the user chose stones).
KG_PER_STONE = 14 * KG_PER_LB
_MASS_UNITS = MappingProxyType({"kg": 1.0, "g": 0.001, "lb": KG_PER_LB, "st": KG_PER_STONE})
_ENERGY_UNITS = MappingProxyType({"kcal": 1.0, "Cal": 1.0, "kJ": 1.0 / KJ_PER_KCAL})
_GRAM_UNITS = MappingProxyType({"g": 1.0, "mg": 0.001})


@dataclass(frozen=True)
class QuantityType:
    """A numeric record type the reader keeps: where its value goes and how it converts."""

    table: str  # raw table (schemas.wellness.WELLNESS_TABLES key) or "nutrition"
    column: str  # column of that table's frame
    units: MappingProxyType  # unit as written -> factor to the column's unit
    zero_is_value: bool = False  # 0 is a real value (a 0 kcal food); else not a measurement
    max_raw: float | None = None  # a larger raw value is not a measurement (fraction > 1)
    expected: str = "a number > 0"  # what a measurement holds, for the skipped report


#: HK quantity type identifier -> what the reader does with it.
QUANTITY_TYPES: MappingProxyType = MappingProxyType({
    "HKQuantityTypeIdentifierBodyMass": QuantityType(
        "body_composition", "weight_kg", _MASS_UNITS, expected="a mass > 0 in kg, g, lb or st"),
    # a fraction 0-1 although the unit says "%": x 100 to body fat in %
    "HKQuantityTypeIdentifierBodyFatPercentage": QuantityType(
        "body_composition", "body_fat_pct", MappingProxyType({"%": 100.0}), max_raw=1.0,
        expected="a fraction > 0 and <= 1 with unit %"),
    # fat-free mass (not the scale's muscle mass)
    "HKQuantityTypeIdentifierLeanBodyMass": QuantityType(
        "body_composition", "fat_free_mass_kg", _MASS_UNITS,
        expected="a mass > 0 in kg, g, lb or st"),
    "HKQuantityTypeIdentifierRestingHeartRate": QuantityType(
        "resting_hr", "resting_hr_bpm", MappingProxyType({"count/min": 1.0}),
        expected="a rate > 0 in count/min"),
    # SDNN over ~1-minute spot readings: kept as measure "sdnn", never as rMSSD
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": QuantityType(
        "hrv_measurements", "hrv_ms", MappingProxyType({"ms": 1.0}),
        expected="an SDNN > 0 in ms"),
    "HKQuantityTypeIdentifierDietaryEnergyConsumed": QuantityType(
        "nutrition", "energy_kcal", _ENERGY_UNITS, zero_is_value=True,
        expected="an energy >= 0 in kcal, Cal or kJ"),
    "HKQuantityTypeIdentifierDietaryProtein": QuantityType(
        "nutrition", "protein_g", _GRAM_UNITS, zero_is_value=True,
        expected="a mass >= 0 in g or mg"),
    "HKQuantityTypeIdentifierDietaryCarbohydrates": QuantityType(
        "nutrition", "carbohydrate_g", _GRAM_UNITS, zero_is_value=True,
        expected="a mass >= 0 in g or mg"),
})

#: The measure raw.hrv_measurements gets for Apple's HRV records.
HRV_MEASURE = "sdnn"

SLEEP_TYPE = "HKCategoryTypeIdentifierSleepAnalysis"
#: Sleep category value as written (name, or HKCategoryValueSleepAnalysis integer 0-5 as
#: some writers store it) -> stage: in_bed, asleep (unstaged: iOS 16's AsleepUnspecified,
#: the older Asleep), awake, light (Apple's "Core"), deep, rem.
SLEEP_VALUES: MappingProxyType = MappingProxyType({
    "HKCategoryValueSleepAnalysisInBed": "in_bed", "0": "in_bed",
    "HKCategoryValueSleepAnalysisAsleepUnspecified": "asleep",
    "HKCategoryValueSleepAnalysisAsleep": "asleep", "1": "asleep",
    "HKCategoryValueSleepAnalysisAwake": "awake", "2": "awake",
    "HKCategoryValueSleepAnalysisAsleepCore": "light", "3": "light",
    "HKCategoryValueSleepAnalysisAsleepDeep": "deep", "4": "deep",
    "HKCategoryValueSleepAnalysisAsleepREM": "rem", "5": "rem",
})
#: Stages whose intervals are time asleep.
ASLEEP_STAGES = ("asleep", "light", "deep", "rem")
#: Stages that are measured sleep stages (their presence fills deep_s / light_s / rem_s).
STAGED = ("light", "deep", "rem")
#: Asleep intervals of one source closer than this (s) belong to one sleep session; a longer
#: gap starts another (a nap in the afternoon is its own session). A model choice, no study:
#: wake-ups within a night are minutes long, the shortest day between two nights is longer.
SLEEP_SESSION_GAP_S = 2 * 3600

#: Top-level elements that are the export's header, neither records nor counted. Every
#: other top-level element (Workout, ActivitySummary, Correlation, ClinicalRecord, ...) and
#: every Record type not in QUANTITY_TYPES or SLEEP_TYPE (BodyMassIndex, HeartRate,
#: StepCount, ...) is counted by name as recognised, not used: workouts come from FIT
#: files, BMI is weight over height squared, the rest is not an input of the score.
HEADER_ELEMENTS = ("ExportDate", "Me")


def is_apple_export(name: str) -> bool:
    """Whether a file name is the Health app's export document (`export.xml`, any case, any
    folder; `export_cda.xml` is the clinical document, not this format). The content is
    checked when read (root element `HealthData`)."""
    return PurePath(name.replace("\\", "/")).name.lower() == EXPORT_FILE_NAME


#: Other files of an Apple Health export, recognised and not used (lower-case file name
#: -> what it is).
NOT_USED_FILES = {
    "export_cda.xml": "Apple Health clinical document (CDA): the same records as export.xml",
}


def apple_not_used(name: str) -> str | None:
    """What a file of an Apple Health export is when it is known but not read, else None."""
    return NOT_USED_FILES.get(PurePath(name.replace("\\", "/")).name.lower())
