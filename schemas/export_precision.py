"""How many decimals the CSV exports keep of each float column, by the unit in its name.

Float arithmetic leaves noise such as ``1310.3000000000002`` kcal; a spreadsheet shows it
as it is. The CSV copies of the marts (`warehouse.publish`) therefore round every float
column to the precision its unit warrants. The Parquet files and the published DuckDB
file keep full precision. docs/bi.md shows this table to readers; a test checks that every
float column of every mart matches a rule of its own.
"""

from __future__ import annotations

import re

#: (column name pattern (whole name), decimals, unit), first match wins. Window suffixes
#: such as ``_7d``, ``_mean`` and ``_per_week`` keep the unit of the column they average.
CSV_DECIMALS: tuple[tuple[str, int, str], ...] = (
    (r".*_g_per_kg(_7d|_mean)?", 2, "g/kg body weight"),
    (r".*_g_per_lb(_7d|_mean)?", 3, "g/lb body weight"),
    (r".*_kcal_per_kg_ffm(_7d)?", 1, "kcal/kg fat-free mass"),
    (r".*_kcal_per_day", 1, "kcal/day"),
    (r".*_pct_per_week", 3, "%/week"),
    (r".*_kg_per_week", 3, "kg/week"),
    (r".*_kcal(_7d|_mean)?", 1, "kcal"),
    (r".*_g", 1, "g"),
    (r".*_kg(_28d)?", 2, "kg"),
    (r".*_km(_7d|_per_week)?", 3, "km"),
    (r".*_m", 1, "m"),
    (r".*_min(_7d)?", 2, "min"),
    (r".*_(h|hours)(_7d|_per_week)?", 3, "h"),
    (r"seconds", 3, "s"),
    (r".*_bpm", 1, "bpm"),
    (r".*_ms", 1, "ms"),
    (r".*_swc", 2, "smallest worthwhile changes (0.5 SD of the baseline)"),
    (r".*_pct", 2, "%"),
    (r".*_share(_7d)?|data_completeness", 4, "share, 0-1"),
    (r".*_ratio", 4, "ratio"),
    (r".*_per_day(_7d)?", 2, "count per day"),
    (r".*_credit(_7d)?", 3, "sessions weighted by their sets"),
    (r"below_resting_days_7d", 2, "day equivalents"),
    (r"(.*_)?score(_28d(_previous)?)?|energy_protein_penalty", 1, "score points, 0-100"),
    (r"trimp|(acute|chronic|fitness)_load", 1, "TRIMP (arbitrary units)"),
)
#: Decimals of a float column no rule names (a test keeps every mart column named).
DEFAULT_DECIMALS = 4

_RULES = tuple((re.compile(pattern), decimals) for pattern, decimals, _ in CSV_DECIMALS)


def csv_decimals(column: str) -> int | None:
    """Decimals the CSV export keeps of the float column `column`; None when no rule
    names it (the export then keeps `DEFAULT_DECIMALS`)."""
    return next((decimals for pattern, decimals in _RULES if pattern.fullmatch(column)), None)
