"""The report's tables: the last 14 days and 8 weeks, newest first, each cell the published
value formatted by hand here."""

from __future__ import annotations

from html.parser import HTMLParser

import polars as pl

from report.tables import days_table, weeks_table
from tests.factories import UNLOGGED, make_facts, mart_frames


class Cells(HTMLParser):
    """Rows of a table: (row key, {data-column: (text, attributes)})."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key, self.rows, self.cell, self.text = key, [], None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and self.key in a:
            self.rows.append((a[self.key], {}))
        elif tag == "td":
            self.cell, self.text = a, []
        elif tag == "span" and self.cell is not None and self.text:
            self.text.append("\n")

    def handle_data(self, data):
        if self.cell is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1][1][self.cell["data-column"]] = ("".join(self.text), self.cell)
            self.cell = None


def parse(html: str, key: str) -> list[tuple[str, dict]]:
    p = Cells(key)
    p.feed(html)
    return p.rows


def test_days_table_is_the_last_14_days_newest_first_with_published_values() -> None:
    facts = make_facts(42, days={41: {"protein_g_per_kg": 1.234}, 40: UNLOGGED})
    daily = mart_frames(facts=facts)["daily_muscle_balance"]
    rows = parse(days_table(daily), "data-date")
    assert [d for d, _ in rows] == [f"{d}" for d in daily["local_date"][-14:].reverse()]
    last = daily.row(-1, named=True)
    cells = rows[0][1]
    assert cells["score"][0] == f"{last['score']:,.0f}"
    assert cells["score"][1]["data-decimals"] == "0"
    assert cells["protein_g_per_kg_7d"][0] == f"{last['protein_g_per_kg_7d']:.2f}"
    # six days of 1.8 g/kg, one unlogged day, the last 1.234: mean of the 6 logged days
    assert cells["protein_g_per_kg_7d"][0] == f"{(5 * 1.8 + 1.234) / 6:.2f}"
    assert cells["band"][0] == last["band"]
    assert cells["reasons"][0] == last["reasons"].replace("; ", "\n")


def test_a_null_cell_is_a_dash_marked_null() -> None:
    daily = mart_frames(28, recovered=False)["daily_muscle_balance"]
    (text, attrs) = parse(days_table(daily), "data-date")[0][1]["sleep_h_7d"]
    assert text == "–" and attrs["data-null"] == "1"


def test_weeks_table_is_the_last_8_weeks_with_iso_labels() -> None:
    weekly = mart_frames(70)["weekly_muscle_balance"]  # 10 weeks from Monday 2 March 2026
    rows = parse(weeks_table(weekly), "data-week")
    assert [w for w, _ in rows] == [f"2026-W{n:02d}" for n in range(19, 11, -1)]
    last = weekly.row(-1, named=True)
    assert rows[0][1]["run_distance_km"][0] == f"{last['run_distance_km']:.1f}"
    assert last["run_distance_km"] == 42.0  # 7 runs of 6 km


def test_imperial_adds_grams_per_pound_beside_grams_per_kg() -> None:
    daily = mart_frames(28)["daily_muscle_balance"]
    cells = parse(days_table(daily, imperial=True), "data-date")[0][1]
    assert cells["protein_g_per_lb_7d"][0] == f"{1.8 * 0.45359237:.3f}"
    assert "protein_g_per_lb_7d" not in parse(days_table(daily), "data-date")[0][1]


def test_text_is_escaped() -> None:
    daily = mart_frames(14)["daily_muscle_balance"].with_columns(
        reasons=pl.lit("<script>x</script>; a & b"))
    html = days_table(daily)
    assert "<script>" not in html and "&lt;script&gt;" in html and "a &amp; b" in html
