"""Removing files: which recorded paths a run removes, and what leaves with them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.forget import vanished
from warehouse.connection import transaction
from warehouse.ddl import create_all
from warehouse.forget import forget_contents, forget_paths, matching_contents

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def con():
    with duckdb.connect() as c:
        create_all(c)
        yield c


def _file(con, athlete: str, sha: str, path: str, kind: str = "fit",
          container: str | None = None, records: int = 0, food: int = 0) -> None:
    con.execute("INSERT INTO raw.source_files (athlete_id, sha256, path, size_bytes, kind, "
                "container_sha256, status, ingested_at) VALUES (?, ?, ?, 1, ?, ?, 'loaded', ?)",
                [athlete, sha, path, kind, container, NOW])
    for i in range(records):
        con.execute("INSERT INTO raw.fit_records (athlete_id, source_sha256, segment, "
                    "message_seq) VALUES (?, ?, 0, ?)", [athlete, sha, i])
    for i in range(food):
        con.execute("INSERT INTO raw.nutrition_entries (athlete_id, local_date, grain, "
                    "source_format, source_sha256, source_row, exported_at) "
                    "VALUES (?, ?, 'entry', 'cronometer_servings', ?, ?, ?)",
                    [athlete, date(2026, 4, 1 + i), sha, i + 2, NOW])


def _path(con, athlete: str, path: str, sha: str, kind: str = "fit",
          origin: str | None = "config") -> None:
    con.execute("INSERT INTO raw.source_paths VALUES (?, ?, 1, 1, ?, ?, ?, ?)",
                [athlete, path, sha, kind, NOW, origin])


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]  # noqa: S608


def test_a_path_removed_takes_its_rows_unless_another_path_holds_the_content(con) -> None:
    _file(con, "a", "s1", "/d/x.fit", records=5)
    _path(con, "a", "/d/x.fit", "s1")
    _path(con, "a", "/d/renamed.fit", "s1")       # the same content, moved
    _file(con, "a", "s2", "/d/y.fit", records=3)
    _path(con, "a", "/d/y.fit", "s2")
    with transaction(con):
        removed = forget_paths(con, "a", ["/d/x.fit", "/d/y.fit"])
    assert [(r.path, r.sha256, r.rows) for r in removed] == [("/d/y.fit", "s2", 3)]
    assert _count(con, "fit_records") == 5                # s1 kept: still at renamed.fit
    assert _count(con, "source_files") == 1
    assert _count(con, "source_paths") == 1


def test_an_archive_takes_its_members_and_their_paths(con) -> None:
    _file(con, "a", "z", "/d/export.zip", kind="zip")
    _path(con, "a", "/d/export.zip", "z", kind="zip")
    _file(con, "a", "m1", "/d/export.zip!a.fit", container="z", records=2)
    _path(con, "a", "/d/export.zip!a.fit", "m1")
    _file(con, "a", "m2", "/d/export.zip!food.csv", kind="cronometer_servings",
          container="z", food=4)
    _path(con, "a", "/d/export.zip!food.csv", "m2", kind="cronometer_servings")
    _file(con, "b", "m1", "/e/a.fit", records=2)          # another athlete's copy stays
    with transaction(con):
        removed = forget_paths(con, "a", ["/d/export.zip"])
    assert sorted((r.sha256, r.rows) for r in removed) == [("m1", 2), ("m2", 4), ("z", 0)]
    assert _count(con, "fit_records") == 2 and _count(con, "nutrition_entries") == 0
    assert _count(con, "source_paths") == 0
    assert _count(con, "source_files") == 1


def test_forget_matches_a_sha256_prefix_or_a_path(con) -> None:
    sha = "ab" * 32
    _file(con, "a", sha, "/d/x.fit", records=1)
    _path(con, "a", "/d/x.fit", sha, origin="command_line")
    assert matching_contents(con, sha[:8]) == [("a", sha)]
    assert matching_contents(con, sha[:7]) == []            # too short to be a prefix
    assert matching_contents(con, "/d/x.fit") == [("a", sha)]
    assert matching_contents(con, "/d/other.fit") == []
    with transaction(con):
        (removed,) = forget_contents(con, "a", [sha])
    assert (removed.rows, _count(con, "source_paths"), _count(con, "fit_records")) == (1, 0, 0)


def test_which_paths_a_run_removes(tmp_path: Path) -> None:
    here = tmp_path / "garmin"
    here.mkdir()
    (here / "kept.fit").write_bytes(b"x")
    roots = {"a": (str(here),)}
    recorded = [
        ("a", str(here / "kept.fit"), "fit", "config"),          # still there
        ("a", str(here / "gone.fit"), "fit", "config"),          # deleted
        ("a", str(here / "old.fit"), "fit", None),               # deleted, recorded before
        ("a", "/elsewhere/x.fit", "fit", "config"),              # its folder left the config
        ("a", "/elsewhere/legacy.fit", "fit", None),             # unknown origin: kept
        ("a", "/downloads/one-off.fit", "fit", "command_line"),  # given to ingest: kept
        ("a", str(here / "e.zip"), "zip", "config"),             # an archive, deleted
        ("a", str(here / "e.zip") + "!m.fit", "fit", "config"),  # goes with its archive
        ("b", "/not/configured.fit", "fit", "config"),           # athlete not in the config
        ("c", "/unmounted/drive/x.fit", "fit", "config"),        # its folder is not there now
    ]
    roots["c"] = ("/unmounted/drive",)
    assert vanished(recorded, roots) == {"a": [
        (str(here / "gone.fit"), "the file is gone"),
        (str(here / "old.fit"), "the file is gone"),
        ("/elsewhere/x.fit", "its path is no longer in the config"),
        (str(here / "e.zip"), "the file is gone"),
    ]}
