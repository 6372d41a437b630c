"""`musclebalance report`: the files it writes from a published warehouse, for whom, and
what it says when there is nothing to draw."""

from __future__ import annotations

import stat
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.factories import mart_frames, publish_marts

ATHLETE = ('[[athletes]]\nid = "{id}"\ntimezone = "UTC"\nsex = "female"\nbirth_year = 1990\n'
           'height_cm = 168\nfit_paths = []\n')


def config(tmp_path: Path, ids: list[str], units: str = "metric") -> Path:
    path = tmp_path / "musclebalance.toml"
    path.write_text('[warehouse]\npath = "w.duckdb"\n\n'
                    + "".join(ATHLETE.format(id=i) for i in ids)
                    + f'\n[display]\nunits = "{units}"\n')
    return path


def publish(tmp_path: Path, ids: list[str]) -> None:
    marts = [mart_frames(28, athlete=i) for i in ids]
    publish_marts(tmp_path / "w.duckdb", {name: pl.concat([m[name] for m in marts])
                                         for name in marts[0]})


def run(*args: str):
    return CliRunner().invoke(app, ["report", *args])


def test_one_page_per_athlete_and_an_index_owner_only(tmp_path: Path) -> None:
    publish(tmp_path, ["a", "b"])
    done = run("--config", str(config(tmp_path, ["a", "b"])))
    assert done.exit_code == 0, done.output
    folder = tmp_path / "published" / "report"
    assert sorted(p.name for p in folder.iterdir()) == ["a.html", "b.html", "index.html"]
    assert done.output.splitlines() == [f"report: {folder / n}"
                                        for n in ("a.html", "b.html", "index.html")]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    index = (folder / "index.html").read_text()
    assert 'href="a.html"' in index and 'href="b.html"' in index


def test_one_athlete_and_a_shorter_range(tmp_path: Path) -> None:
    publish(tmp_path, ["a", "b"])
    done = run("--config", str(config(tmp_path, ["a", "b"])), "--athlete", "b",
               "--days", "7")
    assert done.exit_code == 0, done.output
    folder = tmp_path / "published" / "report"
    assert [p.name for p in folder.iterdir()] == ["b.html"]
    # 28 days from 2 March 2026 end on 29 March: 7 days from 23 March
    assert "23 Mar 2026 – 29 Mar 2026 (7 days)" in (folder / "b.html").read_text()


def test_imperial_units_from_the_config(tmp_path: Path) -> None:
    publish(tmp_path, ["a"])
    assert run("--config", str(config(tmp_path, ["a"], "imperial"))).exit_code == 0
    html = (tmp_path / "published" / "report" / "a.html").read_text()
    assert 'data-column="protein_g_per_lb_7d"' in html


@pytest.mark.parametrize("ids, published, code, said", [
    (["a"], [], 1, "nothing published yet"),
    (["a", "c"], ["a"], 0, ""),  # c has no published day: a's report only
    (["c"], ["a"], 1, "no published day for c"),
])
def test_nothing_to_draw_is_said(tmp_path: Path, ids, published, code, said) -> None:
    if published:
        publish(tmp_path, published)
    done = run("--config", str(config(tmp_path, ids)))
    assert done.exit_code == code, done.output
    assert said in done.output


def test_an_athlete_not_in_the_config_is_refused(tmp_path: Path) -> None:
    done = run("--config", str(config(tmp_path, ["a"])), "--athlete", "zz")
    assert done.exit_code == 2
    assert "--athlete zz: not in the config (athletes: a)" in done.output
