"""How the config and the command line become what the flows ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import UsageError, ingest_request
from schemas.config import load_config

CONFIG = """
[warehouse]
path = "wh/w.duckdb"

[[athletes]]
id = "ana"
timezone = "Europe/Madrid"
sex = "female"
birth_year = 1991
height_cm = 165
weight_kg = 57.5
weight_unit = "lb"
fit_paths = ["garmin"]

[[athletes.nutrition]]
path = "cronometer"
format = "cronometer"

[[athletes.nutrition]]
path = "diary.csv"
format = "generic"
energy_unit = "kJ"
date_format = "DD.MM.YYYY"
[athletes.nutrition.columns]
date = "Datum"
energy = "Energie"
protein = "Eiweiss"
carbohydrate = "KH"
fat = "Fett"

[[athletes]]
id = "ben"
timezone = "UTC"
sex = "male"
birth_year = 1985
height_cm = 180
fit_paths = ["ben-fit"]
"""


@pytest.fixture()
def config(tmp_path: Path):
    path = tmp_path / "musclebalance.toml"
    path.write_text(CONFIG)
    return load_config(path)


def test_config_gives_every_athletes_fit_and_nutrition(config, tmp_path: Path) -> None:
    request = ingest_request(config)
    assert request.warehouse == tmp_path / "wh" / "w.duckdb"
    assert [(a.athlete_id, a.paths, a.timezone) for a in request.athletes] == [
        ("ana", (str(tmp_path / "garmin"),), "Europe/Madrid"),
        ("ben", (str(tmp_path / "ben-fit"),), "UTC"),
    ]
    (ana,) = request.nutrition
    assert (ana.athlete_id, ana.weight_unit, ana.height_cm, ana.weight_kg) == (
        "ana", "lb", 165, 57.5)
    cronometer, generic = ana.sources
    assert (cronometer.path, cronometer.format) == (str(tmp_path / "cronometer"), "cronometer")
    assert generic.format == "generic"
    assert dict(generic.columns) == {"date": "Datum", "energy": "Energie", "protein": "Eiweiss",
                                     "carbohydrate": "KH", "fat": "Fett"}
    assert (generic.energy_unit, generic.date_format) == ("kJ", "%d.%m.%Y")


def test_command_line_paths_replace_the_configs_for_one_athlete(config, tmp_path: Path) -> None:
    request = ingest_request(config, nutrition=[tmp_path / "mfp.zip"], athlete="ana",
                             nutrition_format="myfitnesspal")
    assert request.athletes == []  # --nutrition alone: no FIT this run
    (ana,) = request.nutrition
    assert [(s.path, s.format) for s in ana.sources] == [(str(tmp_path / "mfp.zip"),
                                                          "myfitnesspal")]
    with pytest.raises(UsageError, match="need --athlete"):
        ingest_request(config, fit=[tmp_path / "x.fit"])
    with pytest.raises(UsageError, match="Unknown athlete|unknown athlete|no athlete"):
        ingest_request(config, athlete="zoe")


def test_without_a_config_the_athlete_is_required(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--athlete ID is required"):
        ingest_request(None, fit=[tmp_path])
    with pytest.raises(UsageError, match="nothing to ingest"):
        ingest_request(None, athlete="me")
    with pytest.raises(UsageError, match="column mapping"):
        ingest_request(None, nutrition=[tmp_path], athlete="me", nutrition_format="generic")
    request = ingest_request(None, nutrition=[tmp_path], athlete="me")
    assert request.warehouse == Path("data/musclebalance.duckdb")
    assert request.nutrition[0].sources[0].format is None


def test_weight_unit_and_timezone_from_the_command_line(config, tmp_path: Path) -> None:
    request = ingest_request(config, nutrition=[tmp_path], athlete="ana", weight_unit="kg",
                             timezone="America/Denver")
    assert (request.nutrition[0].weight_unit, request.nutrition[0].timezone) == (
        "kg", "America/Denver")
    bare = ingest_request(None, fit=[tmp_path], athlete="me", timezone="Asia/Tokyo")
    assert bare.athletes[0].timezone == "Asia/Tokyo"
    with pytest.raises(UsageError, match="not an IANA time zone"):
        ingest_request(None, fit=[tmp_path], athlete="me", timezone="Mars/Olympus")


def test_decoder_comes_from_the_config_and_the_command_line_wins(tmp_path: Path) -> None:
    """[ingest] decoder is the default; --decoder overrides it; without either, "fast"."""
    path = tmp_path / "musclebalance.toml"
    path.write_text(CONFIG.replace("[[athletes]]", '[ingest]\ndecoder = "fitparse"\n\n'
                                   "[[athletes]]", 1))
    configured = load_config(path)
    assert ingest_request(configured).decoder == "fitparse"
    assert ingest_request(configured, decoder="fast").decoder == "fast"
    path.write_text(CONFIG)
    assert ingest_request(load_config(path)).decoder == "fast"
    no_config = ingest_request(None, fit=[tmp_path / "a.fit"], athlete="ana")
    assert no_config.decoder == "fast"
    assert ingest_request(None, fit=[tmp_path / "a.fit"], athlete="ana",
                          decoder="fitparse").decoder == "fitparse"
