"""One activity, counted once: which FIT files the daily facts use when two files hold the
same activity.

Pure: raw frames in (as `warehouse.facts.read_raw` returns them), the superseded files out.
The raw tables keep every file; the facts drop the superseded ones.

Two files of one athlete hold the same activity when

* **identity**: their `file_id` says so - the same serial number, time created and file
  type `activity` (the first file_id message of the file; files of other types, such as
  weigh-ins, are not activities). A file whose file_id lacks the serial
  number or the time created is identified instead by its sessions' sports and time spans
  (each session's sport, start and end to the second), so two copies without a usable
  file_id are still recognised. The complete copy of a partial file and a re-encoded
  export that keeps the file_id are caught here.
* **overlap**: a running session of one overlaps a running session of the other by more
  than half of the shorter session's span (start to end, pauses included). A watch and a
  phone app recording one run, or an export written with a new serial number, are caught
  here. Only running sessions (FIT sport `running`, any sub-sport) are compared: a run and
  a strength session at the same time are both counted. A file is kept or superseded as a
  whole (a multisport file that overlaps a better run-only file is superseded with its
  other sports).

Of two such files the facts use the better, by, in order: status `loaded` before any other
(a `partial` file decoded only up to a fault), heart rate in its records before none, more
records before fewer, then the smaller sha256 (so the choice never depends on load order).
Overlap chains are resolved best first: a file is superseded only by a file that is itself
used, so with A better than B better than C, A overlapping B and B overlapping C (A and C
apart), A and C are used.

Computed with joins over the file_id and session frames (one row per file or session); the
records are touched only where some files share an activity: one pass over their file
hashes finds those files' rows.
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from transforms.running_volume import RUNNING_SPORTS

#: A running session overlapping another file's running session by more than this share of
#: the shorter session's span (s/s) makes the two one run.
MIN_OVERLAP_SHARE = 0.5
#: The status of a file decoded whole (raw.source_files); any other (e.g. `partial`) ranks after it.
COMPLETE_STATUS = "loaded"

#: The FIT file type of activities; files of other types (weight, monitoring, ...) are not
#: activities and never supersede each other (their rows do not reach these facts).
ACTIVITY_FILE_TYPE = "activity"

KEYS = ("athlete_id", "source_sha256")
SUPERSEDED_SCHEMA = {"athlete_id": pl.String, "source_sha256": pl.String,
                     "superseded_by_sha256": pl.String, "reason": pl.String}


def _spans(sessions: pl.DataFrame) -> pl.DataFrame:
    """Sessions with `__start` and `__end` (UTC): start_time, else the end minus the elapsed
    time; the message timestamp, else the start plus the elapsed time."""
    elapsed = pl.duration(microseconds=(pl.col("total_elapsed_time_s") * 1e6).cast(pl.Int64))
    start = pl.coalesce("start_time_utc", pl.col("timestamp_utc") - elapsed)
    return sessions.with_columns(
        start.alias("__start"),
        pl.coalesce("timestamp_utc", start + elapsed).alias("__end"),
    )


def file_identities(file_id: pl.DataFrame | None, sessions: pl.DataFrame) -> pl.DataFrame:
    """Per file (athlete_id, source_sha256): `identity`, a text equal for two files of the
    same activity - `file_id:<type>:<serial>:<time created>` where the first file_id
    message is of an activity (or states no type) and has both serial and time, else
    `sessions:` and each session's sport, start and end (UTC, whole seconds), in start
    order; null for a file with neither."""
    by_sessions = (
        _spans(sessions)
        .with_columns(pl.concat_str(
            pl.col("sport").fill_null("?"), pl.col("__start").dt.epoch("s").cast(pl.String),
            pl.col("__end").dt.epoch("s").cast(pl.String), separator="/").alias("__key"))
        .sort("__start", "__key", nulls_last=True)
        .group_by(*KEYS)
        .agg(pl.when(pl.col("__key").null_count() == 0)
             .then(pl.lit("sessions:") + pl.col("__key").str.join(";"))
             .alias("__by_sessions"))
    )
    if file_id is None or file_id.height == 0:
        return by_sessions.select(*KEYS, pl.col("__by_sessions").alias("identity"))
    by_file_id = (
        file_id.sort("segment", "message_seq")
        .group_by(*KEYS).first()
        .filter(pl.col("file_type").is_null() | (pl.col("file_type") == ACTIVITY_FILE_TYPE))
        .select(*KEYS, pl.when(pl.col("serial_number").is_not_null()
                               & pl.col("time_created_utc").is_not_null())
                .then(pl.concat_str(pl.lit("file_id"), pl.col("file_type").fill_null("?"),
                                    pl.col("serial_number").cast(pl.String),
                                    pl.col("time_created_utc").dt.epoch("s").cast(pl.String),
                                    separator=":"))
                .alias("__by_file_id"))
    )
    return (
        by_file_id.join(by_sessions, on=list(KEYS), how="full", coalesce=True)
        .select(*KEYS, pl.coalesce("__by_file_id", "__by_sessions").alias("identity"))
    )


def running_overlaps(sessions: pl.DataFrame) -> pl.DataFrame:
    """Pairs of files of one athlete whose running sessions overlap by more than
    MIN_OVERLAP_SHARE of the shorter session: athlete_id, `__a`, `__b` (sha256, a < b).

    Sorted by start, sessions chain into clusters of mutually reachable overlaps (a session
    starting before the latest end so far joins the cluster); only sessions within one
    cluster are paired, so the work grows with the overlaps, not with the square of the files.
    """
    runs = (
        _spans(sessions)
        .filter(pl.col("sport").is_in(list(RUNNING_SPORTS)),
                pl.col("__end") > pl.col("__start"))
        .select("athlete_id", "source_sha256", "__start", "__end")
        .sort("athlete_id", "__start")
    )
    latest_end = pl.col("__end").cum_max().shift(1).over("athlete_id")  # sorted by start
    runs = runs.with_columns(
        (latest_end.is_null() | (pl.col("__start") >= latest_end)).cum_sum().alias("__cluster"))
    shared = runs.filter(pl.col("source_sha256").n_unique().over("__cluster") > 1)
    pairs = shared.join(shared, on=["athlete_id", "__cluster"], suffix="_b").filter(
        pl.col("source_sha256") < pl.col("source_sha256_b"))
    overlap = (pl.min_horizontal("__end", "__end_b") - pl.max_horizontal("__start", "__start_b"))
    shorter = pl.min_horizontal(pl.col("__end") - pl.col("__start"),
                                pl.col("__end_b") - pl.col("__start_b"))
    return (
        pairs.filter(overlap.dt.total_microseconds()
                     > MIN_OVERLAP_SHARE * shorter.dt.total_microseconds())
        .select("athlete_id", pl.col("source_sha256").alias("__a"),
                pl.col("source_sha256_b").alias("__b"))
        .unique()
    )


def _ranked(candidates: pl.DataFrame, files: pl.DataFrame | None,
            rows: pl.DataFrame) -> pl.DataFrame:
    """The candidate files (athlete_id, source_sha256) with `__rank`: 0 the best, unique over
    all athletes (status loaded first, then heart rate, more records, smaller sha256);
    `rows`: the candidates' records."""
    counts = (
        rows.group_by(*KEYS)
        .agg(pl.len().alias("__records"),
             pl.col("heart_rate_bpm").is_not_null().any().alias("__hr"))
    )
    ranked = candidates.join(counts, on=list(KEYS), how="left")
    if files is not None:
        ranked = ranked.join(files.select(*KEYS, "status"), on=list(KEYS), how="left")
    else:
        ranked = ranked.with_columns(pl.lit(None, pl.String).alias("status"))
    return (
        ranked.sort(
            (pl.col("status") != COMPLETE_STATUS).fill_null(False),
            pl.col("__hr").fill_null(False),
            pl.col("__records").fill_null(0),
            "source_sha256",
            descending=[False, True, True, False],
        )
        .with_row_index("__rank")
        .select(*KEYS, "__rank")
    )


def _resolve_overlaps(edges: pl.DataFrame) -> pl.DataFrame:
    """Best first over `edges` (`__loser`, `__winner`: ranks, the winner the better): a
    file is superseded by its best used winner, used when every winner is superseded.
    Returns `__loser`, `__winner` of the superseded files. Each round decides at least the
    best undecided file, so the rounds are at most the length of the longest chain."""
    undecided = pl.concat([edges["__loser"], edges["__winner"]]).unique()
    used = pl.Series([], dtype=undecided.dtype)
    superseded = edges.clear().select("__loser", "__winner")
    while undecided.len():
        open_edges = edges.filter(pl.col("__loser").is_in(undecided.implode()))
        beaten = (open_edges.filter(pl.col("__winner").is_in(used.implode()))
                  .group_by("__loser").agg(pl.col("__winner").min()))
        blocked = open_edges.filter(
            ~pl.col("__winner").is_in(superseded["__loser"].implode()))["__loser"]
        used_now = undecided.filter(~undecided.is_in(blocked.implode()))
        superseded = pl.concat([superseded, beaten.select("__loser", "__winner")])
        used = pl.concat([used, used_now])
        undecided = undecided.filter(~undecided.is_in(pl.concat([used_now, beaten["__loser"]])
                                                      .implode()))
    return superseded


class CountedOnce(NamedTuple):
    """The records of the files the facts use, and the files left out."""

    records: pl.DataFrame
    superseded: pl.DataFrame


def count_once(sessions: pl.DataFrame, records: pl.DataFrame,
               file_id: pl.DataFrame | None = None,
               files: pl.DataFrame | None = None) -> CountedOnce:
    """`records` without the rows of superseded files, and those files: athlete_id,
    source_sha256, superseded_by_sha256, `reason` (`same activity as <sha256>` or
    `overlaps <sha256>`). `files`: raw.source_files as athlete_id, source_sha256, status
    (None: every file counts as loaded). Without any file sharing an activity the records
    are returned as they are; otherwise one pass over their file hashes finds the rows of
    the files involved (their counts rank the files, and the rows of the left-out ones go)."""
    identities = file_identities(file_id, sessions).filter(pl.col("identity").is_not_null())
    twins = identities.filter(pl.len().over("athlete_id", "identity") > 1)
    pairs = running_overlaps(sessions)
    candidates = pl.concat([
        twins.select(*KEYS),
        pairs.select("athlete_id", pl.col("__a").alias("source_sha256")),
        pairs.select("athlete_id", pl.col("__b").alias("source_sha256")),
    ]).unique()
    if candidates.height == 0:
        return CountedOnce(records, pl.DataFrame(schema=SUPERSEDED_SCHEMA))
    rows = (records.select(*KEYS, "heart_rate_bpm").with_row_index("__row")
            .filter(pl.col("source_sha256").is_in(candidates["source_sha256"].implode()))
            .join(candidates, on=list(KEYS), how="semi"))
    superseded = _choose(twins, pairs, _ranked(candidates, files, rows))
    dropped = rows.join(superseded.select(*KEYS), on=list(KEYS), how="semi")["__row"]
    if dropped.len() == 0:
        return CountedOnce(records, superseded)
    keep = pl.repeat(True, records.height, eager=True).scatter(dropped, False)
    return CountedOnce(records.filter(keep), superseded)


def superseded_files(sessions: pl.DataFrame, records: pl.DataFrame,
                     file_id: pl.DataFrame | None = None,
                     files: pl.DataFrame | None = None) -> pl.DataFrame:
    """The files the daily facts leave out (`count_once`), each with the file used instead."""
    return count_once(sessions, records, file_id, files).superseded


def _choose(twins: pl.DataFrame, pairs: pl.DataFrame, ranked: pl.DataFrame) -> pl.DataFrame:
    """The superseded files: of each identity group of `twins` all but the best; then,
    among the rest, the overlapping `pairs` resolved best first."""
    names = ranked.select(pl.col("__rank"), pl.col("source_sha256").alias("__by"))
    twins = twins.join(ranked, on=list(KEYS)).with_columns(
        pl.col("__rank").min().over("athlete_id", "identity").alias("__winner"))
    same = (twins.filter(pl.col("__rank") != pl.col("__winner"))
            .join(names, left_on="__winner", right_on="__rank")
            .select(*KEYS, pl.col("__by").alias("superseded_by_sha256"),
                    (pl.lit("same activity as ") + pl.col("__by")).alias("reason")))

    rank_of = ranked.join(same.select(*KEYS), on=list(KEYS), how="anti")
    ends = (pairs.join(rank_of, left_on=["athlete_id", "__a"], right_on=list(KEYS))
            .join(rank_of, left_on=["athlete_id", "__b"], right_on=list(KEYS), suffix="_b"))
    edges = ends.select(pl.min_horizontal("__rank", "__rank_b").alias("__winner"),
                        pl.max_horizontal("__rank", "__rank_b").alias("__loser"))
    overlapped = (
        _resolve_overlaps(edges)
        .join(ranked, left_on="__loser", right_on="__rank")
        .join(names, left_on="__winner", right_on="__rank")
        .select(*KEYS, pl.col("__by").alias("superseded_by_sha256"),
                (pl.lit("overlaps ") + pl.col("__by")).alias("reason"))
    )
    return pl.concat([same, overlapped]).cast(SUPERSEDED_SCHEMA).sort(*KEYS)


def without_files(frame: pl.DataFrame, superseded: pl.DataFrame) -> pl.DataFrame:
    """`frame` (any raw FIT frame with athlete_id, source_sha256) without the rows of the
    superseded files (the frame itself when there are none)."""
    if superseded.height == 0:
        return frame
    return frame.join(superseded.select(*KEYS), on=list(KEYS), how="anti")
