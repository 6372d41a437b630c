"""The report's tables: the last 14 days and the last 8 weeks of scores, each reason on a line
of its own. Every cell names its mart column and the decimals it is shown with, so a reader
(or a test) can match it to the published value."""

from __future__ import annotations

from html import escape

import polars as pl

from schemas.report_frames import TABLE_DAYS, TABLE_WEEKS

#: (mart column, heading, decimals; None: text) of the days table (marts.daily_muscle_balance)
DAY_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("score", "score", 0), ("band", "risk", None), ("main_factor", "main factor", None),
    ("protein_g_per_kg_7d", "protein g/kg, 7 d", 2),
    ("protein_target_g_per_kg", "target g/kg", 2),
    ("balance_kcal_7d", "balance kcal/d, 7 d", 0), ("run_km_7d", "run km, 7 d", 1),
    ("sleep_h_7d", "sleep h, 7 d", 1), ("reasons", "reasons", None))
#: The same for the weeks table (marts.weekly_muscle_balance).
WEEK_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("score", "score", 0), ("band", "risk", None), ("worst_score", "worst day", 0),
    ("run_distance_km", "run km", 1), ("protein_g_per_kg_mean", "protein g/kg", 2),
    ("balance_kcal_mean", "balance kcal/day", 0), ("strength_sessions", "strength", 0),
    ("reasons", "reasons (last scored day)", None))
#: Shown for a value that is not known.
MISSING = "–"


def cell_text(value: object, decimals: int | None) -> str:
    """A value as the table shows it: a number with `decimals`, text as it is, `–` for
    null."""
    if value is None:
        return MISSING
    if decimals is not None:
        return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    return str(value)


def _cell(column: str, value: object, decimals: int | None) -> str:
    attrs = f' data-column="{column}"'
    if decimals is not None:
        attrs += f' data-decimals="{decimals}" class="num"'
    if value is None:
        return f'<td{attrs} data-null="1">{MISSING}</td>'
    if column == "reasons":
        lines = "".join(f'<span class="reason">{escape(r)}</span>'
                        for r in str(value).split("; "))
        return f'<td{attrs} class="reasons">{lines}</td>'
    if column == "band":
        return f'<td{attrs} class="band band-{escape(str(value))}">{escape(str(value))}</td>'
    return f"<td{attrs}>{escape(cell_text(value, decimals))}</td>"


def _columns(base: tuple[tuple[str, str, int | None], ...], frame: pl.DataFrame,
             imperial: bool) -> list[tuple[str, str, int | None]]:
    cols = [c for c in base if c[0] in frame.columns]
    if imperial:
        at = next(i for i, c in enumerate(cols) if c[0].startswith("protein_g_per_kg"))
        lb = cols[at][0].replace("_g_per_kg", "_g_per_lb")
        if lb in frame.columns:
            cols.insert(at + 1, (lb, cols[at][1].replace("g/kg", "g/lb"), 3))
    return cols


def _table(table_id: str, key_attr: str, key_head: str, rows: list[tuple[str, dict]],
           cols: list[tuple[str, str, int | None]]) -> str:
    head = f"<th>{key_head}</th>" + "".join(f"<th>{escape(h)}</th>" for _, h, _ in cols)
    body = "".join(
        f'<tr data-{key_attr}="{key}"><th scope="row">{key}</th>'
        + "".join(_cell(c, row[c], d) for c, _, d in cols) + "</tr>"
        for key, row in rows)
    return (f'<table id="{table_id}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def days_table(daily: pl.DataFrame, imperial: bool = False) -> str:
    """The last 14 published days, newest first."""
    last = daily.sort("local_date").tail(TABLE_DAYS).reverse()
    cols = _columns(DAY_COLUMNS, last, imperial)
    rows = [(f"{r['local_date']}", r) for r in last.iter_rows(named=True)]
    return _table("days-table", "date", "day", rows, cols)


def weeks_table(weekly: pl.DataFrame, imperial: bool = False) -> str:
    """The last 8 published ISO weeks, newest first."""
    last = weekly.sort("week_start").tail(TABLE_WEEKS).reverse()
    cols = _columns(WEEK_COLUMNS, last, imperial)
    rows = [(f"{r['iso_year']}-W{r['iso_week']:02d}", r) for r in last.iter_rows(named=True)]
    return _table("weeks-table", "week", "week", rows, cols)
