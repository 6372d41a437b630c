"""The model version stamped on every score (`transforms.scoring.score_model`):
MODEL_VERSION with the default constants, a digest of the overrides appended otherwise."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from schemas.config import default_config_text, load_config
from schemas.scoring import FactConstants, ScoreConstants, Scoring
from tests.factories import START, make_facts
from transforms.scoring.muscle_balance import score_days
from transforms.scoring.score_model import MODEL_VERSION, model_version, overridden

DEFAULT = ScoreConstants()
FACTS = FactConstants()


def test_model_version_is_a_dotted_number() -> None:
    assert re.fullmatch(r"\d+\.\d+", MODEL_VERSION)


def test_the_defaults_give_model_version() -> None:
    assert model_version(DEFAULT, FACTS) == MODEL_VERSION
    assert model_version(Scoring(), Scoring()) == MODEL_VERSION
    # a key set to its default value is no override
    same = Scoring(protein_target_g_per_kg=1.6, min_logged_days=4, max_gap_s=10)
    assert model_version(same, same) == MODEL_VERSION


def test_an_override_appends_a_digest_of_the_changed_constants() -> None:
    k = Scoring(protein_target_g_per_kg=1.8, acute_load_days=10)
    assert overridden(k, k) == {"protein_target_g_per_kg": 1.8, "acute_load_days": 10.0}
    # by hand: SHA-256 of the sorted JSON of the changed keys, values as floats
    text = '{"acute_load_days": 10.0, "protein_target_g_per_kg": 1.8}'
    assert json.dumps(overridden(k, k), sort_keys=True) == text
    expected = hashlib.sha256(text.encode()).hexdigest()[:8]
    assert model_version(k, k) == f"{MODEL_VERSION}+{expected}"


def test_every_constant_gives_a_version_of_its_own() -> None:
    versions = {MODEL_VERSION}
    for name in ScoreConstants.model_fields:
        changed = DEFAULT.model_copy(update={name: getattr(DEFAULT, name) - 0.25})
        versions.add(model_version(changed, FACTS))
    for name in FactConstants.model_fields:
        changed = FACTS.model_copy(update={name: getattr(FACTS, name) + 1})
        versions.add(model_version(DEFAULT, changed))
    assert len(versions) == 1 + len(ScoreConstants.model_fields) + len(
        FactConstants.model_fields)


def test_the_intensity_reasons_switch_is_an_override_like_any_constant() -> None:
    on = Scoring(intensity_reasons=True)
    assert overridden(on, on) == {"intensity_reasons": 1.0}  # float(True)
    text = '{"intensity_reasons": 1.0}'
    expected = hashlib.sha256(text.encode()).hexdigest()[:8]
    assert model_version(on, on) == f"{MODEL_VERSION}+{expected}"
    off = Scoring(intensity_reasons=False)  # the default: no override
    assert (overridden(off, off), model_version(off, off)) == ({}, MODEL_VERSION)


def test_an_int_and_an_equal_float_give_one_version() -> None:
    as_int = Scoring(max_reasons=2, activity_factor=2)
    as_float = Scoring(max_reasons=2.0, activity_factor=2.0)
    assert model_version(as_int, as_int) == model_version(as_float, as_float) != MODEL_VERSION


def test_good_overrides_from_the_config_file_change_the_score(tmp_path: Path) -> None:
    # Every day: 1.8 g/kg protein over 4 meals reaching 0.4 g/kg, energy balance 0 (no
    # deficit, so the target is protein_target_g_per_kg), everything else good.
    facts = make_facts(14)
    last = START + timedelta(days=13)
    path = tmp_path / "musclebalance.toml"
    path.write_text(default_config_text() + "\n[scoring]\n"
                    "weight_protein = 1\nweight_energy = 0\nweight_carbohydrate = 0\n"
                    "weight_running_load = 0\nweight_intensity = 0\nweight_strength = 0\n"
                    "weight_recovery = 0\nprotein_target_g_per_kg = 2.4\n"
                    "low_risk_min_score = 75\n", encoding="utf-8")
    scoring = load_config(path).scoring
    row = score_days(*facts, scoring, scoring).filter(
        pl.col("local_date") == last).row(0, named=True)
    # by hand: protein alone counts; amount ramps from the floor 0.8 to the target 2.4:
    # (1.8 - 0.8) / (2.4 - 0.8) = 62.5; spread 4 of 4 meals = 100; 0.75 x 62.5 + 0.25 x 100
    assert row["protein_score"] == pytest.approx(71.9, abs=0.05)
    assert row["score"] == pytest.approx(71.9, abs=0.05)
    assert row["band"] == "moderate"  # below the overridden 75, at or above 50
    assert row["model_version"].startswith(f"{MODEL_VERSION}+")
    # the same days with the defaults: 1.8 g/kg is above the target 1.6, every component
    # full: 100, band low, the plain version
    default = score_days(*facts).filter(pl.col("local_date") == last).row(0, named=True)
    assert (default["score"], default["band"], default["model_version"]) == (
        100.0, "low", MODEL_VERSION)
