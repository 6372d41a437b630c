"""Vega-Lite building blocks: a day axis, lines that break at missing days, points with
tooltips, shaded bands and threshold rules. Specs are plain dicts (Vega-Lite's JSON), drawn in
the page by vega-embed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, NamedTuple

import polars as pl

Spec = dict[str, Any]

#: Chart height in pixels; the width follows the page.
HEIGHT_PX = 200
#: Colours of the risk bands (background) and of the series.
BAND_COLOURS = {"low": "#dcefd9", "moderate": "#fbefcc", "high": "#f6d5d8"}
INK = "#1f4e79"
SECOND = "#c0504d"
THIRD = "#6a8f3a"
GREY = "#8c8c8c"
#: The y scale of a level that never nears zero (weight, heart rate): fitted to the values,
#: with room so the lowest and highest points are not cut by the chart's edge.
LEVEL: Spec = {"zero": False, "padding": 8}
#: Days beyond which the day axis is labelled by month and year (`Mar 2026`), not by day.
LONG_RANGE_DAYS = 200
#: Shown for a value the day does not have.
MISSING = "–"


def values(frame: pl.DataFrame, decimals: int = 2) -> list[dict[str, Any]]:
    """The frame's rows as JSON-ready dicts: dates as `YYYY-MM-DD`, floats rounded (the page
    only draws them), nulls left out (a gap, never zero)."""
    out = frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items()
         if t == pl.Date]
        + [pl.col(c).round(decimals) for c, t in frame.schema.items() if t.is_float()])
    # a missing key is as invalid as null to Vega-Lite (a gap), and keeps the file small
    return [{k: v for k, v in row.items() if v is not None} for row in out.to_dicts()]


def _epoch_ms(day: date, plus_days: int = 0) -> int:
    """Midnight UTC starting `day` (+ days), in ms since 1970: a time scale's domain."""
    return (day - date(1970, 1, 1) + timedelta(days=plus_days)).days * 86_400_000


def day_axis(first: date, last: date, title: str | None = None) -> Spec:
    """x: the local day (drawn in UTC so a day never shifts with the viewer's time zone),
    over the report's whole range so every chart lines up."""
    label = "%-d %b" if (last - first).days <= LONG_RANGE_DAYS else "%b %Y"
    return {"field": "day", "type": "temporal", "title": title,
            "scale": {"type": "utc", "domainMin": _epoch_ms(first),
                      "domainMax": _epoch_ms(last, 1)},
            "axis": {"grid": False, "labelOverlap": True, "format": label}}


def week_axis(first: date, last: date) -> Spec:
    """x of a weekly chart: the ISO weeks (Monday to Sunday) overlapping the range."""
    monday = first - timedelta(days=first.weekday())
    sunday = last + timedelta(days=6 - last.weekday())
    return {**day_axis(monday, sunday), "title": "ISO week (bars span Monday to Sunday)"}


def week_spans(frame: pl.DataFrame) -> pl.DataFrame:
    """A weekly frame whose `day` is the week's Monday, with `day_end` (the next Monday:
    where its bar ends) and `mid` (its Thursday: where its line point sits)."""
    return frame.with_columns((pl.col("day") + timedelta(days=7)).alias("day_end"),
                              (pl.col("day") + timedelta(days=3, hours=12)).dt.date()
                              .alias("mid"))


def week_bar(layer: Spec) -> Spec:
    """A bar layer spanning each week (week_spans' `day` to `day_end`), from zero up."""
    return {**layer, "mark": {**layer["mark"], "type": "rect", "stroke": "white",
                              "strokeWidth": 1},
            "encoding": {**layer["encoding"], "x2": {"field": "day_end"},
                         "y2": {"datum": 0}}}


def week_line(layer: Spec) -> Spec:
    """A line layer through the middle of each week (on the chart's shared x scale)."""
    return {**layer, "encoding": {**layer["encoding"],
                                  "x": {"field": "mid", "type": "temporal"}}}


def chart(layers: list[Spec], x: Spec, data: list[dict[str, Any]], *,
          height: int = HEIGHT_PX, independent_y: bool = False) -> Spec:
    """A layered chart on one x axis and one data set, as wide as its container. The layers
    on that data are drawn against `x` (a layer whose field has no value is left out: there
    is nothing to draw); bands and rules (data of their own) span the width."""
    present = {key for row in data for key in row}
    drawn = [layer if "data" in layer else
             {**layer, "encoding": {"x": x, **layer["encoding"]}} for layer in layers
             if "data" in layer or layer["encoding"]["y"]["field"] in present]
    spec: Spec = {"width": "container", "height": height, "data": {"values": data},
                  "layer": drawn,
                  "config": {"view": {"stroke": None}, "legend": {"orient": "top"},
                             "axis": {"labelFontSize": 11, "titleFontSize": 11}}}
    if independent_y:
        spec["resolve"] = {"scale": {"y": "independent"}}
    return spec


def legend_colour(label: str, labels: list[str], colours: list[str]) -> Spec:
    """A constant colour that also names the series in the chart's shared legend."""
    return {"datum": label, "type": "nominal", "title": None,
            "scale": {"domain": labels, "range": colours}}


def line(field: str, title: str, colour: Spec | str, *, dash: list[int] | None = None,
         width: float = 2, y_scale: Spec | None = None, axis: Spec | None = None,
         interpolate: str | None = None) -> Spec:
    """A line through `field` that breaks where the value is null (a missing day is a gap,
    not a zero and not a bridge)."""
    mark: Spec = {"type": "line", "strokeWidth": width,
                  "invalid": "break-paths-show-domains"}
    if dash:
        mark["strokeDash"] = dash
    if interpolate:
        mark["interpolate"] = interpolate
    y: Spec = {"field": field, "type": "quantitative", "title": title}
    if y_scale:
        y["scale"] = y_scale
    if axis is not None:
        y["axis"] = axis
    enc: Spec = {"y": y}
    if isinstance(colour, dict):
        enc["color"] = colour
    else:
        mark["color"] = colour
    return {"mark": mark, "encoding": enc}


def points(field: str, title: str, colour: str, tooltip: list[Tip], *, size: int = 28,
           filled: bool = True, y_scale: Spec | None = None, opacity: float = 1.0) -> Spec:
    """One point per day with a value, with the day's details on hover (`opacity` 0: an
    invisible target for the hover only)."""
    y: Spec = {"field": field, "type": "quantitative", "title": title}
    if y_scale:
        y["scale"] = y_scale
    return {"mark": {"type": "point", "filled": filled, "size": size, "color": colour,
                     "opacity": opacity, "invalid": "filter", "tooltip": tooltip_expr(tooltip)},
            "encoding": {"y": y}}


def bars(field: str, title: str, colour: str, tooltip: list[Tip], *,
         y_scale: Spec | None = None, opacity: float = 0.85) -> Spec:
    """Bars from zero (days or weeks without a value draw none)."""
    y: Spec = {"field": field, "type": "quantitative", "title": title}
    if y_scale:
        y["scale"] = y_scale
    return {"mark": {"type": "bar", "color": colour, "opacity": opacity, "invalid": "filter",
                     "tooltip": tooltip_expr(tooltip)},
            "encoding": {"y": y}}


def band(low: float, high: float, colour: str, label: str) -> Spec:
    """A shaded horizontal band from `low` to `high` across the chart, named on hover."""
    return {"data": {"values": [{"low": low, "high": high, "label": label}]},
            "mark": {"type": "rect", "color": colour, "opacity": 0.6},
            "encoding": {"y": {"field": "low", "type": "quantitative"},
                         "y2": {"field": "high"},
                         "tooltip": [{"field": "label", "title": "band"}]}}


def rule(value: float, colour: str, label: str, dash: list[int] | None = None) -> Spec:
    """A horizontal threshold line, named on hover."""
    return {"data": {"values": [{"value": value, "label": label}]},
            "mark": {"type": "rule", "color": colour, "strokeDash": dash or [4, 4],
                     "strokeWidth": 1.5},
            "encoding": {"y": {"field": "value", "type": "quantitative"},
                         "tooltip": [{"field": "label", "title": "line"}]}}


class Tip(NamedTuple):
    """A tooltip row: the field, its title, and the decimals of a number (None: text)."""

    field: str
    title: str
    decimals: int | None = None


def tip(field: str, title: str, decimals: int | None = None) -> Tip:
    """A tooltip row: a number with `decimals`, or the text as it is."""
    return Tip(field, title, decimals)


def tooltip_expr(tips: list[Tip]) -> Spec:
    """The tooltip as a Vega expression: each row's value, or `–` where the day has none
    (Vega-Lite's own tooltip encoding would show NaN for a missing number)."""
    def value(t: Tip) -> str:
        ref = f"datum[{json.dumps(t.field)}]"
        shown = ref if t.decimals is None else f"format({ref}, ',.{t.decimals}f')"
        return f"isValid({ref}) ? {shown} : '{MISSING}'"

    return {"expr": "{" + ", ".join(f"{json.dumps(t.title)}: {value(t)}" for t in tips) + "}"}
