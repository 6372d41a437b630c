"""Tests for the ``musclebalance.toml`` model in :mod:`schemas.config`."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from schemas.config import (
    NUTRITION_FORMATS,
    Athlete,
    Config,
    ConfigError,
    DisplaySettings,
    IngestSettings,
    NutritionSource,
    WarehouseSettings,
    config_from_dict,
    default_config_text,
    load_config,
    resolve_zone_model,
)
from schemas.scoring import Scoring

BASE_TOML = """\
[warehouse]
path = "data/mb.duckdb"

[[athletes]]
id = "me"
timezone = "Europe/Berlin"
sex = "female"
birth_year = 1990
height_cm = 168
max_hr = 188
fit_paths = ["fit"]
"""

# A line of the template that uncomments an optional key or table, e.g. "# max_hr = 188".
_COMMENTED_KEY = re.compile(r"^# (\[\[?[a-z.]+\]\]?|[a-z_]+ = .+)$")


def write_config(folder: Path, text: str, name: str = "musclebalance.toml") -> Path:
    """Write ``text`` as a config file in ``folder`` and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(text: str, old: str, new: str) -> str:
    """Replace exactly one occurrence of ``old`` in ``text``."""
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def athlete_dict(**overrides: object) -> dict[str, object]:
    """A valid ``[[athletes]]`` table as a dict, with overrides."""
    athlete: dict[str, object] = {
        "id": "me",
        "timezone": "UTC",
        "sex": "male",
        "birth_year": 1985,
        "height_cm": 180,
        "fit_paths": [],
    }
    return athlete | overrides


def config_dict(*athletes: dict[str, object], **tables: object) -> dict[str, object]:
    """A valid config as a dict, with the given athletes (default: one) and extra tables."""
    data: dict[str, object] = {
        "warehouse": {"path": "wh.duckdb"},
        "athletes": list(athletes or [athlete_dict()]),
    }
    return data | tables


def fields_of(model: type[BaseModel]) -> set[str]:
    """Field names of ``model`` and of all models nested in it."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(name)
        for nested in (WarehouseSettings, IngestSettings, DisplaySettings, Athlete,
                       NutritionSource):
            if nested.__name__ in str(field.annotation):
                names |= fields_of(nested)
    return names


# ----------------------------------------------------------------------------------- template


def test_template_round_trips(tmp_path: Path) -> None:
    """The template written by `init` loads cleanly: one athlete "me" with a valid zone."""
    config = load_config(write_config(tmp_path, default_config_text()))

    assert [a.id for a in config.athletes] == ["me"]
    me = config.athlete("me")
    assert isinstance(me.zoneinfo, ZoneInfo)
    assert config.warehouse.path == tmp_path / "data" / "musclebalance.duckdb"
    assert me.fit_paths == (tmp_path / "fit",)
    assert me.zone_model == "auto"
    assert me.resolved_zone_model == "hrmax"  # neither resting_hr nor lthr is set
    assert config.display.units == "metric"
    assert config.ingest.workers == (os.cpu_count() or 1)
    assert config.ingest.decoder == "fast"  # the template leaves the decoder commented out
    assert config.scoring == Scoring()


def test_template_documents_every_key() -> None:
    """Every key of the model appears in the template, set or commented out."""
    text = default_config_text()
    tables = ["[warehouse]", "[ingest]", "[display]", "[[athletes]]",
              "[[athletes.nutrition]]", "[scoring]"]
    keys = fields_of(Config) - {"warehouse", "ingest", "display", "athletes", "nutrition",
                                "scoring", "columns"}
    missing = [name for name in sorted(keys) if not re.search(rf"^(# )?{name} = ", text, re.M)]
    assert missing == []
    assert [table for table in tables if table not in text] == []
    assert all(f'"{name}"' in text for name in NUTRITION_FORMATS)


def test_every_export_format_is_listed_once() -> None:
    """`macrofactor` is a family and a format name: the lists name it once."""
    assert len(NUTRITION_FORMATS) == len(set(NUTRITION_FORMATS))
    (listed,) = [line for line in default_config_text().splitlines()
                 if line.startswith("# Export format: ")]
    assert listed.count('"macrofactor"') == 1
    assert listed.count('"myfitnesspal"') == 1 and listed.count('"generic"') == 1


def test_template_optional_examples_are_valid(tmp_path: Path) -> None:
    """Uncommenting every optional key of the template still gives a valid config."""
    lines = default_config_text().splitlines()
    uncommented = [line[2:] if _COMMENTED_KEY.match(line) else line for line in lines]
    config = load_config(write_config(tmp_path, "\n".join(uncommented)))

    me = config.athlete("me")
    assert None not in (me.weight_kg, me.max_hr, me.resting_hr, me.lthr, me.weight_unit)
    assert [n.format for n in me.nutrition] == ["cronometer", "generic"]
    assert me.nutrition[1].columns is not None and me.nutrition[1].columns.fiber == "Fibre"
    assert None not in config.ingest.model_dump().values()
    assert config.ingest.decoder == "fitparse"  # the example is the one choice to make
    assert config.display.units == "imperial"
    # the three commented [scoring] examples, at their default values
    assert config.scoring == Scoring()
    assert (config.scoring.protein_target_g_per_kg, config.scoring.weight_intensity,
            config.scoring.low_risk_min_score) == (1.6, 0.05, 70.0)


@pytest.mark.parametrize(
    "warehouse_path",
    ["wh/x.duckdb", 'odd "quoted" name.duckdb', "C:\\Users\\me\\mb.duckdb", "dätä/x.duckdb"],
)
def test_template_warehouse_path_is_escaped(tmp_path: Path, warehouse_path: str) -> None:
    """The warehouse path argument is written as a valid TOML string."""
    config = load_config(write_config(tmp_path, default_config_text(warehouse_path)))
    assert config.warehouse.path == tmp_path / warehouse_path


# -------------------------------------------------------------------------------- bad values

BAD_TOML_CASES = [
    pytest.param(
        'timezone = "Europe/Berlin"',
        'timezone = "Mars/Base"',
        "athletes[0].timezone: unknown time zone 'Mars/Base'",
        id="unknown-timezone",
    ),
    pytest.param(
        "height_cm = 168", "height_cm = -5", "athletes[0].height_cm: must be between", id="height"
    ),
    pytest.param('sex = "female"', 'sex = "other"', "athletes[0].sex: expected", id="sex"),
    pytest.param(
        "max_hr = 188", "max_hr = 188\nresting_hr = 188", "athletes[0].resting_hr", id="rest=max"
    ),
    pytest.param(
        "max_hr = 188", "max_hr = 188\nlthr = 200", "athletes[0].lthr: must be below", id="lthr"
    ),
    pytest.param("birth_year = 1990", "birth_year = 1850", "athletes[0].birth_year", id="born"),
    pytest.param("max_hr = 188", "max_hr = 188.5", "athletes[0].max_hr", id="float-hr"),
    pytest.param('id = "me"', 'id = "me too"', "athletes[0].id", id="bad-id"),
    pytest.param(
        "max_hr = 188", 'max_hr = 188\ncolour = "red"', "athletes[0].colour: unknown key", id="key"
    ),
    pytest.param(
        'path = "data/mb.duckdb"',
        'path = "data/mb.duckdb"\n[ingest]\nmax_zip_depth = 11',
        "ingest.max_zip_depth",
        id="zip-depth",
    ),
    pytest.param(
        'fit_paths = ["fit"]',
        'fit_paths = ["fit"]\n[[athletes.nutrition]]\npath = "n.csv"\nformat = "mfp"',
        "athletes[0].nutrition[0].format: expected 'cronometer'",
        id="nutrition-format",
    ),
    pytest.param(
        'fit_paths = ["fit"]',
        'fit_paths = ["fit"]\n[[athletes.nutrition]]\npath = "n.csv"\nweight_unit = "st"',
        "athletes[0].nutrition[0].weight_unit: expected 'kg' or 'lb'",
        id="nutrition-unit",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD_TOML_CASES)
def test_bad_value_names_key_path_and_value(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """Each bad value is reported with the file, the exact key path and the offending value."""
    path = write_config(tmp_path, edit(BASE_TOML, old, new))
    bad_value = new.splitlines()[-1].split(" = ", 1)[1]

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert bad_value.replace('"', "'") in message
    assert len(caught.value.problems) == 1
    assert "pydantic" not in message


def test_duplicate_athlete_ids(tmp_path: Path) -> None:
    """A second athlete with a used id points at the second one's id."""
    second = BASE_TOML[BASE_TOML.index("[[athletes]]") :]
    path = write_config(tmp_path, BASE_TOML + "\n" + second)

    with pytest.raises(ConfigError, match=re.escape("athletes[1].id: duplicate athlete id")) as e:
        load_config(path)
    assert "already used by athletes[0] (got 'me')" in str(e.value)


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    """TOML syntax errors become ConfigError with the position of the problem."""
    path = write_config(tmp_path, edit(BASE_TOML, "height_cm = 168", "height_cm = "))

    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 9, column 13") as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_missing_file(tmp_path: Path) -> None:
    """A missing config file is a ConfigError naming the file."""
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=re.escape(f"{path}: config file not found")):
        load_config(path)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    """Unreadable paths are ConfigErrors too, not raw OSErrors."""
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path)


def test_non_utf8_file(tmp_path: Path) -> None:
    """Files that are not UTF-8 are reported as such."""
    path = tmp_path / "musclebalance.toml"
    path.write_bytes(BASE_TOML.replace("me", "m\xe9").encode("latin-1"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(config_dict(athlete_dict(height_cm=-5)), "athletes[0].height_cm", id="h"),
        pytest.param(config_dict(athlete_dict(sex=1)), "athletes[0].sex: expected", id="sex"),
        pytest.param(config_dict(athlete_dict(height_cm="168")), "expected a number", id="str"),
        pytest.param(config_dict(athlete_dict(fit_paths="fit")), "expected a list", id="list"),
        pytest.param(config_dict(athlete_dict(fit_paths=[""])), "fit_paths[0]: must not", id="e"),
        pytest.param(config_dict(athlete_dict(weight_kg=10)), "weight_kg: must be", id="kg"),
        pytest.param(config_dict(athlete_dict(zone_model="lthr")), "needs lthr", id="zone-lthr"),
        pytest.param(config_dict(athlete_dict(zone_model="hrr")), "needs resting_hr", id="hrr"),
        pytest.param(config_dict(athlete_dict(zone_model="x")), "'hrmax', 'hrr' or 'lthr'", id="z"),
        pytest.param(config_dict(athlete_dict(strength_source="log")),
                     'athletes[0].strength_log: strength_source = "log" needs strength_log',
                     id="strength-log-missing"),
        pytest.param(config_dict(athlete_dict(strength_log=["lifts.csv"])),
                     'athletes[0].strength_log: is only read with strength_source = "log" '
                     '(strength_source is "watch")', id="strength-log-unused"),
        pytest.param(config_dict(athlete_dict(strength_source="none", strength_log=["l.csv"])),
                     '(strength_source is "none")', id="strength-log-none"),
        pytest.param(config_dict(athlete_dict(strength_source="gym")),
                     "athletes[0].strength_source: expected 'watch', 'log' or 'none'",
                     id="strength-source"),
        pytest.param(config_dict(ingest={"workers": 0}), "ingest.workers: must be", id="workers"),
        pytest.param(config_dict(ingest={"decoder": "turbo"}),
                     "mb.toml: ingest.decoder: expected 'fast' or 'fitparse' (got 'turbo')",
                     id="decoder"),
        pytest.param(config_dict(display={"units": "us"}), "'metric' or 'imperial'",
                     id="units"),
        pytest.param(config_dict(ingest={"max_zip_bytes": -1}), "ingest.max_zip_bytes", id="zb"),
        pytest.param(config_dict(scoring={"a.b": [1]}), 'scoring."a.b": unknown constant',
                     id="scoring"),
        pytest.param(config_dict(scoring={"max_reasons": 2.5}),
                     "scoring.max_reasons: expected a whole number (got 2.5)", id="scoring-int"),
        pytest.param(config_dict(extra={}), "extra: unknown key (allowed: warehouse", id="table"),
        pytest.param({"warehouse": {"path": "x"}, "athletes": []}, "at least one", id="none"),
        pytest.param({"athletes": [athlete_dict()]}, "warehouse: missing required key", id="wh"),
    ],
)
def test_config_from_dict_errors(data: dict[str, object], expected: str) -> None:
    """Errors from config_from_dict are one short line each, prefixed with the source."""
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data, base_dir=Path("/cfg"), source="mb.toml")

    message = str(caught.value)
    assert expected in message
    assert all(line.startswith("mb.toml: ") for line in message.splitlines())
    assert "errors.pydantic.dev" not in message
    assert "validation error" not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["2025-3-3"], "athletes[0].incomplete_days[0]: expected a date "
                     '"YYYY-MM-DD" (got \'2025-3-3\')', id="unpadded"),
        pytest.param(["2025-03-03", "2025-02-30"], "athletes[0].incomplete_days[1]: expected a "
                     "date \"YYYY-MM-DD\" (got '2025-02-30')", id="no-such-day"),
        pytest.param(["2025-03-03T08:00"], "incomplete_days[0]: expected a date", id="time"),
        pytest.param([20250303], "incomplete_days[0]: expected a date", id="number"),
        pytest.param("2025-03-03", "athletes[0].incomplete_days: expected a list", id="not-list"),
    ],
)
def test_incomplete_days_must_be_dates(value: object, expected: str) -> None:
    """A bad entry of incomplete_days is named by its key, index and value."""
    with pytest.raises(ConfigError) as caught:
        config_from_dict(config_dict(athlete_dict(incomplete_days=value)), base_dir=Path("/c"),
                         source="mb.toml")
    assert expected in str(caught.value)


def test_incomplete_days_take_strings_and_toml_dates(tmp_path: Path) -> None:
    """Strings "YYYY-MM-DD" and TOML's own dates are read as days; the default is none."""
    text = edit(BASE_TOML, 'fit_paths = ["fit"]',
                'fit_paths = ["fit"]\nincomplete_days = ["2025-03-03", 2025-03-05]')
    me = load_config(write_config(tmp_path, text)).athletes[0]
    assert me.incomplete_days == (date(2025, 3, 3), date(2025, 3, 5))
    default = config_from_dict(config_dict(athlete_dict()), base_dir=tmp_path)
    assert default.athletes[0].incomplete_days == ()


def test_unknown_key_suggests_close_match() -> None:
    """A misspelt key suggests the right one."""
    data = config_dict(athlete_dict(heigth_cm=170))
    with pytest.raises(ConfigError, match=r"athletes\[0\]\.heigth_cm: unknown key, did you mean"):
        config_from_dict(data, base_dir=Path("/cfg"))


def test_every_problem_is_reported() -> None:
    """All problems are listed, one line each, in document order."""
    data = config_dict(athlete_dict(timezone="Mars/Base", height_cm=-5, sex="x"))
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data, base_dir=Path("/cfg"), source="mb.toml")
    assert caught.value.problems == (
        "mb.toml: athletes[0].timezone: unknown time zone 'Mars/Base' "
        "(expected an IANA name such as 'Europe/Berlin')",
        "mb.toml: athletes[0].sex: expected 'female' or 'male' (got 'x')",
        "mb.toml: athletes[0].height_cm: must be between 100 and 250 cm (got -5)",
    )


def test_birth_year_upper_bound_is_current_year() -> None:
    """Birth years up to this year are fine; next year is not."""
    this_year = date.today().year
    config = config_from_dict(config_dict(athlete_dict(birth_year=this_year)), base_dir=Path("/"))
    assert config.athletes[0].birth_year == this_year
    with pytest.raises(ConfigError, match=f"got {this_year + 1}"):
        config_from_dict(config_dict(athlete_dict(birth_year=this_year + 1)), base_dir=Path("/"))


# ------------------------------------------------------------------------------------- paths


def test_relative_paths_resolve_against_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative paths are anchored at the config file's folder, not the working directory."""
    folder = tmp_path / "conf"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    text = BASE_TOML + '\n[[athletes.nutrition]]\npath = "exports/cronometer.csv"\n'
    write_config(folder, text)

    config = load_config(Path("conf") / "musclebalance.toml")

    me = config.athlete("me")
    assert config.warehouse.path == folder / "data" / "mb.duckdb"
    assert me.fit_paths == (folder / "fit",)
    assert me.nutrition[0].path == folder / "exports" / "cronometer.csv"
    assert all(p.is_absolute() for p in (config.warehouse.path, *me.fit_paths))


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    """Absolute paths are used as written."""
    elsewhere = tmp_path / "elsewhere" / "a.fit"
    data = config_dict(athlete_dict(fit_paths=[str(elsewhere)]))
    config = config_from_dict(data, base_dir=tmp_path / "conf")
    assert config.athletes[0].fit_paths == (elsewhere,)


@pytest.mark.parametrize(
    ("written", "expected_parts"),
    [("~/fit", ("fit",)), ("~", ()), ("~/exports/garmin.zip", ("exports", "garmin.zip"))],
)
def test_tilde_expands_to_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, expected_parts: tuple[str, ...]
) -> None:
    """A leading ``~`` is the user's home folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    data = config_dict(athlete_dict(fit_paths=[written]), warehouse={"path": "~/mb.duckdb"})

    config = config_from_dict(data, base_dir=tmp_path / "conf")

    assert config.athletes[0].fit_paths == (home.joinpath(*expected_parts),)
    assert config.warehouse.path == home / "mb.duckdb"


# --------------------------------------------------------------------------------- the model


def test_full_athlete_and_accessors(tmp_path: Path) -> None:
    """All optional keys load with their types; athlete() finds athletes by id."""
    runner = athlete_dict(
        id="runner.2",
        timezone="America/New_York",
        weight_kg=61.5,
        max_hr=190,
        resting_hr=48,
        lthr=172,
        weight_unit="lb",
        zone_model="lthr",
        nutrition=[{"path": "mfp.csv", "format": "myfitnesspal", "weight_unit": "kg"}],
    )
    data = config_dict(
        athlete_dict(),
        runner,
        ingest={"workers": 3, "max_zip_bytes": 10, "max_zip_entries": 5, "max_zip_depth": 2},
        scoring={"protein_target_g_per_kg": 2, "max_reasons": 2.0, "max_gap_s": 12.5},
    )

    config = config_from_dict(data, base_dir=tmp_path)

    athlete = config.athlete("runner.2")
    assert athlete.zoneinfo == ZoneInfo("America/New_York")
    assert (athlete.max_hr, athlete.resting_hr, athlete.lthr) == (190, 48, 172)
    assert athlete.nutrition == (
        NutritionSource(path=tmp_path / "mfp.csv", format="myfitnesspal", weight_unit="kg"),
    )
    assert config.ingest == IngestSettings(
        workers=3, max_zip_bytes=10, max_zip_entries=5, max_zip_depth=2
    )
    scoring = config.scoring
    assert (scoring.protein_target_g_per_kg, scoring.max_reasons, scoring.max_gap_s) == (
        2.0, 2, 12.5)
    assert [type(v) for v in (scoring.protein_target_g_per_kg, scoring.max_reasons)] == [
        float, int]


def test_unknown_athlete_lists_known_ids() -> None:
    """athlete() raises KeyError naming the unknown id and the known ones."""
    config = config_from_dict(config_dict(), base_dir=Path("/"))
    with pytest.raises(KeyError) as caught:
        config.athlete("ghost")
    assert str(caught.value) == "unknown athlete id 'ghost' (known: 'me')"


def test_config_is_frozen() -> None:
    """Loaded configs cannot be modified."""
    config = config_from_dict(config_dict(), base_dir=Path("/"))
    with pytest.raises(ValueError, match="frozen"):
        config.athletes[0].height_cm = 1  # type: ignore[misc]


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(),
                    reason="FIFOs and /dev/zero exist on POSIX systems only")
def test_a_config_that_is_a_device_or_fifo_is_refused_without_reading_it(
    tmp_path: Path,
) -> None:
    import signal

    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    signal.alarm(10)  # a read of either would never end: fail rather than hang
    try:
        for name in ("pipe.toml", "zero.toml"):
            with pytest.raises(ConfigError, match="not a regular file"):
                load_config(tmp_path / name)
    finally:
        signal.alarm(0)


@pytest.mark.parametrize(("settings", "model", "resolved"), [
    ({}, "auto", "hrmax"),                                         # the default
    ({"max_hr": 190, "resting_hr": 50}, "auto", "hrr"),
    ({"max_hr": 190, "lthr": 171}, "auto", "lthr"),
    ({"max_hr": 190, "resting_hr": 50, "lthr": 171}, "auto", "hrr"),  # reserve first
    ({"max_hr": 190, "resting_hr": 50, "lthr": 171, "zone_model": "lthr"}, "lthr", "lthr"),
    ({"max_hr": 190, "resting_hr": 50, "lthr": 171, "zone_model": "hrmax"}, "hrmax", "hrmax"),
    ({"max_hr": 190, "resting_hr": 50, "zone_model": "hrr"}, "hrr", "hrr"),
])
def test_the_zone_model_auto_resolves_and_an_explicit_one_overrides(settings, model,
                                                                     resolved) -> None:
    config = config_from_dict(config_dict(athlete_dict(**settings)), base_dir=Path("/cfg"))
    athlete = config.athlete("me")
    assert (athlete.zone_model, athlete.resolved_zone_model) == (model, resolved)
    assert resolve_zone_model(model, athlete.resting_hr, athlete.lthr) == resolved


def test_strength_source_defaults_to_the_watch_and_a_log_resolves_its_paths() -> None:
    """No strength keys: the watch records strength; strength_source = "log" takes its
    files and folders relative to the config's folder."""
    plain = config_from_dict(config_dict(), base_dir=Path("/cfg")).athlete("me")
    assert (plain.strength_source, plain.strength_log) == ("watch", ())
    logged = config_from_dict(
        config_dict(athlete_dict(strength_source="log", strength_log=["lifts.csv", "/gym"])),
        base_dir=Path("/cfg")).athlete("me")
    assert logged.strength_log == (Path("/cfg/lifts.csv"), Path("/gym"))
