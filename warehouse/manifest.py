"""The source-file manifest: which contents and paths the warehouse has already seen."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import duckdb
import polars as pl

LOADED = "loaded"
PARTIAL = "partial"  # a FIT file that broke part-way: the messages before the fault loaded
QUARANTINED = "quarantined"
IGNORED = "ignored"  # a CSV found beside exports that is no known export


@dataclass(frozen=True)
class SourceFile:
    """One distinct input content (a row of raw.source_files)."""

    athlete_id: str
    sha256: str  # of its bytes (.fit.gz: the FIT inside; a damaged member: flows.plan.member_key)
    path: str
    size_bytes: int
    kind: str  # fit, fit.gz, zip, csv, or the format a nutrition export was read as
    status: str  # LOADED, PARTIAL, QUARANTINED or IGNORED
    error: str | None = None
    container_sha256: str | None = None
    message_count: int | None = None
    fault_offset_bytes: int | None = None  # partial files: where the fault begins
    values_nulled: str | None = None  # FIT files loaded: JSON {reason: count} (plausibility)
    distance_resets: int | None = None  # FIT files loaded: backward steps of the distance


@dataclass(frozen=True)
class SourcePath:
    """One path as last seen on disk (a row of raw.source_paths)."""

    athlete_id: str
    path: str
    size_bytes: int
    mtime_ns: int
    sha256: str
    kind: str
    origin: str | None = None  # warehouse.forget: config or command_line


def known_paths(con: duckdb.DuckDBPyConnection, athlete_id: str) -> dict[str, SourcePath]:
    """Paths recorded for an athlete, by path."""
    rows = con.execute(
        "SELECT athlete_id, path, size_bytes, mtime_ns, sha256, kind FROM raw.source_paths "
        "WHERE athlete_id = ?",
        [athlete_id],
    ).fetchall()
    return {r[1]: SourcePath(*r) for r in rows}


@dataclass(frozen=True)
class Manifest:
    """What the warehouse knows of one athlete's inputs, as plain data (the ingest plan
    decides from it without a connection)."""

    athlete_id: str
    paths: dict[str, SourcePath] = field(default_factory=dict)  # by path
    contents: dict[str, str] = field(default_factory=dict)  # status (loaded, ...) by sha256
    #: Quarantined contents by sha256, as a count: 1 for a quarantined content; for an
    #: archive, how many of its members are quarantined (a refused archive counts 1).
    quarantined: dict[str, int] = field(default_factory=dict)

    @cached_property
    def _paths_per_content(self) -> Counter[str]:
        return Counter(p.sha256 for p in self.paths.values())

    def held_elsewhere(self, sha: str, path: str) -> bool:
        """Whether a recorded path other than `path` holds this content."""
        here = (p := self.paths.get(path)) is not None and p.sha256 == sha
        return self._paths_per_content[sha] > here


def read_manifest(con: duckdb.DuckDBPyConnection, athlete_id: str) -> Manifest:
    """An athlete's recorded paths and contents, with what is quarantined."""
    rows = con.execute(
        "SELECT sha256, status, container_sha256 FROM raw.source_files WHERE athlete_id = ?",
        [athlete_id],
    ).fetchall()
    quarantined: Counter[str] = Counter()
    for sha, status, container in rows:
        if status == QUARANTINED:
            quarantined.update([sha] if container is None else [sha, container])
    return Manifest(athlete_id, known_paths(con, athlete_id),
                    {sha: status for sha, status, _ in rows}, dict(quarantined))


def fit_contents_between(con: duckdb.DuckDBPyConnection, athlete_id: str,
                         since: date | None, until: date | None) -> set[str]:
    """The athlete's loaded FIT contents (partial ones too) whose day - the local date of
    the first session's start, else of the file's creation time, in the athlete's zone -
    lies within `since` .. `until` (inclusive; None = open). Without bounds: every loaded
    FIT content, also those without any time."""
    rows = con.execute(
        "WITH t AS ("
        "  SELECT source_sha256 AS sha256, min(start_time_utc) AS at FROM raw.fit_sessions "
        "  WHERE athlete_id = $athlete GROUP BY 1), "
        "c AS ("
        "  SELECT source_sha256 AS sha256, min(time_created_utc) AS at FROM raw.fit_file_id "
        "  WHERE athlete_id = $athlete GROUP BY 1) "
        "SELECT f.sha256, CAST(timezone(coalesce(a.timezone, 'UTC'), coalesce(t.at, c.at)) "
        "       AS DATE) AS day "
        "FROM raw.source_files f LEFT JOIN t USING (sha256) LEFT JOIN c USING (sha256) "
        "LEFT JOIN raw.athletes a ON a.athlete_id = f.athlete_id "
        "WHERE f.athlete_id = $athlete AND f.status IN ('loaded', 'partial') "
        "  AND f.kind IN ('fit', 'fit.gz')",
        {"athlete": athlete_id},
    ).fetchall()
    if since is None and until is None:
        return {sha for sha, _ in rows}
    return {sha for sha, day in rows if day is not None
            and (since is None or day >= since) and (until is None or day <= until)}


def _frame(rows: list, cls: type) -> pl.DataFrame:
    fields = list(cls.__dataclass_fields__)
    return pl.DataFrame(
        {f: [getattr(r, f) for r in rows] for f in fields},
        schema_overrides={"error": pl.String, "container_sha256": pl.String,
                          "message_count": pl.Int32, "fault_offset_bytes": pl.Int64,
                          "values_nulled": pl.String, "distance_resets": pl.Int32,
                          "origin": pl.String},
        strict=False,
    ).select(fields)


def _upsert(con: duckdb.DuckDBPyConnection, table: str, rows: list, key: str,
            stamp_column: str, stamp: datetime) -> None:
    """Replace rows by (athlete_id, key); the last of repeated keys wins."""
    if not rows:
        return
    latest = list({(r.athlete_id, getattr(r, key)): r for r in rows}.values())
    frame = _frame(latest, type(latest[0])).with_columns(
        pl.lit(stamp).dt.convert_time_zone("UTC").alias(stamp_column)
    )
    con.register("mb_manifest_rows", frame)
    try:  # table and key are this module's constants
        con.execute(
            f"DELETE FROM raw.{table} t USING mb_manifest_rows s "  # noqa: S608
            f"WHERE t.athlete_id = s.athlete_id AND t.{key} = s.{key}"
        )
        con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM mb_manifest_rows")  # noqa: S608
    finally:
        con.unregister("mb_manifest_rows")


def upsert_source_files(
    con: duckdb.DuckDBPyConnection, rows: list[SourceFile], ingested_at: datetime
) -> None:
    """Record contents (the last row wins for a repeated key). Call inside a transaction."""
    _upsert(con, "source_files", rows, "sha256", "ingested_at", ingested_at)


def upsert_source_paths(
    con: duckdb.DuckDBPyConnection, rows: list[SourcePath], seen_at: datetime
) -> None:
    """Record paths as now seen (the last row wins for a repeated key). Inside a transaction."""
    _upsert(con, "source_paths", rows, "path", "seen_at", seen_at)


def record_athletes(con: duckdb.DuckDBPyConnection, athletes: list[tuple[str, str]],
                    now: datetime) -> None:
    """Remember each athlete's IANA time zone (it places FIT weigh-ins on local days)."""
    for athlete_id, timezone in athletes:
        con.execute(
            "INSERT OR REPLACE INTO raw.athletes (athlete_id, timezone, updated_at) "
            "VALUES (?, ?, ?)",
            [athlete_id, timezone, now],
        )
