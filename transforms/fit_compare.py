"""Compare two decodings of one FIT file: the fast decoder's against fitparse's.

Identity is the contract of transforms/fit_fast.py: every kept table has the same columns,
rows and nulls, typed values equal (floats to the last bit), and `extra_fields` equal as
JSON objects once their null members are dropped (fitparse's path frames rows in chunks, and
a field null in a whole chunk is left out of that chunk's objects; the fast path frames a
file at once). The decoded-field list is compared as a set of rows.

`musclebalance ingest --verify-decoder` shows these differences to a user with
`values=False`: where they are (table, column, rows, field names), never the health values.
"""

from __future__ import annotations

import json

import polars as pl

from schemas.fit import DecodedFit

#: Row indexes named per differing column when values are left out.
ROWS_NAMED = 5


def _objects(values: pl.Series) -> list[dict | None]:
    """extra_fields values as dicts without null members (an empty object as None)."""
    out = []
    for text in values.to_list():
        obj = None if text is None else {k: v for k, v in json.loads(text).items()
                                          if v is not None}
        out.append(obj or None)
    return out


def _differing_keys(p: dict | None, q: dict | None) -> list[str]:
    """The extra_fields keys whose values differ between two objects."""
    p, q = p or {}, q or {}
    return sorted(k for k in p.keys() | q.keys() if p.get(k) != q.get(k))


def _bits(values: pl.Series) -> pl.Series:
    """A float column as the integers of its 64-bit pattern (bit-equal: -0.0 is not 0.0, a
    NaN equals the same NaN). `reinterpret(signed=True)` leaves a float column as it is."""
    return values.cast(pl.Float64).reinterpret(dtype=pl.Int64)


def differences(fast: DecodedFit, reference: DecodedFit, limit: int = 20, *,
                values: bool = True) -> list[str]:
    """Every way the two decodings differ, in words (at most `limit`); [] when identical.

    With `values=False` no field value of the file is named: a differing column gives its
    table, name and first row indexes, `extra_fields` the row and the keys that differ
    (file-level counts, fault reasons and field names are kept: they hold no health value).
    """
    found: list[str] = []

    def note(text: str) -> None:
        if len(found) < limit:
            found.append(text)

    for attr in ("segments", "message_counts", "other_messages", "partial", "nulled",
                 "distance_resets"):
        a, b = getattr(fast, attr), getattr(reference, attr)
        if a != b:
            note(f"{attr}: fast {a!r} != fitparse {b!r}")
    if set(fast.tables) != set(reference.tables):
        note(f"tables: fast {sorted(fast.tables)} != fitparse {sorted(reference.tables)}")
    for name in sorted(set(fast.tables) & set(reference.tables)):
        a, b = fast.tables[name], reference.tables[name]
        if a.columns != b.columns:
            note(f"{name}: columns {a.columns} != {b.columns}")
            continue
        if a.height != b.height:
            note(f"{name}: {a.height} rows != {b.height}")
            continue
        for column in a.columns:
            x, y = a[column], b[column]
            if column == "extra_fields":
                ox, oy = _objects(x), _objects(y)
                for i, (p, q) in enumerate(zip(ox, oy, strict=True)):
                    if p != q:
                        note(f"{name}.extra_fields row {i}: fast {p} != fitparse {q}" if values
                             else f"{name}.extra_fields row {i}: keys "
                                  f"{', '.join(_differing_keys(p, q))}")
                        break
                continue
            if x.dtype != y.dtype:
                note(f"{name}.{column}: dtype {x.dtype} != {y.dtype}")
                continue
            if x.dtype.is_float():
                x, y = _bits(x), _bits(y)
            same = (x == y) | (x.is_null() & y.is_null())
            bad = (~same.fill_null(False)).arg_true()
            if not len(bad):
                continue
            i = bad[0]
            if values:
                note(f"{name}.{column} row {i} (of {len(bad)} rows): fast {a[column][i]!r} "
                     f"!= fitparse {b[column][i]!r}")
            else:
                rows = ", ".join(str(r) for r in bad[:ROWS_NAMED].to_list())
                more = ", ..." if len(bad) > ROWS_NAMED else ""
                note(f"{name}.{column} rows {rows}{more} ({len(bad)} rows differ)")
    fa = set(fast.fields.iter_rows())
    fb = set(reference.fields.iter_rows())
    if fa != fb:
        note(f"fields: only fast {sorted(fa - fb, key=str)[:5]}, "
             f"only fitparse {sorted(fb - fa, key=str)[:5]}")
    return found
