"""The report's rows come from the readers' published file: the range, the athlete, and
what a file without the athlete gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from tests.factories import mart_frames, publish_marts
from warehouse.report_data import open_published, published_athletes, read_report_frames


def published(tmp_path: Path) -> Path:
    a = mart_frames(70, athlete="a")  # 2 March .. 10 May 2026
    b = mart_frames(14, athlete="b")
    both = {name: pl.concat([a[name], b[name]]) for name in a}
    return publish_marts(tmp_path / "w.duckdb", both)


def test_the_range_ends_on_the_last_published_day(tmp_path: Path) -> None:
    with open_published(published(tmp_path)) as con:
        assert published_athletes(con) == ["a", "b"]
        r = read_report_frames(con, "a", 28)
    assert r is not None
    assert (r.first_day, r.last_day) == (date(2026, 4, 13), date(2026, 5, 10))  # 28 days
    assert r.daily_muscle_balance.height == 28
    assert set(r.daily_nutrition["athlete_id"]) == {"a"}
    # the weeks overlapping the range: 13 April is a Monday, 10 May a Sunday
    assert r.weekly_muscle_balance["week_start"].to_list() == [
        date(2026, 4, 13), date(2026, 4, 20), date(2026, 4, 27), date(2026, 5, 4)]
    assert r.published_at is None  # no run finished in this warehouse


def test_a_range_longer_than_the_data_starts_on_the_first_day(tmp_path: Path) -> None:
    with open_published(published(tmp_path)) as con:
        r = read_report_frames(con, "b", 365)
    assert r is not None and (r.first_day, r.days) == (date(2026, 3, 2), 14)


def test_an_athlete_without_published_days_has_no_report(tmp_path: Path) -> None:
    with open_published(published(tmp_path)) as con:
        assert read_report_frames(con, "nobody", 28) is None


def test_nothing_published_yet_is_said(tmp_path: Path) -> None:
    missing = tmp_path / "published" / "musclebalance.duckdb"
    try:
        open_published(missing)
    except FileNotFoundError as exc:
        assert str(missing) in str(exc) and "nothing published yet" in str(exc)
    else:
        raise AssertionError("no error")


def test_a_file_published_before_a_mart_existed_gives_it_no_rows(tmp_path: Path) -> None:
    from report.page import render

    marts = mart_frames(28)
    del marts["daily_recovery"]
    with open_published(publish_marts(tmp_path / "w.duckdb", marts)) as con:
        r = read_report_frames(con, "a", 365)
    assert r is not None and r.daily_recovery.is_empty()
    assert "resting_hr_bpm" in r.daily_recovery.columns
    assert "No recovery data in this range" in render(r)
