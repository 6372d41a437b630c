"""The ingest flow end to end, on real fixtures and generated files, under Prefect."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_fit_flow
from flows.settings import AthleteInputs
from synthetic import one_hour_run
from tests.helpers import REPO, SDK_UNSUPPORTED, fit_manifest, require_fixtures, sdk_read

RAW_TABLES = ("fit_file_id", "fit_activity", "fit_sessions", "fit_laps", "fit_sport", "fit_records",
              "fit_sets", "fit_weight_scale", "fit_user_profile", "fit_zones_target", "fit_hrv",
              "fit_fields", "source_files")

pytestmark = pytest.mark.usefixtures("prefect_server")


def _ingest(warehouse: Path, *paths: Path, athlete: str = "runner", **kw):
    (summary,) = ingest_fit_flow(
        warehouse=str(warehouse),
        athletes=[AthleteInputs(athlete, tuple(str(p) for p in paths))],
        workers=2,
        **kw,
    )
    return summary


def _snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows, sorted: equal snapshots mean the same row sets."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            t: sorted(con.execute(f"SELECT * FROM raw.{t}").fetchall(), key=repr)  # noqa: S608
            for t in RAW_TABLES
        }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_runs(folder: Path, count: int, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
    paths = []
    for i in range(count):
        run = one_hour_run(start + timedelta(days=i), seed=seed + i, duration_s=600)
        path = folder / f"run-{i:03d}.fit"
        path.write_bytes(run.data)
        paths.append(path)
    return paths


def _expected_status(path: str, data: bytes) -> tuple[str, int]:
    """loaded, partial or quarantined, and the records kept, as Garmin's SDK reads the file
    (fitparse's count, from MANIFEST.tsv, where the SDK cannot read it)."""
    if path in SDK_UNSUPPORTED:
        return "loaded", next(int(r["record_messages"]) for r in fit_manifest()
                              if r["path"] == path)
    sdk = sdk_read(data)
    if sdk.data_messages == 0:
        return "quarantined", 0
    return ("partial" if sdk.errors else "loaded"), sdk.records


def test_real_fixtures_load_whole_in_part_or_quarantine_exactly(tmp_path: Path) -> None:
    fixtures = require_fixtures()
    before = {p: (_sha(p), p.stat().st_mtime_ns) for p in fixtures.rglob("*") if p.is_file()}
    warehouse = tmp_path / "w.duckdb"
    summary = _ingest(warehouse, fixtures)

    rows = fit_manifest()
    expected = {r["path"]: _expected_status(r["path"], (fixtures / r["path"]).read_bytes())
                for r in rows}
    by_status = {s: sorted(p for p, (status, _) in expected.items() if status == s)
                 for s in ("loaded", "partial", "quarantined")}
    assert by_status["partial"] and by_status["quarantined"]  # the fixtures hold both kinds
    assert summary.loaded == len(by_status["loaded"]) + len(by_status["partial"])
    assert sorted(Path(p).relative_to(fixtures).as_posix() for p, _ in summary.partial) == (
        by_status["partial"])
    assert sorted(Path(p).relative_to(fixtures).as_posix() for p, _ in summary.quarantined) == (
        by_status["quarantined"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for path, (want, want_records) in expected.items():
            sha = _sha(fixtures / path)
            status, error, offset = con.execute(
                "SELECT status, error, fault_offset_bytes FROM raw.source_files "
                "WHERE sha256 = ?", [sha]
            ).fetchone()
            (records,) = con.execute(
                "SELECT count(*) FROM raw.fit_records WHERE source_sha256 = ?", [sha]
            ).fetchone()
            assert status == want, path
            assert records == want_records, path
            if want == "loaded":
                assert error is None and offset is None, path
            else:  # the reason, and for a partial file where its fault begins
                assert error and (offset is not None) == (want == "partial"), path
    after = {p: (_sha(p), p.stat().st_mtime_ns) for p in fixtures.rglob("*") if p.is_file()}
    assert after == before, "input files are never modified"


def test_rerun_rename_and_copy_add_nothing(tmp_path: Path) -> None:
    first = tmp_path / "watch"
    paths = _write_runs(first, 4)
    warehouse = tmp_path / "w.duckdb"
    summary = _ingest(warehouse, first)
    assert (summary.loaded, summary.skipped) == (4, 0)
    loaded = _snapshot(warehouse)
    assert len(loaded["fit_records"]) == sum(
        one_hour_run(datetime(2026, 5, 4 + i, 6, 0, tzinfo=UTC), seed=i,
                     duration_s=600).record_count
        for i in range(4)
    )

    again = _ingest(warehouse, first)
    assert (again.loaded, again.skipped) == (0, 4)
    assert _snapshot(warehouse) == loaded

    second = tmp_path / "backup" / "nested"
    second.mkdir(parents=True)
    for i, path in enumerate(paths):
        shutil.copy(path, second / f"renamed-{i}.FIT")
    (second / "packed.fit.gz").write_bytes(gzip.compress(paths[0].read_bytes()))
    with zipfile.ZipFile(second / "export.zip", "w") as zf:
        zf.write(paths[1], "DI_CONNECT/activity.fit")
    copies = _ingest(warehouse, first, second)
    assert copies.loaded == 0 and copies.quarantined == []
    assert _snapshot(warehouse) | {"source_files": []} == loaded | {"source_files": []}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (files,) = con.execute("SELECT count(*) FROM raw.source_files WHERE kind <> 'zip'"
                               ).fetchone()
    assert files == 4


def test_bad_inputs_are_quarantined_and_good_files_still_load(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (good,) = _write_runs(inbox, 1)
    (inbox / "zero.fit").write_bytes(b"")
    (inbox / "diary.fit").write_text("Date,Meal,Calories\n2026-05-01,Breakfast,500\n")
    (inbox / "noise.fit").write_bytes(hashlib.sha512(b"seed").digest() * 40)
    (inbox / "truncated.fit").write_bytes(good.read_bytes()[:5000])
    with zipfile.ZipFile(inbox / "slip.zip", "w") as zf:
        zf.writestr("../../escaped.fit", good.read_bytes())
    with zipfile.ZipFile(inbox / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.fit", b"\x00" * (40 * 1024 * 1024))
    warehouse = tmp_path / "w.duckdb"
    summary = _ingest(warehouse, inbox)

    reasons = {Path(p).name: r for p, r in summary.quarantined}
    assert summary.loaded == 2  # the good run, and the truncated one in part
    assert "empty file" in reasons["zero.fit"]
    assert "not a FIT file" in reasons["diary.fit"]
    assert "not a FIT file" in reasons["noise.fit"]
    assert "zip slip" in reasons["slip.zip"]
    assert "zip bomb" in reasons["bomb.zip"]
    assert not (tmp_path / "escaped.fit").exists()
    ((cut_path, cut_reason),) = summary.partial
    assert Path(cut_path).name == "truncated.fit" and "truncated" in cut_reason
    cut = (inbox / "truncated.fit").read_bytes()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        records = dict(con.execute(
            "SELECT source_sha256, count(*) FROM raw.fit_records GROUP BY 1").fetchall())
        statuses = dict(con.execute(
            "SELECT regexp_extract(path, '[^/]+$'), status FROM raw.source_files").fetchall())
        (offset,) = con.execute("SELECT fault_offset_bytes FROM raw.source_files "
                                "WHERE status = 'partial'").fetchone()
    sdk = sdk_read(cut)
    assert records == {_sha(good): 600, hashlib.sha256(cut).hexdigest(): sdk.records}
    assert 0 < sdk.records < 600 and offset == sdk.last_message_end
    assert statuses["run-000.fit"] == "loaded" and statuses["truncated.fit"] == "partial"
    assert {k for k, v in statuses.items() if v == "quarantined"} == set(reasons)


def test_a_partial_file_is_kept_until_its_complete_copy_replaces_it(tmp_path: Path) -> None:
    """A file copied while the watch still wrote it: loaded in part, skipped while it stays
    the same, replaced by the complete file at the same path; a partial version of a
    complete file leaves the complete rows in place."""
    folder = tmp_path / "watch"
    (path,) = _write_runs(folder, 1)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 3])
    warehouse = tmp_path / "w.duckdb"

    def bump() -> None:
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))

    def state() -> tuple[list[tuple], dict[str, int]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            files = con.execute("SELECT sha256, status FROM raw.source_files ORDER BY 2"
                                ).fetchall()
            records = dict(con.execute("SELECT source_sha256, count(*) FROM raw.fit_records "
                                       "GROUP BY 1").fetchall())
        return files, records

    cut_sha, cut_records = _sha(path), sdk_read(path.read_bytes()).records
    first = _ingest(warehouse, folder)
    assert [Path(p).name for p, _ in first.partial] == [path.name] and not first.ok
    assert state() == ([(cut_sha, "partial")], {cut_sha: cut_records})
    again = _ingest(warehouse, folder)
    assert again.ok and again.skipped == 1 and again.loaded == 0
    path.write_bytes(whole)
    bump()
    complete = _ingest(warehouse, folder)
    assert complete.ok and complete.loaded == 1 and complete.replaced == 1
    assert state() == ([(_sha(path), "loaded")], {_sha(path): 600})
    path.write_bytes(whole[: len(whole) // 2])
    bump()
    broken = _ingest(warehouse, folder)
    assert len(broken.partial) == 1 and broken.replaced == 0
    files, records = state()
    assert files == [(hashlib.sha256(whole).hexdigest(), "loaded"), (_sha(path), "partial")]
    assert records[hashlib.sha256(whole).hexdigest()] == 600


def test_changed_file_replaces_what_it_produced(tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    (path,) = _write_runs(folder, 1)
    warehouse = tmp_path / "w.duckdb"
    _ingest(warehouse, folder)
    old_sha = _sha(path)
    replacement = one_hour_run(datetime(2026, 5, 4, 6, 0, tzinfo=UTC), seed=99, duration_s=300)
    path.write_bytes(replacement.data)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    summary = _ingest(warehouse, folder)
    assert summary.loaded == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        shas = con.execute("SELECT DISTINCT source_sha256 FROM raw.fit_records").fetchall()
        files = con.execute("SELECT sha256 FROM raw.source_files").fetchall()
        (records,) = con.execute("SELECT count(*) FROM raw.fit_records").fetchone()
    assert shas == [(_sha(path),)] and files == [(_sha(path),)]
    assert old_sha != _sha(path)
    assert records == replacement.record_count


def test_killed_ingest_completes_on_rerun_without_doubles(
    tmp_path: Path, prefect_server: str
) -> None:
    folder = tmp_path / "watch"
    _write_runs(folder, 16)
    warehouse = tmp_path / "w.duckdb"
    script = (
        "import sys\n"
        "from flows.ingest import ingest_fit_flow\n"
        "from flows.settings import AthleteInputs\n"
        "ingest_fit_flow(warehouse=sys.argv[1], athletes=[AthleteInputs('runner', "
        "(sys.argv[2],))], workers=2, batch_files=2)\n"
    )
    env = {**os.environ, "PREFECT_API_URL": prefect_server,
           "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO"}
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(warehouse), str(folder)],
        cwd=REPO, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "committed a batch" in line:
            os.killpg(proc.pid, signal.SIGKILL)  # the process and its decoding workers
            break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "the ingest was killed mid-way"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (partial,) = con.execute("SELECT count(*) FROM raw.source_files").fetchone()
    assert 0 < partial < 16

    summary = _ingest(warehouse, folder)
    assert summary.loaded == 16 - partial
    interrupted = _snapshot(warehouse)

    clean = tmp_path / "clean.duckdb"
    _ingest(clean, folder)
    assert _snapshot(clean) | {"source_files": []} == interrupted | {"source_files": []}
    assert len(interrupted["source_files"]) == 16


def test_quarantined_files_are_skipped_then_retried_on_request(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (good,) = _write_runs(inbox, 1)
    (inbox / "cut.fit").write_bytes(good.read_bytes()[:20])  # no data message before the cut
    warehouse = tmp_path / "w.duckdb"
    first = _ingest(warehouse, inbox)
    assert [Path(p).name for p, _ in first.quarantined] == ["cut.fit"]
    again = _ingest(warehouse, inbox)
    assert again.quarantined == [] and again.known_quarantined == 1 and again.ok
    retried = _ingest(warehouse, inbox, retry_quarantined=True)
    assert [Path(p).name for p, _ in retried.quarantined] == ["cut.fit"]
    assert retried.loaded == 0 and retried.skipped == 1


def test_an_unreadable_changed_file_keeps_what_it_gave_before(tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    (plain,) = _write_runs(folder, 1)
    packed = folder / "run.fit.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    warehouse = tmp_path / "w.duckdb"
    assert _ingest(warehouse, folder).loaded == 1
    before = _snapshot(warehouse)
    packed.write_bytes(packed.read_bytes()[:200])  # a sync tool half-way through a rewrite
    summary = _ingest(warehouse, folder)
    assert [Path(p).name for p, _ in summary.problems] == ["run.fit.gz"]
    assert "cannot read" in summary.problems[0][1]
    assert _snapshot(warehouse) == before


def test_content_still_in_an_archive_survives_a_changed_loose_copy(tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    (loose,) = _write_runs(folder, 1)
    with zipfile.ZipFile(folder / "export.zip", "w") as zf:
        zf.write(loose, "DI_CONNECT/run.fit")
    warehouse = tmp_path / "w.duckdb"
    _ingest(warehouse, folder)
    sha = _sha(loose)
    loose.write_bytes(one_hour_run(datetime(2026, 7, 1, tzinfo=UTC), seed=5,
                                   duration_s=120).data)
    _ingest(warehouse, folder)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        shas = {r[0] for r in con.execute(
            "SELECT DISTINCT source_sha256 FROM raw.fit_records").fetchall()}
    assert shas == {sha, _sha(loose)}


def test_archive_entries_gzipped_or_damaged(tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    runs = _write_runs(tmp_path / "src", 2)
    folder.mkdir()
    with zipfile.ZipFile(folder / "export.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a/run.fit.gz", gzip.compress(runs[0].read_bytes()))
        zf.writestr("b/damaged.fit", runs[1].read_bytes())
    data = bytearray((folder / "export.zip").read_bytes())
    at = data.find(runs[1].read_bytes()[2000:2040])
    data[at:at + 40] = bytes(40)  # the stored entry no longer matches its CRC
    (folder / "export.zip").write_bytes(bytes(data))
    summary = _ingest(tmp_path / "w.duckdb", folder)
    assert summary.loaded == 1
    assert [(p.rsplit("!", 1)[1], "cannot read entry" in r) for p, r in summary.quarantined] == [
        ("b/damaged.fit", True)]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        (loaded,) = con.execute("SELECT DISTINCT source_sha256 FROM raw.fit_records").fetchone()
    assert loaded == _sha(runs[0])


def test_a_second_run_on_the_same_warehouse_stops_cleanly(tmp_path: Path) -> None:
    from warehouse.connection import WarehouseBusy
    from warehouse.lock import run_lock

    folder = tmp_path / "watch"
    _write_runs(folder, 1)
    warehouse = tmp_path / "w.duckdb"
    with run_lock(warehouse), pytest.raises(WarehouseBusy, match="another musclebalance run"):
        _ingest(warehouse, folder)
    assert _ingest(warehouse, folder).loaded == 1


def test_a_worker_killed_mid_chunk_loses_no_file(tmp_path: Path) -> None:
    import psutil

    from flows.ingest import WorkItem, _decode_all
    from flows.sources import ArchiveLimits

    paths = _write_runs(tmp_path / "watch", 6)
    chunk = [WorkItem(str(p), str(p), "fit", p.stat().st_size, _sha(p)) for p in paths]
    seen = []
    for item, out in _decode_all(chunk, 2, ArchiveLimits()):
        seen.append(item.path)
        assert out.decoded is not None and out.decoded.record_count == 600
        if len(seen) == 1:  # kill a busy worker (a grandchild: workers fork from a server)
            workers = [p for c in psutil.Process().children() for p in c.children()]
            assert workers
            workers[0].kill()
    assert sorted(seen) == sorted(str(p) for p in paths)


def test_a_file_decoded_again_that_fails_keeps_what_it_gave() -> None:
    from flows.fit_worker import DecodeResult
    from flows.ingest import ChunkResult, WorkItem, _add_to_batch
    from warehouse.fit_load import FitBatch

    batch, result = FitBatch("me"), ChunkResult()
    again = WorkItem("a.fit", "a.fit", "fit", 10, "a" * 64, again=True)
    _add_to_batch(batch, result, again, DecodeResult(None, "the decoding process died"))
    assert batch.entries == [] and result.quarantined == []
    assert result.problems == [("a.fit", "the decoding process died; what it gave before is "
                                         "kept")]


def test_an_io_error_is_read_again_next_run_not_quarantined() -> None:
    from flows.fit_worker import DecodeResult
    from flows.ingest import ChunkResult, WorkItem, _add_to_batch
    from warehouse.fit_load import FitBatch

    batch, result = FitBatch("me"), ChunkResult()
    item = WorkItem("b.fit", "b.fit", "fit", 10, "b" * 64)
    _add_to_batch(batch, result, item, DecodeResult(None, "cannot read now: OSError: EIO",
                                                    unreadable=True))
    assert batch.entries == [] and result.quarantined == []
    assert result.problems == [("b.fit", "cannot read now: OSError: EIO; read again next run")]
