"""MODEL_VERSION is bumped whenever the scores change.

Five synthetic athletes, fixed here (daily fact frames built from `make_facts`, no
generator or random numbers), are scored with the default constants; the daily and
weekly marts' rows are reduced to a digest that `model_snapshot.json` records per
MODEL_VERSION. When the scores differ from the snapshot of the current MODEL_VERSION, the
test fails with "scores changed without a MODEL_VERSION bump".

The digest: every row of both marts, sorted by their keys, floats rounded to
`DECIMALS` decimal places (so noise in the last bits of a float, from a reordered sum, does
not count as a change; the published scores carry 1 decimal), as JSON, then SHA-256. The
snapshot also keeps a small table per athlete (days scored, mean score, bands) so that a
failure shows where the scores moved.

To record a new version: bump MODEL_VERSION in transforms/scoring/score_model.py, then run
`MB_RECORD_MODEL_SNAPSHOT=1 uv run pytest tests/transforms/scoring/test_model_version.py`
and commit the snapshot file with the change.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import polars as pl
import pytest

from schemas.scoring import COMPONENTS
from tests.factories import (
    REST_DAY,
    UNKNOWN_TRAINING,
    UNLOGGED,
    WEIGHT_KG,
    Facts,
    concat_facts,
    make_facts,
)
from transforms.scoring.muscle_balance import (
    daily_muscle_balance,
    score_days,
    weekly_muscle_balance,
)
from transforms.scoring.score_model import MODEL_VERSION

SNAPSHOT = Path(__file__).with_name("model_snapshot.json")
RECORD = "MB_RECORD_MODEL_SNAPSHOT"
#: Decimal places floats are rounded to before hashing.
DECIMALS = 6
DAYS = 42  # six weeks: the 28-day running baseline is full for the last two


def _underfed(i: int) -> dict[str, object]:
    """Day i of a runner eating far too little: 0.9 g/kg protein in 2 meals (1 reaching
    0.4 g/kg), 1.5 g/kg carbohydrate, 1000 kcal/day below expenditure; from week 4 on a
    little more (1.2 g/kg protein, 2.5 g/kg carbohydrate, -600 kcal/day)."""
    late = i >= 21
    protein, carbohydrate, balance = (1.2, 2.5, -600.0) if late else (0.9, 1.5, -1000.0)
    return {"protein_g": protein * WEIGHT_KG, "protein_g_per_kg": protein,
            "meals_reaching_protein_target": 1, "meals_logged": 2,
            "carbohydrate_g": carbohydrate * WEIGHT_KG, "carbohydrate_g_per_kg": carbohydrate,
            "energy_kcal": 2600.0 + balance, "intake_kcal": 2600.0 + balance,
            "balance_kcal": balance}


#: Two crash days of the underfed runner, logged under 800 kcal and kept (very low intake).
CRASH_DAYS = {i: {"very_low_intake": True, "energy_kcal": 700.0, "intake_kcal": 700.0,
                  "balance_kcal": -1900.0} for i in (33, 35)}


def _overreaching(i: int) -> dict[str, object]:
    """Day i of a runner doubling the load in the last two weeks: 45-min steady runs (2 % in
    zone 4, above the second threshold) and strength twice a week, then 150-min runs with
    30 % there every day and no strength."""
    late = i >= 28
    run = 150.0 if late else 45.0
    hard = 0.3 if late else 0.02  # share of the run in zone 4 (steady running before)
    return {"run_distance_km": run / 5, "run_moving_min": run, "longest_run_min": run,
            "z1_min": run * 0.3, "z2_min": run * (0.7 - hard), "z3_min": 0.0,
            "z4_min": run * hard, "z5_min": 0.0, "high_intensity_min": run * hard,
            "hr_covered_min": run,
            "acute_chronic_ratio": 1.9 if late else 1.0,
            "strength_sessions": 0 if late else (1 if i % 7 in (1, 4) else 0),
            "strength_min": 0.0 if late else (40.0 if i % 7 in (1, 4) else 0.0)}


def athletes() -> Facts:
    """The fixed inputs: five athletes' daily fact frames."""
    return concat_facts(
        # nothing to criticise: band low, no reason
        make_facts(DAYS, athlete="good"),
        # protein, energy and carbohydrate short, with body fat known (energy availability)
        make_facts(DAYS, athlete="underfed",
                   every={"body_fat_pct": 20.0, "fat_free_mass_kg": 0.8 * WEIGHT_KG,
                          "energy_availability_kcal_per_kg_ffm": 28.0},
                   days={i: {**_underfed(i), **CRASH_DAYS.get(i, {})} for i in range(DAYS)}),
        # running load, intensity, strength and recovery: a spike in weeks 5-6
        make_facts(DAYS, athlete="overreaching", days={i: _overreaching(i) for i in range(DAYS)}),
        # food logged on 3 days a week from week 4 (4 are needed), training unknown for a
        # week: days without a score
        make_facts(DAYS, athlete="sparse",
                   days={**{i: UNLOGGED for i in range(21, DAYS) if i % 7 in (0, 2, 4, 6)},
                         **{i: UNKNOWN_TRAINING for i in range(14, 21)}}),
        # rest days only, no strength, half the protein target: a moderate or high band
        make_facts(DAYS, athlete="resting",
                   every={**REST_DAY, "protein_g": 1.3 * WEIGHT_KG, "protein_g_per_kg": 1.3,
                          "meals_reaching_protein_target": 2},
                   missing=(40,)),
    )


def _rows(frame: pl.DataFrame, keys: list[str]) -> list[dict]:
    """The rows sorted by `keys`, floats rounded to DECIMALS, dates as ISO text."""
    rounded = frame.with_columns(pl.col(pl.Float32, pl.Float64).round(DECIMALS)).sort(keys)
    return json.loads(rounded.write_json())


def scores() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The daily and weekly marts of the fixed inputs, with the default constants."""
    scored = score_days(*athletes())
    return daily_muscle_balance(scored), weekly_muscle_balance(scored)


def digest(daily: pl.DataFrame, weekly: pl.DataFrame) -> str:
    """SHA-256 of both marts' rows (sorted, rounded); `model_version` is left out, as it is
    what the digest is compared under."""
    rows = {"daily": _rows(daily.drop("model_version"), ["athlete_id", "local_date"]),
            "weekly": _rows(weekly.drop("model_version"), ["athlete_id", "iso_year", "iso_week"])}
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def summary(daily: pl.DataFrame) -> dict[str, dict[str, object]]:
    """Per athlete: days, days scored, mean score (1 decimal) and days per band."""
    table = {}
    for (athlete,), rows in daily.sort("local_date").group_by("athlete_id", maintain_order=True):
        mean = rows["score"].mean()
        table[athlete] = {
            "days": rows.height, "scored": rows["score"].count(),
            "mean_score": None if mean is None else round(mean, 1),
            "bands": {b: int((rows["band"] == b).sum()) for b in ("low", "moderate", "high")}}
    return dict(sorted(table.items()))


@pytest.fixture(scope="module")
def marts() -> tuple[pl.DataFrame, pl.DataFrame]:
    return scores()


def test_the_fixed_inputs_cover_every_component_and_verdict(
    marts: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    daily, weekly = marts
    # every band, and days without a score (insufficient data)
    assert set(daily["band"].drop_nulls()) == {"low", "moderate", "high"}
    assert daily["score"].null_count() > 0
    # every component scored, and each at some point a reason (below 80 of 100)
    for component in COMPONENTS:
        column = daily[f"{component}_score"]
        assert column.drop_nulls().len() > 0, component
        assert (column < 80).any(), component
    # protein, energy, running load, strength...; intensity never leads by default
    # (intensity_reasons = false), and the crash days are named
    main_factors = set(daily["main_factor"].drop_nulls())
    assert len(main_factors) >= 3 and "intensity" not in main_factors
    assert daily["very_low_intake_days_7d"].max() == 2
    assert weekly.height > 0 and weekly["band"].drop_nulls().len() > 0


def test_scores_change_only_with_a_model_version_bump(
    marts: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    daily, weekly = marts
    assert set(daily["model_version"]) == set(weekly["model_version"]) == {MODEL_VERSION}
    now = {"digest": digest(daily, weekly), "athletes": summary(daily)}
    recorded = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
    if os.environ.get(RECORD) == "1":
        earlier = [v for v, snap in recorded.items()
                   if v != MODEL_VERSION and snap["digest"] == now["digest"]]
        assert not earlier, f"the scores of MODEL_VERSION {MODEL_VERSION} are those of {earlier}"
        recorded[MODEL_VERSION] = now
        SNAPSHOT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        return
    if MODEL_VERSION not in recorded:
        pytest.fail(f"no snapshot for MODEL_VERSION {MODEL_VERSION} in {SNAPSHOT.name}: record "
                    f"it with {RECORD}=1 uv run pytest {Path(__file__).relative_to(Path.cwd())}")
    then = recorded[MODEL_VERSION]
    if now["digest"] != then["digest"]:
        moved = {a: {"then": then["athletes"].get(a), "now": s}
                 for a, s in now["athletes"].items() if then["athletes"].get(a) != s}
        pytest.fail(
            f"scores changed without a MODEL_VERSION bump (MODEL_VERSION {MODEL_VERSION}; "
            f"digest {then['digest'][:12]} recorded, {now['digest'][:12]} now; athletes "
            f"whose summary moved: {moved or 'none, only columns other than the summary'}). "
            f"If the change is meant, bump MODEL_VERSION in "
            f"transforms/scoring/score_model.py and run {RECORD}=1 uv run pytest "
            f"tests/transforms/scoring/test_model_version.py")
    assert now["athletes"] == then["athletes"]


def test_the_digest_ignores_row_order_and_float_noise(
    marts: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    daily, weekly = marts
    shuffled = daily.sample(fraction=1.0, shuffle=True, seed=1)
    noisy = daily.with_columns(pl.col("score") + 1e-9)
    assert digest(shuffled, weekly) == digest(noisy, weekly) == digest(daily, weekly)
    # a change at the published precision is a change
    moved = daily.with_columns(pl.when(pl.col("score").is_not_null())
                               .then(pl.col("score") + 0.1).alias("score"))
    assert digest(moved, weekly) != digest(daily, weekly)
