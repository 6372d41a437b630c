"""The ingest plan: `decide` on plain data (no files, no database), reading real archives
without a database, and one rule for damaged members and refused archives in both ingests,
their summaries and the command line's tables."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.ingest import FIT, ingest_fit_flow
from flows.nutrition_ingest import NUTRITION, ingest_nutrition_flow
from flows.plan import (
    Archive,
    Entry,
    Found,
    Policy,
    Retry,
    WorkItem,
    decide,
    list_inputs,
    plan_inputs,
)
from flows.settings import AthleteInputs, NutritionInputs, NutritionSourceSpec
from flows.sources import ArchiveLimits, FoundFile, Member
from synthetic import one_hour_run
from warehouse.manifest import Manifest, SourceFile, SourcePath

ME = "me"
POLICIES = pytest.mark.parametrize("policy", [FIT, NUTRITION], ids=["fit", "nutrition"])
A, B, C, D, Z, Y = ("a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64, "f" * 64)


def _found(path: str, size: int = 100, mtime: int = 5, kind: str = "fit",
           sha: str | None = None, archive: Archive | None = None) -> Found:
    return Found(FoundFile(path, size, mtime, kind), "config", 0, sha, None, archive)  # type: ignore[arg-type]


def _seen(path: str, sha: str, size: int = 100, mtime: int = 5, kind: str = "fit"
          ) -> SourcePath:
    return SourcePath(ME, path, size, mtime, sha, kind)


def _manifest(paths: list[SourcePath] = (), contents: dict[str, str] | None = None,
              quarantined: dict[str, int] | None = None) -> Manifest:
    return Manifest(ME, {p.path: p for p in paths}, contents or {}, quarantined or {})


def _key(archive_sha: str, member: str) -> str:
    return hashlib.sha256(f"{archive_sha}!{member}".encode()).hexdigest()


# ---------------------------------------------------------------- decide, on plain data


@POLICIES
def test_an_unchanged_path_is_not_read(policy: Policy) -> None:
    manifest = _manifest([_seen("/in/run.fit", A)], {A: "loaded"})
    plan = decide([_found("/in/run.fit")], manifest, policy)
    assert plan.unchanged == ["/in/run.fit"] and plan.to_read == []
    assert plan.work == [] and plan.skipped == 1 and plan.known_quarantined == 0


@POLICIES
def test_a_path_with_another_size_or_time_is_hashed_then_loaded(policy: Policy) -> None:
    manifest = _manifest([_seen("/in/run.fit", A)], {A: "loaded"})
    assert decide([_found("/in/run.fit", mtime=6)], manifest, policy).to_read == ["/in/run.fit"]
    plan = decide([_found("/in/run.fit", mtime=6, sha=B)], manifest, policy)
    assert [(i.path, i.sha256) for i in plan.work] == [("/in/run.fit", B)]
    # FIT: the path's old content goes with it (no other path holds it); exports replace days
    assert plan.work[0].replace == ((A,) if policy.supersede else ())
    assert plan.work[0].path_row == SourcePath(ME, "/in/run.fit", 100, 6, B, "fit", "config")


def test_old_content_another_path_still_holds_is_not_superseded() -> None:
    manifest = _manifest([_seen("/in/run.fit", A), _seen("/in/copy.fit", A)], {A: "loaded"})
    plan = decide([_found("/in/run.fit", mtime=6, sha=B), _found("/in/copy.fit")], manifest,
                  FIT)
    assert plan.work[0].replace == () and plan.superseded == []


@POLICIES
def test_same_size_and_time_but_other_bytes_waits_for_a_backfill(policy: Policy) -> None:
    """The plan trusts size and modification time (as make and rsync do): a content
    rewritten without changing either is read by a backfill, which hashes every path."""
    manifest = _manifest([_seen("/in/run.fit", A)], {A: "loaded"})
    nightly = decide([_found("/in/run.fit", sha=B)], manifest, policy)
    assert nightly.unchanged == ["/in/run.fit"] and nightly.work == []
    backfill = decide([_found("/in/run.fit", sha=B)], manifest, policy,
                      Retry(quarantined=True, every_path=True))
    assert [i.sha256 for i in backfill.work] == [B] and backfill.unchanged == []


@POLICIES
def test_a_renamed_file_records_its_new_path_and_loads_nothing(policy: Policy) -> None:
    manifest = _manifest([_seen("/in/old.fit", A)], {A: "loaded"})
    plan = decide([_found("/in/new.fit", sha=A)], manifest, policy)
    assert plan.work == [] and plan.known == ["/in/new.fit"] and plan.skipped == 1
    assert plan.path_rows == [SourcePath(ME, "/in/new.fit", 100, 5, A, "fit", "config")]
    assert plan.superseded == []


@POLICIES
def test_the_same_new_content_twice_is_loaded_once(policy: Policy) -> None:
    plan = decide([_found("/in/a.fit", sha=B), _found("/in/b.fit", sha=B)], _manifest(), policy)
    assert [i.path for i in plan.work] == ["/in/a.fit"] and plan.known == ["/in/b.fit"]
    assert [r.path for r in plan.path_rows] == ["/in/b.fit"]  # a.fit's comes with its load


def _member(name: str, kind: str = "fit", error: str | None = None) -> Member:
    path = f"/in/export.zip!{name}"
    return Member(path, None if error else Path(f"/scratch/{name}"), 40, kind, error)  # type: ignore[arg-type]


@POLICIES
def test_an_archive_with_new_known_repeated_and_damaged_members(policy: Policy) -> None:
    damaged = _member("d.fit", error="cannot read entry (BadZipFile: Bad CRC-32)")
    archive = Archive((Entry(_member("new.fit"), B), Entry(_member("known.fit"), A),
                       Entry(_member("again.fit"), B), Entry(damaged)))
    manifest = _manifest(contents={A: "loaded"})
    zip_file = _found("/in/export.zip", kind="zip", sha=Z)
    assert decide([zip_file], manifest, policy).to_read == ["/in/export.zip"]  # to open
    plan = decide([_found("/in/export.zip", kind="zip", sha=Z, archive=archive)], manifest,
                  policy)
    assert plan.work == [WorkItem(
        "/in/export.zip!new.fit", "/scratch/new.fit", "fit", 40, B, Z,
        SourcePath(ME, "/in/export.zip!new.fit", 40, 5, B, "fit", "config"))]
    assert plan.known == ["/in/export.zip!known.fit", "/in/export.zip!again.fit"]
    assert plan.quarantined == [(damaged.path, "cannot read entry (BadZipFile: Bad CRC-32)")]
    assert plan.archive_rows == [
        SourceFile(ME, _key(Z, damaged.path), damaged.path, 40, "fit", "quarantined",
                   "cannot read entry (BadZipFile: Bad CRC-32)", Z),
        SourceFile(ME, Z, "/in/export.zip", 100, "zip", "loaded")]
    assert plan.problems == [] and plan.skipped == 2


@POLICIES
def test_an_archive_with_a_member_unreadable_now_is_opened_again_next_run(
        policy: Policy) -> None:
    archive = Archive((Entry(_member("new.fit"), B),
                       Entry(_member("busy.fit"), None, "cannot read: OSError: EIO")))
    plan = decide([_found("/in/export.zip", kind="zip", sha=Z, archive=archive)], _manifest(),
                  policy)
    assert plan.problems == [("/in/export.zip!busy.fit", "cannot read: OSError: EIO")]
    assert [i.sha256 for i in plan.work] == [B]
    assert plan.archive_rows == [] and plan.quarantined == []
    assert [r.path for r in plan.path_rows] == []  # the archive is not recorded as seen


@POLICIES
def test_a_refused_archive_is_quarantined_then_counted_each_run(policy: Policy) -> None:
    reason = "/in/slip.zip: entry '../x.fit' climbs out of the archive with '..' (zip slip)"
    plan = decide([_found("/in/slip.zip", kind="zip", sha=Z, archive=Archive(refused=reason))],
                  _manifest(), policy)
    assert plan.quarantined == [("/in/slip.zip", reason)] and plan.work == []
    assert plan.archive_rows == [SourceFile(ME, Z, "/in/slip.zip", 100, "zip", "quarantined",
                                            reason)]
    assert plan.path_rows == [SourcePath(ME, "/in/slip.zip", 100, 5, Z, "zip", "config")]
    # the next run: unchanged, skipped, and counted (never silent)
    later = _manifest(plan.path_rows, {Z: "quarantined"}, {Z: 1})
    again = decide([_found("/in/slip.zip", kind="zip")], later, policy)
    assert (again.unchanged, again.known_quarantined, again.quarantined) == (
        ["/in/slip.zip"], 1, [])
    # copied elsewhere with the same bytes: known, and counted too
    copy = decide([_found("/in/copy.zip", kind="zip", sha=Z)], later, policy)
    assert (copy.known, copy.known_quarantined, copy.to_read) == (["/in/copy.zip"], 1, [])


@POLICIES
def test_quarantined_members_of_an_unchanged_archive_are_counted_or_retried(
        policy: Policy) -> None:
    manifest = _manifest([_seen("/in/export.zip", Z, kind="zip")],
                         {Z: "loaded", C: "quarantined", D: "quarantined"},
                         {Z: 2, C: 1, D: 1})
    plan = decide([_found("/in/export.zip", kind="zip")], manifest, policy)
    assert (plan.unchanged, plan.known_quarantined) == (["/in/export.zip"], 2)
    retried = decide([_found("/in/export.zip", kind="zip")], manifest, policy,
                     Retry(quarantined=True))
    assert retried.to_read == ["/in/export.zip"] and retried.known_quarantined == 0


@POLICIES
def test_a_quarantined_file_whose_content_changed_is_read_again(policy: Policy) -> None:
    manifest = _manifest([_seen("/in/cut.fit", C, size=20)], {C: "quarantined"}, {C: 1})
    assert decide([_found("/in/cut.fit", size=20)], manifest, policy).known_quarantined == 1
    plan = decide([_found("/in/cut.fit", size=900, sha=B)], manifest, policy)
    assert [i.path for i in plan.work] == ["/in/cut.fit"] and plan.known_quarantined == 0
    # the same bytes again elsewhere stay quarantined until asked
    same = decide([_found("/in/cut-copy.fit", size=20, sha=C)], manifest, policy)
    assert same.work == [] and same.known_quarantined == 1
    asked = decide([_found("/in/cut-copy.fit", size=20, sha=C)], manifest, policy,
                   Retry(quarantined=True))
    assert [i.sha256 for i in asked.work] == [C]


@POLICIES
def test_an_archive_with_a_damaged_member_rewritten_is_opened_and_keyed_anew(
        policy: Policy) -> None:
    member = "/in/export.zip!d.fit"
    manifest = _manifest([_seen("/in/export.zip", Z, kind="zip")],
                         {Z: "loaded", _key(Z, member): "quarantined"},
                         {Z: 1, _key(Z, member): 1})
    rewritten = _found("/in/export.zip", size=120, kind="zip", sha=Y,
                       archive=Archive((Entry(_member("d.fit"), B),)))
    plan = decide([rewritten], manifest, policy)
    assert [(i.path, i.sha256, i.container_sha256) for i in plan.work] == [(member, B, Y)]


def test_a_backfill_loads_known_contents_again_and_marks_them() -> None:
    manifest = _manifest([_seen("/in/a.fit", A), _seen("/in/b.fit", B)],
                         {A: "loaded", B: "partial"})
    plan = decide([_found("/in/a.fit", sha=A), _found("/in/b.fit", sha=B)], manifest, FIT,
                  Retry(quarantined=True, every_path=True, contents=frozenset({B})))
    assert [(i.path, i.again) for i in plan.work] == [("/in/b.fit", True)]
    assert plan.known == ["/in/a.fit"]


# ------------------------------------------------------------- reading, without a database


def _damage(archive: Path, inside: bytes) -> None:
    """Overwrite bytes of a stored member so that its CRC no longer matches."""
    data = archive.read_bytes()
    at = data.index(inside)
    archive.write_bytes(data[:at] + bytes(len(inside)) + data[at + len(inside):])


DAILY = "Date,Energy (kcal),Carbs (g),Fiber (g),Fat (g),Protein (g),Completed\n"


def _inputs(folder: Path, kind: str) -> tuple[bytes, bytes]:
    """A folder with export.zip (a good and a damaged member) and slip.zip (refused):
    returns the good and the damaged member's bytes."""
    folder.mkdir(parents=True)
    if kind == "fit":
        start = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
        good, bad = (one_hour_run(start.replace(day=4 + i), seed=i, duration_s=300).data
                     for i in range(2))
        names = ("a/good.fit", "b/damaged.fit", "../../escaped.fit")
    else:
        good = (DAILY + "2024-03-01,2000,200,25,70,100,true\n").encode()
        bad = (DAILY + "2024-03-02,2100,210,26,71,110,true\n").encode()
        names = ("a/dailysummary.csv", "b/dailysummary-2.csv", "../../escaped.csv")
    with zipfile.ZipFile(folder / "export.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(names[0], good)
        zf.writestr(names[1], bad)
    _damage(folder / "export.zip", bad[-30:])
    with zipfile.ZipFile(folder / "slip.zip", "w") as zf:
        zf.writestr(names[2], good)
    return good, bad


@POLICIES
def test_plan_inputs_reads_real_archives_with_one_rule(tmp_path: Path, policy: Policy) -> None:
    kind = "fit" if policy is FIT else "csv"
    good, _ = _inputs(tmp_path / "in", kind)
    found, problems = list_inputs([tmp_path / "in"], policy, "config")
    assert problems == [] and [f.file.path for f in found] == [
        str(tmp_path / "in" / "export.zip"), str(tmp_path / "in" / "slip.zip")]
    plan = plan_inputs(found, _manifest(), policy, Retry(), tmp_path / "scratch",
                       ArchiveLimits())
    export, slip = (str(tmp_path / "in" / name) for name in ("export.zip", "slip.zip"))
    member = f"{export}!b/dailysummary-2.csv" if kind == "csv" else f"{export}!b/damaged.fit"
    assert [p for p, _ in plan.quarantined] == [member, slip]
    assert "cannot read entry" in plan.quarantined[0][1] and "zip slip" in plan.quarantined[1][1]
    assert [i.sha256 for i in plan.work] == [hashlib.sha256(good).hexdigest()]
    export_sha = hashlib.sha256(Path(export).read_bytes()).hexdigest()
    assert {(r.sha256, r.status, r.container_sha256) for r in plan.archive_rows} == {
        (_key(export_sha, member), "quarantined", export_sha),
        (export_sha, "loaded", None),
        (hashlib.sha256(Path(slip).read_bytes()).hexdigest(), "quarantined", None)}


@POLICIES
def test_an_archive_the_disk_fails_is_read_again_next_run_not_quarantined(
        tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.plan

    kind = "fit" if policy is FIT else "csv"
    _inputs(tmp_path / "in", kind)
    (tmp_path / "in" / "slip.zip").unlink()
    export = str(tmp_path / "in" / "export.zip")

    def failing(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(flows.plan, "open_archive", failing)
    found, _ = list_inputs([tmp_path / "in"], policy)
    plan = plan_inputs(found, _manifest(), policy, Retry(), tmp_path / "s", ArchiveLimits())
    assert plan.problems == [(export, "cannot read: OSError: [Errno 5] Input/output error")]
    assert (plan.quarantined, plan.archive_rows, plan.path_rows, plan.work) == ([], [], [], [])


# ------------------------------------------------- both ingests, their summaries, the CLI


def _ingest(kind: str, warehouse: Path, folder: Path):
    if kind == "fit":
        return ingest_fit_flow(warehouse=str(warehouse),
                               athletes=[AthleteInputs(ME, (str(folder),))], workers=1)[0]
    spec = NutritionSourceSpec(str(folder), "cronometer")
    return ingest_nutrition_flow(warehouse=str(warehouse),
                                 athletes=[NutritionInputs(ME, (spec,), "UTC")])[0]


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize("kind", ["fit", "csv"], ids=["fit", "nutrition"])
def test_both_ingests_quarantine_a_damaged_member_and_a_refused_archive_alike(
        tmp_path: Path, kind: str) -> None:
    _inputs(tmp_path / "in", kind)
    warehouse = tmp_path / "w.duckdb"
    first = _ingest(kind, warehouse, tmp_path / "in")
    names = {f.name for f in fields(first)}
    assert {"quarantined", "known_quarantined", "problems", "skipped", "loaded"} <= names
    export, slip = (str(tmp_path / "in" / name) for name in ("export.zip", "slip.zip"))
    member = f"{export}!b/{'damaged.fit' if kind == 'fit' else 'dailysummary-2.csv'}"
    assert sorted(p for p, _ in first.quarantined) == sorted([member, slip])
    assert (first.loaded, first.problems, first.ok) == (1, [], False)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT path, status, container_sha256 FROM raw.source_files "
                           "WHERE status = 'quarantined' ORDER BY path").fetchall()
    export_sha = hashlib.sha256(Path(export).read_bytes()).hexdigest()
    assert rows == sorted([(member, "quarantined", export_sha), (slip, "quarantined", None)])
    # the next run reads nothing again, says how many stay quarantined, and succeeds
    second = _ingest(kind, warehouse, tmp_path / "in")
    assert (second.quarantined, second.problems, second.skipped) == ([], [], 2)
    assert second.known_quarantined == 2 and second.ok and second.loaded == 0
    # the archive exported again without the damage: a new content, read; its member loads
    with zipfile.ZipFile(tmp_path / "in" / "export.zip", "w") as zf:
        zf.writestr(f"b/fixed.{kind}", _other_good(kind))
    third = _ingest(kind, warehouse, tmp_path / "in")
    assert (third.loaded, third.quarantined, third.known_quarantined) == (1, [], 1)


def _other_good(kind: str) -> bytes:
    if kind == "fit":
        return one_hour_run(datetime(2026, 5, 9, 6, 0, tzinfo=UTC), seed=9,
                            duration_s=300).data
    return (DAILY + "2024-03-05,1900,190,24,69,90,true\n").encode()


def _table(stdout: str, title: str) -> dict[str, str]:
    """The first data row of a rich table printed under `title`, by column header."""
    lines = stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == title)
    header = next(line for line in lines[at:] if "┃" in line)
    row = next(line for line in lines[at:] if "│" in line)
    return dict(zip([c.strip() for c in header.split("┃")[1:-1]],
                    [c.strip() for c in row.split("│")[1:-1]], strict=True))


def test_the_command_line_heads_each_count_by_what_it_counts(
        tmp_path: Path, prefect_server: str) -> None:
    _inputs(tmp_path / "fit", "fit")
    _inputs(tmp_path / "food", "csv")
    args = [sys.executable, "-m", "flows", "ingest", "--fit", str(tmp_path / "fit"),
            "--nutrition", str(tmp_path / "food"), "--format", "cronometer", "--athlete", ME,
            "--warehouse", str(tmp_path / "w.duckdb")]
    env = {**os.environ, "COLUMNS": "200", "PREFECT_API_URL": prefect_server}
    first = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=300)
    assert first.returncode == 1, first.stderr  # files were quarantined
    for title in ("FIT ingest", "Nutrition ingest"):
        row = _table(first.stdout, title)
        assert (row["loaded"], row["skipped"], row["quarantined"]) == ("1", "0", "2"), row
    assert "rejected" not in first.stdout
    second = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr
    for title in ("FIT ingest", "Nutrition ingest"):
        row = _table(second.stdout, title)
        assert (row["loaded"], row["skipped"], row["quarantined"]) == ("0", "2", "0"), row
    assert "4 file(s) quarantined in earlier runs were skipped" in second.stderr
