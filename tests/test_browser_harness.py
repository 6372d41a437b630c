"""The browser harness (tests/browser.py) on hand-written pages: a Vega-Lite chart drawn
offline from the embedded bundle, requests leaving the file blocked and named, console and
page errors collected, a page that never renders failing with what it said."""

from __future__ import annotations

import functools
import json
import struct
from pathlib import Path

import pytest

from tests import browser as harness
from tests.browser import open_offline


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert's, no network)."""
    import vl_convert

    return vl_convert.javascript_bundle()


def write_page(folder: Path, body: str, name: str = "page.html") -> Path:
    path = folder / name
    path.write_text(f'<!doctype html><html><head><meta charset="utf-8"></head>'
                    f"<body>{body}</body></html>", encoding="utf-8")
    return path


RENDERED = '<script>document.body.dataset.rendered = "0";</script>'


def sample_report(folder: Path) -> Path:
    """A page the way the report is built: a view with a chart vega-embed draws as SVG and
    a view without data that says so, the marker set once every chart settled."""
    spec = {"data": {"values": [{"day": f"2026-03-0{d}", "score": s}
                                for d, s in ((2, 71), (3, 64), (4, None), (5, 58))]},
            "mark": {"type": "line", "point": True},
            "encoding": {"x": {"field": "day", "type": "temporal"},
                         "y": {"field": "score", "type": "quantitative"}}}
    body = f"""
<section class="view" id="view-score"><h2>Score</h2><p class="caption">Higher is better.</p>
<p class="range">2026-03-02 to 2026-03-05</p><div class="chart" data-chart="score"></div>
</section>
<section class="view" id="view-recovery"><h2>Recovery</h2>
<p class="note">No recovery data: no resting HR, HRV or sleep from the watch.</p></section>
<script>{vega_bundle()}</script>
<script>
const specs = {{score: {json.dumps(spec)}}};
Promise.allSettled([...document.querySelectorAll(".chart")].map((div) =>
  vegaEmbed(div, specs[div.dataset.chart], {{renderer: "svg", actions: false}})
    .catch((error) => console.error(`chart ${{div.dataset.chart}}: ${{error}}`))))
  .then((done) => {{ document.body.dataset.rendered = String(done.length); }});
</script>"""
    return write_page(folder, body, "report.html")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_a_vega_lite_chart_is_drawn_offline_as_svg_paths(chromium, tmp_path: Path) -> None:
    with open_offline(chromium, sample_report(tmp_path)) as opened:
        assert opened.console_errors == []
        assert opened.blocked_requests == []
        assert opened.page.locator("body").get_attribute("data-rendered") == "1"
        paths = opened.page.locator("#view-score .chart svg .mark-line path")
        assert paths.count() == 1
        assert paths.first.get_attribute("d").startswith("M")
        # three scored days as points, the null day left out (a gap, not a zero)
        assert opened.page.locator("#view-score .chart svg .mark-symbol path").count() == 3
        assert opened.page.locator("#view-recovery .chart").count() == 0
        full = opened.screenshot(tmp_path / "full.png")
        view = opened.view_screenshot("score", tmp_path / "score.png")
        heading = opened.view_screenshot("score", tmp_path / "heading.png", above=".chart")
        box = opened.page.locator("#view-score").bounding_box()
        chart_top = opened.page.locator("#view-score .chart").bounding_box()["y"]
    assert png_size(full)[0] == harness.VIEWPORT["width"]
    for png, height in ((view, box["height"]), (heading, chart_top - box["y"])):
        width_px, height_px = png_size(png)  # whole pixels of a fractional box
        assert abs(width_px - box["width"]) < 2 and abs(height_px - height) < 2, png.name


def test_requests_leaving_the_file_are_blocked_and_named(chromium, tmp_path: Path) -> None:
    (tmp_path / "sibling.js").write_text("window.siblingRan = true;")
    page = write_page(tmp_path, '<script src="https://example.org/x.js"></script>'
                                '<script src="sibling.js"></script>'
                                '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                                '<script>fetch("https://example.org/data.json")'
                                '.catch(() => {});</script>' + RENDERED)
    with open_offline(chromium, page) as opened:
        assert sorted(opened.blocked_requests) == sorted([  # in the order Chromium asked
            "https://example.org/x.js", (tmp_path / "sibling.js").as_uri(),
            "https://example.org/data.json"])
        assert opened.page.evaluate("window.siblingRan") is None  # aborted, not loaded


def test_console_and_page_errors_are_collected(chromium, tmp_path: Path) -> None:
    page = write_page(tmp_path, RENDERED + '<script>console.error("chart score failed");'
                                'console.warn("careful"); console.log("fine");</script>'
                                '<script>throw new Error("thrown");</script>')
    with open_offline(chromium, page) as opened:
        assert [e.split(" (")[0] for e in opened.console_errors] == [
            "error: chart score failed", "warning: careful", "pageerror: Error: thrown"]
        assert opened.blocked_requests == []


def test_a_page_that_never_renders_fails_with_what_it_said(chromium, tmp_path: Path) -> None:
    page = write_page(tmp_path, '<script>console.error("chart weight failed");</script>')
    with (pytest.raises(AssertionError, match=r"page.html did not set body\[data-rendered\] "
                                              r"within 1 s; console: \['error: chart weight"),
          open_offline(chromium, page, timeout_s=1)):
        pass


def test_without_chromium_the_test_skips_with_how_to_install(monkeypatch) -> None:
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install chromium"):
        harness.chromium_path()


def test_without_chromium_ci_fails(monkeypatch) -> None:
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match=r"CI must install it"):
        harness.chromium_path()
