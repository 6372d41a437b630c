"""Every real FIT fixture and the real Cronometer export as one athlete, through the nightly
flow as a user runs it (`musclebalance run`): the night publishes, each broken file is named
with its reason, and the exit code is 1 only because of those files.

The files a second reference cannot read whole are found with Garmin's SDK
(garmin-fit-sdk), not taken from the product: a file is broken where the SDK stops with an
error (a bad CRC, a truncation, a bad header or an invalid message). The SDK's one refusal
that is not a fault of the file, "compressed timestamp messages are not currently
supported", is a limitation of the SDK (fitparse reads those messages) and is not counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from schemas.marts import MARTS
from tests.helpers import (
    REPO,
    athlete_config,
    require_fixtures,
    require_wellness_fixtures,
    sdk_read,
)
from warehouse.publish import PUBLISHED_FILE

pytestmark = pytest.mark.flow  # every test here starts Prefect (prefect_server)

NUTRITION = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "nutrition"
SDK_LIMITATION = "compressed timestamp messages are not currently supported"


def fixture_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() == ".fit")


def broken_by_sdk(files: list[Path]) -> set[Path]:
    broken = set()
    for path in files:
        errors = sdk_read(path.read_bytes()).errors
        if any(SDK_LIMITATION not in e.lower() for e in errors):
            broken.add(path)
    return broken


def run_cli(folder: Path, prefect_server: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows", "run", "--config", str(folder / "musclebalance.toml"),
         *extra],
        cwd=REPO, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PREFECT_API_URL": prefect_server, "COLUMNS": "300"})


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def fixture_runs(tmp_path_factory, prefect_server: str):
    """Two nights: the first with every file Garmin's SDK reads whole, the second with the
    broken ones added (links to the fixtures, never copies into the repository)."""
    fit_root = require_fixtures()
    if not (NUTRITION / "cronometer").is_dir():
        pytest.skip(f"the real Cronometer fixture is not at {NUTRITION / 'cronometer'}")
    files = fixture_files(fit_root)
    broken = broken_by_sdk(files)
    folder = tmp_path_factory.mktemp("all-fixtures")
    (folder / "fit").mkdir()
    (folder / "musclebalance.toml").write_text(
        athlete_config("fixtures", sex="male", birth_year=1985, height_cm=178, weight_kg=72,
                       nutrition=NUTRITION / "cronometer"))

    def link(path: Path) -> None:
        target = folder / "fit" / path.relative_to(fit_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)

    for path in files:
        if path not in broken:
            link(path)
    good = run_cli(folder, prefect_server)
    for path in broken:
        link(path)
    with_broken = run_cli(folder, prefect_server)
    return folder, fit_root, files, broken, good, with_broken


def lines(result: subprocess.CompletedProcess) -> list[str]:
    return (result.stdout + result.stderr).splitlines()


def test_a_night_of_files_the_sdk_reads_whole_exits_0_and_publishes(fixture_runs):
    folder, _, _, _, good, _ = fixture_runs
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-3000:]
    assert not [line for line in lines(good)
                if line.startswith(("partial", "quarantined", "unreadable", "expectation failed",
                                    "error", "held back"))]
    published = folder / "data" / "published" / PUBLISHED_FILE
    for mart in MARTS:
        assert query(published, f"SELECT count(*) FROM marts.{mart}")[0][0] > 0, mart  # noqa: S608


def test_each_broken_file_is_named_with_its_reason_and_the_night_still_publishes(fixture_runs):
    folder, fit_root, _, broken, _, result = fixture_runs
    assert broken, "the SDK finds no broken fixture: the test would prove nothing"
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    named = {}
    for line in lines(result):
        word, _, rest = line.partition(" ")
        if word in ("partial", "quarantined", "unreadable"):
            path, _, reason = rest.partition(": ")
            named[Path(path)] = (word, reason)
    expected = {folder / "fit" / p.relative_to(fit_root) for p in broken}
    assert set(named) == expected
    for path, (_, reason) in named.items():
        assert len(reason) > 10, (path, reason)
    # Nothing else made it exit 1: every expectation passed and the build published.
    assert not [line for line in lines(result)
                if line.startswith(("expectation failed", "error", "held back"))]
    warehouse = folder / "data" / "w.duckdb"
    run = query(warehouse, "SELECT status, expectations_failed, rows_published "
                           "FROM marts.pipeline_runs ORDER BY started_at DESC LIMIT 1")[0]
    assert run[0] == "completed_with_errors" and not run[1] and run[2] > 0
    failed = query(warehouse, "SELECT count(*) FROM marts.validation_results "
                              "WHERE NOT success")[0][0]
    assert failed == 0


def test_every_readable_file_loads_the_records_garmins_sdk_reads(fixture_runs):
    """Per file, raw.fit_records holds as many records as the SDK reads (up to the fault of
    a broken file); a file the SDK reads nothing from is quarantined."""
    folder, fit_root, files, _, _, _ = fixture_runs
    warehouse = folder / "data" / "w.duckdb"
    loaded = dict(query(warehouse, """
        SELECT p.path, count(r.source_sha256)
        FROM raw.source_paths p JOIN raw.source_files f
          ON f.athlete_id = p.athlete_id AND f.sha256 = p.sha256
        LEFT JOIN raw.fit_records r
          ON r.athlete_id = p.athlete_id AND r.source_sha256 = p.sha256
        WHERE f.status IN ('loaded', 'partial')
        GROUP BY p.path"""))
    checked = 0
    for path in files:
        sdk = sdk_read(path.read_bytes())
        if any(SDK_LIMITATION in e.lower() for e in sdk.errors):
            continue
        linked = str(folder / "fit" / path.relative_to(fit_root))
        if sdk.data_messages == 0:
            assert linked not in loaded, path
            continue
        assert loaded.get(linked) == sdk.records, (path, loaded.get(linked), sdk.records)
        checked += 1
    assert checked >= 30


def test_the_cronometer_days_are_published_with_their_hand_summed_protein(fixture_runs):
    """Each day of the real Cronometer servings export, summed here with the csv module,
    equals the published day's protein."""
    import csv
    from collections import defaultdict

    folder = fixture_runs[0]
    totals: dict[str, float] = defaultdict(float)
    with (NUTRITION / "cronometer" / "servings.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row.get("Protein (g)"):
                totals[row["Day"]] += float(row["Protein (g)"])
    published = dict(query(folder / "data" / "published" / PUBLISHED_FILE,
                           "SELECT CAST(local_date AS VARCHAR), protein_g "
                           "FROM marts.daily_nutrition WHERE protein_g IS NOT NULL"))
    assert totals and set(totals) <= set(published)
    for day, grams in totals.items():
        assert published[day] == pytest.approx(grams, abs=1e-6), day


def test_a_night_of_the_wellness_fit_files_loads_each_through_the_decoding_workers(
        tmp_path: Path, prefect_server: str) -> None:
    """The wellness FIT files (an activity with RR intervals, sleep, HRV status, monitoring,
    weight) under `fit_paths`, decoded by the worker processes as every night: the night
    ends (a worker once hung sending the RR table back), exits 0 and loads each file, with
    as many RR messages as Garmin's SDK reads."""
    from garmin_fit_sdk import Decoder, Stream

    fit_root = require_wellness_fixtures() / "fit"
    files = fixture_files(fit_root)
    (tmp_path / "fit").mkdir()
    for path in files:
        (tmp_path / "fit" / path.name).symlink_to(path)
    (tmp_path / "musclebalance.toml").write_text(
        athlete_config("wellness", sex="female", birth_year=1990, height_cm=168, weight_kg=60))
    result = run_cli(tmp_path, prefect_server)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warehouse = tmp_path / "data" / "w.duckdb"
    statuses = query(warehouse, "SELECT status FROM raw.source_files")
    assert sorted(statuses) == [("loaded",)] * len(files)
    rr = fit_root / "synthetic_activity_with_hrv.fit"
    messages, errors = Decoder(Stream.from_byte_array(bytearray(rr.read_bytes()))).read()
    assert not errors and messages["hrv_mesgs"]
    stored = query(warehouse, "SELECT count(*) FROM raw.fit_hrv")[0][0]
    assert stored == len(messages["hrv_mesgs"])


def test_the_reference_decoder_publishes_the_same_marts(fixture_runs, tmp_path: Path,
                                                        prefect_server: str) -> None:
    """The same night with `--decoder fitparse` (the reference) in a folder of its own: the
    same files named, and every published mart holds the same rows, value for value, as
    the night decoded by the fast decoder (the rows of a file that repeats a timestamp are
    taken in file order, however the warehouse returns them)."""
    folder, _, _, _, good, fast = fixture_runs  # fast: the second night, files added
    (tmp_path / "fit").symlink_to(folder / "fit", target_is_directory=True)
    (tmp_path / "musclebalance.toml").write_text((folder / "musclebalance.toml").read_text())
    reference = run_cli(tmp_path, prefect_server, "--decoder", "fitparse")
    assert reference.returncode == fast.returncode == 1, reference.stderr[-3000:]

    def named(result: subprocess.CompletedProcess) -> list[str]:
        return sorted(line.replace(str(tmp_path), str(folder)) for line in lines(result)
                      if line.startswith(("partial", "quarantined", "nulled", "distance")))

    assert named(reference) == sorted(named(good) + named(fast))  # one night, not two
    mine = folder / "data" / "published" / PUBLISHED_FILE
    theirs = tmp_path / "data" / "published" / PUBLISHED_FILE
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{mine}' AS fast (READ_ONLY)")
        con.execute(f"ATTACH '{theirs}' AS reference (READ_ONLY)")
        for mart in MARTS:
            rows = con.execute(f"SELECT count(*) FROM fast.marts.{mart}").fetchone()[0]  # noqa: S608
            assert rows > 0, mart
            for a, b in (("fast", "reference"), ("reference", "fast")):
                only = con.execute(f"SELECT count(*) FROM (FROM {a}.marts.{mart} "  # noqa: S608
                                   f"EXCEPT ALL FROM {b}.marts.{mart})").fetchone()[0]
                assert only == 0, f"{mart}: {only} of {rows} rows only in the {a} night"
