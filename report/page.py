"""The report page: one self-contained HTML file. The JavaScript that draws the charts
(Vega, Vega-Lite and vega-embed, from vl-convert-python's bundle) and every chart's data are
inside it; it loads nothing from any address, so it opens offline and from a mail attachment
alike."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from html import escape

from report.tables import days_table, weeks_table
from report.views import View, views
from schemas.report_frames import TABLE_DAYS, TABLE_WEEKS, ReportFrames
from schemas.scoring import Scoring

STYLE = """
:root { --ink: #1d2733; --muted: #5b6673; --line: #d9dee4; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 18px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 0 0 4px; }
.sub, .range, footer { color: var(--muted); font-size: 0.88rem; }
nav { margin: 10px 0 4px; font-size: 0.92rem; }
nav a { margin-right: 12px; color: #1f4e79; }
.verdict { background: #fff; border-left: 6px solid #8c8c8c; padding: 10px 14px;
           margin: 12px 0; border-radius: 4px; }
.verdict.band-low { border-color: #4f9a48; } .verdict.band-moderate { border-color: #d9a521; }
.verdict.band-high { border-color: #c0504d; }
.verdict .score { font-size: 1.6rem; font-weight: 600; margin-right: 8px; }
section.view { background: #fff; border: 1px solid var(--line); border-radius: 6px;
               padding: 14px 16px; margin: 14px 0; }
.caption { margin: 2px 0 4px; max-width: 75ch; }
.range { margin: 0 0 8px; }
.chart { width: 100%; min-height: 40px; margin: 6px 0 10px; }
.note { background: #fff8e1; border-left: 4px solid #d9a521; padding: 6px 10px; margin: 6px 0; }
.tables { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.86rem; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left;
         vertical-align: top; }
thead th { background: #eef1f4; font-weight: 600; vertical-align: bottom; }
tbody th { white-space: nowrap; font-weight: 500; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.reasons { min-width: 28ch; width: 45%; }
.reason { display: block; }
.reason + .reason { margin-top: 2px; }
.band { white-space: nowrap; }
.band-low { color: #2f6b2a; } .band-moderate { color: #8a6410; } .band-high { color: #a33b38; }
footer { padding: 8px 16px 28px; }
"""

#: Draws every chart, then marks the page drawn (body data-rendered = charts drawn); a chart
#: that fails is named on the console.
SCRIPT = """
(function () {
  var specs = JSON.parse(document.getElementById("mb-specs").textContent);
  var ids = Object.keys(specs);
  Promise.allSettled(ids.map(function (id) {
    return vegaEmbed("#" + id, specs[id], {renderer: "svg", actions: false, mode: "vega-lite"})
      .catch(function (e) { console.error("chart " + id + " not drawn: " + e); throw e; });
  })).then(function (results) {
    document.body.dataset.rendered = String(
      results.filter(function (r) { return r.status === "fulfilled"; }).length);
  });
})();
"""


@cache
def javascript() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert-python's bundle; built once
    per process, about a second)."""
    import vl_convert

    return vl_convert.javascript_bundle()


def _json_for_script(value: object) -> str:
    """JSON safe inside a <script> element (no `</` can close it)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace(
        "<", "\\u003c")


def _section(view: View) -> str:
    charts = "".join(f'<div class="chart" id="chart-{cid}" data-chart="{cid}"></div>'
                     for cid, _ in view.charts)
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in view.notes)
    return (f'<section class="view" id="view-{view.name}"><h2>{escape(view.title)}</h2>'
            f'<p class="caption">{escape(view.caption)}</p>'
            f'<p class="range">{escape(view.range_text)}</p>{notes}{charts}'
            "{tables}</section>")


def _verdict(r: ReportFrames) -> str:
    daily = r.daily_muscle_balance.sort("local_date")
    if daily.is_empty():
        return '<div class="verdict"><p>No published day yet.</p></div>'
    last = daily.row(-1, named=True)
    scored = daily.filter(daily["score"].is_not_null())
    if last["score"] is None:
        text = (f"{last['local_date']}: no score (too little data)"
                + (f"; last scored day {scored['local_date'][-1]}" if scored.height else ""))
        return (f'<div class="verdict"><p>{escape(text)}</p>'
                f'<p>{escape(last["reasons"] or "")}</p></div>')
    reasons = "".join(f'<span class="reason">{escape(x)}</span>'
                      for x in (last["reasons"] or "").split("; ") if x)
    return (f'<div class="verdict band-{escape(last["band"])}"><span class="score">'
            f'{last["score"]:.0f}</span> <strong>{escape(last["band"])} risk</strong> on '
            f'{last["local_date"]:%A %-d %B %Y}<div>{reasons}</div></div>')


def render(r: ReportFrames, scoring: Scoring | None = None, units: str = "metric",
           generated_at: datetime | None = None) -> str:
    """The athlete's report as one HTML document."""
    k = scoring or Scoring()
    drawn = views(r, k, units)
    imperial = units == "imperial"
    specs = {f"chart-{cid}": spec for v in drawn for cid, spec in v.charts}
    tables = (f'<div class="tables"><h3>Last {TABLE_DAYS} days</h3>'
              f"{days_table(r.daily_muscle_balance, imperial)}"
              f"<h3>Last {TABLE_WEEKS} weeks</h3>"
              f"{weeks_table(r.weekly_muscle_balance, imperial)}</div>")
    sections = "".join(_section(v).replace("{tables}", tables if v.name == "score" else "")
                       for v in drawn)
    nav = "".join(f'<a href="#view-{v.name}">{escape(v.title)}</a>' for v in drawn)
    published = (f"published {r.published_at:%Y-%m-%d %H:%M} UTC"
                 if r.published_at else "publish time unknown")
    made = f"; written {generated_at:%Y-%m-%d %H:%M} UTC" if generated_at else ""
    athlete = escape(r.athlete_id)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>musclebalance: {athlete}</title><style>{STYLE}</style>"
        f"<script>{javascript()}</script></head><body>"
        f"<header><h1>Muscle balance: {athlete}</h1>"
        f'<p class="sub">{r.first_day} to {r.last_day}, from the published marts '
        f"({published}{made})</p>{_verdict(r)}<nav>{nav}</nav></header>"
        f"<main>{sections}</main>"
        "<footer>Drawn by musclebalance from marts.daily_muscle_balance, "
        "weekly_muscle_balance, daily_nutrition, daily_energy, daily_training and "
        "daily_recovery; docs/report.md says how to read each view. This file loads nothing "
        "from the network.</footer>"
        f'<script type="application/json" id="mb-specs">{_json_for_script(specs)}</script>'
        f"<script>{SCRIPT}</script></body></html>")
