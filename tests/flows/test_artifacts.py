"""The nightly run's Prefect artifacts: the builder on hand-made days, and a real nightly run
under the session's Prefect test server whose artifacts are read back through the client
and compared with the published marts read here with duckdb."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.artifacts import MARKDOWN_KEY, TABLE_KEY, verdict_markdown, week_rows
from tests.helpers import SPAN_START, SYNTHETIC_CONFIG, athlete_config, write_synthetic_span

A_DAY = {"athlete_id": "ana", "local_date": date(2026, 3, 9), "score": 72.349,
         "band": "low", "main_factor": "protein", "data_completeness": 0.876,
         "main_reason": "protein 1.3 g/kg/day (7-day mean) vs target 1.6"}
NO_SCORE = {"athlete_id": "ana", "local_date": date(2026, 3, 10), "score": None,
            "band": None, "main_factor": None, "data_completeness": 0.2,
            "main_reason": "too little data: no food logged"}
HELD = {"athlete_id": "bo|b", "local_date": date(2026, 3, 8), "score": 48.96,
        "band": "high", "main_factor": "energy", "data_completeness": 1.0,
        "main_reason": "energy balance -900 kcal/day"}


def test_the_markdown_shows_each_day_a_null_score_a_held_back_athlete_and_no_report() -> None:
    text = verdict_markdown({"ana": [A_DAY, NO_SCORE], "bo|b": [HELD], "cy": []},
                            {"bo|b": ["2026-03-08"]}, [], None)
    lines = text.splitlines()
    assert lines[0] == "# Muscle balance, last 7 days"
    assert ("| 2026-03-09 | 72.3 | low | 88% | protein | protein 1.3 g/kg/day (7-day mean) "
            "vs target 1.6 |") in lines
    assert "| 2026-03-10 | – | – | 20% | – | too little data: no food logged |" in lines
    assert "## bo\\|b" in lines  # a pipe in an id cannot break the table
    assert "| 2026-03-08 | 49.0 | high | 100% | energy | energy balance -900 kcal/day |" in lines
    held = lines.index("## bo\\|b") + 2
    assert lines[held].startswith("**Held back**: checks failed on the rows of bo\\|b "
                                  "(2026-03-08)")
    assert lines[lines.index("## cy") + 2] == "No days scored yet."
    assert sum(line.startswith("**Held back**") for line in lines) == 1
    assert lines[-1] == "**Report**: not written in this run."


def test_the_markdown_names_the_report_files_or_why_there_are_none() -> None:
    days = {"ana": [A_DAY]}
    written = verdict_markdown(days, {}, ["/r/report/ana.html", "/r/report/index.html"], None)
    assert written.splitlines()[-1] == ("**Report**: `/r/report/ana.html`, "
                                        "`/r/report/index.html`")
    failed = verdict_markdown(days, {}, [], "disk full")
    assert failed.splitlines()[-1] == "**Report**: not written: disk full"


def test_the_table_rows_are_every_athletes_days_rounded_with_nulls_kept() -> None:
    assert week_rows({"ana": [A_DAY, NO_SCORE], "bo|b": [HELD], "cy": []}) == [
        {**A_DAY, "local_date": "2026-03-09", "score": 72.3, "data_completeness": 0.88},
        {**NO_SCORE, "local_date": "2026-03-10", "data_completeness": 0.2},
        {**HELD, "local_date": "2026-03-08", "score": 49.0, "data_completeness": 1.0},
    ]


def test_a_build_that_published_nothing_has_no_artifacts() -> None:
    from flows.artifacts import publish_build_artifacts
    from flows.build import BuildSummary

    # without a published file no task starts (one would start Prefect, refused here)
    assert publish_build_artifacts(["ana"], None) == 0
    assert publish_build_artifacts(["ana"], BuildSummary(rows={}, seconds=1.0)) == 0


# -- a real nightly run ------------------------------------------------------------------

ATHLETES = ("demo", "food-only")
FOOD_ONLY = ATHLETES[1]
#: The servings export's rows from the second generated week on start with this day.
SECOND_WEEK = (SPAN_START + timedelta(days=7)).isoformat()

@pytest.fixture(scope="module")
def nightly_artifacts(tmp_path_factory, prefect_server: str):
    """One nightly run on two generated weeks; its flow run id and artifacts by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.nightly import nightly_flow

    folder = tmp_path_factory.mktemp("artifacts")
    write_synthetic_span(folder, 2)
    # a second athlete who logged food in the second week only and has no watch files
    servings = (folder / "food" / "servings.csv").read_text().splitlines(keepends=True)
    (folder / "food2").mkdir()
    (folder / "food2" / "servings.csv").write_text(
        "".join([servings[0], *(s for s in servings[1:] if s >= SECOND_WEEK)]))
    (folder / "fit2").mkdir()
    second = athlete_config(FOOD_ONLY, sex="male", birth_year=1985, height_cm=180,
                            weight_kg=75, nutrition="food2")
    (folder / "musclebalance.toml").write_text(
        SYNTHETIC_CONFIG + second[second.index("[[athletes]]"):].replace(
            'fit_paths = ["fit"]', 'fit_paths = ["fit2"]'))
    state = nightly_flow(config=str(folder / "musclebalance.toml"), return_state=True)
    flow_run_id = state.state_details.flow_run_id

    async def read() -> list:
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))

    artifacts = asyncio.run(read())
    return folder, state, {a.key: a for a in artifacts}


def published_week(folder: Path, athlete_id: str) -> list[tuple]:
    """The athlete's last 7 days of marts.daily_muscle_balance in the readers' file, oldest
    first."""
    with duckdb.connect(str(folder / "data" / "published" / "musclebalance.duckdb"),
                        read_only=True) as con:
        return con.execute(
            "SELECT athlete_id, local_date, score, band, main_factor, data_completeness, "
            "reasons FROM marts.daily_muscle_balance WHERE athlete_id = ? "
            "ORDER BY local_date DESC LIMIT 7", [athlete_id]).fetchall()[::-1]


def section(lines: list[str], athlete_id: str) -> list[str]:
    """The markdown lines of one athlete: from its heading to the next heading or the
    report line."""
    start = lines.index(f"## {athlete_id}") + 1
    end = next(i for i in range(start, len(lines))
               if lines[i].startswith(("## ", "**Report**")))
    return lines[start:end]


def main_reason(score: float | None, reasons: str) -> str:
    """A scored day shows its first reason, a day without a score all (what was missing)."""
    return reasons if score is None else reasons.split("; ")[0]


def test_a_nightly_run_publishes_both_artifacts_on_its_flow_run(nightly_artifacts) -> None:
    _, state, artifacts = nightly_artifacts
    assert state.is_completed()
    assert set(artifacts) == {MARKDOWN_KEY, TABLE_KEY}
    assert (artifacts[MARKDOWN_KEY].type, artifacts[TABLE_KEY].type) == ("markdown", "table")


def test_the_markdown_holds_each_athletes_published_last_seven_days(nightly_artifacts
                                                                    ) -> None:
    folder, state, artifacts = nightly_artifacts
    lines = artifacts[MARKDOWN_KEY].data.splitlines()
    for athlete_id in ATHLETES:
        week = published_week(folder, athlete_id)
        assert len(week) == 7
        rows = [line for line in section(lines, athlete_id) if line.startswith("| 2026-")]
        assert len(rows) == 7
        for line, (_, day, score, band, factor, completeness, reasons) in zip(
                rows, week, strict=True):
            assert [c.strip() for c in line.strip("|").split(" | ")] == [
                day.isoformat(), "–" if score is None else f"{score:.1f}", band or "–",
                f"{completeness:.0%}", factor or "–", main_reason(score, reasons)]
    # the athlete without watch files has no score: "–" and what was missing
    food_only = published_week(folder, FOOD_ONLY)
    assert all(score is None for _, _, score, *_ in food_only)
    assert all("not enough data" in reasons for *_, reasons in food_only)
    assert not any(line.startswith("**Held back**") for line in lines)
    build = state.result().build  # the report files the build wrote, or why none
    reports = folder / "data" / "published" / "report"
    assert all(Path(r).parent == reports for r in build.reports)
    assert lines[-1] == (
        "**Report**: " + ", ".join(f"`{r}`" for r in build.reports) if build.reports
        else f"**Report**: not written: {build.report_error}" if build.report_error
        else "**Report**: not written in this run.")


def test_the_table_rows_equal_the_published_rows(nightly_artifacts) -> None:
    import json

    folder, _, artifacts = nightly_artifacts
    data = artifacts[TABLE_KEY].data
    rows = json.loads(data) if isinstance(data, str) else data
    assert rows == [
        {"athlete_id": athlete, "local_date": day.isoformat(),
         "score": None if score is None else round(score, 1), "band": band,
         "main_factor": factor, "data_completeness": round(completeness, 2),
         "main_reason": main_reason(score, reasons)}
        for athlete_id in ATHLETES
        for athlete, day, score, band, factor, completeness, reasons in published_week(
            folder, athlete_id)]


def test_an_artifact_that_cannot_be_created_does_not_fail_the_run(
    nightly_artifacts, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import prefect.artifacts
    from prefect import flow

    from flows.artifacts import publish_artifacts

    def refused(*args, **kwargs):
        raise RuntimeError("the API refused it")

    @flow
    def artifacts_only(published: str) -> int:
        return publish_artifacts(published, list(ATHLETES), {}, [], None)

    folder, _, _ = nightly_artifacts
    monkeypatch.setattr(prefect.artifacts, "create_table_artifact", refused)
    published = folder / "data" / "published" / "musclebalance.duckdb"
    state = artifacts_only(str(published), return_state=True)
    assert state.is_completed() and state.result() == 1  # the markdown, not the table
    missing = artifacts_only(str(folder / "nothing.duckdb"), return_state=True)
    assert missing.is_completed() and missing.result() == 0
