"""docs/report.md names real mart columns and shows a picture of every view."""

from __future__ import annotations

import re

import pytest

from schemas.marts import MARTS
from tests.helpers import REPO

DOC = REPO / "docs" / "report.md"
VIEWS = ("score", "protein", "energy", "weight", "training", "recovery")


def named_columns() -> list[tuple[str, str]]:
    """(mart, column) of every `mart.col, col` list after a `Columns:` line."""
    text = DOC.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"- Columns: (.*?)(?:\n\n|\n- |\n##)", text, re.S):
        for group in re.findall(r"`([a-z_]+)\.([a-z_0-9, \n]+)`", block):
            mart, columns = group
            found += [(mart, c.strip()) for c in columns.split(",") if c.strip()]
    return found


def test_every_column_the_doc_names_is_in_its_mart() -> None:
    named = named_columns()
    assert len(named) > 40
    wrong = [f"{m}.{c}" for m, c in named
             if m not in MARTS or c not in {name for name, _ in MARTS[m]}]
    assert wrong == []


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_has_its_picture(view: str) -> None:
    assert f"](report/{view}.png)" in DOC.read_text(encoding="utf-8")
    picture = DOC.parent / "report" / f"{view}.png"
    assert picture.is_file(), f"{picture}: run the browser test with MB_RECORD_SCREENSHOTS=1"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size < 200_000
