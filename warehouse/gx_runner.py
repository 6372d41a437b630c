"""Running an expectation suite on an in-memory frame with Great Expectations 1.x.

GX 1.x cannot validate DuckDB through SQLAlchemy today, so the built frames are checked in
memory: polars -> pandas via Arrow (dates stay `datetime.date`), one ephemeral context per
process (nothing written to disk, no progress bars, no telemetry), `batch.validate(suite)`:
once for every expectation with counts only, again for those with offending rows.
A failed suite does not raise: the caller reads `CheckResult.success`. The suites
themselves, and `CheckResult`, are contracts in `schemas.expectations`.

Results carry keys only: for a failed expectation, up to `max_keys` (athlete, day or week)
keys of offending rows, and for an expectation about rows the keys of every offending row
(`failing_keys`, so that a build can hold back exactly the athletes they belong to); the
checked values themselves are never returned (GX's `exclude_unexpected_values`), and a
column statistic's observed value is withheld, so reports and logs hold no health values.
GX is imported on first use (it takes seconds).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import threading
from collections.abc import Sequence
from typing import Any

from schemas.expectations import CheckResult, import_gx

#: Observed values of these expectation types describe the table (row counts), not health
#: data; every other observed value is withheld.
SAFE_OBSERVED_PREFIXES = ("expect_table_",)

_lock = threading.Lock()
_setup = threading.RLock()  # one context, also with a prewarm thread
_state: dict[str, Any] = {}


def prewarm() -> threading.Thread:
    """Import Great Expectations and make its context in a background thread, so that a
    build's validation finds them ready: the import alone takes about 6 s of a fresh
    process, which this overlaps with the ingest and the facts (polars releases the GIL).
    Errors are left for the validation itself to raise."""
    def warm() -> None:
        with contextlib.suppress(Exception):  # validate() raises it where it matters
            _batch_definition()

    thread = threading.Thread(target=warm, name="musclebalance-gx-prewarm", daemon=True)
    thread.start()
    return thread


def _batch_definition() -> Any:
    with _setup:
        return _make_batch_definition()


def _make_batch_definition() -> Any:
    if "batch" not in _state:
        gx = import_gx()
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        _state["batch"] = (context.data_sources.add_pandas("musclebalance")
                           .add_dataframe_asset("frame")
                           .add_batch_definition_whole_dataframe("whole"))
    return _state["batch"]


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, list | dict):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if hasattr(value, "to_json_dict"):  # row conditions
        return _json_safe(value.to_json_dict())
    return value if isinstance(value, int | float) else str(value)


def _columns(kwargs: dict) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    return tuple(kwargs.get("column_list") or ())


def _error(info: dict | None) -> str | None:
    """The message of an expectation that raised (tracebacks dropped: they can quote data)."""
    if not info:
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info["raised_exception"] else None
    messages = sorted({v.get("exception_message") or "error" for v in info.values()
                       if isinstance(v, dict)})
    return "; ".join(messages) or None


def _keys(frame: Any, labels: Sequence[Any], key_columns: Sequence[str]) -> list[dict]:
    """The key columns of the rows at these index labels, JSON-safe."""
    if not labels:
        return []
    return [{c: _json_safe(v) for c, v in row.items()}
            for row in frame.loc[list(labels), list(key_columns)].to_dict("records")]


def _run(pandas_frame: Any, expectations: Sequence[tuple[int, Any]], result_format: dict
         ) -> list[Any]:
    """One GX validation of `(index, expectation)` pairs, the index kept in each copy's meta;
    the caller holds `_lock`."""
    gx = import_gx()
    copies = []
    for i, expectation in expectations:
        copy = expectation.copy(deep=True)
        copy.id = None
        copy.meta = {**(copy.meta or {}), "mb_index": i}
        copies.append(copy)
    suite = gx.ExpectationSuite(name="musclebalance", expectations=copies)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": pandas_frame})
    return batch.validate(suite, result_format=result_format).results


def _needs_detail(result: Any) -> bool:
    """Whether a result of the BASIC pass has rows to name (it failed, raised or has
    unexpected rows within its `mostly`): only these pass again in COMPLETE."""
    return not result.success or bool((result.result or {}).get("unexpected_count"))


def validate(frame: Any, expectations: Sequence[Any], key_columns: Sequence[str],
             max_keys: int = 5) -> list[CheckResult]:
    """Check a polars (or pandas) `frame` against GX expectation objects; one result per
    expectation, in the order given.

    Two passes: every expectation in GX's BASIC result format (success, counts, table
    statistics: about a third cheaper than COMPLETE), then, in COMPLETE, only those that
    failed, have unexpected rows or raised, for the indexes of their rows. An expectation
    without unexpected rows has no keys to name, so every result is what one COMPLETE pass
    gives."""
    pandas_frame = frame if hasattr(frame, "iloc") else frame.to_arrow().to_pandas()
    pandas_frame = pandas_frame.reset_index(drop=True)  # index label == row position
    basic = {"result_format": "BASIC", "exclude_unexpected_values": True}
    complete = {"result_format": "COMPLETE", "exclude_unexpected_values": True,
                "partial_unexpected_count": max_keys}
    with _lock:
        results = {r.expectation_config.meta["mb_index"]: r
                   for r in _run(pandas_frame, list(enumerate(expectations)), basic)}
        again = [(i, expectations[i]) for i, r in sorted(results.items()) if _needs_detail(r)]
        if again:
            results |= {r.expectation_config.meta["mb_index"]: r
                        for r in _run(pandas_frame, again, complete)}
    out: list[CheckResult | None] = [None] * len(expectations)
    for result in results.values():
        config = result.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        res = result.result or {}
        observed = res.get("observed_value")
        if not config.type.startswith(SAFE_OBSERVED_PREFIXES):
            observed = None
        every = res.get("unexpected_index_list")
        failing = (None if result.success or every is None
                   else _keys(pandas_frame, every, key_columns))
        out[config.meta["mb_index"]] = CheckResult(
            expectation=config.type, columns=_columns(kwargs), settings=_json_safe(kwargs),
            success=bool(result.success), observed_value=_json_safe(observed),
            unexpected_count=res.get("unexpected_count"),
            unexpected_keys=_keys(pandas_frame, (res.get("partial_unexpected_index_list")
                                                 or [])[:max_keys], key_columns),
            error=_error(result.exception_info), failing_keys=failing)
    missing = [i for i, r in enumerate(out) if r is None]
    if missing:
        raise RuntimeError(f"Great Expectations returned no result for expectations {missing}")
    return out  # type: ignore[return-value]
