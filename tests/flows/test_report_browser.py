"""The report in a real browser (headless Chromium, network blocked, tests/browser.py).

The demo's report: every view drawn (SVG mark paths with a path, read from the DOM), no
console error, no request leaving the file, and the 14-day and 8-week tables showing the
published marts' values. Screenshots of the page and of each view go to the test's folder;
with MB_RECORD_SCREENSHOTS=1 the views' PNGs are also written to docs/report/ (docs/report.md
shows them).

Athletes without food logs or without watch data: built through the real ingest and build,
their reports render without errors and the views lacking data say which source is missing
and draw nothing (no zeros in their place).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.build import build_flow
from flows.ingest import ingest_fit_flow
from flows.nutrition_ingest import ingest_nutrition_flow
from flows.settings import AthleteInputs, NutritionInputs, NutritionSourceSpec
from schemas.config import config_from_dict
from synthetic import SyntheticAthlete, generate_athlete_files, generate_nutrition_exports
from tests.browser import OpenedPage, open_offline
from tests.helpers import REPO, DemoRun
from warehouse.publish import published_dir

#: The report's views, in page order (`<section id="view-NAME">`).
VIEWS = ("score", "protein", "energy", "weight", "training", "recovery")
#: SVG paths of drawn marks (lines, areas, bars and points) inside a chart.
MARK_PATHS = ("svg .mark-line path, svg .mark-area path, svg .mark-rect path, "
              "svg .mark-symbol path")
#: What a table cell of a null value shows (an en dash).
NULL_SHOWN = "\u2013"
#: Rows of the report's tables: days and ISO weeks.
DAYS_SHOWN = 14
WEEKS_SHOWN = 8
#: Set to 1 to write each view's screenshot of the demo to docs/report/<view>.png.
RECORD_ENV = "MB_RECORD_SCREENSHOTS"
#: Largest PNG of a view (the aim is under 150 KB: they are committed to docs/report/).
SCREENSHOT_MAX_BYTES = 200_000

START = date(2026, 3, 2)  # a Monday
WEEKS = 3
NO_FOOD = SyntheticAthlete(athlete_id="nofood")
NO_WATCH = SyntheticAthlete(athlete_id="nowatch", sex="male", weight_kg=72.0, height_cm=178.0)


# -- reading the page and the marts -------------------------------------------------------


def table_cells(opened: OpenedPage, table: str) -> dict[str, list[tuple[str, str | None, str]]]:
    """The rows of `#table` by their data-date or data-week: (column, decimals, shown text)
    of each `td[data-column]`, the text as the browser shows it (innerText)."""
    return dict(opened.page.evaluate("""(table) => [...document.querySelectorAll(
        `#${table} tr[data-date], #${table} tr[data-week]`)].map((tr) =>
        [tr.dataset.date ?? tr.dataset.week, [...tr.querySelectorAll("td[data-column]")].map(
            (td) => [td.dataset.column, td.dataset.decimals ?? null, td.innerText.trim()])])""",
        table))


def number(text: str) -> tuple[float, int] | None:
    """A shown number (thousands separated by commas) and its decimals; None if it is not
    a number."""
    digits = text.replace(",", "")
    try:
        return float(digits), len(digits.partition(".")[2])
    except ValueError:
        return None


def mismatch(value: object, decimals: str | None, text: str) -> bool:
    """Whether a cell's text is not the mart value: null shown as a dash, a number rounded
    to the cell's decimals (no more, no fewer), reasons one a line, other text as it is."""
    if value is None:
        return text != NULL_SHOWN
    if decimals is not None:
        shown = number(text)
        return shown is None or shown[1] != int(decimals) or (
            abs(shown[0] - float(value)) > 0.5 * 10 ** -shown[1] + 1e-9)
    if isinstance(value, str) and "; " in value:
        return text.splitlines() != value.split("; ")
    return text != str(value)


def mismatches(cells: dict[str, list[tuple[str, str | None, str]]],
               rows: dict[str, dict[str, object]]) -> list[str]:
    """Cells that do not show their mart value."""
    return [f"{key} {column}: shows {text!r}, mart {rows[key][column]!r}"
            for key, row_cells in cells.items() for column, decimals, text in row_cells
            if mismatch(rows[key][column], decimals, text)]


@pytest.mark.parametrize(("value", "decimals", "text", "wrong"), [
    (1234.56, "1", "1,234.6", False), (1234.56, "1", "1,234.5", True),
    (-0.4, "0", "-0", False), (1.5, "2", "1.5", True), (1.5, "2", "1.50", False),
    (None, None, "\u2013", False), (None, "1", "0.0", True), (0.0, "1", "\u2013", True),
    ("protein low; no strength", None, "protein low\nno strength", False),
    ("low", None, "moderate", True),
])
def test_the_cell_check_tells_right_from_wrong(value, decimals, text, wrong: bool) -> None:
    assert mismatch(value, decimals, text) is wrong


def mart_rows(published: Path, athlete: str) -> tuple[dict, dict]:
    """The athlete's last 14 days of marts.daily_muscle_balance by ISO date and last 8 ISO
    weeks of marts.weekly_muscle_balance by "YYYY-Www", each row a dict by column."""
    def rows(sql: str, limit: int) -> list[dict]:
        result = db.execute(sql, [athlete, limit])
        names = [d[0] for d in result.description]
        return [dict(zip(names, values, strict=True)) for values in result.fetchall()]

    with duckdb.connect(str(published), read_only=True) as db:
        days = rows("SELECT * FROM marts.daily_muscle_balance WHERE athlete_id = ? "
                    "ORDER BY local_date DESC LIMIT ?", DAYS_SHOWN)
        weeks = rows("SELECT * FROM marts.weekly_muscle_balance WHERE athlete_id = ? "
                     "ORDER BY iso_year DESC, iso_week DESC LIMIT ?", WEEKS_SHOWN)
    return ({row["local_date"].isoformat(): row for row in days},
            {f"{row['iso_year']}-W{row['iso_week']:02d}": row for row in weeks})


def assert_tables_show_the_marts(opened: OpenedPage, published: Path, athlete: str) -> None:
    days, weeks = mart_rows(published, athlete)
    for table, rows in (("days-table", days), ("weeks-table", weeks)):
        cells = table_cells(opened, table)
        assert sorted(cells) == sorted(rows), f"{table}: rows of other days or weeks"
        shown = {column for row in cells.values() for column, _, _ in row}
        assert {"score", "band", "reasons"} <= shown, f"{table}: shows only {shown}"
        assert mismatches(cells, rows) == [], table


def drawn_marks(opened: OpenedPage, view: str) -> list[int]:
    """Per chart of the view: how many mark paths have a non-empty `d`."""
    return opened.page.evaluate("""([view, marks]) => [...document.querySelectorAll(
        `#view-${view} .chart`)].map((chart) => [...chart.querySelectorAll(marks)]
        .filter((path) => (path.getAttribute("d") ?? "").trim() !== "").length)""",
        [view, MARK_PATHS])


def notes(opened: OpenedPage, view: str) -> str:
    return " ".join(opened.page.locator(f"#view-{view} .note").all_inner_texts())


# -- the demo's report --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(demo_run: DemoRun, chromium) -> Iterator[tuple[DemoRun, OpenedPage]]:
    assert demo_run.result.returncode == 0, demo_run.result.stderr
    report = demo_run.published.parent / "report" / "demo.html"
    assert report.is_file(), f"the demo wrote no report: {demo_run.result.stdout}"
    with open_offline(chromium, report) as opened:
        yield demo_run, opened


def test_the_demo_report_renders_offline_without_errors(demo_report) -> None:
    _, opened = demo_report
    assert opened.console_errors == []
    assert opened.blocked_requests == []


def test_every_view_of_the_demo_draws_its_charts(demo_report) -> None:
    _, opened = demo_report
    for view in VIEWS:
        section = opened.page.locator(f"#view-{view}")
        assert section.count() == 1, view
        assert section.locator("h2").inner_text().strip(), view
        assert section.locator(".caption").inner_text().strip(), view
        charts = drawn_marks(opened, view)
        assert charts, f"{view}: no chart"
        assert all(charts), f"{view}: a chart without drawn marks ({charts})"


def test_the_demo_tables_show_the_published_marts(demo_report) -> None:
    demo_run, opened = demo_report
    days, weeks = mart_rows(demo_run.published, "demo")
    assert len(days) == DAYS_SHOWN and len(weeks) == WEEKS_SHOWN
    if not demo_run.crossed_midnight:
        assert max(days) == demo_run.last_day.isoformat()
    assert_tables_show_the_marts(opened, demo_run.published, "demo")


def test_screenshots_of_the_page_and_each_view(demo_report, tmp_path: Path) -> None:
    _, opened = demo_report
    full = opened.screenshot(tmp_path / "report.png")
    assert full.stat().st_size > 0
    record = os.environ.get(RECORD_ENV) == "1"
    sizes = {}
    for view in VIEWS:
        # the score view's tables are text to read, not a picture: it stops above them
        png = opened.view_screenshot(view, tmp_path / f"{view}.png", above=".tables")
        sizes[view] = png.stat().st_size
        if record:
            docs = REPO / "docs" / "report"
            docs.mkdir(exist_ok=True)
            (docs / png.name).write_bytes(png.read_bytes())
    assert all(size > 0 for size in sizes.values())
    assert max(sizes.values()) < SCREENSHOT_MAX_BYTES, sizes


# -- athletes without food logs or without watch data -----------------------------------


@pytest.fixture(scope="module")
def partial_build(tmp_path_factory, prefect_server: str):
    """A warehouse built from an athlete with FIT files only (no food log) and one with a
    Cronometer export only (no watch data): the build's summary."""
    tmp = tmp_path_factory.mktemp("partial")
    fit = tmp / "fit"
    fit.mkdir()
    for f in generate_athlete_files(NO_FOOD, START, WEEKS):
        (fit / f.name).write_bytes(f.data)
    food = tmp / "cronometer"
    food.mkdir()
    exports = generate_nutrition_exports(NO_WATCH, generate_athlete_files(NO_WATCH, START, WEEKS),
                                         START, WEEKS)
    (food / "servings.csv").write_bytes(exports.cronometer_servings_csv)
    (food / "dailysummary.csv").write_bytes(exports.cronometer_dailysummary_csv)
    warehouse = tmp / "data" / "w.duckdb"
    warehouse.parent.mkdir()
    ingest_fit_flow(warehouse=str(warehouse), athletes=[
        AthleteInputs(NO_FOOD.athlete_id, (str(fit),), NO_FOOD.timezone)])
    ingest_nutrition_flow(warehouse=str(warehouse), athletes=[NutritionInputs(
        NO_WATCH.athlete_id, (NutritionSourceSpec(str(food)),), NO_WATCH.timezone)])
    document = NO_FOOD.config(str(warehouse), [str(fit)])
    document["athletes"] += NO_WATCH.config(str(warehouse), [], [
        {"path": str(food), "format": "cronometer"}])["athletes"]
    config = config_from_dict(document, base_dir=tmp)
    return warehouse, build_flow(warehouse=str(warehouse), athletes=list(config.athletes))


@pytest.fixture(scope="module")
def partial_reports(partial_build, chromium) -> Iterator[tuple[Path, dict[str, OpenedPage]]]:
    """The published file and each athlete's report, open in the browser."""
    warehouse, summary = partial_build
    assert summary.report_error is None
    reports = {Path(path).stem: Path(path) for path in summary.reports}
    assert {NO_FOOD.athlete_id, NO_WATCH.athlete_id} <= set(reports)
    with ExitStack() as stack:
        yield published_dir(warehouse) / "musclebalance.duckdb", {
            athlete: stack.enter_context(open_offline(chromium, reports[athlete]))
            for athlete in (NO_FOOD.athlete_id, NO_WATCH.athlete_id)}


#: Per athlete: the views whose notes name what is missing (the words), the views drawing
#: no chart at all, and days-table columns that are null every day.
MISSING = {
    NO_FOOD.athlete_id: ({"protein": "no food log", "energy": "no food log"}, ("protein",),
                         ("protein_g_per_kg_7d", "balance_kcal_7d")),
    NO_WATCH.athlete_id: ({"training": "no watch data", "recovery": "no recovery data",
                           "weight": "weigh-ins: 0 values"},
                          ("training", "recovery", "weight"), ("run_km_7d",)),
}


@pytest.mark.parametrize("athlete", sorted(MISSING))
def test_a_view_without_its_data_says_what_is_missing(partial_reports, athlete: str) -> None:
    _, opened = partial_reports
    page = opened[athlete]
    said, undrawn, _ = MISSING[athlete]
    assert page.blocked_requests == []
    assert [e for e in page.console_errors if not e.startswith("warning:")] == []
    for view in VIEWS:
        assert page.page.locator(f"#view-{view}").count() == 1, view
    for view, missing in said.items():
        assert missing in notes(page, view).lower(), view
    for view in undrawn:
        assert drawn_marks(page, view) == [], f"{view}: a chart without its data"


@pytest.mark.parametrize("athlete", sorted(MISSING))
def test_the_tables_show_missing_values_as_missing(partial_reports, athlete: str) -> None:
    published, opened = partial_reports
    assert_tables_show_the_marts(opened[athlete], published, athlete)
    null_columns = MISSING[athlete][2]
    shown_nulls = {text for row in table_cells(opened[athlete], "days-table").values()
                   for column, _, text in row if column in null_columns}
    assert shown_nulls == {NULL_SHOWN}  # not zeros


@pytest.mark.parametrize("athlete", [NO_FOOD.athlete_id, NO_WATCH.athlete_id])
def test_every_chart_drawn_has_marks(partial_reports, athlete: str) -> None:
    _, opened = partial_reports
    empty = [view for view in VIEWS if not all(drawn_marks(opened[athlete], view))]
    assert empty == [], f"views with a chart of no marks: {empty}"
    assert opened[athlete].console_errors == []  # Vega warns of a layer without values
