"""A Garmin Connect "Export your data" archive of the synthetic runner: sleep, resting HR, HRV
and smart-scale readings that respond to its training and food.

Two steps, both deterministic for a seed:

* :func:`garmin_wellness` models the athlete's daily recovery signals from what the synthetic
  plan knows: the day's activity files (:func:`synthetic.generate_athlete_files`) give a
  session-RPE training load, the food truth (:class:`synthetic.DayIntake`) against
  :func:`synthetic.daily_expenditure_kcal` gives the energy balance, and the day's protein
  decides how much of a loss is fat-free mass. It returns the truth (:class:`GarminWellness`):
  per day the night's sleep, resting HR, overnight HRV, true weight, fat-free and muscle mass,
  and every scale reading as written.
* :func:`write_garmin_export` writes that truth in the real shapes
  (``shared/docs/formats-wellness.md`` section 1; keys as in
  ``shared/fixtures/wellness/garmin_export``): ``DI_CONNECT/DI-Connect-Aggregator/UDSFile_*``
  and ``HydrationLogFile_*`` and ``DI-Connect-Wellness/*_sleepData.json`` /
  ``*_healthStatusData.json`` in 100-day chunks whose consecutive files share one day,
  ``<userPK>_userBioMetrics.json`` with weights in grams, and one JSON file no reader knows.
  :func:`zip_garmin_export` packs it as Garmin's ``<uuid>_1.zip``. Files are owner-only
  (0600, folders 0700), like everything the product writes: they hold health data.

Units: kg, bpm, ms (HRV), hours (sleep), kcal; instants are tz-aware UTC datetimes; days are
local calendar days in the athlete's IANA zone. Every number below names its source or says
"a model choice".
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from synthetic.athlete import GeneratedFile, SyntheticAthlete
from synthetic.food import ACTIVITY_FACTOR, DayIntake, daily_expenditure_kcal, resting_energy_kcal

__all__ = [
    "CHUNK_DAYS",
    "GarminWellness",
    "WeighIn",
    "WellnessDay",
    "chunks",
    "garmin_export_files",
    "garmin_wellness",
    "session_load_au",
    "write_garmin_export",
    "zip_garmin_export",
]

# ------------------------------------------------------------------------------ constants

#: Session RPE (CR-10) by generated activity kind; a session's load is minutes x RPE in
#: arbitrary units (AU), the session-RPE method of Foster et al. 2001 (J Strength Cond Res
#: 15:109). The RPE per kind is a model choice (easy running 3, long run 5, intervals 7).
SESSION_RPE = {
    "easy_run": 3.0, "midnight_run": 3.0, "run": 4.0, "dst_run": 4.0, "long_run": 5.0,
    "strength": 5.0, "intervals": 7.0,
}
#: Time constant of the decay of acute training fatigue, days: parasympathetic (HRV)
#: recovery takes about 24 h after easy and up to 48 h or more after hard or long sessions
#: (Stanley, Peake & Buchheit 2013, Sports Med 43:1259), so a hard day's effect is mostly
#: gone after 2-3 nights.
FATIGUE_TAU_DAYS = 1.2
#: Fatigue (AU) at which the effects below reach 1 - 1/e of their maximum; the effect is
#: f = 1 - exp(-(F / FATIGUE_SCALE_AU)^2), nearly nil after an easy session (parasympathetic
#: activity recovers within 24 h after low-intensity exercise: Stanley et al. 2013) and
#: large after long or hard ones. A model choice (a 100-min long run at RPE 5 is 500 AU,
#: a 45-min easy run at RPE 3 135 AU).
FATIGUE_SCALE_AU = 400.0
#: Largest fall of overnight HRV under acute fatigue, as a fraction of baseline: a model
#: choice of the size of the 1-2 day suppression after hard sessions in Stanley et al. 2013
#: and of the day-to-day swings in Plews et al. 2013 (Sports Med 43:773).
HRV_MAX_DROP = 0.30
#: Day-to-day coefficient of variation of overnight HRV (ms), as lognormal noise of this SD.
#: Plews et al. 2012 (Eur J Appl Physiol 112:3729) and 2013 track the day-to-day CV of
#: (Ln)rMSSD in endurance athletes and read its rise as a warning; 8 % of the ms value is a
#: model choice of that order (7-10 %).
HRV_DAY_CV = 0.08
#: Range of the athlete's HRV baseline, ms (Garmin overnight average; a model choice within
#: what recreational endurance athletes show).
HRV_BASELINE_MS = (45.0, 70.0)
#: Rise of resting HR under the largest acute fatigue, bpm (2-5 bpm for a few days after heavy
#: load: Buchheit 2014, Front Physiol 5:73, on resting/morning HR as a fatigue marker; the
#: size is a model choice).
RHR_MAX_RISE_BPM = 4.0
#: Rise of resting HR when the past 7 days' mean energy balance is in deficit: RHR_DEFICIT_BPM
#: per RHR_DEFICIT_KCAL of mean daily deficit, at most RHR_DEFICIT_MAX_BPM (a model choice).
RHR_DEFICIT_BPM = 1.0
RHR_DEFICIT_KCAL = 300.0
RHR_DEFICIT_MAX_BPM = 2.5
#: Day-to-day SD of resting HR, bpm (a model choice: a few bpm of daily scatter, of the
#: order Buchheit 2014 discusses for resting and morning HR).
RHR_DAY_SD_BPM = 1.3
#: Sleep: mean time asleep (deep + light + REM), its SD and bounds, hours; weekend mornings
#: longer. A model choice inside 6.5-8 h (adults who train sleep about 7 h: Hirshkowitz
#: 2015, Sleep Health 1:40, recommends 7-9 h).
SLEEP_MEAN_H = 7.25
SLEEP_SD_H = 0.35
SLEEP_BOUNDS_H = (6.5, 8.2)
SLEEP_WEEKEND_EXTRA_H = 0.3
#: Short nights (late evening, early start), hours asleep; one per SHORT_NIGHT_EVERY_DAYS
#: days, at least two in a span of two weeks or more (a model choice).
SHORT_NIGHT_H = (4.8, 5.8)
SHORT_NIGHT_EVERY_DAYS = 40
#: Energy density of body-mass change, kcal/kg (the classic 3500 kcal/lb, Wishnofsky 1958).
KCAL_PER_KG = 7700.0
#: Share of a loss that is fat-free mass, by the day's protein (g per kg body mass): 0.53 at
#: 1.0 g/kg and 0.20 at 2.3 g/kg, from athletes in a 40 % deficit for two weeks (Mettler,
#: Mitchell & Tipton 2010, Med Sci Sports Exerc 42:326: 3.0 kg lost with 1.6 kg lean mass on
#: 1.0 g/kg; 1.5 kg with 0.3 kg on 2.3 g/kg); linear between and flat outside (a model
#: choice).
FFM_SHARE_OF_LOSS = ((1.0, 0.53), (2.3, 0.20))
#: Share of a gain that is fat-free mass in a training athlete (a model choice; Garthe et al.
#: 2013, Eur J Sport Sci 13:295, saw about half of a supervised surplus as lean mass).
FFM_SHARE_OF_GAIN = 0.4
#: Day-to-day water swings of body weight, kg: AR(1) with this stationary SD and day-to-day
#: correlation, clipped to +-WATER_MAX_KG (a model choice; glycogen and its water move 1-2 kg
#: over days, Kreitzman 1992 Am J Clin Nutr 56:292S).
WATER_SD_KG = 0.25
WATER_PHI = 0.5
WATER_MAX_KG = 0.5
#: Body fat at the nominal weight, %: as synthetic/athlete.weight_file writes on FIT scales.
BASE_FAT_PCT = {"female": 24.0, "male": 16.0}
#: Skeletal muscle mass the scale reports per kg fat-free mass (matches weight_file's 0.42 /
#: 0.48 x weight at the base body fat; a model choice).
MUSCLE_PER_FFM = {"female": 0.55, "male": 0.57}
#: Bone mass per kg body weight at the start, as weight_file writes it.
BONE_PER_KG = 0.045
#: Water per kg fat-free mass (hydration of fat-free mass 0.73: Wang et al. 1999, Am J
#: Physiol 276:E995).
WATER_PER_FFM = 0.73
#: Consumer foot-to-foot impedance (BIA) scale noise of one reading. Consumer BIA agrees with
#: reference methods only within several %-points body fat and 2-3 kg fat-free mass per
#: person (Kyle et al. 2004, Clin Nutr 23:1430, ESPEN BIA part II; Bosy-Westphal et al. 2008,
#: Obes Facts 1:319), and its readings move with hydration and test-retest error from day to
#: day (Siedler et al. 2023, Br J Nutr 130:827, fifteen devices). Modelled as a per-reading
#: error: body fat SD 1.2 %-points (muscle mass moves the other way with it) plus an
#: independent muscle-mass SD 0.4 kg: about 0.6 kg in all. The sizes are a model choice inside
#: what those studies report.
BIA_FAT_PCT_SD = 1.2
BIA_MUSCLE_EXTRA_SD_KG = 0.4
BIA_BONE_SD_KG = 0.03
#: Weigh-ins every 1-3 days (a model choice), in the morning; some typed in by hand (weight
#: only, sourceType MANUAL), some failed impedance readings (composition 0.0, as real Garmin
#: files hold them), some evenings a second weigh-in (after food and drink: heavier).
WEIGH_GAPS_DAYS = (1, 1, 2, 2, 3)
MANUAL_SHARE = 0.08
FAILED_IMPEDANCE_SHARE = 0.04
EVENING_SHARE = 0.05
EVENING_EXTRA_KG = (0.5, 1.1)
#: Days (nights) of readings before Garmin's HRV and HR baselines form: "about three weeks"
#: (Garmin's HRV status manual); before, the baselines are placeholders 0.0.
BASELINE_NIGHTS = 21
#: Days the watch is off the wrist (charging), none with an activity; HRV readings missing
#: on worn nights ("UNKNOWN", value 0). Shares are a model choice.
NOT_WORN_SHARE = 0.02
HRV_UNKNOWN_SHARE = 0.03
#: A day Garmin's summary calls vigorous (UDS isVigorousDay): a model choice, about an
#: interval session or a long run.
VIGOROUS_DAY_AU = 300.0
#: Sweat loss Garmin estimates per hour of exercise, ml (a model choice; runners lose about
#: 0.5-2 l/h: Sawka et al. 2007, ACSM position stand, Med Sci Sports Exerc 39:377).
SWEAT_ML_PER_H = 700.0
#: Garmin writes daily and nightly files in chunks of this many days, named <from>_<to>
#: with to = from + CHUNK_DAYS; the next chunk starts on the previous one's last day.
CHUNK_DAYS = 100


# ------------------------------------------------------------------------------ the truth


@dataclass(frozen=True)
class WellnessDay:
    """The truth of one local day. The night is the one ending on this day's morning (Garmin's
    ``calendarDate`` of a sleep is the wake-up day); measurements missing from the export are
    None (watch off the wrist, HRV not measured)."""

    local_date: date
    worn: bool  # False: the watch was off the wrist (no sleep, RHR or HRV for the day)
    load_au: float  # session-RPE training load of the day's activities, AU
    energy_balance_kcal: float  # intake - expenditure of the day, kcal
    protein_g_per_kg: float  # the day's protein per kg nominal body mass, g/kg
    sleep_h: float | None  # asleep (deep + light + REM) in the night ending this morning, h
    sleep_start_utc: datetime | None
    sleep_end_utc: datetime | None
    deep_s: int | None
    light_s: int | None
    rem_s: int | None
    awake_s: int | None
    resting_hr_bpm: int | None  # the day's resting HR (UDS currentDayRestingHeartRate)
    hrv_ms: float | None  # overnight HRV (healthStatus HRV), ms; None when UNKNOWN
    weight_kg: float  # true morning body weight, water swing included, kg
    trend_weight_kg: float  # the same without the day's water swing, kg
    fat_free_mass_kg: float  # true fat-free mass, kg
    muscle_mass_kg: float  # true skeletal muscle mass as the scale's model defines it, kg

    @property
    def body_fat_pct(self) -> float:
        """True body fat of the morning weight (water swing counted as fat-free), %."""
        return 100.0 * (1.0 - (self.fat_free_mass_kg + self.weight_kg - self.trend_weight_kg)
                        / self.weight_kg)


@dataclass(frozen=True)
class WeighIn:
    """One reading in ``userBioMetrics.json`` as written (kg; composition None when the record
    holds none or holds Garmin's 0.0 of a failed impedance reading)."""

    timestamp_utc: datetime
    local_date: date
    weight_kg: float  # = weight.weight grams / 1000
    body_fat_pct: float | None
    muscle_mass_kg: float | None
    bone_mass_kg: float | None
    body_water_pct: float | None
    source_type: str  # INDEX_SCALE | MANUAL
    failed_impedance: bool = False  # composition written as 0.0

    @property
    def fat_free_mass_kg(self) -> float | None:
        """weight x (1 - body fat / 100), kg, when the reading has body fat."""
        if self.body_fat_pct is None:
            return None
        return self.weight_kg * (1.0 - self.body_fat_pct / 100.0)


@dataclass(frozen=True)
class GarminWellness:
    """What :func:`garmin_wellness` modelled: the export's truth, day by day."""

    athlete: SyntheticAthlete
    seed: int
    user_pk: int  # Garmin userProfilePK written into file names and records
    hrv_baseline_ms: float
    days: tuple[WellnessDay, ...]  # consecutive local days
    weigh_ins: tuple[WeighIn, ...]  # by time
    activity_files: tuple[GeneratedFile, ...]  # the runs and sessions of the span
    expenditure_kcal: tuple[float, ...]  # per day, as the food generator planned against

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.athlete.timezone)


# ------------------------------------------------------------------------------ the model


def session_load_au(file: GeneratedFile) -> float:
    """Session-RPE load of one activity file (minutes x :data:`SESSION_RPE`), AU; 0 for
    weigh-ins."""
    rpe = SESSION_RPE.get(file.kind)
    if rpe is None or file.sport is None:
        return 0.0
    seconds = file.total_timer_time_s or (file.end_utc - file.start_utc).total_seconds()
    return seconds / 60.0 * rpe


def _ffm_share_of_loss(protein_g_per_kg: float) -> float:
    (p0, s0), (p1, s1) = FFM_SHARE_OF_LOSS
    x = min(max(protein_g_per_kg, p0), p1)
    return s0 + (s1 - s0) * (x - p0) / (p1 - p0)


def _user_pk(athlete_id: str) -> int:
    """A stable nine-digit userProfilePK for the athlete."""
    return 100_000_000 + zlib.crc32(f"garmin/{athlete_id}".encode()) % 900_000_000


def garmin_wellness(
    athlete: SyntheticAthlete,
    files: Sequence[GeneratedFile],
    intake: Sequence[DayIntake],
    *,
    seed: int = 0,
    activity_factor: float = ACTIVITY_FACTOR,
) -> GarminWellness:
    """Model the recovery signals of ``athlete`` on the consecutive days of ``intake``.

    ``files``: the athlete's activity files (weigh-in files are ignored); ``intake``: the food
    truth of the same span (:attr:`synthetic.NutritionExports.days`, unlogged days included:
    they hold what was eaten); ``activity_factor``: the one the food plan used, so that
    intake - :func:`daily_expenditure_kcal` is the balance it planned.

    Per night (the one ending on day d): acute fatigue F (AU) = the session-RPE loads of the
    days before, decaying with :data:`FATIGUE_TAU_DAYS`; with f = 1 - exp(-(F /
    :data:`FATIGUE_SCALE_AU`)^2) the overnight HRV is baseline x (1 - :data:`HRV_MAX_DROP` f)
    with lognormal noise (:data:`HRV_DAY_CV`), and the day's resting HR is the configured
    ``resting_hr`` + :data:`RHR_MAX_RISE_BPM` f + a rise in a 7-day deficit + noise. Body mass
    changes by the previous day's balance / :data:`KCAL_PER_KG`, fat-free mass by its share
    (:data:`FFM_SHARE_OF_LOSS` by protein in a loss, :data:`FFM_SHARE_OF_GAIN` in a gain).
    Same arguments, same result.
    """
    rng = random.Random(seed)
    zone = ZoneInfo(athlete.timezone)
    dates = [d.local_date for d in intake]
    if any((b - a).days != 1 for a, b in zip(dates, dates[1:], strict=False)):
        raise ValueError("intake must hold consecutive local days")
    n = len(dates)
    index = {d: i for i, d in enumerate(dates)}
    activities = tuple(f for f in files if f.sport is not None
                       and f.start_utc.astimezone(zone).date() in index)
    loads = [0.0] * n
    for f in activities:
        loads[index[f.start_utc.astimezone(zone).date()]] += session_load_au(f)
    expenditure = [daily_expenditure_kcal(athlete, files, d, activity_factor=activity_factor)
                   for d in dates]
    balance = [day.energy_kcal - e for day, e in zip(intake, expenditure, strict=True)]
    protein = [day.protein_g / athlete.weight_kg for day in intake]

    hrv_base = rng.uniform(*HRV_BASELINE_MS)
    active_days = {i for i in range(n) if loads[i] > 0.0}
    rest_days = [i for i in range(n) if i not in active_days]
    not_worn = {i for i in rest_days if rng.random() < NOT_WORN_SHARE}
    if not not_worn and n >= 28 and rest_days:
        not_worn.add(rng.choice(rest_days[len(rest_days) // 2:]))
    short_count = max(2 if n >= 14 else 0, n // SHORT_NIGHT_EVERY_DAYS)
    worn_days = [i for i in range(n) if i not in not_worn]
    short = set(rng.sample(worn_days, min(short_count, len(worn_days))))
    unknown_hrv = {i for i in worn_days if rng.random() < HRV_UNKNOWN_SHARE}

    sex = athlete.sex if athlete.sex in BASE_FAT_PCT else "female"
    ffm = athlete.weight_kg * (1.0 - BASE_FAT_PCT[sex] / 100.0)
    tissue = athlete.weight_kg
    water = 0.0
    water_step_sd = WATER_SD_KG * math.sqrt(1.0 - WATER_PHI**2)
    fatigue = 0.0  # AU, at the end of the previous day
    days: list[WellnessDay] = []
    for i, d in enumerate(dates):
        day_rng = random.Random(rng.getrandbits(64))
        if i > 0:  # yesterday's food and training have acted overnight
            change = balance[i - 1] / KCAL_PER_KG
            share = _ffm_share_of_loss(protein[i - 1]) if change < 0 else FFM_SHARE_OF_GAIN
            tissue += change
            ffm += share * change
        water = max(-WATER_MAX_KG, min(WATER_MAX_KG,
                                       WATER_PHI * water + day_rng.gauss(0.0, water_step_sd)))
        f = 1.0 - math.exp(-((fatigue / FATIGUE_SCALE_AU) ** 2))
        week = balance[max(0, i - 7):i]
        deficit = -sum(week) / len(week) if week else 0.0
        rhr_rise = min(RHR_DEFICIT_MAX_BPM, max(0.0, deficit) / RHR_DEFICIT_KCAL * RHR_DEFICIT_BPM)
        night = _night(day_rng, d, zone, i in short)
        rhr = round(athlete.resting_hr + RHR_MAX_RISE_BPM * f + rhr_rise
                    + day_rng.gauss(0.0, RHR_DAY_SD_BPM))
        hrv = round(hrv_base * (1.0 - HRV_MAX_DROP * f)
                    * math.exp(day_rng.gauss(0.0, HRV_DAY_CV)), 0)
        worn = i not in not_worn
        days.append(WellnessDay(
            local_date=d, worn=worn, load_au=loads[i], energy_balance_kcal=balance[i],
            protein_g_per_kg=protein[i],
            sleep_h=night[0] if worn else None,
            sleep_start_utc=night[1] if worn else None,
            sleep_end_utc=night[2] if worn else None,
            deep_s=night[3] if worn else None, light_s=night[4] if worn else None,
            rem_s=night[5] if worn else None, awake_s=night[6] if worn else None,
            resting_hr_bpm=rhr if worn else None,
            hrv_ms=float(hrv) if worn and i not in unknown_hrv else None,
            weight_kg=round(tissue + water, 1), trend_weight_kg=tissue,
            fat_free_mass_kg=ffm, muscle_mass_kg=ffm * MUSCLE_PER_FFM[sex],
        ))
        fatigue = fatigue * math.exp(-1.0 / FATIGUE_TAU_DAYS) + loads[i]
    weigh_ins = _weigh_ins(rng, athlete, days, zone, sex)
    return GarminWellness(athlete, seed, _user_pk(athlete.athlete_id), hrv_base, tuple(days),
                          weigh_ins, activities, tuple(expenditure))


def _night(
    rng: random.Random, wake_day: date, zone: ZoneInfo, short: bool
) -> tuple[float, datetime, datetime, int, int, int, int]:
    """(asleep h, start UTC, end UTC, deep s, light s, REM s, awake s) of the night ending on
    the morning of ``wake_day``: to bed 22:15-23:45 local the evening before (half an hour
    later before a weekend morning, so some nights start after midnight)."""
    weekend = wake_day.weekday() >= 5
    if short:
        asleep_h = rng.uniform(*SHORT_NIGHT_H)
    else:
        mean = SLEEP_MEAN_H + (SLEEP_WEEKEND_EXTRA_H if weekend else 0.0)
        asleep_h = min(SLEEP_BOUNDS_H[1], max(SLEEP_BOUNDS_H[0], rng.gauss(mean, SLEEP_SD_H)))
    asleep_s = round(asleep_h * 3600 / 60) * 60  # Garmin's stages are whole minutes
    deep = round(asleep_s * rng.uniform(0.14, 0.2) / 60) * 60
    rem = round(asleep_s * rng.uniform(0.19, 0.25) / 60) * 60
    light = asleep_s - deep - rem
    awake = rng.randint(6, 40) * 60
    bed_minute = 22 * 60 + rng.randint(15, 105) + (30 if weekend else 0)
    evening = datetime.combine(wake_day - timedelta(days=1), time(), tzinfo=zone)
    start = (evening + timedelta(minutes=bed_minute)).astimezone(UTC)
    end = start + timedelta(seconds=asleep_s + awake)
    return asleep_s / 3600, start, end, deep, light, rem, awake


def _weigh_ins(
    rng: random.Random, athlete: SyntheticAthlete, days: Sequence[WellnessDay], zone: ZoneInfo,
    sex: str,
) -> tuple[WeighIn, ...]:
    """Morning readings every 1-3 days (see :data:`WEIGH_GAPS_DAYS`), as the scale wrote them."""
    bone = athlete.weight_kg * BONE_PER_KG
    out: list[WeighIn] = []
    i = rng.randrange(2) if days else 0
    while i < len(days):
        day = days[i]
        when = (datetime.combine(day.local_date, time(6, 0), tzinfo=zone)
                + timedelta(minutes=rng.randint(10, 100))).astimezone(UTC)
        kind = rng.random()
        if kind < MANUAL_SHARE:
            out.append(WeighIn(when, day.local_date, day.weight_kg, None, None, None, None,
                               "MANUAL"))
        elif kind < MANUAL_SHARE + FAILED_IMPEDANCE_SHARE:
            out.append(WeighIn(when, day.local_date, day.weight_kg, None, None, None, None,
                               "INDEX_SCALE", failed_impedance=True))
        else:
            out.append(_scale_reading(rng, when, day, day.weight_kg, bone, sex))
        if rng.random() < EVENING_SHARE:
            evening = (datetime.combine(day.local_date, time(19, 0), tzinfo=zone)
                       + timedelta(minutes=rng.randint(0, 150))).astimezone(UTC)
            heavier = round(day.weight_kg + rng.uniform(*EVENING_EXTRA_KG), 1)
            out.append(_scale_reading(rng, evening, day, heavier, bone, sex))
        i += rng.choice(WEIGH_GAPS_DAYS)
    return tuple(out)


def _scale_reading(
    rng: random.Random, when: datetime, day: WellnessDay, weight: float, bone: float, sex: str
) -> WeighIn:
    """A body-composition reading: the truth plus impedance error (:data:`BIA_FAT_PCT_SD`).
    The extra weight over the morning's (food, drink, water) is fat-free."""
    true_ffm = day.fat_free_mass_kg + (weight - day.trend_weight_kg)
    fat_pct = 100.0 * (1.0 - true_ffm / weight)
    error_pct = rng.gauss(0.0, BIA_FAT_PCT_SD)
    read_fat = round(fat_pct + error_pct, 1)
    read_ffm = weight * (1.0 - read_fat / 100.0)
    muscle = round(read_ffm * MUSCLE_PER_FFM[sex] + rng.gauss(0.0, BIA_MUSCLE_EXTRA_SD_KG), 2)
    water = round(100.0 * WATER_PER_FFM * read_ffm / weight, 1)
    bone_read = round(bone + rng.gauss(0.0, BIA_BONE_SD_KG), 2)
    return WeighIn(when, day.local_date, weight, read_fat, muscle, bone_read, water,
                   "INDEX_SCALE")


# ------------------------------------------------------------------------------ the files


def _iso(moment: datetime) -> str:
    """Garmin's ISO form without zone and with a ``.0`` fraction."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".0"


def _grams(kg: float) -> float:
    return float(round(kg * 1000.0))


def chunks(first: date, last: date) -> list[tuple[date, date]]:
    """(from, to) of the 100-day chunks covering ``first``..``last``: to = from +
    :data:`CHUNK_DAYS`, the next from = this to (one shared day)."""
    out = []
    start = first
    while True:
        end = start + timedelta(days=CHUNK_DAYS)
        out.append((start, end))
        if end >= last:
            return out
        start = end


class _Writer:
    """Builds the export's records from the truth; ``files()`` gives path -> bytes."""

    def __init__(self, wellness: GarminWellness) -> None:
        self.w = wellness
        self.zone = wellness.zone
        self.pk = wellness.user_pk
        days = wellness.days
        self.rhr_7d = [self._mean_7d(i) for i in range(len(days))]

    def _mean_7d(self, i: int) -> int | None:
        values = [d.resting_hr_bpm for d in self.w.days[max(0, i - 6):i + 1]
                  if d.resting_hr_bpm is not None]
        return round(sum(values) / len(values)) if values else None

    def _rng(self, kind: str, day: date) -> random.Random:
        """The draws of one record: the same day gives the same record in both chunks."""
        return random.Random(f"garmin-export/{self.w.seed}/{kind}/{day.isoformat()}")

    # ---- per-day records

    def uds(self, i: int) -> dict[str, Any]:
        day = self.w.days[i]
        d = day.local_date
        begin = datetime.combine(d, time(), tzinfo=self.zone)
        end = datetime.combine(d + timedelta(days=1), time(), tzinfo=self.zone)
        sessions = [f for f in self.w.activity_files
                    if f.start_utc.astimezone(self.zone).date() == d]
        runs = [f for f in sessions if f.sport == "running"]
        hard = day.load_au >= VIGOROUS_DAY_AU
        record: dict[str, Any] = {
            "userProfilePK": self.pk, "calendarDate": d.isoformat(), "version": 1,
            "durationInMilliseconds": int((end - begin).total_seconds() * 1000),
            "includesWellnessData": day.worn, "includesActivityData": bool(sessions),
            "isVigorousDay": hard,
            "wellnessStartTimeGmt": _iso(begin.astimezone(UTC)),
            "wellnessEndTimeGmt": _iso(end.astimezone(UTC)),
            "wellnessStartTimeLocal": _iso(begin), "wellnessEndTimeLocal": _iso(end),
        }
        if not day.worn:
            return record
        rng = self._rng("uds", d)
        total = round(self.w.expenditure_kcal[i])
        bmr = round(resting_energy_kcal(self.w.athlete, d))
        run_m = sum(f.total_distance_m or 0.0 for f in runs)
        active_s = sum(f.total_timer_time_s or 0.0 for f in sessions)
        steps = round(rng.gauss(7000, 1500) + run_m / 1.1)
        walk_m = round(steps * 0.78)
        vigorous = round(sum((f.total_timer_time_s or 0.0) / 60 for f in runs
                             if f.kind in ("intervals", "long_run")))
        moderate = round(active_s / 60) - vigorous + rng.randint(5, 25)
        rhr = day.resting_hr_bpm or 0
        stress = rng.randint(18, 38) if rng.random() > 0.05 else -1
        bb_high = max(40, min(100, round(95 - 0.04 * day.load_au + rng.gauss(0, 5))))
        record.update({
            "totalKilocalories": float(total), "activeKilocalories": float(total - bmr),
            "bmrKilocalories": float(bmr), "wellnessKilocalories": float(total),
            "wellnessActiveKilocalories": float(total - bmr),
            "remainingKilocalories": float(total),
            "totalSteps": steps, "dailyStepGoal": 9000, "totalDistanceMeters": walk_m,
            "wellnessDistanceMeters": walk_m,
            "highlyActiveSeconds": round(active_s) + rng.randint(300, 1200),
            "activeSeconds": rng.randint(3000, 6000),
            "sedentarySeconds": rng.randint(36000, 46000),
            "sleepingSeconds": round((day.sleep_h or 0.0) * 3600),
            "moderateIntensityMinutes": moderate, "vigorousIntensityMinutes": vigorous,
            "userIntensityMinutesGoal": 150,
            "floorsAscendedInMeters": round(rng.uniform(15, 60), 1),
            "floorsDescendedInMeters": round(rng.uniform(15, 60), 1),
            "minHeartRate": rhr - rng.randint(2, 4), "maxHeartRate": 175 if runs else 118,
            "minAvgHeartRate": rhr - 1, "maxAvgHeartRate": 170 if runs else 112,
            "restingHeartRate": self.rhr_7d[i], "currentDayRestingHeartRate": rhr,
            "averageSpo2Value": 95.0, "lowestSpo2Value": rng.randint(87, 91),
            "latestSpo2Value": rng.randint(94, 98),
            "respiration": {"avgWakingRespirationValue": 15.0, "highestRespirationValue": 22.0,
                            "lowestRespirationValue": 9.0, "latestRespirationValue": 14.0},
            "allDayStress": {"aggregatorList": [
                {"type": "TOTAL", "averageStressLevel": stress, "maxStressLevel": 88,
                 "stressDuration": 18000, "restDuration": 41000},
                {"type": "AWAKE", "averageStressLevel": stress + 8 if stress >= 0 else stress,
                 "maxStressLevel": 88, "stressDuration": 17700, "restDuration": 13800},
                {"type": "ASLEEP", "averageStressLevel": 12, "maxStressLevel": 40,
                 "stressDuration": 300, "restDuration": 27200}]},
            "bodyBattery": {"chargedValue": rng.randint(45, 70), "drainedValue":
                            rng.randint(45, 75), "bodyBatteryStatList": [
                {"bodyBatteryStatType": "HIGHEST", "statsValue": bb_high},
                {"bodyBatteryStatType": "LOWEST", "statsValue": rng.randint(10, 35)}]},
            "hydration": {"calendarDate": d.isoformat(), "valueInML": 0.0, "goalInML": 2500.0,
                          "sweatLossInML": float(round(active_s / 3600 * SWEAT_ML_PER_H))},
        })
        return record

    def sleep(self, i: int) -> dict[str, Any]:
        day = self.w.days[i]
        if not day.worn:
            start = datetime.combine(day.local_date - timedelta(days=1), time(23), self.zone)
            return {"sleepStartTimestampGMT": _iso(start.astimezone(UTC)),
                    "sleepEndTimestampGMT": _iso((start + timedelta(hours=8)).astimezone(UTC)),
                    "calendarDate": day.local_date.isoformat(),
                    "sleepWindowConfirmationType": "OFF_WRIST", "deepSleepSeconds": 0,
                    "lightSleepSeconds": 0, "retro": False}
        assert day.sleep_start_utc and day.sleep_end_utc and day.sleep_h is not None
        rng = self._rng("sleep", day.local_date)
        duration = max(0, min(100, round(100 - 12 * abs(7.8 - day.sleep_h))))
        overall = max(30, min(98, duration - rng.randint(0, 12)))
        return {
            "sleepStartTimestampGMT": _iso(day.sleep_start_utc),
            "sleepEndTimestampGMT": _iso(day.sleep_end_utc),
            "calendarDate": day.local_date.isoformat(),
            "sleepWindowConfirmationType": "ENHANCED_CONFIRMED_FINAL",
            "deepSleepSeconds": day.deep_s, "lightSleepSeconds": day.light_s,
            "remSleepSeconds": day.rem_s, "awakeSleepSeconds": day.awake_s,
            "unmeasurableSeconds": 0,
            "averageRespiration": round(rng.uniform(12.5, 14.5), 1),
            "lowestRespiration": float(rng.randint(8, 11)),
            "highestRespiration": float(rng.randint(16, 20)), "retro": False,
            "awakeCount": rng.randint(0, 3), "avgSleepStress": round(rng.uniform(8, 20), 1),
            "restlessMomentCount": rng.randint(20, 60),
            "spo2SleepSummary": {
                "userProfilePk": self.pk, "deviceId": 3_900_000_000 + self.pk % 99_999_999,
                "sleepMeasurementStartGMT": _iso(day.sleep_start_utc + timedelta(minutes=3)),
                "sleepMeasurementEndGMT": _iso(day.sleep_end_utc),
                "alertThresholdValue": 0, "averageSPO2": 95.0,
                "averageHR": float((day.resting_hr_bpm or 50) + 2),
                "lowestSPO2": rng.randint(86, 91)},
            "sleepScores": {
                "overallScore": overall, "qualityScore": max(30, overall - rng.randint(0, 8)),
                "durationScore": duration, "recoveryScore": rng.randint(60, 95),
                "deepScore": rng.randint(60, 98), "remScore": rng.randint(60, 98),
                "lightScore": rng.randint(60, 98), "awakeningsCountScore": rng.randint(60, 98),
                "awakeTimeScore": rng.randint(60, 98), "combinedAwakeScore": rng.randint(60, 98),
                "restfulnessScore": rng.randint(50, 95),
                "interruptionsScore": rng.randint(60, 98),
                "feedback": "SYNTHETIC_FEEDBACK_KEY", "insight": "NONE"},
        }

    def health_status(self, i: int) -> dict[str, Any]:
        day = self.w.days[i]
        stamp = _iso((day.sleep_end_utc or datetime.combine(
            day.local_date, time(6), self.zone).astimezone(UTC)) + timedelta(minutes=7))
        head = {"calendarDate": day.local_date.isoformat(), "createTimestampUTC": stamp,
                "updateTimestampUTC": stamp, "outliersCount": 0}
        if day.hrv_ms is None:
            return {**head, "metrics": [_metric("HRV", 0.0, (0.0, 0.0), "UNKNOWN")]}
        rng = self._rng("health", day.local_date)
        previous = self.w.days[max(0, i - 28):i]
        hrvs = [d.hrv_ms for d in previous if d.hrv_ms is not None][-BASELINE_NIGHTS:]
        rhrs = [float(d.resting_hr_bpm) for d in previous if d.resting_hr_bpm is not None]
        formed = len(hrvs) >= BASELINE_NIGHTS
        hrv_band = _band(hrvs, 1.0, 3.0) if formed else None
        hr_band = _band(rhrs, 1.5, 2.0) if formed else None
        return {**head, "metrics": [
            _metric("HRV", day.hrv_ms, hrv_band),
            _metric("HR", float(day.resting_hr_bpm or 0), hr_band),
            _metric("SPO2", float(rng.randint(94, 97)), (92.0, 98.0) if formed else None),
            _metric("RESPIRATION", round(rng.uniform(12.8, 14.6), 1),
                    (12.0, 15.0) if formed else None),
            _metric("SKIN_TEMP_C", round(rng.gauss(0.0, 0.3), 1),
                    (-1.0, 1.0) if formed else None),
        ]}

    def bio_metrics(self) -> list[dict[str, Any]]:
        height_m = self.w.athlete.height_cm / 100.0
        out: list[dict[str, Any]] = []
        for seq, reading in enumerate(self.w.weigh_ins, start=1):
            local = reading.timestamp_utc.astimezone(self.zone)
            weight: dict[str, Any] = {"weight": _grams(reading.weight_kg)}
            if reading.source_type == "INDEX_SCALE":
                weight["bmi"] = round(reading.weight_kg / height_m**2, 1)
                if reading.failed_impedance:
                    weight.update(bodyFat=0.0, bodyWater=0.0, boneMass=0.0, muscleMass=0.0)
                else:
                    assert reading.bone_mass_kg is not None and reading.muscle_mass_kg is not None
                    weight.update(bodyFat=reading.body_fat_pct, bodyWater=reading.body_water_pct,
                                  boneMass=_grams(reading.bone_mass_kg),
                                  muscleMass=_grams(reading.muscle_mass_kg))
            weight.update(sourceType=reading.source_type,
                          timestampGMT=_iso(reading.timestamp_utc))
            out.append({"version": 1, "metaData": {"calendarDate": _iso(local), "sequence": seq,
                                                   "userProfilePK": self.pk}, "weight": weight})
        if self.w.days:  # the profile as set up on the first day: no weight
            first = datetime.combine(self.w.days[0].local_date, time(12), self.zone)
            out.append({"version": 1, "metaData": {"calendarDate": _iso(first),
                                                   "sequence": len(out) + 1,
                                                   "userProfilePK": self.pk},
                        "height": float(self.w.athlete.height_cm),
                        "lactateThresholdHeartRate": self.w.athlete.lthr,
                        "lactateThresholdSpeed": 0.37, "vo2Max": 52.0})
        return out

    def hydration(self, first: date, last: date) -> list[dict[str, Any]]:
        """HydrationLogFile records: one estimated sweat loss per activity of the days."""
        out = []
        for f in self.w.activity_files:
            local = f.start_utc.astimezone(self.zone)
            if not first <= local.date() <= last:
                continue
            seconds = f.total_timer_time_s or (f.end_utc - f.start_utc).total_seconds()
            out.append({"userProfilePK": self.pk, "calendarDate": local.date().isoformat(),
                        "valueInML": 0.0,
                        "estimatedSweatLossInML": float(round(seconds / 3600 * SWEAT_ML_PER_H)),
                        "duration": float(seconds), "activityId": 14_000_000_000 + len(out),
                        "hydrationSource": "GARMIN_ACTIVITY", "capped": False,
                        "timestampLocal": _iso(local + timedelta(seconds=seconds)),
                        "persistedTimestampGMT": _iso(f.end_utc)})
        return out

    # ---- files

    def files(self) -> dict[str, bytes]:
        days = self.w.days
        if not days:
            return {}
        index = {d.local_date: i for i, d in enumerate(days)}
        first, last = days[0].local_date, days[-1].local_date
        agg, well = "DI_CONNECT/DI-Connect-Aggregator", "DI_CONNECT/DI-Connect-Wellness"
        out: dict[str, bytes] = {}
        for start, end in chunks(first, last):
            span = [index[d] for d in _dates(start, min(end, last))]
            name = f"{start.isoformat()}_{end.isoformat()}"
            out[f"{agg}/UDSFile_{name}.json"] = _json([self.uds(i) for i in span])
            out[f"{agg}/HydrationLogFile_{name}.json"] = _json(
                self.hydration(start, min(end, last)))
            out[f"{well}/{name}_{self.pk}_sleepData.json"] = _json([self.sleep(i) for i in span])
            out[f"{well}/{name}_{self.pk}_healthStatusData.json"] = _json(
                [self.health_status(i) for i in span])
        out[f"{well}/{self.pk}_userBioMetrics.json"] = _json(self.bio_metrics())
        tag = f"{first:%Y%m%d}_{(first + timedelta(days=CHUNK_DAYS)):%Y%m%d}_{self.pk}"
        out[f"DI_CONNECT/DI-Connect-Metrics/MetricsHeatAltitudeAcclimation_{tag}.json"] = _json(
            [{"calendarDate": d.local_date.isoformat(), "heatAcclimationPercentage": 0,
              "altitudeAcclimation": 0, "userProfilePK": self.pk} for d in days[:3]])
        return out


def _metric(
    kind: str, value: float, band: tuple[float, float] | None, status: str | None = None
) -> dict[str, Any]:
    """One healthStatus metric; without a band (baseline not formed yet) the limits are the
    placeholder 0.0 and the status NONE."""
    low, high = band if band is not None else (0.0, 0.0)
    if status is None:
        status = "NONE" if band is None else (
            "IN_RANGE" if low <= value <= high else "OUT_OF_RANGE")
    pct = 0.0 if high <= low else round(min(100.0, max(0.0, (value - low) / (high - low) * 100)))
    return {"type": kind, "value": value, "baselineUpperLimit": high,
            "baselineLowerLimit": low, "percentage": float(pct), "status": status}


def _band(values: Sequence[float], sds: float, least: float) -> tuple[float, float] | None:
    """mean -+ max(sds x SD, least), whole units: a model choice of Garmin's baseline band."""
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    half = max(sds * sd, least)
    return float(round(mean - half)), float(round(mean + half))


def _dates(first: date, last: date) -> Iterable[date]:
    for k in range((last - first).days + 1):
        yield first + timedelta(days=k)


def _json(records: list[dict[str, Any]]) -> bytes:
    """One line of compact JSON, as Garmin writes its export files."""
    return json.dumps(records, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def garmin_export_files(wellness: GarminWellness) -> dict[str, bytes]:
    """The export's JSON files: path under the export folder (``DI_CONNECT/...``) -> bytes.
    Pure; same truth, same bytes."""
    return _Writer(wellness).files()


# ------------------------------------------------------------------------------ writing

#: Owner-only modes, as the product writes health data (warehouse/private.py; synthetic/ may
#: not import warehouse/, so the two modes are restated here).
_FILE_MODE = 0o600
_DIR_MODE = 0o700


def _private_dir(path: Path) -> None:
    for folder in (*reversed(path.parents), path):
        if not folder.exists():
            folder.mkdir(mode=_DIR_MODE)
            os.chmod(folder, _DIR_MODE)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, _FILE_MODE)


def write_garmin_export(folder: Path, wellness: GarminWellness) -> Path:
    """Write the export of ``wellness`` under ``folder`` (``folder/DI_CONNECT/...``), files
    0600 and the folders created here 0700; returns ``folder``."""
    folder = Path(folder)
    _private_dir(folder)
    for relative, data in garmin_export_files(wellness).items():
        path = folder / relative
        _private_dir(path.parent)
        _write_private(path, data)
    return folder


def zip_garmin_export(folder: Path, into: Path | None = None) -> Path:
    """Zip the export under ``folder`` as Garmin's download ``<uuid>_1.zip`` (members
    ``DI_CONNECT/...``, sorted, fixed timestamps: same files, same bytes) into ``into``
    (default: ``folder``'s parent); the zip is 0600. Returns its path."""
    folder = Path(folder)
    members = sorted(p for p in folder.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for p in members:
        digest.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    name = f"{uuid.UUID(bytes=digest.digest()[:16], version=4)}_1.zip"
    target = Path(into) if into is not None else folder.parent
    _private_dir(target)
    path = target / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _FILE_MODE)
    with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
        for p in members:
            info = zipfile.ZipInfo(p.relative_to(folder).as_posix(), (2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, p.read_bytes())
    os.chmod(path, _FILE_MODE)
    return path
