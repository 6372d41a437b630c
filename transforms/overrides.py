"""Checking one `[scoring]` override against the type of the constant it replaces."""

from __future__ import annotations

import math


def override_value(key: str, value: object, type_name: object, *, lowest: str) -> float | int:
    """`value` as the constant's type (`int` or `float`, as the dataclass field declares
    it), or ValueError naming `scoring.<key>`. `lowest`: "positive" (> 0), "non_negative"
    (>= 0) or "any"; NaN, infinity, booleans, text and fractions for whole-number
    constants are refused."""
    limits = {"positive": (lambda v: v > 0, "a positive number"),
              "non_negative": (lambda v: v >= 0, "a number >= 0"),
              "any": (lambda v: True, "a number")}
    allowed, words = limits[lowest]
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not allowed(value)):
        raise ValueError(f"scoring.{key}: must be {words} (got {value!r})")
    if type_name in (int, "int"):
        if value != int(value):
            raise ValueError(f"scoring.{key}: must be a whole number (got {value!r})")
        return int(value)
    return float(value)
