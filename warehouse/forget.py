"""Removing files from the warehouse: every raw row a file gave, its manifest rows and paths.

Used for files that vanished from a configured folder (or whose folder left the config)
and by `musclebalance forget`. A content is removed only when no other recorded path still
holds it; an archive takes with it the members it delivered that no other path holds.
Every function here runs inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.connection import quote_ident

#: Origins of raw.source_paths rows: found under a configured path by a run, or given on
#: the command line to `ingest` (kept until `forget`). Null: recorded before origins were.
ORIGIN_CONFIG, ORIGIN_COMMAND_LINE = "config", "command_line"


@dataclass(frozen=True)
class Removed:
    """One content removed: its athlete, path, sha256 and the raw rows it gave."""

    athlete_id: str
    path: str
    sha256: str
    rows: int
    reason: str = ""  # why, e.g. "the file is gone"

    def describe(self) -> str:
        why = f": {self.reason}" if self.reason else ""
        return (f"{self.path} ({self.athlete_id}, sha256 {self.sha256[:12]}): {self.rows} "
                f"rows{why}")


def _content_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every raw table whose rows carry the file they came from (`source_sha256`)."""
    return [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'raw' AND column_name = 'source_sha256' AND table_name IN "
        "(SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'raw') ORDER BY table_name").fetchall()]


def _members(con: duckdb.DuckDBPyConnection, athlete_id: str, shas: set[str]) -> set[str]:
    """Contents delivered by these archives (and by archives inside them)."""
    found: set[str] = set()
    todo = set(shas)
    while todo:
        rows = con.execute(
            "SELECT sha256 FROM raw.source_files WHERE athlete_id = ? "
            "AND container_sha256 IN (SELECT unnest(?::VARCHAR[]))",
            [athlete_id, sorted(todo)]).fetchall()
        todo = {r[0] for r in rows} - found - shas
        found |= todo
    return found


def forget_paths(con: duckdb.DuckDBPyConnection, athlete_id: str, paths: list[str]
                 ) -> list[Removed]:
    """Remove these recorded paths (and the members recorded under an archive among them,
    `archive!member`), then every content they held that no remaining path holds: its
    rows in every raw table and its raw.source_files row. Returns what was removed."""
    if not paths:
        return []
    gone = con.execute(
        "SELECT path, sha256 FROM raw.source_paths WHERE athlete_id = $a AND ("
        "  path IN (SELECT unnest($p::VARCHAR[])) "
        "  OR EXISTS (SELECT 1 FROM (SELECT unnest($p::VARCHAR[]) AS x) "
        "             WHERE starts_with(path, x || '!')))",
        {"a": athlete_id, "p": paths}).fetchall()
    con.execute("DELETE FROM raw.source_paths WHERE athlete_id = ? "
                "AND path IN (SELECT unnest(?::VARCHAR[]))", [athlete_id, [p for p, _ in gone]])
    held = {sha: path for path, sha in gone}
    candidates = set(held) | _members(con, athlete_id, set(held))
    return forget_contents(con, athlete_id, sorted(candidates), keep_if_held=True)


def forget_contents(con: duckdb.DuckDBPyConnection, athlete_id: str, shas: list[str],
                    keep_if_held: bool = False) -> list[Removed]:
    """Remove these contents: their rows in every raw table, their raw.source_files rows
    and (unless `keep_if_held`, which keeps a content some recorded path still holds)
    the paths recorded with them."""
    if not shas:
        return []
    if keep_if_held:
        still = {r[0] for r in con.execute(
            "SELECT DISTINCT sha256 FROM raw.source_paths WHERE athlete_id = ? "
            "AND sha256 IN (SELECT unnest(?::VARCHAR[]))", [athlete_id, shas]).fetchall()}
        shas = [s for s in shas if s not in still]
    else:
        con.execute("DELETE FROM raw.source_paths WHERE athlete_id = ? "
                    "AND sha256 IN (SELECT unnest(?::VARCHAR[]))", [athlete_id, shas])
    paths = dict(con.execute(
        "SELECT sha256, path FROM raw.source_files WHERE athlete_id = ? "
        "AND sha256 IN (SELECT unnest(?::VARCHAR[]))", [athlete_id, shas]).fetchall())
    rows = dict.fromkeys(shas, 0)
    for table in _content_tables(con):
        counted = con.execute(
            f"SELECT source_sha256, count(*) FROM raw.{quote_ident(table)} "  # noqa: S608
            "WHERE athlete_id = ? AND source_sha256 IN (SELECT unnest(?::VARCHAR[])) "
            "GROUP BY 1", [athlete_id, shas]).fetchall()
        for sha, n in counted:
            rows[sha] += int(n)
        con.execute(f"DELETE FROM raw.{quote_ident(table)} WHERE athlete_id = ? "  # noqa: S608
                    "AND source_sha256 IN (SELECT unnest(?::VARCHAR[]))", [athlete_id, shas])
    con.execute("DELETE FROM raw.source_files WHERE athlete_id = ? "
                "AND sha256 IN (SELECT unnest(?::VARCHAR[]))", [athlete_id, shas])
    return [Removed(athlete_id, paths.get(s, "?"), s, rows[s]) for s in shas
            if s in paths or rows[s]]


def matching_contents(con: duckdb.DuckDBPyConnection, what: str) -> list[tuple[str, str]]:
    """(athlete_id, sha256) of the contents `what` names: a sha256 (or a prefix of at
    least 8 hex digits), a recorded path, or the first path a content was seen at; an
    archive's members come with it."""
    rows = con.execute(
        "SELECT athlete_id, sha256 FROM raw.source_files "
        "WHERE (length($w) >= 8 AND starts_with(sha256, lower($w))) OR path = $w "
        "UNION SELECT athlete_id, sha256 FROM raw.source_paths WHERE path = $w "
        "ORDER BY ALL", {"w": what}).fetchall()
    found = list(rows)
    for athlete in {a for a, _ in rows}:
        members = _members(con, athlete, {s for a, s in rows if a == athlete})
        found += [(athlete, s) for s in sorted(members)]
    return found


def recorded_paths(con: duckdb.DuckDBPyConnection, athlete_ids: list[str]
                   ) -> list[tuple[str, str, str, str | None]]:
    """(athlete_id, path, kind, origin) of every recorded path of these athletes."""
    return con.execute(
        "SELECT athlete_id, path, kind, origin FROM raw.source_paths "
        "WHERE athlete_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY ALL",
        [athlete_ids]).fetchall()
