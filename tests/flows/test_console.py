"""flows/console.py: the one mapping of an exception to what a person reads and the exit
code (`describe_failure`, used by the CLI, the demo and serve), how a command prints it, and
the module layout that keeps the output code apart from the commands (no import cycle
between flows/cli.py and flows/demo.py)."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console

from flows.build import AthletesHeldBack, BuildSummary, ExpectationsFailed, Failure
from flows.console import (
    describe_failure,
    guarded,
    recovery_table,
    report_failure,
    weekly_table,
    weight_text,
)
from flows.demo import DemoError
from flows.nightly import NightlySummary, RunExpectationsFailed
from flows.runtime import RunSummary
from tests.helpers import REPO
from warehouse.connection import WarehouseBusy, WarehouseInUse
from warehouse.diskfull import DiskFull

WAREHOUSE = Path("/data/w.duckdb")


def _failure(observed: object = None, count: int | None = 2) -> Failure:
    return Failure("daily_energy", "expect_column_values_to_be_between", "weight_kg", count,
                   observed, None, ("/fit/a.fit",))


def _held_back_build() -> BuildSummary:
    return BuildSummary(rows={"daily_energy": 3}, seconds=1.0, expectations_failed=1,
                        rows_published=3, held_back={"b": ["2026-03-11", "2026-03-12"]})


# -- the import cycle is gone -------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("module", ["demo", "console", "serve"])
def test_no_module_the_cli_uses_imports_the_cli(module: str) -> None:
    imported = _imports(REPO / "flows" / f"{module}.py")  # `from flows import cli` too
    assert not any(i == "flows.cli" or i.startswith("flows.cli.") for i in imported), imported


@pytest.mark.flow  # a fresh interpreter importing the flows (and Prefect)
def test_the_demo_imports_without_the_cli_in_a_fresh_interpreter() -> None:
    code = ("import sys\nimport flows.demo\nimport flows.console\nimport flows.serve\n"
            "print('flows.cli' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_cli_holds_the_commands_not_the_output_code() -> None:
    """The tables and problem lines moved to flows/console.py: cli.py is the commands."""
    cli = (REPO / "flows" / "cli.py").read_text(encoding="utf-8")
    assert "Table(" not in cli and "def _print" not in cli
    assert len(cli.splitlines()) < 700


# -- units ------------------------------------------------------------------------------

#: A week as `warehouse.scores.recent_weeks` gives it: 1.8 g/kg is 1.8 x 0.45359237 =
#: 0.8165 g/lb; 70.0 kg is 70 / 0.45359237 = 154.32 lb.
WEEK = ("2026-W10", 81.5, "low", 74.2, 78.3, "better", 42.0, 1.8, 1.8 * 0.45359237, 70.0, 2,
        "protein 1.4 g/kg")


def _rendered(table) -> tuple[list[str], list[str]]:
    """The header cells and the first row's cells of a printed table."""
    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(table)
    lines = [line.split() for line in console.file.getvalue().splitlines() if line.strip()]
    header = next(line for line in lines if line[0] == "week")
    row = next(line for line in lines if line[0] == WEEK[0])
    return header, row


def test_the_weekly_table_in_metric_units_is_kg_and_g_per_kg_only() -> None:
    header, row = _rendered(weekly_table([WEEK]))
    assert header[:10] == ["week", "score", "risk", "worst", "28", "d", "trend", "run", "km",
                           "g/kg"]
    assert header[10:12] == ["kg", "lifts"] and "g/lb" not in header and "lb" not in header
    assert row[:10] == ["2026-W10", "81.5", "low", "74.2", "78.3", "better", "42", "1.8",
                        "70.0", "2"]


def test_the_weekly_table_in_imperial_units_adds_g_per_lb_and_weight_in_lb() -> None:
    header, row = _rendered(weekly_table([WEEK], "imperial"))
    assert header[9:13] == ["g/kg", "g/lb", "lb", "lifts"]
    assert row[7:11] == ["1.8", "0.82", "154.3", "2"]
    assert weight_text(70.0, "imperial") == f"{70.0 / 0.45359237:.1f}" == "154.3"
    assert weight_text(70.0, "metric") == "70.0"
    assert weight_text(None, "imperial") == "-"


# -- describe_failure -----------------------------------------------------------------


def test_a_refused_demo_exits_2_with_its_message() -> None:
    report = describe_failure(DemoError("--weeks must be at least 16"))
    assert (report.code, report.message, report.expected) == (
        2, "--weeks must be at least 16", True)


def test_a_busy_warehouse_is_skipped_by_serve_and_exits_1() -> None:
    report = describe_failure(WarehouseBusy("w.duckdb: another run"), WAREHOUSE)
    assert (report.code, report.outcome, report.message) == (1, "skipped",
                                                             "w.duckdb: another run")
    assert report.brief == ("another musclebalance run holds the warehouse (WarehouseBusy); "
                            "waiting for the next fire time")


def test_a_warehouse_open_elsewhere_fails_the_night() -> None:
    report = describe_failure(WarehouseInUse("w.duckdb: in use"))
    assert (report.code, report.outcome, report.message) == (1, "failed", "w.duckdb: in use")
    assert "open in another process" in report.brief


def test_a_full_disk_is_one_unwrapped_line(tmp_path: Path) -> None:
    exc = DiskFull(tmp_path / "w.duckdb", 2_600_000, "writing the warehouse", "nothing lost")
    report = describe_failure(exc)
    assert report.code == 1 and report.one_line and report.message == str(exc)
    assert "2.6 MB" in report.message  # 2,600,000 bytes in decimal megabytes


def test_failed_expectations_exit_1_by_count_never_by_value() -> None:
    exc = ExpectationsFailed([_failure(observed=412.5), _failure()])
    report = describe_failure(exc, WAREHOUSE)
    assert report.code == 1 and report.ingested is None
    assert report.message == ("2 expectations failed: nothing was published; the marts in "
                              "/data/w.duckdb are as before (details: musclebalance status)")
    assert report.brief == ("ExpectationsFailed: 2 expectations failed; nothing was "
                            "published (details: musclebalance status)")
    assert len(report.details) == 2
    assert report.details[1] == ("marts.daily_energy: expect_column_values_to_be_between "
                                 "(weight_kg): 2 rows failed; source files: /fit/a.fit "
                                 "(remove or fix them, or run `musclebalance forget FILE`)")
    assert "412" not in report.brief


def test_a_night_that_held_athletes_back_is_reported_failed_naming_them() -> None:
    held = AthletesHeldBack([_failure()], _held_back_build())
    report = describe_failure(held, WAREHOUSE)
    assert report.outcome == "failed" and report.code == 1
    assert report.brief == ("AthletesHeldBack: 1 expectations failed on rows of 1 athletes: b "
                            "(2026-03-11, 2026-03-12) held back (their published rows are as "
                            "before); the other athletes were published (details: "
                            "musclebalance status)")
    assert report.message == ("1 expectations failed on rows of some athletes: held back b "
                              "(2026-03-11, 2026-03-12); they keep their previously "
                              "published marts in /data/w.duckdb, every other athlete was "
                              "published (details: musclebalance status)")


def test_a_nightly_failure_carries_its_ingest_as_a_declared_attribute() -> None:
    summary = NightlySummary(fit=[RunSummary("a", loaded=2)], build=_held_back_build())
    failed = RunExpectationsFailed(AthletesHeldBack([_failure()], summary.build), summary)
    assert isinstance(failed, ExpectationsFailed) and failed.build is summary.build
    report = describe_failure(failed, WAREHOUSE)
    assert report.ingested is summary
    assert report.brief.startswith("AthletesHeldBack: 1 expectations failed on rows of 1 ")
    nothing = describe_failure(RunExpectationsFailed(ExpectationsFailed([_failure()]),
                                                     NightlySummary()))
    assert nothing.brief.startswith("ExpectationsFailed: 1 expectations failed; nothing")


def test_an_unknown_error_is_its_type_and_first_line_cut_at_200() -> None:
    report = describe_failure(RuntimeError("x" * 300 + "\nsecond line"))
    assert not report.expected and report.code == 1
    assert report.brief == "RuntimeError: " + "x" * 197 + "..."
    assert describe_failure(KeyError()).brief == "KeyError"


# -- how a command prints it ------------------------------------------------------------


def test_report_failure_prints_each_expectation_then_the_error(capsys) -> None:
    exit_ = report_failure(describe_failure(ExpectationsFailed([_failure()]), WAREHOUSE))
    assert isinstance(exit_, typer.Exit) and exit_.exit_code == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("expectation failed: marts.daily_energy: ")
    error = lines.index(next(line for line in lines if line.startswith("error: ")))
    # the error may wrap at the console's width (80 where another test set COLUMNS)
    assert " ".join(line.strip() for line in lines[error:]) == (
        "error: 1 expectations failed: nothing was published; the marts in "
        "/data/w.duckdb are as before (details: musclebalance status)")


def test_guarded_exits_for_known_errors_and_lets_bugs_through(capsys) -> None:
    def busy():
        raise WarehouseBusy("w.duckdb: another run")

    with pytest.raises(typer.Exit) as stopped:
        guarded(busy, WAREHOUSE)
    assert stopped.value.exit_code == 1
    assert capsys.readouterr().err == "error: w.duckdb: another run\n"
    with pytest.raises(ZeroDivisionError):
        guarded(lambda: 1 / 0, WAREHOUSE)
    assert guarded(lambda: 42) == 42


def test_the_recovery_table_marks_default_windows_and_low_hrv() -> None:
    from datetime import date

    rows = [(date(2024, 3, 2), 7.38, True, 47.0, 1.25, 62.5, -3.04, True, 71.6, 60.8),
            (date(2024, 3, 3), 8.0, False, None, None, None, None, None, None, None)]
    console = Console(file=io.StringIO(), width=120)
    console.print(recovery_table("me", rows))
    text = console.file.getvalue()
    # 7.38 h measured shows 7.4; a default window of 8 h shows ~8.0; +1.25 bpm shows +1.2
    # (Python rounds half to even at 1.25: f"{1.25:+.1f}" is +1.2); -3.04 ms below: -3.0 low
    lines = {line.split()[0]: line.split() for line in text.splitlines()
             if line.strip().startswith("2024-")}
    assert lines["2024-03-02"] == ["2024-03-02", "7.4", "47", "+1.2", "62", "-3.0", "low",
                                   "71.6", "60.8"]
    assert lines["2024-03-03"] == ["2024-03-03", "~8.0", "-", "-", "-", "-", "-", "-"]
    assert "Recovery of me, last 2 days" in text
