"""The night's verdict in the Prefect UI: two artifacts on the run of every nightly (and
backfill) flow, read from the published DuckDB file after the build published it.

- `musclebalance-verdict` (markdown): per configured athlete, the last 7 days' score,
  band, data completeness and main reason (a day without a score shows "–" and what was
  missing), whether the athlete was held back by failed checks, and the report's files.
- `musclebalance-week` (table): the same days as rows of WEEK_COLUMNS.

The text and rows are built from plain values (`verdict_markdown`, `week_rows`); the task
`publish_artifacts` reads the values and creates the artifacts, and a failure there is a
warning, never a failed run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.build import BuildSummary, held_back_text
from warehouse.scores import VERDICT_COLUMNS, recent_verdicts

MARKDOWN_KEY = "musclebalance-verdict"
TABLE_KEY = "musclebalance-week"
#: Days shown per athlete.
DAYS = 7
#: What a missing value shows in the markdown (an en dash).
NO_VALUE = "–"
#: The table artifact's columns: marts.daily_muscle_balance's, and the first reason.
WEEK_COLUMNS = VERDICT_COLUMNS

#: One athlete's days: dicts with the keys of WEEK_COLUMNS (warehouse.scores.recent_verdicts).
Days = Sequence[Mapping[str, object]]


def _cell(text: object) -> str:
    """A markdown table cell: `|` escaped, on one line."""
    return " ".join(str(text).split()).replace("|", "\\|")


def score_text(score: float | None) -> str:
    """The score 0-100 to 0.1 point, or "–" when there is none (too little data)."""
    return NO_VALUE if score is None else f"{score:.1f}"


def completeness_text(share: float | None) -> str:
    """The data completeness (0-1) as a whole percent."""
    return NO_VALUE if share is None else f"{share:.0%}"


def _athlete_section(athlete_id: str, days: Days, held_back: list[str] | None) -> list[str]:
    lines = [f"## {_cell(athlete_id)}", ""]
    if held_back is not None:
        lines += [f"**Held back**: checks failed on the rows of "
                  f"{_cell(held_back_text({athlete_id: held_back}))}; the days below are "
                  "those published before this run.", ""]
    if not days:
        return [*lines, "No days scored yet.", ""]
    lines += ["| day | score | band | data | main factor | main reason |",
              "|---|---:|---|---:|---|---|"]
    for day in days:
        local_date = day["local_date"]
        lines.append("| " + " | ".join(_cell(v) for v in (
            local_date.isoformat() if isinstance(local_date, date) else local_date,
            score_text(day["score"]), day["band"] or NO_VALUE,
            completeness_text(day["data_completeness"]), day["main_factor"] or NO_VALUE,
            day["main_reason"] or NO_VALUE)) + " |")
    return [*lines, ""]


def _report_lines(reports: Sequence[str], report_error: str | None) -> list[str]:
    if reports:
        return ["**Report**: " + ", ".join(f"`{_cell(r)}`" for r in reports)]
    if report_error:
        return [f"**Report**: not written: {_cell(report_error)}"]
    return ["**Report**: not written in this run."]


def verdict_markdown(days_by_athlete: Mapping[str, Days], held_back: Mapping[str, list[str]],
                     reports: Sequence[str], report_error: str | None) -> str:
    """The markdown artifact: a section per athlete (in the mapping's order) with a table
    of its days (oldest first), a held-back line for the athletes in `held_back` (with
    their failing days or weeks), then the report files written or why none was."""
    lines = [f"# Muscle balance, last {DAYS} days", ""]
    for athlete_id, days in days_by_athlete.items():
        lines += _athlete_section(athlete_id, days, held_back.get(athlete_id))
    return "\n".join([*lines, *_report_lines(reports, report_error)]) + "\n"


def week_rows(days_by_athlete: Mapping[str, Days]) -> list[dict[str, object]]:
    """The table artifact's rows: every athlete's days, the date as YYYY-MM-DD, the score
    rounded to 0.1 point and the completeness to 0.01 (nulls stay null)."""
    def rounded(value: object, digits: int) -> object:
        return None if value is None else round(float(value), digits)

    return [{**{c: day[c] for c in WEEK_COLUMNS},
             "local_date": str(day["local_date"]),
             "score": rounded(day["score"], 1),
             "data_completeness": rounded(day["data_completeness"], 2)}
            for days in days_by_athlete.values() for day in days]


def read_days(published: Path, athlete_ids: Sequence[str]) -> dict[str, list[dict[str, object]]]:
    """Each athlete's last DAYS days from the published DuckDB file."""
    from warehouse.connection import connect

    with connect(published, read_only=True) as con:
        return {a: recent_verdicts(con, a, DAYS) for a in athlete_ids}


@task(cache_policy=NO_CACHE)
def publish_artifacts(published: str, athlete_ids: list[str], held_back: dict[str, list[str]],
                      reports: list[str], report_error: str | None) -> int:
    """Create the markdown and table artifacts of the published file's last days for
    `athlete_ids`; returns how many were created. Any failure is logged (counts only) and
    not raised: the run has published all the same."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    logger = get_run_logger()
    created, days = 0, {}
    try:
        days = read_days(Path(published), athlete_ids)
        create_markdown_artifact(
            verdict_markdown(days, held_back, reports, report_error), key=MARKDOWN_KEY,
            description=f"Muscle-balance score of the last {DAYS} days per athlete")
        created += 1
        create_table_artifact(week_rows(days), key=TABLE_KEY,
                              description=f"marts.daily_muscle_balance, last {DAYS} days")
        created += 1
    except Exception as exc:  # noqa: BLE001 - the artifacts are a view; the run stands
        logger.warning("%d of 2 Prefect artifacts created for %d athletes (%d days): %s",
                       created, len(athlete_ids), sum(map(len, days.values())),
                       type(exc).__name__)
    return created


def publish_build_artifacts(athlete_ids: list[str], build: BuildSummary | None) -> int:
    """The artifacts of a build that published (none otherwise); returns how many."""
    if build is None or build.published is None:
        return 0
    return publish_artifacts(build.published, athlete_ids, build.held_back, build.reports,
                             build.report_error)
