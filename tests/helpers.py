"""Helpers shared by the tests: where the real fixtures are, and skipping without them."""

from __future__ import annotations

import csv
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIT_FIXTURES = SHARED / "fixtures" / "fit"

#: The config of the default SyntheticAthlete with FIT files in ./fit and food in ./food,
#: warehouse data/w.duckdb (flow tests write it beside their generated files).
SYNTHETIC_CONFIG = """[warehouse]
path = "data/w.duckdb"

[[athletes]]
id = "demo"
timezone = "Europe/Berlin"
sex = "female"
birth_year = 1990
height_cm = 168
weight_kg = 60
max_hr = 188
resting_hr = 50
fit_paths = ["fit"]

[[athletes.nutrition]]
path = "food"
"""


def fit_manifest() -> list[dict[str, str]]:
    """Rows of ../shared/fixtures/fit/MANIFEST.tsv, or [] where the folder is absent."""
    manifest = FIT_FIXTURES / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def require_fixtures() -> Path:
    """The real FIT fixtures folder; skips the test with the reason where it is absent."""
    if not (FIT_FIXTURES / "MANIFEST.tsv").exists():
        pytest.skip(f"real FIT fixtures not found at {FIT_FIXTURES} (the shared/ folder "
                    "beside the repository); generated-file tests still run")
    return FIT_FIXTURES


@dataclass(frozen=True)
class DemoRun:
    """`musclebalance demo` as a user runs it, once per session (the `demo_run` fixture)."""

    folder: Path
    result: subprocess.CompletedProcess
    last_day: date  # yesterday in the athlete's zone when the demo ran
    crossed_midnight: bool

    @property
    def published(self) -> Path:
        return self.folder / "data" / "published" / "musclebalance.duckdb"

    @property
    def config(self) -> Path:
        return self.folder / "musclebalance.toml"
