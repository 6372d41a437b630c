"""Files found among the FIT inputs that are not FIT (raw.unread_files): recorded as each
run finds them, so `musclebalance status` can name them; paths and types, never contents."""

from __future__ import annotations

from datetime import datetime

import duckdb

# A path lies under a root r: it is the root, a file in its folder tree, or a zip member.


def record_unread(
    con: duckdb.DuckDBPyConnection, athlete_id: str, roots: list[str], loose: list[str],
    zips: list[str], in_archives: dict[str, list[str]], rows: dict[str, tuple[str, str]],
    seen_at: datetime,
) -> None:
    """Replace what is recorded under `roots` (resolved input paths) by what a walk found:
    `loose` files in folders; members of the archives opened now (`in_archives`, by archive
    path). Members recorded for an archive that was not opened again stay while the archive
    is still among `zips`. `rows` gives each path's (file type, advice). Call inside a
    transaction."""
    con.execute(
        "DELETE FROM raw.unread_files WHERE athlete_id = $a AND ("
        "  (container_path IS NULL AND EXISTS (SELECT 1 FROM unnest($roots::VARCHAR[]) t(r) "
        "     WHERE path = r OR starts_with(path, r || '/') OR starts_with(path, r || '!')))"
        "  OR container_path IN (SELECT unnest($opened::VARCHAR[]))"
        "  OR (container_path NOT IN (SELECT unnest($zips::VARCHAR[])) AND EXISTS ("
        "      SELECT 1 FROM unnest($roots::VARCHAR[]) t(r) "
        "     WHERE container_path = r OR starts_with(container_path, r || '/'))))",
        {"a": athlete_id, "roots": roots, "opened": list(in_archives), "zips": zips},
    )
    paths = [*loose, *(p for members in in_archives.values() for p in members)]
    containers = [None] * len(loose) + [archive for archive, members in in_archives.items()
                                        for _ in members]
    if not paths:
        return
    con.execute(
        "INSERT OR REPLACE INTO raw.unread_files "
        "SELECT $a, unnest($paths::VARCHAR[]), unnest($containers::VARCHAR[]), "
        "unnest($types::VARCHAR[]), unnest($advice::VARCHAR[]), $now",
        {"a": athlete_id, "paths": paths, "containers": containers,
         "types": [rows[p][0] for p in paths], "advice": [rows[p][1] for p in paths],
         "now": seen_at},
    )


def unread_under(con: duckdb.DuckDBPyConnection, athlete_id: str, roots: list[str]
                 ) -> list[tuple[str, str, str]]:
    """(path, file type, advice) of the athlete's unread files under these roots, by path."""
    return [tuple(r) for r in con.execute(
        "SELECT path, file_type, advice FROM raw.unread_files WHERE athlete_id = $a AND "
        "EXISTS (SELECT 1 FROM unnest($roots::VARCHAR[]) t(r) WHERE path = r OR "
        "starts_with(path, r || '/') OR starts_with(path, r || '!')) ORDER BY path",
        {"a": athlete_id, "roots": roots}).fetchall()]


def unread_by_type(con: duckdb.DuckDBPyConnection, first: int = 3) -> list[tuple]:
    """Per athlete and file type: (athlete, type, advice, files, the first `first` paths),
    most files first; [] for a warehouse made before the table existed."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
                         "AND table_name = 'unread_files' AND database_name = "
                         "current_database()").fetchone()
    if not exists or not exists[0]:
        return []
    return con.execute(
        "SELECT athlete_id, file_type, any_value(advice), count(*), "
        "list(path ORDER BY path)[1:$first] FROM raw.unread_files "
        "GROUP BY ALL ORDER BY athlete_id, count(*) DESC, file_type", {"first": first},
    ).fetchall()
