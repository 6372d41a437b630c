"""The FIT decoder a user chooses (`--decoder`, `[ingest] decoder`), the files the fast
decoder hands to fitparse (counted, named, printed), and `ingest --verify-decoder`.

Whether the fast decoder is built or not, each case is forced here: the fast decoder is
replaced by one that raises, or by one that returns fitparse's frames (tampered or not).
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import Future
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

import transforms.fit_fast
from flows.cli import DecoderName, app
from flows.fit_worker import decode_file
from flows.sources import ArchiveLimits
from schemas.fit import DECODERS, DEFAULT_DECODER, DecodedFit
from synthetic import one_hour_run
from tests.helpers import require_fixtures
from transforms.fit_decode import decode_fit_fitparse

#: Two small real files fitparse reads whole (MANIFEST.tsv): a FR310XT run, 872 records,
#: and a FR110 run, 590 records.
REAL = ("fit4s/Standard.fit", "fitdecode/2013-02-06-12-11-14.fit")
#: What the replaced fast decoder raises: its text holds a value, which no output may show.
GAVE_UP = RuntimeError("heart rate 187 out of its range")


def _gives_up(data: bytes) -> DecodedFit:
    raise GAVE_UP


def _run_file(folder: Path) -> Path:
    path = folder / "run.fit"
    path.write_bytes(one_hour_run(datetime(2025, 3, 3, 7, tzinfo=UTC), duration_s=120).data)
    return path


def test_the_command_lines_decoders_are_the_decoders() -> None:
    assert get_args(DecoderName) == DECODERS
    assert DEFAULT_DECODER in DECODERS


def test_decode_file_uses_the_decoder_chosen(tmp_path: Path, monkeypatch) -> None:
    path = _run_file(tmp_path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setattr(transforms.fit_fast, "decode_fit_fast", _gives_up)

    fast = decode_file(str(path), "fit", ArchiveLimits(), sha, decoder="fast").decoded
    assert fast is not None and fast.record_count == 120  # one record a second
    assert (fast.decoded_by, fast.fallback) == ("fitparse", f"RuntimeError: {GAVE_UP}")

    chosen = decode_file(str(path), "fit", ArchiveLimits(), sha, decoder="fitparse").decoded
    assert chosen is not None and chosen.record_count == 120
    assert (chosen.decoded_by, chosen.fallback) == ("fitparse", None)  # fast never asked


class _InProcessPool:
    """Stands in for the decoding pool: decodes each file at once in this process, with
    what the test put in place of the fast decoder (the product's workers start from a
    fork server and would import the real one; a fork of a process running a Prefect flow
    can hang on a lock another thread held)."""

    def __enter__(self) -> _InProcessPool:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def first_done(self, pending) -> set[Future]:
        return set(pending)


def test_a_file_fitparse_read_after_the_fast_decoder_gave_up_is_counted_and_printed(
        tmp_path: Path, monkeypatch, capsys, prefect_server: str) -> None:
    from flows.console import print_ingest
    from flows.ingest import ingest_fit_flow
    from flows.settings import AthleteInputs

    path = _run_file(tmp_path)
    monkeypatch.setattr(transforms.fit_fast, "decode_fit_fast", _gives_up)
    monkeypatch.setattr("flows.ingest.decoding_pool", lambda workers: _InProcessPool())

    def ingest(warehouse: str, decoder: str):
        (summary,) = ingest_fit_flow(warehouse=str(tmp_path / warehouse),
                                     athletes=[AthleteInputs("runner", (str(path),))],
                                     workers=1, decoder=decoder)
        return summary

    by_fitparse = ingest("a.duckdb", "fitparse")
    assert (by_fitparse.loaded, by_fitparse.records, by_fitparse.fallbacks) == (1, 120, [])
    after_fast = ingest("b.duckdb", "fast")
    assert (after_fast.loaded, after_fast.records) == (1, 120)  # loaded all the same
    assert after_fast.fallbacks == [(str(path), "RuntimeError")]
    assert after_fast.ok

    capsys.readouterr()
    print_ingest([after_fast], [])
    printed = capsys.readouterr().err
    assert ("1 file(s) of runner read by fitparse after the fast decoder gave up (they are "
            "loaded; send them to us") in printed
    assert f"{path} (RuntimeError)" in printed
    assert "187" not in printed


def _cli(*args: str):
    return CliRunner().invoke(app, ["ingest", *args], catch_exceptions=False)


def _real_files() -> list[str]:
    folder = require_fixtures()
    return [str(folder / name) for name in REAL]


def _fit_args(paths: list[str]) -> list[str]:
    return [arg for p in paths for arg in ("--fit", p)] + ["--athlete", "me"]


def test_verify_decoder_passes_when_the_decoders_agree(monkeypatch, tmp_path: Path) -> None:
    paths = _real_files()
    monkeypatch.setattr(transforms.fit_fast, "decode_fit_fast", decode_fit_fitparse)
    monkeypatch.chdir(tmp_path)  # no config here: --fit and --athlete say it all

    result = _cli("--verify-decoder", *_fit_args(paths))
    assert result.exit_code == 0, result.output
    assert "2 FIT file(s) compared: 2 the same, 0 different" in result.output
    assert "differs" not in result.output
    assert not (tmp_path / "data").exists()  # it loads nothing


def test_verify_decoder_names_where_a_file_differs_and_exits_1(monkeypatch,
                                                                tmp_path: Path) -> None:
    standard, other = _real_files()
    standard_bytes = Path(standard).read_bytes()

    def tampered(data: bytes) -> DecodedFit:
        decoded = decode_fit_fitparse(data)
        if data != standard_bytes:
            return decoded
        records = decoded.tables["fit_records"]
        row7 = pl.int_range(pl.len()) == 7
        frame = records.with_columns(
            pl.when(row7).then(pl.lit(4321.5)).otherwise(pl.col("distance_m"))
            .alias("distance_m"))
        return replace(decoded, tables={**decoded.tables, "fit_records": frame})

    monkeypatch.setattr(transforms.fit_fast, "decode_fit_fast", tampered)
    monkeypatch.chdir(tmp_path)
    result = _cli("--verify-decoder", *_fit_args([standard, other]))
    assert result.exit_code == 1, result.output
    sha = hashlib.sha256(standard_bytes).hexdigest()
    assert f"differs {standard} (sha256 {sha[:16]}):" in result.output
    assert "fit_records.distance_m rows 7 (1 rows differ)" in result.output
    assert "2 FIT file(s) compared: 1 the same, 1 different" in result.output
    assert "4321" not in result.output

    monkeypatch.setattr(transforms.fit_fast, "decode_fit_fast", _gives_up)
    result = _cli("--verify-decoder", *_fit_args([other]))
    assert result.exit_code == 1, result.output
    assert "the fast decoder gave up (RuntimeError)" in result.output
    assert "187" not in result.output


def test_verify_decoder_reads_no_nutrition() -> None:
    result = CliRunner().invoke(app, ["ingest", "--verify-decoder", "--nutrition", "x.csv",
                                      "--athlete", "me"])
    assert result.exit_code == 2
    assert "--verify-decoder reads FIT files only" in result.output


class _Called(Exception):
    """Raised by the stand-in flows below, with the parameters the command gave them."""


@pytest.mark.parametrize(("command", "flow_name"), [("run", "nightly"), ("backfill", "backfill")])
def test_run_and_backfill_hand_the_decoder_to_their_flow(command: str, flow_name: str,
                                                         tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "fit").mkdir()
    config = tmp_path / "musclebalance.toml"
    config.write_text('[warehouse]\npath = "w.duckdb"\n\n[[athletes]]\nid = "me"\n'
                      'timezone = "UTC"\nsex = "male"\nbirth_year = 1985\nheight_cm = 180\n'
                      'fit_paths = ["fit"]\n')

    def flow(**parameters):
        raise _Called(parameters)

    monkeypatch.setattr(f"flows.nightly.{flow_name}_flow", flow)
    result = CliRunner().invoke(app, [command, "--config", str(config), "--decoder",
                                      "fitparse"])
    assert isinstance(result.exception, _Called), result.output
    assert result.exception.args[0]["decoder"] == "fitparse"

    result = CliRunner().invoke(app, [command, "--config", str(config), "--decoder", "turbo"])
    assert result.exit_code == 2
    assert "'turbo'" in result.output and "--decoder" in result.output


def test_status_shows_a_runs_files_read_by_fitparse(tmp_path: Path, monkeypatch,
                                                      prefect_server: str) -> None:
    """The ingest command records the files fitparse read after the fast decoder gave up in
    its run's row; `status` shows that count beside the partial files."""
    import duckdb

    from warehouse.status import recent_runs

    path = _run_file(tmp_path)
    monkeypatch.setattr(transforms.fit_fast, "decode_fit_fast", _gives_up)
    monkeypatch.setattr("flows.ingest.decoding_pool", lambda workers: _InProcessPool())
    monkeypatch.chdir(tmp_path)
    result = _cli("--fit", str(path), "--athlete", "me")
    assert result.exit_code == 0, result.output
    (warehouse,) = tmp_path.glob("data/*.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (run,) = recent_runs(con)
    assert run[1:6] == ("ingest", "completed", 1, 0, 1)  # loaded 1, partial 0, by fitparse 1
    wide = Console(file=io.StringIO(), width=300, color_system=None)
    monkeypatch.setattr("flows.console.out", wide)  # the tables whole, whatever the terminal
    shown = CliRunner().invoke(app, ["status"])
    assert shown.exit_code == 0, shown.output
    lines = wide.file.getvalue().splitlines()
    header = next(line for line in lines if "started (UTC)" in line)
    assert "partial" in header and "by fitparse" in header
    row = next(line for line in lines if " ingest " in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[1:6] == ["ingest", "completed", "1", "0", "1"]
