"""The report page as a document: self-contained (nothing it would load from an address),
every chart's target present, the charts' specs parseable, and small."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from report.page import render
from tests.factories import report_frames

#: Attributes through which a page loads or links something.
LOADING = {"src", "href", "srcset", "action", "data", "poster", "background"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loads, self.chart_ids, self.sections, self.scripts = [], [], [], []
        self._script: list[str] | None = None
        self._script_attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.loads += [(tag, k, v) for k, v in attrs if k in LOADING]
        if tag == "link":
            self.loads.append((tag, "link", a.get("href")))
        if "data-chart" in a:
            self.chart_ids.append(a["id"])
        if tag == "section":
            self.sections.append(a["id"])
        if tag == "script":
            self._script, self._script_attrs = [], a

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script_attrs, "".join(self._script)))
            self._script = None


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_the_page_loads_nothing_and_links_only_within_itself() -> None:
    page = parsed(render(report_frames(42)))
    assert all(v.startswith("#") for _, _, v in page.loads), page.loads
    assert all(not a.get("src") for a, _ in page.scripts)  # every script inline
    css = re.findall(r"url\(", render(report_frames(42)).split("</style>")[0])
    assert css == []


def test_every_chart_target_has_a_spec_and_every_view_a_section() -> None:
    page = parsed(render(report_frames(42)))
    (specs,) = [json.loads(body) for a, body in page.scripts if a.get("id") == "mb-specs"]
    assert sorted(specs) == sorted(page.chart_ids)
    assert page.sections == ["view-score", "view-protein", "view-energy", "view-weight",
                             "view-training", "view-recovery"]
    for spec in specs.values():
        assert "url" not in spec.get("data", {})  # data inline, never fetched


def test_text_from_the_marts_cannot_close_a_script() -> None:
    r = report_frames(42)
    r = type(r)(**{**r.__dict__, "athlete_id": "</script><b>x"})
    html = render(r)
    assert "</script><b>" not in html
    assert "&lt;/script&gt;&lt;b&gt;x" in html


def test_a_year_of_one_athlete_is_under_2_mb() -> None:
    html = render(report_frames(365))
    assert len(html.encode("utf-8")) < 2 * 1024 * 1024
