"""SyntheticAthlete.config, read by the real config model (schemas/config.py).

Every athlete value differs from the others of its type, so a value under the wrong key
shows; the expected values are typed here by hand, not taken from the athlete.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from schemas.config import Config, config_from_dict, load_config
from synthetic import SyntheticAthlete, config_toml

RUNNER = SyntheticAthlete(
    athlete_id="runner_7",
    timezone="America/Chicago",
    sex="male",
    birth_year=1983,
    height_cm=181.5,
    weight_kg=77.25,
    max_hr=193,
    resting_hr=46,
    lthr=171,
)
#: The same person under another id (an athlete "b" who trains as the runner does).
TWIN = replace(RUNNER, athlete_id="twin")


def _check_runner(config: Config, folder: Path, nutrition: bool) -> None:
    (athlete, twin) = config.athletes
    assert athlete.id == "runner_7"
    assert athlete.timezone == "America/Chicago"
    assert athlete.sex == "male"
    assert athlete.birth_year == 1983
    assert athlete.height_cm == 181.5
    assert athlete.weight_kg == 77.25
    assert athlete.max_hr == 193
    assert athlete.resting_hr == 46
    assert athlete.lthr == 171
    assert athlete.fit_paths == (folder / "garmin", folder / "more_fit")
    assert athlete.zone_model == "auto"  # not written: the model's default
    assert athlete.resolved_zone_model == "hrr"  # resting HR known
    assert athlete.weight_unit is None
    assert twin.id == "twin"
    assert twin.model_dump(exclude={"id"}) == athlete.model_dump(exclude={"id"})
    assert config.warehouse.path == folder / "data" / "w.duckdb"
    assert config.ingest.workers == 3
    if nutrition:
        (source,) = athlete.nutrition
        assert source.path == folder / "food"
        assert source.format == "cronometer"
    else:
        assert athlete.nutrition == ()


def test_the_document_loads_with_each_value_under_its_key(tmp_path: Path) -> None:
    document = RUNNER.config("data/w.duckdb", ["garmin", "more_fit"],
                             [{"path": "food", "format": "cronometer"}], also=[TWIN],
                             ingest={"workers": 3})
    _check_runner(config_from_dict(document, base_dir=tmp_path), tmp_path, nutrition=True)


def test_the_toml_text_loads_from_a_file_to_the_same_config(tmp_path: Path) -> None:
    document = RUNNER.config("data/w.duckdb", ["garmin", "more_fit"],
                             [{"path": "food", "format": "cronometer"}], also=[TWIN],
                             ingest={"workers": 3})
    text = config_toml(document, comment=["a generated config", "second line"])
    assert text.startswith("# a generated config\n# second line\n\n[warehouse]\n")
    assert tomllib.loads(text) == document
    path = tmp_path / "musclebalance.toml"
    path.write_text(text, encoding="utf-8")
    _check_runner(load_config(path), tmp_path, nutrition=True)


def test_without_nutrition_or_ingest_those_keys_are_absent(tmp_path: Path) -> None:
    document = RUNNER.config(str(tmp_path / "w.duckdb"))
    assert document == {
        "warehouse": {"path": str(tmp_path / "w.duckdb")},
        "athletes": [{"id": "runner_7", "timezone": "America/Chicago", "sex": "male",
                      "birth_year": 1983, "height_cm": 181.5, "weight_kg": 77.25,
                      "max_hr": 193, "resting_hr": 46, "lthr": 171, "fit_paths": []}],
    }
    (athlete,) = config_from_dict(document, base_dir=tmp_path).athletes
    assert athlete.fit_paths == () and athlete.nutrition == ()


def test_whole_number_sizes_are_written_as_floats(tmp_path: Path) -> None:
    """The config model wants floats for height and weight (StrictFloat)."""
    athlete = SyntheticAthlete(height_cm=170, weight_kg=65)  # ints, as a caller may pass them
    text = config_toml(athlete.config("w.duckdb"))
    assert "height_cm = 170.0\n" in text and "weight_kg = 65.0\n" in text
    path = tmp_path / "musclebalance.toml"
    path.write_text(text, encoding="utf-8")
    (loaded,) = load_config(path).athletes
    assert (loaded.height_cm, loaded.weight_kg) == (170.0, 65.0)


def test_strings_are_escaped_as_toml_basic_strings() -> None:
    text = config_toml({"warehouse": {"path": 'C:\\data\\"w".duckdb'}})
    assert text == '[warehouse]\npath = "C:\\\\data\\\\\\"w\\".duckdb"\n'
    assert tomllib.loads(text) == {"warehouse": {"path": 'C:\\data\\"w".duckdb'}}


def test_a_value_toml_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="no TOML value"):
        config_toml({"warehouse": {"path": None}})
    with pytest.raises(ValueError, match="no TOML value"):
        config_toml({"warehouse": {"limit": float("nan")}})
