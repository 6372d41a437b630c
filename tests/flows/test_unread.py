"""Files among the FIT inputs that are not FIT: never skipped without a word, never a
failure. Folders and zips are made here with known contents; what should be named is
listed by hand."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.sources import (
    find_files,
    is_system_file,
    not_fit_advice,
    not_fit_type,
    open_archive,
)
from synthetic import one_hour_run
from tests.helpers import REPO


def _fit(seed: int) -> bytes:
    return one_hour_run(datetime(2026, 5, 4 + seed, 6, 0, tzinfo=UTC), seed=seed,
                        duration_s=300).data


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _inputs(root: Path) -> tuple[Path, Path]:
    """A watch folder and a Garmin-like export zip, each with FIT files, files that are
    not FIT and macOS/Windows metadata; returns (folder, zip)."""
    folder = root / "watch"
    (folder / "sub").mkdir(parents=True)
    (folder / "run-1.fit").write_bytes(_fit(0))
    (folder / "sub" / "run-2.FIT").write_bytes(_fit(1))
    (folder / "a.gpx").write_text("<gpx/>")
    (folder / "sub" / "b.gpx").write_text("<gpx/>")
    (folder / "c.tcx").write_text("<tcx/>")
    (folder / "README").write_text("notes")
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / "._run-1.fit").write_bytes(b"\0\x05\x16\x07")  # AppleDouble: no FIT
    (folder / "Thumbs.db").write_bytes(b"\0")
    export = root / "export.zip"
    export.write_bytes(_zip({
        "DI_CONNECT/DI-Connect-Fitness/a_summarizedActivities.json": b"[]",
        "DI_CONNECT/DI-Connect-User/user_profile.json": b"{}",
        "DI_CONNECT/settings.xml": b"<x/>",
        "DI_CONNECT/uploads.zip": _zip({"up-1.fit": _fit(2), "up-1.gpx": b"<gpx/>"}),
        "food.csv": b"Day,Energy (kcal)\n",
        "__MACOSX/DI_CONNECT/._uploads.zip": b"\0",
        ".DS_Store": b"\0",
    }))
    return folder, export


def test_system_files_are_known_by_name() -> None:
    assert [is_system_file(n) for n in (".DS_Store", "a/._x.fit", "__MACOSX/a/b.gpx",
                                        "Thumbs.db", "x/desktop.ini")] == [True] * 5
    assert [is_system_file(n) for n in ("a.gpx", "x/run.fit", "MACOSX.json")] == [False] * 3
    assert [not_fit_type(p) for p in ("/a/b.gpx", "z.zip!D/x.JSON", "/a/README", "/t.tcx.gz",
                                      "/a/.gitkeep")] == [
        "GPX", "JSON", "no extension", "TCX", "no extension"]


def test_the_walk_and_the_archive_name_what_is_not_fit(tmp_path: Path) -> None:
    folder, export = _inputs(tmp_path)
    unread: list[str] = []
    found, problems = find_files([folder, export], unread=unread)
    real = folder.resolve()
    assert problems == []
    assert [f.path for f in found] == sorted([str(export.resolve()), str(real / "run-1.fit"),
                                              str(real / "sub" / "run-2.FIT")])
    assert sorted(unread) == sorted(str(real / n) for n in ("a.gpx", "sub/b.gpx", "c.tcx",
                                                            "README"))
    members: list[str] = []
    taken = open_archive(str(export), tmp_path / "scratch", unread=members)
    assert [m.path for m in taken] == [f"{export}!DI_CONNECT/uploads.zip!up-1.fit"]
    assert sorted(members) == sorted(f"{export}!{n}" for n in (
        "DI_CONNECT/DI-Connect-Fitness/a_summarizedActivities.json",
        "DI_CONNECT/DI-Connect-User/user_profile.json", "DI_CONNECT/settings.xml",
        "DI_CONNECT/uploads.zip!up-1.gpx", "food.csv"))


def _unread_rows(warehouse: Path) -> list[tuple[str, str | None, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT path, container_path, file_type FROM raw.unread_files "
                           "ORDER BY path").fetchall()


@pytest.mark.usefixtures("prefect_server")
def test_ingest_names_them_keeps_them_and_forgets_them_when_gone(tmp_path: Path) -> None:
    from flows.ingest import ingest_fit_flow
    from flows.settings import AthleteInputs

    folder, export = _inputs(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    real, archive = folder.resolve(), str(export.resolve())

    def ingest():
        (summary,) = ingest_fit_flow(warehouse=str(warehouse), workers=1, athletes=[
            AthleteInputs("me", (str(folder), str(export)))])
        return summary

    first = ingest()
    assert (first.loaded, first.quarantined, first.problems, first.ok) == (3, [], [], True)
    expected = sorted([
        (str(real / "README"), None, "no extension"),
        (str(real / "a.gpx"), None, "GPX"),
        (str(real / "c.tcx"), None, "TCX"),
        (str(real / "sub" / "b.gpx"), None, "GPX"),
        (f"{archive}!DI_CONNECT/DI-Connect-Fitness/a_summarizedActivities.json", archive,
         "JSON"),
        (f"{archive}!DI_CONNECT/DI-Connect-User/user_profile.json", archive, "JSON"),
        (f"{archive}!DI_CONNECT/settings.xml", archive, "XML"),
        (f"{archive}!DI_CONNECT/uploads.zip!up-1.gpx", archive, "GPX"),
        (f"{archive}!food.csv", archive, "CSV"),
    ])
    assert _unread_rows(warehouse) == expected
    assert [(p, t) for p, t, _ in first.unread] == [(p, t) for p, _, t in expected]
    advice = {t: a for _, t, a in first.unread}
    assert advice["GPX"] == ("GPX is not read: export the original FIT file of the activity "
                             "instead")
    assert advice["XML"] == ("XML is not read (Garmin account data, not activities): "
                             "nothing to do")
    by_path = {Path(p.rsplit("!", 1)[-1]).name: a for p, _, a in first.unread}
    # files of a Garmin export that are known but not used say so
    assert by_path["a_summarizedActivities.json"] == (
        "recognised, not used: Garmin activity summaries (the FIT files are read instead)")
    assert by_path["user_profile.json"] == "recognised, not used: Garmin user profile"
    assert not_fit_advice("JSON") == "JSON is not read (app data, not activities): nothing to do"

    again = ingest()  # nothing changed: the zip is not opened, its members still named
    assert (again.loaded, again.skipped) == (0, 3)  # two FIT files and the zip
    assert again.unread == first.unread

    (folder / "a.gpx").unlink()
    export.unlink()
    last = ingest()
    assert [p for p, _, _ in last.unread] == [str(real / "README"), str(real / "c.tcx"),
                                              str(real / "sub" / "b.gpx")]
    assert _unread_rows(warehouse) == [r for r in expected
                                       if r[1] is None and not r[0].endswith("a.gpx")]


def test_the_command_line_names_them_and_exits_0_and_status_lists_them(
    tmp_path: Path, prefect_server: str,
) -> None:
    folder, export = _inputs(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    env.pop("COLUMNS", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flows", *args, "--warehouse",
                               str(warehouse)], cwd=REPO, capture_output=True, text=True,
                              env=env, timeout=600)

    done = cli("ingest", "--fit", str(folder), "--fit", str(export), "--athlete", "me")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    start = lines.index("not read: 9 file(s) under the FIT paths of me are not FIT files (the "
                        "run goes on without them; musclebalance status lists them again):")
    real, archive = folder.resolve(), export.resolve()
    assert lines[start + 1:start + 7] == [
        f"  3 GPX: {archive}!DI_CONNECT/uploads.zip!up-1.gpx, {real / 'a.gpx'}, "
        f"{real / 'sub' / 'b.gpx'}. GPX is not read: export the original FIT file of the "
        "activity instead",
        f"  1 CSV: {archive}!food.csv. CSV is not read as FIT: a food or weight export belongs "
        "under [[athletes.nutrition]] (or ingest --nutrition)",
        f"  1 JSON: {archive}!DI_CONNECT/DI-Connect-Fitness/a_summarizedActivities.json. "
        "recognised, not used: Garmin activity summaries (the FIT files are read instead)",
        f"  1 JSON: {archive}!DI_CONNECT/DI-Connect-User/user_profile.json. recognised, not "
        "used: Garmin user profile",
        f"  1 TCX: {real / 'c.tcx'}. TCX is not read: export the original FIT file of the "
        "activity instead",
        f"  1 XML: {archive}!DI_CONNECT/settings.xml. XML is not read (Garmin account data, "
        "not activities): nothing to do",
    ]
    assert "DS_Store" not in done.stderr and "MACOSX" not in done.stderr
    assert "Thumbs" not in done.stderr and "._run" not in done.stderr
    status = cli("status")
    assert status.returncode == 0, status.stderr
    assert ("not read (me): 9 file(s) under the FIT paths are not FIT files (the table "
            "raw.unread_files lists them all):") in status.stdout
    assert (f"  3 GPX: {archive}!DI_CONNECT/uploads.zip!up-1.gpx, {real / 'a.gpx'}, "
            f"{real / 'sub' / 'b.gpx'}. GPX is not read") in status.stdout


def test_a_warehouse_made_before_the_table_gets_it_and_status_reads_it_meanwhile(
    tmp_path: Path,
) -> None:
    from warehouse.connection import connect
    from warehouse.ddl import create_all
    from warehouse.unread import unread_by_type

    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        create_all(con)
        con.execute("DROP TABLE raw.unread_files")  # as made by an earlier release
    with connect(path, read_only=True) as con:
        assert unread_by_type(con) == []
    with connect(path) as con:
        create_all(con)  # what every ingest does first
        con.execute("INSERT INTO raw.unread_files VALUES ('me', '/a/x.gpx', NULL, 'GPX', "
                    "'advice', now()), ('me', '/a/y.gpx', NULL, 'GPX', 'advice', now()), "
                    "('me', '/a/z.tcx', NULL, 'TCX', 'other', now())")
        assert unread_by_type(con, first=1) == [("me", "GPX", "advice", 2, ["/a/x.gpx"]),
                                                ("me", "TCX", "other", 1, ["/a/z.tcx"])]
