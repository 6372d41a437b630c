"""The synthetic runner, the devices that record it and the files they write.

:class:`SyntheticAthlete` is the simulated person (and, by :meth:`SyntheticAthlete.config`,
its ``musclebalance.toml``), :class:`GeneratedFile` one generated FIT file with the metadata a
test checks a decoder against. Here, too, what every generated file shares: the heart-rate
response (:class:`Physiology`), the watch's opening and closing messages and the smart
scale's weigh-in files. Pure and deterministic, like the whole package.

Units throughout: metres, seconds, m/s, bpm, strides per minute (FIT running cadence, "rpm"),
kilograms, percent; instants are tz-aware UTC datetimes.
"""

from __future__ import annotations

import json
import math
import random
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from synthetic.fit_writer import FitWriter

__all__ = [
    "GeneratedFile", "OffsetFn", "SyntheticAthlete", "config_toml", "pick", "record_rows",
]

#: Garmin product ids (FIT profile ``garmin_product``): Forerunner 935 and Index smart scale.
_FR935 = 2691
_INDEX_SCALE = 2429
#: Product id written by files from manufacturer ``development``.
_DEV_PRODUCT = 1
#: Running energy cost, kcal per kg body mass per km; strength training, kcal per kg per minute.
RUN_KCAL_PER_KG_KM = 1.0
STRENGTH_KCAL_PER_KG_MIN = 0.08

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

    def config(
        self,
        warehouse: str,
        fit_paths: Sequence[str] = (),
        nutrition: Sequence[Mapping[str, str]] = (),
        *,
        also: Sequence[SyntheticAthlete] = (),
        ingest: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """A ``musclebalance.toml`` document for this athlete, as :func:`tomllib.loads` gives it.

        ``warehouse`` is ``[warehouse] path``; the ``[[athletes]]`` table holds this athlete's
        values (``id`` = :attr:`athlete_id`, every other key named as the field) with
        ``fit_paths`` and, when given, the ``[[athletes.nutrition]]`` entries ``nutrition``
        (e.g. ``{"path": "food", "format": "cronometer"}``). ``also``: more athletes with the
        same paths, after this one. ``ingest``: an ``[ingest]`` table. Paths are written as
        given (a relative one resolves against the config file's folder). For the config model
        pass the result to ``schemas.config.config_from_dict``; for a file, to
        :func:`config_toml`.
        """
        document: dict[str, Any] = {"warehouse": {"path": warehouse}}
        if ingest is not None:
            document["ingest"] = dict(ingest)
        document["athletes"] = [
            athlete._athlete_table(fit_paths, nutrition) for athlete in (self, *also)
        ]
        return document

    def _athlete_table(
        self, fit_paths: Sequence[str], nutrition: Sequence[Mapping[str, str]]
    ) -> dict[str, Any]:
        """The ``[[athletes]]`` table of this athlete."""
        table: dict[str, Any] = {
            "id": self.athlete_id,
            "timezone": self.timezone,
            "sex": self.sex,
            "birth_year": self.birth_year,
            "height_cm": float(self.height_cm),
            "weight_kg": float(self.weight_kg),
            "max_hr": self.max_hr,
            "resting_hr": self.resting_hr,
            "lthr": self.lthr,
            "fit_paths": list(fit_paths),
        }
        if nutrition:
            table["nutrition"] = [dict(entry) for entry in nutrition]
        return table


def config_toml(document: Mapping[str, Any], comment: Sequence[str] = ()) -> str:
    """``document`` (e.g. :meth:`SyntheticAthlete.config`) as TOML text, ``comment`` lines first.

    Tables and arrays of tables, in the document's order, one blank line apart; values are
    strings, booleans, integers, finite floats and lists of them.
    """
    blocks = ["\n".join(f"# {line}".rstrip() for line in comment)] if comment else []
    for key, value in document.items():
        blocks += _toml_tables(key, value)
    return "\n\n".join(blocks) + "\n"


def _toml_tables(name: str, value: Any) -> list[str]:
    """``[name]`` (a mapping) or one ``[[name]]`` per item (a list of mappings), each followed
    by the tables nested in it."""
    found = _as_tables(value)
    if found is None:
        raise ValueError(f"{name}: a table or a list of tables expected, got {value!r}")
    tables, header = found
    blocks = []
    for table in tables:
        nested = {k: v for k, v in table.items() if _as_tables(v) is not None}
        lines = [f"{k} = {_toml_value(v)}" for k, v in table.items() if k not in nested]
        blocks.append("\n".join([header.format(name), *lines]))
        for key, inner in nested.items():
            blocks += _toml_tables(f"{name}.{key}", inner)
    return blocks


def _as_tables(value: Any) -> tuple[list[Mapping[str, Any]], str] | None:
    """(the tables, the header pattern) of a table or a non-empty list of tables, else None."""
    if isinstance(value, Mapping):
        return [value], "[{}]"
    if isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
        return list(value), "[[{}]]"
    return None


def _toml_value(value: Any) -> str:
    """A TOML value: JSON string escapes are valid in a TOML basic string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ValueError(f"no TOML value for {value!r}")


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
# Heart rate
# --------------------------------------------------------------------------------------------


class Physiology:
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


# --------------------------------------------------------------------------------------------
# Devices: what every file starts and ends with
# --------------------------------------------------------------------------------------------


def _serial_number(athlete_id: str, device: str) -> int:
    """A stable, non-zero device serial number (FIT ``uint32z``)."""
    return zlib.crc32(f"{athlete_id}/{device}".encode()) or 1


def _device(manufacturer: str) -> tuple[str, int]:
    return manufacturer, _FR935 if manufacturer == "garmin" else _DEV_PRODUCT


def write_preamble(
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


def write_sport_header(
    writer: FitWriter, athlete: SyntheticAthlete, sport: str, sub_sport: str, title: str
) -> None:
    writer.add(
        "zones_target",
        max_heart_rate=athlete.max_hr,
        threshold_heart_rate=athlete.lthr,
        hr_calc_type="percent_max_hr",
    )
    writer.add("sport", sport=sport, sub_sport=sub_sport, name=title)


def write_activity(writer: FitWriter, end: datetime, timer_s: int, local_end: datetime) -> None:
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


# --------------------------------------------------------------------------------------------
# Sparse records
# --------------------------------------------------------------------------------------------


def record_rows(first: int, end: int, every: int) -> slice | list[int]:
    """The simulated seconds [first, end) written as records: every ``every``-th one and the
    last (so the stretch's distance and end are exact); all of them when ``every`` is 1."""
    if every == 1:
        return slice(first, end)
    rows = list(range(first, end, every))
    if rows and rows[-1] != end - 1:
        rows.append(end - 1)
    return rows


def pick(values: Sequence, rows: slice | list[int]) -> list:
    """The items of ``values`` at ``rows`` (:func:`record_rows`)."""
    return values[rows] if isinstance(rows, slice) else [values[i] for i in rows]


# --------------------------------------------------------------------------------------------
# Weigh-ins
# --------------------------------------------------------------------------------------------


def weight_file(
    athlete: SyntheticAthlete,
    when: datetime,
    weight_kg: float,
    rng: random.Random,
    name: str,
    *,
    body_fat: bool = True,
) -> GeneratedFile:
    """A smart-scale FIT file (type ``weight``): user_profile plus one weight_scale message.

    With ``body_fat`` (a body-composition scale) the message also holds body fat (24 % for a
    woman, 16 % for a man at ``weight_kg``, 0.6 points per kg above or below it), hydration,
    muscle and bone mass; without it, the weight alone (the same random draws are made).
    """
    base_fat = 24.0 if athlete.sex == "female" else 16.0
    percent_fat = round(base_fat + (weight_kg - athlete.weight_kg) * 0.6 + rng.gauss(0, 0.3), 1)
    hydration = round(55.0 + rng.gauss(0, 0.5), 1)
    composition = {
        "percent_fat": percent_fat,
        "percent_hydration": hydration,
        "muscle_mass": round(weight_kg * (0.42 if athlete.sex == "female" else 0.48), 2),
        "bone_mass": round(weight_kg * 0.045, 2),
    }
    writer = FitWriter()
    write_preamble(writer, athlete, when, "garmin", file_type="weight")
    writer.add(
        "weight_scale",
        timestamp=when,
        weight=weight_kg,
        **(composition if body_fat else {}),
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
