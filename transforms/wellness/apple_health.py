"""Apple Health `export.xml` reader: body mass, body fat, lean body mass, resting HR, HRV
(SDNN), sleep analysis and dietary energy, protein and carbohydrate, streamed in bounded
memory whatever the file's size (real exports reach 4 GB).

Streaming: the standard library's `xml.etree.ElementTree.iterparse` (C expat; lxml is not a
dependency of the project and is not needed) over start and end events. Each top-level
element is read at its end event and then removed from the root with everything it holds
(`del root[:]`: an element's `clear()` alone leaves the emptied elements on the root, which
grows with the file), so at most one top-level element is in memory. The bytes pass through
`CleanedExport`, which drops the internal DTD (iOS 16 wrote a malformed one; the reader
needs none of it) and the control characters XML 1.0 forbids (iOS 16 wrote stray `\\x0b`),
chunk by chunk, without reading the file whole.

What is read, per top-level `<Record>` (records nested in a `<Correlation>` are copies of
top-level ones and are not read twice), numbered from 1 in file order (`source_index`,
`source_row`, the index of a skipped record):
- body_composition: BodyMass, BodyFatPercentage (a fraction 0-1 although its unit says "%":
  x 100) and LeanBodyMass (fat-free mass) of one source at one startDate are one weigh-in
  row; kg, g, lb and st convert to kg. The first record of a type at that instant wins
  (a re-synced duplicate is the same value).
- resting_hr: one row per record (Apple writes several a day; the latest is its update):
  local_date from startDate, timestamp_utc = endDate (the end of the window it covers).
- hrv_measurements: one row per HeartRateVariabilitySDNN record, measure "sdnn" (never
  rMSSD), at startDate. The `HeartRateVariabilityMetadataList` beat-to-beat children are not
  read (their times are locale-formatted times of day without a date).
- sleep_sessions: see `sleep_sessions`.
- nutrition (NUTRITION_RECORDS): one row per dietary record; Apple writes energy, protein and
  carbohydrate as separate records, so each row has one of the three and nulls. kJ / 4.184.
Local date and time are the date and time as written (the record's own offset); UTC instants
are converted with that offset. A value that is not a number, is <= 0 (negative for food),
is a body fat fraction above 1, has a unit not listed in `schemas.apple_health`, or has no
readable date is skipped as not a measurement, never stored as zero. Records of every other
type, and the other top-level elements (Workout, ActivitySummary, ...), are counted by type
in `WellnessRead.not_used`.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import BinaryIO

import polars as pl

from schemas.apple_health import (
    ASLEEP_STAGES,
    DATE_FORMAT,
    HEADER_ELEMENTS,
    HRV_MEASURE,
    QUANTITY_TYPES,
    ROOT_ELEMENT,
    SLEEP_SESSION_GAP_S,
    SLEEP_TYPE,
    SLEEP_VALUES,
    STAGED,
    QuantityType,
)
from schemas.wellness import (
    BODY_COMPOSITION,
    HRV_MEASUREMENTS,
    NUTRITION_RECORDS,
    RESTING_HR,
    SLEEP_SESSIONS,
    Columns,
    NotMeasurement,
    WellnessRead,
    frame_schema,
)

SOURCE_KIND = "apple_health"
#: C0 control characters XML 1.0 forbids (tab, line feed and carriage return are allowed).
INVALID_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))
#: The prolog (declaration and DTD) is read whole before the root; real DTDs are ~20 KB.
MAX_PROLOG_BYTES = 8 << 20
_CHUNK_BYTES = 1 << 20
_DOCTYPE = re.compile(rb"<!DOCTYPE\b")
_SUBSET_END = re.compile(rb"\]\s*>")
_ELEMENT_START = re.compile(rb"<[A-Za-z_:]")
_DATE_EXPECTED = "a date yyyy-MM-dd HH:mm:ss +HHMM"


class CleanedExport(io.RawIOBase):
    """A readable binary stream of an export with its DOCTYPE block and forbidden control
    characters removed, reading the underlying stream in chunks."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._pending = b""
        self._in_prolog = True

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._in_prolog:
            self._pending = self._prolog()
            self._in_prolog = False
        if self._pending:
            out, self._pending = self._pending, b""
            return out
        want = _CHUNK_BYTES if size is None or size < 0 else size
        while chunk := self._raw.read(want):
            out = chunk.translate(None, INVALID_CONTROL)
            if out:
                return out
        return b""

    def readinto(self, buffer) -> int:  # noqa: ANN001 - io's signature
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _prolog(self) -> bytes:
        """The bytes up to the root element with the DOCTYPE block cut out, and what follows
        them in the chunk read."""
        text = b""
        while True:
            chunk = self._raw.read(_CHUNK_BYTES)
            text += chunk.translate(None, INVALID_CONTROL)
            doctype = _DOCTYPE.search(text)
            element = _ELEMENT_START.search(text)
            if element and (doctype is None or element.start() < doctype.start()):
                return text
            if doctype is not None:
                end = _doctype_end(text, doctype.end())
                if end is not None:  # its line breaks stay: parse errors name true lines
                    breaks = b"\n" * text.count(b"\n", doctype.start(), end)
                    return text[: doctype.start()] + breaks + text[end:]
            if not chunk:
                return text  # the parser says what is wrong with it
            if len(text) > MAX_PROLOG_BYTES:
                raise ValueError(
                    f"not an Apple Health export: no root element within the first "
                    f"{MAX_PROLOG_BYTES >> 20} MB (an export.xml starts with a DTD of ~20 KB "
                    "and then <HealthData>)")


def _doctype_end(text: bytes, after: int) -> int | None:
    """Where the DOCTYPE declaration that starts before `after` ends (its internal subset
    closed by `]>`), or None when that is not in `text` yet."""
    close = text.find(b">", after)
    subset = text.find(b"[", after)
    if close != -1 and (subset == -1 or close < subset):
        return close + 1
    if subset != -1:
        end = _SUBSET_END.search(text, subset)
        if end is not None:
            return end.end()
    return None


#: Kept records move from Python lists into a polars frame (compact, Arrow strings) every
#: this many rows, so what is kept of a multi-GB export stays small too.
FLUSH_ROWS = 50_000


class _Columns:
    """Column lists of kept records, flushed into frames every FLUSH_ROWS rows."""

    def __init__(self, schema: dict[str, pl.DataType]) -> None:
        self.schema = schema
        self.lists: dict[str, list] = {name: [] for name in schema}
        self.chunks: list[pl.DataFrame] = []

    def flush(self) -> None:
        if self.lists["index"]:
            self.chunks.append(pl.DataFrame(self.lists, schema=self.schema))
            for values in self.lists.values():
                values.clear()

    def frame(self) -> pl.DataFrame:
        self.flush()
        return pl.concat(self.chunks) if self.chunks else pl.DataFrame(schema=self.schema)


class _Records:
    """The records kept, filled while streaming, and what was skipped or not used."""

    def __init__(self) -> None:
        self.quantities = _Columns({
            "index": pl.Int32(), "table": pl.String(), "column": pl.String(),
            "value": pl.Float64(), "source_name": pl.String(), "start": pl.String(),
            "end": pl.String()})
        self.sleep = _Columns({
            "index": pl.Int32(), "stage": pl.String(), "source_name": pl.String(),
            "start": pl.String(), "end": pl.String()})
        self.skipped: list[NotMeasurement] = []
        self.not_used: Counter[str] = Counter()

    def record(self, index: int, attrib: dict[str, str]) -> None:
        kind = attrib.get("type")
        spec = QUANTITY_TYPES.get(kind)
        if spec is not None:
            self.quantity(index, spec, attrib)
        elif kind == SLEEP_TYPE:
            self.sleep_record(index, attrib)
        else:
            self.not_used[kind or "Record without type"] += 1

    def quantity(self, index: int, spec: QuantityType, attrib: dict[str, str]) -> None:
        unit = attrib.get("unit")
        factor = spec.units.get(unit)
        if factor is None:
            self.skipped.append(NotMeasurement(index, "unit", str(unit), spec.expected))
            return
        text = attrib.get("value")
        try:
            raw = float(text)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raw = math.nan
        if (not math.isfinite(raw) or raw < 0 or (raw == 0 and not spec.zero_is_value)
                or (spec.max_raw is not None and raw > spec.max_raw)):
            self.skipped.append(NotMeasurement(index, "value", str(text), spec.expected))
            return
        q = self.quantities.lists
        q["index"].append(index)
        q["table"].append(spec.table)
        q["column"].append(spec.column)
        q["value"].append(raw * factor)
        q["source_name"].append(attrib.get("sourceName"))
        q["start"].append(attrib.get("startDate"))
        q["end"].append(attrib.get("endDate"))
        if len(q["index"]) >= FLUSH_ROWS:
            self.quantities.flush()

    def sleep_record(self, index: int, attrib: dict[str, str]) -> None:
        value = attrib.get("value")
        stage = SLEEP_VALUES.get(value)  # type: ignore[arg-type]
        if stage is None:
            self.skipped.append(NotMeasurement(index, "value", str(value),
                                               "a HKCategoryValueSleepAnalysis value or 0-5"))
            return
        s = self.sleep.lists
        s["index"].append(index)
        s["stage"].append(stage)
        s["source_name"].append(attrib.get("sourceName"))
        s["start"].append(attrib.get("startDate"))
        s["end"].append(attrib.get("endDate"))
        if len(s["index"]) >= FLUSH_ROWS:
            self.sleep.flush()


def read_apple_health(stream: BinaryIO) -> WellnessRead:
    """Read an Apple Health export.xml (binary stream) into raw frames, streamed.

    Raises ValueError when the content is not an Apple Health export (root element other
    than HealthData) or is not well-formed XML (a truncated or damaged file)."""
    records = _Records()
    depth = 0
    root: ET.Element | None = None
    number = 0
    try:
        for event, elem in ET.iterparse(CleanedExport(stream), events=("start", "end")):
            if event == "start":
                depth += 1
                if root is None:
                    if elem.tag != ROOT_ELEMENT:
                        raise ValueError(
                            f"not an Apple Health export: the root element is <{elem.tag}>, "
                            f"not <{ROOT_ELEMENT}> (the Health app's Export All Health Data "
                            "gives export.zip holding apple_health_export/export.xml)")
                    root = elem
                continue
            depth -= 1
            if depth != 1:
                continue
            if elem.tag == "Record":
                number += 1
                records.record(number, elem.attrib)
            elif elem.tag not in HEADER_ELEMENTS:
                records.not_used[elem.tag] += 1
            del root[:]  # type: ignore[index] - root is set at the first start event
    except ET.ParseError as err:
        line, column = err.position
        raise ValueError(
            f"not well-formed XML at line {line}, column {column} ({err.msg}): a truncated "
            "or damaged export.xml; export it again from the Health app") from err
    if root is None:
        raise ValueError("not an Apple Health export: the file holds no XML element")
    return _frames(records)


def _frames(records: _Records) -> WellnessRead:
    """The WellnessRead of the streamed records: dates parsed and checked, frames built."""
    q = records.quantities.frame()
    q, bad_q = _dated(q)
    sleep = records.sleep.frame()
    sleep, bad_sleep = _dated(sleep)
    backwards = sleep.filter(pl.col("end_utc") <= pl.col("start_utc"))
    sleep = sleep.filter(pl.col("end_utc") > pl.col("start_utc"))
    skipped = [*records.skipped, *bad_q, *bad_sleep, *(
        NotMeasurement(i, "endDate", e, "an end after the start")
        for i, e in backwards.select("index", "end").iter_rows())]
    tables = {
        "body_composition": _conform(_body_composition(q), BODY_COMPOSITION),
        "resting_hr": _conform(_resting_hr(q), RESTING_HR),
        "hrv_measurements": _conform(_hrv(q), HRV_MEASUREMENTS),
        "sleep_sessions": _conform(sleep_sessions(sleep), SLEEP_SESSIONS),
    }
    return WellnessRead(
        source_kind=SOURCE_KIND, tables=tables,
        nutrition=_conform(_nutrition(q), NUTRITION_RECORDS),
        skipped=sorted(skipped, key=lambda s: s.index), not_used=dict(records.not_used))


def _dated(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[NotMeasurement]]:
    """Records with their instants parsed (start_utc, end_utc), local date and time as
    written, and the records whose dates do not parse, as not measurements."""
    dated = frame.with_columns(
        pl.col("start").str.to_datetime(DATE_FORMAT, strict=False, time_unit="us")
        .alias("start_utc"),
        pl.col("end").str.to_datetime(DATE_FORMAT, strict=False, time_unit="us")
        .alias("end_utc"),
        pl.col("start").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        .alias("start_date"),
        pl.col("start").str.slice(11, 8).str.to_time("%H:%M:%S", strict=False)
        .alias("start_time"),
        pl.col("end").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        .alias("end_date"),
    )
    start_bad = pl.any_horizontal(pl.col("start_utc", "start_date", "start_time").is_null())
    end_bad = pl.any_horizontal(pl.col("end_utc", "end_date").is_null())
    bad = dated.filter(start_bad | end_bad)
    skipped = [NotMeasurement(i, "startDate" if s_bad else "endDate",
                              str(s if s_bad else e), _DATE_EXPECTED)
               for i, s, e, s_bad in bad.select(
                   "index", "start", "end", start_bad.alias("s_bad")).iter_rows()]
    return dated.filter(~(start_bad | end_bad)), skipped


def _conform(frame: pl.DataFrame, columns: Columns) -> pl.DataFrame:
    """The frame with the raw table's reader columns, in order and dtypes (missing: null)."""
    schema = frame_schema(columns)
    return frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items())


def _table(q: pl.DataFrame, table: str) -> pl.DataFrame:
    return q.filter(pl.col("table") == table).sort("index").with_columns(
        pl.lit(SOURCE_KIND).alias("source_kind"),
        pl.col("index").alias("source_index"))


def _body_composition(q: pl.DataFrame) -> pl.DataFrame:
    """One row per source and weigh-in instant (startDate as written)."""
    parts = _table(q, "body_composition")
    values = [pl.col("value").filter(pl.col("column") == c).first().alias(c)
              for c in ("weight_kg", "body_fat_pct", "fat_free_mass_kg")]
    return (parts.group_by("source_name", "start", maintain_order=True)
            .agg(pl.col("source_kind", "start_date", "start_time", "start_utc").first(),
                 pl.col("source_index").min(), *values)
            .rename({"start_date": "local_date", "start_time": "local_time",
                     "start_utc": "timestamp_utc"})
            .sort("source_index"))


def _resting_hr(q: pl.DataFrame) -> pl.DataFrame:
    return _table(q, "resting_hr").select(
        "source_kind", "source_name", "source_index",
        pl.col("start_date").alias("local_date"), pl.col("end_utc").alias("timestamp_utc"),
        pl.col("value").alias("resting_hr_bpm"))


def _hrv(q: pl.DataFrame) -> pl.DataFrame:
    return _table(q, "hrv_measurements").select(
        "source_kind", "source_name", "source_index",
        pl.col("start_date").alias("local_date"), pl.col("start_utc").alias("timestamp_utc"),
        pl.col("value").alias("hrv_ms"), pl.lit(HRV_MEASURE).alias("measure"))


def _nutrition(q: pl.DataFrame) -> pl.DataFrame:
    return _table(q, "nutrition").select(
        pl.col("start_date").alias("local_date"), pl.col("start_time").alias("local_time"),
        *(pl.when(pl.col("column") == c).then(pl.col("value")).alias(c)
          for c in ("energy_kcal", "protein_g", "carbohydrate_g")),
        "source_name", pl.col("index").alias("source_row"))


def _segments(frame: pl.DataFrame, keys: list[str], gap_s: float) -> pl.DataFrame:
    """The intervals (start_utc, end_utc) sorted, with `segment`: a number shared by the
    intervals of one key that overlap or follow each other within `gap_s` seconds."""
    ordered = frame.sort([*keys, "start_utc", "end_utc"])
    reach = pl.col("end_utc").cum_max().shift(1).over(keys)
    new = reach.is_null() | (pl.col("start_utc") > reach + pl.duration(seconds=gap_s))
    return ordered.with_columns(new.cum_sum().cast(pl.Int64).alias("segment"))


def _union_seconds(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per key, the length (s) of the union of its intervals: overlaps counted once."""
    return (_segments(frame, keys, 0).group_by([*keys, "segment"])
            .agg((pl.col("end_utc").max() - pl.col("start_utc").min())
                 .dt.total_seconds(fractional=True).alias("s"))
            .group_by(keys).agg(pl.col("s").sum()))


def _windows(frame: pl.DataFrame) -> pl.DataFrame:
    """Per source, the sleep windows its intervals form (intervals within
    SLEEP_SESSION_GAP_S of each other are one window): bounds, the wake-up day in the offset
    written on the interval that ends last, the first record number."""
    return (_segments(frame, ["source_name"], SLEEP_SESSION_GAP_S)
            .group_by("segment")
            .agg(pl.col("source_name").first(), pl.col("start_utc").min(),
                 pl.col("end_utc").max(),
                 pl.col("end_date").sort_by("end_utc").last().alias("wake_date"),
                 pl.col("index").min().alias("source_index"),
                 pl.col("stage").is_in(list(STAGED)).any().alias("staged"))
            .rename({"segment": "session"}))


def sleep_sessions(sleep: pl.DataFrame) -> pl.DataFrame:
    """Sleep sessions per source from dated sleep records (index, stage, source, start_utc,
    end_utc, end_date): one session per source and window of asleep intervals (gaps up to
    SLEEP_SESSION_GAP_S joined); sources are never added together.

    - start_utc / end_utc: the first asleep start and the last asleep end of the window;
      wake_date: the local date of that end in the offset its record states.
    - asleep_s: the length of the union of the source's asleep intervals (Core, Deep, REM,
      Unspecified, the older Asleep) in the window, overlaps counted once; deep_s, light_s
      (Core), rem_s: each stage's union, 0 for a stage not seen in a staged window, null in
      a window without stages (AutoSleep's AsleepUnspecified); awake_s: the Awake intervals
      within the window (0 in a staged window without one, else null when none).
    - measured: true (asleep time measured by the source); window_type "stages" where
      stages were recorded, else "asleep".
    - A source's InBed windows that overlap none of its asleep windows (an iPhone's bedtime
      alone) are sessions with measured false, window_type "in_bed", asleep and stage
      seconds null: the mart takes the window as a default. InBed windows overlapping the
      source's asleep window add nothing (the asleep window is the measure).
    """
    asleep = sleep.filter(pl.col("stage").is_in(list(ASLEEP_STAGES)))
    windows = _windows(asleep)
    asleep = asleep.join(
        _segments(asleep, ["source_name"], SLEEP_SESSION_GAP_S).select(
            "index", pl.col("segment").alias("session")), on="index")
    stage_s = (_union_seconds(asleep.filter(pl.col("stage").is_in(list(STAGED))),
                              ["session", "stage"])
               .pivot("stage", index="session", values="s", on_columns=list(STAGED)))
    awake = _clipped(sleep.filter(pl.col("stage") == "awake"), windows)
    staged = pl.col("staged")
    measured = (windows
                .join(_union_seconds(asleep, ["session"]).rename({"s": "asleep_s"}),
                      on="session", how="left")
                .join(stage_s, on="session", how="left")
                .join(_union_seconds(awake, ["session"]).rename({"s": "awake_s"}),
                      on="session", how="left")
                .with_columns(
                    *(pl.when(staged).then(pl.col(stage).fill_null(0.0)).alias(f"{stage}_s")
                      for stage in STAGED),
                    pl.when(staged).then(pl.col("awake_s").fill_null(0.0))
                    .otherwise(pl.col("awake_s")).alias("awake_s"),
                    pl.lit(True).alias("measured"),
                    pl.when(staged).then(pl.lit("stages")).otherwise(pl.lit("asleep"))
                    .alias("window_type")))
    in_bed = _windows(sleep.filter(pl.col("stage") == "in_bed"))
    covered = _clipped(in_bed.select("source_name", "start_utc", "end_utc",
                                     pl.col("session").alias("bed")), windows)
    in_bed_only = (in_bed.filter(~pl.col("session").is_in(covered["bed"].implode()))
                   .with_columns(pl.lit(False).alias("measured"),
                                 pl.lit("in_bed").alias("window_type")))
    return pl.concat([_conform(f.with_columns(pl.lit(SOURCE_KIND).alias("source_kind")),
                               SLEEP_SESSIONS) for f in (measured, in_bed_only)]
                     ).sort("source_index")


def _clipped(intervals: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """The intervals that overlap a window of their source, cut to it, with its `session`:
    each is matched with the source's window that starts last before the interval ends
    (windows of one source do not overlap)."""
    if intervals.is_empty() or windows.is_empty():
        return intervals.with_columns(pl.lit(None, pl.Int64).alias("session")).clear()
    matched = intervals.sort("end_utc").join_asof(
        windows.select("source_name", "session", pl.col("start_utc").alias("w_start"),
                       pl.col("end_utc").alias("w_end")).sort("w_start"),
        left_on="end_utc", right_on="w_start", by="source_name", strategy="backward",
        allow_exact_matches=False, check_sortedness=False)
    return (matched.filter(pl.col("w_end") > pl.col("start_utc"))
            .with_columns(pl.max_horizontal("start_utc", "w_start").alias("start_utc"),
                          pl.min_horizontal("end_utc", "w_end").alias("end_utc")))
