"""Packaging guard: no other installed distribution provides our top-level packages, the
package is marked private (PyPI refuses to upload it), and `tests` is this repository's.

Known clash, checked precisely below: garmin-fit-sdk (Garmin's FIT decoder, which reads
wellness FIT files and which the tests check files with) installs its own top-level `tests`
package into site-packages. Our tests/__init__.py makes `tests` a regular package, so with the
repository's folder first on sys.path (pytest's `pythonpath = ["."]`, or `python -c` run
in the repository) `import tests` finds ours; without it a namespace `tests/` folder lost to
garmin-fit-sdk's package.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import tests
from tests.helpers import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
#: The packages our wheel ships (hatch's list), and the test suite's package.
OURS = frozenset(PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
#: Distributions known to install a top-level name of ours, and why that is accepted.
KNOWN_CLASHES = {"tests": {"garmin-fit-sdk"}}  # its own unit tests, shipped in its wheel


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level_names(dist: md.Distribution) -> set[str]:
    """The importable top-level names a distribution installs: its top_level.txt, else the
    first part of each installed path (modules without their suffixes)."""
    listed = dist.read_text("top_level.txt")
    if listed is not None:
        return {n.strip() for n in listed.splitlines() if n.strip()}
    names = set()
    for path in dist.files or ():
        first = path.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".data", ".pth")):
            continue
        if len(path.parts) == 1:  # a module file: name.py, name.cpython-311-x86_64-linux-gnu.so
            if not first.endswith((".py", ".so", ".pyd")):
                continue
            first = first.split(".", 1)[0]
        names.add(first)
    return names


def providers() -> dict[str, set[str]]:
    """Each of our top-level names -> the other installed distributions that provide it."""
    found: dict[str, set[str]] = {name: set() for name in OURS | {"tests"}}
    for dist in md.distributions():
        name = _canonical(dist.metadata["Name"])
        if name == "musclebalance":
            continue
        for top in top_level_names(dist) & found.keys():
            found[top].add(name)
    return found


def test_names_come_from_the_files_where_top_level_txt_is_absent() -> None:
    """prefect and typing-extensions ship no top_level.txt (as installed here): their
    names, by hand from their file lists, are still found."""
    for dist, name in (("prefect", "prefect"), ("typing-extensions", "typing_extensions")):
        d = md.distribution(dist)
        if d.read_text("top_level.txt") is None:
            assert name in top_level_names(d), dist


def test_the_wheel_ships_the_layouts_packages() -> None:
    assert {"flows", "transforms", "schemas", "warehouse"} <= OURS
    assert "tests" not in OURS


def test_no_other_distribution_provides_our_packages() -> None:
    clashes = {top: names for top, names in providers().items() if names}
    assert clashes == KNOWN_CLASHES


def test_garmin_fit_sdk_is_a_runtime_dependency_listed_once() -> None:
    """The one accepted clash comes with a dependency of the package itself (it decodes
    wellness FIT files), declared once: not again among the test tools."""
    runtime = {_canonical(re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0])
               for r in md.requires("musclebalance") or ()}
    dev = {_canonical(re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0])
           for r in PYPROJECT["dependency-groups"]["dev"]}
    assert "garmin-fit-sdk" in runtime
    assert "garmin-fit-sdk" not in dev


def test_tests_is_this_repositorys_package() -> None:
    assert Path(tests.__file__).resolve() == REPO / "tests" / "__init__.py"


def test_a_fresh_interpreter_in_the_repository_imports_our_tests() -> None:
    """Outside pytest: garmin-fit-sdk's `tests` in site-packages does not shadow ours."""
    done = subprocess.run(
        [sys.executable, "-c", "import tests, tests.helpers; print(tests.__file__)"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert Path(done.stdout.strip()).resolve() == REPO / "tests" / "__init__.py"


def test_the_package_is_marked_private() -> None:
    assert "Private :: Do Not Upload" in PYPROJECT["project"]["classifiers"]
    assert "Private :: Do Not Upload" in md.metadata("musclebalance").get_all("Classifier")


def test_no_module_of_a_package_is_named_like_one_of_our_packages() -> None:
    """Prefect runs a deployment's entrypoint (`flows/nightly.py`) with its folder first on
    sys.path, so a module `flows/report.py` would be imported as the package `report`."""
    wrong = sorted(f"{package}/{path.name}" for package in OURS
                   for path in (REPO / package).glob("*.py") if path.stem in OURS | {"tests"})
    assert wrong == []
